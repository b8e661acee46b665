/**
 * The master-key stores: the `DBTK_AI_MASTER_KEY` environment variable (base64, 32 bytes), a key
 * file created with 0600 permissions beside the database, or any pair of functions (for example
 * Electron's `safeStorage`).
 *
 * Only the key file makes a key by itself, and it says so (`created: true`): the settings store
 * uses a new key only when the database has no secrets sealed with a lost one, and otherwise
 * removes it again and reports the missing key (`SettingsError` `MissingMasterKey`).
 *
 * @since 0.1.0
 */
import { Config, Effect, Either, Layer, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Crypto from "../internal/Crypto.js"
import * as PrivateFiles from "../internal/PrivateFiles.js"
import { ENV_VAR, KeyStore, KeyStoreError, type LoadedKey } from "../services/KeyStore.js"

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
const writeNewKeyFile = (path: string, key: Redacted.Redacted<string>): boolean => {
  PrivateFiles.ensureDir(Path.dirname(path))
  try {
    Fs.writeFileSync(path, Redacted.value(key) + "\n", { flag: "wx", mode: PrivateFiles.FILE_MODE })
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
    const made = yield* Effect.try({ try: () => writeNewKeyFile(path, key), catch: fileError("create", path) })
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
export const fromFile = (path: string): Layer.Layer<KeyStore> =>
  Layer.succeed(KeyStore, {
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
