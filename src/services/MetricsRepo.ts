/**
 * The metrics repository: every provider attempt is recorded off the request path (queued,
 * written in batches by a background fiber) and summarized on demand: success rates, latency
 * percentiles, errors, tokens, costs per period, usage over time, usage analytics and their
 * export.
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type * as Metrics from "../domain/Metrics.js"
import type { ProviderId } from "../domain/ProviderId.js"

/**
 * The writer's counters since the repository started. `dropped` records were pushed out of a
 * full queue (the oldest go first), `rejected` ones were not valid records, `failed` ones could
 * not be written after retries.
 *
 * @since 0.1.0
 * @category Models
 */
export interface WriterStats {
  readonly accepted: number
  readonly written: number
  readonly batches: number
  readonly queued: number
  readonly dropped: number
  readonly rejected: number
  readonly failed: number
}

/**
 * The repository.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /**
   * Queues a record and returns at once; it never fails the caller. A record that is not valid
   * is counted as rejected; when the queue is full the oldest queued record is dropped and counted.
   */
  readonly record: (record: Metrics.AttemptRecord) => Effect.Effect<void>
  /** Waits until every record queued before the call is written (or given up on). */
  readonly flush: Effect.Effect<void>
  /** What the attempts matching the filter add up to. Queries see every record made before them. */
  readonly summary: (filter?: Metrics.SummaryFilter) => Effect.Effect<Metrics.Summary, Metrics.MetricsError>
  /** Costs of the period containing `now` (default: the clock's time), per provider and model. */
  readonly costs: (period: Metrics.CostPeriod, now?: number) => Effect.Effect<Metrics.CostReport, Metrics.MetricsError>
  /**
   * Requests, successes, latency percentiles, tokens and cost per UTC hour or day and provider
   * (the four features only), for a usage panel's charts. The range is refused when it is empty
   * or spans more than `Metrics.TIMELINE_MAX_BUCKETS` buckets.
   */
  readonly timeline: (options?: Metrics.TimelineOptions) => Effect.Effect<Metrics.Timeline, Metrics.MetricsError>
  /** Usage analytics in a time range. */
  readonly usage: (options?: Metrics.UsageOptions) => Effect.Effect<Metrics.UsageReport, Metrics.MetricsError>
  /** The usage report as CSV or JSON text. */
  readonly exportUsage: (
    format: Metrics.ExportFormat,
    options?: Metrics.UsageOptions
  ) => Effect.Effect<string, Metrics.MetricsError>
  /** Deletes every record, or one provider's; returns how many. */
  readonly reset: (provider?: ProviderId) => Effect.Effect<number, Metrics.MetricsError>
  /** Deletes records older than the given number of days; returns how many. */
  readonly prune: (olderThanDays: number) => Effect.Effect<number, Metrics.MetricsError>
  readonly stats: Effect.Effect<WriterStats>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class MetricsRepo extends Context.Tag("@db-toolkit/ai/MetricsRepo")<MetricsRepo, Service>() {}
