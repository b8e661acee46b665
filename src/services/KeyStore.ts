/**
 * Where the master key that encrypts stored secrets comes from. The library ships an environment
 * variable store, a key-file store, a store for Electron's `safeStorage` and an injected one (see
 * `layers/KeyStores.ts`). An Electron app keeps the key encrypted with `safeStorage` beside its
 * database:
 *
 * ```ts
 * const { app, safeStorage } = require("electron")
 * const dbPath = path.join(app.getPath("userData"), "ai.db")
 * // in AiStack: AiStack.layer({ databasePath: dbPath, keyStore: { safeStorage } }), or on its own:
 * const KeyStoreLive = KeyStores.safeStorage(safeStorage, { path: KeyStores.encryptedKeyFilePath(dbPath) })
 * ```
 *
 * The first start makes the key (`created: true`); a store must never make a new key in place of
 * one it cannot read (it fails instead): a new key cannot open the secrets sealed with the lost
 * one. A store that makes keys says so, see {@link LoadedKey}.
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
 * A loaded key, and whether the store had to make it. A store that finds no key may make a new
 * random one (the key file does); the settings store then checks whether the database needed the
 * old one, and if so calls `undo`, so a lost key is reported on every start instead of being
 * silently replaced.
 *
 * @since 0.1.0
 * @category Models
 */
export interface LoadedKey {
  /** The key: 32 bytes, as base64. */
  readonly key: Redacted.Redacted<string>
  /** True when there was no key and this load made (and stored) a new random one. */
  readonly created: boolean
  /** Where the key lives, for messages: the key file's path or the variable's name, when known. */
  readonly location?: string | undefined
  /** Removes the key this load created (nothing when `created` is false, or when the key has changed since). */
  readonly undo: Effect.Effect<void, KeyStoreError>
}

/**
 * A master-key store. The key is 32 bytes, as base64 inside a `Redacted`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** The current key; a store that creates keys makes one when there is none (`created: true`). */
  readonly load: Effect.Effect<LoadedKey, KeyStoreError>
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
