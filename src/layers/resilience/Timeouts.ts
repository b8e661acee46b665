/**
 * Time limits as combinators that end in `AiError.Timeout`: per attempt, for a whole operation,
 * and for streams (time to first text, and the gap between chunks). Interrupting the underlying
 * call closes its HTTP connection.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import { displayName, type ProviderId } from "../../domain/ProviderId.js"

type Phase = "request" | "first-token" | "idle" | "deadline"

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
 * Fails with a `Timeout` of the given phase when the effect takes longer than `ms`.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const within = (provider: ProviderId, phase: "request" | "deadline", ms: number) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | AiError.Timeout, R> =>
  Effect.timeoutFail(self, { duration: ms, onTimeout: () => timeoutError(provider, phase, ms) })

/**
 * Fails a stream with a `deadline` `Timeout` when it has not ended after `ms`.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const streamWithin = (provider: ProviderId, ms: number) =>
<A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E | AiError.Timeout, R> =>
  Stream.interruptWhen(self, Effect.zipRight(Effect.sleep(ms), Effect.fail(timeoutError(provider, "deadline", ms))))

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
