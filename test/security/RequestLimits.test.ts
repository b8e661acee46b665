/**
 * Request limits: every field past its limit (or holding a lone UTF-16 surrogate) is refused with
 * an `InvalidRequest` naming the field and the limit, and nothing reaches the provider. A provider
 * called directly uses `defaultInputLimits`; the AiService uses `settings.limits`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Stream } from "effect"
import * as AiError from "../../src/domain/AiError.js"
import { defaultInputLimits } from "../../src/domain/Limits.js"
import type * as SqlTask from "../../src/domain/SqlTask.js"
import { AiService } from "../../src/services/AiService.js"
import { Settings } from "../../src/services/Settings.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as MockAiProvider from "../../src/testing/MockAiProvider.js"
import { openai } from "../support/fixtures/openai.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"

const L = defaultInputLimits
const lone = "SELECT '\uD800' FROM t"

const columns = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, type: "int" }))
const same = <A>(n: number, value: A): Array<A> => new Array<A>(n).fill(value)

// A plan whose JSON text grows without end: a cycle.
const cyclic = () => {
  const node: Record<string, unknown> = { "Node Type": "Loop" }
  node["Plans"] = [node]
  return node
}

// [what, task (built when its test runs: some are large), field, message]
const cases: ReadonlyArray<readonly [string, () => Record<string, unknown>, string, string | RegExp]> = [
  ["a prompt one character past the limit", () => ({ _tag: "GenerateSql", prompt: "x".repeat(L.promptChars + 1) }), "prompt", "prompt is 100,001 characters; the limit is 100,000 (settings.limits.promptChars)"],
  ["a 2,000,000-character prompt", () => ({ _tag: "GenerateSql", prompt: "x".repeat(2_000_000) }), "prompt", "prompt is 2,000,000 characters; the limit is 100,000 (settings.limits.promptChars)"],
  ["SQL past the limit", () => ({ _tag: "ExplainSql", sql: "x".repeat(L.sqlChars + 1) }), "sql", "sql is 500,001 characters; the limit is 500,000 (settings.limits.sqlChars)"],
  ["SQL to fix past the limit", () => ({ _tag: "FixSql", sql: "x".repeat(L.sqlChars + 1), errorMessage: "boom" }), "sql", /settings\.limits\.sqlChars/],
  ["an error message past the limit", () => ({ _tag: "FixSql", sql: "SELECT 1", errorMessage: "e".repeat(L.errorMessageChars + 1) }), "errorMessage", "errorMessage is 50,001 characters; the limit is 50,000 (settings.limits.errorMessageChars)"],
  ["an execution plan as text past the limit", () => ({ _tag: "OptimizeSql", sql: "SELECT 1", executionPlan: "p".repeat(L.executionPlanChars + 1) }), "executionPlan", "executionPlan is 1,000,001 characters; the limit is 1,000,000 (settings.limits.executionPlanChars)"],
  ["an execution plan whose JSON passes the limit", () => ({ _tag: "OptimizeSql", sql: "SELECT 1", executionPlan: { rows: same(200_000, { cost: 1.5 }) } }), "executionPlan", /: executionPlan has at least 1,000,00\d characters as JSON; the limit is 1,000,000 \(settings\.limits\.executionPlanChars\)$/],
  ["an execution plan holding one huge string", () => ({ _tag: "OptimizeSql", sql: "SELECT 1", executionPlan: { detail: "d".repeat(L.executionPlanChars) } }), "executionPlan", /settings\.limits\.executionPlanChars/],
  ["a cyclic execution plan", () => ({ _tag: "OptimizeSql", sql: "SELECT 1", executionPlan: cyclic() }), "executionPlan", /settings\.limits\.executionPlanChars/],
  ["a schema with one table too many (a list)", () => ({ _tag: "GenerateSql", prompt: "q", schema: { tables: same(L.schemaTables + 1, { name: "t", columns: [] }) } }), "schema", "schema has at least 10,001 tables; the limit is 10,000 (settings.limits.schemaTables)"],
  ["a schema with a million tables (a map)", () => ({ _tag: "GenerateSql", prompt: "q", schema: { tables: Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`t${i}`, { columns: [] }])) } }), "schema", "schema has at least 1,000,000 tables; the limit is 10,000 (settings.limits.schemaTables)"],
  ["a schema with one column too many", () => ({ _tag: "GenerateSql", prompt: "q", schema: { tables: { a: { columns: columns(L.schemaColumns / 2) }, b: { columns: columns(L.schemaColumns / 2 + 1) } } } }), "schema", "schema has at least 250,001 columns; the limit is 250,000 (settings.limits.schemaColumns)"],
  ["a schema tree past the column limit", () => ({ _tag: "GenerateSql", prompt: "q", schema: { schemas: { public: { tables: { t: { columns: same(L.schemaColumns + 1, { name: "c" }) } } } } } }), "schema", /settings\.limits\.schemaColumns/],
  ["a schema given as DDL past the limit", () => ({ _tag: "GenerateSql", prompt: "q", schema: "CREATE TABLE t (id int);".padEnd(L.schemaChars + 1, " ") }), "schema", "schema is 5,000,001 characters; the limit is 5,000,000 (settings.limits.schemaChars)"],
  ["a schema whose names and types pass the text limit", () => ({ _tag: "GenerateSql", prompt: "q", schema: { t: { columns: [{ name: "id", type: "t".repeat(L.schemaChars) }] } } }), "schema", /: schema has at least 5,000,00\d characters of text; the limit is 5,000,000 \(settings\.limits\.schemaChars\)$/],
  ["a foreign-key list past the text limit", () => ({ _tag: "GenerateSql", prompt: "q", schema: { t: { columns: [], foreign_keys: [{ table: "u", columns: same(L.schemaChars + 1, "") }] } } }), "schema", /settings\.limits\.schemaChars/],
  ["a lone surrogate in the prompt", () => ({ _tag: "GenerateSql", prompt: "list \uDC00 users" }), "prompt", "prompt is not well-formed text: it holds a lone UTF-16 surrogate"],
  ["a lone surrogate in the SQL", () => ({ _tag: "ExplainSql", sql: lone }), "sql", /sql is not well-formed/],
  ["a lone surrogate in the error message", () => ({ _tag: "FixSql", sql: "SELECT 1", errorMessage: "bad \uD83D" }), "errorMessage", /errorMessage is not well-formed/],
  ["a lone surrogate in the execution plan text", () => ({ _tag: "OptimizeSql", sql: "SELECT 1", executionPlan: "Seq Scan \uDFFF" }), "executionPlan", /executionPlan is not well-formed/],
  ["a lone surrogate in a DDL schema", () => ({ _tag: "GenerateSql", prompt: "q", schema: "CREATE TABLE \uD800 (id int)" }), "schema", /schema is not well-formed/],
  ["a lone surrogate in a column name", () => ({ _tag: "GenerateSql", prompt: "q", schema: { t: { columns: [{ name: "a\uD800" }] } } }), "schema", /schema is not well-formed/]
]

const invalid = (exit: { _tag: string; cause?: unknown }): AiError.InvalidRequest => {
  expect(exit._tag).toBe("Failure")
  const cause = (exit as { cause: { _tag: string; error: unknown } }).cause
  expect(cause._tag).toBe("Fail")
  expect(cause.error).toBeInstanceOf(AiError.InvalidRequest)
  return cause.error as AiError.InvalidRequest
}

describe("request limits on a provider called directly (default limits)", () => {
  for (const [what, task, field, message] of cases) {
    it.live(`${what}: InvalidRequest on ${field}, nothing sent`, () =>
      Effect.gen(function*() {
        const mock = MockAiProvider.make()
        const exit = yield* Effect.exit(mock.service.run({ dialect: "postgresql", ...task() } as unknown as SqlTask.SqlTask))
        const error = invalid(exit)
        expect(error.field).toBe(field)
        if (typeof message === "string") expect(error.message).toContain(message)
        else expect(error.message).toMatch(message)
        expect(error.message.length).toBeLessThan(300)
        expect(mock.calls).toHaveLength(0)
      }), 60_000)
  }

  it.live("streams are refused the same way, before the stream starts", () =>
    Effect.gen(function*() {
      const mock = MockAiProvider.make()
      const run = yield* Effect.exit(Stream.runDrain(mock.service.stream({ _tag: "ExplainSql", sql: "x".repeat(L.sqlChars + 1), dialect: "generic" })))
      expect(invalid(run).field).toBe("sql")
      expect(mock.calls).toHaveLength(0)
    }))

  it.live("inputs at the limits are accepted", () =>
    Effect.gen(function*() {
      const mock = MockAiProvider.make()
      yield* mock.service.generateSql({ prompt: "x".repeat(L.promptChars), dialect: "generic" })
      yield* mock.service.fixSql({ sql: "S".repeat(L.sqlChars), errorMessage: "e".repeat(L.errorMessageChars), dialect: "generic" })
      yield* mock.service.optimizeSql({ sql: "SELECT 1", executionPlan: "p".repeat(L.executionPlanChars), dialect: "generic" })
      yield* mock.service.generateSql({ prompt: "q", schema: { tables: same(L.schemaTables, { name: "t", columns: [{ name: "c" }] }) } as never, dialect: "generic" })
      yield* mock.service.generateSql({ prompt: "q", schema: "D".repeat(L.schemaChars) as never, dialect: "generic" })
      expect(mock.calls).toHaveLength(5)
    }), 60_000)
})

describe("request limits through the AiService (settings.limits)", () => {
  const setup = Effect.gen(function*() {
    const dir = yield* tempDir
    const emu = yield* Emulator.scoped(openai.protocol, { apiKey: openai.apiKey })
        const context = yield* Layer.build(stackIn(dir, { logs: true }))
    const settings = yield* Effect.provide(Settings, context)
    yield* settings.saveProvider("openai", { apiKey: openai.apiKey, baseUrl: emu.baseUrl }, { resilience: { retry: { maxRetries: 0 } } })
    yield* settings.update({
      activeProvider: "openai",
      health: { enabled: false },
      limits: { promptChars: 1_000, sqlChars: 2_000, errorMessageChars: 500, executionPlanChars: 3_000, schemaTables: 5, schemaColumns: 20, schemaChars: 4_000 }
    })
    const ai = yield* Effect.provide(AiService, context)
    return { ai, emu }
  })

  const refused: ReadonlyArray<readonly [string, SqlTask.SqlTask, string, string]> = [
    ["prompt", { _tag: "GenerateSql", prompt: "x".repeat(1_001), dialect: "generic" }, "prompt", "prompt is 1,001 characters; the limit is 1,000 (settings.limits.promptChars)"],
    ["sql", { _tag: "ExplainSql", sql: "x".repeat(2_001), dialect: "generic" }, "sql", "the limit is 2,000 (settings.limits.sqlChars)"],
    ["errorMessage", { _tag: "FixSql", sql: "SELECT 1", errorMessage: "e".repeat(501), dialect: "generic" }, "errorMessage", "the limit is 500 (settings.limits.errorMessageChars)"],
    ["executionPlan", { _tag: "OptimizeSql", sql: "SELECT 1", executionPlan: { rows: same(1_000, 1) } as never, dialect: "generic" }, "executionPlan", "the limit is 3,000 (settings.limits.executionPlanChars)"],
    ["schema tables", { _tag: "GenerateSql", prompt: "q", schema: { tables: same(6, { name: "t", columns: [] }) } as never, dialect: "generic" }, "schema", "schema has at least 6 tables; the limit is 5 (settings.limits.schemaTables)"],
    ["schema columns", { _tag: "GenerateSql", prompt: "q", schema: { t: { columns: columns(21) } } as never, dialect: "generic" }, "schema", "schema has at least 21 columns; the limit is 20 (settings.limits.schemaColumns)"],
    ["schema text", { _tag: "GenerateSql", prompt: "q", schema: "D".repeat(4_001) as never, dialect: "generic" }, "schema", "schema is 4,001 characters; the limit is 4,000 (settings.limits.schemaChars)"]
  ]

  it.live("run, stream and estimate refuse each field past the settings' limit; nothing reaches the provider", () =>
    Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup
      for (const [, task, field, message] of refused) {
        for (const exit of [yield* Effect.exit(ai.run(task)), yield* Effect.exit(ai.estimate(task))]) {
          const error = invalid(exit)
          expect(error.field).toBe(field)
          expect(error.message).toContain(message)
        }
        expect(invalid(yield* Effect.exit(Stream.runDrain(ai.stream(task)))).field).toBe(field)
      }
      expect(emu.chatRequests()).toHaveLength(0)
      // Within the settings' limits (past the defaults' for none): served.
      const ok = yield* ai.generateSql({ prompt: "x".repeat(1_000), schema: { t: { columns: columns(20) } } as never, dialect: "generic" })
      expect(ok.provider).toBe("openai")
      expect(emu.chatRequests()).toHaveLength(1)
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error))), 60_000)
})
