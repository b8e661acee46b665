/**
 * The guarded chain against real emulators over loopback: fallback, Retry-After, triggers,
 * timeouts, broken bodies, streams, pinning, concurrency caps and health checks. Time-based
 * scenarios run on TestClock while the HTTP is real.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Effect, Fiber, Layer, Logger, LogLevel, Schema, type Scope, Stream, TestClock } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import * as Prepared from "../../src/domain/Prepared.js"
import * as Resilience from "../../src/domain/Resilience.js"
import * as Chain from "../../src/resilience/Chain.js"
import * as Fallback from "../../src/resilience/Fallback.js"
import * as AiEventsPubSub from "../../src/layers/AiEventsPubSub.js"
import * as AiEvents from "../../src/services/AiEvents.js"
import * as Emulator from "../../src/testing/Emulator.js"
import { anthropic } from "../support/fixtures/anthropic.js"
import { openai } from "../support/fixtures/openai.js"
import { expectFailure, HttpLive, shopSchema } from "../support/http.js"

interface Setup {
  readonly primary?: Emulator.Options
  readonly secondary?: Emulator.Options
  readonly policy?: Schema.Schema.Encoded<typeof Resilience.ResiliencePolicy>
  readonly fallback?: Schema.Schema.Encoded<typeof Resilience.FallbackPolicy>
  readonly health?: Schema.Schema.Encoded<typeof Resilience.HealthPolicy>
}

const setup = (s: Setup = {}) =>
  Effect.gen(function*() {
    const openaiEmu = yield* Emulator.scoped(openai.protocol, { apiKey: openai.apiKey, ...s.primary })
    const anthropicEmu = yield* Emulator.scoped(anthropic.protocol, { apiKey: anthropic.apiKey, ...s.secondary })
    const policy = Schema.decodeSync(Resilience.ResiliencePolicy)(s.policy ?? { retry: { maxRetries: 0 } })
    const events: Array<AiEvents.AiEvent> = []
    const hub = yield* AiEvents.AiEvents
    const subscription = yield* hub.subscribe
    yield* Effect.forkScoped(Stream.runForEach(subscription, (e) => Effect.sync(() => events.push(e))))
    const chain = yield* Chain.make({
      members: [
        { service: yield* openai.make(openaiEmu), policy },
        { service: yield* anthropic.make(anthropicEmu), policy }
      ],
      fallback: Schema.decodeSync(Resilience.FallbackPolicy)(s.fallback ?? { order: ["openai", "anthropic"] }),
      health: Schema.decodeSync(Resilience.HealthPolicy)(s.health ?? { enabled: false })
    })
    return { openaiEmu, anthropicEmu, chain, events }
  })

const provide = <A, E>(effect: Effect.Effect<A, E, Scope.Scope | AiEvents.AiEvents | import("@effect/platform").HttpClient.HttpClient>) =>
  Effect.scoped(effect).pipe(Effect.provide(Layer.merge(HttpLive, AiEventsPubSub.layer)), Logger.withMinimumLogLevel(LogLevel.Error))

const generate = await Effect.runPromise(Prepared.prepare("openai", { _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" }))
const realWait = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))

/**
 * Waits (in real time) until some fiber sleeps on the TestClock until `ms` from now, e.g. a retry
 * waiting its turn. Other timers (deadlines, attempt limits) are pending too, so the wake-up time
 * is what tells this sleep apart.
 */
const untilSleepingFor = (ms: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2000; i++) {
      const now = yield* Clock.currentTimeMillis
      if (Chunk.toReadonlyArray(yield* TestClock.sleeps()).includes(now + ms)) return
      yield* realWait(5)
    }
    throw new Error(`nothing went to sleep for ${ms} ms on the TestClock`)
  })

/** Waits (in real time) until a condition holds. */
const until = (f: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 400 && !f(); i++) yield* realWait(5)
    expect(f()).toBe(true)
  })

describe("the guarded chain over loopback", () => {
  it.live("primary 503: the secondary serves, the move is published, the trail is kept", () =>
    provide(Effect.gen(function*() {
      const { anthropicEmu, chain, events } = yield* setup({ primary: { defaults: { fault: { _tag: "Error", kind: "unavailable" } } } })
      const served = yield* chain.run(generate)
      expect(served.provider).toBe("anthropic")
      expect(served.value.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
      expect(served.failed.map((a) => [a.provider, a.error._tag, a.error.status])).toEqual([["openai", "ProviderUnavailable", 503]])
      expect(anthropicEmu.chatRequests()).toHaveLength(1)
      yield* until(() => events.length > 0)
      expect(events[0]).toMatchObject({ _tag: "FallbackTaken", from: "openai", to: "anthropic" })
    })))

  it.effect("429 with Retry-After: 2 waits 2 s on the clock, then the same provider serves", () =>
    provide(Effect.gen(function*() {
      const { anthropicEmu, chain, openaiEmu } = yield* setup({ policy: { retry: { maxRetries: 2 } } })
      openaiEmu.script({ fault: { _tag: "Error", kind: "rate-limit", retryAfterSeconds: 2 } })
      const fiber = yield* Effect.fork(chain.run(generate))
      yield* untilSleepingFor(2000)
      yield* TestClock.adjust("1999 millis")
      expect(openaiEmu.chatRequests()).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      const served = yield* Fiber.join(fiber)
      expect(served.provider).toBe("openai")
      expect(openaiEmu.chatRequests()).toHaveLength(2)
      expect(anthropicEmu.chatRequests()).toHaveLength(0)
    })))

  it.live("401 falls back when auth failure is a trigger", () =>
    provide(Effect.gen(function*() {
      const { chain } = yield* setup({ primary: { defaults: { fault: { _tag: "Error", kind: "auth" } } } })
      expect((yield* chain.run(generate)).provider).toBe("anthropic")
    })))

  it.live("401 does not fall back when auth failure is not a trigger", () =>
    provide(Effect.gen(function*() {
      const { anthropicEmu, chain } = yield* setup({
        primary: { defaults: { fault: { _tag: "Error", kind: "auth" } } },
        fallback: { order: ["openai", "anthropic"], triggers: ["unavailable", "timeout"] }
      })
      const error = expectFailure<AiError.AiError>(yield* Effect.exit(chain.run(generate)))
      expect(error._tag).toBe("AuthenticationError")
      expect(anthropicEmu.chatRequests()).toHaveLength(0)
    })))

  it.effect("a per-attempt timeout closes the slow connection, and the retry succeeds", () =>
    provide(Effect.gen(function*() {
      const { chain, openaiEmu } = yield* setup({ policy: { timeout: { attemptMs: 1000 }, retry: { maxRetries: 1, baseDelayMs: 100, jitter: false } } })
      openaiEmu.script({ latencyMs: 30_000 })
      const fiber = yield* Effect.fork(chain.run(generate))
      yield* until(() => openaiEmu.inFlight() === 1)
      yield* untilSleepingFor(1000)
      yield* TestClock.adjust("1 second")
      yield* until(() => openaiEmu.inFlight() === 0) // the client hung up on the slow attempt
      yield* untilSleepingFor(100)
      yield* TestClock.adjust("100 millis")
      const served = yield* Fiber.join(fiber)
      expect(served.provider).toBe("openai")
      expect(openaiEmu.chatRequests()).toHaveLength(2)
    })))

  it.live("malformed JSON is an invalid response: the secondary serves", () =>
    provide(Effect.gen(function*() {
      const { chain, openaiEmu } = yield* setup()
      openaiEmu.script({ fault: { _tag: "MalformedJson" } })
      const served = yield* chain.run(generate)
      expect(served.provider).toBe("anthropic")
      expect(served.failed[0]!.error._tag).toBe("InvalidResponse")
    })))

  it.live("a stream cut after its first delta fails, with no fallback and no mixed output", () =>
    provide(Effect.gen(function*() {
      const { anthropicEmu, chain, openaiEmu } = yield* setup({ policy: { retry: { maxRetries: 2, baseDelayMs: 1 } } })
      openaiEmu.script({ fault: { _tag: "CutStream", afterChunks: 2 } })
      const seen: Array<string> = []
      const exit = yield* Effect.exit(Stream.runForEach(chain.stream(generate), (e) => Effect.sync(() => seen.push(e._tag))))
      expect(expectFailure<AiError.AiError>(exit)._tag).toBe("InvalidResponse")
      expect(seen).toContain("TextDelta")
      expect(seen).not.toContain("Completed")
      expect(openaiEmu.chatRequests()).toHaveLength(1)
      expect(anthropicEmu.chatRequests()).toHaveLength(0)
    })))

  it.live("a stream that fails before any text falls back, and the caller sees one provider's text", () =>
    provide(Effect.gen(function*() {
      const { chain, openaiEmu } = yield* setup()
      openaiEmu.script({ fault: { _tag: "Error", kind: "unavailable" } })
      const events = Chunk.toArray(yield* Stream.runCollect(chain.stream(generate)))
      const last = events.at(-1)!
      if (last._tag !== "Completed") throw new Error("no result")
      expect(last.result.meta.provider).toBe("anthropic")
      expect(events.filter((e) => e._tag === "TextDelta").map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")).toBe(last.result.raw)
    })))

  it.live("a pinned provider never falls back", () =>
    provide(Effect.gen(function*() {
      const { anthropicEmu, chain } = yield* setup({ primary: { defaults: { fault: { _tag: "Error", kind: "unavailable" } } } })
      const error = expectFailure<AiError.AiError>(yield* Effect.exit(chain.run(generate, { pin: "openai" })))
      expect(error._tag).toBe("ProviderUnavailable")
      expect(anthropicEmu.chatRequests()).toHaveLength(0)
      const served = yield* chain.run(generate, { pin: "anthropic" })
      expect(served.provider).toBe("anthropic")
    })))

  it.live("when every provider fails, AllProvidersFailed lists each attempt", () =>
    provide(Effect.gen(function*() {
      const down = { defaults: { fault: { _tag: "Error" as const, kind: "unavailable" as const } } }
      const { chain } = yield* setup({ primary: down, secondary: down })
      const error = expectFailure<AiError.AiError | Fallback.AllProvidersFailed>(yield* Effect.exit(chain.run(generate)))
      if (error._tag !== "AllProvidersFailed") throw new Error(error._tag)
      expect(error.attempts.map((a) => a.provider)).toEqual(["openai", "anthropic"])
      expect(error.message).toContain("OpenAI (ProviderUnavailable)")
    })))

  it.live("a request the provider calls bad is not moved to another provider", () =>
    provide(Effect.gen(function*() {
      const { anthropicEmu, chain, openaiEmu } = yield* setup({ primary: { defaults: { fault: { _tag: "Error", kind: "bad-request" } } } })
      const error = expectFailure<AiError.AiError>(yield* Effect.exit(chain.run(generate)))
      expect(error._tag).toBe("InvalidRequest")
      expect(openaiEmu.chatRequests()).toHaveLength(1)
      expect(anthropicEmu.requests).toHaveLength(0)
    })))

  it.live("50 concurrent requests through a cap of 5 never put more than 5 in flight", () =>
    provide(Effect.gen(function*() {
      const { chain, openaiEmu } = yield* setup({
        primary: { defaults: { latencyMs: 20 } },
        policy: { retry: { maxRetries: 0 }, rateLimit: { maxConcurrent: 5, maxQueue: 100 } }
      })
      const results = yield* Effect.all(Array.from({ length: 50 }, () => chain.run(generate)), { concurrency: "unbounded" })
      expect(results.every((r) => r.provider === "openai")).toBe(true)
      expect(openaiEmu.chatRequests()).toHaveLength(50)
      expect(openaiEmu.maxInFlight()).toBe(5)
    })))

  it.live("past the queue bound callers are refused at once, with nothing sent, and fall back", () =>
    provide(Effect.gen(function*() {
      const { anthropicEmu, chain, openaiEmu } = yield* setup({
        primary: { defaults: { latencyMs: 50 } },
        policy: { retry: { maxRetries: 0 }, rateLimit: { maxConcurrent: 1, maxQueue: 2 } },
        fallback: { order: ["openai", "anthropic"], triggers: ["rate-limit"] }
      })
      const results = yield* Effect.all(Array.from({ length: 6 }, () => chain.run(generate)), { concurrency: "unbounded" })
      expect(openaiEmu.chatRequests()).toHaveLength(3)
      expect(anthropicEmu.chatRequests()).toHaveLength(3)
      expect(results.filter((r) => r.provider === "anthropic").every((r) => r.failed[0]!.error.code === Resilience.QUEUE_FULL)).toBe(true)
    })))

  it.effect("three failed health checks disable a provider; a good one enables it again", () =>
    provide(Effect.gen(function*() {
      const models = { on: "models" as const, fault: { _tag: "Error" as const, kind: "unavailable" as const } }
      const { anthropicEmu, chain, events, openaiEmu } = yield* setup({ health: { intervalMs: 60_000, disableAfter: 3 } })
      openaiEmu.script(models, models, models)
      const state = () => Effect.map(chain.health.statuses, (m) => m.get("openai")?.state)
      const checks = () => openaiEmu.requests.filter((r) => r.kind === "models").length
      yield* until(() => checks() === 1)
      yield* untilSleepingFor(60_000)
      expect(yield* state()).toBe("down")
      for (const n of [2, 3]) {
        yield* TestClock.adjust("60 seconds")
        yield* until(() => checks() === n)
        yield* untilSleepingFor(60_000)
      }
      expect(yield* state()).toBe("disabled")
      expect(events.map((e) => e._tag)).toContain("ProviderDisabled")
      // out of the chain: the secondary serves without the primary being asked
      const served = yield* chain.run(generate)
      expect(served.provider).toBe("anthropic")
      expect(served.failed).toEqual([])
      expect(openaiEmu.chatRequests()).toHaveLength(0)
      yield* TestClock.adjust("60 seconds")
      yield* until(() => checks() === 4)
      yield* untilSleepingFor(60_000)
      expect(yield* state()).toBe("healthy")
      expect(events.map((e) => e._tag)).toEqual(["ProviderDown", "ProviderDisabled", "ProviderEnabled", "ProviderRecovered"])
      expect((yield* chain.run(generate)).provider).toBe("openai")
      expect(anthropicEmu.requests.filter((r) => r.kind === "chat")).toHaveLength(1)
    })))
})
