/**
 * Client-side rate limits for one provider: a requests-per-minute token bucket, an optional
 * tokens-per-minute budget charged after each answer with the usage it reports, and a cap on
 * requests in flight. Waiting callers form one bounded FIFO queue; past the bound a caller gets
 * `RateLimited` (code `local_queue_full`) at once and nothing is sent. Waits run on the Effect
 * clock, so `TestClock` drives refills. State is published for UIs.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Scope, type Stream, SubscriptionRef } from "effect"
import * as AiError from "../domain/AiError.js"
import { displayName, type ProviderId } from "../domain/ProviderId.js"
import { QUEUE_FULL, type RateLimitPolicy } from "../domain/Resilience.js"

/**
 * What a UI shows about a provider's limits.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RateLimitState {
  readonly requestsPerMinute: number | undefined
  /** Requests that could start now without waiting. */
  readonly availableRequests: number | undefined
  readonly tokensPerMinute: number | undefined
  readonly availableTokens: number | undefined
  readonly maxConcurrent: number | undefined
  readonly inFlight: number
  /** Callers waiting for a slot. */
  readonly queued: number
  /** How long the last caller waited for its slot. */
  readonly lastWaitMs: number
}

/**
 * A provider's limiter.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RateLimiter {
  /** Waits for a slot (or fails at once when the queue is full); the slot is held until the scope closes. */
  readonly acquire: Effect.Effect<void, AiError.RateLimited, Scope.Scope>
  /** Runs an effect in a slot ({@link acquire}), released when the effect ends. */
  readonly withSlot: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | AiError.RateLimited, R>
  /** Charges the tokens an answer used against the tokens-per-minute budget. */
  readonly charge: (tokens: number) => Effect.Effect<void>
  readonly state: Effect.Effect<RateLimitState>
  readonly changes: Stream.Stream<RateLimitState>
}

interface Bucket {
  level: number
  at: number
}

const refill = (b: Bucket, perMinute: number, capacity: number, now: number) => {
  b.level = Math.min(capacity, b.level + ((now - b.at) * perMinute) / 60_000)
  b.at = now
}

/**
 * Creates a limiter for a provider.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (provider: ProviderId, policy: typeof RateLimitPolicy.Type): Effect.Effect<RateLimiter> =>
  Effect.gen(function*() {
    const rpm = policy.requestsPerMinute
    const tpm = policy.tokensPerMinute
    const now0 = yield* Clock.currentTimeMillis
    const requests: Bucket = { level: rpm ?? 0, at: now0 }
    const tokens: Bucket = { level: tpm ?? 0, at: now0 }
    // One caller at a time takes the head of the queue; the semaphores are FIFO.
    const gate = yield* Effect.makeSemaphore(1)
    const slots = policy.maxConcurrent === undefined ? undefined : yield* Effect.makeSemaphore(policy.maxConcurrent)
    let queued = 0
    let inFlight = 0
    let lastWaitMs = 0
    const snapshot = (now: number): RateLimitState => {
      if (rpm !== undefined) refill(requests, rpm, rpm, now)
      if (tpm !== undefined) refill(tokens, tpm, tpm, now)
      return {
        requestsPerMinute: rpm,
        availableRequests: rpm === undefined ? undefined : Math.floor(requests.level),
        tokensPerMinute: tpm,
        availableTokens: tpm === undefined ? undefined : Math.floor(tokens.level),
        maxConcurrent: policy.maxConcurrent,
        inFlight,
        queued,
        lastWaitMs
      }
    }
    const ref = yield* SubscriptionRef.make(snapshot(now0))
    const publish = Effect.flatMap(Clock.currentTimeMillis, (now) => SubscriptionRef.set(ref, snapshot(now)))

    // How long until both buckets allow one more request.
    const waitFor = (now: number): number => {
      let ms = 0
      if (rpm !== undefined) {
        refill(requests, rpm, rpm, now)
        if (requests.level < 1) ms = Math.max(ms, Math.ceil(((1 - requests.level) * 60_000) / rpm))
      }
      if (tpm !== undefined) {
        refill(tokens, tpm, tpm, now)
        if (tokens.level < 0) ms = Math.max(ms, Math.ceil((-tokens.level * 60_000) / tpm))
      }
      return ms
    }

    const takeTurn: Effect.Effect<void> = gate.withPermits(1)(
      Effect.gen(function*() {
        for (;;) {
          const ms = waitFor(yield* Clock.currentTimeMillis)
          if (ms === 0) break
          yield* Effect.sleep(ms)
        }
        if (rpm !== undefined) requests.level -= 1
      })
    )

    const full = () =>
      new AiError.RateLimited({
        provider,
        code: QUEUE_FULL,
        message: `${displayName[provider]}: ${queued} requests are already waiting for this provider's rate limit; this one was not sent`
      })

    const noLimits = rpm === undefined && tpm === undefined && slots === undefined
    const acquire: Effect.Effect<void, AiError.RateLimited, Scope.Scope> = noLimits
      ? Effect.void
      : Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const start = yield* Clock.currentTimeMillis
          const mustWait = queued > 0 || waitFor(start) > 0 || (slots !== undefined && inFlight >= policy.maxConcurrent!)
          if (mustWait && queued >= policy.maxQueue) return yield* Effect.fail(full())
          // Each step that holds something registers its release before the next (interruptible) wait.
          const scope = yield* Effect.scope
          let waiting = true
          queued++
          yield* Scope.addFinalizer(scope, Effect.sync(() => {
            if (waiting) queued--
          }))
          // State is published when a queue forms or drains; a request that passes straight through
          // changes nothing a UI shows (its in-flight count is in `state`).
          if (mustWait) yield* publish
          if (slots !== undefined) {
            yield* restore(slots.take(1))
            yield* Scope.addFinalizer(scope, slots.release(1))
          }
          yield* restore(takeTurn)
          waiting = false
          queued--
          inFlight++
          lastWaitMs = (yield* Clock.currentTimeMillis) - start
          yield* Scope.addFinalizer(scope, Effect.sync(() => void inFlight--))
          if (mustWait) yield* publish
        })
      )

    const charge = (n: number) =>
      tpm === undefined || n <= 0
        ? Effect.void
        : Effect.flatMap(Clock.currentTimeMillis, (now) => {
          refill(tokens, tpm, tpm, now)
          tokens.level -= n
          return publish
        })

    const withSlot = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | AiError.RateLimited, R> =>
      noLimits ? self : Effect.scoped(Effect.zipRight(acquire, self))

    return { acquire, withSlot, charge, state: Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.succeed(snapshot(now))), changes: ref.changes }
  })
