/**
 * The response cache and in-flight dedup through the whole stack over a loopback emulator: an
 * identical request is served from the cache without a request at the emulator (cached, cost 0,
 * one metrics row marked cached); `bypass` and `refresh` ask again; a failure, a fallback's and a
 * flagged answer are never stored; two identical requests in flight make one call; turning the
 * cache off in the settings asks every time; the TTL comes from the settings.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, LogLevel, TestClock } from "effect"
import { AiService } from "../../src/services/AiService.js"
import { MetricsRepo } from "../../src/services/MetricsRepo.js"
import { ResponseCache } from "../../src/services/ResponseCache.js"
import { Settings } from "../../src/services/Settings.js"
import * as Emulator from "../../src/testing/Emulator.js"
import { openai } from "../support/fixtures/openai.js"
import { shopSchema } from "../support/http.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"

const quiet = <A, E, R>(e: Effect.Effect<A, E, R>) => e.pipe(Logger.withMinimumLogLevel(LogLevel.Error))

const setup = Effect.gen(function*() {
  const dir = yield* tempDir
  const emu = yield* Emulator.scoped(openai.protocol, { apiKey: openai.apiKey })
  const context = yield* Layer.build(stackIn(dir))
  const settings = yield* Effect.provide(Settings, context)
  yield* settings.saveProvider("openai", { apiKey: openai.apiKey, baseUrl: emu.baseUrl }, { resilience: { retry: { maxRetries: 0 } } })
  yield* settings.update({ activeProvider: "openai", health: { enabled: false } })
  const ai = yield* Effect.provide(AiService, context)
  const metrics = yield* Effect.provide(MetricsRepo, context)
  const cache = yield* Effect.provide(ResponseCache, context)
  return { ai, cache, emu, metrics, settings }
})

const request = { prompt: "list the customers", schema: shopSchema, dialect: "postgresql" } as const

describe("the response cache, through the AiService", () => {
  it.live("an identical request is served from the cache: nothing sent, cached, cost 0, one metrics row marked cached", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu, metrics } = yield* setup
      const first = yield* ai.generateSql(request)
      expect(first.cached).toBe(false)
      // The same request written differently (case, spaces) is the same request.
      const second = yield* ai.generateSql({ ...request, prompt: "  List   the CUSTOMERS " })
      expect(emu.chatRequests()).toHaveLength(1)
      expect(second.cached).toBe(true)
      expect(second.result.sql).toBe(first.result.sql)
      expect(second.cost).toEqual({ usd: 0, source: "cache" })
      expect(second.usage).toEqual({ inputTokens: 0, outputTokens: 0 })
      expect(second.provider).toBe("openai")

      yield* metrics.flush
      const summary = yield* metrics.summary()
      expect(summary.requests).toBe(2)
      expect(summary.cached).toBe(1)

      // Another question, another dialect or another schema is another request.
      yield* ai.generateSql({ ...request, prompt: "list the orders" })
      yield* ai.generateSql({ ...request, dialect: "mysql" })
      yield* ai.generateSql({ ...request, schema: { tables: [{ name: "customers", columns: [{ name: "id" }] }] } })
      expect(emu.chatRequests()).toHaveLength(4)
    }))))

  it.live("bypass neither reads nor stores; refresh asks again and stores the new answer", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup
      expect((yield* ai.generateSql(request, { cache: "bypass" })).cached).toBe(false)
      expect((yield* ai.generateSql(request)).cached).toBe(false)
      expect(emu.chatRequests()).toHaveLength(2)
      emu.script({ reply: "```sql\nSELECT id, email FROM customers;\n```" })
      const refreshed = yield* ai.generateSql(request, { cache: "refresh" })
      expect(refreshed.cached).toBe(false)
      expect(emu.chatRequests()).toHaveLength(3)
      const again = yield* ai.generateSql(request)
      expect(again.cached).toBe(true)
      expect(again.result.sql).toBe("SELECT id, email FROM customers;")
    }))))

  it.live("never stores a failure or a flagged answer", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup
      emu.script({ fault: { _tag: "Error", kind: "unavailable" } })
      yield* Effect.flip(ai.generateSql(request))
      expect((yield* ai.generateSql(request)).cached).toBe(false)
      expect(emu.chatRequests()).toHaveLength(2)

      const remove = { ...request, prompt: "remove every order" }
      emu.script({ reply: "```sql\nDELETE FROM orders;\n```" }, { reply: "```sql\nDELETE FROM orders;\n```" })
      const flagged = yield* ai.generateSql(remove)
      expect(flagged.check?.flags.destructive).toHaveLength(1)
      expect((yield* ai.generateSql(remove)).cached).toBe(false)
      expect(emu.chatRequests()).toHaveLength(4)
    }))))

  it.live("two identical requests in flight make one call, and both get its answer", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup
      emu.setDefaults({ latencyMs: 150 })
      const [a, b] = yield* Effect.all([ai.generateSql(request, { cache: "bypass" }), ai.generateSql(request, { cache: "bypass" })], { concurrency: 2 })
      expect(emu.chatRequests()).toHaveLength(1)
      expect(a.result.sql).toBe(b.result.sql)
    }))))

  it.live("five identical requests at once make one call and one store; the next is a hit", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, cache, emu } = yield* setup
      emu.setDefaults({ latencyMs: 150 })
      const answers = yield* Effect.all([1, 2, 3, 4, 5].map(() => ai.generateSql(request)), { concurrency: 5 })
      expect(emu.chatRequests()).toHaveLength(1)
      expect(new Set(answers.map((a) => a.result.sql)).size).toBe(1)
      expect(answers.every((a) => !a.cached)).toBe(true)
      expect(yield* cache.stats).toMatchObject({ entries: 1, stored: 1 })
      expect((yield* ai.generateSql(request)).cached).toBe(true)
    }))))

  it.live("a pinned request does not share the call of an unpinned one (which may fall back)", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup
      emu.setDefaults({ latencyMs: 150 })
      yield* Effect.all([
        ai.generateSql(request, { cache: "bypass", pin: "openai" }),
        ai.generateSql(request, { cache: "bypass" }),
        ai.generateSql(request, { cache: "bypass", pin: "openai" })
      ], { concurrency: 3 })
      expect(emu.chatRequests()).toHaveLength(2)
    }))))

  it.live("interrupting one of two callers leaves the other's call", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup
      emu.setDefaults({ latencyMs: 200 })
      const first = yield* Effect.fork(ai.generateSql(request))
      const second = yield* Effect.fork(ai.generateSql(request))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(first)
      const answer = yield* Fiber.join(second)
      expect(answer.cached).toBe(false)
      expect(emu.chatRequests()).toHaveLength(1)
    }))))

  it.live("the settings turn it off, and set how long an answer is served", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu, settings } = yield* setup
      yield* settings.update({ cache: { enabled: false } })
      yield* ai.generateSql(request)
      expect((yield* ai.generateSql(request)).cached).toBe(false)
      expect(emu.chatRequests()).toHaveLength(2)
      yield* settings.update({ cache: { enabled: true, ttlMs: 60_000 } })
      yield* ai.generateSql(request)
      expect((yield* ai.generateSql(request)).cached).toBe(true)
      expect(emu.chatRequests()).toHaveLength(3)
    }))))
})

describe("the cache's TTL on the TestClock", () => {
  it.scoped("an answer older than the TTL is asked again", () =>
    quiet(Effect.gen(function*() {
      const { ai, emu, settings } = yield* setup
      yield* settings.update({ cache: { ttlMs: 60_000 } })
      yield* ai.generateSql(request)
      yield* TestClock.adjust("59 seconds")
      expect((yield* ai.generateSql(request)).cached).toBe(true)
      yield* TestClock.adjust("2 seconds")
      expect((yield* ai.generateSql(request)).cached).toBe(false)
      expect(emu.chatRequests()).toHaveLength(2)
    })))
})
