/**
 * A provider's guard: its circuit breaker and rate limiter, built from its resilience policy,
 * and their state as a UI shows it.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type { ProviderId } from "../domain/ProviderId.js"
import type { ResiliencePolicy } from "../domain/Resilience.js"
import * as CircuitBreaker from "./CircuitBreaker.js"
import * as RateLimit from "./RateLimit.js"

/**
 * What a UI shows about a provider's guard.
 *
 * @since 0.1.0
 * @category Models
 */
export interface GuardState {
  readonly provider: ProviderId
  readonly circuit: CircuitBreaker.CircuitState
  readonly rateLimit: RateLimit.RateLimitState
}

/**
 * A provider's guard: its circuit breaker and rate limiter, made from its policy, and what a UI
 * reads of them. The chain (`Chain.ts`) composes them around each attempt.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Guard {
  readonly provider: ProviderId
  readonly policy: ResiliencePolicy
  readonly breaker: CircuitBreaker.CircuitBreaker
  readonly limiter: RateLimit.RateLimiter
  readonly state: Effect.Effect<GuardState>
  readonly changes: Stream.Stream<GuardState>
}

/**
 * Creates the guard of a provider.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (provider: ProviderId, policy: ResiliencePolicy): Effect.Effect<Guard> =>
  Effect.gen(function*() {
    const breaker = yield* CircuitBreaker.make(provider, policy.circuit)
    const limiter = yield* RateLimit.make(provider, policy.rateLimit)
    const state = Effect.map(Effect.zip(breaker.state, limiter.state), ([circuit, rateLimit]): GuardState => ({ provider, circuit, rateLimit }))
    const changes = Stream.zipLatest(breaker.changes, limiter.changes).pipe(
      Stream.map(([circuit, rateLimit]): GuardState => ({ provider, circuit, rateLimit }))
    )
    return { provider, policy, breaker, limiter, state, changes }
  })
