/**
 * Retries as combinators: only retryable errors, exponential backoff with jitter and a cap, a
 * provider's `Retry-After` honoured when it is short enough (a longer one is not waited for, so
 * fallback can act), never into an open circuit or a full local queue, and for streams never
 * once text has been emitted. Waits use the Effect clock.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Random, Stream } from "effect"
import type * as AiError from "../domain/AiError.js"
import { CIRCUIT_OPEN, QUEUE_FULL, type RetryPolicy } from "../domain/Resilience.js"
import { tapEach } from "../internal/StreamTaps.js"
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

/**
 * Retries a stream by the policy, but only while it has emitted no text: after that, an error
 * surfaces (a retried stream would repeat or mix text).
 *
 * @since 0.1.0
 * @category Combinators
 */
export const retryStream = <A>(policy: typeof RetryPolicy.Type, isText: (a: A) => boolean) =>
<R>(self: Stream.Stream<A, AiError.AiError, R>): Stream.Stream<A, AiError.AiError, R> => {
  const loop = (n: number): Stream.Stream<A, AiError.AiError, R> =>
    Stream.suspend(() => {
      let emitted = false
      return self.pipe(
        tapEach((a: A) => {
          if (!emitted && isText(a)) emitted = true
        }),
        Stream.catchAll((error) =>
          emitted
            ? Stream.fail(error)
            : Stream.unwrap(Effect.map(Random.next, (random) => {
              const ms = delayFor(policy, error, n, random)
              return ms === undefined ? Stream.fail(error) : Stream.concat(Stream.drain(Stream.fromEffect(Effect.sleep(ms))), loop(n + 1))
            }))
        )
      )
    })
  return loop(0)
}
