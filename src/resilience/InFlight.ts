/**
 * In-flight dedup: identical requests made while one is in flight share it. The first caller of
 * a key starts the effect in a fiber of its own (in the scope given to {@link make}); callers of
 * the same key that come before it ends wait for the same outcome: one underlying call, its value
 * or its failure given to every caller waiting.
 *
 * Interruption is per caller: an interrupted caller stops waiting and leaves, and the shared call
 * goes on while at least one caller waits for it; when the last caller leaves, the shared call is
 * interrupted (and the last caller's interruption completes after the call's own finalizers ran,
 * e.g. after its HTTP request was aborted). Once the call ends (in any way) its key is free: the
 * next caller of that key starts a new call. Serving repeats of a finished call is the response
 * cache's job, not this.
 *
 * The shared fiber runs with the first caller's context (services, log annotations, the span it
 * was in). Closing the scope given to {@link make} interrupts the calls in flight; their callers
 * see the interruption.
 *
 * Built on `Ref` (the table of calls, changed atomically), `Deferred` (the outcome, and the fiber
 * of the call) and `Effect.uninterruptibleMask` (a caller is counted exactly when it waits).
 *
 * @since 0.1.0
 */
import { Deferred, Effect, type Exit, Fiber, HashMap, Option, Ref, type Scope } from "effect"

/**
 * A table of calls in flight, by key.
 *
 * @since 0.1.0
 * @category Models
 */
export interface InFlight<K> {
  /**
   * Runs `effect` under `key`, or waits for the call already running under it. The key must say
   * everything the effect's outcome depends on: a caller given a key in flight gets that call's
   * outcome, whatever effect it passed.
   */
  readonly run: <A, E, R>(key: K, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** How many callers wait for the call under `key` (0 when none is in flight). */
  readonly callers: (key: K) => Effect.Effect<number>
  /** How many calls are in flight. */
  readonly size: Effect.Effect<number>
}

interface Entry {
  /** The outcome of the shared call. */
  readonly result: Deferred.Deferred<unknown, unknown>
  /** The shared call's fiber, set by its first caller right after it forks it. */
  readonly fiber: Deferred.Deferred<Fiber.RuntimeFiber<unknown, unknown>>
  readonly callers: number
}

/**
 * Makes a table. Keys are compared with `Equal` (strings, numbers, `Data` values); shared calls
 * are forked in the scope, which interrupts those still in flight when it closes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = <K>(): Effect.Effect<InFlight<K>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const table = yield* Ref.make(HashMap.empty<K, Entry>())

    // The call ended: its key is freed first (so a caller that sees the outcome and asks again
    // starts a new call), then its callers get the outcome. A key taken since by a new call is
    // left alone.
    const settle = (key: K, result: Entry["result"], exit: Exit.Exit<unknown, unknown>) =>
      Effect.zipRight(
        Ref.update(table, (m) =>
          Option.match(HashMap.get(m, key), {
            onNone: () => m,
            onSome: (e) => (e.result === result ? HashMap.remove(m, key) : m)
          })),
        Deferred.done(result, exit)
      )

    // A caller stops waiting; the last one takes the call down with it.
    const leave = (key: K, result: Entry["result"]) =>
      Effect.flatMap(
        Ref.modify(table, (m): [Entry | undefined, HashMap.HashMap<K, Entry>] => {
          const found = HashMap.get(m, key)
          if (Option.isNone(found) || found.value.result !== result) return [undefined, m]
          const e = found.value
          return e.callers > 1 ? [undefined, HashMap.set(m, key, { ...e, callers: e.callers - 1 })] : [e, HashMap.remove(m, key)]
        }),
        (abandoned) => (abandoned === undefined ? Effect.void : Effect.asVoid(Effect.flatMap(Deferred.await(abandoned.fiber), Fiber.interrupt)))
      )

    const run = <A, E, R>(key: K, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const fresh: Entry = { result: yield* Deferred.make<unknown, unknown>(), fiber: yield* Deferred.make<Fiber.RuntimeFiber<unknown, unknown>>(), callers: 1 }
          const [entry, first] = yield* Ref.modify(table, (m): [[Entry, boolean], HashMap.HashMap<K, Entry>] => {
            const found = HashMap.get(m, key)
            if (Option.isNone(found)) return [[fresh, true], HashMap.set(m, key, fresh)]
            const joined = { ...found.value, callers: found.value.callers + 1 }
            return [[joined, false], HashMap.set(m, key, joined)]
          })
          if (first) {
            // Forked from an uninterruptible region, the call would inherit it: made interruptible.
            const fiber = yield* Effect.forkIn(
              Effect.interruptible(effect).pipe(Effect.onExit((exit) => settle(key, fresh.result, exit))),
              scope
            )
            yield* Deferred.succeed(fresh.fiber, fiber)
          }
          return yield* restore(Deferred.await(entry.result) as Effect.Effect<A, E>).pipe(Effect.ensuring(leave(key, entry.result)))
        })
      )

    return {
      run,
      callers: (key) => Effect.map(Ref.get(table), (m) => Option.match(HashMap.get(m, key), { onNone: () => 0, onSome: (e) => e.callers })),
      size: Effect.map(Ref.get(table), HashMap.size)
    }
  })
