/**
 * The master-key stores: the `DBTK_AI_MASTER_KEY` environment variable (base64, 32 bytes), a key
 * file created with 0600 permissions beside the database, or any pair of functions (for example
 * Electron's `safeStorage`).
 *
 * @since 0.1.0
 */
import { Config, Effect, Either, Layer, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Crypto from "./Crypto.js"
import { ENV_VAR, KeyStore, KeyStoreError, type Service } from "../services/KeyStore.js"

const checked = (key: Redacted.Redacted<string>, where: string) =>
  Either.match(Crypto.masterKey(key), {
    onLeft: (why) => Effect.fail(new KeyStoreError({ message: `The master key in ${where} is invalid: ${why}` })),
    onRight: () => Effect.succeed(key)
  })

/**
 * A store around two functions.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromFunctions = (f: Service): Layer.Layer<KeyStore> =>
  Layer.succeed(KeyStore, { load: Effect.flatMap(f.load, (k) => checked(k, "the key store")), save: f.save })

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
      load: Effect.suspend(() => checked(current, "the configured key")),
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
    Effect.flatMap((k) => checked(k, ENV_VAR))
  ),
  save: () => Effect.fail(new KeyStoreError({ message: `The new master key must be put in ${ENV_VAR} by whoever sets it` }))
})

const readKeyFile = (path: string) =>
  Effect.try({
    try: () => Redacted.make(Fs.readFileSync(path, "utf8").trim()),
    catch: (e) => new KeyStoreError({ message: `Could not read the key file ${path}: ${(e as Error).message}` })
  })

// Written whole to a temporary file, then renamed over the old one: a crash leaves one or the other.
const writeKeyFile = (path: string, key: Redacted.Redacted<string>) =>
  Effect.try({
    try: () => {
      Fs.mkdirSync(Path.dirname(path), { recursive: true, mode: 0o700 })
      const tmp = `${path}.tmp-${process.pid}`
      Fs.writeFileSync(tmp, Redacted.value(key) + "\n", { mode: 0o600 })
      if (Fs.existsSync(path)) Fs.copyFileSync(path, `${path}.previous`)
      Fs.renameSync(tmp, path)
      Fs.chmodSync(path, 0o600)
    },
    catch: (e) => new KeyStoreError({ message: `Could not write the key file ${path}: ${(e as Error).message}` })
  })

/**
 * A key file: read when present, created with a fresh random key (mode 0600) when absent.
 * A rotation keeps the previous key beside it as `<file>.previous`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromFile = (path: string): Layer.Layer<KeyStore> =>
  Layer.succeed(KeyStore, {
    load: Effect.suspend(() =>
      Fs.existsSync(path)
        ? readKeyFile(path)
        : Effect.flatMap(Effect.sync(Crypto.generateKey), (key) => Effect.as(writeKeyFile(path, key), key))
    ).pipe(Effect.flatMap((k) => checked(k, path))),
    save: (key) => writeKeyFile(path, key)
  })

/**
 * The default: `DBTK_AI_MASTER_KEY` when it is set, otherwise the key file `ai.key` beside the
 * database.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const layerDefault = (databasePath: string): Layer.Layer<KeyStore> =>
  Layer.unwrapEffect(
    Effect.map(Effect.option(Config.redacted(ENV_VAR)), (env) =>
      Option.isSome(env) ? fromEnv : fromFile(Path.join(Path.dirname(databasePath), "ai.key")))
  )
