/**
 * Everything composed: the database, the key store, settings, the provider registry, metrics,
 * the budget guard, events and the AiService, in one Layer an app provides an `HttpClient` to.
 *
 * ```ts
 * const AiLive = AiStack.layer({ databasePath: join(app.getPath("userData"), "ai.db"), keyStore: { safeStorage } })
 *   .pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer } from "effect"
import type { MetricsError } from "../domain/Metrics.js"
import type { AiEvents } from "../services/AiEvents.js"
import type { AiService } from "../services/AiService.js"
import type { Budget } from "../services/Budget.js"
import type { KeyStore, KeyStoreError } from "../services/KeyStore.js"
import type { MetricsRepo } from "../services/MetricsRepo.js"
import type { ProviderRegistry } from "../services/ProviderRegistry.js"
import type { ResponseCache, ResponseCacheError } from "../services/ResponseCache.js"
import { Settings, type SettingsError } from "../services/Settings.js"
import * as AiEventsPubSub from "./AiEventsPubSub.js"
import * as AiServiceFromSettings from "./AiServiceFromSettings.js"
import * as BudgetFromMetrics from "./BudgetFromMetrics.js"
import * as Database from "./Database.js"
import * as EnvMigration from "./EnvMigration.js"
import * as KeyStores from "./KeyStores.js"
import * as MetricsRepoSql from "./MetricsRepoSql.js"
import * as ProviderEnv from "./ProviderEnv.js"
import * as ProviderRegistryFromSettings from "./ProviderRegistryFromSettings.js"
import * as ResponseCacheSql from "./ResponseCacheSql.js"
import * as SettingsSql from "./SettingsSql.js"

/**
 * Where things live and what runs at start.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** Default `~/.db-toolkit/ai/ai.db`; an Electron app passes a file in its user-data folder. */
  readonly databasePath?: string | undefined
  /**
   * Where the master key lives. `{ safeStorage }` (Electron's): encrypted with it in `ai.key.enc`
   * beside the database ({@link KeyStores.safeStorage}); or any key-store Layer. Default:
   * `DBTK_AI_MASTER_KEY`, else the key file `ai.key` beside the database.
   */
  readonly keyStore?: Layer.Layer<KeyStore> | SafeStorageKey | undefined
  readonly metrics?: MetricsRepoSql.Options | undefined
  /**
   * Import DB Toolkit's `.env` settings at start (idempotent) from the file named in `envFile`
   * (never one inside the packaged app's resources) and, only if passed, `env`; off when undefined.
   */
  readonly migrateEnv?: EnvMigration.MigrationOptions | undefined
  /**
   * Configure, at start, the providers the environment names with the official SDKs' variables
   * (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `OLLAMA_HOST`, ...; see `ProviderEnv`): `true` reads
   * `process.env`. Providers already configured are kept unless `replace`. Off when undefined.
   */
  readonly importEnv?: boolean | ProviderEnv.ImportOptions | undefined
}

/**
 * The master key kept with Electron's `safeStorage`, in `ai.key.enc` beside the database.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SafeStorageKey {
  /** Electron's `safeStorage` (`require("electron").safeStorage`). */
  readonly safeStorage: KeyStores.SafeStorage
  /** Without a keyring, keep the key unencrypted in `ai.key` (0600) with a warning instead of refusing to start. */
  readonly allowPlainText?: boolean | undefined
}

const keyStoreOf = (option: Options["keyStore"], databasePath: string): Layer.Layer<KeyStore> =>
  option === undefined
    ? KeyStores.layerDefault(databasePath)
    : "safeStorage" in option
    ? KeyStores.safeStorage(option.safeStorage, { path: KeyStores.encryptedKeyFilePath(databasePath), allowPlainText: option.allowPlainText })
    : option

/**
 * What the stack provides.
 *
 * @since 0.1.0
 * @category Models
 */
export type Services = AiService | Settings | ProviderRegistry | MetricsRepo | Budget | AiEvents | ResponseCache

/**
 * What building the stack can fail with (a database, key or settings problem).
 *
 * @since 0.1.0
 * @category Models
 */
export type StackError = Database.DatabaseError | SettingsError | KeyStoreError | MetricsError | ResponseCacheError | EnvMigration.MigrationError

/**
 * The whole library as one Layer.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<Services, StackError, HttpClient.HttpClient> => {
  const path = options.databasePath ?? Database.defaultPath()
  const db = Database.layer({ filename: path })
  const settings = SettingsSql.layer.pipe(Layer.provide(keyStoreOf(options.keyStore, path)))
  const migrate = options.migrateEnv === undefined
    ? Layer.empty
    : Layer.effectDiscard(Effect.catchTags(EnvMigration.fromEnv(options.migrateEnv), {
      // A .env whose values do not validate is reported, and the app still starts.
      ConfigInvalid: (e) => Effect.logWarning(`The .env settings were not imported: ${e.message}`),
      SettingsInvalid: (e) => Effect.logWarning(`The .env settings were not imported: ${e.message}`)
    }))
  // The budget starts from the stored policy; the AiService updates it when the settings change.
  const budget = Layer.unwrapEffect(Effect.flatMap(Settings, (s) => Effect.map(s.snapshot, (snap) => BudgetFromMetrics.layer(snap.settings.budget))))
  // Likewise the response cache, on the same database.
  const cache = Layer.unwrapEffect(Effect.flatMap(Settings, (s) => Effect.map(s.snapshot, (snap) => ResponseCacheSql.layer(snap.settings.cache))))
  const base = Layer.mergeAll(settings, MetricsRepoSql.layer(options.metrics), AiEventsPubSub.layer).pipe(Layer.provideMerge(db))
  const fromEnv = options.importEnv === undefined || options.importEnv === false
    ? Layer.empty
    : ProviderEnv.layer(options.importEnv === true ? {} : options.importEnv)
  const core = Layer.mergeAll(ProviderRegistryFromSettings.layer, budget, cache, migrate, fromEnv).pipe(Layer.provideMerge(base))
  return AiServiceFromSettings.layer.pipe(Layer.provideMerge(core))
}
