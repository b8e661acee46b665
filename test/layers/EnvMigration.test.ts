/**
 * The `.env` migration reads only the file the app names: never the environment unless the app
 * passes it, never a file inside the packaged app's own resources (where DB Toolkit's release
 * build ships the maintainer's token), and its report and log say which file it read.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Crypto from "../../src/internal/Crypto.js"
import * as AiStack from "../../src/layers/AiStack.js"
import * as Database from "../../src/layers/Database.js"
import * as EnvMigration from "../../src/layers/EnvMigration.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import * as SettingsSql from "../../src/layers/SettingsSql.js"
import { Settings } from "../../src/services/Settings.js"
import { HttpLive } from "../support/http.js"
import { tempDir } from "../support/tmp.js"

const ACCOUNT = "0123456789abcdef0123456789abcdef"
const SHIPPED_TOKEN = "cf-SECRET-maintainers-shipped-token"
const USER_TOKEN = "cf-SECRET-users-own-token-0123456"
const ENV_TOKEN = "cf-SECRET-wrangler-env-token-4567"

const envText = (token: string) => `CLOUDFLARE_ACCOUNT_ID=${ACCOUNT}\nCLOUDFLARE_API_TOKEN=${token}\n`

/** Every log line, to check what was said and that no token was. */
const captureLogs = () => {
  const lines: Array<string> = []
  const layer = Layer.merge(
    Logger.replace(Logger.defaultLogger, Logger.make(({ logLevel, message }) => void lines.push(`${logLevel.label} ${String(message)}`))),
    Logger.minimumLogLevel(LogLevel.All)
  )
  return { lines, layer }
}

// Sets a property of `process` (or of its environment) for the length of the scope.
const setFor = (target: Record<string, unknown>, key: string, value: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const had = Object.prototype.hasOwnProperty.call(target, key)
      const before = target[key]
      target[key] = value
      return { had, before }
    }),
    ({ before, had }) => Effect.sync(() => void (had ? target[key] = before : delete target[key]))
  )

/** A packaged app's layout: `resources/.env` as the release build ships it, and the user's data folder. */
const packagedApp = Effect.gen(function*() {
  const dir = yield* tempDir
  const resources = Path.join(dir, "DB Toolkit", "resources")
  const userData = Path.join(dir, "userData")
  Fs.mkdirSync(Path.join(resources, "app.asar.unpacked"), { recursive: true })
  Fs.mkdirSync(userData, { recursive: true })
  const shipped = Path.join(resources, ".env")
  Fs.writeFileSync(shipped, envText(SHIPPED_TOKEN))
  yield* setFor(process as unknown as Record<string, unknown>, "resourcesPath", resources)
  return { dir, resources, userData, shipped, db: Path.join(userData, "ai.db") }
})

// One master key per database, as a real app keeps it.
const keys = new Map<string, ReturnType<typeof Crypto.generateKey>>()
const keyFor = (db: string) => {
  if (!keys.has(db)) keys.set(db, Crypto.generateKey())
  return KeyStores.fromKey(keys.get(db)!)
}

const migrate = (db: string, options: EnvMigration.MigrationOptions, logs = captureLogs()) =>
  Effect.scoped(Effect.gen(function*() {
    const report = yield* EnvMigration.fromEnv(options)
    const providers = (yield* (yield* Settings).snapshot).providers.map((p) => p.id)
    return { report, providers }
  }).pipe(
    Effect.provide(SettingsSql.layer.pipe(Layer.provideMerge(Database.layer({ filename: db })), Layer.provide(keyFor(db)))),
    Effect.provide(logs.layer)
  ))

describe("EnvMigration.fromEnv reads only the file the app names", () => {
  it.scoped("the shipped .env inside the packaged app's resources is refused, never read, and the report says so", () =>
    Effect.gen(function*() {
      const { db, resources, shipped } = yield* packagedApp
      for (const envFile of [shipped, Path.join(resources, "app.asar.unpacked", "..", ".env"), Path.join(resources, "app.asar", ".env")]) {
        const logs = captureLogs()
        const { providers, report } = yield* migrate(db, { envFile }, logs)
        expect(report.status).toBe("nothing-to-import")
        expect(report.file).toEqual({ path: envFile, status: "refused" })
        expect(report.sources).toEqual([])
        expect(report.imported).toEqual([])
        expect(providers).toEqual([])
        const warning = logs.lines.find((l) => l.startsWith("WARN"))
        expect(warning).toContain(`Not reading ${envFile}: it is inside the app's own resources (${resources})`)
        expect(warning).toContain("remove the .env from the release build")
        for (const line of logs.lines) expect(line).not.toContain(SHIPPED_TOKEN)
        expect(JSON.stringify(report)).not.toContain(SHIPPED_TOKEN)
      }
    }))

  it.scoped("a link to the shipped file from elsewhere is refused too", () =>
    Effect.gen(function*() {
      const { db, shipped, userData } = yield* packagedApp
      const link = Path.join(userData, "linked.env")
      Fs.symlinkSync(shipped, link)
      const { report } = yield* migrate(db, { envFile: link })
      expect(report.file).toEqual({ path: link, status: "refused" })
      expect(report.status).toBe("nothing-to-import")
    }))

  it.scoped("a file the user owns is imported, and the report and the log name it", () =>
    Effect.gen(function*() {
      const { db, userData } = yield* packagedApp
      const envFile = Path.join(userData, ".env")
      Fs.writeFileSync(envFile, envText(USER_TOKEN))
      const logs = captureLogs()
      const { providers, report } = yield* migrate(db, { envFile }, logs)
      expect(report.status).toBe("imported")
      expect(report.file).toEqual({ path: envFile, status: "read" })
      expect(report.sources).toEqual([envFile])
      expect(providers).toEqual(["cloudflare"])
      expect(logs.lines).toContain(`INFO Imported the Cloudflare settings (accountId, apiToken) from ${envFile}`)
      for (const line of logs.lines) expect(line).not.toContain(USER_TOKEN)
    }))

  it.scoped("the environment is read only when the app passes it; a named file that is absent is reported as missing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const db = Path.join(dir, "ai.db")
      yield* setFor(process.env, "CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
      yield* setFor(process.env, "CLOUDFLARE_API_TOKEN", ENV_TOKEN)

      const none = yield* migrate(db, {})
      expect(none.report).toMatchObject({ status: "nothing-to-import", sources: [], file: undefined })
      expect(none.providers).toEqual([])

      const missing = Path.join(dir, ".env")
      const absent = yield* migrate(db, { envFile: missing })
      expect(absent.report).toMatchObject({ status: "nothing-to-import", sources: [], file: { path: missing, status: "missing" } })

      const logs = captureLogs()
      const fromEnv = yield* migrate(db, { envFile: missing, env: process.env }, logs)
      expect(fromEnv.report).toMatchObject({ status: "imported", sources: ["environment"], file: { path: missing, status: "missing" } })
      expect(logs.lines).toContain("INFO Imported the Cloudflare settings (accountId, apiToken) from environment")
    }))

  it.scopedLive("AiStack pointed at the shipped .env starts, imports nothing and warns; pointed at the user's file it imports it", () =>
    Effect.gen(function*() {
      const { db, shipped, userData } = yield* packagedApp
      const start = (envFile: string, logs: ReturnType<typeof captureLogs>) =>
        Effect.scoped(Effect.flatMap(Settings, (s) => s.snapshot).pipe(
          Effect.provide(AiStack.layer({ databasePath: db, keyStore: keyFor(db), migrateEnv: { envFile } }).pipe(
            Layer.provide(HttpLive),
            Layer.provide(logs.layer)
          ))
        ))
      const logs = captureLogs()
      const snapshot = yield* start(shipped, logs)
      expect(snapshot.providers).toEqual([])
      expect(logs.lines.some((l) => l.startsWith("WARN") && l.includes(`Not reading ${shipped}`))).toBe(true)

      const mine = Path.join(userData, "imported.env")
      Fs.writeFileSync(mine, envText(USER_TOKEN))
      const after = yield* Effect.flatMap(Effect.sync(captureLogs), (l) => start(mine, l))
      expect(after.providers.map((p) => p.id)).toEqual(["cloudflare"])
      expect(after.settings.activeProvider).toBe("cloudflare")
    }))
})
