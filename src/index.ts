/**
 * `@db-toolkit/ai`: Effect 3 services for DB Toolkit's AI features (generate, explain, optimize
 * and fix SQL) on the provider the user picks, with the user's own keys.
 *
 * What an app needs comes first: the stack and the service, the six providers, the errors, the
 * IPC installer and the settings store; then the rest of the public API. Deep entries load less:
 * `@db-toolkit/ai/providers/<id>` (one provider, no database), `@db-toolkit/ai/ipc`,
 * `@db-toolkit/ai/preload` (the renderer's `window.dbtkAi`, no Effect, also CommonJS) and
 * `@db-toolkit/ai/testing` (the emulators and `MockAiProvider`, only there).
 *
 * Where things live: a service's `Context.Tag` and interface are alone in `services/<Name>.ts`,
 * and every implementation of it is a Layer in `layers/` (`SettingsSql`, `AiServiceFromSettings`,
 * ...), except the `AiProvider` implementations, one folder each in `providers/`.
 *
 * @since 0.1.0
 */

// The stack and the service

/** Everything composed in one Layer: `AiStack.layer({ databasePath })`, given an `HttpClient`. @since 0.1.0 */
export * as AiStack from "./layers/AiStack.js"

/** The one entry point: settings, budget, the fallback chain, metrics, spans (`AiService.AiService`). @since 0.1.0 */
export * as AiService from "./services/AiService.js"

// The providers

/** OpenAI (Chat Completions). @since 0.1.0 */
export * as OpenAi from "./providers/openai/OpenAi.js"

/** Anthropic (Messages API). @since 0.1.0 */
export * as Anthropic from "./providers/anthropic/Anthropic.js"

/** Azure OpenAI (a deployment's Chat Completions). @since 0.1.0 */
export * as AzureOpenAi from "./providers/azure-openai/AzureOpenAi.js"

/** Cloudflare Workers AI. @since 0.1.0 */
export * as Cloudflare from "./providers/cloudflare/Cloudflare.js"

/** Ollama. @since 0.1.0 */
export * as Ollama from "./providers/ollama/Ollama.js"

/** Google Gemini. @since 0.1.0 */
export * as Gemini from "./providers/gemini/Gemini.js"

/** The contract every provider implements: the `AiProvider` tag and its operations. @since 0.1.0 */
export * as AiProvider from "./services/AiProvider.js"

// The errors: a provider fails with an `AiError`; the `AiService` adds the other three
// (`AiService.AiServiceError` is the union).

/** The provider error union and its members (`AuthenticationError`, `RateLimited`, `Timeout`, ...). @since 0.1.0 */
export * as AiError from "./domain/AiError.js"

/** Every provider in the chain failed; lists each attempt (from the resilience chain). @since 0.1.0 */
export { AllProvidersFailed } from "./resilience/Fallback.js"

/** No provider is configured and enabled ("AI not configured"). @since 0.1.0 */
export { AiNotConfigured } from "./services/AiService.js"

/** A per-request, daily or monthly budget stopped the request before it was sent. @since 0.1.0 */
export { BudgetExceeded } from "./domain/Budget.js"

// The IPC installer (also at `@db-toolkit/ai/ipc`)

/** DB Toolkit's `ai:*` IPC channels on Electron's `ipcMain`, and their names and options. @since 0.1.0 */
export {
  aiChannels,
  type AiChannel,
  type AiHandlersRegistration,
  type IpcMainLike,
  registerAiHandlers,
  type RegisterAiHandlersOptions
} from "./ipc/index.js"

// The settings store

/** The settings store contract: snapshot, changes, providers, secrets, import and export. @since 0.1.0 */
export * as Settings from "./services/Settings.js"

/** The settings document: active provider, fallback, health, limits, budget, telemetry. @since 0.1.0 */
export * as AppSettings from "./domain/Settings.js"

// The rest of the public API

/** Requests and results of the four SQL tasks, and the inputs they accept. @since 0.1.0 */
export * as SqlTask from "./domain/SqlTask.js"

/** A request read, validated and normalized once (`AiService.prepare`). @since 0.1.0 */
export * as Prepared from "./domain/Prepared.js"

/** Several tables explained in as few provider calls as fit the active model, split back per table. @since 0.1.0 */
export * as ExplainTables from "./services/ExplainTables.js"

/**
 * SQL checked by a real parser in the connection's dialect (every answer's `check`), and
 * `shutdown` for its worker thread when the app quits. @since 0.1.0
 */
export * as SqlCheck from "./domain/SqlCheck.js"

/** The context window of each provider's models, which a prompt's schema is fitted to. @since 0.1.0 */
export * as ContextWindow from "./domain/ContextWindow.js"

/** Provider ids. @since 0.1.0 */
export * as ProviderId from "./domain/ProviderId.js"

/** Resilience policies: timeouts, retry, rate limits, circuit breaker, fallback, health. @since 0.1.0 */
export * as Resilience from "./domain/Resilience.js"

/** Size limits on requests (a setting) and on provider replies. @since 0.1.0 */
export * as Limits from "./domain/Limits.js"

/** The guarded provider chain without the stack: per-provider guards, fallback, health checks. @since 0.1.0 */
export * as Chain from "./resilience/Chain.js"

/** OpenTelemetry: the OTLP export layer and content capture. @since 0.1.0 */
export * as Telemetry from "./layers/Telemetry.js"

/** Metrics records, summaries, cost and usage reports. @since 0.1.0 */
export * as Metrics from "./domain/Metrics.js"

/** The metrics repository contract. @since 0.1.0 */
export * as MetricsRepo from "./services/MetricsRepo.js"

/** The budget guard contract. @since 0.1.0 */
export * as Budget from "./services/Budget.js"

/** Provider events (fallbacks, providers down, disabled, recovered, budgets near their limit). @since 0.1.0 */
export * as AiEvents from "./services/AiEvents.js"

/** The provider registry contract: builds providers from the settings, rebuilds on change. @since 0.1.0 */
export * as ProviderRegistry from "./services/ProviderRegistry.js"

/** The provider registry on the settings store. @since 0.1.0 */
export * as ProviderRegistryFromSettings from "./layers/ProviderRegistryFromSettings.js"

/** The settings store on SQLite, with encrypted secrets. @since 0.1.0 */
export * as SettingsSql from "./layers/SettingsSql.js"

/** The library's SQLite database. @since 0.1.0 */
export * as Database from "./layers/Database.js"

/** The master-key store contract. @since 0.1.0 */
export * as KeyStore from "./services/KeyStore.js"

/** Master-key stores: environment, key file, functions (Electron's `safeStorage`); `generateKey`. @since 0.1.0 */
export * as KeyStores from "./layers/KeyStores.js"

/** Migration from DB Toolkit's `.env` settings. @since 0.1.0 */
export * as EnvMigration from "./layers/EnvMigration.js"

/** Providers configured from the official SDKs' environment variables. @since 0.1.0 */
export * as ProviderEnv from "./layers/ProviderEnv.js"
