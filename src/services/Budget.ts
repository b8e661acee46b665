/**
 * The budget guard: before a request is sent, `check` compares the request's estimate and what
 * was spent today and this month (UTC calendar day and month, from the metrics) with the policy,
 * and stops it with `BudgetExceeded`. When spending first reaches the policy's warning share of
 * a budget in a period, a `BudgetNearLimit` event is published (if `AiEvents` is provided).
 *
 * Spending is read from the metrics repository, which first writes the records still queued, so
 * an attempt recorded before the check is counted. If the metrics cannot be read, the check logs
 * a warning and applies only the per-request maximum: a broken metrics file must not stop every
 * request. The guard on the metrics repository is `BudgetFromMetrics`.
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type * as Rules from "../domain/Budget.js"
import type * as Metrics from "../domain/Metrics.js"

/**
 * The guard.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** Fails with `BudgetExceeded` when the request must not be sent. */
  readonly check: (request: Rules.Request) => Effect.Effect<void, Rules.BudgetExceeded>
  /** Spending against the limits, for a UI. */
  readonly status: Effect.Effect<Rules.BudgetStatus, Metrics.MetricsError>
  readonly policy: Effect.Effect<Rules.BudgetPolicy>
  /** Replaces the policy (for example after the settings changed). */
  readonly setPolicy: (policy: Rules.BudgetPolicy) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class Budget extends Context.Tag("@db-toolkit/ai/Budget")<Budget, Service>() {}
