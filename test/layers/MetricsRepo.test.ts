import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Schema, TestClock } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as AiError from "../../src/domain/AiError.js"
import * as Metrics from "../../src/domain/Metrics.js"
import * as SqlTask from "../../src/domain/SqlTask.js"
import * as Database from "../../src/layers/Database.js"
import * as MetricsRepoSql from "../../src/layers/MetricsRepoSql.js"
import { MetricsRepo, type Service } from "../../src/services/MetricsRepo.js"
import * as MockAiProvider from "../../src/testing/MockAiProvider.js"
import { tempDir } from "../support/tmp.js"

const T0 = Date.UTC(2025, 2, 10, 12)

const rec = (over: Partial<Metrics.AttemptRecord> = {}): Metrics.AttemptRecord => ({
  at: T0,
  provider: "openai",
  model: "gpt-4o-mini",
  operation: "generate",
  latencyMs: 100,
  outcome: "success",
  inputTokens: 10,
  outputTokens: 5,
  costUsd: 0.001,
  fallback: false,
  cached: false,
  attempt: 1,
  ...over
})

const layerFor = (filename: string, options?: MetricsRepoSql.Options) =>
  MetricsRepoSql.layer(options).pipe(Layer.provideMerge(Database.layer({ filename })))

/** Opens the repository on a file for the length of `f`; closing it flushes the writer. */
const withRepo = <A, E>(filename: string, f: (repo: Service, sql: SqlClient.SqlClient) => Effect.Effect<A, E>, options?: MetricsRepoSql.Options) =>
  Effect.scoped(
    Effect.flatMap(Effect.zip(MetricsRepo, SqlClient.SqlClient), ([repo, sql]) => f(repo, sql)).pipe(
      Effect.provide(layerFor(filename, options))
    )
  )

const rowCount = (filename: string) =>
  Effect.scoped(Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT COUNT(*) AS n FROM ai_metrics`).pipe(
    Effect.provide(Database.layer({ filename }))
  )).pipe(Effect.map((rows) => rows[0]?.n))

const shuffle = <A>(xs: ReadonlyArray<A>): Array<A> => {
  // a fixed permutation, so the test does not depend on insertion order
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 7 + 3) % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

describe("MetricsRepo summary", () => {
  it.scoped("aggregates known data: totals, success rate, exact p50/p95, errors, tokens, cost", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          const successes = Array.from({ length: 20 }, (_, i) => rec({ latencyMs: (i + 1) * 10, at: T0 + i }))
          const others = [
            rec({ cached: true, latencyMs: 1, costUsd: 0 }),
            rec({ outcome: "RateLimited", latencyMs: 30, costUsd: undefined, inputTokens: 0, outputTokens: 0, attempt: 2 }),
            rec({ outcome: "RateLimited", latencyMs: 40, costUsd: undefined, inputTokens: 0, outputTokens: 0, attempt: 3 }),
            rec({ outcome: "Timeout", latencyMs: 60_000, costUsd: 0, inputTokens: 0, outputTokens: 0, fallback: true }),
            rec({ provider: "gemini", model: "gemini-2.0-flash", latencyMs: 7, operation: "explain", timeToFirstTokenMs: 3 }),
            rec({ operation: "explain", timeToFirstTokenMs: 50, latencyMs: 500 }),
            rec({ operation: "explain", timeToFirstTokenMs: 70, latencyMs: 700, at: T0 + 86_400_000 })
          ]
          for (const r of shuffle([...successes, ...others])) yield* repo.record(r)

          // no flush: a query sees every record made before it
          const s = yield* repo.summary({ provider: "openai", operation: "generate" })
          expect(s.requests).toBe(24)
          expect(s.successes).toBe(21)
          expect(s.failures).toBe(3)
          expect(s.successRate).toBeCloseTo(21 / 24, 12)
          expect(s.cached).toBe(1)
          expect(s.fallbacks).toBe(1)
          // provider latency: the 20 non-cached successes 10..200
          expect(s.latency).toEqual({ count: 20, avgMs: 105, p50Ms: 100, p95Ms: 190 })
          expect(s.timeToFirstToken).toEqual({ count: 0, avgMs: null, p50Ms: null, p95Ms: null })
          expect(s.errors).toEqual([{ tag: "RateLimited", count: 2 }, { tag: "Timeout", count: 1 }])
          expect(s.inputTokens).toBe(210)
          expect(s.outputTokens).toBe(105)
          expect(s.costUsd).toBe(0.02)
          expect(s.unknownCostCount).toBe(2)

          const streams = yield* repo.summary({ operation: "explain", provider: "openai" })
          expect(streams.timeToFirstToken).toEqual({ count: 2, avgMs: 60, p50Ms: 50, p95Ms: 70 })
          const oneDay = yield* repo.summary({ operation: "explain", from: T0, to: T0 + 86_400_000 })
          expect(oneDay.requests).toBe(2)
          expect((yield* repo.summary({ model: "gemini-2.0-flash" })).latency.p95Ms).toBe(7)
          expect((yield* repo.summary()).requests).toBe(27)
          const nothing = yield* repo.summary({ provider: "anthropic" })
          expect(nothing).toMatchObject({ requests: 0, successRate: null, costUsd: 0, errors: [] })
          expect(nothing.latency).toEqual({ count: 0, avgMs: null, p50Ms: null, p95Ms: null })
        }))
    }))

  it.scoped("bad filters are typed errors, not defects", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          const e = yield* Effect.flip(repo.summary({ provider: "acme" as never }))
          expect(e).toMatchObject({ reason: "InvalidInput", field: "provider" })
          expect((yield* Effect.flip(repo.costs("week" as never))).reason).toBe("InvalidInput")
          expect((yield* Effect.flip(repo.prune(-1))).reason).toBe("InvalidInput")
          expect((yield* Effect.flip(repo.exportUsage("xml" as never))).reason).toBe("InvalidInput")
          expect((yield* Effect.flip(repo.reset("acme" as never))).field).toBeUndefined()
        }))
    }))
})

describe("MetricsRepo writer", () => {
  it.scoped("writes in batches off the caller's path and loses nothing when the scope closes", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      const n = 1000
      yield* withRepo(file, (repo) => Effect.forEach(Array.from({ length: n }, (_, i) => rec({ at: T0 + i })), repo.record), { maxBatch: 64 })
      // the scope closed right after the last record: the finalizer wrote what was left
      expect(yield* rowCount(file)).toBe(n)

      const stats = yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          yield* Effect.forEach(Array.from({ length: n }, (_, i) => rec({ at: T0 + i })), repo.record)
          yield* repo.flush
          return yield* repo.stats
        }), { maxBatch: 64 })
      expect(stats).toMatchObject({ accepted: n, written: n, queued: 0, dropped: 0, failed: 0, rejected: 0 })
      expect(stats.batches).toBeGreaterThanOrEqual(Math.ceil(n / 64))
      expect(stats.batches).toBeLessThan(n)
      expect(yield* rowCount(file)).toBe(2 * n)
    }))

  it.scoped("a full queue drops its oldest records and counts them; the caller never waits", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      const ats = yield* withRepo(file, (repo, sql) =>
        Effect.gen(function*() {
          // hold the database so the writer blocks on its first batch
          const started = yield* Deferred.make<void>()
          const release = yield* Deferred.make<void>()
          const holder = yield* Effect.fork(sql.withTransaction(Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(release))))
          yield* Deferred.await(started)
          for (let i = 0; i <= 20; i++) yield* repo.record(rec({ at: T0 + i }))
          const during = yield* repo.stats
          expect(during).toMatchObject({ accepted: 21, dropped: 15, queued: 5, written: 0 })
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(holder)
          yield* repo.flush
          expect(yield* repo.stats).toMatchObject({ written: 6, dropped: 15, queued: 0 })
          return (yield* sql<{ at: number }>`SELECT at FROM ai_metrics ORDER BY at`).map((r) => r.at - T0)
        }), { capacity: 5 })
      // the one the writer held, then the newest five
      expect(ats).toEqual([0, 16, 17, 18, 19, 20])
    }))

  it.scoped("a write that keeps failing is retried, then counted; the caller never sees it", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* withRepo(file, (repo, sql) =>
        Effect.gen(function*() {
          yield* sql`DROP TABLE ai_metrics`
          yield* repo.record(rec())
          const flushing = yield* Effect.fork(repo.flush)
          yield* TestClock.adjust("10 seconds")
          yield* Fiber.join(flushing)
          expect(yield* repo.stats).toMatchObject({ accepted: 1, written: 0, failed: 1 })
          const e = yield* Effect.flip(repo.summary())
          expect(e.reason).toBe("Storage")
        }))
    }))

  it.scoped("invalid records are rejected and counted, valid ones kept", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          yield* repo.record(rec({ latencyMs: -5 }))
          yield* repo.record(rec({ model: "not a model name" }))
          yield* repo.record(rec())
          expect((yield* repo.summary()).requests).toBe(1)
          expect(yield* repo.stats).toMatchObject({ accepted: 1, rejected: 2 })
        }))
    }))
})

describe("MetricsRepo reset and retention", () => {
  it.scoped("reset deletes one provider's records or all of them", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          yield* Effect.forEach([rec(), rec(), rec({ provider: "gemini" }), rec({ provider: "ollama" })], repo.record)
          expect(yield* repo.reset("openai")).toBe(2)
          expect((yield* repo.summary()).requests).toBe(2)
          expect((yield* repo.summary({ provider: "gemini" })).requests).toBe(1)
          expect(yield* repo.reset()).toBe(2)
          expect((yield* repo.summary()).requests).toBe(0)
        }))
    }))

  it.scoped("prune drops records older than N days", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* TestClock.setTime(T0)
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          const day = Metrics.DAY_MS
          yield* Effect.forEach([rec({ at: T0 - 40 * day }), rec({ at: T0 - 31 * day }), rec({ at: T0 - 10 * day }), rec({ at: T0 })], repo.record)
          expect(yield* repo.prune(30)).toBe(2)
          expect((yield* repo.summary()).requests).toBe(2)
          expect(yield* repo.prune(30)).toBe(0)
          expect(yield* repo.prune(0)).toBe(1)
        }))
    }))

  it.scoped("retentionDays prunes at start and then daily", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      const day = Metrics.DAY_MS
      yield* TestClock.setTime(T0)
      yield* withRepo(file, (repo) => Effect.forEach([rec({ at: T0 - 40 * day }), rec({ at: T0 - 10 * day }), rec({ at: T0 })], repo.record))
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          expect((yield* repo.summary()).requests).toBe(2)
          yield* TestClock.adjust("19 days")
          expect((yield* repo.summary()).requests).toBe(2)
          yield* TestClock.adjust("2 days")
          expect((yield* repo.summary()).requests).toBe(1)
        }), { retentionDays: 30 })
    }))
})

describe("MetricsRepo costs", () => {
  it.scoped("per session, UTC day and month, by provider and model, unknown costs counted apart", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      const jan31 = Date.UTC(2025, 0, 31)
      // an earlier session left records behind
      yield* TestClock.setTime(jan31 + 1 * 3_600_000)
      yield* withRepo(file, (repo) =>
        Effect.forEach([
          rec({ at: Date.UTC(2024, 11, 31, 23), costUsd: 5 }),
          rec({ at: Date.UTC(2025, 0, 30, 12), costUsd: 1 }),
          rec({ at: jan31 + 3_600_000, costUsd: 0.25, model: "gpt-4o" })
        ], repo.record))
      yield* TestClock.setTime(jan31 + 22 * 3_600_000)
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          yield* Effect.forEach([
            rec({ at: jan31 + 22 * 3_600_000, costUsd: 0.5 }),
            rec({ at: jan31 + 22 * 3_600_000, costUsd: undefined, outcome: "Timeout" }),
            rec({ at: jan31 + 22 * 3_600_000, provider: "anthropic", model: "claude-3-5-haiku", costUsd: 0.125 }),
            rec({ at: Date.UTC(2025, 1, 1, 0, 30), costUsd: 2 })
          ], repo.record)

          const day = yield* repo.costs("day")
          expect(day).toMatchObject({ period: "day", from: jan31, to: Date.UTC(2025, 1, 1), requests: 4, costUsd: 0.875, unknownCostCount: 1 })
          expect(day.byProvider).toEqual([
            { provider: "openai", requests: 3, costUsd: 0.75, unknownCostCount: 1 },
            { provider: "anthropic", requests: 1, costUsd: 0.125, unknownCostCount: 0 }
          ])
          expect(day.byModel).toEqual([
            { provider: "openai", model: "gpt-4o-mini", requests: 2, costUsd: 0.5, unknownCostCount: 1 },
            { provider: "openai", model: "gpt-4o", requests: 1, costUsd: 0.25, unknownCostCount: 0 },
            { provider: "anthropic", model: "claude-3-5-haiku", requests: 1, costUsd: 0.125, unknownCostCount: 0 }
          ])
          const month = yield* repo.costs("month")
          expect(month).toMatchObject({ from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 1, 1), requests: 5, costUsd: 1.875 })
          const session = yield* repo.costs("session")
          expect(session).toMatchObject({ from: jan31 + 22 * 3_600_000, to: null, requests: 4, costUsd: 2.625, unknownCostCount: 1 })

          // two hours later it is February
          yield* TestClock.adjust("2 hours")
          expect(yield* repo.costs("day")).toMatchObject({ from: Date.UTC(2025, 1, 1), requests: 1, costUsd: 2 })
          expect(yield* repo.costs("month")).toMatchObject({ from: Date.UTC(2025, 1, 1), requests: 1, costUsd: 2 })
          // any past period on request
          expect(yield* repo.costs("month", Date.UTC(2024, 11, 15))).toMatchObject({ requests: 1, costUsd: 5 })
        }))
    }))
})

describe("MetricsRepo usage analytics and export", () => {
  const seed = (repo: Service) =>
    Effect.forEach([
      rec({ operation: "generate", costUsd: 0.01, cachedInputTokens: 4, reasoningTokens: 3 }),
      rec({ operation: "generate", costUsd: 0.01, cacheWriteTokens: 6 }),
      rec({ operation: "generate", outcome: "RateLimited", costUsd: undefined }),
      rec({ operation: "generate", cached: true, costUsd: 0 }),
      rec({ operation: "explain", provider: "gemini", model: "gemini-2.0-flash", costUsd: 0.002, reasoningTokens: 2 }),
      rec({ operation: "fix", provider: "gemini", model: "gemini-2.0-flash", costUsd: 0.004 }),
      rec({ operation: "health", provider: "ollama", model: "llama3.1:8b", costUsd: 0 }),
      rec({ operation: "test", provider: "ollama", model: "llama3.1:8b", costUsd: 0 })
    ], repo.record)

  it.scoped("per provider and feature, most used first, time saved with configurable minutes", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* TestClock.setTime(T0 + 1000)
      const report = yield* withRepo(file, (repo) => Effect.zipRight(seed(repo), repo.usage({ minutesPerFeature: { fix: 20 } })), {
        minutesPerFeature: { generate: 6 }
      })
      expect(report.minutesPerFeature).toEqual({ generate: 6, explain: 3, optimize: 10, fix: 20 })
      expect(report.byProvider).toEqual([
        { provider: "openai", feature: "generate", uses: 3, attempts: 4, failures: 1, repairs: 0, cached: 1, inputTokens: 40, outputTokens: 20, cachedInputTokens: 4, cacheWriteTokens: 6, reasoningTokens: 3, costUsd: 0.02, unknownCostCount: 1, minutesSaved: 18 },
        { provider: "gemini", feature: "explain", uses: 1, attempts: 1, failures: 0, repairs: 0, cached: 0, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 2, costUsd: 0.002, unknownCostCount: 0, minutesSaved: 3 },
        { provider: "gemini", feature: "fix", uses: 1, attempts: 1, failures: 0, repairs: 0, cached: 0, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.004, unknownCostCount: 0, minutesSaved: 20 }
      ])
      expect(report.features.map((f) => [f.feature, f.uses])).toEqual([["generate", 3], ["explain", 1], ["fix", 1], ["optimize", 0]])
      expect(report.totals).toMatchObject({ uses: 5, attempts: 6, minutesSaved: 41, costUsd: 0.026, cachedInputTokens: 4, cacheWriteTokens: 6, reasoningTokens: 5 })
      expect(report).toMatchObject({ from: null, to: null, generatedAt: T0 + 1000 })
    }))

  it.scoped("a repair round is an attempt and a repair, not a second use", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      const report = yield* withRepo(file, (repo) =>
        Effect.zipRight(
          Effect.forEach([
            rec({ operation: "generate", costUsd: 0.01 }),
            rec({ operation: "generate", costUsd: 0.01, repair: true, attempt: 2 }),
            rec({ operation: "generate", outcome: "Timeout", repair: true, attempt: 2, costUsd: undefined })
          ], repo.record),
          repo.usage()
        ))
      expect(report.byProvider).toMatchObject([{ feature: "generate", uses: 1, attempts: 3, failures: 1, repairs: 2, costUsd: 0.02 }])
      expect(report.totals).toMatchObject({ uses: 1, attempts: 3, failures: 1, repairs: 2 })
    }))

  it.scoped("exports CSV and JSON", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* TestClock.setTime(T0 + 1000)
      const [csv, json, ranged] = yield* withRepo(file, (repo) =>
        Effect.zipRight(seed(repo), Effect.all([repo.exportUsage("csv"), repo.exportUsage("json"), repo.exportUsage("csv", { from: T0 + 1 })])))
      expect(csv).toBe(
        "provider,feature,uses,attempts,failures,repairs,cached,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,reasoning_tokens,cost_usd,unknown_cost_count,minutes_saved\r\n" +
          "openai,generate,3,4,1,0,1,40,20,4,6,3,0.02,1,15\r\n" +
          "gemini,explain,1,1,0,0,0,10,5,0,0,2,0.002,0,3\r\n" +
          "gemini,fix,1,1,0,0,0,10,5,0,0,0,0.004,0,5\r\n"
      )
      expect(ranged).toBe("provider,feature,uses,attempts,failures,repairs,cached,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,reasoning_tokens,cost_usd,unknown_cost_count,minutes_saved\r\n")
      const decoded = Schema.decodeUnknownSync(Metrics.UsageReport)(JSON.parse(json))
      expect(decoded.totals).toMatchObject({ cachedInputTokens: 4, cacheWriteTokens: 6, reasoningTokens: 5 })
      expect(decoded.totals.uses).toBe(5)
      expect(decoded.features[0]).toEqual({ feature: "generate", uses: 3, share: 0.6, minutesSaved: 15 })
      expect(decoded.generatedAt).toBe(T0 + 1000)
    }))
})

describe("MetricsRepo privacy", () => {
  it.scoped("no prompt, SQL or schema text reaches the database file or its WAL", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      const canaries = {
        prompt: "ZEBRAQUOKKA_PROMPT_4417",
        sql: "PLATYPUS_SQL_9931",
        schema: "wombat_schema_2288",
        error: "NARWHAL_ERROR_5150"
      }
      const model = "canary-model-7F3A"
      const mock = MockAiProvider.make({ provider: "openai", model })
      const prompt = `list the customers who ordered ${canaries.prompt} last week`
      const badSql = `SELECT * FROM ${canaries.sql}`
      const task = SqlTask.generate({
        prompt,
        schema: { tables: { [canaries.schema]: { columns: [{ name: "id", type: "integer" }], sample_data: [] } } } as never,
        dialect: "postgresql"
      })
      const fix = SqlTask.fix({ sql: badSql, errorMessage: "no such table", dialect: "postgresql" })
      const scan = () => {
        const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => Fs.existsSync(f)).map((f) => Fs.readFileSync(f)))
        return (needle: string) => bytes.includes(Buffer.from(needle, "utf8")) || bytes.includes(Buffer.from(needle, "utf16le"))
      }

      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          const answer = yield* mock.service.run(task)
          const described = Metrics.describeTask(task)
          yield* repo.record({
            at: T0,
            provider: answer.meta.provider,
            model: answer.meta.model,
            operation: described.operation,
            promptChars: described.promptChars,
            latencyMs: answer.meta.latencyMs,
            outcome: Metrics.outcomeOf(),
            inputTokens: answer.meta.usage.inputTokens,
            outputTokens: answer.meta.usage.outputTokens,
            costUsd: 0.0001,
            fallback: false,
            cached: false,
            attempt: 1
          })
          const failure = new AiError.InvalidRequest({ provider: "openai", message: `${canaries.error}: bad SQL ${badSql}` })
          yield* repo.record(rec({ model, operation: "fix", outcome: Metrics.outcomeOf(failure), promptChars: Metrics.describeTask(fix).promptChars }))
          // a caller passing text where an identifier belongs is refused, not stored
          yield* repo.record(rec({ model: prompt }))
          yield* repo.record(rec({ model, requestId: `${canaries.sql} ${canaries.prompt}` }))
          yield* repo.flush
          expect(yield* repo.stats).toMatchObject({ written: 2, rejected: 2 })
          expect(mock.calls.some((c) => c.user.includes(canaries.prompt) && c.user.includes(canaries.schema))).toBe(true)

          const found = scan()
          expect(found(model)).toBe(true) // the scan does see what is stored
          for (const needle of Object.values(canaries)) expect(found(needle), needle).toBe(false)
          yield* repo.exportUsage("json").pipe(Effect.map((json) => expect(json).not.toContain(canaries.prompt)))
        }))
      const after = scan()
      expect(after(model)).toBe(true)
      for (const needle of Object.values(canaries)) expect(after(needle), needle).toBe(false)
    }))
})

describe("MetricsRepo timeline", () => {
  const HOUR = 3_600_000
  const DAY = Metrics.DAY_MS
  // openai's provider latencies in the 12:00 bucket: 10, 20 ... 200 ms
  const latencies = Array.from({ length: 20 }, (_, i) => (i + 1) * 10)
  const seed = (repo: Service) =>
    Effect.forEach(shuffle([
      ...latencies.map((latencyMs, i) => rec({ latencyMs, at: T0 + i * 60_000 })),
      // counted as requests, not in the latencies: a cache hit and a failure
      rec({ at: T0 + 1, cached: true, latencyMs: 1, costUsd: 0 }),
      rec({ at: T0 + 2, outcome: "RateLimited", latencyMs: 5_000, costUsd: undefined, inputTokens: 0, outputTokens: 0 }),
      rec({ at: T0 + 30 * 60_000, provider: "gemini", model: "gemini-2.0-flash", operation: "explain", latencyMs: 9 }),
      rec({ at: T0 + 31 * 60_000, provider: "gemini", model: "gemini-2.0-flash", operation: "explain", latencyMs: 7 }),
      rec({ at: T0 + HOUR + 5 * 60_000, operation: "fix", latencyMs: 300 }),
      rec({ at: T0 + 2 * HOUR, provider: "anthropic", model: "claude-3-5-haiku", outcome: "Timeout", costUsd: undefined }),
      rec({ at: T0 + 2 * HOUR + 1, provider: "anthropic", model: "claude-3-5-haiku", outcome: "Overloaded", costUsd: 0.5 }),
      rec({ at: T0 - 1, operation: "optimize", latencyMs: 250 }),
      // not features: never in a timeline
      rec({ at: T0, provider: "ollama", model: "llama3.1:8b", operation: "health" }),
      rec({ at: T0 + 3, operation: "test", latencyMs: 1 })
    ]), repo.record)

  it.scoped("hour and day buckets per provider, exact nearest-rank percentiles, only the four features", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* TestClock.setTime(T0 + 3 * HOUR)
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          yield* seed(repo)
          const hours = yield* repo.timeline({ from: T0, to: T0 + 3 * HOUR })
          expect(hours).toMatchObject({ from: T0, to: T0 + 3 * HOUR, bucket: "hour" })
          expect(hours.points).toEqual([
            {
              at: T0,
              provider: "openai",
              requests: 22,
              successes: 21,
              failures: 1,
              latencyP50Ms: 100,
              latencyP95Ms: 190,
              inputTokens: 210,
              outputTokens: 105,
              costUsd: 0.02,
              unknownCostCount: 1
            },
            { at: T0, provider: "gemini", requests: 2, successes: 2, failures: 0, latencyP50Ms: 7, latencyP95Ms: 9, inputTokens: 20, outputTokens: 10, costUsd: 0.002, unknownCostCount: 0 },
            { at: T0 + HOUR, provider: "openai", requests: 1, successes: 1, failures: 0, latencyP50Ms: 300, latencyP95Ms: 300, inputTokens: 10, outputTokens: 5, costUsd: 0.001, unknownCostCount: 0 },
            { at: T0 + 2 * HOUR, provider: "anthropic", requests: 2, successes: 0, failures: 2, latencyP50Ms: null, latencyP95Ms: null, inputTokens: 20, outputTokens: 10, costUsd: 0.5, unknownCostCount: 1 }
          ])
          expect(hours.points[0]!.latencyP50Ms).toBe(Metrics.percentile(latencies, 0.5))
          expect(hours.points[0]!.latencyP95Ms).toBe(Metrics.percentile(latencies, 0.95))
          expect(Schema.is(Metrics.Timeline)(hours)).toBe(true)

          // One UTC day: the 11:00 record joins openai's, which now has 22 latencies.
          const days = yield* repo.timeline({ from: T0 - HOUR, to: T0 + 3 * HOUR, bucket: "day" })
          const midnight = Date.UTC(2025, 2, 10)
          expect(days.points.map((p) => [p.at, p.provider, p.requests])).toEqual([[midnight, "openai", 24], [midnight, "anthropic", 2], [midnight, "gemini", 2]])
          const openaiDay = [...latencies, 250, 300]
          expect(days.points[0]).toMatchObject({ latencyP50Ms: 110, latencyP95Ms: 250 })
          expect(days.points[0]!.latencyP95Ms).toBe(Metrics.percentile(openaiDay, 0.95))

          // one provider; `from` inclusive, `to` exclusive
          expect((yield* repo.timeline({ from: T0, to: T0 + 3 * HOUR, provider: "gemini" })).points.map((p) => p.provider)).toEqual(["gemini"])
          expect((yield* repo.timeline({ from: T0 + HOUR + 5 * 60_000, to: T0 + 2 * HOUR })).points.map((p) => [p.at, p.provider])).toEqual([[T0 + HOUR, "openai"]])
          expect((yield* repo.timeline({ from: T0 - HOUR, to: T0 })).points.map((p) => [p.at, p.requests])).toEqual([[T0 - HOUR, 1]])
          expect((yield* repo.timeline({ from: T0, to: T0 + 3 * HOUR, provider: "ollama" })).points).toEqual([])
        }))
    }))

  it.scoped("defaults: the 7 days up to now in days; a range of up to 2 days in hours", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      const now = T0 + 3 * HOUR
      yield* TestClock.setTime(now)
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          yield* seed(repo)
          // 8 days ago: outside the default range
          yield* repo.record(rec({ at: now - 8 * DAY }))
          const week = yield* repo.timeline()
          expect(week).toMatchObject({ from: now - 7 * DAY, to: now, bucket: "day" })
          expect(week.points.map((p) => [p.at, p.provider])).toEqual([
            [Date.UTC(2025, 2, 10), "openai"],
            [Date.UTC(2025, 2, 10), "anthropic"],
            [Date.UTC(2025, 2, 10), "gemini"]
          ])
          expect((yield* repo.timeline({ from: now - 2 * DAY })).bucket).toBe("hour")
          expect((yield* repo.timeline({ from: now - 2 * DAY - 1 })).bucket).toBe("day")
          expect((yield* repo.timeline({ from: now - 2 * DAY, bucket: "day" })).bucket).toBe("day")
          // the clock moves on: so does the default range
          yield* TestClock.adjust("8 days")
          expect((yield* repo.timeline()).points).toEqual([])
        }))
    }))

  it.scoped("refuses an empty range, more than 2,000 buckets and bad options, naming the field", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* TestClock.setTime(T0)
      yield* withRepo(file, (repo) =>
        Effect.gen(function*() {
          const refused = (options: Metrics.TimelineOptions) => Effect.flip(repo.timeline(options))
          expect(yield* refused({ from: T0, to: T0 })).toMatchObject({ reason: "InvalidInput", field: "to", message: "Invalid timeline options: to must be after from" })
          expect(yield* refused({ from: T0 + 1, to: T0 })).toMatchObject({ field: "to" })
          expect(yield* refused({ from: T0 })).toMatchObject({ field: "from", message: "Invalid timeline options: from must be before now" })
          // T0 is on the hour: 2,000 hours are 2,000 buckets, one more millisecond starts another
          expect((yield* repo.timeline({ from: T0 - 2_000 * HOUR, to: T0, bucket: "hour" })).bucket).toBe("hour")
          expect(yield* refused({ from: T0 - 2_000 * HOUR - 1, to: T0, bucket: "hour" })).toMatchObject({
            field: "from",
            message: "Invalid timeline options: from is too early: the range spans 2,001 hours, the most is 2,000 (use a later from or day buckets)"
          })
          // the same range by default is drawn in days
          expect((yield* repo.timeline({ from: T0 - 2_000 * HOUR - 1, to: T0 })).bucket).toBe("day")
          expect(yield* refused({ from: 0, to: T0 })).toMatchObject({ field: "from", message: expect.stringMatching(/spans 20,158 days, the most is 2,000/) })
          expect(yield* refused({ bucket: "week" as never })).toMatchObject({ reason: "InvalidInput", field: "bucket" })
          expect(yield* refused({ provider: "acme" as never })).toMatchObject({ reason: "InvalidInput", field: "provider" })
          expect(yield* refused({ from: -1 })).toMatchObject({ reason: "InvalidInput", field: "from" })
          expect(yield* refused({ to: 1.5 })).toMatchObject({ reason: "InvalidInput", field: "to" })
        }))
    }))
})
