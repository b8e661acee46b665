/**
 * Where the master key that encrypts stored secrets comes from. The library ships an environment
 * variable store, a key-file store and an injected one (see `layers/KeyStores.ts`); an Electron
 * app can plug in `safeStorage` by keeping the key file's bytes encrypted with it:
 *
 * ```ts
 * KeyStores.fromFunctions({
 *   load: () => Effect.promise(() => readFile(path)).pipe(Effect.map((b) => safeStorage.decryptString(b))),
 *   save: (key) => Effect.promise(() => writeFile(path, safeStorage.encryptString(key)))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Redacted, Schema } from "effect"

/**
 * The key could not be had (absent, unreadable, the wrong size).
 *
 * @since 0.1.0
 * @category Errors
 */
export class KeyStoreError extends Schema.TaggedError<KeyStoreError>("@db-toolkit/ai/KeyStoreError")("KeyStoreError", {
  message: Schema.String
}) {}

/**
 * A master-key store. The key is 32 bytes, as base64 inside a `Redacted`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** The current key. */
  readonly load: Effect.Effect<Redacted.Redacted<string>, KeyStoreError>
  /** Replaces the key (after a rotation); stores that cannot (an environment variable) fail and say what to do. */
  readonly save: (key: Redacted.Redacted<string>) => Effect.Effect<void, KeyStoreError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class KeyStore extends Context.Tag("@db-toolkit/ai/KeyStore")<KeyStore, Service>() {}

/**
 * The environment variable the default store reads.
 *
 * @since 0.1.0
 * @category Constants
 */
export const ENV_VAR = "DBTK_AI_MASTER_KEY"
