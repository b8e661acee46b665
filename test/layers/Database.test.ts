import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Database from "../../src/layers/Database.js"
import { tempDir } from "../support/tmp.js"

const open = (filename: string) => Effect.scoped(Layer.build(Database.layer({ filename })))
const withDb = <A, E>(filename: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(Database.layer({ filename }))))

describe("Database", () => {
  it.scoped("creates the file in WAL mode, marks it as ours and migrates it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "nested", "ai.db")
      const info = yield* withDb(file, (sql) =>
        Effect.all([sql`PRAGMA journal_mode`, sql`PRAGMA application_id`, sql`PRAGMA user_version`, sql`SELECT name FROM sqlite_master WHERE type='table' ORDER BY name`]))
      expect(info[0]).toEqual([{ journal_mode: "wal" }])
      expect(info[1]).toEqual([{ application_id: Database.APPLICATION_ID }])
      expect((info[2][0] as { user_version: number }).user_version).toBeGreaterThanOrEqual(1)
      expect(info[3].map((r) => (r as { name: string }).name)).toEqual(expect.arrayContaining(["ai_meta", "ai_providers", "ai_secrets", "ai_settings"]))
      // a second open is idempotent and keeps data
      yield* withDb(file, (sql) => sql`INSERT INTO ai_meta (key, value) VALUES ('k', 'v')`)
      const rows = yield* withDb(file, (sql) => sql`SELECT value FROM ai_meta WHERE key = 'k'`)
      expect(rows).toEqual([{ value: "v" }])
    }))

  it.scoped("a file that is not SQLite is moved aside, never overwritten, with a clear error", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      Fs.writeFileSync(file, "this is not a database, it is a note\n")
      const error = yield* Effect.flip(open(file))
      expect(error.reason).toBe("Corrupt")
      expect(error.movedTo).toBeDefined()
      expect(Fs.readFileSync(error.movedTo!, "utf8")).toBe("this is not a database, it is a note\n")
      expect(Fs.existsSync(file)).toBe(false)
      expect(error.message).toContain("moved to")
      // the next start creates a fresh one
      yield* open(file)
      expect(Fs.existsSync(file)).toBe(true)
    }))

  it.scoped("a damaged SQLite file is moved aside", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      yield* open(file)
      const bytes = Fs.readFileSync(file)
      bytes.fill(0x5a, 100, Math.min(bytes.length, 4096))
      Fs.writeFileSync(file, bytes)
      Fs.rmSync(file + "-wal", { force: true })
      Fs.rmSync(file + "-shm", { force: true })
      const error = yield* Effect.flip(open(file))
      expect(error.reason).toBe("Corrupt")
      expect(Fs.existsSync(error.movedTo!)).toBe(true)
    }))

  it.scoped("another program's SQLite database is moved aside", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      yield* Effect.scoped(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE invoices (id INTEGER)`).pipe(
        Effect.provide((yield* Effect.promise(() => import("@effect/sql-sqlite-node/SqliteClient"))).layer({ filename: file }))
      ))
      const error = yield* Effect.flip(open(file))
      expect(error.reason).toBe("Foreign")
      expect(error.message).toContain("another program")
    }))

  it.scoped("a database from a newer version is refused and left untouched", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      yield* withDb(file, (sql) => sql.unsafe("PRAGMA user_version = 999"))
      const before = Fs.readFileSync(file)
      const error = yield* Effect.flip(open(file))
      expect(error.reason).toBe("TooNew")
      expect(error.message).toContain("newer version")
      expect(Fs.readFileSync(file).equals(before)).toBe(true)
    }))
})
