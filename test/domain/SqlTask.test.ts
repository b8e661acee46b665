import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import fc from "fast-check"
import * as Limits from "../../src/domain/Limits.js"
import * as SqlTask from "../../src/domain/SqlTask.js"

const L = Limits.defaultInputLimits
const decode = (task: Record<string, unknown>, limits: Limits.InputLimits = L) =>
  Effect.either(SqlTask.decodeWithin(task as unknown as SqlTask.SqlTask, limits))

const planText = (plan: unknown, limits: Limits.InputLimits = L) =>
  Effect.map(decode({ _tag: "OptimizeSql", sql: "SELECT 1", executionPlan: plan }, limits), (r) =>
    Either.map(r, (task) => (task as SqlTask.TaskOf<"OptimizeSql">).executionPlan))

describe("SqlTask.decodeWithin", () => {
  it.effect("decodes a task to its canonical form: schema normalized, dialect from db_type, plan as text", () =>
    Effect.gen(function*() {
      const task = yield* SqlTask.decodeWithin({
        _tag: "OptimizeSql",
        sql: "SELECT * FROM t",
        executionPlan: { Plan: { "Node Type": "Seq Scan" } },
        schema: { t: { columns: [{ name: "id", type: "int" }] } },
        dialect: "postgres"
      } as never, L)
      expect(task).toEqual({
        _tag: "OptimizeSql",
        sql: "SELECT * FROM t",
        executionPlan: JSON.stringify({ Plan: { "Node Type": "Seq Scan" } }, null, 2),
        schema: { tables: [{ name: "t", columns: [{ name: "id", type: "int" }] }] },
        dialect: "postgresql"
      })
    }))

  it.effect("reports shape problems by field, as before", () =>
    Effect.gen(function*() {
      expect(yield* decode({ _tag: "GenerateSql", prompt: "  " })).toEqual(Either.left({ field: "prompt", message: "prompt must not be empty" }))
      const notText = yield* decode({ _tag: "ExplainSql", sql: 42 })
      expect(Either.isLeft(notText) && notText.left.field).toBe("sql")
      expect(yield* decode({ _tag: "Nope" })).toEqual(Either.left({ field: "_tag", message: "_tag must be GenerateSql, ExplainSql, OptimizeSql or FixSql" }))
      const schema = yield* decode({ _tag: "GenerateSql", prompt: "q", schema: 42 })
      expect(schema).toEqual(Either.left({ field: "schema", message: "schema expected a table map, a schema tree or { tables }, got number" }))
    }))

  it.effect("checks the cheap fields first: a prompt past its limit is refused before a huge schema is read", () =>
    Effect.gen(function*() {
      // A schema that records every read: refusing the prompt must not touch it.
      let reads = 0
      const tables = new Proxy(new Array(L.schemaTables).fill({ name: "t", columns: new Array(20).fill({ name: "c" }) }), {
        get: (target, key, receiver) => {
          reads++
          return Reflect.get(target, key, receiver)
        }
      })
      const r = yield* decode({ _tag: "GenerateSql", prompt: "x".repeat(L.promptChars + 1), schema: { tables } })
      expect(Either.isLeft(r) && r.left.field).toBe("prompt")
      expect(reads).toBe(0)
    }))

  it.effect("writes an execution plan exactly as JSON.stringify(plan, null, 2) does", () =>
    Effect.gen(function*() {
      const samples: ReadonlyArray<unknown> = [
        {},
        [],
        { a: [], b: {}, c: [[]], d: [{}] },
        { skip: undefined, f: () => 1, s: Symbol("x"), keep: null, arr: [undefined, () => 1, 1] },
        { at: new Date("2026-01-02T03:04:05Z"), n: [1.5, -0, Number.NaN, Infinity, 1e21] },
        { "quo\"te": "line\nbreak\ttab\u0001\u2028", lone: "\uD800", emoji: "😀" },
        42,
        true,
        null,
        [[1, [2, [3, [4]]]]]
      ]
      for (const plan of samples) expect(yield* planText(plan)).toEqual(Either.right(JSON.stringify(plan, null, 2)))
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }).filter((v) => typeof v !== "string"), async (plan) => {
            const r = await Effect.runPromise(planText(plan))
            expect(r).toEqual(Either.right(JSON.stringify(plan, null, 2)))
          }),
          { numRuns: 300 }
        )
      )
    }))

  it.effect("refuses a plan as soon as its text passes the limit: huge, cyclic or deep (no stack overflow)", () =>
    Effect.gen(function*() {
      const limits = Limits.InputLimits.make({ executionPlanChars: 1_000 })
      const big = yield* planText({ rows: new Array(1_000_000).fill({ cost: 1 }) }, limits)
      expect(Either.isLeft(big) && big.left.message).toMatch(/^executionPlan has at least 1,0\d\d characters as JSON; the limit is 1,000 \(settings\.limits\.executionPlanChars\)$/)
      const node: Record<string, unknown> = {}
      node["self"] = node
      expect(Either.isLeft(yield* planText(node, limits))).toBe(true)
      let deep: unknown = 1
      for (let i = 0; i < 200_000; i++) deep = [deep]
      const r = yield* planText(deep)
      expect(Either.isLeft(r) && r.left.field).toBe("executionPlan")
      const huge = yield* planText({ text: "x".repeat(5_000_000) })
      expect(Either.isLeft(huge) && huge.left.field).toBe("executionPlan")
    }))

  it.effect("an empty plan string stays a plan the prompt replaces", () =>
    Effect.gen(function*() {
      expect(yield* planText("")).toEqual(Either.right(""))
    }))
})
