import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Duration, Effect, Exit, Fiber, Option, Ref, Schema, Stream, TestClock } from "effect"
import * as AiError from "../../src/domain/AiError.js"
import * as Resilience from "../../src/domain/Resilience.js"
import * as CircuitBreaker from "../../src/resilience/CircuitBreaker.js"
import * as Prepared from "../../src/domain/Prepared.js"
import * as Chain from "../../src/resilience/Chain.js"
import * as AiEventsPubSub from "../../src/layers/AiEventsPubSub.js"
import * as AiProvider from "../../src/services/AiProvider.js"
import * as RateLimit from "../../src/resilience/RateLimit.js"
import * as Retry from "../../src/resilience/Retry.js"
import * as Timeouts from "../../src/resilience/Timeouts.js"

const policy = (input: Schema.Schema.Encoded<typeof Resilience.ResiliencePolicy>) => Schema.decodeSync(Resilience.ResiliencePolicy)(input)
const down = new AiError.ProviderUnavailable({ provider: "openai", message: "503", status: 503 })
const badKey = new AiError.AuthenticationError({ provider: "openai", message: "401", status: 401 })

/** A call that fails with the given errors in turn, then succeeds; it records when each attempt started. */
const flaky = (errors: ReadonlyArray<AiError.AiError>, log: Array<number>) => {
  let n = 0
  return Effect.flatMap(Clock.currentTimeMillis, (now) => {
    log.push(now)
    const e = errors[n++]
    return e ? Effect.fail(e) : Effect.succeed("ok")
  })
}

const usage = { inputTokens: 1, outputTokens: 1 }

/**
 * A one-provider chain whose chat model answers with `call` (its text) and streams `open`: the
 * guard's steps as the chain composes them around every attempt.
 */
const guarded = (
  p: Resilience.ResiliencePolicy,
  call: Effect.Effect<string, AiError.AiError>,
  open: Stream.Stream<string, AiError.AiError> = Stream.empty
) =>
  Chain.make({
    members: [{
      service: AiProvider.make({
        provider: "openai",
        model: "m",
        complete: () => Effect.map(call, (text) => ({ text, model: "m", usage, finishReason: "stop" as const })),
        completeStream: () =>
          Stream.concat(
            Stream.map(open, (text): AiProvider.ChatChunk => ({ _tag: "Delta", text })),
            Stream.make<Array<AiProvider.ChatChunk>>({ _tag: "Finish", model: "m", usage, finishReason: "stop" })
          ),
        testConnection: Effect.die("not used"),
        listModels: Effect.succeed([])
      }),
      policy: p
    }],
    fallback: Schema.decodeSync(Resilience.FallbackPolicy)({ order: ["openai"] }),
    health: Schema.decodeSync(Resilience.HealthPolicy)({ enabled: false })
  }).pipe(Effect.provide(AiEventsPubSub.layer))

const explain = await Effect.runPromise(Prepared.prepare("openai", { _tag: "ExplainSql", sql: "SELECT 1", dialect: "postgresql" }))

/** Runs the request through the chain: the answer's text. */
const runOn = (chain: Chain.Chain) => Effect.map(chain.run(explain), (served) => served.value.result.raw)

/** Streams the request through the chain: its text deltas. */
const streamOn = (chain: Chain.Chain) =>
  Stream.filterMap(chain.stream(explain), (e) => (e._tag === "TextDelta" ? Option.some(e.text) : Option.none()))

describe("Retry.delayFor", () => {
  const p = policy({ retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 300, jitter: false, maxRetryAfterMs: 5000 } }).retry
  it("backs off exponentially up to the cap, then stops", () => {
    expect([0, 1, 2, 3].map((n) => Retry.delayFor(p, down, n, 0.5))).toEqual([100, 200, 300, undefined])
  })
  it("jitters within ±20%", () => {
    const j = { ...p, jitter: true }
    expect(Retry.delayFor(j, down, 0, 0)).toBe(80)
    expect(Retry.delayFor(j, down, 0, 0.999)).toBe(120)
  })
  it("never retries what cannot succeed by waiting", () => {
    for (const e of [badKey, new AiError.ModelNotFound({ provider: "openai", message: "x", model: "m" }), new AiError.ContextTooLong({ provider: "openai", message: "x" }), new AiError.ContentFiltered({ provider: "openai", message: "x" }), new AiError.InvalidRequest({ provider: "openai", message: "x" }), new AiError.QuotaExhausted({ provider: "openai", message: "x" })]) {
      expect(Retry.delayFor(p, e, 0, 0.5)).toBeUndefined()
    }
  })
  it("waits a Retry-After within the maximum, and does not wait a longer one", () => {
    expect(Retry.delayFor(p, new AiError.RateLimited({ provider: "openai", message: "x", retryAfter: Duration.seconds(2) }), 0, 0.5)).toBe(2000)
    expect(Retry.delayFor(p, new AiError.RateLimited({ provider: "openai", message: "x", retryAfter: Duration.seconds(60) }), 0, 0.5)).toBeUndefined()
  })
  it("never retries into an open circuit or a full local queue", () => {
    expect(Retry.delayFor(p, new AiError.ProviderUnavailable({ provider: "openai", message: "x", code: Resilience.CIRCUIT_OPEN }), 0, 0.5)).toBeUndefined()
    expect(Retry.delayFor(p, new AiError.RateLimited({ provider: "openai", message: "x", code: Resilience.QUEUE_FULL }), 0, 0.5)).toBeUndefined()
  })
})

describe("a provider's tries on TestClock", () => {
  it.scoped("retries with exponential gaps, then succeeds", () =>
    Effect.gen(function*() {
      const policy_ = policy({ retry: { maxRetries: 3, baseDelayMs: 500, jitter: false } })
      const log: Array<number> = []
      const fiber = yield* Effect.fork(runOn(yield* guarded(policy_, flaky([down, down, down], log))))
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toBe("ok")
      expect(log).toEqual([0, 500, 1500, 3500])
    }))

  it.scoped("waits exactly the provider's Retry-After", () =>
    Effect.gen(function*() {
      const policy_ = policy({})
      const log: Array<number> = []
      const limited = new AiError.RateLimited({ provider: "openai", message: "429", retryAfter: Duration.seconds(2) })
      const fiber = yield* Effect.fork(runOn(yield* guarded(policy_, flaky([limited], log))))
      yield* TestClock.adjust("1999 millis")
      expect(log).toEqual([0])
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(fiber)).toBe("ok")
      expect(log).toEqual([0, 2000])
    }))

  it.scoped("a too-long Retry-After is not waited for: the error surfaces at once for fallback", () =>
    Effect.gen(function*() {
      const policy_ = policy({ retry: { maxRetryAfterMs: 10_000 } })
      const log: Array<number> = []
      const limited = new AiError.RateLimited({ provider: "openai", message: "429", retryAfter: Duration.minutes(5) })
      const error = yield* Effect.flip(runOn(yield* guarded(policy_, flaky([limited], log))))
      expect(error._tag).toBe("RateLimited")
      expect(log).toEqual([0])
    }))

  it.scoped("does not retry an authentication failure", () =>
    Effect.gen(function*() {
      const policy_ = policy({})
      const log: Array<number> = []
      expect((yield* Effect.flip(runOn(yield* guarded(policy_, flaky([badKey], log)))))._tag).toBe("AuthenticationError")
      expect(log).toHaveLength(1)
    }))

  it.scoped("the per-attempt timeout ends a slow attempt with Timeout, and a retry follows", () =>
    Effect.gen(function*() {
      const policy_ = policy({ timeout: { attemptMs: 1000 }, retry: { maxRetries: 1, baseDelayMs: 100, jitter: false } })
      const started = yield* Ref.make<Array<number>>([])
      const slowThenFast = Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(Ref.getAndUpdate(started, (s) => [...s, now]), (s) => (s.length === 0 ? Effect.as(Effect.sleep("1 hour"), "late") : Effect.succeed("fast"))))
      const fiber = yield* Effect.fork(runOn(yield* guarded(policy_, slowThenFast)))
      yield* TestClock.adjust("1100 millis")
      expect(yield* Fiber.join(fiber)).toBe("fast")
      expect(yield* Ref.get(started)).toEqual([0, 1100])
    }))

  it.scoped("the overall deadline ends retries", () =>
    Effect.gen(function*() {
      const policy_ = policy({ timeout: { deadlineMs: 2000 }, retry: { maxRetries: 10, baseDelayMs: 1000, jitter: false }, circuit: { consecutiveFailures: 100 } })
      const fiber = yield* Effect.fork(Effect.flip(runOn(yield* guarded(policy_, Effect.fail(down)))))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("Timeout")
      expect(error._tag === "Timeout" && error.phase).toBe("deadline")
    }))
})

describe("CircuitBreaker on TestClock", () => {
  const cb = (p: Schema.Schema.Encoded<typeof Resilience.CircuitPolicy>) => CircuitBreaker.make("openai", Schema.decodeSync(Resilience.CircuitPolicy)(p))

  it.effect("opens after N consecutive provider failures, refuses at once, probes after the cooldown", () =>
    Effect.gen(function*() {
      const breaker = yield* cb({ consecutiveFailures: 3, cooldownMs: 10_000 })
      let calls = 0
      const failing = Effect.suspend(() => {
        calls++
        return Effect.fail(down)
      })
      for (let i = 0; i < 3; i++) yield* Effect.either(breaker.guard(failing))
      expect((yield* breaker.state)._tag).toBe("Open")
      const refused = yield* Effect.flip(breaker.guard(Effect.succeed(1)))
      expect(refused._tag === "ProviderUnavailable" && refused.code).toBe(Resilience.CIRCUIT_OPEN)
      expect(refused.message).toContain("10 s")
      expect(calls).toBe(3)
      yield* TestClock.adjust("10 seconds")
      // the probe fails: open again for another cooldown
      yield* Effect.either(breaker.guard(failing))
      expect(calls).toBe(4)
      expect((yield* breaker.state)._tag).toBe("Open")
      yield* TestClock.adjust("10 seconds")
      expect(yield* breaker.guard(Effect.succeed("probe ok"))).toBe("probe ok")
      expect(yield* breaker.state).toEqual({ _tag: "Closed", consecutiveFailures: 0, recentFailures: 0, recentCalls: 0 })
    }))

  it.effect("lets only one probe through while half-open", () =>
    Effect.gen(function*() {
      const breaker = yield* cb({ consecutiveFailures: 1, cooldownMs: 1000 })
      yield* Effect.either(breaker.guard(Effect.fail(down)))
      yield* TestClock.adjust("1 second")
      const probe = yield* Effect.fork(breaker.guard(Effect.as(Effect.sleep("5 seconds"), "slow probe")))
      yield* TestClock.adjust("1 millis")
      expect((yield* breaker.state)._tag).toBe("HalfOpen")
      const second = yield* Effect.flip(breaker.guard(Effect.succeed("x")))
      expect(second.code).toBe(Resilience.CIRCUIT_OPEN)
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.join(probe)).toBe("slow probe")
      expect((yield* breaker.state)._tag).toBe("Closed")
    }))

  it.effect("the user's bad request never opens the circuit", () =>
    Effect.gen(function*() {
      const breaker = yield* cb({ consecutiveFailures: 2 })
      for (let i = 0; i < 5; i++) yield* Effect.either(breaker.guard(Effect.fail(new AiError.InvalidRequest({ provider: "openai", message: "bad sql" }))))
      for (let i = 0; i < 5; i++) yield* Effect.either(breaker.guard(Effect.fail(badKey)))
      expect((yield* breaker.state)._tag).toBe("Closed")
    }))

  it.effect("opens on a failure ratio over the window", () =>
    Effect.gen(function*() {
      const breaker = yield* cb({ consecutiveFailures: 100, failureRatio: 0.5, windowSize: 4 })
      yield* breaker.guard(Effect.succeed(1))
      yield* Effect.either(breaker.guard(Effect.fail(down)))
      yield* breaker.guard(Effect.succeed(1))
      expect((yield* breaker.state)._tag).toBe("Closed")
      yield* Effect.either(breaker.guard(Effect.fail(down)))
      expect((yield* breaker.state)._tag).toBe("Open")
    }))

  it.effect("publishes its state changes", () =>
    Effect.gen(function*() {
      const breaker = yield* cb({ consecutiveFailures: 1, cooldownMs: 1000 })
      const seen = yield* Effect.fork(Stream.runCollect(Stream.take(breaker.changes, 4)))
      // the transitions happen on the clock, after the subscriber is running
      yield* Effect.fork(Effect.zipRight(
        Effect.sleep("1 second"),
        Effect.zipRight(Effect.either(breaker.guard(Effect.fail(down))), Effect.delay(breaker.guard(Effect.sleep("1 second")), "1 second"))
      ))
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("1 second")
      const states = Chunk.toArray(yield* Fiber.join(seen)).map((s) => s._tag)
      expect(states).toEqual(["Closed", "Open", "HalfOpen", "Closed"])
    }))
})

describe("RateLimit on TestClock", () => {
  const limiter = (p: Schema.Schema.Encoded<typeof Resilience.RateLimitPolicy>) => RateLimit.make("openai", Schema.decodeSync(Resilience.RateLimitPolicy)(p))
  const startTimes = (rl: RateLimit.RateLimiter, n: number) =>
    Effect.forEach(Array.from({ length: n }), () => Effect.scoped(Effect.zipRight(rl.acquire, Clock.currentTimeMillis)), { concurrency: "unbounded" })

  it.effect("a token bucket of 2 per minute starts 2 at once, then one per 30 s", () =>
    Effect.gen(function*() {
      const rl = yield* limiter({ requestsPerMinute: 2 })
      const fiber = yield* Effect.fork(startTimes(rl, 5))
      yield* TestClock.adjust("2 minutes")
      expect([...(yield* Fiber.join(fiber))].sort((a, b) => a - b)).toEqual([0, 0, 30_000, 60_000, 90_000])
    }))

  it.effect("past the queue bound a caller is refused at once with nothing sent", () =>
    Effect.gen(function*() {
      const rl = yield* limiter({ requestsPerMinute: 1, maxQueue: 2 })
      yield* Effect.scoped(rl.acquire)
      const waiting = yield* Effect.fork(startTimes(rl, 2))
      yield* TestClock.adjust("1 millis")
      expect((yield* rl.state).queued).toBe(2)
      const refused = yield* Effect.flip(Effect.scoped(rl.acquire))
      expect(refused.code).toBe(Resilience.QUEUE_FULL)
      expect(refused.message).toContain("2 requests are already waiting")
      yield* TestClock.adjust("2 minutes")
      yield* Fiber.join(waiting)
      expect((yield* rl.state).queued).toBe(0)
    }))

  it.effect("caps requests in flight and reports the queue", () =>
    Effect.gen(function*() {
      const rl = yield* limiter({ maxConcurrent: 2 })
      let inFlight = 0
      let peak = 0
      const call = Effect.scoped(Effect.zipRight(rl.acquire, Effect.gen(function*() {
        inFlight++
        peak = Math.max(peak, inFlight)
        yield* Effect.sleep("1 second")
        inFlight--
      })))
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 6 }, () => call), { concurrency: "unbounded" }))
      yield* TestClock.adjust("1 millis")
      const s = yield* rl.state
      expect(s.inFlight).toBe(2)
      expect(s.queued).toBe(4)
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(fiber)
      expect(peak).toBe(2)
    }))

  it.effect("tokens per minute: usage charged after an answer delays the next request", () =>
    Effect.gen(function*() {
      const rl = yield* limiter({ tokensPerMinute: 1000 })
      yield* Effect.scoped(rl.acquire)
      yield* rl.charge(1500) // 500 over budget: 30 s of refill before the next may start
      const fiber = yield* Effect.fork(startTimes(rl, 1))
      yield* TestClock.adjust("29 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toEqual([30_000])
    }))

  it.effect("an interrupted waiter leaves the queue", () =>
    Effect.gen(function*() {
      const rl = yield* limiter({ requestsPerMinute: 1 })
      yield* Effect.scoped(rl.acquire)
      const waiter = yield* Effect.fork(Effect.scoped(rl.acquire))
      yield* TestClock.adjust("1 millis")
      expect((yield* rl.state).queued).toBe(1)
      yield* Fiber.interrupt(waiter)
      expect((yield* rl.state).queued).toBe(0)
    }))
})

describe("stream time limits on TestClock", () => {
  const ticks = (gaps: ReadonlyArray<number>) =>
    Stream.fromIterable(gaps).pipe(Stream.zipWithIndex, Stream.mapEffect(([ms, i]) => Effect.as(Effect.sleep(ms), `t${i}`)))

  it.effect("time to first text", () =>
    Effect.gen(function*() {
      const s = ticks([5000, 10]).pipe(Timeouts.streamPacing("openai", { firstTokenMs: 3000, idleMs: 60_000, isText: () => true }))
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(s)))
      yield* TestClock.adjust("3 seconds")
      const e = yield* Fiber.join(fiber)
      expect(e._tag === "Timeout" && e.phase).toBe("first-token")
    }))

  it.effect("idle gap between chunks", () =>
    Effect.gen(function*() {
      const s = ticks([100, 100, 9000]).pipe(Timeouts.streamPacing("openai", { firstTokenMs: 3000, idleMs: 2000, isText: () => true }))
      const fiber = yield* Effect.fork(Effect.exit(Stream.runCollect(s)))
      yield* TestClock.adjust("5 seconds")
      const exit = yield* Fiber.join(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain("idle")
    }))

  it.scoped("a guarded stream is not retried once it emitted text", () =>
    Effect.gen(function*() {
      let opened = 0
      const open = Stream.suspend(() => {
        opened++
        return Stream.concat(Stream.make("text"), Stream.fail(down))
      })
      const chain = yield* guarded(policy({ retry: { maxRetries: 3, baseDelayMs: 10, jitter: false } }), Effect.succeed("unused"), open)
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(streamOn(chain))))
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(fiber))._tag).toBe("ProviderUnavailable")
      expect(opened).toBe(1)
    }))

  it.scoped("a guarded stream that fails before text is retried", () =>
    Effect.gen(function*() {
      let opened = 0
      const open = Stream.suspend(() => (++opened < 3 ? Stream.fail(down) : Stream.make("a", "b")))
      const chain = yield* guarded(policy({ retry: { maxRetries: 3, baseDelayMs: 10, jitter: false } }), Effect.succeed("unused"), open)
      const fiber = yield* Effect.fork(Stream.runCollect(streamOn(chain)))
      yield* TestClock.adjust("1 second")
      expect(Chunk.toArray(yield* Fiber.join(fiber))).toEqual(["a", "b"])
      expect(opened).toBe(3)
    }))

  it.scoped("a stream's deadline ends its retries", () =>
    Effect.gen(function*() {
      const chain = yield* guarded(
        policy({ timeout: { deadlineMs: 2000 }, retry: { maxRetries: 10, baseDelayMs: 1000, jitter: false }, circuit: { consecutiveFailures: 100 } }),
        Effect.succeed("unused"),
        Stream.fail(down)
      )
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(streamOn(chain))))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag === "Timeout" && error.phase).toBe("deadline")
    }))
})

describe("time limits on the live clock (a plain timer watches the call)", () => {
  it.live("a slow call ends in Timeout at the limit, and the call is interrupted", () =>
    Effect.gen(function*() {
      let interrupted = false
      const slow = Effect.as(Effect.sleep("10 seconds"), "late").pipe(Effect.onInterrupt(() => Effect.sync(() => void (interrupted = true))))
      const start = Date.now()
      const error = yield* Effect.flip(Timeouts.within("openai", "request", 50)(slow))
      expect(error._tag === "Timeout" && error.phase).toBe("request")
      expect(Date.now() - start).toBeLessThan(5_000)
      expect(interrupted).toBe(true)
    }))

  it.live("a call within the limit gives its value or its own error", () =>
    Effect.gen(function*() {
      expect(yield* Timeouts.within("openai", "request", 5_000)(Effect.succeed("fast"))).toBe("fast")
      expect((yield* Effect.flip(Timeouts.within("openai", "request", 5_000)(Effect.fail(down))))._tag).toBe("ProviderUnavailable")
    }))

  it.live("the earlier of two deadlines decides, with its own error", () =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const outer = Timeouts.deadline("openai", "deadline", 30, now)
      const error = yield* Effect.flip(Timeouts.within("openai", "request", 10_000, outer)(Effect.sleep("10 seconds")))
      expect(error._tag === "Timeout" && error.phase).toBe("deadline")
    }))

  it.live("interrupting the caller interrupts the call", () =>
    Effect.gen(function*() {
      let interrupted = false
      const slow = Effect.sleep("10 seconds").pipe(Effect.onInterrupt(() => Effect.sync(() => void (interrupted = true))))
      const fiber = yield* Effect.fork(Timeouts.within("openai", "request", 10_000)(slow))
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(fiber)
      expect(interrupted).toBe(true)
    }))
})
