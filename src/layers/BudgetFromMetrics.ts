/**
 * The budget guard (`Budget`) on the metrics repository: spending today and this month is read
 * from `MetricsRepo`, warnings go to `AiEvents` when it is provided.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Layer, Option, Ref } from "effect"
import * as Rules from "../domain/Budget.js"
import * as Metrics from "../domain/Metrics.js"
import { AiEvents } from "../services/AiEvents.js"
import { Budget, type Service } from "../services/Budget.js"
import { MetricsRepo } from "../services/MetricsRepo.js"

const none: Rules.Spend = { dayUsd: 0, monthUsd: 0, dayUnknownCount: 0, monthUnknownCount: 0 }

/**
 * Creates the guard on the metrics repository.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (initial: Rules.BudgetPolicy): Effect.Effect<Service, never, MetricsRepo> =>
  Effect.gen(function*() {
    const repo = yield* MetricsRepo
    const events = yield* Effect.serviceOption(AiEvents)
    const policy = yield* Ref.make(initial)
    // Budgets already warned about, by kind and period start.
    const warned = yield* Ref.make<ReadonlySet<string>>(new Set())

    const spendAt = (now: number) =>
      Effect.zipWith(repo.costs("day", now), repo.costs("month", now), (day, month): Rules.Spend => ({
        dayUsd: day.costUsd,
        monthUsd: month.costUsd,
        dayUnknownCount: day.unknownCostCount,
        monthUnknownCount: month.unknownCostCount
      }))

    const warnIfNear = (p: Rules.BudgetPolicy, spend: Rules.Spend, now: number) =>
      Effect.forEach([["daily", "day", p.dailyUsd, spend.dayUsd], ["monthly", "month", p.monthlyUsd, spend.monthUsd]] as const, ([kind, period, limit, spent]) => {
        if (limit === undefined || spent < limit * p.warnAtFraction || Option.isNone(events)) return Effect.void
        const key = `${kind}:${Metrics.calendarRange(period, now).from}`
        return Effect.flatMap(
          Ref.modify(warned, (set) => (set.has(key) ? [false, set] : [true, new Set([...set, key])])),
          (first) => first ? events.value.publish({ _tag: "BudgetNearLimit", kind, spentUsd: spent, limitUsd: limit, at: now }) : Effect.void
        )
      }, { discard: true })

    const check = (request: Rules.Request) =>
      Effect.gen(function*() {
        const p = yield* Ref.get(policy)
        const now = yield* Clock.currentTimeMillis
        const cumulative = p.dailyUsd !== undefined || p.monthlyUsd !== undefined
        const spend = cumulative
          ? yield* spendAt(now).pipe(Effect.catchAll((e) =>
            Effect.as(Effect.logWarning(`Budget: spending could not be read, only the per-request limit applies: ${e.message}`), undefined)
          ))
          : none
        if (spend === undefined) {
          const perRequest = Rules.evaluate({ ...p, dailyUsd: undefined, monthlyUsd: undefined }, none, request)
          return perRequest === undefined ? undefined : yield* perRequest
        }
        yield* warnIfNear(p, spend, now)
        const exceeded = Rules.evaluate(p, spend, request)
        if (exceeded !== undefined) return yield* exceeded
      }).pipe(Effect.asVoid)

    const status = Effect.gen(function*() {
      const p = yield* Ref.get(policy)
      return Rules.status(p, yield* spendAt(yield* Clock.currentTimeMillis))
    })

    return Budget.of({ check, status, policy: Ref.get(policy), setPolicy: (next) => Ref.set(policy, next) })
  })

/**
 * The guard as a Layer.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (policy: Rules.BudgetPolicy): Layer.Layer<Budget, never, MetricsRepo> =>
  Layer.effect(Budget, make(policy))
