import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as AiError from "../../src/domain/AiError.js"
import * as Metrics from "../../src/domain/Metrics.js"
import * as SqlTask from "../../src/domain/SqlTask.js"

const valid: Metrics.AttemptRecord = {
  at: 1_700_000_000_000,
  provider: "openai",
  model: "gpt-4o-mini",
  operation: "generate",
  latencyMs: 812.5,
  outcome: "success",
  inputTokens: 120,
  outputTokens: 40,
  fallback: false,
  cached: false,
  attempt: 1
}
const isRecord = Schema.is(Metrics.AttemptRecord)

describe("percentile (nearest rank)", () => {
  it("picks exact values of known data", () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(Metrics.percentile(ten, 0.5)).toBe(5)
    expect(Metrics.percentile(ten, 0.95)).toBe(10)
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(Metrics.percentile(hundred, 0.5)).toBe(50)
    expect(Metrics.percentile(hundred, 0.95)).toBe(95)
    expect(Metrics.percentile(hundred, 1)).toBe(100)
    expect(Metrics.percentile([42], 0.95)).toBe(42)
    expect(Metrics.percentile([], 0.5)).toBeNull()
  })
  it("indexes stay within the values", () => {
    expect(Metrics.percentileIndex(20, 0.5)).toBe(9)
    expect(Metrics.percentileIndex(20, 0.95)).toBe(18)
    expect(Metrics.percentileIndex(3, 0.01)).toBe(0)
    expect(Metrics.percentileIndex(3, 1)).toBe(2)
  })
})

describe("AttemptRecord", () => {
  it("accepts a record of counts, sizes and tags", () => {
    expect(isRecord(valid)).toBe(true)
    expect(isRecord({ ...valid, costUsd: 0.0004, timeToFirstTokenMs: 90, requestId: "req_abc-123", promptChars: 57 })).toBe(true)
    expect(isRecord({ ...valid, model: "@cf/meta/llama-3.1-8b-instruct", outcome: "RateLimited" })).toBe(true)
  })
  it("has no room for text: free-form fields are short identifiers", () => {
    expect(isRecord({ ...valid, model: "SELECT * FROM users" })).toBe(false)
    expect(isRecord({ ...valid, outcome: "Timeout: SELECT 1 took too long" })).toBe(false)
    expect(isRecord({ ...valid, requestId: "find all customers" })).toBe(false)
    expect(isRecord({ ...valid, model: "x".repeat(257) })).toBe(false)
  })
  it("rejects impossible numbers", () => {
    expect(isRecord({ ...valid, latencyMs: -1 })).toBe(false)
    expect(isRecord({ ...valid, latencyMs: Number.NaN })).toBe(false)
    expect(isRecord({ ...valid, costUsd: Number.POSITIVE_INFINITY })).toBe(false)
    expect(isRecord({ ...valid, inputTokens: 1.5 })).toBe(false)
    expect(isRecord({ ...valid, attempt: 0 })).toBe(false)
    expect(isRecord({ ...valid, operation: "chat" })).toBe(false)
  })
})

describe("what a record may say about a request", () => {
  it("outcomeOf keeps the tag, never the message", () => {
    const error = new AiError.InvalidRequest({ provider: "openai", message: "near \"SELEC\": syntax error in SELEC * FROM t" })
    expect(Metrics.outcomeOf(error)).toBe("InvalidRequest")
    expect(Metrics.outcomeOf()).toBe("success")
  })
  it("describeTask gives the operation and a size", () => {
    expect(Metrics.describeTask(SqlTask.generate({ prompt: "list orders", dialect: "generic" }))).toEqual({ operation: "generate", promptChars: 11 })
    expect(Metrics.describeTask(SqlTask.explain({ sql: "SELECT 1", dialect: "generic" }))).toEqual({ operation: "explain", promptChars: 8 })
    expect(Metrics.describeTask(SqlTask.optimize({ sql: "SELECT 1", executionPlan: "Seq Scan", dialect: "generic" }))).toEqual({ operation: "optimize", promptChars: 16 })
    expect(Metrics.describeTask(SqlTask.fix({ sql: "SELEC 1", errorMessage: "syntax", dialect: "generic" }))).toEqual({ operation: "fix", promptChars: 13 })
  })
})

describe("calendarRange (UTC)", () => {
  it("days start at midnight UTC", () => {
    const now = Date.UTC(2025, 0, 31, 23, 59, 59, 999)
    expect(Metrics.calendarRange("day", now)).toEqual({ from: Date.UTC(2025, 0, 31), to: Date.UTC(2025, 1, 1) })
  })
  it("months have their own lengths and roll over the year", () => {
    expect(Metrics.calendarRange("month", Date.UTC(2024, 1, 29, 12))).toEqual({ from: Date.UTC(2024, 1, 1), to: Date.UTC(2024, 2, 1) })
    expect(Metrics.calendarRange("month", Date.UTC(2024, 11, 31, 23))).toEqual({ from: Date.UTC(2024, 11, 1), to: Date.UTC(2025, 0, 1) })
  })
})

describe("queries", () => {
  it.effect("a bad filter is a typed error naming the field", () =>
    Effect.gen(function*() {
      const decode = Metrics.decodeQuery(Metrics.SummaryFilter, "summary filter")
      const bad = yield* Effect.flip(decode({ provider: "acme" }))
      expect(bad).toMatchObject({ _tag: "MetricsError", reason: "InvalidInput", field: "provider" })
      const backwards = yield* Effect.flip(decode({ from: 10, to: 5 }))
      expect(backwards.field).toBe("to")
      expect(backwards.message).toContain("summary filter")
      expect(yield* decode({ provider: "gemini", from: 1, to: 2 })).toEqual({ provider: "gemini", from: 1, to: 2 })
    }))
})

describe("CSV", () => {
  it("quotes what needs quoting and defuses formulas", () => {
    expect(Metrics.toCsv(["a", "b"], [["x,y", "say \"hi\""], ["line\nbreak", 1.5], ["=SUM(A1)", "-1"]])).toBe(
      "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"line\nbreak\",1.5\r\n'=SUM(A1),'-1\r\n"
    )
  })
})

describe("usage report helpers", () => {
  const row = (provider: Metrics.UsageRow["provider"], feature: Metrics.Feature, uses: number): Metrics.UsageRow => ({
    provider,
    feature,
    uses,
    attempts: uses + 2,
    failures: 1,
    repairs: 1,
    cached: 0,
    inputTokens: 10 * uses,
    outputTokens: 5 * uses,
    cachedInputTokens: 2 * uses,
    cacheWriteTokens: uses,
    reasoningTokens: 3 * uses,
    costUsd: 0.1 * uses,
    unknownCostCount: 0,
    minutesSaved: Metrics.defaultMinutesPerFeature[feature] * uses
  })
  const rows = [row("openai", "generate", 3), row("openai", "explain", 1), row("gemini", "explain", 4), row("gemini", "fix", 0)]

  it("ranks features by use, with shares", () => {
    expect(Metrics.rankFeatures(rows)).toEqual([
      { feature: "explain", uses: 5, share: 5 / 8, minutesSaved: 15 },
      { feature: "generate", uses: 3, share: 3 / 8, minutesSaved: 15 },
      { feature: "optimize", uses: 0, share: 0, minutesSaved: 0 },
      { feature: "fix", uses: 0, share: 0, minutesSaved: 0 }
    ])
  })
  it("totals add up (cost without float noise)", () => {
    expect(Metrics.totalUsage(rows)).toEqual({
      uses: 8,
      attempts: 16,
      failures: 4,
      repairs: 4,
      cached: 0,
      inputTokens: 80,
      outputTokens: 40,
      cachedInputTokens: 16,
      cacheWriteTokens: 8,
      reasoningTokens: 24,
      costUsd: 0.8,
      unknownCostCount: 0,
      minutesSaved: 30
    })
  })
})

describe("timelineRange", () => {
  const HOUR = 3_600_000
  const now = Date.UTC(2025, 2, 10, 12, 30)
  const range = (options: Metrics.TimelineOptions) => Metrics.timelineRange(options, now)

  it("defaults to the 7 days up to now, in days; hours for a range of up to 2 days", () => {
    expect(range({})).toEqual(Either.right({ from: now - 7 * Metrics.DAY_MS, to: now, bucket: "day" }))
    expect(range({ from: now - 2 * Metrics.DAY_MS })).toEqual(Either.right({ from: now - 2 * Metrics.DAY_MS, to: now, bucket: "hour" }))
    expect(range({ to: 3 * HOUR })).toEqual(Either.right({ from: 0, to: 3 * HOUR, bucket: "hour" }))
    expect(range({ from: 0, to: 3 * HOUR, bucket: "day" })).toEqual(Either.right({ from: 0, to: 3 * HOUR, bucket: "day" }))
  })

  it("refuses an empty range and more than 2,000 UTC buckets, naming the field", () => {
    const field = (options: Metrics.TimelineOptions) => Either.match(range(options), { onLeft: (e) => e.field, onRight: () => "accepted" })
    expect(field({ from: now, to: now })).toBe("to")
    expect(field({ from: now })).toBe("from")
    expect(field({ to: 0 })).toBe("to")
    // buckets are counted on UTC boundaries: 2,000 hours off the hour touch 2,001 of them
    expect(field({ from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 0, 1) + 2_000 * HOUR, bucket: "hour" })).toBe("accepted")
    expect(field({ from: Date.UTC(2025, 0, 1) + 1, to: Date.UTC(2025, 0, 1) + 2_000 * HOUR + 1, bucket: "hour" })).toBe("from")
    expect(field({ from: 0, to: 2_000 * Metrics.DAY_MS })).toBe("accepted")
    expect(field({ from: 0, to: 2_000 * Metrics.DAY_MS + 1 })).toBe("from")
  })
})

describe("usage export", () => {
  it("names the file by the UTC day", () => {
    expect(Metrics.exportFilename("csv", Date.UTC(2025, 2, 10, 23, 59))).toBe("dbtk-ai-usage-2025-03-10.csv")
    expect(Metrics.exportFilename("json", Date.UTC(2025, 2, 11))).toBe("dbtk-ai-usage-2025-03-11.json")
  })

  it.effect("the request names a bad format or a time no file name can carry", () =>
    Effect.gen(function*() {
      const decode = Metrics.decodeQuery(Metrics.ExportRequest, "export request")
      expect(yield* decode({ format: "json", from: 1, to: 2, extra: true })).toEqual({ format: "json", from: 1, to: 2 })
      expect(yield* Effect.flip(decode({ format: "xml" }))).toMatchObject({ reason: "InvalidInput", field: "format" })
      expect(yield* Effect.flip(decode({}))).toMatchObject({ field: "format" })
      expect(yield* Effect.flip(decode({ format: "csv", to: Date.UTC(10_000, 0, 1) }))).toMatchObject({ field: "to" })
      expect(yield* Effect.flip(decode({ format: "csv", from: 2, to: 1 }))).toMatchObject({ field: "to" })
    }))
})
