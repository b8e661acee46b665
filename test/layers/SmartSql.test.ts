/**
 * Issue 15 through the whole stack over loopback emulators: the schema a prompt carries is chosen
 * to fit the model's context window (the prompt the emulator received proves which tables went),
 * an answer whose SQL does not parse gets exactly one repair round (two requests at the emulator,
 * two attempts in the metrics), and a request whose named tables cannot fit fails before anything
 * is sent.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel } from "effect"
import * as AiError from "../../src/domain/AiError.js"
import * as ContextWindow from "../../src/domain/ContextWindow.js"
import * as SqlCheck from "../../src/domain/SqlCheck.js"
import { AiService } from "../../src/services/AiService.js"
import { MetricsRepo } from "../../src/services/MetricsRepo.js"
import { Settings } from "../../src/services/Settings.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as SqlRule from "../../src/testing/SqlRule.js"
import { ollama } from "../support/fixtures/ollama.js"
import { openai } from "../support/fixtures/openai.js"
import { expectFailure, shopSchema } from "../support/http.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"

const noRetry = { retry: { maxRetries: 0 } }
const quiet = <A, E, R>(e: Effect.Effect<A, E, R>) => e.pipe(Logger.withMinimumLogLevel(LogLevel.Error))

/** The stack with one provider, OpenAI or a local Ollama (a 4,096-token window), on an emulator. */
const setup = (provider: "openai" | "ollama", config: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const fixture = provider === "openai" ? openai : ollama
    const emu = yield* Emulator.scoped(fixture.protocol, { apiKey: fixture.apiKey })
    const context = yield* Layer.build(stackIn(dir))
    const settings = yield* Effect.provide(Settings, context)
    const key = fixture.apiKey !== undefined ? { apiKey: fixture.apiKey } : {}
    yield* settings.saveProvider(provider, { ...key, baseUrl: emu.baseUrl, ...config }, { resilience: noRetry })
    yield* settings.update({ activeProvider: provider, health: { enabled: false } })
    const ai = yield* Effect.provide(AiService, context)
    const metrics = yield* Effect.provide(MetricsRepo, context)
    return { ai, emu, metrics }
  })

const userPrompt = (emu: Emulator.Emulator, index: number): string => {
  const body = emu.chatRequests()[index]!.body as { messages: Array<{ role: string; content: string }> }
  return body.messages.find((m) => m.role === "user")!.content
}

// Forty tables of twenty columns, far more than a 4,096-token window holds; the 31st is the one
// the request is about.
const nouns = [
  "accounts", "addresses", "agents", "batches", "brands", "budgets", "campaigns", "carriers", "categories", "channels",
  "contracts", "coupons", "currencies", "devices", "discounts", "employees", "events", "feedback", "forecasts", "grants",
  "holidays", "incidents", "invoices", "journals", "ledgers", "licenses", "meetings", "notes", "partners", "payrolls",
  "shipments", "quotas", "refunds", "regions", "sessions", "suppliers", "tariffs", "tickets", "vendors", "warehouses"
]
const columnWords = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra"]
const fortyTables = {
  tables: nouns.map((name) => ({
    name,
    columns: [{ name: "id", type: "integer", primaryKey: true }, ...columnWords.map((w) => ({ name: `${w}_value`, type: "varchar(255)" }))]
  }))
}

describe("the schema fitted to the model's context window", () => {
  it.live("a 40-table schema on a 4,096-token model: the table the request names is sent, others are left out, and the answer says which", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup("ollama")
      expect(ContextWindow.of("ollama", "llama3.2")).toBe(4_096)
      const answer = yield* ai.generateSql({ prompt: "how many shipments left each day", schema: fortyTables, dialect: "postgres" })

      // What the model received: the tables of the prompt's schema section.
      const sent = SqlRule.tables(userPrompt(emu, 0)).map((t) => t.name)
      expect(sent).toContain("shipments")
      expect(sent.length).toBeGreaterThan(1)
      expect(sent.length).toBeLessThan(20)
      expect(userPrompt(emu, 0)).toContain(`... and ${40 - sent.length} more tables`)
      // In schema order a 20-table cut would have stopped well before the 31st.
      expect(nouns.indexOf("shipments")).toBe(30)
      expect(sent).not.toContain("payrolls")
      expect(sent).not.toContain("quotas")

      // The answer reports exactly that.
      expect([...answer.schemaSent].sort()).toEqual([...sent].sort())
      expect(answer.schemaLeftOut).toHaveLength(40 - sent.length)
      expect(answer.schemaLeftOut).toContain("payrolls")
      expect(answer.schemaTextLeftOut).toBe(false)
      expect(answer.result.schemaSent).toEqual(answer.schemaSent)
    }))))

  it.live("a model with a large window gets every table", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup("openai")
      const answer = yield* ai.generateSql({ prompt: "how many shipments left each day", schema: fortyTables, dialect: "postgres" })
      expect(SqlRule.tables(userPrompt(emu, 0))).toHaveLength(40)
      expect(answer.schemaSent).toHaveLength(40)
      expect(answer.schemaLeftOut).toEqual([])
    }))))

  it.live("named tables that cannot fit: ContextTooLong naming them, and nothing is sent", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      // An answer budget that leaves the 4,096-token window no room for any schema.
      const { ai, emu } = yield* setup("ollama", { maxTokens: 3_900 })
      const sql = "SELECT c.name, o.total FROM orders o JOIN customers c ON c.id = o.customer_id"
      const error = expectFailure<AiError.ContextTooLong>(yield* Effect.exit(ai.explainSql({ sql, schema: shopSchema, dialect: "postgres" })))
      expect(error._tag).toBe("ContextTooLong")
      expect(error.code).toBe(AiError.NAMED_TABLES_DO_NOT_FIT)
      expect([...error.tables!].sort()).toEqual(["customers", "orders"])
      expect(error.message).toMatch(/do not fit the context window of llama3\.2 \(4,096 tokens, 3,900 of them kept for the answer\): (orders, customers|customers, orders)/)
      expect(emu.chatRequests()).toHaveLength(0)

      // A request that names no table is not refused: its schema is left out, and it says so.
      const answer = yield* ai.generateSql({ prompt: "list the customers", schema: shopSchema, dialect: "postgres" })
      expect(answer.schemaSent).toEqual([])
      expect([...answer.schemaLeftOut].sort()).toEqual(["customers", "orders"])
      expect(userPrompt(emu, 0)).toContain("Schema:\nNo schema available")
    }))))
})

const BROKEN = "```sql\nSELEC id, total FROM orders\n```"
const MENDED = "```sql\nSELECT id, total FROM orders;\n```"
const generate = { prompt: "list the order totals", schema: shopSchema, dialect: "postgres" }

describe("one repair round", () => {
  it.live("SQL that does not parse goes back once with the parser's message; two requests, two attempts, the repaired answer", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu, metrics } = yield* setup("openai")
      emu.script({ reply: BROKEN, usage: { inputTokens: 100, outputTokens: 10 } }, { reply: MENDED, usage: { inputTokens: 150, outputTokens: 12 } })
      const answer = yield* ai.generateSql(generate)

      expect(emu.chatRequests()).toHaveLength(2)
      const repair = userPrompt(emu, 1)
      expect(repair.startsWith(userPrompt(emu, 0))).toBe(true)
      expect(repair).toContain("Your previous answer does not parse as PostgreSQL at line 1")
      expect(repair).toContain("SELEC id, total FROM orders")

      expect(answer.repaired).toBe(true)
      expect(answer.result.sql).toBe("SELECT id, total FROM orders;")
      expect(answer.check).toMatchObject({ checked: true, dialect: "postgresql", statements: [{ kind: "select" }] })
      expect(answer.check?.parseError).toBeUndefined()
      // Both calls are paid for, and the answer says so.
      expect(answer.usage).toEqual({ inputTokens: 250, outputTokens: 22 })
      expect(answer.result.meta.usage).toEqual({ inputTokens: 150, outputTokens: 12 })

      yield* metrics.flush
      const summary = yield* metrics.summary()
      expect(summary.requests).toBe(2)
      expect(summary.successRate).toBe(1)
      expect(summary.inputTokens).toBe(250)
      const usage = yield* metrics.usage()
      // One answered request: the repair round is an attempt and a repair, not a second use.
      expect(usage.byProvider).toMatchObject([{ provider: "openai", feature: "generate", attempts: 2, uses: 1, repairs: 1, failures: 0 }])
    }))))

  it.live("never more than one round: a repair that still does not parse is the answer, with its failed check", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup("openai")
      emu.script({ reply: BROKEN }, { reply: "```sql\nSELECT id total FROM FROM orders\n```" }, { reply: MENDED })
      const answer = yield* ai.generateSql(generate)
      expect(emu.chatRequests()).toHaveLength(2)
      expect(answer.repaired).toBe(true)
      expect(answer.result.sql).toBe("SELECT id total FROM FROM orders")
      expect(answer.check?.parseError?.message).toBeDefined()
      expect(SqlCheck.needsRepair(answer.check!)).toBe(true)
    }))))

  it.live("a repair call that fails leaves the first answer standing, with its failed check", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu, metrics } = yield* setup("openai")
      emu.script({ reply: BROKEN }, { fault: { _tag: "Error", kind: "unavailable" } })
      const answer = yield* ai.generateSql(generate)
      expect(emu.chatRequests()).toHaveLength(2)
      expect(answer.repaired).toBe(false)
      expect(answer.result.sql).toBe("SELEC id, total FROM orders")
      expect(answer.check?.parseError).toBeDefined()
      yield* metrics.flush
      expect((yield* metrics.summary()).errors).toEqual([{ tag: "ProviderUnavailable", count: 1 }])
    }))))

  it.live("SQL that parses is not repaired, and its check is in the answer", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const { ai, emu } = yield* setup("openai")
      emu.script({ reply: "```sql\nDELETE FROM orders\n```" })
      const answer = yield* ai.generateSql(generate)
      expect(emu.chatRequests()).toHaveLength(1)
      expect(answer.repaired).toBe(false)
      expect(answer.check?.flags.destructive).toEqual([{ kind: "delete", reason: "DELETE without WHERE removes every row of orders" }])
      // An explanation has no SQL to check.
      const explained = yield* ai.explainSql({ sql: "SELECT 1", dialect: "postgres" })
      expect(explained.check).toBeUndefined()
      expect(explained.repaired).toBe(false)
    }))))
})
