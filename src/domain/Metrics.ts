/**
 * What the library measures about provider calls, and the reports built from it: one record per
 * provider attempt (time, provider, model, operation, latency, outcome, tokens, cost, flags),
 * summaries, costs per period and usage analytics. Records hold only counts, sizes and tags:
 * there is no field a prompt, a SQL statement or a schema could go into, and the free-form ones
 * (`model`, `requestId`, `outcome`) are restricted to short identifiers.
 *
 * @since 0.1.0
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { ProviderId } from "./ProviderId.js"
import type { SqlTask } from "./SqlTask.js"

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

/**
 * What an attempt was for: the four SQL tasks, a connection test, a health check.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Operation = Schema.Literal("generate", "explain", "optimize", "fix", "test", "health")

/**
 * @since 0.1.0
 * @category Models
 */
export type Operation = typeof Operation.Type

/**
 * The operations people use as features (usage analytics count these; tests and health checks
 * are plumbing).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Feature = Schema.Literal("generate", "explain", "optimize", "fix")

/**
 * @since 0.1.0
 * @category Models
 */
export type Feature = typeof Feature.Type

const Amount = Schema.Number.pipe(
  Schema.finite({ message: () => "must be a finite number" }),
  Schema.nonNegative({ message: () => "must not be negative" })
)

// No whitespace or control characters and a bounded length: a model name or a request id fits,
// a sentence of prompt or a SQL statement does not.
const Identifier = Schema.String.pipe(
  Schema.pattern(/^[^\s\p{Cc}]{1,256}$/u, { message: () => "must be an identifier of 1 to 256 characters without spaces" })
)

/**
 * `"success"`, or the `_tag` of the error the attempt ended with.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Outcome = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, { message: () => "must be \"success\" or an error tag" })
)

/**
 * One provider attempt. `costUsd` is left out when the cost is unknown (stored as NULL, never
 * as 0); `promptChars` is a size, never the text.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const AttemptRecord = Schema.Struct({
  /** When the attempt started, epoch milliseconds. */
  at: Schema.NonNegativeInt,
  provider: ProviderId,
  model: Identifier,
  operation: Operation,
  latencyMs: Amount,
  /** For streams: the wait for the first text. */
  timeToFirstTokenMs: Schema.optional(Amount),
  outcome: Outcome,
  inputTokens: Schema.NonNegativeInt,
  outputTokens: Schema.NonNegativeInt,
  /** Of the input, tokens read from the provider's prompt cache (none when left out). */
  cachedInputTokens: Schema.optional(Schema.NonNegativeInt),
  /** Of the input, tokens written to the prompt cache (Anthropic). */
  cacheWriteTokens: Schema.optional(Schema.NonNegativeInt),
  /** Of the output, tokens spent reasoning. */
  reasoningTokens: Schema.optional(Schema.NonNegativeInt),
  costUsd: Schema.optional(Amount),
  /** Whether another provider failed before this one was tried. */
  fallback: Schema.Boolean,
  /** Whether the answer came from a cache rather than the provider. */
  cached: Schema.Boolean,
  /** Whether this attempt was the repair round of an answer whose SQL did not parse. */
  repair: Schema.optional(Schema.Boolean),
  /** 1 for the first try at this provider, 2 for its first retry ... */
  attempt: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1, { message: () => "must be 1 or more" })),
  /** The provider's request id, for support tickets. */
  requestId: Schema.optional(Identifier),
  promptChars: Schema.optional(Schema.NonNegativeInt)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type AttemptRecord = typeof AttemptRecord.Type

/**
 * The outcome to record for an attempt: `"success"`, or the error's tag (never its message,
 * which may quote the request).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const outcomeOf = (error?: { readonly _tag: string } | undefined): string => error === undefined ? "success" : error._tag

const operations: Readonly<Record<SqlTask["_tag"], Operation>> = {
  GenerateSql: "generate",
  ExplainSql: "explain",
  OptimizeSql: "optimize",
  FixSql: "fix"
}

/**
 * The operation of a task and the size of the text the user gave it (prompt or SQL, plus the
 * error message and plan when present): what a record may say about a request.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const describeTask = (task: SqlTask): { readonly operation: Operation; readonly promptChars: number } => {
  switch (task._tag) {
    case "GenerateSql":
      return { operation: operations.GenerateSql, promptChars: task.prompt.length }
    case "ExplainSql":
      return { operation: operations.ExplainSql, promptChars: task.sql.length }
    case "OptimizeSql":
      return { operation: operations.OptimizeSql, promptChars: task.sql.length + (task.executionPlan?.length ?? 0) }
    case "FixSql":
      return { operation: operations.FixSql, promptChars: task.sql.length + task.errorMessage.length }
  }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * A metrics query could not be answered: bad input (`InvalidInput`, `field` names it) or the
 * database failed (`Storage`).
 *
 * @since 0.1.0
 * @category Errors
 */
export class MetricsError extends Schema.TaggedError<MetricsError>("@db-toolkit/ai/MetricsError")("MetricsError", {
  reason: Schema.Literal("InvalidInput", "Storage"),
  field: Schema.optional(Schema.String),
  message: Schema.String
}) {}

const invalidQuery = (what: string, error: ParseResult.ParseError): MetricsError => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  const field = issue?.path.map(String).join(".")
  return new MetricsError({
    reason: "InvalidInput",
    ...(field ? { field } : {}),
    message: `Invalid ${what}${field ? `: ${field}` : ""} ${issue?.message ?? "is not valid"}`
  })
}

/**
 * Decodes a query's input (it may come from JavaScript over IPC), failing with a `MetricsError`
 * that names the first bad field.
 *
 * @since 0.1.0
 * @category Errors
 */
export const decodeQuery = <A, I>(schema: Schema.Schema<A, I>, what: string) => {
  const decode = Schema.decodeUnknown(schema)
  return (input: unknown): Effect.Effect<A, MetricsError> => Effect.mapError(decode(input), (e) => invalidQuery(what, e))
}

// ---------------------------------------------------------------------------
// Queries and reports
// ---------------------------------------------------------------------------

const Millis = Schema.NonNegativeInt
const Count = Schema.NonNegativeInt

const orderedRange = (range: { readonly from?: number | undefined; readonly to?: number | undefined }) =>
  range.from !== undefined && range.to !== undefined && range.to < range.from
    ? { path: ["to"], message: "must not be before from" }
    : undefined

/**
 * Which records a summary covers; all given conditions apply. `from` is inclusive, `to`
 * exclusive, both epoch milliseconds.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const SummaryFilter = Schema.Struct({
  provider: Schema.optional(ProviderId),
  model: Schema.optional(Identifier),
  operation: Schema.optional(Operation),
  from: Schema.optional(Millis),
  to: Schema.optional(Millis)
}).pipe(Schema.filter(orderedRange))

/**
 * @since 0.1.0
 * @category Models
 */
export type SummaryFilter = typeof SummaryFilter.Type

/**
 * Latencies of a set of attempts. `null` when there were none.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const LatencyStats = Schema.Struct({
  count: Count,
  avgMs: Schema.NullOr(Schema.Number),
  p50Ms: Schema.NullOr(Schema.Number),
  p95Ms: Schema.NullOr(Schema.Number)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type LatencyStats = typeof LatencyStats.Type

/**
 * How often an error tag occurred.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ErrorCount = Schema.Struct({ tag: Schema.String, count: Count })

/**
 * What the attempts matching a filter add up to. `latency` covers successful attempts answered
 * by the provider (not cache hits): it is the provider's response time. `costUsd` sums the known
 * costs; `unknownCostCount` counts attempts whose cost was not known.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Summary = Schema.Struct({
  requests: Count,
  successes: Count,
  failures: Count,
  successRate: Schema.NullOr(Schema.Number),
  cached: Count,
  fallbacks: Count,
  latency: LatencyStats,
  timeToFirstToken: LatencyStats,
  errors: Schema.Array(ErrorCount),
  inputTokens: Count,
  outputTokens: Count,
  /** Of the input, tokens read from and written to prompt caches; of the output, reasoning. */
  cachedInputTokens: Count,
  cacheWriteTokens: Count,
  reasoningTokens: Count,
  costUsd: Schema.Number,
  unknownCostCount: Count
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Summary = typeof Summary.Type

/**
 * A cost period: since this process's metrics started (`session`), the calendar day or the
 * calendar month, in UTC.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const CostPeriod = Schema.Literal("session", "day", "month")

/**
 * @since 0.1.0
 * @category Models
 */
export type CostPeriod = typeof CostPeriod.Type

const CostFields = {
  requests: Count,
  costUsd: Schema.Number,
  unknownCostCount: Count
}

/**
 * Costs in a period, in total, per provider and per provider and model.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const CostReport = Schema.Struct({
  period: CostPeriod,
  from: Millis,
  /** Exclusive end; `null` for the session, which is still running. */
  to: Schema.NullOr(Millis),
  ...CostFields,
  byProvider: Schema.Array(Schema.Struct({ provider: ProviderId, ...CostFields })),
  byModel: Schema.Array(Schema.Struct({ provider: ProviderId, model: Schema.String, ...CostFields }))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type CostReport = typeof CostReport.Type

/**
 * Minutes a person saves per successful use of a feature, for the time-saved estimate.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const MinutesPerFeature = Schema.Struct({
  generate: Amount,
  explain: Amount,
  optimize: Amount,
  fix: Amount
})

/**
 * @since 0.1.0
 * @category Models
 */
export type MinutesPerFeature = typeof MinutesPerFeature.Type

/**
 * The default estimate: writing a query by hand 5 minutes, understanding one 3, tuning one 10,
 * fixing one 5.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultMinutesPerFeature: MinutesPerFeature = { generate: 5, explain: 3, optimize: 10, fix: 5 }

/**
 * Options of a usage report: a time range (`from` inclusive, `to` exclusive) and minutes saved
 * per feature (missing ones take the repository's defaults).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const UsageOptions = Schema.Struct({
  from: Schema.optional(Millis),
  to: Schema.optional(Millis),
  minutesPerFeature: Schema.optional(Schema.partialWith(MinutesPerFeature, { exact: true }))
}).pipe(Schema.filter(orderedRange))

/**
 * @since 0.1.0
 * @category Models
 */
export type UsageOptions = typeof UsageOptions.Type

const UsageFields = {
  /** Answered requests: each has exactly one successful attempt that was not a repair round. */
  uses: Count,
  /** Every call made: uses, failures and repair rounds. */
  attempts: Count,
  failures: Count,
  /** Repair rounds: a second call for an answer whose SQL did not parse (not counted as uses). */
  repairs: Count,
  /** Uses served from the cache. */
  cached: Count,
  /** Input tokens, cached ones and cache writes included. */
  inputTokens: Count,
  /** Output tokens, reasoning included. */
  outputTokens: Count,
  /** Of `inputTokens`, read from the provider's prompt cache (billed at its cache rate). */
  cachedInputTokens: Count,
  /** Of `inputTokens`, written to the provider's prompt cache (Anthropic). */
  cacheWriteTokens: Count,
  /** Of `outputTokens`, spent on reasoning or thinking. */
  reasoningTokens: Count,
  costUsd: Schema.Number,
  unknownCostCount: Count,
  minutesSaved: Schema.Number
}

/**
 * One provider's use of one feature.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const UsageRow = Schema.Struct({ provider: ProviderId, feature: Feature, ...UsageFields })

/**
 * @since 0.1.0
 * @category Models
 */
export type UsageRow = typeof UsageRow.Type

/**
 * Usage analytics: per provider and feature, features ranked by use, the time saved estimate.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const UsageReport = Schema.Struct({
  from: Schema.NullOr(Millis),
  to: Schema.NullOr(Millis),
  generatedAt: Millis,
  minutesPerFeature: MinutesPerFeature,
  totals: Schema.Struct(UsageFields),
  byProvider: Schema.Array(UsageRow),
  /** Most used first; `share` is the feature's fraction of all uses. */
  features: Schema.Array(Schema.Struct({ feature: Feature, uses: Count, share: Schema.Number, minutesSaved: Schema.Number }))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type UsageReport = typeof UsageReport.Type

/**
 * The formats a usage report exports to.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ExportFormat = Schema.Literal("csv", "json")

/**
 * @since 0.1.0
 * @category Models
 */
export type ExportFormat = typeof ExportFormat.Type

// The first time a file name cannot carry as YYYY-MM-DD (the year 10000 has five digits).
const YEAR_10000 = Date.UTC(10_000, 0, 1)

/**
 * What the usage export channel takes: the format and the range of the report (`from`
 * inclusive, `to` exclusive; `to` also dates the file name).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ExportRequest = Schema.Struct({
  format: ExportFormat,
  from: Schema.optional(Millis),
  to: Schema.optional(Millis.pipe(Schema.lessThan(YEAR_10000, { message: () => "must be a time before the year 10000" })))
}).pipe(Schema.filter(orderedRange))

/**
 * @since 0.1.0
 * @category Models
 */
export type ExportRequest = typeof ExportRequest.Type

/**
 * The size of a timeline's buckets: UTC hours or UTC days.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TimelineBucket = Schema.Literal("hour", "day")

/**
 * @since 0.1.0
 * @category Models
 */
export type TimelineBucket = typeof TimelineBucket.Type

/**
 * Options of a timeline, all optional: `to` (exclusive) defaults to now, `from` (inclusive) to
 * 7 days before `to`, `bucket` to hours for a range of up to 2 days and days beyond; `provider`
 * keeps one provider's attempts.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TimelineOptions = Schema.Struct({
  from: Schema.optional(Millis),
  to: Schema.optional(Millis),
  bucket: Schema.optional(TimelineBucket),
  provider: Schema.optional(ProviderId)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type TimelineOptions = typeof TimelineOptions.Type

/**
 * One provider's requests (the four features, as in the usage report) in one bucket. `at` is the
 * bucket's start, aligned to the UTC hour or day. Latencies are those of `Summary.latency`
 * (successful attempts the provider answered, not cache hits), nearest-rank; `null` without any.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TimelinePoint = Schema.Struct({
  at: Millis,
  provider: ProviderId,
  requests: Count,
  successes: Count,
  failures: Count,
  latencyP50Ms: Schema.NullOr(Schema.Number),
  latencyP95Ms: Schema.NullOr(Schema.Number),
  inputTokens: Count,
  outputTokens: Count,
  costUsd: Schema.Number,
  unknownCostCount: Count
})

/**
 * @since 0.1.0
 * @category Models
 */
export type TimelinePoint = typeof TimelinePoint.Type

/**
 * Usage over time per provider: the resolved range and bucket, and one point per bucket and
 * provider that has requests (empty buckets are left out), by time, then in provider order.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Timeline = Schema.Struct({
  from: Millis,
  to: Millis,
  bucket: TimelineBucket,
  points: Schema.Array(TimelinePoint)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Timeline = typeof Timeline.Type

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/**
 * Where the `p` percentile (0 < p <= 1) sits in `count` sorted values, by the nearest-rank
 * method: the smallest value with at least `p` of all values at or below it. Always one of the
 * values (never interpolated), so p50 and p95 of known data are exact.
 *
 * @since 0.1.0
 * @category Functions
 */
export const percentileIndex = (count: number, p: number): number =>
  Math.min(count - 1, Math.max(0, Math.ceil(p * count) - 1))

/**
 * The nearest-rank percentile of ascending values; `null` for none.
 *
 * @since 0.1.0
 * @category Functions
 */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number | null =>
  sorted.length === 0 ? null : sorted[percentileIndex(sorted.length, p)] ?? null

const DAY = 86_400_000

/**
 * Milliseconds in a day.
 *
 * @since 0.1.0
 * @category Constants
 */
export const DAY_MS = DAY

/**
 * The UTC calendar day or month containing `now`: `[from, to)`.
 *
 * @since 0.1.0
 * @category Functions
 */
export const calendarRange = (period: "day" | "month", now: number): { readonly from: number; readonly to: number } => {
  if (period === "day") {
    const from = Math.floor(now / DAY) * DAY
    return { from, to: from + DAY }
  }
  const d = new Date(now)
  return { from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) }
}

/**
 * The most buckets a timeline may have (about 83 days of hours, or 5 years of days).
 *
 * @since 0.1.0
 * @category Constants
 */
export const TIMELINE_MAX_BUCKETS = 2_000

/**
 * Milliseconds in a timeline bucket.
 *
 * @since 0.1.0
 * @category Constants
 */
export const bucketMs: Readonly<Record<TimelineBucket, number>> = { hour: 3_600_000, day: DAY }

// A timeline's range when it is not given, and the longest range drawn in hours by default.
const TIMELINE_DEFAULT_MS = 7 * DAY
const HOURLY_UP_TO_MS = 2 * DAY

// The UTC-aligned buckets that [from, to) touches.
const bucketCount = (from: number, to: number, bucket: TimelineBucket): number =>
  Math.floor((to - 1) / bucketMs[bucket]) - Math.floor(from / bucketMs[bucket]) + 1

const invalidTimeline = (field: "from" | "to", reason: string): MetricsError =>
  new MetricsError({ reason: "InvalidInput", field, message: `Invalid timeline options: ${field} ${reason}` })

/**
 * The range and bucket size of a timeline asked for at `now`: the options with their defaults
 * filled in, or an `InvalidInput` error naming the field when the range is empty or spans more
 * than {@link TIMELINE_MAX_BUCKETS} buckets.
 *
 * @since 0.1.0
 * @category Functions
 */
export const timelineRange = (
  options: TimelineOptions,
  now: number
): Either.Either<{ readonly from: number; readonly to: number; readonly bucket: TimelineBucket }, MetricsError> => {
  const to = options.to ?? now
  const from = options.from ?? Math.max(0, to - TIMELINE_DEFAULT_MS)
  if (from >= to) {
    // With `to` left to the clock, it is `from` that is out of place.
    return Either.left(options.to === undefined ? invalidTimeline("from", "must be before now") : invalidTimeline("to", "must be after from"))
  }
  const bucket = options.bucket ?? (to - from <= HOURLY_UP_TO_MS ? "hour" : "day")
  const buckets = bucketCount(from, to, bucket)
  if (buckets > TIMELINE_MAX_BUCKETS) {
    const fix = bucket === "hour" ? "a later from or day buckets" : "a later from"
    return Either.left(invalidTimeline(
      "from",
      `is too early: the range spans ${buckets.toLocaleString("en-US")} ${bucket}s, the most is ${TIMELINE_MAX_BUCKETS.toLocaleString("en-US")} (use ${fix})`
    ))
  }
  return Either.right({ from, to, bucket })
}

/**
 * The file name of a usage export dated by `at` (its UTC day; a time before the year 10000, as
 * {@link ExportRequest} ensures): `dbtk-ai-usage-2025-03-10.csv`.
 *
 * @since 0.1.0
 * @category Functions
 */
export const exportFilename = (format: ExportFormat, at: number): string =>
  `dbtk-ai-usage-${new Date(at).toISOString().slice(0, 10)}.${format}`

/**
 * Rounds an amount of dollars to a billionth, removing the noise of adding binary fractions.
 *
 * @since 0.1.0
 * @category Functions
 */
export const roundUsd = (usd: number): number => Math.round(usd * 1e9) / 1e9

/**
 * Totals the usage rows (the report's `totals`).
 *
 * @since 0.1.0
 * @category Functions
 */
export const totalUsage = (rows: ReadonlyArray<UsageRow>): UsageReport["totals"] => {
  const sum = (f: (r: UsageRow) => number) => rows.reduce((n, r) => n + f(r), 0)
  return {
    uses: sum((r) => r.uses),
    attempts: sum((r) => r.attempts),
    failures: sum((r) => r.failures),
    repairs: sum((r) => r.repairs),
    cached: sum((r) => r.cached),
    inputTokens: sum((r) => r.inputTokens),
    outputTokens: sum((r) => r.outputTokens),
    cachedInputTokens: sum((r) => r.cachedInputTokens),
    cacheWriteTokens: sum((r) => r.cacheWriteTokens),
    reasoningTokens: sum((r) => r.reasoningTokens),
    costUsd: roundUsd(sum((r) => r.costUsd)),
    unknownCostCount: sum((r) => r.unknownCostCount),
    minutesSaved: sum((r) => r.minutesSaved)
  }
}

/**
 * Features ranked by use (ties in the order generate, explain, optimize, fix).
 *
 * @since 0.1.0
 * @category Functions
 */
export const rankFeatures = (rows: ReadonlyArray<UsageRow>): UsageReport["features"] => {
  const total = rows.reduce((n, r) => n + r.uses, 0)
  const ranked = Feature.literals.map((feature) => {
    const mine = rows.filter((r) => r.feature === feature)
    const uses = mine.reduce((n, r) => n + r.uses, 0)
    return { feature, uses, share: total === 0 ? 0 : uses / total, minutesSaved: mine.reduce((n, r) => n + r.minutesSaved, 0) }
  })
  // Array.prototype.sort is stable, so ties keep the listing order.
  return ranked.sort((a, b) => b.uses - a.uses)
}

// A cell a spreadsheet could read as a formula is prefixed with a quote (CSV injection).
const cell = (value: string | number): string => {
  const text = typeof value === "number" ? String(value) : /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, "\"\"")}"` : text
}

/**
 * RFC 4180 CSV: a header line, then one line per row, CRLF line ends.
 *
 * @since 0.1.0
 * @category Functions
 */
export const toCsv = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string =>
  [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n"

/**
 * The columns of a usage CSV export.
 *
 * @since 0.1.0
 * @category Constants
 */
const usageCsvHeader: ReadonlyArray<string> = [
  "provider",
  "feature",
  "uses",
  "attempts",
  "failures",
  "repairs",
  "cached",
  "input_tokens",
  "output_tokens",
  "cached_input_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost_usd",
  "unknown_cost_count",
  "minutes_saved"
]

/**
 * A usage report as CSV: one line per provider and feature.
 *
 * @since 0.1.0
 * @category Functions
 */
export const usageToCsv = (report: UsageReport): string =>
  toCsv(
    usageCsvHeader,
    report.byProvider.map((r) => [
      r.provider,
      r.feature,
      r.uses,
      r.attempts,
      r.failures,
      r.repairs,
      r.cached,
      r.inputTokens,
      r.outputTokens,
      r.cachedInputTokens,
      r.cacheWriteTokens,
      r.reasoningTokens,
      r.costUsd,
      r.unknownCostCount,
      r.minutesSaved
    ])
  )

/**
 * A usage report as pretty-printed JSON (its Schema's encoded form).
 *
 * @since 0.1.0
 * @category Functions
 */
export const usageToJson = (report: UsageReport): string => JSON.stringify(Schema.encodeSync(UsageReport)(report), null, 2)
