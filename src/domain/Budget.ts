/**
 * Spending limits: a maximum per request and budgets per day and per month (calendar day and
 * month in UTC), checked before a request is sent. The rules are pure functions of the policy,
 * what was spent and the request's estimate; the `Budget` service feeds them from the metrics.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ProviderId } from "./ProviderId.js"

const Usd = Schema.Number.pipe(
  Schema.finite({ message: () => "must be a finite amount of US dollars" }),
  Schema.nonNegative({ message: () => "must not be negative" }),
  Schema.lessThanOrEqualTo(1_000_000, { message: () => "must be at most 1000000 US dollars" })
)

/**
 * The limits; a missing one does not apply. `warnAtFraction` is the share of a daily or monthly
 * budget from which it counts as nearly used up.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const BudgetPolicy = Schema.Struct({
  perRequestMaxUsd: Schema.optional(Usd),
  dailyUsd: Schema.optional(Usd),
  monthlyUsd: Schema.optional(Usd),
  warnAtFraction: Schema.optionalWith(
    Schema.Number.pipe(Schema.between(0, 1, { message: () => "must be a fraction from 0 to 1" })),
    { default: () => 0.8 }
  )
})

/**
 * @since 0.1.0
 * @category Models
 */
export type BudgetPolicy = typeof BudgetPolicy.Type

/**
 * Which limit: the per-request maximum, the daily or the monthly budget.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const LimitKind = Schema.Literal("perRequest", "daily", "monthly")

/**
 * @since 0.1.0
 * @category Models
 */
export type LimitKind = typeof LimitKind.Type

/**
 * A request was stopped before anything was sent because it would break a limit. `spentUsd` is
 * what the period had already cost (0 for the per-request limit); `estimateUsd` the request's
 * estimated maximum, when known.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BudgetExceeded extends Schema.TaggedError<BudgetExceeded>("@db-toolkit/ai/BudgetExceeded")("BudgetExceeded", {
  kind: LimitKind,
  limitUsd: Schema.Number,
  spentUsd: Schema.Number,
  estimateUsd: Schema.optional(Schema.Number),
  provider: Schema.optional(ProviderId),
  model: Schema.optional(Schema.String),
  message: Schema.String
}) {}

/**
 * What was spent in the current day and month, and how many attempts had no known cost.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Spend {
  readonly dayUsd: number
  readonly monthUsd: number
  readonly dayUnknownCount: number
  readonly monthUnknownCount: number
}

/**
 * A request about to be sent.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Request {
  readonly provider: ProviderId
  readonly model: string
  /** The most the request may cost; undefined when it cannot be estimated. */
  readonly estimateMaxUsd?: number | undefined
}

/**
 * An amount as people read it: cents, or four decimals below a cent.
 *
 * @since 0.1.0
 * @category Functions
 */
const formatUsd = (usd: number): string => `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`

const periodName = { daily: "daily", monthly: "monthly" } as const
const periodSpan = { daily: "today", monthly: "this month" } as const

/**
 * The first limit the request would break, or `undefined`. An unknown estimate does not break
 * the per-request maximum; for the budgets it counts as 0, so a request is stopped once the
 * known spending has reached the budget, and a known estimate stops it when spending plus the
 * estimate would go over.
 *
 * @since 0.1.0
 * @category Functions
 */
export const evaluate = (policy: BudgetPolicy, spend: Spend, request: Request): BudgetExceeded | undefined => {
  const estimate = request.estimateMaxUsd
  const who = { provider: request.provider, model: request.model }
  if (policy.perRequestMaxUsd !== undefined && estimate !== undefined && estimate > policy.perRequestMaxUsd) {
    return new BudgetExceeded({
      ...who,
      kind: "perRequest",
      limitUsd: policy.perRequestMaxUsd,
      spentUsd: 0,
      estimateUsd: estimate,
      message: `This request may cost up to ${formatUsd(estimate)}, over the ${formatUsd(policy.perRequestMaxUsd)} limit per request; nothing was sent`
    })
  }
  for (const [kind, limit, spent] of [["daily", policy.dailyUsd, spend.dayUsd], ["monthly", policy.monthlyUsd, spend.monthUsd]] as const) {
    if (limit === undefined) continue
    const over = estimate === undefined ? spent >= limit : spent + estimate > limit
    if (over) {
      return new BudgetExceeded({
        ...who,
        kind,
        limitUsd: limit,
        spentUsd: spent,
        ...(estimate === undefined ? {} : { estimateUsd: estimate }),
        message: `The ${periodName[kind]} AI budget of ${formatUsd(limit)} ${
          spent >= limit ? "is used up" : `would be exceeded by this request (up to ${formatUsd(estimate ?? 0)})`
        }: ${formatUsd(spent)} spent ${periodSpan[kind]}; nothing was sent`
      })
    }
  }
  return undefined
}

/**
 * One budget's state for a UI.
 *
 * @since 0.1.0
 * @category Models
 */
export interface LimitStatus {
  readonly limitUsd: number
  readonly spentUsd: number
  readonly remainingUsd: number
  /** Spent as a share of the limit (above 1 once over). */
  readonly fraction: number
  /** At or past `warnAtFraction` of the limit. */
  readonly near: boolean
  /** Used up: further requests are stopped. */
  readonly exceeded: boolean
  /** Attempts in the period whose cost is unknown (not counted in `spentUsd`). */
  readonly unknownCostCount: number
}

/**
 * Spending against the limits, for a UI.
 *
 * @since 0.1.0
 * @category Models
 */
export interface BudgetStatus {
  readonly perRequestMaxUsd: number | undefined
  readonly daily: LimitStatus | undefined
  readonly monthly: LimitStatus | undefined
  /** Any budget near or past its limit. */
  readonly nearLimit: boolean
  readonly spend: Spend
}

const limitStatus = (limit: number | undefined, spent: number, unknown: number, warnAt: number): LimitStatus | undefined => {
  if (limit === undefined) return undefined
  // A zero budget is used up from the start.
  const fraction = limit === 0 ? 1 : spent / limit
  return {
    limitUsd: limit,
    spentUsd: spent,
    remainingUsd: Math.max(0, limit - spent),
    fraction,
    near: fraction >= warnAt,
    exceeded: spent >= limit,
    unknownCostCount: unknown
  }
}

/**
 * The status of every limit given what was spent.
 *
 * @since 0.1.0
 * @category Functions
 */
export const status = (policy: BudgetPolicy, spend: Spend): BudgetStatus => {
  const daily = limitStatus(policy.dailyUsd, spend.dayUsd, spend.dayUnknownCount, policy.warnAtFraction)
  const monthly = limitStatus(policy.monthlyUsd, spend.monthUsd, spend.monthUnknownCount, policy.warnAtFraction)
  return {
    perRequestMaxUsd: policy.perRequestMaxUsd,
    daily,
    monthly,
    nearLimit: (daily?.near ?? false) || (monthly?.near ?? false),
    spend
  }
}
