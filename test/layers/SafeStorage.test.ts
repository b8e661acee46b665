/**
 * The master key kept with Electron's `safeStorage`, on real files in a temporary folder, with a
 * fake that behaves as Electron's does: `encryptString` gives opaque bytes tied to one machine's
 * (and user's) secret, `decryptString` throws Electron's own message on anything else, and both
 * throw when encryption is not available. Every test also checks that no key reaches an error
 * message or a log.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Crypto from "../../src/internal/Crypto.js"
import * as AiStack from "../../src/layers/AiStack.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import { KeyStore, type KeyStoreError } from "../../src/services/KeyStore.js"
import { Settings } from "../../src/services/Settings.js"
import { HttpLive } from "../support/http.js"
import { machine } from "../support/safeStorage.js"
import { tempDir } from "../support/tmp.js"

/** Every log line, to check what was said and that no key was. */
const captureLogs = () => {
  const lines: Array<string> = []
  const layer = Layer.merge(
    Logger.replace(Logger.defaultLogger, Logger.make(({ logLevel, message }) => void lines.push(`${logLevel.label} ${String(message)}`))),
    Logger.minimumLogLevel(LogLevel.All)
  )
  return { lines, layer }
}

const setup = Effect.gen(function*() {
  const dir = yield* tempDir
  const db = Path.join(dir, "ai.db")
  return { dir, db, enc: KeyStores.encryptedKeyFilePath(db), plain: KeyStores.keyFilePath(db) }
})

const storeOf = (layer: Layer.Layer<KeyStore>) => Effect.provide(KeyStore, layer)

const octal = (file: string) => (Fs.statSync(file).mode & 0o777).toString(8)

// The key in every form it could leak in: base64 text, the raw bytes, base64 of the text, hex.
const forms = (key: Redacted.Redacted<string>): Array<Buffer> => {
  const text = Redacted.value(key)
  const raw = Buffer.from(text, "base64")
  return [Buffer.from(text), raw, Buffer.from(Buffer.from(text).toString("base64")), Buffer.from(raw.toString("hex"))]
}
const holdsKey = (bytes: Buffer, key: Redacted.Redacted<string>) => forms(key).some((f) => bytes.includes(f))

const notLeaked = (key: Redacted.Redacted<string>, ...texts: Array<string>) => {
  for (const text of texts) {
    expect(text).not.toContain(Redacted.value(key))
    expect(text).not.toContain(Buffer.from(Redacted.value(key), "base64").toString("hex"))
  }
}

describe("KeyStores.safeStorage", () => {
  it.scoped("first start makes a 32-byte key and stores it encrypted (0600): the file holds neither the key nor its base64", () =>
    Effect.gen(function*() {
      const { dir, enc } = yield* setup
      const m = machine("A")
      const store = yield* storeOf(KeyStores.safeStorage(m.storage, { path: enc }))
      const made = yield* store.load
      expect(made.created).toBe(true)
      expect(made.location).toBe(enc)
      expect(Buffer.from(Redacted.value(made.key), "base64")).toHaveLength(32)
      expect(Fs.readdirSync(dir)).toEqual(["ai.key.enc"])
      expect(octal(enc)).toBe("600")
      const bytes = Fs.readFileSync(enc)
      expect(holdsKey(bytes, made.key)).toBe(false)
      expect(bytes.subarray(0, 3).toString()).toBe("v10")
      // Electron got a plain string, never a Redacted.
      expect(m.encrypted.length).toBeGreaterThan(0)
      expect(m.encrypted.every((p) => typeof p === "string")).toBe(true)
      expect(m.storage.decryptString(bytes)).toBe(Redacted.value(made.key))
    }))

  it.scoped("a second start loads the same key and made nothing", () =>
    Effect.gen(function*() {
      const { dir, enc } = yield* setup
      const m = machine("A")
      const first = yield* Effect.flatMap(storeOf(KeyStores.safeStorage(m.storage, { path: enc })), (s) => s.load)
      const bytes = Fs.readFileSync(enc)
      const again = yield* Effect.flatMap(storeOf(KeyStores.safeStorage(m.storage, { path: enc })), (s) => s.load)
      expect(again.created).toBe(false)
      expect(again.location).toBe(enc)
      expect(Redacted.value(again.key)).toBe(Redacted.value(first.key))
      expect(Fs.readFileSync(enc).equals(bytes)).toBe(true)
      expect(Fs.readdirSync(dir)).toEqual(["ai.key.enc"])
    }))

  it.scoped("another machine's ciphertext: a KeyStoreError that says so and how to recover; the file is left untouched, no key made", () =>
    Effect.gen(function*() {
      const { dir, enc } = yield* setup
      const made = yield* Effect.flatMap(storeOf(KeyStores.safeStorage(machine("A").storage, { path: enc })), (s) => s.load)
      const bytes = Fs.readFileSync(enc)
      const stat = Fs.statSync(enc)
      const logs = captureLogs()
      const other = machine("B")
      const error = yield* Effect.flatMap(storeOf(KeyStores.safeStorage(other.storage, { path: enc, allowPlainText: true })), (s) => s.load).pipe(
        Effect.flip,
        Effect.provide(logs.layer)
      )
      expect(error._tag).toBe("KeyStoreError")
      expect(error.message).toContain(`The master key in ${enc} cannot be decrypted by Electron's safeStorage`)
      expect(error.message).toContain("Error while decrypting the ciphertext provided to safeStorage.decryptString.")
      expect(error.message).toContain("another machine or by another user account")
      expect(error.message).toContain("Nothing was read or changed, and no new key was made")
      expect(error.message).toContain("must be entered again")
      expect(error.message).toContain("reset-secrets")
      notLeaked(made.key, error.message, ...logs.lines)
      expect(Fs.readFileSync(enc).equals(bytes)).toBe(true)
      expect(Fs.statSync(enc).mtimeMs).toBe(stat.mtimeMs)
      expect(Fs.readdirSync(dir)).toEqual(["ai.key.enc"])
      expect(other.encrypted).toEqual([])
    }))

  it.scoped("encryption not available (before app.whenReady(), no keyring): refused with the cause and the fix, nothing written", () =>
    Effect.gen(function*() {
      const { dir, enc, plain } = yield* setup
      const m = machine("A", { available: false })
      const store = yield* storeOf(KeyStores.safeStorage(m.storage, { path: enc }))
      const error = yield* Effect.flip(store.load)
      expect(error._tag).toBe("KeyStoreError")
      expect(error.message).toContain("isEncryptionAvailable() is false")
      expect(error.message).toContain("app.whenReady()")
      expect(error.message).toContain(`allowPlainText: true to keep the key unencrypted in ${plain}`)
      const saveError = yield* Effect.flip(store.save(Crypto.generateKey()))
      expect(saveError.message).toBe(error.message)
      expect(Fs.readdirSync(dir)).toEqual([])
      expect(m.encrypted).toEqual([])

      // Once it is available (the app is ready), the same store works.
      m.state.available = true
      expect((yield* store.load).created).toBe(true)
    }))

  it.scoped("an encrypted key while encryption is unavailable: refused, even with allowPlainText; nothing changed", () =>
    Effect.gen(function*() {
      const { dir, enc } = yield* setup
      const m = machine("A")
      yield* Effect.flatMap(storeOf(KeyStores.safeStorage(m.storage, { path: enc })), (s) => s.load)
      m.state.backend = "basic_text"
      const error = yield* Effect.flip(Effect.flatMap(storeOf(KeyStores.safeStorage(m.storage, { path: enc, allowPlainText: true })), (s) => s.load))
      expect(error.message).toContain(`The master key in ${enc} is encrypted with Electron's safeStorage, but`)
      expect(error.message).toContain("backend basic_text")
      expect(error.message).toContain("Run a keyring")
      expect(Fs.readdirSync(dir)).toEqual(["ai.key.enc"])
    }))

  it.scoped("Linux's basic_text backend: refused unless allowPlainText, which uses the key file beside it and logs a warning; a keyring later takes the key over", () =>
    Effect.gen(function*() {
      const { dir, enc, plain } = yield* setup
      const m = machine("A", { backend: "basic_text" })
      const refusal = yield* Effect.flip(Effect.flatMap(storeOf(KeyStores.safeStorage(m.storage, { path: enc })), (s) => s.load))
      expect(refusal._tag).toBe("KeyStoreError")
      expect(refusal.message).toContain("no keyring on this Linux session (backend basic_text")
      expect(refusal.message).toContain("Run a keyring (GNOME Keyring or KWallet")
      expect(refusal.message).toContain("allowPlainText: true")
      expect(Fs.readdirSync(dir)).toEqual([])
      expect(m.encrypted).toEqual([])

      const logs = captureLogs()
      const fallback = yield* Effect.flatMap(storeOf(KeyStores.safeStorage(m.storage, { path: enc, allowPlainText: true })), (s) => s.load).pipe(
        Effect.provide(logs.layer)
      )
      expect(fallback.created).toBe(true)
      expect(fallback.location).toBe(plain)
      expect(Fs.readdirSync(dir)).toEqual(["ai.key"])
      expect(octal(plain)).toBe("600")
      expect(Fs.readFileSync(plain, "utf8").trim()).toBe(Redacted.value(fallback.key))
      expect(m.encrypted).toEqual([])
      const warnings = logs.lines.filter((l) => l.startsWith("WARN"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("backend basic_text")
      expect(warnings[0]).toContain(`as the app allows (allowPlainText), the master key is kept unencrypted in ${plain} (0600)`)
      notLeaked(fallback.key, refusal.message, ...logs.lines)

      // A keyring appears: the same key moves into the encrypted file, the unencrypted one goes.
      m.state.backend = "gnome_libsecret"
      const moved = yield* Effect.flatMap(storeOf(KeyStores.safeStorage(m.storage, { path: enc, allowPlainText: true })), (s) => s.load).pipe(
        Effect.provide(logs.layer)
      )
      expect(moved.created).toBe(false)
      expect(moved.location).toBe(enc)
      expect(Redacted.value(moved.key)).toBe(Redacted.value(fallback.key))
      expect(Fs.readdirSync(dir)).toEqual(["ai.key.enc"])
      expect(holdsKey(Fs.readFileSync(enc), moved.key)).toBe(false)
      expect(logs.lines.some((l) => l.includes(`is now kept encrypted with Electron's safeStorage in ${enc}`))).toBe(true)
      notLeaked(moved.key, ...logs.lines)
    }))

  it.scoped("rotation (save) writes the file atomically and keeps the previous key, encrypted; a failed save changes nothing", () =>
    Effect.gen(function*() {
      const { dir, enc } = yield* setup
      const m = machine("A")
      const store = yield* storeOf(KeyStores.safeStorage(m.storage, { path: enc }))
      const first = yield* store.load
      const before = Fs.statSync(enc)
      const next = Crypto.generateKey()
      yield* store.save(next)
      // Renamed into place (a new inode), not rewritten where it was.
      expect(Fs.statSync(enc).ino).not.toBe(before.ino)
      expect(Redacted.value((yield* store.load).key)).toBe(Redacted.value(next))
      expect(m.storage.decryptString(Fs.readFileSync(`${enc}.previous`))).toBe(Redacted.value(first.key))
      expect(octal(enc)).toBe("600")
      expect(octal(`${enc}.previous`)).toBe("600")
      expect(holdsKey(Fs.readFileSync(enc), next)).toBe(false)
      expect(holdsKey(Fs.readFileSync(`${enc}.previous`), first.key)).toBe(false)
      expect(Fs.readdirSync(dir).sort()).toEqual(["ai.key.enc", "ai.key.enc.previous"])

      const written = Fs.readFileSync(enc)
      m.state.failEncrypt = true
      const third = Crypto.generateKey()
      const error = yield* Effect.flip(store.save(third))
      expect(error.message).toContain(`Electron's safeStorage could not encrypt the master key for ${enc}`)
      notLeaked(third, error.message)
      expect(Fs.readFileSync(enc).equals(written)).toBe(true)
      expect(Fs.readdirSync(dir).sort()).toEqual(["ai.key.enc", "ai.key.enc.previous"])
    }))

  it.scoped("undo removes the key this load made, and not one written since", () =>
    Effect.gen(function*() {
      const { dir, enc } = yield* setup
      const m = machine("A")
      const store = yield* storeOf(KeyStores.safeStorage(m.storage, { path: enc }))
      const made = yield* store.load
      yield* made.undo
      expect(Fs.readdirSync(dir)).toEqual([])

      const again = yield* store.load
      expect(again.created).toBe(true)
      yield* store.save(Crypto.generateKey())
      yield* again.undo
      expect(Fs.existsSync(enc)).toBe(true)
      // A key found (not made) has nothing to undo.
      const found = yield* store.load
      yield* found.undo
      expect(Fs.existsSync(enc)).toBe(true)
    }))
})

describe("AiStack with { keyStore: { safeStorage } }", () => {
  const OPENAI_KEY = "sk-SECRET-safe-storage-0123456789abcdef"

  // One start of the whole stack on `dir`, on machine `m`: runs `f` with the settings and stops.
  const start = <A, E>(
    dir: string,
    m: ReturnType<typeof machine>,
    f: (s: typeof Settings.Service) => Effect.Effect<A, E>,
    logs = captureLogs(),
    keyStore?: AiStack.Options["keyStore"]
  ) =>
    Effect.scoped(Effect.flatMap(Settings, f).pipe(
      Effect.provide(AiStack.layer({ databasePath: Path.join(dir, "ai.db"), keyStore: keyStore ?? { safeStorage: m.storage } }).pipe(
        Layer.provide(HttpLive),
        Layer.provide(logs.layer)
      ))
    ))

  // The database as stored: the main file and whatever WAL is left.
  const database = (dir: string) =>
    Buffer.concat(Fs.readdirSync(dir).filter((f) => f.startsWith("ai.db")).map((f) => Fs.readFileSync(Path.join(dir, f))))

  it.scopedLive("stores a provider key and reads it back after a restart; the database holds no key, the key file no key in clear", () =>
    Effect.gen(function*() {
      const { dir, enc, plain } = yield* setup
      const m = machine("A")
      const logs = captureLogs()
      yield* start(dir, m, (s) => s.saveProvider("openai", { apiKey: OPENAI_KEY, model: "gpt-4.1" }), logs)
      const master = Redacted.make(m.storage.decryptString(Fs.readFileSync(enc)))
      expect(Fs.existsSync(plain)).toBe(false)

      const input = yield* start(dir, m, (s) => s.providerInput("openai"), logs)
      expect(Redacted.value(input.apiKey as Redacted.Redacted<string>)).toBe(OPENAI_KEY)
      expect(input.model).toBe("gpt-4.1")

      const stored = database(dir)
      expect(stored.length).toBeGreaterThan(0)
      expect(stored.includes(Buffer.from(OPENAI_KEY))).toBe(false)
      expect(holdsKey(stored, master)).toBe(false)
      expect(holdsKey(Fs.readFileSync(enc), master)).toBe(false)
      expect(Fs.readFileSync(enc).includes(Buffer.from(OPENAI_KEY))).toBe(false)
      for (const line of logs.lines) expect(line).not.toContain(OPENAI_KEY)
      notLeaked(master, ...logs.lines)
    }))

  it.scopedLive("on another machine the stack refuses to start with the KeyStoreError; the database and the key file are left as they were", () =>
    Effect.gen(function*() {
      const { dir, enc } = yield* setup
      const a = machine("A")
      yield* start(dir, a, (s) => s.saveProvider("openai", { apiKey: OPENAI_KEY }))
      const master = Redacted.make(a.storage.decryptString(Fs.readFileSync(enc)))
      const before = database(dir)
      const keyBytes = Fs.readFileSync(enc)

      const logs = captureLogs()
      const error = yield* Effect.flip(start(dir, machine("B"), (s) => s.snapshot, logs))
      expect(error._tag).toBe("KeyStoreError")
      expect(error.message).toContain("another machine or by another user account")
      expect(error.message).not.toContain(OPENAI_KEY)
      notLeaked(master, error.message, ...logs.lines)
      expect(database(dir).equals(before)).toBe(true)
      expect(Fs.readFileSync(enc).equals(keyBytes)).toBe(true)
      expect(Fs.readdirSync(dir).filter((f) => f.startsWith("ai.key"))).toEqual(["ai.key.enc"])
    }))

  it.scopedLive("an app that kept the default ai.key moves to safeStorage: the same key, now encrypted; the stored keys still open", () =>
    Effect.gen(function*() {
      const { dir, enc, plain } = yield* setup
      const m = machine("A")
      yield* start(dir, m, (s) => s.saveProvider("openai", { apiKey: OPENAI_KEY }), captureLogs(), KeyStores.fromFile(plain))
      const master = Fs.readFileSync(plain, "utf8").trim()

      const input = yield* start(dir, m, (s) => s.providerInput("openai"))
      expect(Redacted.value(input.apiKey as Redacted.Redacted<string>)).toBe(OPENAI_KEY)
      expect(Fs.existsSync(plain)).toBe(false)
      expect(m.storage.decryptString(Fs.readFileSync(enc))).toBe(master)
    }))

  it.scopedLive("without a keyring the stack refuses to start, naming the cause; with allowPlainText it starts on ai.key", () =>
    Effect.gen(function*() {
      const { dir, enc, plain } = yield* setup
      const m = machine("A", { backend: "basic_text" })
      const error = (yield* Effect.flip(start(dir, m, (s) => s.snapshot))) as KeyStoreError
      expect(error._tag).toBe("KeyStoreError")
      expect(error.message).toContain("backend basic_text")
      expect(Fs.existsSync(enc) || Fs.existsSync(plain)).toBe(false)

      const logs = captureLogs()
      yield* start(dir, m, (s) => s.saveProvider("openai", { apiKey: OPENAI_KEY }), logs, { safeStorage: m.storage, allowPlainText: true })
      expect(Fs.existsSync(plain)).toBe(true)
      expect(Fs.existsSync(enc)).toBe(false)
      expect(logs.lines.some((l) => l.startsWith("WARN") && l.includes("allowPlainText"))).toBe(true)
      for (const line of logs.lines) expect(line).not.toContain(OPENAI_KEY)
    }))
})
