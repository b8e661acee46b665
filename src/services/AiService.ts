/**
 * The one entry point DB Toolkit calls (implemented by `layers/AiServiceFromSettings.ts`). For each request it reads the settings, gets the
 * providers from the registry, checks the budget, runs the guarded fallback chain, records one
 * metrics row per attempt and returns the parsed answer with who served it, the attempts, latency,
 * token usage and cost. It also tells a UI what it needs to be provider-aware: the active and
 * serving provider, each provider's health, limits and limitations, and a stream of events.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema, type Stream } from "effect"
import type * as AiError from "../domain/AiError.js"
import type { BudgetExceeded, BudgetStatus } from "../domain/Budget.js"
import type * as Cost from "../domain/Cost.js"
import type { InputLimits } from "../domain/Limits.js"
import type * as Pricing from "../domain/Pricing.js"
import type { ProviderId } from "../domain/ProviderId.js"
import type * as Prepared from "../domain/Prepared.js"
import type * as Prompts from "../domain/Prompts.js"
import type * as SqlCheck from "../domain/SqlCheck.js"
import type * as SqlTask from "../domain/SqlTask.js"
import type * as ResponseCache from "./ResponseCache.js"
// Types only: the shapes of the resilience machinery a status screen shows.
import type { Limitations } from "../providers/Catalog.js"
import type { AllProvidersFailed, Attempt } from "../resilience/Fallback.js"
import type { GuardState } from "../resilience/Guard.js"
import type { ProviderStatus } from "../resilience/Health.js"
import type { AiEvent } from "./AiEvents.js"

/**
 * No provider is configured and enabled. The wording is DB Toolkit's.
 *
 * @since 0.1.0
 * @category Errors
 */
export class AiNotConfigured extends Schema.TaggedError<AiNotConfigured>("@db-toolkit/ai/AiNotConfigured")("AiNotConfigured", {
  message: Schema.String
}) {}

/**
 * Every way a request can fail.
 *
 * @since 0.1.0
 * @category Errors
 */
export type AiServiceError = AiError.AiError | AllProvidersFailed | BudgetExceeded | AiNotConfigured

/**
 * Per-request choices.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RequestOptions {
  /** Use only this provider: no fallback. */
  readonly pin?: ProviderId | undefined
  /**
   * How this request uses the response cache: `use` (the default) serves a stored answer and
   * stores a fresh one; `refresh` asks the provider again and stores its answer (a "regenerate"
   * button); `bypass` neither reads nor stores.
   */
  readonly cache?: ResponseCache.Mode | undefined
}

/**
 * A served answer: the result, who served it and what it took, and what the request path found
 * (the schema the prompt sent and left out, the SQL's check, whether a repair round wrote it).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Answer<R> {
  readonly result: R
  /** Who served it (also in `result.meta.provider`). */
  readonly provider: ProviderId
  readonly model: string
  /** Whether a provider failed before this one served. */
  readonly fallback: boolean
  /** The failed attempts at other providers, in order. */
  readonly failed: ReadonlyArray<Attempt>
  readonly latencyMs: number
  /** Every call the answer took, the repair round's included (`result.meta.usage` is the last call's). */
  readonly usage: SqlTask.Usage
  /** What those calls cost together. */
  readonly cost: Pricing.Cost
  /** The estimate made before sending. */
  readonly estimate: Cost.Estimate | undefined
  /** The tables the prompt's schema sent, qualified as the prompt wrote them (`schema.table`). */
  readonly schemaSent: ReadonlyArray<string>
  /** The tables left out to fit the model's context window: the model did not see them. */
  readonly schemaLeftOut: ReadonlyArray<string>
  /** Whether the schema's free text (DDL) was left out for the same reason. */
  readonly schemaTextLeftOut: boolean
  /**
   * The answer's SQL checked by a parser in the connection's dialect: whether it parses, its
   * destructive statements, tables and columns the schema does not have (see `SqlCheck`).
   * Undefined for an explanation, which has no SQL.
   */
  readonly check: SqlCheck.SqlCheckResult | undefined
  /** Whether the answer is the repair round's: the first did not parse and the model was told why, once. */
  readonly repaired: boolean
  /**
   * Whether the answer came from the response cache: no provider was asked, it cost nothing
   * (`usage` zero, `cost.usd` 0) and `latencyMs` is the lookup's; `result.meta` is the original call's.
   */
  readonly cached: boolean
}

/**
 * A provider as a settings screen or status bar shows it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ProviderView {
  readonly id: ProviderId
  readonly displayName: string
  readonly configured: boolean
  readonly enabled: boolean
  readonly active: boolean
  readonly model: string | undefined
  /** Why its stored configuration cannot be used, if it cannot. */
  readonly problem: string | undefined
  readonly health: ProviderStatus | undefined
  readonly guard: GuardState | undefined
  readonly limitations: Limitations & { readonly contextWindow: number | undefined }
}

/**
 * Everything a UI needs to be provider-aware.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Status {
  readonly activeProvider: ProviderId | undefined
  /** The provider that served the last request, when it was not the active one (a fallback). */
  readonly fallbackServing: ProviderId | undefined
  readonly lastServedBy: ProviderId | undefined
  readonly providers: ReadonlyArray<ProviderView>
  readonly budget: BudgetStatus | undefined
}

/**
 * How much one request may carry, for a caller that sizes its requests (several tables explained
 * in one call, `ExplainTables`): the prompt budget of the provider the request would go to first
 * (its model, context window and answer budget) and the settings' request limits.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Capacity {
  readonly budget: Prompts.Budget
  readonly limits: InputLimits
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly generateSql: (request: SqlTask.GenerateSqlInput, options?: RequestOptions) => Effect.Effect<Answer<SqlTask.GenerateSqlResult>, AiServiceError>
  readonly explainSql: (request: SqlTask.ExplainSqlInput, options?: RequestOptions) => Effect.Effect<Answer<SqlTask.ExplainSqlResult>, AiServiceError>
  readonly optimizeSql: (request: SqlTask.OptimizeSqlInput, options?: RequestOptions) => Effect.Effect<Answer<SqlTask.OptimizeSqlResult>, AiServiceError>
  readonly fixSql: (request: SqlTask.FixSqlInput, options?: RequestOptions) => Effect.Effect<Answer<SqlTask.FixSqlResult>, AiServiceError>
  /** Any task, as passed or prepared ({@link Service.prepare}). */
  readonly run: <I extends Prepared.Input>(task: I, options?: RequestOptions) => Effect.Effect<Answer<SqlTask.ResultFor<I>>, AiServiceError>
  /** Text as it arrives, then the parsed result. */
  readonly stream: (task: Prepared.Input, options?: RequestOptions) => Stream.Stream<SqlTask.StreamEvent, AiServiceError>
  /**
   * Reads, validates and normalizes a request once, against the settings' request limits, for
   * a caller that reads it before it runs it (the IPC handlers: their own wording for a bad
   * field); `run` and `stream` take the prepared request as it is.
   */
  readonly prepare: <I extends Prepared.Input>(
    task: I,
    options?: RequestOptions
  ) => Effect.Effect<Prepared.PreparedOf<I>, AiNotConfigured | AiError.InvalidRequest>
  /** How much a request may carry at the provider it would go to first (the pinned one, else the plan's first). */
  readonly capacity: (options?: RequestOptions) => Effect.Effect<Capacity, AiNotConfigured>
  /** What a request would cost, before it is sent. */
  readonly estimate: (task: Prepared.Input, options?: RequestOptions) => Effect.Effect<Cost.Estimate, AiNotConfigured | AiError.AiError>
  readonly status: Effect.Effect<Status>
  /** Fallbacks, providers down, disabled or recovered, budgets near their limit. */
  readonly events: Stream.Stream<AiEvent>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class AiService extends Context.Tag("@db-toolkit/ai/AiService")<AiService, Service>() {}
