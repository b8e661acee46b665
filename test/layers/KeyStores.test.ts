/**
 * A lost master key: with secrets stored, every start fails with MissingMasterKey (naming the key
 * file and the ways out) and leaves no new key behind, the database unchanged; with none, a new
 * key is adopted. `resetSecrets` is the way out without the key.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as CacheKey from "../../src/domain/CacheKey.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as Database from "../../src/layers/Database.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import * as ResponseCacheSql from "../../src/layers/ResponseCacheSql.js"
import * as SettingsSql from "../../src/layers/SettingsSql.js"
import { KeyStore } from "../../src/services/KeyStore.js"
import * as ResponseCache from "../../src/services/ResponseCache.js"
import { Settings, type SettingsError } from "../../src/services/Settings.js"
import { tempDir } from "../support/tmp.js"

const OPENAI_KEY = "sk-openai-SECRET-lost-abcdefghij"
const ANTHROPIC_KEY = "sk-ant-SECRET-lost-abcdefghij"

const settingsAt = (file: string, keyStore = KeyStores.fromFile(KeyStores.keyFilePath(file))) =>
  SettingsSql.layer.pipe(Layer.provideMerge(Database.layer({ filename: file })), Layer.provide(keyStore))

const withSettings = <A, E>(file: string, f: (s: typeof Settings.Service) => Effect.Effect<A, E>, keyStore?: Layer.Layer<KeyStore>) =>
  Effect.scoped(Effect.flatMap(Settings, f).pipe(Effect.provide(settingsAt(file, keyStore))))

const start = (file: string) => withSettings(file, (s) => s.snapshot)

const startFails = (file: string) =>
  Effect.flip(start(file)).pipe(Effect.map((e) => e as SettingsError))

// On the database alone, as after a failed start.
const reset = (file: string) => Effect.scoped(SettingsSql.resetSecrets.pipe(Effect.provide(Database.layer({ filename: file }))))

// The whole database as stored: the main file and whatever WAL is left.
const bytes = (file: string) => Buffer.concat([file, `${file}-wal`].filter((f) => Fs.existsSync(f)).map((f) => Fs.readFileSync(f)))

const setup = Effect.gen(function*() {
  const dir = yield* tempDir
  const file = Path.join(dir, "ai.db")
  return { dir, file, keyFile: KeyStores.keyFilePath(file) }
})

const storeTwoKeys = (file: string) =>
  withSettings(file, (s) =>
    Effect.zipRight(
      s.saveProvider("openai", { apiKey: OPENAI_KEY, model: "gpt-4.1", organization: "org-1" }),
      s.saveProvider("anthropic", { apiKey: ANTHROPIC_KEY, maxTokens: 1024 })
    ))

// One answer in the response cache, stored as the service stores it.
const withCache = <A, E>(file: string, f: (cache: ResponseCache.Service) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(ResponseCache.ResponseCache, f).pipe(
    Effect.provide(ResponseCacheSql.layer().pipe(Layer.provide(Database.layer({ filename: file }))))
  ))
const cacheKey = CacheKey.make({ provider: "openai", model: "gpt-4.1", task: "GenerateSql", request: { prompt: "count users" }, dialect: "sqlite" })
const storeCachedAnswer = (file: string) =>
  withCache(file, (cache) => cache.set(cacheKey, "SELECT COUNT(*) FROM users", Schema.String, { cacheable: true }))
const cachedAnswers = (file: string) => withCache(file, (cache) => Effect.map(cache.stats, (s) => s.entries))

describe("a lost key file", () => {
  it.scoped("with secrets stored: MissingMasterKey naming the file and the recovery, no key left behind, the same on every start, nothing changed", () =>
    Effect.gen(function*() {
      const { file, keyFile } = yield* setup
      yield* storeTwoKeys(file)
      Fs.rmSync(keyFile)
      const before = bytes(file)

      const error = yield* startFails(file)
      expect(error._tag).toBe("SettingsError")
      expect(error.reason).toBe("MissingMasterKey")
      expect(error.message).toContain(`The key file ${keyFile} is missing`)
      expect(error.message).toContain("holds 2 encrypted keys")
      expect(error.message).toContain("restore the key file")
      expect(error.message).toContain("DBTK_AI_MASTER_KEY")
      expect(error.message).toContain("dbtk-ai settings reset-secrets --yes")
      expect(error.message).not.toContain("SECRET")
      expect(Fs.existsSync(keyFile)).toBe(false)
      expect(bytes(file).equals(before)).toBe(true)

      const again = yield* startFails(file)
      expect(again.reason).toBe("MissingMasterKey")
      expect(again.message).toBe(error.message)
      expect(Fs.existsSync(keyFile)).toBe(false)
      expect(bytes(file).equals(before)).toBe(true)
    }))

  it.scoped("restoring the key file brings everything back", () =>
    Effect.gen(function*() {
      const { file, keyFile } = yield* setup
      yield* storeTwoKeys(file)
      const saved = Fs.readFileSync(keyFile)
      Fs.rmSync(keyFile)
      expect((yield* startFails(file)).reason).toBe("MissingMasterKey")
      Fs.writeFileSync(keyFile, saved, { mode: 0o600 })
      const input = yield* withSettings(file, (s) => s.providerInput("openai"))
      expect(Redacted.value(input.apiKey as Redacted.Redacted<string>)).toBe(OPENAI_KEY)
    }))

  it.scoped("with no secrets stored: the new key is adopted and later starts use it", () =>
    Effect.gen(function*() {
      const { file, keyFile } = yield* setup
      yield* withSettings(file, (s) => s.saveProvider("ollama", { baseUrl: "http://127.0.0.1:11434", model: "llama3.2" }))
      const oldKey = Fs.readFileSync(keyFile, "utf8")
      Fs.rmSync(keyFile)

      const snap = yield* start(file)
      expect(snap.providers.map((p) => p.id)).toEqual(["ollama"])
      expect(Fs.existsSync(keyFile)).toBe(true)
      expect(Fs.readFileSync(keyFile, "utf8")).not.toBe(oldKey)

      // The key check was sealed again with the new key: no WrongMasterKey next time, and secrets work.
      yield* withSettings(file, (s) => s.saveProvider("openai", { apiKey: OPENAI_KEY }))
      const input = yield* withSettings(file, (s) => s.providerInput("openai"))
      expect(Redacted.value(input.apiKey as Redacted.Redacted<string>)).toBe(OPENAI_KEY)
    }))

  it.scoped("resetSecrets (without any key) and a start: providers keep their settings, their secrets are gone and reported", () =>
    Effect.gen(function*() {
      const { file, keyFile } = yield* setup
      yield* storeTwoKeys(file)
      yield* storeCachedAnswer(file)
      Fs.rmSync(keyFile)
      expect((yield* startFails(file)).reason).toBe("MissingMasterKey")

      const report = yield* reset(file)
      expect(report).toEqual({
        secrets: [{ provider: "anthropic", field: "apiKey" }, { provider: "openai", field: "apiKey" }],
        keyCheckRemoved: true,
        cachedAnswers: 1
      })
      expect(yield* cachedAnswers(file)).toBe(0)

      yield* withSettings(file, (s) =>
        Effect.gen(function*() {
          const openai = yield* s.provider("openai")
          expect(openai.config).toEqual({ model: "gpt-4.1", organization: "org-1" })
          expect(openai.secrets).toEqual([])
          expect(openai.problem?.field).toBe("apiKey")
          const anthropic = yield* s.provider("anthropic")
          expect(anthropic.config).toEqual({ maxTokens: 1024 })
          expect(anthropic.problem?.field).toBe("apiKey")
          // Entering the key again makes the provider whole.
          yield* s.saveProvider("openai", { apiKey: OPENAI_KEY })
          expect((yield* s.provider("openai")).problem).toBeUndefined()
        }))
      expect(Fs.existsSync(keyFile)).toBe(true)
      const input = yield* withSettings(file, (s) => s.providerInput("openai"))
      expect(Redacted.value(input.apiKey as Redacted.Redacted<string>)).toBe(OPENAI_KEY)
      expect(input.model).toBe("gpt-4.1")
    }))

  it.scoped("resetSecrets is also the way out of a wrong key, which then becomes the key", () =>
    Effect.gen(function*() {
      const { file } = yield* setup
      const keyA = KeyStores.fromKey(Crypto.generateKey())
      const keyB = KeyStores.fromKey(Crypto.generateKey())
      yield* withSettings(file, (s) => s.saveProvider("openai", { apiKey: OPENAI_KEY }), keyA)
      const wrong = yield* Effect.flip(withSettings(file, (s) => s.snapshot, keyB))
      expect(wrong._tag === "SettingsError" && wrong.reason).toBe("WrongMasterKey")
      expect(wrong.message).toContain("reset-secrets")
      const report = yield* reset(file)
      expect(report.secrets).toHaveLength(1)
      expect((yield* withSettings(file, (s) => s.provider("openai"), keyB)).secrets).toEqual([])
      // Nothing left to reset but the check sealed with the new key: no error.
      expect(yield* reset(file)).toEqual({ secrets: [], keyCheckRemoved: true, cachedAnswers: 0 })
    }))

  it.scoped("an existing key that does not fit stays WrongMasterKey (never replaced)", () =>
    Effect.gen(function*() {
      const { file, keyFile } = yield* setup
      yield* storeTwoKeys(file)
      const other = Redacted.value(Crypto.generateKey())
      Fs.writeFileSync(keyFile, other + "\n")
      const error = yield* startFails(file)
      expect(error.reason).toBe("WrongMasterKey")
      expect(error.message).toContain(`from ${keyFile}`)
      expect(Fs.readFileSync(keyFile, "utf8").trim()).toBe(other)
    }))
})

describe("KeyStores", () => {
  it.scoped("the key file store says whether it made the key, and undo removes only that key", () =>
    Effect.gen(function*() {
      const { keyFile } = yield* setup
      const store = yield* Effect.provide(KeyStore, KeyStores.fromFile(keyFile))
      const made = yield* store.load
      expect(made.created).toBe(true)
      expect(made.location).toBe(keyFile)
      const again = yield* store.load
      expect(again.created).toBe(false)
      expect(Redacted.value(again.key)).toBe(Redacted.value(made.key))

      // A key written since (a rotation) is not removed by the old undo.
      yield* store.save(Crypto.generateKey())
      yield* made.undo
      expect(Fs.existsSync(keyFile)).toBe(true)
      Fs.writeFileSync(keyFile, Redacted.value(made.key) + "\n")
      yield* made.undo
      expect(Fs.existsSync(keyFile)).toBe(false)
    }))

  it.scoped("a function store may return a plain key, or say it made one", () =>
    Effect.gen(function*() {
      const key = Crypto.generateKey()
      let undone = 0
      const plain = yield* Effect.flatMap(KeyStore, (k) => k.load).pipe(
        Effect.provide(KeyStores.fromFunctions({ load: Effect.succeed(key), save: () => Effect.void }))
      )
      expect(plain.created).toBe(false)
      const { file } = yield* setup
      yield* withSettings(file, (s) => s.saveProvider("openai", { apiKey: OPENAI_KEY }), KeyStores.fromKey(key))
      const making = KeyStores.fromFunctions({
        load: Effect.succeed({ key: Crypto.generateKey(), created: true, location: "/app/userData/ai.key.enc", undo: Effect.sync(() => void undone++) }),
        save: () => Effect.void
      })
      const error = yield* Effect.flip(withSettings(file, (s) => s.snapshot, making))
      expect(error._tag === "SettingsError" && error.reason).toBe("MissingMasterKey")
      expect(error.message).toContain("The key file /app/userData/ai.key.enc is missing")
      expect(undone).toBe(1)
    }))
})
