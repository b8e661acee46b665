import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Ref, TestClock } from "effect"
import * as InFlight from "../../src/resilience/InFlight.js"

/** Lets the forked callers run until `n` of them wait under `key` (or fails the test). */
const waitForCallers = <K>(table: InFlight.InFlight<K>, key: K, n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      if ((yield* table.callers(key)) === n) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`never reached ${n} callers (have ${yield* table.callers(key)})`)
  })

/** A call that counts its starts, takes a second, records whether it was interrupted. */
const makeCall = <A>(value: A) =>
  Effect.gen(function*() {
    const starts = yield* Ref.make(0)
    const interrupted = yield* Ref.make(0)
    const call = Ref.update(starts, (n) => n + 1).pipe(
      Effect.zipRight(Effect.sleep("1 second")),
      Effect.as(value),
      Effect.onInterrupt(() => Ref.update(interrupted, (n) => n + 1))
    )
    return { starts, interrupted, call }
  })

const forkCallers = <A, E>(n: number, run: Effect.Effect<A, E>) => Effect.forEach(Array.from({ length: n }), () => Effect.fork(run))

describe("InFlight", () => {
  it.scoped("5 concurrent identical calls run the effect once and all get its value", () =>
    Effect.gen(function*() {
      const table = yield* InFlight.make<string>()
      const { call, starts } = yield* makeCall(42)
      const fibers = yield* forkCallers(5, table.run("k", call))
      yield* waitForCallers(table, "k", 5)
      yield* TestClock.adjust("1 second")
      const values = yield* Fiber.joinAll(fibers)
      expect(values).toEqual([42, 42, 42, 42, 42])
      expect(yield* Ref.get(starts)).toBe(1)
      expect(yield* table.size).toBe(0)
    }))

  it.scoped("interrupting 4 of 5 callers leaves the call running for the 5th, once", () =>
    Effect.gen(function*() {
      const table = yield* InFlight.make<string>()
      const { call, interrupted, starts } = yield* makeCall("answer")
      const fibers = yield* forkCallers(5, table.run("k", call))
      yield* waitForCallers(table, "k", 5)
      // the first caller (who started the call) is among the interrupted ones
      for (const f of fibers.slice(0, 4)) yield* Fiber.interrupt(f)
      expect(yield* table.callers("k")).toBe(1)
      expect(yield* Ref.get(interrupted)).toBe(0)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fibers[4]!)).toBe("answer")
      for (const f of fibers.slice(0, 4)) expect(Exit.isInterrupted(yield* Fiber.await(f))).toBe(true)
      expect(yield* Ref.get(starts)).toBe(1)
      expect(yield* Ref.get(interrupted)).toBe(0)
    }))

  it.scoped("a caller that joins after others left still shares the call", () =>
    Effect.gen(function*() {
      const table = yield* InFlight.make<string>()
      const { call, starts } = yield* makeCall(7)
      const early = yield* Effect.fork(table.run("k", call))
      yield* waitForCallers(table, "k", 1)
      yield* TestClock.adjust("500 millis")
      const late = yield* Effect.fork(table.run("k", call))
      yield* waitForCallers(table, "k", 2)
      yield* Fiber.interrupt(early)
      yield* TestClock.adjust("500 millis")
      expect(yield* Fiber.join(late)).toBe(7)
      expect(yield* Ref.get(starts)).toBe(1)
    }))

  it.scoped("interrupting every caller interrupts the call, and frees the key", () =>
    Effect.gen(function*() {
      const table = yield* InFlight.make<string>()
      const { call, interrupted, starts } = yield* makeCall(1)
      const fibers = yield* forkCallers(5, table.run("k", call))
      yield* waitForCallers(table, "k", 5)
      while ((yield* Ref.get(starts)) === 0) yield* Effect.yieldNow()
      for (const f of fibers) yield* Fiber.interrupt(f)
      // the last caller's interruption returns once the call itself was interrupted
      expect(yield* Ref.get(interrupted)).toBe(1)
      expect(yield* table.size).toBe(0)
      const again = yield* Effect.fork(table.run("k", call))
      yield* waitForCallers(table, "k", 1)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(again)).toBe(1)
      expect(yield* Ref.get(starts)).toBe(2)
    }))

  it.scoped("different keys run separately", () =>
    Effect.gen(function*() {
      const table = yield* InFlight.make<string>()
      const starts = yield* Ref.make<Array<string>>([])
      const call = (key: string) =>
        table.run(key, Ref.update(starts, (s) => [...s, key]).pipe(Effect.zipRight(Effect.sleep("1 second")), Effect.as(`value of ${key}`)))
      const a = yield* forkCallers(2, call("a"))
      const b = yield* forkCallers(2, call("b"))
      yield* waitForCallers(table, "a", 2)
      yield* waitForCallers(table, "b", 2)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.joinAll(a)).toEqual(["value of a", "value of a"])
      expect(yield* Fiber.joinAll(b)).toEqual(["value of b", "value of b"])
      expect([...(yield* Ref.get(starts))].sort()).toEqual(["a", "b"])
    }))

  it.scoped("a failure reaches every caller; the next call runs again", () =>
    Effect.gen(function*() {
      const table = yield* InFlight.make<string>()
      const starts = yield* Ref.make(0)
      const call = Ref.updateAndGet(starts, (n) => n + 1).pipe(
        Effect.tap(() => Effect.sleep("1 second")),
        Effect.flatMap((n) => (n === 1 ? Effect.fail(`boom ${n}`) : Effect.succeed(`ok ${n}`)))
      )
      const fibers = yield* forkCallers(3, table.run("k", call))
      yield* waitForCallers(table, "k", 3)
      yield* TestClock.adjust("1 second")
      for (const f of fibers) expect(yield* Effect.flip(Fiber.join(f))).toBe("boom 1")
      expect(yield* Ref.get(starts)).toBe(1)
      expect(yield* table.size).toBe(0)
      const next = yield* Effect.fork(table.run("k", call))
      yield* waitForCallers(table, "k", 1)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(next)).toBe("ok 2")
      expect(yield* Ref.get(starts)).toBe(2)
    }))

  it.scoped("the key is free before any caller sees the outcome", () =>
    Effect.gen(function*() {
      const table = yield* InFlight.make<string>()
      const { call } = yield* makeCall("x")
      // each caller looks at the table as soon as it has the value: no call may be left in it
      const fibers = yield* forkCallers(2, Effect.zipRight(table.run("k", call), table.size))
      yield* waitForCallers(table, "k", 2)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.joinAll(fibers)).toEqual([0, 0])
    }))

  it.scoped("once a call completes its key is free: a repeat runs again", () =>
    Effect.gen(function*() {
      const table = yield* InFlight.make<string>()
      const starts = yield* Ref.make(0)
      const call = Ref.updateAndGet(starts, (n) => n + 1)
      expect(yield* table.run("k", call)).toBe(1)
      expect(yield* table.run("k", call)).toBe(2)
      expect(yield* table.size).toBe(0)
    }))

  it.effect("closing the table's scope interrupts the calls in flight; their callers see it", () =>
    Effect.gen(function*() {
      const { call, interrupted, starts } = yield* makeCall("never")
      const waiting = yield* Deferred.make<Fiber.RuntimeFiber<string>>()
      const outer = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const table = yield* InFlight.make<string>()
        // a daemon: only the table can end it
        const caller = yield* Effect.forkDaemon(table.run("k", call))
        yield* waitForCallers(table, "k", 1)
        while ((yield* Ref.get(starts)) === 0) yield* Effect.yieldNow()
        yield* Deferred.succeed(waiting, caller)
      })))
      yield* Fiber.join(outer)
      const caller = yield* Deferred.await(waiting)
      expect(Exit.isInterrupted(yield* Fiber.await(caller))).toBe(true)
      expect(yield* Ref.get(interrupted)).toBe(1)
    }))
})
