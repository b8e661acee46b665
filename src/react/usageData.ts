/**
 * The usage panel's numbers: the time range of each choice, and the timeline's points summed per
 * bucket (the charts over time) and per provider.
 *
 * @since 0.1.0
 */
import type { ProviderId } from "../domain/ProviderId.js"
import type { TimelineBucket, TimelinePoint } from "./AiBridge.js"

/**
 * The ranges the panel offers.
 *
 * @since 0.1.0
 * @category Models
 */
export type UsageRange = "24h" | "7d" | "30d"

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * Each range's label, length and bucket.
 *
 * @since 0.1.0
 * @category Constants
 */
export const ranges: ReadonlyArray<{ readonly id: UsageRange; readonly label: string; readonly ms: number; readonly bucket: TimelineBucket }> = [
  { id: "24h", label: "24 h", ms: DAY, bucket: "hour" },
  { id: "7d", label: "7 d", ms: 7 * DAY, bucket: "day" },
  { id: "30d", label: "30 d", ms: 30 * DAY, bucket: "day" }
]

/**
 * What a bucket and a provider's row both count.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Counts {
  readonly requests: number
  readonly successes: number
  readonly failures: number
  readonly successRate: number | null
  readonly inputTokens: number
  readonly outputTokens: number
  readonly costUsd: number
}

/**
 * One bucket over all providers, flat for the charts: totals, and per provider its latency
 * percentiles (`p50:<provider>`, `p95:<provider>`) and cost (`cost:<provider>`). Percentiles of
 * different providers cannot be added up, so they stay per provider.
 *
 * @since 0.1.0
 * @category Models
 */
export interface BucketRow extends Counts {
  readonly at: number
  readonly [perProvider: `${"p50" | "p95" | "cost"}:${string}`]: number | null
}

/**
 * One provider over the whole range.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ProviderRow extends Counts {
  readonly provider: ProviderId
  readonly unknownCostCount: number
}

const rate = (successes: number, requests: number): number | null => (requests === 0 ? null : successes / requests)

/**
 * The providers of the points, in the order they first appear.
 *
 * @since 0.1.0
 * @category Functions
 */
export const providersOf = (points: ReadonlyArray<TimelinePoint>): ReadonlyArray<ProviderId> => [...new Set(points.map((p) => p.provider))]

/**
 * The points summed per bucket, every bucket from the first to the last (an empty one as
 * zeros, so a line does not bridge a quiet hour), oldest first.
 *
 * @since 0.1.0
 * @category Functions
 */
export const byBucket = (points: ReadonlyArray<TimelinePoint>, bucket: TimelineBucket): ReadonlyArray<BucketRow> => {
  if (points.length === 0) return []
  const providers = providersOf(points)
  const step = bucket === "hour" ? HOUR : DAY
  const times = points.map((p) => p.at)
  const first = Math.min(...times)
  const last = Math.max(...times)
  const rows: Array<BucketRow> = []
  for (let at = first; at <= last; at += step) {
    const here = points.filter((p) => p.at === at)
    const sum = (f: (p: TimelinePoint) => number) => here.reduce((n, p) => n + f(p), 0)
    const row: Record<string, number | null> = {
      at,
      requests: sum((p) => p.requests),
      successes: sum((p) => p.successes),
      failures: sum((p) => p.failures),
      inputTokens: sum((p) => p.inputTokens),
      outputTokens: sum((p) => p.outputTokens),
      costUsd: sum((p) => p.costUsd)
    }
    row["successRate"] = rate(row["successes"]!, row["requests"]!)
    for (const provider of providers) {
      const point = here.find((p) => p.provider === provider)
      row[`p50:${provider}`] = point?.latencyP50Ms ?? null
      row[`p95:${provider}`] = point?.latencyP95Ms ?? null
      row[`cost:${provider}`] = point?.costUsd ?? 0
    }
    rows.push(row as unknown as BucketRow)
  }
  return rows
}

/**
 * The points summed per provider, busiest first.
 *
 * @since 0.1.0
 * @category Functions
 */
export const byProvider = (points: ReadonlyArray<TimelinePoint>): ReadonlyArray<ProviderRow> =>
  providersOf(points)
    .map((provider) => {
      const mine = points.filter((p) => p.provider === provider)
      const sum = (f: (p: TimelinePoint) => number) => mine.reduce((n, p) => n + f(p), 0)
      const requests = sum((p) => p.requests)
      const successes = sum((p) => p.successes)
      return {
        provider,
        requests,
        successes,
        failures: sum((p) => p.failures),
        successRate: rate(successes, requests),
        inputTokens: sum((p) => p.inputTokens),
        outputTokens: sum((p) => p.outputTokens),
        costUsd: sum((p) => p.costUsd),
        unknownCostCount: sum((p) => p.unknownCostCount)
      }
    })
    .sort((a, b) => b.requests - a.requests)
