/**
 * Migration from the `.env` era: DB Toolkit kept `CLOUDFLARE_ACCOUNT_ID` and
 * `CLOUDFLARE_API_TOKEN` (and, in its Python days, `CLOUDFLARE_MODEL`, `AI_TEMPERATURE`,
 * `AI_MAX_TOKENS`) in the environment or a `.env` file. This imports them into a Cloudflare
 * configuration and makes it active. It is idempotent, reports what it imported (never the
 * token), backs the database up before writing, and can be rolled back to that backup.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Redacted, Schema } from "effect"
import * as NodeCrypto from "node:crypto"
import * as Fs from "node:fs"
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
  /** Where the values came from. */
  readonly sources: ReadonlyArray<string>
  /** The backup made before writing. */
  readonly backup: string | undefined
  /** Whether Cloudflare became the active provider. */
  readonly activated: boolean
}

/**
 * Where to look, and whether to replace a Cloudflare configuration that differs.
 *
 * @since 0.1.0
 * @category Models
 */
export interface MigrationOptions {
  /** Environment variables (default `process.env`); they win over the file, as dotenv does. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** A `.env` file (DB Toolkit: `<resourcesPath>/.env` when packaged, the repo root in development). */
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
    let vars: Record<string, string | undefined> = {}
    if (options.envFile !== undefined && Fs.existsSync(options.envFile)) {
      const text = yield* Effect.try({
        try: () => Fs.readFileSync(options.envFile!, "utf8"),
        catch: (e) => new MigrationError({ message: `Could not read ${options.envFile}: ${(e as Error).message}` })
      })
      vars = parseEnvFile(text)
      sources.push(options.envFile)
    }
    const env = options.env ?? process.env
    if (Object.values(variables).some((v) => env[v] !== undefined && env[v] !== "")) sources.push("environment")
    for (const v of Object.values(variables)) if (env[v] !== undefined && env[v] !== "") vars[v] = env[v]

    const skipped: Array<{ variable: string; reason: string }> = []
    const report = (status: MigrationReport["status"], imported: ReadonlyArray<string> = [], backup?: string, activated = false): MigrationReport => ({
      status,
      imported,
      skipped,
      sources,
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
    if (model) input.model = model
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
    yield* Effect.logInfo(`Imported the .env Cloudflare settings (${imported.join(", ")})`)
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
