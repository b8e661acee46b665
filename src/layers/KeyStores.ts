/**
 * The master-key stores: the `DBTK_AI_MASTER_KEY` environment variable (base64, 32 bytes), a key
 * file created with 0600 permissions beside the database, the key encrypted with Electron's
 * `safeStorage` in a file beside the database, or any pair of functions.
 *
 * Only the two files make a key by themselves, and they say so (`created: true`): the settings
 * store uses a new key only when the database has no secrets sealed with a lost one, and otherwise
 * removes it again and reports the missing key (`SettingsError` `MissingMasterKey`).
 *
 * @since 0.1.0
 */
import { Config, Effect, Either, Layer, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Crypto from "../internal/Crypto.js"
import * as PrivateFiles from "../internal/PrivateFiles.js"
import { ENV_VAR, KeyStore, KeyStoreError, type LoadedKey, type Service as KeyStoreService } from "../services/KeyStore.js"

/**
 * A new random master key (32 bytes, base64), for `fromKey`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export { generateKey } from "../internal/Crypto.js"

const checked = (key: Redacted.Redacted<string>, where: string) =>
  Either.match(Crypto.masterKey(key), {
    onLeft: (why) => Effect.fail(new KeyStoreError({ message: `The master key in ${where} is invalid: ${why}` })),
    onRight: () => Effect.succeed(key)
  })

// A key the store found (not made): nothing to undo.
const found = (key: Redacted.Redacted<string>, location?: string): LoadedKey => ({
  key,
  created: false,
  ...(location !== undefined ? { location } : {}),
  undo: Effect.void
})

/**
 * What an app passes to {@link fromFunctions}. `load` gives the key it has, or, for a store that
 * makes a key when it has none, a full `LoadedKey` with `created: true` and an `undo` that
 * removes it (so a lost key is reported, not replaced; see `services/KeyStore.ts`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Functions {
  readonly load: Effect.Effect<Redacted.Redacted<string> | LoadedKey, KeyStoreError>
  readonly save: (key: Redacted.Redacted<string>) => Effect.Effect<void, KeyStoreError>
}

/**
 * A store around two functions.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromFunctions = (f: Functions): Layer.Layer<KeyStore> =>
  Layer.succeed(KeyStore, {
    load: Effect.flatMap(f.load, (k) => {
      const loaded = Redacted.isRedacted(k) ? found(k as Redacted.Redacted<string>) : k as LoadedKey
      return Effect.as(checked(loaded.key, loaded.location ?? "the key store"), loaded)
    }),
    save: f.save
  })

/**
 * A fixed key (tests, or an app that manages keys itself); `save` keeps the new key in memory.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromKey = (key: Redacted.Redacted<string>): Layer.Layer<KeyStore> =>
  Layer.sync(KeyStore, () => {
    let current = key
    return {
      load: Effect.suspend(() => Effect.map(checked(current, "the configured key"), (k) => found(k))),
      save: (next) => Effect.sync(() => void (current = next))
    }
  })

/**
 * The key from `DBTK_AI_MASTER_KEY`. A rotation cannot write it back: `save` fails saying so.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromEnv: Layer.Layer<KeyStore> = Layer.succeed(KeyStore, {
  load: Config.redacted(ENV_VAR).pipe(
    Effect.mapError(() => new KeyStoreError({ message: `${ENV_VAR} is not set` })),
    Effect.flatMap((k) => checked(k, ENV_VAR)),
    Effect.map((k) => found(k, ENV_VAR))
  ),
  save: () => Effect.fail(new KeyStoreError({ message: `The new master key must be put in ${ENV_VAR} by whoever sets it` }))
})

const fileError = (what: string, path: string) => (e: unknown) =>
  new KeyStoreError({ message: `Could not ${what} the key file ${path}: ${e instanceof Error ? e.message : String(e)}` })

// A key file left readable by others (an older version, a copy) is made private before use.
const readKeyFile = (path: string) =>
  Effect.try({
    try: () => {
      PrivateFiles.tighten(path)
      return Redacted.make(Fs.readFileSync(path, "utf8").trim())
    },
    catch: fileError("read", path)
  })

// Written whole to a temporary file, then renamed over the old one: a crash leaves one or the
// other. The key it replaces is kept beside it, as private as the key itself.
const writeKeyFile = (path: string, key: Redacted.Redacted<string>) =>
  Effect.try({
    try: () => {
      PrivateFiles.ensureDir(Path.dirname(path))
      if (Fs.existsSync(path)) PrivateFiles.writeAtomic(`${path}.previous`, Fs.readFileSync(path))
      PrivateFiles.writeAtomic(path, Redacted.value(key) + "\n")
    },
    catch: fileError("write", path)
  })

// Removes the key this load made, unless the file now holds another (a rotation since).
const removeIfStill = (path: string, key: Redacted.Redacted<string>) =>
  Effect.try({
    try: () => {
      if (Fs.existsSync(path) && Fs.readFileSync(path, "utf8").trim() === Redacted.value(key)) Fs.rmSync(path)
    },
    catch: fileError("remove", path)
  })

// Writes a new key file exclusively ("wx"); false when another process made the file first.
const writeNewKeyFile = (path: string, data: string | Uint8Array): boolean => {
  PrivateFiles.ensureDir(Path.dirname(path))
  try {
    Fs.writeFileSync(path, data, { flag: "wx", mode: PrivateFiles.FILE_MODE })
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
}

// When two processes start at once, the key of whichever wrote first is the one both use.
const createKeyFile = (path: string): Effect.Effect<LoadedKey, KeyStoreError> =>
  Effect.gen(function*() {
    const key = Crypto.generateKey()
    const made = yield* Effect.try({ try: () => writeNewKeyFile(path, Redacted.value(key) + "\n"), catch: fileError("create", path) })
    if (!made) return found(yield* readKeyFile(path), path)
    return { key, created: true, location: path, undo: removeIfStill(path, key) }
  })

/**
 * A key file: read when present (and made 0600 if it was looser), created with a fresh random
 * key (mode 0600, `created: true`) when absent. A rotation keeps the previous key beside it as
 * `<file>.previous`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromFile = (path: string): Layer.Layer<KeyStore> => Layer.succeed(KeyStore, fileStore(path))

const fileStore = (path: string): KeyStoreService => ({
  load: Effect.suspend(() =>
    Fs.existsSync(path) ? Effect.map(readKeyFile(path), (k) => found(k, path)) : createKeyFile(path)
  ).pipe(Effect.tap((loaded) => checked(loaded.key, path))),
  save: (key) => writeKeyFile(path, key)
})

/**
 * The key file's path for a database: `ai.key` beside it.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const keyFilePath = (databasePath: string): string => Path.join(Path.dirname(databasePath), "ai.key")

/**
 * The default: `DBTK_AI_MASTER_KEY` when it is set, otherwise the key file `ai.key` beside the
 * database.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const layerDefault = (databasePath: string): Layer.Layer<KeyStore> =>
  Layer.unwrapEffect(
    Effect.map(Effect.option(Config.redacted(ENV_VAR)), (env) => Option.isSome(env) ? fromEnv : fromFile(keyFilePath(databasePath)))
  )

// ---------------------------------------------------------------------------
// Electron's safeStorage
// ---------------------------------------------------------------------------

/**
 * The part of Electron's `safeStorage` the store uses, declared as Electron declares it, so an app
 * passes `require("electron").safeStorage` as it is (the library does not depend on Electron).
 *
 * @since 0.1.0
 * @category Models
 */
export interface SafeStorage {
  /** Whether encryption works now: false before the app is ready (Windows, Linux) or without a keyring. */
  isEncryptionAvailable(): boolean
  /** Encrypts a string with a key the OS keeps for this user and app; throws when it cannot. */
  encryptString(plainText: string): Buffer
  /** Decrypts what `encryptString` returned for this user on this machine; throws otherwise. */
  decryptString(encrypted: Buffer): string
  /** Linux only: the secret store in use; `"basic_text"` means none (a fixed password, no protection). */
  getSelectedStorageBackend?(): string
}

/**
 * Where {@link safeStorage} keeps the key, and whether it may do without encryption.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SafeStorageOptions {
  /** The file that holds the encrypted key (0600): `ai.key.enc` beside the database, {@link encryptedKeyFilePath}. */
  readonly path: string
  /**
   * When `safeStorage` cannot protect the key (encryption not available, or Linux's `basic_text`
   * backend), keep it unencrypted in the key file `ai.key` beside `path` (0600, as {@link fromFile})
   * and log a warning, instead of refusing to start. Default false.
   */
  readonly allowPlainText?: boolean | undefined
}

/**
 * The encrypted key file's path for a database: `ai.key.enc` beside it.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const encryptedKeyFilePath = (databasePath: string): string => Path.join(Path.dirname(databasePath), "ai.key.enc")

type Unprotected = "unavailable" | "basic_text"

const because: Record<Unprotected, string> = {
  unavailable: "Electron's safeStorage cannot encrypt now (isEncryptionAvailable() is false)",
  basic_text: "Electron's safeStorage has no keyring on this Linux session (backend basic_text: a fixed password, no protection)"
}

const remedy: Record<Unprotected, string> = {
  unavailable: "Start the AI stack after app.whenReady() (on Windows and Linux safeStorage works only once the app is ready), " +
    "on Linux with a keyring running (GNOME Keyring or KWallet)",
  basic_text: "Run a keyring (GNOME Keyring or KWallet; Electron finds it, or pass --password-store=gnome-libsecret or kwallet6)"
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300)

const storageError = (message: string) => new KeyStoreError({ message })

// Why safeStorage cannot protect a key now, or undefined when it can. Asked on every load and
// save, not when the layer is built: the answer changes once the app is ready.
const unprotected = (storage: SafeStorage): Effect.Effect<Unprotected | undefined, KeyStoreError> =>
  Effect.try({
    try: () => {
      if (!storage.isEncryptionAvailable()) return "unavailable" as const
      const backend = typeof storage.getSelectedStorageBackend === "function" ? storage.getSelectedStorageBackend() : undefined
      return backend === "basic_text" ? "basic_text" as const : undefined
    },
    catch: (e) => storageError(`Electron's safeStorage could not say whether it can encrypt: ${messageOf(e)}`)
  })

const refused = (why: Unprotected, plain: string) =>
  storageError(
    `${because[why]}, so the master key that protects the stored API keys cannot be kept safely; nothing was written. ` +
      `${remedy[why]}, or pass allowPlainText: true to keep the key unencrypted in ${plain} (0600).`
  )

const lockedOut = (path: string, why: Unprotected) =>
  storageError(`The master key in ${path} is encrypted with Electron's safeStorage, but ${because[why]}; nothing was read or changed. ${remedy[why]}.`)

const undecryptable = (path: string, detail: string) =>
  storageError(
    `The master key in ${path} cannot be decrypted by Electron's safeStorage for this user on this machine (${detail}): ` +
      "it was encrypted on another machine or by another user account, or the keyring that holds safeStorage's own key was reset. " +
      "Nothing was read or changed, and no new key was made. Restore that keyring or user profile to get the key back; otherwise the " +
      `stored API keys are lost and must be entered again: move ${path} aside, reset the stored secrets ` +
      "(`dbtk-ai settings reset-secrets --yes`, or SettingsSql.resetSecrets) and start again."
  )

// The key is unwrapped here, in the call that encrypts it, and nowhere else; the result is
// decrypted once before anything is written, so a key that could not be read back is never stored.
const encrypt = (storage: SafeStorage, key: Redacted.Redacted<string>, path: string): Effect.Effect<Uint8Array, KeyStoreError> =>
  Effect.try({
    try: () => {
      const sealed = storage.encryptString(Redacted.value(key))
      if (!(sealed instanceof Uint8Array) || sealed.length === 0) throw new Error("encryptString returned no bytes")
      if (storage.decryptString(sealed) !== Redacted.value(key)) throw new Error("the encrypted key does not decrypt to itself")
      return sealed
    },
    // An error that quotes its input must not carry the key into a message.
    catch: (e) =>
      storageError(`Electron's safeStorage could not encrypt the master key for ${path}: ${messageOf(e).split(Redacted.value(key)).join("<key>")}`)
  })

// A file that opens but does not hold a key (another app's data, a platform that decrypts foreign
// bytes to noise) is as unreadable as one that does not open.
const decryptFile = (storage: SafeStorage, path: string): Effect.Effect<Redacted.Redacted<string>, KeyStoreError> =>
  Effect.gen(function*() {
    const bytes = yield* Effect.try({
      try: () => {
        PrivateFiles.tighten(path)
        return Fs.readFileSync(path)
      },
      catch: fileError("read", path)
    })
    const key = yield* Effect.try({
      try: () => Redacted.make(storage.decryptString(bytes).trim()),
      catch: (e) => undecryptable(path, messageOf(e))
    })
    return yield* Either.match(Crypto.masterKey(key), {
      onLeft: () => Effect.fail(undecryptable(path, "it decrypts to something that is not a master key")),
      onRight: () => Effect.succeed(key)
    })
  })

// Removes the encrypted key this load made, unless the file now holds other bytes (a rotation since).
const removeIfBytes = (path: string, bytes: Uint8Array) =>
  Effect.try({
    try: () => {
      if (Fs.existsSync(path) && Fs.readFileSync(path).equals(bytes)) Fs.rmSync(path)
    },
    catch: fileError("remove", path)
  })

const writeNew = (storage: SafeStorage, path: string, key: Redacted.Redacted<string>) =>
  Effect.flatMap(encrypt(storage, key, path), (sealed) =>
    Effect.try({ try: () => writeNewKeyFile(path, sealed) ? sealed : undefined, catch: fileError("create", path) }))

// First start: a new random key, stored encrypted. When two processes start at once, the key of
// whichever wrote first is the one both use.
const createEncrypted = (storage: SafeStorage, path: string): Effect.Effect<LoadedKey, KeyStoreError> =>
  Effect.gen(function*() {
    const key = Crypto.generateKey()
    const sealed = yield* writeNew(storage, path, key)
    if (sealed === undefined) return found(yield* decryptFile(storage, path), path)
    return { key, created: true, location: path, undo: removeIfBytes(path, sealed) }
  })

// A key kept unencrypted in `ai.key` (the default store, or allowPlainText while there was no
// keyring) moves into the encrypted file once safeStorage can protect it: the same key, so the
// stored secrets still open, and the unencrypted copy is removed.
const adoptPlain = (storage: SafeStorage, path: string, plain: string): Effect.Effect<LoadedKey, KeyStoreError> =>
  Effect.gen(function*() {
    const key = yield* Effect.flatMap(readKeyFile(plain), (k) => checked(k, plain))
    const sealed = yield* writeNew(storage, path, key)
    if (sealed === undefined) return found(yield* decryptFile(storage, path), path)
    yield* Effect.try({ try: () => Fs.rmSync(plain), catch: fileError("remove", plain) }).pipe(
      Effect.zipRight(Effect.logInfo(`The master key from ${plain} is now kept encrypted with Electron's safeStorage in ${path}; the unencrypted file was removed`)),
      Effect.catchAll((e) => Effect.logWarning(`The master key is now kept encrypted in ${path}, but its unencrypted copy stays: ${e.message}; delete it`))
    )
    return found(key, path)
  })

// Written whole to a temporary file, then renamed over the old one; the key it replaces is kept
// beside it, encrypted too.
const writeEncrypted = (storage: SafeStorage, path: string, key: Redacted.Redacted<string>) =>
  Effect.flatMap(encrypt(storage, key, path), (sealed) =>
    Effect.try({
      try: () => {
        PrivateFiles.ensureDir(Path.dirname(path))
        if (Fs.existsSync(path)) PrivateFiles.writeAtomic(`${path}.previous`, Fs.readFileSync(path))
        PrivateFiles.writeAtomic(path, sealed)
      },
      catch: fileError("write", path)
    }))

/**
 * The master key kept encrypted with Electron's `safeStorage` (the OS keychain, DPAPI or the Linux
 * keyring) in `options.path`, 0600. The first start makes a random key and stores it
 * (`created: true`; `undo` removes it); later starts decrypt it. A key found unencrypted in
 * `ai.key` beside it (the default store's) is moved into the encrypted file.
 *
 * It refuses with a `KeyStoreError` naming the cause and the fix, and changes nothing, when
 * `safeStorage` cannot encrypt (before `app.whenReady()`, or no keyring) or only obfuscates
 * (Linux's `basic_text` backend) — unless `allowPlainText`, which keeps the key unencrypted in
 * `ai.key` beside it, with a warning — and when the stored key cannot be decrypted (another
 * machine or user account): a key is never silently replaced. A rotation (`save`) writes the
 * file atomically and keeps the previous one, encrypted, as `<file>.previous`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const safeStorage = (storage: SafeStorage, options: SafeStorageOptions): Layer.Layer<KeyStore> => {
  const { path } = options
  const plain = Path.join(Path.dirname(path), "ai.key")
  const plainStore = fileStore(plain)
  return Layer.succeed(KeyStore, {
    load: Effect.gen(function*() {
      const why = yield* unprotected(storage)
      if (why === undefined) {
        if (Fs.existsSync(path)) return found(yield* decryptFile(storage, path), path)
        return yield* Fs.existsSync(plain) ? adoptPlain(storage, path, plain) : createEncrypted(storage, path)
      }
      if (Fs.existsSync(path)) return yield* lockedOut(path, why)
      if (options.allowPlainText !== true) return yield* refused(why, plain)
      yield* Effect.logWarning(
        `${because[why]}: as the app allows (allowPlainText), the master key is kept unencrypted in ${plain} (0600), readable by any program running as this user`
      )
      return yield* plainStore.load
    }),
    save: (key) =>
      Effect.gen(function*() {
        const why = yield* unprotected(storage)
        if (why === undefined) return yield* writeEncrypted(storage, path, key)
        if (Fs.existsSync(path)) return yield* lockedOut(path, why)
        if (options.allowPlainText !== true) return yield* refused(why, plain)
        return yield* plainStore.save(key)
      })
  })
}
