/**
 * Retries as combinators: only retryable errors, exponential backoff with jitter and a cap, a
 * provider's `Retry-After` honoured when it is short enough (a longer one is not waited for, so
 * fallback can act), never into an open circuit or a full local queue. Waits use the Effect
 * clock. (The chain retries a stream only before any text, with {@link delayFor}.)
 *
 * @since 0.1.0
 */
import { Duration, Effect, Random } from "effect"
import type * as AiError from "../domain/AiError.js"
import { CIRCUIT_OPEN, QUEUE_FULL, type RetryPolicy } from "../domain/Resilience.js"
import * as Timeouts from "./Timeouts.js"

/**
 * The wait before retry number `retry` (0-based) after `error`, or undefined when the error must
 * not be retried. `random` is a number in [0, 1) for jitter.
 *
 * @since 0.1.0
 * @category Functions
 */
export const delayFor = (
  policy: typeof RetryPolicy.Type,
  error: AiError.AiError,
  retry: number,
  random: number
): number | undefined => {
  if (retry >= policy.maxRetries || !error.retryable) return undefined
  if (error.code === CIRCUIT_OPEN || error.code === QUEUE_FULL) return undefined
  if (error._tag === "RateLimited" && error.retryAfter !== undefined) {
    const ms = Duration.toMillis(error.retryAfter)
    return ms <= policy.maxRetryAfterMs ? ms : undefined
  }
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry)
  return Math.round(policy.jitter ? backoff * (0.8 + 0.4 * random) : backoff)
}

/**
 * Retries an effect by the policy. With a deadline, a wait that would pass it ends at the
 * deadline, in its error.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const retry = (policy: typeof RetryPolicy.Type, deadline?: Timeouts.Deadline) =>
<A, R>(self: Effect.Effect<A, AiError.AiError, R>): Effect.Effect<A, AiError.AiError, R> => {
  const loop = (n: number): Effect.Effect<A, AiError.AiError, R> =>
    Effect.catchAll(self, (error) =>
      Effect.flatMap(Random.next, (random) => {
        const ms = delayFor(policy, error, n, random)
        return ms === undefined ? Effect.fail(error) : Effect.zipRight(Timeouts.sleepBy(ms, deadline), loop(n + 1))
      }))
  return loop(0)
}
