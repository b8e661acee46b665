/**
 * Per-element side effects that keep a stream's chunks whole. `Stream.tap` re-emits one element
 * at a time, so every later stage runs once per element: on a burst of stream deltas (one network
 * read, dozens of events) a few taps cost more than the parsing. Here the callback runs for each
 * element, but the chunk passes on as it came.
 *
 * @since 0.1.0
 * @internal
 */
import { Effect, Stream } from "effect"

/**
 * Calls `f` for every element; `f` does synchronous work itself and returns an effect only when
 * it needs one (they run in order, after the chunk's callbacks).
 *
 * @since 0.1.0
 * @internal
 */
export const tapEach = <A, E2 = never, R2 = never>(f: (a: A) => Effect.Effect<unknown, E2, R2> | void) =>
<E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E | E2, R | R2> =>
  Stream.mapChunksEffect(self, (chunk) => {
    let effects: Array<Effect.Effect<unknown, E2, R2>> | undefined
    for (const a of chunk) {
      const effect = f(a)
      if (effect !== undefined) (effects ??= []).push(effect)
    }
    return effects === undefined ? Effect.succeed(chunk) : Effect.as(Effect.all(effects, { discard: true }), chunk)
  })
