/**
 * What the CLI asks the services for when it reports (shared by the commands and the demo):
 * the providers' status once their first health checks are in, and the metrics summary per
 * provider.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import type * as Metrics from "../domain/Metrics.js"
import { ProviderId } from "../domain/ProviderId.js"
import type { AiService, Status } from "../services/AiService.js"
import { MetricsRepo } from "../services/MetricsRepo.js"

/**
 * The status, once every usable provider has had its first health check (or `waitMs` passed).
 *
 * @since 0.1.0
 * @category Reports
 */
export const settledStatus = (ai: AiService["Type"], waitMs: number): Effect.Effect<Status> =>
  Effect.gen(function*() {
    const until = (yield* Clock.currentTimeMillis) + waitMs
    for (;;) {
      const status = yield* ai.status
      const pending = status.providers.some((p) =>
        p.configured && p.enabled && p.problem === undefined && (p.health?.state ?? "unknown") === "unknown"
      )
      if (!pending || (yield* Clock.currentTimeMillis) >= until) return status
      yield* Effect.sleep("50 millis")
    }
  })

/**
 * A provider's summary.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ProviderSummary {
  readonly provider: ProviderId
  readonly summary: Metrics.Summary
}

/**
 * The summaries of the attempts recorded since `from`: one per provider that has any (or the
 * one asked for), and the total. Waits for queued records to be written first.
 *
 * @since 0.1.0
 * @category Reports
 */
export const metricsSummary = (
  options: { readonly provider?: ProviderId | undefined; readonly from?: number | undefined } = {}
): Effect.Effect<{ readonly rows: ReadonlyArray<ProviderSummary>; readonly total: Metrics.Summary }, Metrics.MetricsError, MetricsRepo> =>
  Effect.gen(function*() {
    const repo = yield* MetricsRepo
    yield* repo.flush
    const from = options.from !== undefined ? { from: options.from } : {}
    const rows: Array<ProviderSummary> = []
    for (const provider of options.provider !== undefined ? [options.provider] : ProviderId.literals) {
      const summary = yield* repo.summary({ provider, ...from })
      if (summary.requests > 0 || options.provider !== undefined) rows.push({ provider, summary })
    }
    return { rows, total: yield* repo.summary(from) }
  })
