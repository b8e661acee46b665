/**
 * File permissions: the database, the -wal and -shm files SQLite makes beside it, every backup
 * and the key file are readable by their owner only (0600); a data folder the library creates is
 * 0700, one the app already had is left as it was; files left looser are tightened at open.
 */
import { Reactivity } from "@effect/experimental"
import { SqlClient } from "@effect/sql"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Crypto from "../../src/internal/Crypto.js"
import * as Database from "../../src/layers/Database.js"
import * as EnvMigration from "../../src/layers/EnvMigration.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import * as SettingsSql from "../../src/layers/SettingsSql.js"
import { Settings } from "../../src/services/Settings.js"
import { tempDir } from "../support/tmp.js"

const mode = (path: string) => Fs.statSync(path).mode & 0o777
const octal = (path: string) => mode(path).toString(8)

// Within the scope, so the connection is open and the -wal and -shm files exist.
const withDb = <A, E>(filename: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(Database.layer({ filename }))))

const settingsAt = (file: string) =>
  SettingsSql.layer.pipe(Layer.provideMerge(Database.layer({ filename: file })), Layer.provide(KeyStores.fromFile(KeyStores.keyFilePath(file))))

describe("file permissions", () => {
  it.scoped("the umask of this process would let others read what SQLite creates (so the checks below mean something)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const plain = Path.join(dir, "plain.db")
      // SQLite itself, without the library: 0644 under the usual umask 022.
      yield* Effect.scoped(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE t (x)`).pipe(
        Effect.provide(SqliteClient.layer({ filename: plain }).pipe(Layer.orDie))
      ))
      expect(mode(plain) & 0o044).not.toBe(0)
    }))

  it.scoped("a new database, its -wal and -shm files are 0600, in a new data folder of 0700", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const data = Path.join(dir, "userData", "ai")
      const file = Path.join(data, "ai.db")
      const modes = yield* withDb(file, (sql) =>
        Effect.gen(function*() {
          yield* sql`INSERT INTO ai_meta (key, value) VALUES ('k', 'v')`
          expect(Fs.existsSync(`${file}-wal`)).toBe(true)
          expect(Fs.existsSync(`${file}-shm`)).toBe(true)
          return [octal(file), octal(`${file}-wal`), octal(`${file}-shm`)]
        }))
      expect(modes).toEqual(["600", "600", "600"])
      expect(octal(data)).toBe("700")
      expect(octal(Path.dirname(data))).toBe("700") // a parent the library had to create too
    }))

  it.scoped("an existing data folder keeps its mode", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const data = Path.join(dir, "shared")
      Fs.mkdirSync(data)
      Fs.chmodSync(data, 0o755)
      const file = Path.join(data, "ai.db")
      yield* withDb(file, (sql) => sql`SELECT 1`)
      expect(octal(data)).toBe("755")
      expect(octal(file)).toBe("600")
    }))

  it.scoped("an existing database left readable by others is tightened at open, with its -wal and -shm files", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      yield* withDb(file, (sql) => sql`INSERT INTO ai_meta (key, value) VALUES ('k', 'v')`)
      // As an older version (or a copy) would have left them, the connection held open by a
      // plain client so the -wal and -shm files stay.
      Fs.chmodSync(file, 0o644)
      yield* Effect.scoped(Effect.gen(function*() {
        const sql = yield* SqliteClient.make({ filename: file })
        yield* sql`INSERT INTO ai_meta (key, value) VALUES ('k2', 'v2')`
        for (const f of [file, `${file}-wal`, `${file}-shm`]) Fs.chmodSync(f, 0o644)
        const rows = yield* withDb(file, (sql) => sql`SELECT key FROM ai_meta WHERE key LIKE 'k%' ORDER BY key`)
        expect(rows).toEqual([{ key: "k" }, { key: "k2" }])
        expect([octal(file), octal(`${file}-wal`), octal(`${file}-shm`)]).toEqual(["600", "600", "600"])
      }).pipe(Effect.provide(Reactivity.layer)))
    }))

  it.scoped("a file moved aside (corrupt or foreign) is 0600, with its companions", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      Fs.writeFileSync(file, "not a database at all\n", { mode: 0o644 })
      const corrupt = yield* Effect.flip(Effect.scoped(Layer.build(Database.layer({ filename: file }))))
      expect(corrupt.reason).toBe("Corrupt")
      expect(octal(corrupt.movedTo!)).toBe("600")

      yield* Effect.scoped(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE invoices (id INTEGER)`).pipe(
        Effect.provide(SqliteClient.layer({ filename: file }).pipe(Layer.orDie))
      ))
      Fs.chmodSync(file, 0o644)
      const foreign = yield* Effect.flip(Effect.scoped(Layer.build(Database.layer({ filename: file }))))
      expect(foreign.reason).toBe("Foreign")
      expect(octal(foreign.movedTo!)).toBe("600")
      for (const f of Fs.readdirSync(dir)) expect([f, octal(Path.join(dir, f))]).toEqual([f, "600"])
    }))

  it.scoped("the backup made before a .env import is 0600 and holds the database", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      const report = yield* Effect.scoped(EnvMigration.fromEnv({
        env: { CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef", CLOUDFLARE_API_TOKEN: "cf-token-SECRET-abcdefghij" }
      }).pipe(Effect.provide(settingsAt(file))))
      expect(report.status).toBe("imported")
      expect(octal(report.backup!)).toBe("600")
      expect(Fs.readFileSync(report.backup!).subarray(0, 16).toString("latin1")).toBe("SQLite format 3\u0000")
    }))

  it.scoped("the key file is created 0600; one left looser is tightened when read; the previous key kept on rotation is 0600", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      const keyFile = KeyStores.keyFilePath(file)
      yield* Effect.scoped(Effect.flatMap(Settings, (s) => s.snapshot).pipe(Effect.provide(settingsAt(file))))
      expect(octal(keyFile)).toBe("600")

      Fs.chmodSync(keyFile, 0o644)
      Fs.writeFileSync(`${keyFile}.previous`, "stale\n", { mode: 0o644 }) // an old copy, replaced on rotation
      const next = Crypto.generateKey()
      yield* Effect.scoped(Effect.flatMap(Settings, (s) => s.rotateMasterKey(next)).pipe(Effect.provide(settingsAt(file))))
      expect(octal(keyFile)).toBe("600")
      expect(octal(`${keyFile}.previous`)).toBe("600")
      expect(Fs.readFileSync(keyFile, "utf8").trim()).toBe(Redacted.value(next))
      expect(Fs.readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([])
    }))
})
