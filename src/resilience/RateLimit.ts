/**
 * Client-side rate limits for one provider: a requests-per-minute token bucket, an optional
 * tokens-per-minute budget charged after each answer with the usage it reports, and a cap on
 * requests in flight. Waiting callers form one bounded FIFO queue; past the bound a caller gets
 * `RateLimited` (code `local_queue_full`) at once and nothing is sent. Waits run on the Effect
 * clock, so `TestClock` drives refills. State is published for UIs.
 *
 * @since 0.1.0
 */
import { Clock, Deferred, Effect, Exit, type Fiber, type Scope, type Stream, SubscriptionRef } from "effect"
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
    const maxConcurrent = policy.maxConcurrent
    // Callers waiting for a slot, first come first served; each is let in by completing its Deferred.
    const queue: Array<{ readonly turn: Deferred.Deferred<void>; readonly since: number }> = []
    let inFlight = 0
    let lastWaitMs = 0
    // The fiber that sleeps until the bucket lets the head of the queue in, when one is needed.
    let timer: Fiber.RuntimeFiber<void> | undefined
    const snapshot = (now: number): RateLimitState => {
      if (rpm !== undefined) refill(requests, rpm, rpm, now)
      if (tpm !== undefined) refill(tokens, tpm, tpm, now)
      return {
        requestsPerMinute: rpm,
        availableRequests: rpm === undefined ? undefined : Math.floor(requests.level),
        tokensPerMinute: tpm,
        availableTokens: tpm === undefined ? undefined : Math.floor(tokens.level),
        maxConcurrent,
        inFlight,
        queued: queue.length,
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
    const slotFree = () => maxConcurrent === undefined || inFlight < maxConcurrent
    const start = (since: number, now: number) => {
      if (rpm !== undefined) requests.level -= 1
      inFlight++
      lastWaitMs = now - since
    }

    // Lets in as many waiting callers as the limits allow, in order; when the bucket (not a slot)
    // holds the head back, a timer lets it in when the bucket has refilled.
    const pump: Effect.Effect<void> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const before = queue.length
      while (queue.length > 0 && slotFree() && waitFor(now) === 0) {
        const head = queue.shift()!
        start(head.since, now)
        Deferred.unsafeDone(head.turn, Exit.void)
      }
      const ms = queue.length > 0 && slotFree() && timer === undefined ? waitFor(now) : 0
      const sleep = ms > 0
        ? Effect.asVoid(Effect.tap(
          Effect.forkDaemon(Effect.zipRight(Effect.sleep(ms), Effect.suspend(() => {
            timer = undefined
            return pump
          }))),
          (fiber) => void (timer = fiber)
        ))
        : Effect.void
      // State is published when a queue forms or drains; a request that passes straight through
      // changes nothing a UI shows (its in-flight count is in `state`).
      return queue.length === before ? sleep : Effect.zipRight(sleep, publish)
    })

    const release = Effect.suspend(() => {
      inFlight--
      return queue.length > 0 ? pump : Effect.void
    })

    const full = () =>
      new AiError.RateLimited({
        provider,
        code: QUEUE_FULL,
        message: `${displayName[provider]}: ${queue.length} requests are already waiting for this provider's rate limit; this one was not sent`
      })

    // Takes a slot, waiting in the queue when the limits say so; runs uninterruptibly except for
    // the wait (`restore`). A caller interrupted after it was let in gives its slot back.
    const take = (restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<void, AiError.RateLimited> => {
        if (queue.length === 0 && slotFree() && waitFor(now) === 0) {
          start(now, now)
          return Effect.void
        }
        if (queue.length >= policy.maxQueue) return Effect.fail(full())
        return Effect.flatMap(Deferred.make<void>(), (turn) => {
          const waiter = { turn, since: now }
          queue.push(waiter)
          return Effect.zipRight(publish, Effect.zipRight(pump, restore(Deferred.await(turn)))).pipe(
            Effect.onInterrupt(() =>
              Effect.suspend(() => {
                const i = queue.indexOf(waiter)
                if (i === -1) return release
                queue.splice(i, 1)
                return publish
              })
            )
          )
        })
      })

    const noLimits = rpm === undefined && tpm === undefined && maxConcurrent === undefined
    const acquire: Effect.Effect<void, AiError.RateLimited, Scope.Scope> = noLimits
      ? Effect.void
      : Effect.uninterruptibleMask((restore) => Effect.zipRight(take(restore), Effect.addFinalizer(() => release)))

    const charge = (n: number) =>
      tpm === undefined || n <= 0
        ? Effect.void
        : Effect.flatMap(Clock.currentTimeMillis, (now) => {
          refill(tokens, tpm, tpm, now)
          tokens.level -= n
          return publish
        })

    const withSlot = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | AiError.RateLimited, R> =>
      noLimits ? self : Effect.uninterruptibleMask((restore) => Effect.zipRight(take(restore), Effect.ensuring(restore(self), release)))

    return { acquire, withSlot, charge, state: Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.succeed(snapshot(now))), changes: ref.changes }
  })
