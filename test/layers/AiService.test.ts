/**
 * The AiService end to end: a real database in a temp folder, providers configured through the
 * settings store and pointing at emulators over loopback.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Logger, LogLevel, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Pricing from "../../src/domain/Pricing.js"
import * as AiStack from "../../src/layers/AiStack.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import { AiEvents } from "../../src/services/AiEvents.js"
import { AiService } from "../../src/services/AiService.js"
import { MetricsRepo } from "../../src/services/MetricsRepo.js"
import { Settings } from "../../src/services/Settings.js"
import * as Emulator from "../../src/testing/Emulator.js"
import { anthropic } from "../support/fixtures/anthropic.js"
import { openai } from "../support/fixtures/openai.js"
import { expectFailure, HttpLive, shopSchema } from "../support/http.js"
import { tempDir } from "../support/tmp.js"

const noRetry = { retry: { maxRetries: 0 } }

const stack = (dir: string) =>
  AiStack.layer({ databasePath: Path.join(dir, "ai.db"), keyStore: KeyStores.fromKey(Crypto.generateKey()) }).pipe(Layer.provide(HttpLive))

const setup = (options: { primary?: Emulator.Options; configure?: boolean } = {}) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const openaiEmu = yield* Emulator.scoped(openai.protocol, { apiKey: openai.apiKey, ...options.primary })
    const anthropicEmu = yield* Emulator.scoped(anthropic.protocol, { apiKey: anthropic.apiKey })
    const context = yield* Layer.build(stack(dir))
    const settings = yield* Effect.provide(Settings, context)
    if (options.configure !== false) {
      yield* settings.saveProvider("openai", { apiKey: openai.apiKey, baseUrl: openaiEmu.baseUrl }, { resilience: noRetry })
      yield* settings.saveProvider("anthropic", { apiKey: anthropic.apiKey, baseUrl: anthropicEmu.baseUrl }, { resilience: noRetry })
      yield* settings.update({ activeProvider: "openai", fallback: { order: ["openai", "anthropic"] }, health: { enabled: false } })
    }
    return { dir, openaiEmu, anthropicEmu, context, settings }
  })

const quiet = <A, E, R>(e: Effect.Effect<A, E, R>) => e.pipe(Logger.withMinimumLogLevel(LogLevel.Error))
const generate = { prompt: "list orders", schema: shopSchema, dialect: "postgresql" as const }

describe("AiService", () => {
  it.live("with no provider configured it says AI is not configured", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context } = yield* setup({ configure: false })
      const ai = yield* Effect.provide(AiService, context)
      const error = expectFailure<{ _tag: string; message: string }>(yield* Effect.exit(ai.generateSql(generate)))
      expect(error._tag).toBe("AiNotConfigured")
      expect(error.message).toBe("AI not configured")
    }))))

  it.live("serves from the active provider with usage, cost, estimate and one metrics row", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context, openaiEmu } = yield* setup()
      const ai = yield* Effect.provide(AiService, context)
      openaiEmu.script({ usage: { inputTokens: 1000, outputTokens: 100 } })
      const answer = yield* ai.generateSql(generate)
      expect(answer.provider).toBe("openai")
      expect(answer.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
      expect(answer.fallback).toBe(false)
      expect(answer.usage).toEqual({ inputTokens: 1000, outputTokens: 100 })
      // gpt-4.1-mini: $0.40 / $1.60 per million tokens
      expect(answer.cost.usd).toBeCloseTo(0.0004 + 0.00016, 10)
      // no budget set: the request path uses the cheap estimate; an explicit estimate counts exactly
      expect(answer.estimate?.inputTokensExact).toBe(false)
      expect(answer.estimate?.maxUsd).toBeGreaterThan(answer.estimate!.minUsd!)
      const exact = yield* ai.estimate({ _tag: "GenerateSql", ...generate })
      expect(exact.inputTokensExact).toBe(true)
      expect(Math.abs(exact.inputTokens - answer.estimate!.inputTokens) / exact.inputTokens).toBeLessThan(0.3)
      const repo = yield* Effect.provide(MetricsRepo, context)
      const summary = yield* repo.summary({ provider: "openai" })
      expect(summary.requests).toBe(1)
      expect(summary.successRate).toBe(1)
      expect(summary.costUsd).toBeCloseTo(0.00056, 10)
    }))))

  it.live("a failing primary: the fallback serves, the trail and the event are there, both attempts are recorded", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context } = yield* setup({ primary: { defaults: { fault: { _tag: "Error", kind: "unavailable" } } } })
      const ai = yield* Effect.provide(AiService, context)
      const events = yield* Effect.provide(AiEvents, context)
      const seen = yield* Effect.fork(Stream.runCollect(Stream.take(yield* events.subscribe, 1)))
      const answer = yield* ai.generateSql(generate)
      expect(answer.provider).toBe("anthropic")
      expect(answer.fallback).toBe(true)
      expect(answer.failed.map((a) => [a.provider, a.error._tag])).toEqual([["openai", "ProviderUnavailable"]])
      expect(Chunk.toArray(yield* seen.await.pipe(Effect.flatten))[0]!._tag).toBe("FallbackTaken")
      const status = yield* ai.status
      expect(status.activeProvider).toBe("openai")
      expect(status.fallbackServing).toBe("anthropic")
      const repo = yield* Effect.provide(MetricsRepo, context)
      const all = yield* repo.summary()
      expect(all.requests).toBe(2)
      expect(all.errors).toEqual([{ tag: "ProviderUnavailable", count: 1 }])
    }))))

  it.live("a budget stops a request before anything is sent", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context, openaiEmu, settings } = yield* setup()
      yield* settings.update({ budget: { perRequestMaxUsd: 0.000001 } })
      const ai = yield* Effect.provide(AiService, context)
      const error = expectFailure<{ _tag: string }>(yield* Effect.exit(ai.generateSql(generate)))
      expect(error._tag).toBe("BudgetExceeded")
      expect(openaiEmu.chatRequests()).toHaveLength(0)
    }))))

  it.live("a settings change takes effect on the next request, with no restart", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context, openaiEmu, settings } = yield* setup()
      const ai = yield* Effect.provide(AiService, context)
      expect((yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })).model).toBe("gpt-4.1-mini")
      yield* settings.saveProvider("openai", { model: "gpt-4o" })
      expect((yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })).model).toBe("gpt-4o")
      expect((openaiEmu.chatRequests()[1]!.body as { model: string }).model).toBe("gpt-4o")
      yield* settings.update({ activeProvider: "anthropic" })
      expect((yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })).provider).toBe("anthropic")
      expect((yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" }, { pin: "openai" })).provider).toBe("openai")
    }))))

  it.live("streams deltas then the result, and records time to first token", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context } = yield* setup()
      const ai = yield* Effect.provide(AiService, context)
      const events = Chunk.toArray(yield* Stream.runCollect(ai.stream({ _tag: "GenerateSql", ...generate })))
      expect(events.at(-1)!._tag).toBe("Completed")
      const repo = yield* Effect.provide(MetricsRepo, context)
      const summary = yield* repo.summary()
      expect(summary.requests).toBe(1)
      expect(summary.timeToFirstToken?.count ?? 1).toBeGreaterThan(0)
    }))))

  it.live("status lists every provider with what a UI needs", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context } = yield* setup()
      const ai = yield* Effect.provide(AiService, context)
      yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })
      const status = yield* ai.status
      expect(status.providers.map((p) => p.id)).toEqual(["cloudflare", "openai", "ollama", "anthropic", "azure-openai", "gemini"])
      const o = status.providers.find((p) => p.id === "openai")!
      expect(o).toMatchObject({ configured: true, enabled: true, active: true, model: "gpt-4.1-mini" })
      expect(o.guard?.circuit._tag).toBe("Closed")
      expect(o.limitations.costsMoney).toBe(true)
      expect(status.providers.find((p) => p.id === "ollama")).toMatchObject({ configured: false, limitations: { costsMoney: false, local: true } })
      expect(status.lastServedBy).toBe("openai")
      expect(status.fallbackServing).toBeUndefined()
    }))))

  it.live("closing the service stops its health checks (the scope does not hang)", () =>
    quiet(Effect.gen(function*() {
      const done = yield* Effect.scoped(Effect.gen(function*() {
        const { context, settings } = yield* setup()
        yield* settings.update({ health: { enabled: true, intervalMs: 60_000 } })
        const ai = yield* Effect.provide(AiService, context)
        yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })
        return "served"
      })).pipe(Effect.timeout("5 seconds"))
      expect(done).toBe("served")
    })))

  it.live("each request is logged at debug level with provider, model, latency and outcome, never the key or prompt", () => {
    const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
    const logger = Logger.make(({ annotations, logLevel, message }) => {
      lines.push({ level: logLevel.label, message: String(message), annotations: Object.fromEntries(annotations) })
    })
    return Effect.scoped(Effect.gen(function*() {
      const { context } = yield* setup()
      const ai = yield* Effect.provide(AiService, context)
      yield* ai.generateSql({ ...generate, prompt: "find the XYZZY-PROMPT customers" })
      yield* Effect.exit(ai.generateSql({ ...generate, prompt: "   " }))
    })).pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug),
      Effect.map(() => {
        const served = lines.find((l) => l.message === "AI request served")
        expect(served?.level).toBe("DEBUG")
        expect(served?.annotations).toMatchObject({ operation: "GenerateSql", provider: "openai", model: "gpt-4.1-mini", fallback: false })
        expect(typeof served?.annotations.latencyMs).toBe("number")
        const failed = lines.find((l) => l.message === "AI request failed")
        expect(failed?.annotations).toMatchObject({ operation: "GenerateSql", outcome: "InvalidRequest" })
        const all = JSON.stringify(lines)
        expect(all).not.toContain("XYZZY-PROMPT")
        expect(all).not.toContain(openai.apiKey!)
      })
    )
  })

  it.live("a cached prompt's usage is kept per attempt (metrics columns) and priced at the cache rate", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context, openaiEmu } = yield* setup()
      const usage = { inputTokens: 100_000, outputTokens: 1_000, cachedInputTokens: 80_000, reasoningTokens: 400 }
      openaiEmu.script({ usage })
      const ai = yield* Effect.provide(AiService, context)
      const answer = yield* ai.generateSql(generate)
      expect(answer.result.meta.usage).toEqual(usage)
      const plain = Pricing.price("openai", "gpt-4.1-mini", { inputTokens: 100_000, outputTokens: 1_000 }).usd!
      expect(answer.cost.usd).toBeCloseTo(Pricing.price("openai", "gpt-4.1-mini", usage).usd!, 12)
      expect(answer.cost.usd!).toBeLessThan(plain * 0.6)
      const repo = yield* Effect.provide(MetricsRepo, context)
      yield* repo.flush
      const summary = yield* repo.summary()
      expect(summary).toMatchObject({ inputTokens: 100_000, outputTokens: 1_000, cachedInputTokens: 80_000, cacheWriteTokens: 0, reasoningTokens: 400 })
      expect(summary.costUsd).toBeCloseTo(answer.cost.usd!, 6)
    }))))

  it.live("no prompt, SQL or key reaches the database file (the response cache keeps answers, under a digest of the request)", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { context, dir } = yield* setup()
      const ai = yield* Effect.provide(AiService, context)
      // Cached: the answer is stored, the request only as a digest.
      yield* ai.generateSql({ ...generate, prompt: "find the XYZZY-PROMPT customers" })
      // Not cached: a fixed statement repeats the user's SQL, so nothing of it is kept.
      yield* ai.fixSql({ sql: "SELECT plugh_column_QQQ FROM orders", errorMessage: "no such column", dialect: "sqlite" }, { cache: "bypass" })
      yield* Effect.provide(Effect.flatMap(MetricsRepo, (r) => r.flush), context)
      const file = Path.join(dir, "ai.db")
      const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => Fs.existsSync(f)).map((f) => Fs.readFileSync(f)))
      for (const needle of ["XYZZY-PROMPT", "plugh_column_QQQ", openai.apiKey!, anthropic.apiKey!]) {
        expect(bytes.includes(Buffer.from(needle))).toBe(false)
      }
      expect(bytes.includes(Buffer.from("gpt-4.1-mini"))).toBe(true)
    }))))
})
