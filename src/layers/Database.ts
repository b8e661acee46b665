/**
 * The library's one SQLite database (settings, secrets, metrics), opened in WAL mode with its
 * schema brought up to date by numbered migrations. A file that is not SQLite, is damaged, or
 * belongs to another program is moved aside (never overwritten) and reported; a database written
 * by a newer version of the library is refused untouched. A SQLite driver whose native module
 * cannot load (built for another Node.js or Electron) is reported in one line naming the fix,
 * before any file is touched. The file, its `-wal` and `-shm` files and anything moved aside are
 * readable by their owner only (0600); a data folder the library creates is 0700.
 *
 * @since 0.1.0
 */
import { Reactivity } from "@effect/experimental"
import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Effect, Layer, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { migrations, schemaVersion } from "./migrations/index.js"
import * as NativeDriver from "../internal/NativeDriver.js"
import * as PrivateFiles from "../internal/PrivateFiles.js"

/**
 * The database could not be opened as this library's.
 *
 * @since 0.1.0
 * @category Errors
 */
export class DatabaseError extends Schema.TaggedError<DatabaseError>("@db-toolkit/ai/DatabaseError")("DatabaseError", {
  /** `NativeModule`: better-sqlite3's native module cannot load (the message names the rebuild command). */
  reason: Schema.Literal("Corrupt", "Foreign", "TooNew", "Io", "Migration", "NativeModule"),
  path: Schema.String,
  message: Schema.String,
  movedTo: Schema.optional(Schema.String)
}) {}

/**
 * Marks a file as this library's (`PRAGMA application_id`, "DTAI").
 *
 * @since 0.1.0
 * @category Constants
 */
export const APPLICATION_ID = 0x44544149

/**
 * The default location, beside DB Toolkit's own `~/.db-toolkit/settings.json`. An Electron app
 * passes its user-data folder instead.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultPath = (): string => Path.join(Os.homedir(), ".db-toolkit", "ai", "ai.db")

/**
 * Where the database lives; `:memory:` for a throwaway one.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly filename?: string | undefined
}

const SQLITE_HEADER = "SQLite format 3\u0000"

const io = (path: string, what: string) => (cause: unknown) =>
  new DatabaseError({ reason: "Io", path, message: `Could not ${what} ${path}: ${cause instanceof Error ? cause.message : String(cause)}` })

const COMPANIONS = ["", "-wal", "-shm"] as const

// Renames the file (and its WAL and shared-memory files) out of the way, never deleting anything.
// The copies keep the settings' secrets (sealed) and the metrics: private like the original.
const moveAside = (path: string, why: string) =>
  Effect.try({
    try: () => {
      const stamp = new Date().toISOString().replace(/[:.]/g, "-")
      const target = `${path}.${why}-${stamp}`
      for (const suffix of COMPANIONS) {
        if (!Fs.existsSync(path + suffix)) continue
        Fs.renameSync(path + suffix, target + suffix)
        PrivateFiles.tighten(target + suffix)
      }
      return target
    },
    catch: io(path, "move aside")
  })

// A database from before the files were made private, or one copied in with a loose mode, is
// tightened, and before SQLite opens it: the -wal and -shm files it makes take the file's mode.
const tightenExisting = (path: string) =>
  Effect.forEach(COMPANIONS, (suffix) =>
    Effect.try(() => PrivateFiles.tighten(path + suffix)).pipe(
      Effect.tap((changed) => changed ? Effect.logInfo(`Made ${path + suffix} readable by its owner only (0600)`) : Effect.void),
      // A file the user cannot chmod (another owner) still opens; say so rather than refuse.
      Effect.catchAll((e) => Effect.logWarning(`Could not make ${path + suffix} private (0600): ${e.error instanceof Error ? e.error.message : String(e.error)}`))
    ), { discard: true })

interface Inspection {
  readonly applicationId: number
  readonly userVersion: number
  readonly tables: ReadonlyArray<string>
  readonly integrity: string
}

// Opens an existing file read-only, just long enough to look at it.
const inspect = (path: string): Effect.Effect<Inspection | "not-sqlite"> =>
  Effect.scoped(
    Effect.gen(function*() {
      const sql = yield* SqliteClient.make({ filename: path, readonly: true, disableWAL: true })
      const [app] = yield* sql<{ application_id: number }>`PRAGMA application_id`
      const [version] = yield* sql<{ user_version: number }>`PRAGMA user_version`
      const tables = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`
      const [check] = yield* sql<{ quick_check: string }>`PRAGMA quick_check(1)`
      return {
        applicationId: app?.application_id ?? 0,
        userVersion: version?.user_version ?? 0,
        tables: tables.map((t) => t.name),
        integrity: check?.quick_check ?? "unknown"
      }
    })
  ).pipe(Effect.provide(Reactivity.layer), Effect.catchAllCause(() => Effect.succeed("not-sqlite" as const)))

// better-sqlite3 loads its native module on the first open: done here on a throwaway in-memory
// database before any file is looked at, so a module built for another Node.js or Electron is one
// clear error (and is never taken for a damaged file, which `inspect` would move aside).
const checkDriver = (path: string): Effect.Effect<void, DatabaseError> =>
  Effect.scoped(SqliteClient.make({ filename: ":memory:", disableWAL: true })).pipe(
    Effect.provide(Reactivity.layer),
    Effect.asVoid,
    Effect.catchAllDefect((defect) =>
      Effect.fail(new DatabaseError({ reason: "NativeModule", path, message: NativeDriver.describeLoadFailure(defect) }))
    )
  )

const OURS = /^(ai_|effect_sql_migrations$|sqlite_)/

const prepare = (path: string): Effect.Effect<void, DatabaseError> =>
  Effect.gen(function*() {
    yield* Effect.try({ try: () => PrivateFiles.ensureDir(Path.dirname(path)), catch: io(path, "create the folder of") })
    // A new database starts as an empty 0600 file, which SQLite takes as an empty database.
    if (!Fs.existsSync(path)) return yield* Effect.asVoid(Effect.try({ try: () => PrivateFiles.createEmpty(path), catch: io(path, "create") }))
    yield* tightenExisting(path)
    const header = yield* Effect.try({
      try: () => {
        const fd = Fs.openSync(path, "r")
        try {
          const buf = Buffer.alloc(16)
          const n = Fs.readSync(fd, buf, 0, 16, 0)
          return buf.subarray(0, n).toString("latin1")
        } finally {
          Fs.closeSync(fd)
        }
      },
      catch: io(path, "read")
    })
    if (header.length === 0) return
    const found = header === SQLITE_HEADER ? yield* inspect(path) : "not-sqlite"
    if (found === "not-sqlite" || found.integrity !== "ok") {
      const movedTo = yield* moveAside(path, "corrupt")
      return yield* new DatabaseError({
        reason: "Corrupt",
        path,
        movedTo,
        message: `${path} is not a readable SQLite database${found === "not-sqlite" ? "" : ` (integrity check: ${found.integrity})`}; it was moved to ${movedTo} and a new database will be created on the next start`
      })
    }
    const foreign = found.applicationId !== 0 ? found.applicationId !== APPLICATION_ID : found.tables.some((t) => !OURS.test(t))
    if (foreign) {
      const movedTo = yield* moveAside(path, "foreign")
      return yield* new DatabaseError({
        reason: "Foreign",
        path,
        movedTo,
        message: `${path} belongs to another program; it was moved to ${movedTo} and a new database will be created on the next start`
      })
    }
    if (found.userVersion > schemaVersion) {
      return yield* new DatabaseError({
        reason: "TooNew",
        path,
        message: `${path} was written by a newer version of @db-toolkit/ai (schema ${found.userVersion}; this version knows up to ${schemaVersion}). Upgrade the library; the file was left untouched`
      })
    }
  })

const migrate = (path: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // Written only when they differ: an open that changes nothing leaves the file's bytes as they
    // were (a start refused for a key problem must not touch the database).
    const [app] = yield* sql<{ application_id: number }>`PRAGMA application_id`
    if (app?.application_id !== APPLICATION_ID) yield* sql.unsafe(`PRAGMA application_id = ${APPLICATION_ID}`)
    yield* Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: "effect_sql_migrations" })
    const [version] = yield* sql<{ user_version: number }>`PRAGMA user_version`
    if (version?.user_version !== schemaVersion) yield* sql.unsafe(`PRAGMA user_version = ${schemaVersion}`)
  }).pipe(
    Effect.mapError((cause) =>
      new DatabaseError({ reason: "Migration", path, message: `Could not bring ${path} up to date: ${cause.message}` }))
  )

/**
 * The database as a Layer (`SqlClient` and `SqliteClient`), checked and migrated; `NativeModule`
 * when the SQLite driver cannot load.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, DatabaseError> => {
  const path = options.filename ?? defaultPath()
  const memory = path === ":memory:"
  const client = Layer.unwrapEffect(
    Effect.as(Effect.zipRight(checkDriver(path), memory ? Effect.void : prepare(path)), SqliteClient.layer({ filename: path }).pipe(Layer.orDie))
  )
  return Layer.effectDiscard(migrate(path)).pipe(Layer.provideMerge(client))
}
