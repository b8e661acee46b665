/**
 * Resilience settings, per provider and for the fallback chain, as Schemas with defaults: what a
 * settings screen edits and what the guards run on.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import type { AiError } from "./AiError.js"
import { ProviderId } from "./ProviderId.js"

const Millis = (max: number, min = 1) =>
  Schema.Int.pipe(Schema.between(min, max, { message: () => `must be a whole number of milliseconds from ${min} to ${max}` }))
const Count = (min: number, max: number) =>
  Schema.Int.pipe(Schema.between(min, max, { message: () => `must be a whole number from ${min} to ${max}` }))

const HOUR = 3_600_000

/**
 * Time limits. `attemptMs` bounds one HTTP attempt (until the whole answer for a non-streaming
 * call), `deadlineMs` the whole operation with its retries, `firstTokenMs` the wait for a
 * stream's first text, `idleMs` the gap between two stream chunks. The defaults fit DB Toolkit,
 * whose screens give up after 60 s: two 25 s attempts at most within a 50 s deadline (and the
 * service's own `requestTimeoutMs`, 55 s, bounds a request across fallbacks).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TimeoutPolicy = Schema.Struct({
  attemptMs: Schema.optionalWith(Millis(HOUR, 100), { default: () => 25_000 }),
  deadlineMs: Schema.optionalWith(Millis(HOUR, 100), { default: () => 50_000 }),
  firstTokenMs: Schema.optionalWith(Millis(HOUR, 100), { default: () => 20_000 }),
  idleMs: Schema.optionalWith(Millis(HOUR, 100), { default: () => 20_000 })
})

/**
 * Retries of retryable errors: exponential backoff from `baseDelayMs`, doubled per attempt, capped
 * at `maxDelayMs`, with ±20% jitter when `jitter`. A provider's `Retry-After` is waited instead when
 * it is at most `maxRetryAfterMs`; a longer one is not waited for (fallback can act instead).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const RetryPolicy = Schema.Struct({
  maxRetries: Schema.optionalWith(Count(0, 10), { default: () => 2 }),
  baseDelayMs: Schema.optionalWith(Millis(HOUR), { default: () => 500 }),
  maxDelayMs: Schema.optionalWith(Millis(HOUR), { default: () => 8_000 }),
  jitter: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  maxRetryAfterMs: Schema.optionalWith(Millis(HOUR), { default: () => 30_000 })
})

/**
 * Client-side limits for one provider: a token bucket of `requestsPerMinute` (bursts up to the
 * same number), an optional budget of `tokensPerMinute` charged with the usage each answer
 * reports, and a cap on requests in flight. Callers beyond a limit wait in a queue of at most
 * `maxQueue`; past it they get `RateLimited` at once and nothing is sent.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const RateLimitPolicy = Schema.Struct({
  requestsPerMinute: Schema.optional(Count(1, 1_000_000)),
  tokensPerMinute: Schema.optional(Count(1, 1_000_000_000)),
  maxConcurrent: Schema.optional(Count(1, 10_000)),
  maxQueue: Schema.optionalWith(Count(0, 100_000), { default: () => 64 })
})

/**
 * The circuit breaker: it opens after `consecutiveFailures` provider failures in a row, or when
 * at least `failureRatio` of the last `windowSize` calls failed; while open the provider is
 * skipped; after `cooldownMs` one probe call decides. Only failures that say something about
 * the provider count (unavailable, timeout, rate limit, quota, broken response), never the
 * user's request.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const CircuitPolicy = Schema.Struct({
  consecutiveFailures: Schema.optionalWith(Count(1, 1_000), { default: () => 5 }),
  failureRatio: Schema.optional(Schema.Number.pipe(Schema.between(0.01, 1, { message: () => "must be a ratio from 0.01 to 1" }))),
  windowSize: Schema.optionalWith(Count(2, 10_000), { default: () => 20 }),
  cooldownMs: Schema.optionalWith(Millis(24 * HOUR), { default: () => 30_000 })
})

/**
 * Everything that guards one provider's calls.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ResiliencePolicy = Schema.Struct({
  timeout: Schema.optionalWith(TimeoutPolicy, { default: () => TimeoutPolicy.make({}) }),
  retry: Schema.optionalWith(RetryPolicy, { default: () => RetryPolicy.make({}) }),
  rateLimit: Schema.optionalWith(RateLimitPolicy, { default: () => RateLimitPolicy.make({}) }),
  circuit: Schema.optionalWith(CircuitPolicy, { default: () => CircuitPolicy.make({}) })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type ResiliencePolicy = typeof ResiliencePolicy.Type

/**
 * The default policy.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultPolicy: ResiliencePolicy = Schema.decodeSync(ResiliencePolicy)({})

/**
 * What may move a request to the next provider.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const FallbackTrigger = Schema.Literal(
  "timeout",
  "rate-limit",
  "auth",
  "unavailable",
  "invalid-response",
  "quota",
  "circuit-open",
  "model-not-found",
  "permission",
  "context-too-long",
  "config"
)

/**
 * @since 0.1.0
 * @category Models
 */
export type FallbackTrigger = typeof FallbackTrigger.Type

/**
 * The fallback chain: on or off, the providers in order, and what triggers a move.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const FallbackPolicy = Schema.Struct({
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  order: Schema.optionalWith(
    Schema.Array(ProviderId).annotations({
      message: () => "must be a list of provider ids (cloudflare, openai, ollama, anthropic, azure-openai, gemini)"
    }),
    { default: () => [] }
  ),
  triggers: Schema.optionalWith(Schema.Array(FallbackTrigger), {
    default: () => ["timeout", "rate-limit", "auth", "unavailable", "invalid-response", "quota", "circuit-open"]
  })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type FallbackPolicy = typeof FallbackPolicy.Type

/**
 * Background health checks: how often, when a provider counts as degraded, and after how many
 * failed checks in a row it is taken out of the chain (until a check succeeds again).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const HealthPolicy = Schema.Struct({
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  // At least a minute: a check may cost a request (Azure has no free check), and the renderer
  // must not be able to turn health checks into a stream of paid calls.
  intervalMs: Schema.optionalWith(Millis(24 * HOUR, 60_000), { default: () => 300_000 }),
  disableAfter: Schema.optionalWith(Count(1, 1_000), { default: () => 3 }),
  degradedLatencyMs: Schema.optionalWith(Millis(HOUR), { default: () => 5_000 })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type HealthPolicy = typeof HealthPolicy.Type

/**
 * The code of the `ProviderUnavailable` a guard fails with when the circuit is open.
 *
 * @since 0.1.0
 * @category Constants
 */
export const CIRCUIT_OPEN = "circuit_open"

/**
 * The code of the `RateLimited` a guard fails with when its own queue is full (nothing was sent).
 *
 * @since 0.1.0
 * @category Constants
 */
export const QUEUE_FULL = "local_queue_full"

/**
 * The trigger an error corresponds to, if any.
 *
 * @since 0.1.0
 * @category Functions
 */
export const triggerOf = (error: AiError): FallbackTrigger | undefined => {
  switch (error._tag) {
    case "Timeout":
      return "timeout"
    case "RateLimited":
      return "rate-limit"
    case "AuthenticationError":
      return "auth"
    case "ProviderUnavailable":
      return error.code === CIRCUIT_OPEN ? "circuit-open" : "unavailable"
    case "InvalidResponse":
      return "invalid-response"
    case "QuotaExhausted":
      return "quota"
    case "ModelNotFound":
      return "model-not-found"
    case "PermissionDenied":
      return "permission"
    case "ContextTooLong":
      return "context-too-long"
    case "ConfigInvalid":
      return "config"
    case "ContentFiltered":
    case "InvalidRequest":
      return undefined
  }
}

/**
 * Whether an error says something about the provider's health (and so counts for its circuit).
 *
 * @since 0.1.0
 * @category Functions
 */
export const isProviderFailure = (error: AiError): boolean => {
  switch (error._tag) {
    case "ProviderUnavailable":
      return error.code !== CIRCUIT_OPEN
    case "Timeout":
    case "InvalidResponse":
    case "QuotaExhausted":
      return true
    case "RateLimited":
      return error.code !== QUEUE_FULL
    default:
      return false
  }
}
