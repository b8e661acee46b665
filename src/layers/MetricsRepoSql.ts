/**
 * The metrics repository on the library's SQLite database (table `ai_metrics`).
 *
 * Writes stay off the request path: `record` validates and queues; one background fiber takes
 * whatever has accumulated (up to `maxBatch`) and inserts it in one transaction, so batches grow
 * by themselves under load (group commit) and a quiet app writes each record promptly; there is
 * no timer. The queue is bounded: when it is full the oldest queued record is dropped and
 * counted, so a stuck disk costs old records, never memory or the caller's time. A batch that
 * cannot be written is retried three times, then given up on, counted and logged (without
 * content). Closing the scope stops the fiber after its current batch and writes everything
 * left, so a graceful shutdown loses nothing.
 *
 * Queries first wait for the records queued before them, so they see every attempt recorded
 * earlier. Percentiles use the nearest-rank method (`Metrics.percentileIndex`): SQL counts the
 * matching rows, then reads the one value at that rank (`ORDER BY ... LIMIT 1 OFFSET k`), so no
 * latency list is loaded into memory. The timeline's percentiles (per bucket and provider) come
 * from one statement in which a window function ranks the latencies: one row per bucket and
 * provider comes back, and the range is capped at `Metrics.TIMELINE_MAX_BUCKETS` buckets.
 *
 * @since 0.1.0
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Chunk, Clock, Duration, Effect, Fiber, Layer, Queue, Ref, Schedule, Schema, type Scope, Stream, SubscriptionRef } from "effect"
import * as Metrics from "../domain/Metrics.js"
import { ProviderId } from "../domain/ProviderId.js"
import { MetricsRepo, type Service, type WriterStats } from "../services/MetricsRepo.js"

/**
 * Repository options.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Options = Schema.Struct({
  /** The most records waiting to be written; past it the oldest are dropped. */
  capacity: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1_000_000)), { default: () => 10_000 }),
  /** The most records written in one transaction. */
  maxBatch: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1_000)), { default: () => 500 }),
  /** When set, records older than this many days are deleted at start and then once a day. */
  retentionDays: Schema.optional(Schema.Number.pipe(Schema.finite(), Schema.positive())),
  /** Minutes saved per use of each feature, for the usage report (defaults: `Metrics.defaultMinutesPerFeature`). */
  minutesPerFeature: Schema.optional(Schema.partialWith(Metrics.MinutesPerFeature, { exact: true }))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Options = typeof Options.Encoded

const decodeOptions = Metrics.decodeQuery(Options, "metrics options")
const decodeFilter = Metrics.decodeQuery(Metrics.SummaryFilter, "summary filter")
const decodeUsage = Metrics.decodeQuery(Metrics.UsageOptions, "usage options")
const decodeTimeline = Metrics.decodeQuery(Metrics.TimelineOptions, "timeline options")
const decodePeriod = Metrics.decodeQuery(Metrics.CostPeriod, "cost period")
const decodeNow = Metrics.decodeQuery(Schema.UndefinedOr(Schema.NonNegativeInt), "time")
const decodeFormat = Metrics.decodeQuery(Metrics.ExportFormat, "export format")
const decodeProvider = Metrics.decodeQuery(Schema.UndefinedOr(ProviderId), "provider")
const decodeDays = Metrics.decodeQuery(Schema.Number.pipe(Schema.finite(), Schema.nonNegative()), "retention days")
const isRecord = Schema.is(Metrics.AttemptRecord)

const storage = (error: SqlError.SqlError) =>
  new Metrics.MetricsError({ reason: "Storage", message: `The metrics database failed: ${error.message}` })

const toRow = (r: Metrics.AttemptRecord) => ({
  at: r.at,
  provider: r.provider,
  model: r.model,
  operation: r.operation,
  latency_ms: r.latencyMs,
  time_to_first_token_ms: r.timeToFirstTokenMs ?? null,
  outcome: r.outcome,
  input_tokens: r.inputTokens,
  output_tokens: r.outputTokens,
  cached_input_tokens: r.cachedInputTokens ?? 0,
  cache_write_tokens: r.cacheWriteTokens ?? 0,
  reasoning_tokens: r.reasoningTokens ?? 0,
  cost_usd: r.costUsd ?? null,
  fallback: r.fallback ? 1 : 0,
  cached: r.cached ? 1 : 0,
  repair: r.repair ? 1 : 0,
  attempt: r.attempt,
  request_id: r.requestId ?? null,
  prompt_chars: r.promptChars ?? null
})

interface Counters {
  readonly accepted: number
  readonly written: number
  readonly batches: number
  readonly dropped: number
  readonly rejected: number
  readonly failed: number
}

// Every accepted record ends written, dropped or failed.
const settled = (c: Counters) => c.written + c.dropped + c.failed

const retrySchedule = Schedule.exponential(Duration.millis(100)).pipe(Schedule.intersect(Schedule.recurs(3)))

interface CostRow {
  readonly provider: ProviderId
  readonly model: string
  readonly requests: number
  readonly cost: number | null
  readonly unknown: number
}

interface UsageSqlRow {
  readonly provider: ProviderId
  readonly feature: Metrics.Feature
  readonly attempts: number
  readonly uses: number
  readonly failures: number
  readonly repairs: number
  readonly cached: number
  readonly input_tokens: number
  readonly output_tokens: number
  readonly cached_input_tokens: number | null
  readonly cache_write_tokens: number | null
  readonly reasoning_tokens: number | null
  readonly cost: number | null
  readonly unknown: number
}

interface TimelineSqlRow {
  readonly at: number
  readonly provider: ProviderId
  readonly requests: number
  readonly successes: number
  readonly input_tokens: number
  readonly output_tokens: number
  readonly cost: number | null
  readonly unknown: number
  readonly p50: number | null
  readonly p95: number | null
}

const byCostThenName = <A extends { readonly costUsd: number; readonly provider: string; readonly model?: string }>(a: A, b: A) =>
  b.costUsd - a.costUsd || a.provider.localeCompare(b.provider) || (a.model ?? "").localeCompare(b.model ?? "")

const LINGER_MS = 2

/**
 * Starts a repository on the `SqlClient` (migrated by `Database.layer`); its writer lives as long
 * as the scope and writes everything queued when the scope closes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Service, Metrics.MetricsError, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* decodeOptions(options)
    const sql = yield* SqlClient.SqlClient
    const startedAt = yield* Clock.currentTimeMillis
    const minutes: Metrics.MinutesPerFeature = { ...Metrics.defaultMinutesPerFeature, ...config.minutesPerFeature }
    const queue = yield* Queue.dropping<Metrics.AttemptRecord>(config.capacity)
    const counters = yield* SubscriptionRef.make<Counters>({ accepted: 0, written: 0, batches: 0, dropped: 0, rejected: 0, failed: 0 })
    const closed = yield* Ref.make(false)
    const count = (f: (c: Counters) => Counters) => SubscriptionRef.update(counters, f)

    // ---- writing -----------------------------------------------------------------------------

    const insert = (batch: ReadonlyArray<Metrics.AttemptRecord>) =>
      sql.withTransaction(sql`INSERT INTO ai_metrics ${sql.insert(batch.map(toRow))}`)

    const persist = (batch: ReadonlyArray<Metrics.AttemptRecord>, retry: boolean): Effect.Effect<void> =>
      (retry ? Effect.retry(insert(batch), retrySchedule) : insert(batch)).pipe(
        Effect.matchEffect({
          onSuccess: () => count((c) => ({ ...c, written: c.written + batch.length, batches: c.batches + 1 })),
          onFailure: (error) =>
            Effect.zipRight(
              Effect.logWarning(`Metrics: ${batch.length} records could not be written and were dropped: ${error.message}`),
              count((c) => ({ ...c, failed: c.failed + batch.length }))
            )
        })
      )

    // Only the wait is interruptible: a batch taken from the queue is always written or counted.
    // After the first record, linger a moment (wall clock, so tests on TestClock are not held) so
    // records from concurrent requests share one transaction instead of one each.
    const linger = Effect.async<void>((resume) => {
      const timer = setTimeout(() => resume(Effect.void), LINGER_MS)
      return Effect.sync(() => clearTimeout(timer))
    })
    const writeNext = Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(Queue.take(queue)), (first) =>
        Effect.flatMap(
          Effect.zipRight(linger, Queue.takeUpTo(queue, config.maxBatch - 1)),
          (rest) => persist([first, ...Chunk.toReadonlyArray(rest)], true)
        ))
    )
    const writer = yield* Effect.forkScoped(Effect.forever(writeNext))

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* Ref.set(closed, true)
        yield* Fiber.interrupt(writer)
        const rest = Chunk.toReadonlyArray(yield* Queue.takeAll(queue))
        // No retries here: a shutdown must not wait on backoff.
        for (let i = 0; i < rest.length; i += config.maxBatch) yield* persist(rest.slice(i, i + config.maxBatch), false)
      })
    )

    const record = (r: Metrics.AttemptRecord): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!isRecord(r)) {
          return Effect.zipRight(
            count((c) => ({ ...c, rejected: c.rejected + 1 })),
            Effect.logDebug("Metrics: an invalid attempt record was rejected")
          )
        }
        // After close nothing can be written any more: the record is counted as dropped.
        return Effect.flatMap(Ref.get(closed), (isClosed) =>
          isClosed ? count((c) => ({ ...c, accepted: c.accepted + 1, dropped: c.dropped + 1 })) : Effect.zipRight(
            count((c) => ({ ...c, accepted: c.accepted + 1 })),
            Effect.flatMap(Queue.offer(queue, r), (ok) => ok ? Effect.void : makeRoom(r))
          ))
      })

    // The queue is full: drop the oldest record to keep the newest.
    const makeRoom = (r: Metrics.AttemptRecord) =>
      Effect.gen(function*() {
        const oldest = yield* Queue.poll(queue)
        const ok = yield* Queue.offer(queue, r)
        const lost = (oldest._tag === "Some" ? 1 : 0) + (ok ? 0 : 1)
        yield* count((c) => ({ ...c, dropped: c.dropped + lost }))
      })

    const flush: Effect.Effect<void> = Effect.gen(function*() {
      if (yield* Ref.get(closed)) return
      const target = (yield* SubscriptionRef.get(counters)).accepted
      yield* counters.changes.pipe(Stream.takeUntil((c) => settled(c) >= target), Stream.runDrain)
    })

    const stats: Effect.Effect<WriterStats> = Effect.zipWith(
      SubscriptionRef.get(counters),
      Queue.size(queue),
      // A waiting writer counts as a negative size.
      (c, size) => ({ ...c, queued: Math.max(0, size) })
    )

    // ---- queries -----------------------------------------------------------------------------

    const query = <A>(self: Effect.Effect<A, SqlError.SqlError>) =>
      Effect.zipRight(flush, sql.withTransaction(self).pipe(Effect.mapError(storage)))

    const where = (f: Metrics.SummaryFilter) =>
      sql.and([
        ...(f.provider === undefined ? [] : [sql`provider = ${f.provider}`]),
        ...(f.model === undefined ? [] : [sql`model = ${f.model}`]),
        ...(f.operation === undefined ? [] : [sql`operation = ${f.operation}`]),
        ...(f.from === undefined ? [] : [sql`at >= ${f.from}`]),
        ...(f.to === undefined ? [] : [sql`at < ${f.to}`])
      ])

    const latencyOf = (column: "latency_ms" | "time_to_first_token_ms", filter: Metrics.SummaryFilter) =>
      Effect.gen(function*() {
        const col = sql(column)
        const cond = sql.and([where(filter), sql`outcome = 'success'`, sql`cached = 0`, sql`${col} IS NOT NULL`])
        const [agg] = yield* sql<{ readonly n: number; readonly avg: number | null }>`
          SELECT COUNT(*) AS n, AVG(${col}) AS avg FROM ai_metrics WHERE ${cond}`
        const n = agg?.n ?? 0
        const at = (p: number) =>
          n === 0 ? Effect.succeed(null) : Effect.map(
            sql<{ readonly v: number }>`SELECT ${col} AS v FROM ai_metrics WHERE ${cond} ORDER BY ${col} LIMIT 1 OFFSET ${Metrics.percentileIndex(n, p)}`,
            (rows) => rows[0]?.v ?? null
          )
        return { count: n, avgMs: agg?.avg ?? null, p50Ms: yield* at(0.5), p95Ms: yield* at(0.95) }
      })

    const summary = (input: Metrics.SummaryFilter = {}) =>
      Effect.flatMap(decodeFilter(input), (filter) =>
        query(Effect.gen(function*() {
          const [t] = yield* sql<{
            readonly requests: number
            readonly successes: number | null
            readonly cached: number | null
            readonly fallbacks: number | null
            readonly input_tokens: number | null
            readonly output_tokens: number | null
            readonly cached_input_tokens: number | null
            readonly cache_write_tokens: number | null
            readonly reasoning_tokens: number | null
            readonly cost: number | null
            readonly unknown: number | null
          }>`SELECT COUNT(*) AS requests, SUM(outcome = 'success') AS successes, SUM(cached) AS cached,
                SUM(fallback) AS fallbacks, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
                SUM(cached_input_tokens) AS cached_input_tokens, SUM(cache_write_tokens) AS cache_write_tokens,
                SUM(reasoning_tokens) AS reasoning_tokens, SUM(cost_usd) AS cost, SUM(cost_usd IS NULL) AS unknown
             FROM ai_metrics WHERE ${where(filter)}`
          const errors = yield* sql<{ readonly tag: string; readonly count: number }>`
            SELECT outcome AS tag, COUNT(*) AS count FROM ai_metrics
            WHERE ${where(filter)} AND outcome <> 'success' GROUP BY outcome ORDER BY count DESC, outcome`
          const requests = t?.requests ?? 0
          const successes = t?.successes ?? 0
          return {
            requests,
            successes,
            failures: requests - successes,
            successRate: requests === 0 ? null : successes / requests,
            cached: t?.cached ?? 0,
            fallbacks: t?.fallbacks ?? 0,
            latency: yield* latencyOf("latency_ms", filter),
            timeToFirstToken: yield* latencyOf("time_to_first_token_ms", filter),
            errors: errors.map((e) => ({ tag: e.tag, count: e.count })),
            inputTokens: t?.input_tokens ?? 0,
            outputTokens: t?.output_tokens ?? 0,
            cachedInputTokens: t?.cached_input_tokens ?? 0,
            cacheWriteTokens: t?.cache_write_tokens ?? 0,
            reasoningTokens: t?.reasoning_tokens ?? 0,
            costUsd: Metrics.roundUsd(t?.cost ?? 0),
            unknownCostCount: t?.unknown ?? 0
          } satisfies Metrics.Summary
        })))

    const costs = (period: Metrics.CostPeriod, now?: number) =>
      Effect.gen(function*() {
        const p = yield* decodePeriod(period)
        const at = yield* decodeNow(now)
        const time = at ?? (yield* Clock.currentTimeMillis)
        const range = p === "session" ? { from: startedAt, to: null } : Metrics.calendarRange(p, time)
        const rows = yield* query(sql<CostRow>`
          SELECT provider, model, COUNT(*) AS requests, SUM(cost_usd) AS cost, SUM(cost_usd IS NULL) AS unknown
          FROM ai_metrics WHERE ${where(range.to === null ? { from: range.from } : range)}
          GROUP BY provider, model`)
        const byModel = rows.map((r) => ({
          provider: r.provider,
          model: r.model,
          requests: r.requests,
          costUsd: Metrics.roundUsd(r.cost ?? 0),
          unknownCostCount: r.unknown
        }))
        const providers = new Map<ProviderId, { requests: number; costUsd: number; unknownCostCount: number }>()
        for (const m of byModel) {
          const p = providers.get(m.provider) ?? { requests: 0, costUsd: 0, unknownCostCount: 0 }
          providers.set(m.provider, {
            requests: p.requests + m.requests,
            costUsd: p.costUsd + m.costUsd,
            unknownCostCount: p.unknownCostCount + m.unknownCostCount
          })
        }
        const byProvider = [...providers].map(([provider, t]) => ({ provider, ...t, costUsd: Metrics.roundUsd(t.costUsd) }))
        return {
          period: p,
          from: range.from,
          to: range.to,
          requests: byModel.reduce((n, m) => n + m.requests, 0),
          costUsd: Metrics.roundUsd(byModel.reduce((n, m) => n + m.costUsd, 0)),
          unknownCostCount: byModel.reduce((n, m) => n + m.unknownCostCount, 0),
          byProvider: byProvider.sort(byCostThenName),
          byModel: byModel.sort(byCostThenName)
        } satisfies Metrics.CostReport
      })

    const usage = (input: Metrics.UsageOptions = {}) =>
      Effect.gen(function*() {
        const opts = yield* decodeUsage(input)
        const perUse: Metrics.MinutesPerFeature = { ...minutes, ...opts.minutesPerFeature }
        const range = { ...(opts.from === undefined ? {} : { from: opts.from }), ...(opts.to === undefined ? {} : { to: opts.to }) }
        const rows = yield* query(sql<UsageSqlRow>`
          SELECT provider, operation AS feature, COUNT(*) AS attempts, SUM(outcome = 'success' AND repair = 0) AS uses,
                 SUM(outcome <> 'success') AS failures, SUM(repair) AS repairs,
                 SUM(cached AND outcome = 'success') AS cached, SUM(input_tokens) AS input_tokens,
                 SUM(output_tokens) AS output_tokens, SUM(cached_input_tokens) AS cached_input_tokens,
                 SUM(cache_write_tokens) AS cache_write_tokens, SUM(reasoning_tokens) AS reasoning_tokens,
                 SUM(cost_usd) AS cost, SUM(cost_usd IS NULL) AS unknown
          FROM ai_metrics WHERE ${where(range)} AND ${sql.in("operation", Metrics.Feature.literals)}
          GROUP BY provider, operation`)
        const order = (r: { readonly provider: ProviderId; readonly feature: Metrics.Feature }) =>
          ProviderId.literals.indexOf(r.provider) * 10 + Metrics.Feature.literals.indexOf(r.feature)
        const byProvider = rows.map((r): Metrics.UsageRow => ({
          provider: r.provider,
          feature: r.feature,
          uses: r.uses,
          attempts: r.attempts,
          failures: r.failures,
          repairs: r.repairs,
          cached: r.cached,
          inputTokens: r.input_tokens,
          outputTokens: r.output_tokens,
          cachedInputTokens: r.cached_input_tokens ?? 0,
          cacheWriteTokens: r.cache_write_tokens ?? 0,
          reasoningTokens: r.reasoning_tokens ?? 0,
          costUsd: Metrics.roundUsd(r.cost ?? 0),
          unknownCostCount: r.unknown,
          minutesSaved: r.uses * perUse[r.feature]
        })).sort((a, b) => order(a) - order(b))
        return {
          from: opts.from ?? null,
          to: opts.to ?? null,
          generatedAt: yield* Clock.currentTimeMillis,
          minutesPerFeature: perUse,
          totals: Metrics.totalUsage(byProvider),
          byProvider,
          features: Metrics.rankFeatures(byProvider)
        } satisfies Metrics.UsageReport
      })

    // One statement: each attempt's bucket, then, among the attempts of a bucket and provider whose
    // latency counts (as in `summary`), the share at or below each one (CUME_DIST); the nearest-rank
    // percentile p is the smallest latency whose share reaches p. SQLite sorts and groups, and only
    // one row per bucket and provider comes back.
    const timeline = (input: Metrics.TimelineOptions = {}) =>
      Effect.gen(function*() {
        const opts = yield* decodeTimeline(input)
        const { bucket, from, to } = yield* Metrics.timelineRange(opts, yield* Clock.currentTimeMillis)
        const size = Metrics.bucketMs[bucket]
        const filter = { from, to, ...(opts.provider === undefined ? {} : { provider: opts.provider }) }
        const rows = yield* query(sql<TimelineSqlRow>`
          WITH attempts AS (
            SELECT at - at % ${size} AS bucket, provider, outcome = 'success' AS ok, outcome = 'success' AND cached = 0 AS timed,
                   latency_ms, input_tokens, output_tokens, cost_usd
            FROM ai_metrics WHERE ${where(filter)} AND ${sql.in("operation", Metrics.Feature.literals)}
          ), ranked AS (
            SELECT *, CUME_DIST() OVER (PARTITION BY bucket, provider, timed ORDER BY latency_ms) AS share FROM attempts
          )
          SELECT bucket AS at, provider, COUNT(*) AS requests, SUM(ok) AS successes, SUM(input_tokens) AS input_tokens,
                 SUM(output_tokens) AS output_tokens, SUM(cost_usd) AS cost, SUM(cost_usd IS NULL) AS unknown,
                 MIN(CASE WHEN timed AND share >= ${0.5} THEN latency_ms END) AS p50,
                 MIN(CASE WHEN timed AND share >= ${0.95} THEN latency_ms END) AS p95
          FROM ranked GROUP BY bucket, provider`)
        const order = (p: Metrics.TimelinePoint) => ProviderId.literals.indexOf(p.provider)
        const points = rows.map((r): Metrics.TimelinePoint => ({
          at: r.at,
          provider: r.provider,
          requests: r.requests,
          successes: r.successes,
          failures: r.requests - r.successes,
          latencyP50Ms: r.p50,
          latencyP95Ms: r.p95,
          inputTokens: r.input_tokens,
          outputTokens: r.output_tokens,
          costUsd: Metrics.roundUsd(r.cost ?? 0),
          unknownCostCount: r.unknown
        })).sort((a, b) => a.at - b.at || order(a) - order(b))
        return { from, to, bucket, points } satisfies Metrics.Timeline
      })

    const exportUsage = (format: Metrics.ExportFormat, input?: Metrics.UsageOptions) =>
      Effect.flatMap(decodeFormat(format), (f) =>
        Effect.map(usage(input), (report) => f === "csv" ? Metrics.usageToCsv(report) : Metrics.usageToJson(report)))

    const deleteWhere = (cond: ReturnType<typeof where>) =>
      query(Effect.zipRight(
        sql`DELETE FROM ai_metrics WHERE ${cond}`,
        Effect.map(sql<{ readonly n: number }>`SELECT changes() AS n`, (rows) => rows[0]?.n ?? 0)
      ))

    const reset = (provider?: ProviderId) =>
      Effect.flatMap(decodeProvider(provider), (p) => deleteWhere(where(p === undefined ? {} : { provider: p })))

    const prune = (olderThanDays: number) =>
      Effect.gen(function*() {
        const days = yield* decodeDays(olderThanDays)
        const now = yield* Clock.currentTimeMillis
        return yield* deleteWhere(sql`at < ${now - days * Metrics.DAY_MS}`)
      })

    if (config.retentionDays !== undefined) {
      const retain = prune(config.retentionDays).pipe(
        Effect.catchAll((e) => Effect.logWarning(`Metrics: old records could not be deleted: ${e.message}`))
      )
      yield* retain
      yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(Duration.days(1)), retain)))
    }

    return MetricsRepo.of({ record, flush, summary, costs, timeline, usage, exportUsage, reset, prune, stats })
  })

/**
 * The repository as a Layer over the database's `SqlClient`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<MetricsRepo, Metrics.MetricsError, SqlClient.SqlClient> =>
  Layer.scoped(MetricsRepo, make(options))
