/**
 * A circuit breaker for one provider, on the Effect clock (so `TestClock` drives its cooldown).
 * Closed: calls pass, provider failures are counted. Open: calls fail at once with
 * `ProviderUnavailable` (code `circuit_open`) until the cooldown ends. Half-open: one probe call
 * passes; its outcome closes or reopens the circuit. State changes are published.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Exit, type Stream, SubscriptionRef } from "effect"
import * as AiError from "../domain/AiError.js"
import { displayName, type ProviderId } from "../domain/ProviderId.js"
import { CIRCUIT_OPEN, type CircuitPolicy, isProviderFailure } from "../domain/Resilience.js"

/**
 * The breaker's state as a UI shows it.
 *
 * @since 0.1.0
 * @category Models
 */
export type CircuitState =
  | { readonly _tag: "Closed"; readonly consecutiveFailures: number; readonly recentFailures: number; readonly recentCalls: number }
  | { readonly _tag: "Open"; readonly openedAt: number; readonly retryAt: number; readonly lastError: string }
  | { readonly _tag: "HalfOpen"; readonly probing: boolean }

/**
 * A breaker.
 *
 * @since 0.1.0
 * @category Models
 */
export interface CircuitBreaker {
  /** Runs a call through the breaker: refused while open, recorded when done. */
  readonly guard: <A>(call: Effect.Effect<A, AiError.AiError>) => Effect.Effect<A, AiError.AiError>
  /** Lets a call in (or refuses it), returning how to record its outcome; for streams. */
  readonly enter: Effect.Effect<(outcome: Exit.Exit<unknown, AiError.AiError>) => Effect.Effect<void>, AiError.AiError>
  /** Fails at once while the circuit is open and its cooldown runs; changes nothing. */
  readonly check: Effect.Effect<void, AiError.AiError>
  readonly state: Effect.Effect<CircuitState>
  readonly changes: Stream.Stream<CircuitState>
}

const closed: CircuitState = { _tag: "Closed", consecutiveFailures: 0, recentFailures: 0, recentCalls: 0 }

/**
 * Creates a breaker for a provider.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (provider: ProviderId, policy: typeof CircuitPolicy.Type): Effect.Effect<CircuitBreaker> =>
  Effect.gen(function*() {
    const state = yield* SubscriptionRef.make<CircuitState>(closed)
    // The recent outcomes (true = failure), kept beside the published state.
    const window: Array<boolean> = []

    const refuse = (retryAt: number, now: number) =>
      new AiError.ProviderUnavailable({
        provider,
        code: CIRCUIT_OPEN,
        message: `${displayName[provider]} is skipped: too many recent failures; the next try is in ${Math.max(0, Math.ceil((retryAt - now) / 1000))} s`
      })

    // Closed is the hot path: no write (a write would publish a change on every call).
    const admit = Effect.flatMap(SubscriptionRef.get(state), (current) =>
      current._tag === "Closed" ? Effect.succeed(false) : transition)
    const transition = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      SubscriptionRef.modifyEffect(state, (s): Effect.Effect<readonly [boolean, CircuitState], AiError.AiError> => {
        switch (s._tag) {
          case "Closed":
            return Effect.succeed([false, s] as const)
          case "Open":
            return now >= s.retryAt
              ? Effect.succeed([true, { _tag: "HalfOpen", probing: true }] as const)
              : Effect.fail(refuse(s.retryAt, now))
          case "HalfOpen":
            return s.probing ? Effect.fail(refuse(now, now)) : Effect.succeed([true, { _tag: "HalfOpen", probing: true }] as const)
        }
      }))
    const enter = Effect.map(admit, (probe) => (exit: Exit.Exit<unknown, AiError.AiError>) => record(probe, exit))

    const record = (probe: boolean, exit: Exit.Exit<unknown, AiError.AiError>): Effect.Effect<void> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const failure = Exit.isFailure(exit)
          ? Exit.causeOption(exit).pipe((c) => (c._tag === "Some" && c.value._tag === "Fail" ? c.value.error : undefined))
          : undefined
        const counted = failure !== undefined && isProviderFailure(failure)
        const interrupted = Exit.isInterrupted(exit)
        const open = (lastError: string): CircuitState => ({ _tag: "Open", openedAt: now, retryAt: now + policy.cooldownMs, lastError })
        if (probe) {
          // A probe cut short decides nothing: let the next call probe.
          if (interrupted) return SubscriptionRef.set(state, { _tag: "HalfOpen", probing: false })
          window.length = 0
          return SubscriptionRef.set(state, counted ? open(failure.message) : closed)
        }
        if (interrupted) return Effect.void
        window.push(counted)
        if (window.length > policy.windowSize) window.shift()
        const recentFailures = window.reduce((n, f) => (f ? n + 1 : n), 0)
        // Publish only what a UI would see change: a success after successes changes nothing.
        return Effect.flatMap(SubscriptionRef.get(state), (s) => {
          if (s._tag !== "Closed") return Effect.void
          const consecutiveFailures = counted ? s.consecutiveFailures + 1 : 0
          const ratioTripped = policy.failureRatio !== undefined && window.length >= policy.windowSize &&
            recentFailures / window.length >= policy.failureRatio
          if (counted && (consecutiveFailures >= policy.consecutiveFailures || ratioTripped)) {
            return SubscriptionRef.set(state, open(failure.message))
          }
          if (consecutiveFailures === s.consecutiveFailures && recentFailures === s.recentFailures) return Effect.void
          return SubscriptionRef.set(state, { _tag: "Closed", consecutiveFailures, recentFailures, recentCalls: window.length })
        })
      })

    const guard = <A>(call: Effect.Effect<A, AiError.AiError>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(enter, (done) => Effect.onExit(restore(call), done))
      )

    const check = Effect.flatMap(Effect.zip(SubscriptionRef.get(state), Clock.currentTimeMillis), ([s, now]) =>
      s._tag === "Open" && now < s.retryAt ? Effect.fail(refuse(s.retryAt, now)) : Effect.void)

    const current = Effect.map(SubscriptionRef.get(state), (s): CircuitState =>
      s._tag === "Closed" ? { ...s, recentCalls: window.length } : s)

    return { guard, enter, check, state: current, changes: state.changes }
  })
