/**
 * Time limits as combinators that end in `AiError.Timeout`: per attempt, for a whole operation,
 * and for streams (time to first text, and the gap between chunks). Interrupting the underlying
 * call closes its HTTP connection.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Option, Stream } from "effect"
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

/**
 * The error a limit ends in.
 *
 * @since 0.1.0
 * @category Errors
 */
export const timeoutError = (provider: ProviderId, phase: Phase, ms: number): AiError.Timeout =>
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

/**
 * Fails with the deadline's error when the effect has not ended by then; `now` is the clock's
 * current time.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const by = (limit: Deadline, now: number) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | AiError.Timeout, R> =>
  Effect.timeoutFail(self, { duration: Math.max(0, limit.at - now), onTimeout: limit.error })

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
 * Fails a stream with the deadline's error when it has not ended by then.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const streamBy = (limit: Deadline) =>
<A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E | AiError.Timeout, R> =>
  Stream.interruptWhen(
    self,
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.zipRight(Effect.sleep(Math.max(0, limit.at - now)), Effect.fail(limit.error())))
  )

/**
 * Limits a stream's wait for its first text element (`firstTokenMs`) and every later gap between
 * elements (`idleMs`).
 *
 * @since 0.1.0
 * @category Combinators
 */
export const streamPacing = <A>(
  provider: ProviderId,
  options: { readonly firstTokenMs: number; readonly idleMs: number; readonly isText: (a: A) => boolean }
) =>
<E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E | AiError.Timeout, R> =>
  Stream.unwrapScoped(
    Effect.map(Stream.toPull(self), (pull) => {
      let started = false
      const next = Effect.suspend(() => {
        const phase = started ? "idle" : "first-token"
        const ms = started ? options.idleMs : options.firstTokenMs
        return pull.pipe(
          Effect.timeoutFail({ duration: ms, onTimeout: () => Option.some<E | AiError.Timeout>(timeoutError(provider, phase, ms)) }),
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
