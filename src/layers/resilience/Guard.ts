/**
 * A provider's guard: every call to one provider goes through its rate limit, its circuit
 * breaker, the retry policy and the time limits, in this order per attempt:
 *
 *   deadline( retry( circuit check -> rate-limit slot -> breaker -> attempt timeout -> call ) )
 *
 * For streams: the slot is held for the stream's life, time to first text and idle gaps are
 * limited, and retry stops once text has been emitted. The guard's state (circuit, limits) is
 * observable.
 *
 * @since 0.1.0
 */
import { Effect, type Exit, Stream } from "effect"
import type * as AiError from "../../domain/AiError.js"
import type { ProviderId } from "../../domain/ProviderId.js"
import type { ResiliencePolicy } from "../../domain/Resilience.js"
import * as CircuitBreaker from "./CircuitBreaker.js"
import * as RateLimit from "./RateLimit.js"
import * as Retry from "./Retry.js"
import * as Timeouts from "./Timeouts.js"
import { tapEach } from "../StreamTaps.js"

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
 * A provider's guard.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Guard {
  readonly provider: ProviderId
  readonly policy: ResiliencePolicy
  /**
   * Runs a call with every guard. `tokens` reads the usage to charge against tokens per minute;
   * `around` wraps each attempt with its time limit already applied (a span, a metrics record:
   * they then see a timed-out attempt as a `Timeout`).
   */
  readonly run: <A>(call: Effect.Effect<A, AiError.AiError>, options?: RunOptions<A>) => Effect.Effect<A, AiError.AiError>
  /** Runs a stream with every guard; `isText` marks the elements that count as text. */
  readonly stream: <A>(open: Stream.Stream<A, AiError.AiError>, options: StreamOptions<A>) => Stream.Stream<A, AiError.AiError>
  readonly state: Effect.Effect<GuardState>
  readonly changes: Stream.Stream<GuardState>
}

/**
 * Per-call options of {@link Guard.run}.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RunOptions<A> {
  readonly tokens?: ((a: A) => number) | undefined
  readonly around?: ((attempt: Effect.Effect<A, AiError.AiError>) => Effect.Effect<A, AiError.AiError>) | undefined
}

/**
 * Per-stream options of {@link Guard.stream}.
 *
 * @since 0.1.0
 * @category Models
 */
export interface StreamOptions<A> {
  readonly isText: (a: A) => boolean
  readonly tokens?: ((a: A) => number) | undefined
  /** Wraps each attempt's stream, its time limits already applied. */
  readonly around?: ((attempt: Stream.Stream<A, AiError.AiError>) => Stream.Stream<A, AiError.AiError>) | undefined
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
    const t = policy.timeout

    const attempt = <A>(call: Effect.Effect<A, AiError.AiError>, options: RunOptions<A>) => {
      const timed = Timeouts.within(provider, "request", t.attemptMs)(call)
      const { tokens } = options
      return Effect.zipRight(
        breaker.check,
        Effect.scoped(Effect.zipRight(limiter.acquire, breaker.guard(options.around ? options.around(timed) : timed)))
      ).pipe(tokens ? Effect.tap((a: A) => limiter.charge(tokens(a))) : (e) => e)
    }

    const run = <A>(call: Effect.Effect<A, AiError.AiError>, options: RunOptions<A> = {}) =>
      attempt(call, options).pipe(Retry.retry(policy.retry), Timeouts.within(provider, "deadline", t.deadlineMs))

    const stream = <A>(open: Stream.Stream<A, AiError.AiError>, options: StreamOptions<A>): Stream.Stream<A, AiError.AiError> => {
      const once = Stream.unwrapScoped(
        Effect.gen(function*() {
          yield* breaker.check
          yield* limiter.acquire
          const record = yield* breaker.enter
          yield* Effect.addFinalizer((exit) => record(exit as Exit.Exit<unknown, AiError.AiError>))
          const paced = Timeouts.streamPacing(provider, { firstTokenMs: t.firstTokenMs, idleMs: t.idleMs, isText: options.isText })(open)
          const charge = options.tokens
          const wrapped = options.around ? options.around(paced) : paced
          return charge ? tapEach((a: A) => (charge(a) > 0 ? limiter.charge(charge(a)) : undefined))(wrapped) : wrapped
        })
      )
      return once.pipe(Retry.retryStream(policy.retry, options.isText), Timeouts.streamWithin(provider, t.deadlineMs))
    }

    const state = Effect.map(Effect.zip(breaker.state, limiter.state), ([circuit, rateLimit]): GuardState => ({ provider, circuit, rateLimit }))
    const changes = Stream.zipLatest(breaker.changes, limiter.changes).pipe(
      Stream.map(([circuit, rateLimit]): GuardState => ({ provider, circuit, rateLimit }))
    )

    return { provider, policy, run, stream, state, changes }
  })
