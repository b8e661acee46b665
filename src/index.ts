/**
 * `@db-toolkit/ai`: Effect 3 services for DB Toolkit's AI features (generate, explain, optimize
 * and fix SQL) on the provider the user picks, with the user's own keys.
 *
 * @since 0.1.0
 */

/** The error union and its members. @since 0.1.0 */
export * as AiError from "./domain/AiError.js"

/** Parsing model answers: SQL extraction, optimize and fix sections. @since 0.1.0 */
export * as AnswerParser from "./domain/AnswerParser.js"

/** SQL dialects. @since 0.1.0 */
export * as Dialect from "./domain/Dialect.js"

/** The system prompt and the four task prompts. @since 0.1.0 */
export * as Prompts from "./domain/Prompts.js"

/** Provider ids. @since 0.1.0 */
export * as ProviderId from "./domain/ProviderId.js"

/** Schema context and its normalizer. @since 0.1.0 */
export * as SchemaContext from "./domain/SchemaContext.js"

/** Requests and results of the four SQL tasks. @since 0.1.0 */
export * as SqlTask from "./domain/SqlTask.js"

/** Resilience settings: timeouts, retry, rate limits, circuit breaker, fallback, health. @since 0.1.0 */
export * as Resilience from "./domain/Resilience.js"

/** Size limits on requests (a setting) and on provider replies. @since 0.1.0 */
export * as Limits from "./domain/Limits.js"

/** The provider contract. @since 0.1.0 */
export * as AiProvider from "./services/AiProvider.js"

/** Provider events (fallbacks, providers down, disabled, recovered). @since 0.1.0 */
export * as AiEvents from "./services/AiEvents.js"

/** The guarded provider chain: per-provider guards, fallback, health checks. @since 0.1.0 */
export * as Chain from "./resilience/Chain.js"

/** The fallback combinators and `AllProvidersFailed`. @since 0.1.0 */
export * as Fallback from "./resilience/Fallback.js"

/** A provider's guard: rate limit, circuit breaker, retry, time limits. @since 0.1.0 */
export * as Guard from "./resilience/Guard.js"

/** Background health checks. @since 0.1.0 */
export * as Health from "./resilience/Health.js"

/** The circuit breaker. @since 0.1.0 */
export * as CircuitBreaker from "./resilience/CircuitBreaker.js"

/** Client-side rate limits. @since 0.1.0 */
export * as RateLimit from "./resilience/RateLimit.js"

/** Retry combinators. @since 0.1.0 */
export * as Retry from "./resilience/Retry.js"

/** Time-limit combinators. @since 0.1.0 */
export * as Timeouts from "./resilience/Timeouts.js"

/** OpenAI. @since 0.1.0 */
export * as OpenAi from "./providers/openai/OpenAi.js"

/** Cloudflare Workers AI. @since 0.1.0 */
export * as Cloudflare from "./providers/cloudflare/Cloudflare.js"

/** Azure OpenAI. @since 0.1.0 */
export * as AzureOpenAi from "./providers/azure-openai/AzureOpenAi.js"

/** Ollama. @since 0.1.0 */
export * as Ollama from "./providers/ollama/Ollama.js"

/** Anthropic. @since 0.1.0 */
export * as Anthropic from "./providers/anthropic/Anthropic.js"

/** Google Gemini. @since 0.1.0 */
export * as Gemini from "./providers/gemini/Gemini.js"

/** User settings: active provider, fallback, health, telemetry opt-ins. @since 0.1.0 */
export * as AppSettings from "./domain/Settings.js"

/** The settings store contract. @since 0.1.0 */
export * as Settings from "./services/Settings.js"

/** The settings store on SQLite, with encrypted secrets. @since 0.1.0 */
export * as SettingsSql from "./layers/SettingsSql.js"

/** The library's SQLite database. @since 0.1.0 */
export * as Database from "./layers/Database.js"

/** Master-key store contract. @since 0.1.0 */
export * as KeyStore from "./services/KeyStore.js"

/** AES-256-GCM for stored secrets; `generateKey` for a new master key. @since 0.1.0 */
export * as Crypto from "./internal/Crypto.js"

/** Master-key stores: environment, key file, functions. @since 0.1.0 */
export * as KeyStores from "./layers/KeyStores.js"

/** The provider factory contract. @since 0.1.0 */
export * as ProviderRegistry from "./services/ProviderRegistry.js"

/** The provider factory on the settings store. @since 0.1.0 */
export * as ProviderRegistryFromSettings from "./layers/ProviderRegistryFromSettings.js"

/** The provider catalogue: config validation, secret fields, limitations. @since 0.1.0 */
export * as Catalog from "./providers/Catalog.js"

/** Migration from DB Toolkit's `.env` settings. @since 0.1.0 */
export * as EnvMigration from "./layers/EnvMigration.js"

/** Token counts before sending (exact for OpenAI-family models). @since 0.1.0 */
export * as Tokens from "./internal/Tokens.js"

/** The lazily loaded tokenizer and pre-send estimates. @since 0.1.0 */
export * as TokenCounter from "./internal/TokenCounter.js"

/** Prices (bundled genai-prices data, overrides, Cloudflare neurons). @since 0.1.0 */
export * as Pricing from "./domain/Pricing.js"

/** Cost estimates before sending. @since 0.1.0 */
export * as Cost from "./domain/Cost.js"

/** Metrics records, reports and usage analytics. @since 0.1.0 */
export * as Metrics from "./domain/Metrics.js"

/** The metrics repository contract. @since 0.1.0 */
export * as MetricsRepo from "./services/MetricsRepo.js"

/** The metrics repository on SQLite (batched, off the request path). @since 0.1.0 */
export * as MetricsRepoSql from "./layers/MetricsRepoSql.js"

/** Budget policy, rules and `BudgetExceeded`. @since 0.1.0 */
export * as BudgetPolicy from "./domain/Budget.js"

/** The budget guard. @since 0.1.0 */
export * as Budget from "./services/Budget.js"

/** GenAI semantic-convention attributes. @since 0.1.0 */
export * as GenAi from "./internal/GenAi.js"

/** OpenTelemetry spans and the OTLP export layer. @since 0.1.0 */
export * as Telemetry from "./layers/Telemetry.js"

/** The one entry point: settings, budget, fallback chain, metrics, spans. @since 0.1.0 */
export * as AiService from "./services/AiService.js"

/** The AiService on settings, registry, metrics and budget. @since 0.1.0 */
export * as AiServiceFromSettings from "./layers/AiServiceFromSettings.js"

/** Everything composed in one Layer. @since 0.1.0 */
export * as AiStack from "./layers/AiStack.js"

/** Drop-in Electron IPC handlers for DB Toolkit's `ai:*` channels. @since 0.1.0 */
export * as IpcHandlers from "./ipc/handlers.js"

/** The test kit (also at `@db-toolkit/ai/testing`). @since 0.1.0 */
export * as Testing from "./testing/index.js"
