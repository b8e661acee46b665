/**
 * Migration from the `.env` era: DB Toolkit kept `CLOUDFLARE_ACCOUNT_ID` and
 * `CLOUDFLARE_API_TOKEN` (and, in its Python days, `CLOUDFLARE_MODEL`, `AI_TEMPERATURE`,
 * `AI_MAX_TOKENS`) in a `.env` file. This imports them into a Cloudflare configuration and makes
 * it active. It reads only the file the app names (and the environment only when the app passes
 * it), never a file inside the packaged app's own resources, where DB Toolkit's release build
 * ships a `.env` holding the maintainer's token. It is idempotent, reports which file it read and
 * what it imported (never the token), backs the database up before writing, and can be rolled
 * back to that backup.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Redacted, Schema } from "effect"
import * as NodeCrypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as ModelLifecycle from "../domain/ModelLifecycle.js"
import { Settings } from "../services/Settings.js"
import * as PrivateFiles from "../internal/PrivateFiles.js"

/**
 * The migration could not run (an unreadable `.env` file, a failed backup, nothing to roll back).
 *
 * @since 0.1.0
 * @category Errors
 */
export class MigrationError extends Schema.TaggedError<MigrationError>("@db-toolkit/ai/MigrationError")("MigrationError", {
  message: Schema.String
}) {}

/**
 * What a migration did.
 *
 * @since 0.1.0
 * @category Models
 */
export interface MigrationReport {
  readonly status: "imported" | "unchanged" | "nothing-to-import" | "kept-existing"
  /** The configuration fields imported (names only). */
  readonly imported: ReadonlyArray<string>
  /** Variables found but not used, and why. */
  readonly skipped: ReadonlyArray<{ readonly variable: string; readonly reason: string }>
  /** Where the values came from: the file's path, and `environment` when variables were used. */
  readonly sources: ReadonlyArray<string>
  /**
   * The `.env` file the app named, and what became of it: `read`; `missing`; or `refused`, inside
   * the packaged app's own resources (`process.resourcesPath`) and never read. Undefined when none
   * was named.
   */
  readonly file: EnvFile | undefined
  /** The backup made before writing. */
  readonly backup: string | undefined
  /** Whether Cloudflare became the active provider. */
  readonly activated: boolean
}

/**
 * The `.env` file a migration was given, and what became of it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface EnvFile {
  /** The path as the app gave it. */
  readonly path: string
  /** `read`, `missing` (nothing there), or `refused` (inside the packaged app's resources: not read). */
  readonly status: "read" | "missing" | "refused"
}

/**
 * Where to look, and whether to replace a Cloudflare configuration that differs.
 *
 * @since 0.1.0
 * @category Models
 */
export interface MigrationOptions {
  /**
   * Environment variables to read too (`process.env`, say); they win over the file, as dotenv
   * does. None by default: an app's environment can hold a token it never meant to import (one
   * that old code loaded from the shipped `.env`, or another tool's `CLOUDFLARE_API_TOKEN`).
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /**
   * The `.env` file to import, one the user owns (DB Toolkit in development: the repo root's).
   * A file inside the packaged app's resources (`process.resourcesPath`) is refused, not read.
   */
  readonly envFile?: string | undefined
  /** Replace an existing Cloudflare configuration that differs (default: keep it). */
  readonly force?: boolean | undefined
}

/**
 * Reads a `.env` file: `KEY=value` lines, optional `export `, single or double quotes (with `\n`
 * escapes in double quotes), `#` comments (inline ones only after unquoted values).
 *
 * @since 0.1.0
 * @category Parsing
 */
export const parseEnvFile = (text: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(raw)
    if (!m) continue
    let value = m[2]!.trim()
    const q = value[0]
    if ((q === "\"" || q === "'" || q === "`") && value.lastIndexOf(q) > 0) {
      value = value.slice(1, value.lastIndexOf(q))
      if (q === "\"") value = value.replace(/\\n/g, "\n").replace(/\\"/g, "\"")
    } else value = value.replace(/\s+#.*$/, "").trim()
    out[m[1]!] = value
  }
  return out
}

const META_KEY = "env_migration"

// Inside Electron's resources folder (a packaged app's, or Electron's own in development) lies
// only what the build shipped: never the user's settings.
const insideResources = (file: string): string | undefined => {
  const resources = (process as { readonly resourcesPath?: unknown }).resourcesPath
  if (typeof resources !== "string" || resources === "") return undefined
  const real = (p: string) => {
    try {
      return Fs.realpathSync.native(p)
    } catch {
      return Path.resolve(p)
    }
  }
  const inside = (dir: string, p: string) => {
    const rel = Path.relative(dir, p)
    return rel !== "" && !rel.startsWith("..") && !Path.isAbsolute(rel)
  }
  return inside(Path.resolve(resources), Path.resolve(file)) || inside(real(resources), real(file)) ? resources : undefined
}

const readEnvFile = (path: string): Effect.Effect<{ readonly file: EnvFile; readonly vars: Record<string, string> }, MigrationError> =>
  Effect.gen(function*() {
    const resources = insideResources(path)
    if (resources !== undefined) {
      yield* Effect.logWarning(
        `Not reading ${path}: it is inside the app's own resources (${resources}), where a release build's .env is the ` +
          "maintainer's, not the user's; name a file the user owns, and remove the .env from the release build"
      )
      return { file: { path, status: "refused" as const }, vars: {} }
    }
    if (!Fs.existsSync(path)) return { file: { path, status: "missing" as const }, vars: {} }
    const text = yield* Effect.try({
      try: () => Fs.readFileSync(path, "utf8"),
      catch: (e) => new MigrationError({ message: `Could not read ${path}: ${(e as Error).message}` })
    })
    return { file: { path, status: "read" as const }, vars: parseEnvFile(text) }
  })

const variables = {
  accountId: "CLOUDFLARE_ACCOUNT_ID",
  apiToken: "CLOUDFLARE_API_TOKEN",
  model: "CLOUDFLARE_MODEL",
  temperature: "AI_TEMPERATURE",
  maxTokens: "AI_MAX_TOKENS"
} as const

const sameConfig = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  Object.keys(variables).every((k) => {
    const x = a[k]
    const y = b[k]
    const v = (u: unknown) => (Redacted.isRedacted(u) ? Redacted.value(u as Redacted.Redacted<string>) : u)
    return v(x) === v(y)
  })

const backupFailed = (e: unknown) =>
  new MigrationError({ message: `Could not back up the database before the migration: ${e instanceof Error ? e.message : String(e)}` })

// VACUUM INTO writes a consistent copy even in WAL mode. It accepts an empty target, so the file
// is made first with mode 0600: SQLite would create it readable by everyone (0644).
const backUp = (sql: SqlClient.SqlClient, file: string) =>
  Effect.gen(function*() {
    const made = yield* Effect.try({ try: () => PrivateFiles.createEmpty(file), catch: backupFailed })
    if (!made) return yield* backupFailed(new Error(`${file} exists already`))
    yield* sql.unsafe(`VACUUM INTO '${file.replace(/'/g, "''")}'`).pipe(
      Effect.mapError(backupFailed),
      Effect.tapError(() => Effect.sync(() => Fs.rmSync(file, { force: true })))
    )
  })

/**
 * Imports the `.env`-era Cloudflare settings.
 *
 * @since 0.1.0
 * @category Migration
 */
export const fromEnv = (options: MigrationOptions = {}) =>
  Effect.gen(function*() {
    const settings = yield* Settings
    const sql = yield* SqlClient.SqlClient
    const sources: Array<string> = []
    const read = options.envFile === undefined ? undefined : yield* readEnvFile(options.envFile)
    const vars: Record<string, string | undefined> = { ...read?.vars }
    if (read?.file.status === "read") sources.push(read.file.path)
    const env = options.env ?? {}
    if (Object.values(variables).some((v) => env[v] !== undefined && env[v] !== "")) sources.push("environment")
    for (const v of Object.values(variables)) if (env[v] !== undefined && env[v] !== "") vars[v] = env[v]

    const skipped: Array<{ variable: string; reason: string }> = []
    const report = (status: MigrationReport["status"], imported: ReadonlyArray<string> = [], backup?: string, activated = false): MigrationReport => ({
      status,
      imported,
      skipped,
      sources,
      file: read?.file,
      backup,
      activated
    })
    const accountId = vars[variables.accountId]?.trim()
    const apiToken = vars[variables.apiToken]?.trim()
    if (!accountId || !apiToken) {
      if (accountId || apiToken) {
        skipped.push({ variable: accountId ? variables.apiToken : variables.accountId, reason: "is missing, so nothing was imported" })
      }
      return report("nothing-to-import")
    }
    const input: Record<string, unknown> = { accountId, apiToken: Redacted.make(apiToken) }
    const model = vars[variables.model]?.trim()
    // A retired model would disable the provider it came with: import the rest, and say so.
    const retired = model ? ModelLifecycle.retirement("cloudflare", model) : undefined
    if (model && retired !== undefined) {
      skipped.push({ variable: variables.model, reason: `${ModelLifecycle.retiredReason(model, retired)} (the default is used until you choose)` })
    } else if (model) input.model = model
    for (const [field, variable, parse] of [
      ["temperature", variables.temperature, (s: string) => Number(s)],
      ["maxTokens", variables.maxTokens, (s: string) => (/^\d+$/.test(s) ? Number(s) : Number.NaN)]
    ] as const) {
      const raw = vars[variable]?.trim()
      if (!raw) continue
      const n = parse(raw)
      if (Number.isFinite(n)) input[field] = n
      else skipped.push({ variable, reason: "is not a number" })
    }

    const existing = yield* settings.providerInput("cloudflare").pipe(Effect.option)
    if (existing._tag === "Some") {
      if (sameConfig(existing.value, input)) return report("unchanged")
      if (!options.force) return report("kept-existing")
    }

    // Back up first.
    const [main] = yield* sql<{ file: string }>`SELECT file FROM pragma_database_list WHERE name = 'main'`.pipe(
      Effect.mapError((e) => new MigrationError({ message: `Could not locate the database: ${e.message}` }))
    )
    let backup: string | undefined
    if (main?.file) {
      const stamp = new Date(yield* Clock.currentTimeMillis).toISOString().replace(/[:.]/g, "-")
      backup = `${main.file}.backup-${stamp}-${NodeCrypto.randomBytes(3).toString("hex")}`
      yield* backUp(sql, backup)
    }
    yield* settings.saveProvider("cloudflare", input, { enabled: true })
    const snapshot = yield* settings.snapshot
    const activated = snapshot.settings.activeProvider === undefined
    if (activated) yield* settings.update({ activeProvider: "cloudflare" })
    const imported = Object.keys(input)
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    yield* sql`INSERT INTO ai_meta (key, value) VALUES (${META_KEY}, ${JSON.stringify({ at, backup, imported, sources })})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`.pipe(
      Effect.mapError((e) => new MigrationError({ message: `Could not record the migration: ${e.message}` }))
    )
    yield* Effect.logInfo(`Imported the Cloudflare settings (${imported.join(", ")}) from ${sources.join(" and ")}`)
    return report("imported", imported, backup, activated)
  })

const TABLES = ["ai_settings", "ai_providers", "ai_secrets", "ai_meta"] as const

/**
 * Restores the settings tables from the backup the last migration made.
 *
 * @since 0.1.0
 * @category Migration
 */
export const rollback = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const settings = yield* Settings
  const fail = (message: string) => (e?: { message: string }) => new MigrationError({ message: e ? `${message}: ${e.message}` : message })
  const [row] = yield* sql<{ value: string }>`SELECT value FROM ai_meta WHERE key = ${META_KEY}`.pipe(Effect.mapError(fail("Could not read the migration record")))
  const backup = row ? (JSON.parse(row.value) as { backup?: string }).backup : undefined
  if (!backup) return yield* Effect.fail(fail("There is no migration with a backup to roll back")())
  if (!Fs.existsSync(backup)) return yield* Effect.fail(fail(`The backup ${backup} is missing`)())
  yield* Effect.acquireUseRelease(
    sql`ATTACH DATABASE ${backup} AS backup`,
    () =>
      sql.withTransaction(Effect.forEach(TABLES, (t) =>
        Effect.zipRight(sql.unsafe(`DELETE FROM main.${t}`), sql.unsafe(`INSERT INTO main.${t} SELECT * FROM backup.${t}`)), { discard: true })),
    () => Effect.ignore(sql`DETACH DATABASE backup`)
  ).pipe(Effect.mapError(fail(`Could not restore ${backup}`)))
  yield* Effect.mapError(settings.reload, (e) => fail("Restored, but could not reload the settings")(e))
  return { restoredFrom: backup }
})
