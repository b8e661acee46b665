import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Schema, Stream, TestClock } from "effect"
import * as Path from "node:path"
import * as Rules from "../../src/domain/Budget.js"
import type * as Metrics from "../../src/domain/Metrics.js"
import * as Database from "../../src/layers/Database.js"
import * as MetricsRepoSql from "../../src/layers/MetricsRepoSql.js"
import { type AiEvent, AiEvents } from "../../src/services/AiEvents.js"
import * as BudgetFromMetrics from "../../src/layers/BudgetFromMetrics.js"
import * as Budget from "../../src/services/Budget.js"
import { MetricsRepo } from "../../src/services/MetricsRepo.js"
import * as MockAiProvider from "../../src/testing/MockAiProvider.js"
import { tempDir } from "../support/tmp.js"

const policy = (input: Schema.Schema.Encoded<typeof Rules.BudgetPolicy>) => Schema.decodeSync(Rules.BudgetPolicy)(input)
const spend = (dayUsd: number, monthUsd = dayUsd): Rules.Spend => ({ dayUsd, monthUsd, dayUnknownCount: 0, monthUnknownCount: 0 })
const request = (estimateMaxUsd?: number): Rules.Request => ({ provider: "openai", model: "gpt-4o", estimateMaxUsd })

describe("BudgetPolicy", () => {
  it("defaults the warning share and refuses nonsense with a typed error", () => {
    expect(policy({ dailyUsd: 1 })).toEqual({ dailyUsd: 1, warnAtFraction: 0.8 })
    expect(Either.isLeft(Schema.decodeUnknownEither(Rules.BudgetPolicy)({ dailyUsd: -1 }))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Rules.BudgetPolicy)({ warnAtFraction: 2 }))).toBe(true)
  })
})

describe("Budget rules", () => {
  it("the per-request maximum applies to known estimates only", () => {
    const p = policy({ perRequestMaxUsd: 0.05 })
    expect(Rules.evaluate(p, spend(0), request(0.06))).toMatchObject({ _tag: "BudgetExceeded", kind: "perRequest", limitUsd: 0.05, estimateUsd: 0.06 })
    expect(Rules.evaluate(p, spend(0), request(0.05))).toBeUndefined()
    expect(Rules.evaluate(p, spend(0), request())).toBeUndefined()
  })
  it("daily and monthly budgets count spending plus the estimate; unknown estimates stop at the limit", () => {
    const p = policy({ dailyUsd: 1, monthlyUsd: 10 })
    expect(Rules.evaluate(p, spend(0.9, 5), request(0.2))).toMatchObject({ kind: "daily", limitUsd: 1, spentUsd: 0.9, estimateUsd: 0.2 })
    expect(Rules.evaluate(p, spend(0.9, 5), request(0.1))).toBeUndefined()
    expect(Rules.evaluate(p, spend(0.99, 5), request())).toBeUndefined()
    expect(Rules.evaluate(p, spend(1, 5), request())).toMatchObject({ kind: "daily", spentUsd: 1 })
    expect(Rules.evaluate(p, spend(0.1, 9.95), request(0.1))).toMatchObject({ kind: "monthly", limitUsd: 10 })
    const e = Rules.evaluate(p, spend(1.2, 5), request())
    expect(e?.message).toBe("The daily AI budget of $1.00 is used up: $1.20 spent today; nothing was sent")
    expect(Rules.evaluate(p, spend(0.9, 5), request(0.2))?.message).toContain("would be exceeded by this request (up to $0.20)")
  })
  it("status reports spending against each limit and the near-limit flag", () => {
    const s = Rules.status(policy({ dailyUsd: 2, monthlyUsd: 100, perRequestMaxUsd: 0.5 }), spend(1.6, 20))
    expect(s.daily).toMatchObject({ limitUsd: 2, spentUsd: 1.6, remainingUsd: 0.3999999999999999, near: true, exceeded: false })
    expect(s.daily!.fraction).toBeCloseTo(0.8, 12)
    expect(s.monthly).toMatchObject({ fraction: 0.2, near: false, exceeded: false })
    expect(s).toMatchObject({ perRequestMaxUsd: 0.5, nearLimit: true })
    expect(Rules.status(policy({}), spend(3))).toMatchObject({ daily: undefined, monthly: undefined, nearLimit: false })
  })
})

const T0 = Date.UTC(2025, 4, 31, 20) // Saturday 31 May 2025, 20:00 UTC

const paid = (at: number, costUsd: number | undefined): Metrics.AttemptRecord => ({
  at,
  provider: "openai",
  model: "gpt-4o",
  operation: "generate",
  latencyMs: 900,
  outcome: "success",
  inputTokens: 1000,
  outputTokens: 200,
  costUsd,
  fallback: false,
  cached: false,
  attempt: 1
})

const run = <A, E>(
  filename: string,
  p: Rules.BudgetPolicy,
  events: Array<AiEvent>,
  body: Effect.Effect<A, E, Budget.Budget | MetricsRepo | SqlClient.SqlClient>
) => {
  const hub = Layer.succeed(AiEvents, {
    publish: (e) => Effect.sync(() => void events.push(e)),
    subscribe: Effect.succeed(Stream.empty),
    stream: Stream.empty
  })
  const repo = MetricsRepoSql.layer().pipe(Layer.provideMerge(Database.layer({ filename })))
  return Effect.scoped(Effect.provide(body, BudgetFromMetrics.layer(p).pipe(Layer.provideMerge(repo), Layer.provide(hub))))
}

describe("Budget guard on real metrics", () => {
  it.scoped("stops a request before anything is sent, and lets it through the next day", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* TestClock.setTime(T0)
      const mock = MockAiProvider.make({ provider: "openai", model: "gpt-4o" })
      const events: Array<AiEvent> = []
      yield* run(file, policy({ dailyUsd: 1, monthlyUsd: 3 }), events, Effect.gen(function*() {
        const budget = yield* Budget.Budget
        const repo = yield* MetricsRepo
        const send = (estimateMaxUsd?: number) =>
          Effect.zipRight(
            budget.check({ provider: "openai", model: "gpt-4o", estimateMaxUsd }),
            mock.service.generateSql({ prompt: "list orders", dialect: "generic" })
          )

        yield* repo.record(paid(T0 - 3_600_000, 0.95))
        const refused = yield* Effect.flip(send(0.1))
        expect(refused).toMatchObject({ _tag: "BudgetExceeded", kind: "daily", limitUsd: 1, spentUsd: 0.95, estimateUsd: 0.1, provider: "openai" })
        expect(mock.calls).toHaveLength(0)
        yield* send(0.05)
        expect(mock.calls).toHaveLength(1)

        // the record of that answer counts at once (the check waits for the queue)
        yield* repo.record(paid(T0, 0.05))
        expect(yield* Effect.flip(send())).toMatchObject({ _tag: "BudgetExceeded", kind: "daily" })
        expect(mock.calls).toHaveLength(1)

        // four hours later it is a new UTC day and a new month
        yield* TestClock.adjust("4 hours")
        yield* send()
        expect(mock.calls).toHaveLength(2)
      }))
      expect(events.map((e) => e._tag)).toEqual(["BudgetNearLimit"])
    }))

  it.scoped("the monthly budget spans days; unknown costs do not count as spent", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* TestClock.setTime(T0)
      yield* run(file, policy({ monthlyUsd: 2 }), [], Effect.gen(function*() {
        const budget = yield* Budget.Budget
        const repo = yield* MetricsRepo
        yield* repo.record(paid(Date.UTC(2025, 4, 2), 1.5))
        yield* repo.record(paid(Date.UTC(2025, 3, 30), 10)) // April
        yield* repo.record(paid(Date.UTC(2025, 4, 20), undefined))
        yield* budget.check({ provider: "openai", model: "gpt-4o", estimateMaxUsd: 0.5 })
        expect(yield* Effect.flip(budget.check({ provider: "openai", model: "gpt-4o", estimateMaxUsd: 0.6 }))).toMatchObject({ kind: "monthly", spentUsd: 1.5 })
        const status = yield* budget.status
        expect(status.monthly).toMatchObject({ spentUsd: 1.5, limitUsd: 2, unknownCostCount: 1, near: false })
        expect(status.daily).toBeUndefined()
      }))
    }))

  it.scoped("warns once per budget and period through AiEvents", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* TestClock.setTime(T0)
      const events: Array<AiEvent> = []
      yield* run(file, policy({ dailyUsd: 1, monthlyUsd: 100, warnAtFraction: 0.5 }), events, Effect.gen(function*() {
        const budget = yield* Budget.Budget
        const repo = yield* MetricsRepo
        yield* repo.record(paid(T0, 0.4))
        yield* budget.check({ provider: "openai", model: "gpt-4o" })
        expect(events).toEqual([])
        yield* repo.record(paid(T0, 0.2))
        yield* budget.check({ provider: "openai", model: "gpt-4o" })
        yield* budget.check({ provider: "openai", model: "gpt-4o" })
        expect(events).toEqual([{ _tag: "BudgetNearLimit", kind: "daily", spentUsd: 0.6, limitUsd: 1, at: T0 }])
        expect((yield* budget.status).nearLimit).toBe(true)
        // the next day starts a new period
        yield* TestClock.adjust("1 day")
        yield* repo.record(paid(T0 + 86_400_000, 0.7))
        yield* budget.check({ provider: "openai", model: "gpt-4o" })
        expect(events.map((e) => e._tag === "BudgetNearLimit" && e.at)).toEqual([T0, T0 + 86_400_000])
      }))
    }))

  it.scoped("a policy can be replaced at run time", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* run(file, policy({}), [], Effect.gen(function*() {
        const budget = yield* Budget.Budget
        yield* budget.check({ provider: "openai", model: "gpt-4o", estimateMaxUsd: 5 })
        yield* budget.setPolicy(policy({ perRequestMaxUsd: 1 }))
        expect((yield* budget.policy).perRequestMaxUsd).toBe(1)
        expect((yield* Effect.flip(budget.check({ provider: "openai", model: "gpt-4o", estimateMaxUsd: 5 }))).kind).toBe("perRequest")
      }))
    }))

  it.scoped("when spending cannot be read, only the per-request maximum applies", () =>
    Effect.gen(function*() {
      const file = Path.join(yield* tempDir, "ai.db")
      yield* run(file, policy({ dailyUsd: 0, perRequestMaxUsd: 1 }), [], Effect.gen(function*() {
        const budget = yield* Budget.Budget
        const sql = yield* SqlClient.SqlClient
        expect((yield* Effect.flip(budget.check({ provider: "openai", model: "gpt-4o" }))).kind).toBe("daily")
        yield* sql`DROP TABLE ai_metrics`
        yield* budget.check({ provider: "openai", model: "gpt-4o" })
        expect((yield* Effect.flip(budget.check({ provider: "openai", model: "gpt-4o", estimateMaxUsd: 2 }))).kind).toBe("perRequest")
        expect((yield* Effect.flip(budget.status))._tag).toBe("MetricsError")
      }))
    }))
})
