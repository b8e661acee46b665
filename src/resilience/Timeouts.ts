/**
 * Time limits as combinators that end in `AiError.Timeout`: per attempt, for a whole operation,
 * and for streams (time to first text, and the gap between chunks). Interrupting the underlying
 * call closes its HTTP connection.
 *
 * @since 0.1.0
 */
import { Clock, Context, DefaultServices, Duration, Effect, Fiber, Option, Stream } from "effect"
import * as AiError from "../domain/AiError.js"
import { displayName, type ProviderId } from "../domain/ProviderId.js"

/**
 * What a time limit bounds.
 *
 * @since 0.1.0
 * @category Models
 */
export type Phase = "request" | "first-token" | "idle" | "deadline"

const what: Record<Phase, string> = {
  request: "no answer",
  "first-token": "no text from the stream",
  idle: "the stream stalled",
  deadline: "the operation did not finish"
}

// The error a limit ends in.
const timeoutError = (provider: ProviderId, phase: Phase, ms: number): AiError.Timeout =>
  new AiError.Timeout({
    provider,
    phase,
    after: Duration.millis(ms),
    message: `${displayName[provider]}: ${what[phase]} within ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}`
  })

/**
 * A moment on the Effect clock by which something must have ended, and the error it then ends
 * in (built only when it is needed). The limits that nest (a request's, a provider's, an
 * attempt's) are folded into the earliest one, so an attempt runs under one timer, not three.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Deadline {
  readonly at: number
  readonly error: () => AiError.Timeout
}

/**
 * The deadline `ms` after `now` for a phase of a provider's work.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const deadline = (provider: ProviderId, phase: Phase, ms: number, now: number): Deadline => ({
  at: now + ms,
  error: () => timeoutError(provider, phase, ms)
})

/**
 * The earlier of two deadlines (the first when they fall together).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const earliest = (a: Deadline, b: Deadline | undefined): Deadline => (b === undefined || a.at <= b.at ? a : b)

/**
 * Fails with a `Timeout` of the given phase when the effect takes longer than `ms`, or with the
 * error of `outer` when that deadline comes first.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const within = (provider: ProviderId, phase: "request" | "deadline", ms: number, outer?: Deadline) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | AiError.Timeout, R> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => by(earliest(deadline(provider, phase, ms, now), outer), now)(self))

// The clock every runtime has unless a test swaps it (TestClock): its time is the process's own,
// so a plain timer can stand for it.
const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

// The longest wait a Node timer keeps (a longer one fires at once).
const MAX_TIMER_MS = 2 ** 31 - 1

// Fails with the deadline's error when the effect has not ended by then; `now` is the clock's
// current time.
//
// On the live clock the effect runs in one child fiber watched by a plain timer: half the cost of
// `Effect.timeoutFail`, which races two fibers (one of them a sleep) and merges the winner's
// fiber state back. What the effect sets in its fiber (FiberRefs) stays there; the time limits
// here wrap a provider call, which sets nothing its caller reads. Any other clock (TestClock)
// gets `Effect.timeoutFail`, so time-based tests stay on the clock they drive.
const by = (limit: Deadline, now: number) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | AiError.Timeout, R> => {
  return timeLimit(self, Math.max(0, limit.at - now), limit.error)
}

// Fails with `onTimeout()` when `self` takes longer than `ms`: see `by`.
const timeLimit = <A, E, R, E2>(self: Effect.Effect<A, E, R>, ms: number, onTimeout: () => E2): Effect.Effect<A, E | E2, R> =>
  Effect.clockWith((clock) =>
    clock === liveClock && ms <= MAX_TIMER_MS ? watched(self, ms, onTimeout) : Effect.timeoutFail(self, { duration: ms, onTimeout })
  )

const watched = <A, E, R, E2>(self: Effect.Effect<A, E, R>, ms: number, onTimeout: () => E2) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.forkDaemon(restore(self)), (fiber) =>
      restore(Effect.async<A, E | E2>((resume) => {
        let settled = false
        const timer = setTimeout(() => {
          if (settled) return
          settled = true
          // Interrupting the call closes its connection; the Timeout follows once it has.
          resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
        }, ms)
        fiber.addObserver((exit) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(exit)
        })
        // The caller was interrupted: so is the call.
        return Effect.suspend(() => {
          settled = true
          clearTimeout(timer)
          return Fiber.interrupt(fiber)
        })
      }))
    )
  )

/**
 * Waits `ms`, or until the deadline and then fails with its error.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const sleepBy = (ms: number, limit: Deadline | undefined): Effect.Effect<void, AiError.Timeout> =>
  limit === undefined ? Effect.sleep(ms) : Effect.flatMap(Clock.currentTimeMillis, (now) =>
    now + ms < limit.at ? Effect.sleep(ms) : Effect.zipRight(Effect.sleep(Math.max(0, limit.at - now)), Effect.fail(limit.error())))

/**
 * Limits a stream's wait for its first text element (`firstTokenMs`), every later gap between
 * elements (`idleMs`) and, with a `deadline`, every wait past that moment. Each wait for the
 * next chunk is one time limit: the deadline needs no timer of its own. Time the consumer takes
 * between chunks is its own and is not counted.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const streamPacing = <A>(
  provider: ProviderId,
  options: {
    readonly firstTokenMs: number
    readonly idleMs: number
    readonly isText: (a: A) => boolean
    readonly deadline?: Deadline | undefined
  }
) =>
<E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E | AiError.Timeout, R> =>
  Stream.unwrapScoped(
    Effect.map(Stream.toPull(self), (pull) => {
      let started = false
      const { deadline } = options
      const next = Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const phase = started ? "idle" : "first-token"
        const ms = started ? options.idleMs : options.firstTokenMs
        const limit = earliest({ at: now + ms, error: () => timeoutError(provider, phase, ms) }, deadline)
        return timeLimit(pull, Math.max(0, limit.at - now), () => Option.some<E | AiError.Timeout>(limit.error())).pipe(
          Effect.tap((chunk) =>
            Effect.sync(() => {
              if (!started) for (const a of chunk) if (options.isText(a)) started = true
            })
          )
        )
      })
      return Stream.repeatEffectChunkOption(next)
    })
  )
