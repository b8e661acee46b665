/**
 * The renderer's view of the preload bridge: `window.dbtkAi` (the {@link DbtkAi} interface), what
 * each method takes, and what it resolves with, field for field as DB Toolkit's screens read them.
 * Types only: a renderer brings them in with `/// <reference types="@db-toolkit/ai/preload" />`
 * or `import type { DbtkAi } from "@db-toolkit/ai/preload"`, and either way `window.dbtkAi` is
 * typed (the `declare global` below), with nothing loaded at run time.
 *
 * Every method resolves, never rejects: `{ success: true, ...the channel's fields }` or a
 * {@link Failure} that still carries the channel's fields, empty (`sql: ""`, `suggestions: []`),
 * as DB Toolkit's handlers always answered.
 *
 * @since 0.1.0
 */
import type { AppSettings, AppSettingsPatch } from "../domain/Settings.js"
import type { BudgetStatus } from "../domain/Budget.js"
import type { CachePolicy } from "../domain/CacheKey.js"
import type * as Metrics from "../domain/Metrics.js"
import type { CostSource } from "../domain/Pricing.js"
import type { SqlCheckResult } from "../domain/SqlCheck.js"
import type { ProviderId } from "../domain/ProviderId.js"
import type * as Resilience from "../domain/Resilience.js"
import type { CommonQuery, Completion, IndexSuggestion, Relationship, SchemaAnalysis } from "../ipc/heuristics.js"
import type { Limitations } from "../providers/Catalog.js"
import type { FieldView } from "../providers/Fields.js"
import type { ProviderView } from "../services/AiService.js"
import type { Stats as ResponseCacheStats } from "../services/ResponseCache.js"

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/**
 * A provider that failed before another one answered, or one attempt of `AllProvidersFailed`.
 *
 * @since 0.1.0
 * @category Answers
 */
export interface FailedAttempt {
  readonly provider: ProviderId
  /** The provider's message, with its name and HTTP status. */
  readonly error: string
  /** The error's tag (`RateLimited`, `Timeout`, `AuthenticationError`, ...). */
  readonly error_kind: string
  readonly status?: number
}

/**
 * A failed call. `error` is the message to show; `error_kind` says what failed:
 *
 * - `InvalidIpcInput`: an argument could not be used (`field` names it); refused by the bridge,
 *   before anything was sent, when it is not plain data within the ceilings;
 * - `AiNotConfigured` (DB Toolkit's "AI not configured" wording), `BudgetExceeded` (with
 *   `budget`), `AllProvidersFailed` (with `attempts`), a provider error (`RateLimited`,
 *   `Timeout`, ... with `provider` and `status`), `NoSql` (the model wrote no SQL: `error` is
 *   its words);
 * - `Unavailable`: the AI service could not start, or the main process did not answer;
 * - `Defect`: a bug in the library.
 *
 * @since 0.1.0
 * @category Answers
 */
export interface Failure {
  readonly success: false
  readonly error: string
  readonly error_kind?: string
  /** The argument or setting at fault, for `InvalidIpcInput` and configuration errors. */
  readonly field?: string
  readonly provider?: ProviderId
  readonly status?: number
  readonly attempts?: ReadonlyArray<FailedAttempt>
  readonly budget?: {
    readonly kind: "perRequest" | "daily" | "monthly"
    readonly limit_usd: number
    readonly spent_usd: number
    readonly estimate_usd: number | null
  }
}

/**
 * What a channel resolves with: its fields on success, a {@link Failure} with its `empty` fields
 * otherwise.
 *
 * @since 0.1.0
 * @category Answers
 */
export type Reply<Success, Empty = unknown> = ({ readonly success: true } & Success) | (Failure & Empty)

/**
 * Who served an answer and what it took (on every answer a provider wrote).
 *
 * @since 0.1.0
 * @category Answers
 */
export interface ServedBy {
  readonly provider: ProviderId
  readonly provider_name: string
  readonly model: string
  readonly usage: { readonly input_tokens: number; readonly output_tokens: number }
  /** `usd` is null when the model's price is unknown. */
  readonly cost: { readonly usd: number | null; readonly source: CostSource }
  readonly latency_ms: number
  /** Whether another provider failed first. */
  readonly fallback: boolean
  readonly failed_providers: ReadonlyArray<FailedAttempt>
  /** Whether the response cache served it: no provider was asked, and it cost nothing. */
  readonly cached?: boolean
}

/**
 * What the library found about an answer's SQL and the schema it was given (on the four query
 * channels' answers): the parser's check and its flags, so a UI can ask before running a
 * destructive statement; whether the SQL is the repair round's; which tables the prompt's schema
 * sent and left out to fit the model's context window.
 *
 * @since 0.1.0
 * @category Answers
 */
export interface SqlFindings {
  /** `null` for an explanation (there is no SQL to check). */
  readonly check?: SqlCheckResult | null
  readonly destructive?: SqlCheckResult["flags"]["destructive"]
  readonly unknown_tables?: ReadonlyArray<string>
  readonly unknown_columns?: SqlCheckResult["flags"]["unknownColumns"]
  /** A parse error, a destructive statement or a name the schema lacks. */
  readonly flagged?: boolean
  readonly repaired?: boolean
  readonly schema_sent?: ReadonlyArray<string>
  readonly schema_left_out?: ReadonlyArray<string>
  readonly schema_text_left_out?: boolean
}

/**
 * `generateQuery` / `generateSql`: the chat panel reads `sql` and `explanation`.
 *
 * @since 0.1.0
 * @category Answers
 */
export type GenerateQueryReply = Reply<
  ServedBy & SqlFindings & { readonly sql: string; readonly explanation: string; readonly confidence: "high" },
  { readonly sql: ""; readonly explanation: "" }
>

/**
 * `explainQuery`.
 *
 * @since 0.1.0
 * @category Answers
 */
export type ExplainQueryReply = Reply<
  ServedBy & SqlFindings & { readonly explanation: string; readonly complexity: "low" | "medium" | "high" },
  { readonly explanation: "" }
>

/**
 * `optimizeQuery`: the statement (the original when nothing changed), the suggestions, the
 * rating (`performance_assessment` as DB Toolkit named it) and the recommended indexes.
 *
 * @since 0.1.0
 * @category Answers
 */
export type OptimizeQueryReply = Reply<
  ServedBy & SqlFindings & {
    readonly suggestions: ReadonlyArray<string>
    readonly optimized_query: string
    /** `Good`, `Fair`, `Poor`, or `Analyzed` when the model gave no rating. */
    readonly performance_assessment: string
    /** The recommended indexes, as statements with their reasons. */
    readonly improvements: ReadonlyArray<string>
    readonly rating: "good" | "fair" | "poor" | null
    readonly changed: boolean
    readonly index_recommendations: ReadonlyArray<{ readonly statement: string; readonly reason: string | null }>
  },
  { readonly suggestions: ReadonlyArray<string> }
>

/**
 * `fixQuery`: auto-fix reads `fixed_query` and `explanation`.
 *
 * @since 0.1.0
 * @category Answers
 */
export type FixQueryReply = Reply<
  ServedBy & SqlFindings & {
    readonly explanation: string
    readonly fixed_query: string
    readonly error_type: "syntax" | "missing_column" | "missing_table" | "ambiguous_column" | "type_mismatch" | "constraint" | "permission"
    readonly changes: ReadonlyArray<string>
  },
  { readonly explanation: string; readonly fixed_query: "" }
>

/**
 * `suggestCompletion`: DB Toolkit's fixed keyword list (no provider).
 *
 * @since 0.1.0
 * @category Answers
 */
export type SuggestCompletionReply = Reply<
  { readonly suggestions: ReadonlyArray<Completion>; readonly context: "basic" },
  { readonly suggestions: ReadonlyArray<Completion> }
>

/**
 * `analyzeTable`: the model's description of the table, with rule-based suggestions, queries,
 * indexes and relationships.
 *
 * @since 0.1.0
 * @category Answers
 */
export type AnalyzeTableReply = Reply<
  ServedBy & {
    readonly table_name: string
    readonly summary: string
    readonly purpose: string
    readonly suggestions: ReadonlyArray<string>
    /** SQL text, as DB Toolkit's table screen renders it. */
    readonly common_queries: ReadonlyArray<string>
    readonly index_recommendations: ReadonlyArray<string>
    readonly relationship_suggestions: ReadonlyArray<string>
    readonly index_suggestions: ReadonlyArray<string>
    readonly potential_issues: ReadonlyArray<string>
  },
  { readonly table_name: string; readonly summary: string; readonly suggestions: ReadonlyArray<string> }
>

/**
 * One table of an `analyzeTable` list: the single-table answer, with what its provider call
 * found, `batch` (its call, 1-based) and `analyzed` (false, with `note`, when the model's answer
 * skipped the table: the rule-based parts only, `summary` empty). A table whose call failed is
 * that call's {@link Failure}, with its `table_name` and `batch`.
 *
 * @since 0.1.0
 * @category Answers
 */
export type AnalyzedTable = AnalyzeTableReply & SqlFindings & { readonly batch: number; readonly analyzed: boolean; readonly note?: string }

/**
 * `analyzeTable` with a list: one entry per table, in the order given, and who served the calls
 * together (the first call's provider and model, every call's usage and cost added up, the whole
 * list's `latency_ms`, `cached` when every call was); `batches` is how many provider calls were
 * made (the tables are grouped into as few as fit the active model's context window). A failure
 * when the list was refused (`field` names it: `tables`, `tables[i].table_name`) or every call
 * failed.
 *
 * @since 0.1.0
 * @category Answers
 */
export type AnalyzeTablesReply = Reply<
  ServedBy & { readonly tables: ReadonlyArray<AnalyzedTable>; readonly batches: number },
  // Absent when the bridge itself refused the arguments (nothing was sent).
  { readonly tables?: ReadonlyArray<AnalyzedTable>; readonly batches?: number }
>

/**
 * `analyzeSchema` (rule-based).
 *
 * @since 0.1.0
 * @category Answers
 */
export type AnalyzeSchemaReply = Reply<
  SchemaAnalysis,
  {
    readonly summary: string
    readonly design_patterns: ReadonlyArray<string>
    readonly relationships: ReadonlyArray<string>
    readonly optimization_suggestions: ReadonlyArray<string>
    readonly schema_name?: string
  }
>

/**
 * `suggestIndexes` (rule-based).
 *
 * @since 0.1.0
 * @category Answers
 */
export type SuggestIndexesReply = Reply<
  {
    readonly table_name: string
    readonly index_suggestions: ReadonlyArray<IndexSuggestion>
    readonly performance_impact: "low" | "medium"
    readonly statements: ReadonlyArray<string>
  },
  { readonly index_suggestions: ReadonlyArray<IndexSuggestion> }
>

/**
 * `analyzeRelationships` (rule-based).
 *
 * @since 0.1.0
 * @category Answers
 */
export type AnalyzeRelationshipsReply = Reply<
  { readonly relationships: ReadonlyArray<Relationship>; readonly total_suggestions: number },
  { readonly relationships: ReadonlyArray<Relationship> }
>

/**
 * `generateCommonQueries` (rule-based): the first five templates and how many there were.
 *
 * @since 0.1.0
 * @category Answers
 */
export type GenerateCommonQueriesReply = Reply<
  { readonly table_name: string; readonly queries: ReadonlyArray<CommonQuery>; readonly total_generated: number },
  { readonly queries: ReadonlyArray<CommonQuery> }
>

/**
 * `generateCommonQueries` with a list (rule-based): each table's answer, in the order given, and
 * how many templates there were in all.
 *
 * @since 0.1.0
 * @category Answers
 */
export type GenerateCommonQueriesListReply = Reply<
  { readonly tables: ReadonlyArray<GenerateCommonQueriesReply>; readonly total_generated: number },
  { readonly queries: ReadonlyArray<CommonQuery> }
>

/**
 * A stored provider as `settings.get` lists it (which secrets are stored, never their values).
 *
 * @since 0.1.0
 * @category Answers
 */
export interface StoredProvider {
  readonly id: ProviderId
  readonly display_name: string
  readonly enabled: boolean
  /** The stored configuration, without its secrets. */
  readonly config: Readonly<Record<string, unknown>>
  readonly secrets_set: ReadonlyArray<string>
  /** Why the stored configuration cannot be used, if it cannot. */
  readonly problem: string | null
  readonly revision: number
}

/**
 * A provider of the catalogue, configured or not, as `settings.get` lists it.
 *
 * @since 0.1.0
 * @category Answers
 */
export interface CatalogEntry {
  readonly id: ProviderId
  readonly display_name: string
  readonly secret_fields: ReadonlyArray<string>
  readonly default_model: string | null
  readonly limitations: Limitations
  readonly configured: boolean
  /** The config's fields as a settings form shows them, read from the provider's config Schema. */
  readonly fields: ReadonlyArray<FieldView>
}

/**
 * `settings.get`.
 *
 * @since 0.1.0
 * @category Answers
 */
export type SettingsGetReply = Reply<{
  readonly settings: AppSettings
  readonly providers: ReadonlyArray<StoredProvider>
  readonly catalog: ReadonlyArray<CatalogEntry>
}>

/**
 * `settings.update`: the settings as they now are.
 *
 * @since 0.1.0
 * @category Answers
 */
export type SettingsUpdateReply = Reply<{ readonly settings: AppSettings }>

/**
 * A connection test.
 *
 * @since 0.1.0
 * @category Answers
 */
export interface ConnectionTestView {
  readonly ok: boolean
  readonly provider: ProviderId
  readonly model: string
  readonly latency_ms: number
  /** Whether the configured model is available to the key; null when the check could not tell. */
  readonly model_available: boolean | null
  readonly details: string
}

/**
 * `providers.save`: `test` is the connection test when one was asked for (`validate: true`).
 *
 * @since 0.1.0
 * @category Answers
 */
export type ProvidersSaveReply = Reply<
  { readonly provider: ProviderId; readonly test: ConnectionTestView | null },
  { readonly test?: ConnectionTestView }
>

/**
 * `providers.test`: a failed test is a failure that still carries the test's fields.
 *
 * @since 0.1.0
 * @category Answers
 */
export type ProvidersTestReply = Reply<ConnectionTestView, Partial<ConnectionTestView>>

/**
 * `providers.models`.
 *
 * @since 0.1.0
 * @category Answers
 */
export type ProvidersModelsReply = Reply<{
  readonly provider: ProviderId
  readonly models: ReadonlyArray<{
    readonly id: string
    readonly display_name: string
    readonly context_window: number | null
    readonly owned_by: string | null
  }>
}>

/**
 * `providers.status`: which provider serves, each provider's health, guard and limitations, and
 * the budget (for a status bar).
 *
 * @since 0.1.0
 * @category Answers
 */
export type ProvidersStatusReply = Reply<{
  readonly active_provider: ProviderId | null
  /** The provider that served the last request, when it was not the active one (a fallback). */
  readonly fallback_serving: ProviderId | null
  readonly last_served_by: ProviderId | null
  readonly providers: ReadonlyArray<ProviderView>
  readonly budget: BudgetStatus | null
}>

/**
 * `providers.remove`.
 *
 * @since 0.1.0
 * @category Answers
 */
export type ProvidersRemoveReply = Reply<{ readonly provider: ProviderId }>

/**
 * `metrics.summary`: the usage summary for the filter and the costs of the period.
 *
 * @since 0.1.0
 * @category Answers
 */
export type MetricsSummaryReply = Reply<{ readonly summary: Metrics.Summary; readonly costs: Metrics.CostReport }>

/**
 * `metrics.timeline`: per UTC hour or day and provider, the requests, successes and failures,
 * latency p50/p95, tokens and cost (points only where there were requests).
 *
 * @since 0.1.0
 * @category Answers
 */
export type MetricsTimelineReply = Reply<{ readonly timeline: Metrics.Timeline }>

/**
 * `metrics.export`: the usage report as CSV or JSON text and a file name to save it under
 * (`dbtk-ai-usage-<YYYY-MM-DD>.<format>`, the UTC day of `to`, or today).
 *
 * @since 0.1.0
 * @category Answers
 */
export type MetricsExportReply = Reply<{
  readonly format: Metrics.ExportFormat
  readonly filename: string
  readonly content: string
}>

/**
 * `cost.estimate`: what a request would cost before it is sent (`min_usd`/`max_usd` null when
 * the price is unknown).
 *
 * @since 0.1.0
 * @category Answers
 */
export type CostEstimateReply = Reply<{
  readonly operation: "generate" | "explain" | "optimize" | "fix"
  readonly provider: ProviderId | null
  readonly input_tokens: number
  readonly input_tokens_exact: boolean
  readonly max_output_tokens: number
  readonly min_usd: number | null
  readonly max_usd: number | null
  readonly source: CostSource
}>

/**
 * A provider event as the renderer receives it (`onEvents`, `events.recent`): `at` is the time
 * in epoch milliseconds.
 *
 * @since 0.1.0
 * @category Answers
 */
export type AiEventView =
  | {
    /** A request moved on to the next provider after `from` failed. */
    readonly type: "FallbackTaken"
    readonly at: number
    readonly from: ProviderId
    readonly to: ProviderId
    readonly error: string
    readonly error_kind: string
    readonly status?: number
  }
  | { readonly type: "ProviderDown"; readonly at: number; readonly provider: ProviderId; readonly error: string }
  | { readonly type: "ProviderDisabled"; readonly at: number; readonly provider: ProviderId; readonly reason: string }
  | { readonly type: "ProviderRecovered"; readonly at: number; readonly provider: ProviderId }
  | { readonly type: "ProviderEnabled"; readonly at: number; readonly provider: ProviderId }
  | {
    /** Spending reached the warning share of a budget (once per budget and period). */
    readonly type: "BudgetNearLimit"
    readonly at: number
    readonly kind: "daily" | "monthly"
    readonly spent_usd: number
    readonly limit_usd: number
  }

/**
 * `events.recent`: the last events, oldest first.
 *
 * @since 0.1.0
 * @category Answers
 */
export type EventsRecentReply = Reply<{ readonly events: ReadonlyArray<AiEventView> }>

/**
 * `cache.stats`: what the response cache holds (`entries`, `bytes`) and has done since the app
 * started (`hits`, `misses`, `stored`, `skipped`, `corrupt`, `expired`, `evicted`), and its
 * policy (`enabled`, `ttlMs`, `maxEntries`, `maxBytes`, `maxEntryBytes`).
 *
 * @since 0.1.0
 * @category Answers
 */
export type CacheStatsReply = Reply<{ readonly stats: ResponseCacheStats; readonly policy: CachePolicy }>

/**
 * `cache.clear`: how many cached answers were deleted, and whose (`null`: every provider's).
 *
 * @since 0.1.0
 * @category Answers
 */
export type CacheClearReply = Reply<{ readonly cleared: number; readonly provider: ProviderId | null }>

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/**
 * A schema context in any shape DB Toolkit sends (`{ tables: {...} }`, a bare table map, the
 * `schema:getTree` tree, columns as `{ name, type }` or `{ column_name, data_type }`). Any plain
 * data is accepted here; the main side reads it and names what it cannot use.
 *
 * @since 0.1.0
 * @category Requests
 */
export type SchemaContextInput = unknown

/**
 * A connection id, as DB Toolkit's connection manager keys it (its database type is looked up).
 *
 * @since 0.1.0
 * @category Requests
 */
export type ConnectionId = string | number

/**
 * Where a request runs: a connection, or an explicit database type (`postgresql`, `mysql`,
 * `mariadb`, `sqlite`, `mongodb`; PostgreSQL without either).
 *
 * @since 0.1.0
 * @category Requests
 */
export interface Target {
  readonly connection_id?: ConnectionId
  readonly db_type?: string
}

/**
 * The chat panel's request.
 *
 * @since 0.1.0
 * @category Requests
 */
export interface GenerateQueryRequest extends Target, CacheChoice {
  readonly natural_language: string
  readonly schema_context?: SchemaContextInput
}

/**
 * How a query request uses the response cache: `use` (the default) serves a stored answer;
 * `refresh` asks the provider again and stores its answer; `bypass` neither reads nor stores.
 *
 * @since 0.1.0
 * @category Requests
 */
export interface CacheChoice {
  readonly cache?: "use" | "refresh" | "bypass"
}

/**
 * An explain request.
 *
 * @since 0.1.0
 * @category Requests
 */
export interface ExplainQueryRequest extends Target, CacheChoice {
  readonly query: string
  readonly schema_context?: SchemaContextInput
}

/**
 * An optimize request; the plan may be text or the driver's JSON.
 *
 * @since 0.1.0
 * @category Requests
 */
export interface OptimizeQueryRequest extends Target, CacheChoice {
  readonly query: string
  readonly execution_plan?: unknown
  readonly schema_context?: SchemaContextInput
}

/**
 * Auto-fix's request.
 *
 * @since 0.1.0
 * @category Requests
 */
export interface FixQueryRequest extends Target, CacheChoice {
  readonly query: string
  readonly error_message: string
  readonly schema_context?: SchemaContextInput
}

/**
 * A table and its columns (`[{ name, type }]`, `[{ column_name, data_type }]`, ...), with
 * snake_case or camelCase names (DB Toolkit's table screen sends `connectionId` and `tableName`).
 *
 * @since 0.1.0
 * @category Requests
 */
export type TableRequest =
  & Target
  & { readonly connectionId?: ConnectionId; readonly dbType?: string; readonly columns?: ReadonlyArray<unknown> }
  & ({ readonly table_name: string } | { readonly tableName: string })

/**
 * Several tables in one call (`analyzeTable`, `generateCommonQueries`): at most 200, each named
 * `table_name`, `tableName` or `name`, no name twice.
 *
 * @since 0.1.0
 * @category Requests
 */
export type TablesRequest = Target & CacheChoice & {
  readonly connectionId?: ConnectionId
  readonly dbType?: string
  readonly tables: ReadonlyArray<
    & { readonly columns?: ReadonlyArray<unknown> }
    & ({ readonly table_name: string } | { readonly tableName: string } | { readonly name: string })
  >
}

/**
 * A schema analysis request: its tables as `{ [table]: [{ name, type, primary_key }] }` or any
 * schema context shape.
 *
 * @since 0.1.0
 * @category Requests
 */
export interface SchemaRequest extends Target {
  readonly schema_name?: string
  readonly tables: SchemaContextInput
}

/**
 * The operation a cost estimate is for, and that operation's request.
 *
 * @since 0.1.0
 * @category Requests
 */
export type CostEstimateRequest =
  & { readonly provider?: ProviderId }
  & (
    | ({ readonly operation: "generate" } & GenerateQueryRequest)
    | ({ readonly operation: "explain" } & ExplainQueryRequest)
    | ({ readonly operation: "optimize" } & OptimizeQueryRequest)
    | ({ readonly operation: "fix" } & FixQueryRequest)
  )

/**
 * How a provider is saved: enabled or not, tested first, and its resilience policy (time limits,
 * retries, rate limits, circuit breaker).
 *
 * @since 0.1.0
 * @category Requests
 */
export interface SaveOptions {
  readonly validate?: boolean
  readonly enabled?: boolean
  readonly resilience?: typeof Resilience.ResiliencePolicy.Encoded
}

/**
 * A metrics filter and the cost period (`day` when not given).
 *
 * @since 0.1.0
 * @category Requests
 */
export interface MetricsRequest {
  readonly provider?: ProviderId
  readonly model?: string
  readonly operation?: Metrics.Operation
  /** Epoch milliseconds. */
  readonly from?: number
  readonly to?: number
  readonly period?: Metrics.CostPeriod
}

/**
 * A timeline's range (epoch milliseconds, `from` inclusive, `to` exclusive; the last 7 days by
 * default), bucket size (hours for up to 2 days, days beyond, by default; 2,000 buckets at most)
 * and provider.
 *
 * @since 0.1.0
 * @category Requests
 */
export interface MetricsTimelineRequest {
  readonly from?: number
  readonly to?: number
  readonly bucket?: Metrics.TimelineBucket
  readonly provider?: ProviderId
}

/**
 * A usage export: its format and range (epoch milliseconds, `from` inclusive, `to` exclusive;
 * all records by default).
 *
 * @since 0.1.0
 * @category Requests
 */
export interface MetricsExportRequest {
  readonly format: Metrics.ExportFormat
  readonly from?: number
  readonly to?: number
}

/**
 * Options of {@link DbtkAi.onEvents}.
 *
 * @since 0.1.0
 * @category Requests
 */
export interface OnEventsOptions {
  /** How often to ask the main process for new events (default 2000 ms, from 100 ms to 60 s). */
  readonly intervalMs?: number
}

// ---------------------------------------------------------------------------
// The bridge
// ---------------------------------------------------------------------------

/**
 * `window.dbtkAi`: one method per channel of the library, and nothing else (no generic
 * `invoke`). Names follow the channels: `ai:fix-query` → `fixQuery`, `ai:providers:save` →
 * `providers.save`. The object and its groups are frozen.
 *
 * Each method takes the channel's arguments in either style DB Toolkit has used (an object with
 * snake_case fields, or positional arguments), checks they are plain data within the ceilings
 * before sending anything, and resolves with the channel's answer; it never rejects.
 *
 * @since 0.1.0
 * @category Models
 */
export interface DbtkAi {
  /** `ai:generate-query`: SQL from a question (the chat panel). */
  generateQuery(request: GenerateQueryRequest): Promise<GenerateQueryReply>
  generateQuery(naturalLanguage: string, schemaContext?: SchemaContextInput, dbType?: string): Promise<GenerateQueryReply>
  /** `ai:generate-sql`: the same, positional first. */
  generateSql(naturalLanguage: string, schemaContext?: SchemaContextInput, dbType?: string): Promise<GenerateQueryReply>
  generateSql(request: GenerateQueryRequest): Promise<GenerateQueryReply>
  /** `ai:explain-query`. */
  explainQuery(request: ExplainQueryRequest): Promise<ExplainQueryReply>
  explainQuery(query: string, dbType?: string, schemaContext?: SchemaContextInput): Promise<ExplainQueryReply>
  /** `ai:optimize-query`. */
  optimizeQuery(request: OptimizeQueryRequest): Promise<OptimizeQueryReply>
  optimizeQuery(query: string, executionPlan?: unknown, dbType?: string, schemaContext?: SchemaContextInput): Promise<OptimizeQueryReply>
  /** `ai:fix-query` (auto-fix and "Fix with AI"). */
  fixQuery(request: FixQueryRequest): Promise<FixQueryReply>
  fixQuery(query: string, errorMessage: string, dbType?: string, schemaContext?: SchemaContextInput): Promise<FixQueryReply>
  /** `ai:suggest-completion` (a fixed list; the arguments are not read). */
  suggestCompletion(partialQuery?: string, cursorPosition?: number, schemaContext?: SchemaContextInput, dbType?: string): Promise<SuggestCompletionReply>
  /**
   * `ai:analyze-table`: the model's description of a table, with rule-based suggestions. Given a
   * list of tables, they are described in as few provider calls as fit the active model (one
   * section per table in each answer, split back per table).
   */
  analyzeTable(request: TablesRequest): Promise<AnalyzeTablesReply>
  analyzeTable(request: TableRequest): Promise<AnalyzeTableReply>
  analyzeTable(tableName: string, columns: ReadonlyArray<unknown>, dbType?: string): Promise<AnalyzeTableReply>
  /** `ai:analyze-schema` (rule-based). */
  analyzeSchema(connectionId: ConnectionId, schemaName: string, tables: SchemaContextInput): Promise<AnalyzeSchemaReply>
  analyzeSchema(request: SchemaRequest): Promise<AnalyzeSchemaReply>
  /** `ai:suggest-indexes` (rule-based). */
  suggestIndexes(tableName: string, columns: ReadonlyArray<unknown>, queryPatterns?: ReadonlyArray<string>, dbType?: string): Promise<SuggestIndexesReply>
  suggestIndexes(request: TableRequest & { readonly query_patterns?: ReadonlyArray<string> }): Promise<SuggestIndexesReply>
  /** `ai:analyze-relationships` (rule-based). */
  analyzeRelationships(tables: SchemaContextInput, dbType?: string): Promise<AnalyzeRelationshipsReply>
  /** `ai:generate-common-queries` (rule-based, no provider call): for one table, or each table of a list. */
  generateCommonQueries(tableName: string, columns: ReadonlyArray<unknown>, dbType?: string): Promise<GenerateCommonQueriesReply>
  generateCommonQueries(request: TablesRequest): Promise<GenerateCommonQueriesListReply>
  generateCommonQueries(request: TableRequest): Promise<GenerateCommonQueriesReply>

  /** The settings panel's settings. */
  readonly settings: {
    /** `ai:settings:get`: the settings, the stored providers (no secrets) and the catalogue. */
    get(): Promise<SettingsGetReply>
    /** `ai:settings:update`: the keys given are replaced (`activeProvider: null` clears it). */
    update(patch: AppSettingsPatch): Promise<SettingsUpdateReply>
  }
  /** The settings panel's providers. */
  readonly providers: {
    /** `ai:providers:save`: a form may send only what changed; a stored secret stays unless given. */
    save(id: ProviderId, config: Readonly<Record<string, unknown>>, options?: SaveOptions): Promise<ProvidersSaveReply>
    save(request: SaveOptions & { readonly provider: ProviderId; readonly config: Readonly<Record<string, unknown>> }): Promise<ProvidersSaveReply>
    /** `ai:providers:test`: fields not given are the stored ones. */
    test(id: ProviderId, config?: Readonly<Record<string, unknown>>): Promise<ProvidersTestReply>
    /** `ai:providers:models`. */
    models(id: ProviderId): Promise<ProvidersModelsReply>
    /** `ai:providers:status`. */
    status(): Promise<ProvidersStatusReply>
    /** `ai:providers:remove`. */
    remove(id: ProviderId): Promise<ProvidersRemoveReply>
  }
  /** Usage and costs. */
  readonly metrics: {
    /** `ai:metrics:summary`. */
    summary(request?: MetricsRequest): Promise<MetricsSummaryReply>
    /** `ai:metrics:timeline`: usage over time per provider, for charts. */
    timeline(request?: MetricsTimelineRequest): Promise<MetricsTimelineReply>
    /** `ai:metrics:export`: the usage report as a CSV or JSON file's content and name. */
    export(request: MetricsExportRequest): Promise<MetricsExportReply>
  }
  /** Cost estimates. */
  readonly cost: {
    /** `ai:cost:estimate`. */
    estimate(request: CostEstimateRequest): Promise<CostEstimateReply>
  }
  /** Provider events. */
  readonly events: {
    /** `ai:events:recent`: the last `limit` events (all that are kept without one), oldest first. */
    recent(limit?: number): Promise<EventsRecentReply>
  }
  /** The response cache. */
  readonly cache: {
    /** `ai:cache:stats`: the answers it holds, this session's hits and misses, its policy. */
    stats(): Promise<CacheStatsReply>
    /** `ai:cache:clear`: deletes the cached answers, all of them or one provider's. */
    clear(options?: { readonly provider?: ProviderId }): Promise<CacheClearReply>
  }
  /**
   * Calls `callback` once for each provider event (fallbacks, providers down, disabled,
   * recovered, budgets near their limit), by asking `ai:events:recent` every `intervalMs`;
   * returns the function that stops it. The first answer is the starting point: events from
   * before it are not delivered. Events are delivered in order, each once, unless more happen
   * between two polls than the main side keeps (100 by default).
   */
  onEvents(callback: (event: AiEventView) => void, options?: OnEventsOptions): () => void
}

declare global {
  /** The renderer's window, with the bridge under its default key. */
  interface Window {
    /** The AI bridge that `exposeAi` put there. */
    readonly dbtkAi: DbtkAi
  }
}
