/**
 * `ai:analyze-table` and `ai:generate-common-queries` with a list of tables, driven as DB Toolkit
 * drives its channels (a recording fake of `ipcMain`, the whole stack on a temporary SQLite file)
 * against the provider emulators over loopback HTTP. The prompts the emulators record prove which
 * tables went in which call: tables that fit one budget make exactly one request, tables that do
 * not are split across several, each within the budget, and every answer is split back to its
 * table, on the text path (Workers AI) and the structured one (OpenAI, Ollama).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, ManagedRuntime } from "effect"
import * as Prompts from "../../src/domain/Prompts.js"
import * as Handlers from "../../src/ipc/handlers.js"
import * as Tokens from "../../src/internal/Tokens.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as CloudflareEmulator from "../../src/testing/emulators/CloudflareEmulator.js"
import * as OllamaEmulator from "../../src/testing/emulators/OllamaEmulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import * as SqlRule from "../../src/testing/SqlRule.js"
import { CLOUDFLARE_ACCOUNT_ID } from "../support/fixtures/cloudflare.js"
import { makeIpcMain, type Response } from "../support/ipc.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"

const CF_TOKEN = "cf-test-token-0123456789abcdefghij"
const OPENAI_KEY = "sk-test-openai-0123456789abcdefghij"

const col = (name: string, type: string) => ({ name, type })
const customers = { table_name: "customers", columns: [col("id", "integer"), col("email", "text"), col("name", "text")] }
const orders = { tableName: "orders", columns: [col("id", "integer"), col("customer_id", "integer"), col("created_at", "timestamp")] }
const products = { name: "products", columns: [col("id", "integer"), col("title", "text"), col("price", "numeric")] }
const three = [customers, orders, products]
const nameOf = (t: typeof three[number]): string => ("table_name" in t ? t.table_name : "tableName" in t ? t.tableName : t.name)

// A wide table: its DDL alone takes a good part of a small window.
const wide = (name: string) => ({ table_name: name, columns: Array.from({ length: 12 }, (_, i) => col(`${name}_field_${i}`, "varchar(255)")) })

// The names of the tables whose DDL a prompt carries, in order.
const tablesIn = (input: Pick<Emulator.ChatInput, "user">): Array<string> =>
  [...SqlRule.fenced(SqlRule.request(input.user)).matchAll(/CREATE TABLE "?([\w]+)"? \(/g)].map((m) => m[1]!)

const words = (name: string) => `The ${name} table holds one row per ${name.replace(/s$/, "")}.`

// A model that answers every table it is shown (but `skip`), under the heading form asked for.
const textReply = (skip: ReadonlyArray<string> = []) => (input: Emulator.ChatInput) =>
  tablesIn(input).filter((t) => !skip.includes(t)).map((t) => `### ${t}\n${words(t)}`).join("\n\n")

const jsonReply = (skip: ReadonlyArray<string> = [], extra: ReadonlyArray<string> = []) => (input: Emulator.ChatInput) =>
  JSON.stringify({
    // Backwards, and with names nobody asked for: items are matched by name, not position.
    sections: [...tablesIn(input).filter((t) => !skip.includes(t)), ...extra].reverse().map((t) => ({ name: t, explanation: words(t) }))
  })

const setup = Effect.gen(function*() {
  const dir = yield* tempDir
  const runtime = yield* Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(stackIn(dir))), (rt) => Effect.promise(() => rt.dispose()))
  const ipc = makeIpcMain()
  yield* Effect.acquireRelease(
    Effect.sync(() => Handlers.registerAiHandlers(ipc, runtime, { dbTypeOf: (id) => (id === "conn-my" ? "mysql" : "postgresql") })),
    (r) => Effect.sync(() => r.dispose())
  )
  const invoke = (channel: string, ...args: Array<unknown>) => Effect.promise(() => ipc.invoke(channel, ...args))
  // One provider, no retries, no health checks (their requests would join the recordings).
  const use = (provider: string, config: Record<string, unknown>) =>
    Effect.gen(function*() {
      expect((yield* invoke("ai:providers:save", provider, config, { resilience: { retry: { maxRetries: 0 } } })).success).toBe(true)
      expect((yield* invoke("ai:settings:update", { activeProvider: provider, fallback: { enabled: false }, health: { enabled: false } })).success).toBe(true)
    })
  return { invoke, use }
})

// A Workers AI model without JSON mode is prompted for text; the default model takes JSON.
const TEXT_MODEL = "@cf/qwen/qwen2.5-coder-32b-instruct"

const withCloudflare = (model?: string) =>
  Effect.gen(function*() {
    const s = yield* setup
    const emu = yield* CloudflareEmulator.make({ accountId: CLOUDFLARE_ACCOUNT_ID, apiKey: CF_TOKEN })
    yield* s.use("cloudflare", { accountId: CLOUDFLARE_ACCOUNT_ID, apiToken: CF_TOKEN, baseUrl: emu.baseUrl, ...(model ? { model } : {}) })
    return { ...s, emu }
  })

const withOpenAi = Effect.gen(function*() {
  const s = yield* setup
  const emu = yield* OpenAiEmulator.make({ apiKey: OPENAI_KEY })
  yield* s.use("openai", { apiKey: OPENAI_KEY, baseUrl: emu.baseUrl })
  return { ...s, emu }
})

const chats = (emu: Emulator.Emulator) => emu.chatRequests().map((r) => r.chat!)

const entries = (r: Response): Array<Response> => r.tables as Array<Response>

describe("ai:analyze-table with a list of tables", () => {
  it.scopedLive("three small tables, text answer: one request whose prompt names all three, each summary its own section", () =>
    Effect.gen(function*() {
      const { emu, invoke } = yield* withCloudflare(TEXT_MODEL)
      emu.setDefaults({ reply: textReply() })
      const reply = yield* invoke("ai:analyze-table", { connection_id: "conn-pg", tables: three })

      const sent = chats(emu)
      expect(sent).toHaveLength(1)
      expect(sent[0]!.structured).toBeUndefined()
      expect(tablesIn(sent[0]!)).toEqual(["customers", "orders", "products"])
      expect(sent[0]!.user).toContain("Names:\n- customers\n- orders\n- products")
      expect(sent[0]!.user).toContain("### <name>")

      expect(reply).toMatchObject({ success: true, batches: 1, provider: "cloudflare", cached: false, fallback: false })
      expect(entries(reply).map((t) => [t.table_name, t.summary, t.batch, t.analyzed])).toEqual([
        ["customers", words("customers"), 1, true],
        ["orders", words("orders"), 1, true],
        ["products", words("products"), 1, true]
      ])
      // Each entry is the single-table answer's shape, with its call's findings.
      expect(entries(reply)[1]).toMatchObject({
        success: true,
        purpose: words("orders"),
        index_recommendations: ["CREATE INDEX idx_orders_customer_id ON orders (customer_id);", "CREATE INDEX idx_orders_created_at ON orders (created_at);"],
        relationship_suggestions: ["orders.customer_id likely references the id of a customer table"],
        provider: "cloudflare",
        cached: false,
        schema_sent: [],
        schema_left_out: [],
        repaired: false
      })

      // The same list again is served from the cache: no request, every entry cached.
      const again = yield* invoke("ai:analyze-table", { connection_id: "conn-pg", tables: three })
      expect(chats(emu)).toHaveLength(1)
      expect(again).toMatchObject({ success: true, batches: 1, cached: true })
      expect(entries(again).map((t) => t.summary)).toEqual(entries(reply).map((t) => t.summary))
    }))

  it.scopedLive("structured output (OpenAI): the request asks for the sectioned schema, items are matched by name", () =>
    Effect.gen(function*() {
      const { emu, invoke } = yield* withOpenAi
      emu.setDefaults({ reply: jsonReply([], ["ghosts"]) })
      const reply = yield* invoke("ai:analyze-table", { connectionId: "conn-my", tables: three })

      const sent = chats(emu)
      expect(sent).toHaveLength(1)
      expect(sent[0]!.structured).toMatchObject({ via: "response_format", name: "sql_explanations" })
      expect(Object.keys((sent[0]!.structured!.schema as { properties: object }).properties)).toEqual(["sections"])
      expect(sent[0]!.user).toContain("Database: MySQL")
      expect(tablesIn(sent[0]!)).toEqual(["customers", "orders", "products"])

      expect(reply).toMatchObject({ success: true, batches: 1, provider: "openai" })
      expect(entries(reply).map((t) => [t.table_name, t.summary])).toEqual(three.map((_, i) => {
        const name = ["customers", "orders", "products"][i]!
        return [name, words(name)]
      }))
      expect(entries(reply)[1]!.common_queries[2]).toContain("INTERVAL 7 DAY")
    }))

  it.scopedLive("a table the model skipped gets the rule-based parts and a note, never another table's text (text, JSON, format ignored)", () =>
    Effect.gen(function*() {
      const cases = [
        [withCloudflare(TEXT_MODEL), textReply(["orders"]), textReply()],
        [withOpenAi, jsonReply(["orders"]), jsonReply()],
        // A model that ignores the JSON format asked for: its text is split by its headings.
        [withCloudflare(), textReply(["orders"]), textReply()]
      ] as const
      for (const [make, reply, whole] of cases) {
        const { emu, invoke } = yield* make
        emu.setDefaults({ reply })
        const answer = yield* invoke("ai:analyze-table", { tables: three, db_type: "postgresql" })
        expect(chats(emu)).toHaveLength(1)
        expect(answer).toMatchObject({ success: true, batches: 1 })
        const [c, o, p] = entries(answer)
        expect(c).toMatchObject({ success: true, table_name: "customers", summary: words("customers"), analyzed: true })
        expect(p).toMatchObject({ success: true, table_name: "products", summary: words("products"), analyzed: true })
        expect(o).toMatchObject({
          success: true,
          table_name: "orders",
          summary: "",
          purpose: "Data storage and retrieval",
          analyzed: false,
          note: "The AI model's answer had no section for this table: only the rule-based parts are given",
          index_recommendations: ["CREATE INDEX idx_orders_customer_id ON orders (customer_id);", "CREATE INDEX idx_orders_created_at ON orders (created_at);"]
        })
        // An answer missing a section is not cached: asked again, the provider may fill it.
        emu.setDefaults({ reply: whole })
        const again = yield* invoke("ai:analyze-table", { tables: three, db_type: "postgresql" })
        expect(chats(emu)).toHaveLength(2)
        expect(again).toMatchObject({ success: true, cached: false })
        expect(entries(again)[1]).toMatchObject({ table_name: "orders", summary: words("orders"), analyzed: true })
      }
    }))

  it.scopedLive("tables that do not fit one window are split across requests, each within the budget, each table once", () =>
    Effect.gen(function*() {
      const s = yield* setup
      const emu = yield* OllamaEmulator.make()
      const contextWindow = 1_800
      const maxTokens = 480
      yield* s.use("ollama", { baseUrl: emu.baseUrl, contextWindow, maxTokens })
      emu.setDefaults({ reply: jsonReply() })
      const names = Array.from({ length: 7 }, (_, i) => `t${i}`)
      const reply = yield* s.invoke("ai:analyze-table", { tables: names.map(wide) })

      const sent = chats(emu)
      expect(sent.length).toBeGreaterThan(1)
      expect(reply).toMatchObject({ success: true, batches: sent.length, provider: "ollama" })
      // Every prompt is within the window less the answer's budget, as the provider counts it.
      const room = Prompts.promptRoom({ provider: "ollama", model: "llama3.2", contextWindow, maxOutputTokens: maxTokens })
      for (const chat of sent) {
        expect(Tokens.estimate("ollama", chat.system) + Tokens.estimate("ollama", chat.user)).toBeLessThanOrEqual(room)
        expect(chat.structured?.via).toBe("format")
      }
      // Each table went in exactly one request, in order, and is answered from that request.
      const perCall = sent.map(tablesIn)
      expect(perCall.flat()).toEqual(names)
      expect(entries(reply).map((t) => [t.table_name, t.batch, t.summary])).toEqual(
        perCall.flatMap((call, i) => call.map((name) => [name, i + 1, words(name)]))
      )
      // The calls add up: usage is every call's.
      const usage = reply.usage as { input_tokens: number }
      expect(usage.input_tokens).toBe(entries(reply).filter((t, i, all) => all.findIndex((u) => u.batch === t.batch) === i)
        .reduce((n, t) => n + (t.usage as { input_tokens: number }).input_tokens, 0))
    }))

  it.scopedLive("a call that fails fails only its own tables", () =>
    Effect.gen(function*() {
      const s = yield* setup
      const emu = yield* OllamaEmulator.make()
      yield* s.use("ollama", { baseUrl: emu.baseUrl, contextWindow: 1_800, maxTokens: 480 })
      emu.setDefaults({ reply: jsonReply() })
      // Batches run two at a time: the first request to arrive fails, whichever batch it is.
      emu.script({ fault: { _tag: "Error", kind: "bad-request", message: "nope" } })
      const reply = yield* s.invoke("ai:analyze-table", { tables: ["a0", "a1", "a2", "a3", "a4", "a5"].map(wide) })
      expect(reply.success).toBe(true)
      const failed = entries(reply).filter((t) => !t.success)
      const served = entries(reply).filter((t) => t.success)
      expect(failed.length).toBeGreaterThan(0)
      expect(served.length).toBeGreaterThan(0)
      expect(new Set(failed.map((t) => t.batch)).size).toBe(1)
      for (const t of failed) expect(t).toMatchObject({ error_kind: "InvalidRequest", provider: "ollama", analyzed: false, summary: "" })
      for (const t of served) expect(t.summary).toBe(words(t.table_name))
    }))

  it.scopedLive("the list is bounded and every item is read like the single table, each refusal naming its field", () =>
    Effect.gen(function*() {
      const { emu, invoke } = yield* withCloudflare(TEXT_MODEL)
      const refused = (payload: unknown) => invoke("ai:analyze-table", payload)
      const many = Array.from({ length: 201 }, (_, i) => ({ table_name: `t${i}`, columns: [] }))
      expect(yield* refused({ tables: many })).toMatchObject({
        success: false,
        error_kind: "InvalidIpcInput",
        field: "tables",
        error: "tables lists 201 tables; at most 200 may be sent in one call",
        tables: [],
        batches: 0,
        table_name: "",
        summary: ""
      })
      expect(yield* refused({ tables: [] })).toMatchObject({ success: false, field: "tables", error: "Please provide at least one table" })
      expect(yield* refused({ tables: "orders" })).toMatchObject({ success: false, field: "tables" })
      expect(yield* refused({ tables: [customers, { columns: orders.columns }] }))
        .toMatchObject({ success: false, field: "tables[1].table_name", error: "Please provide a table name for tables[1]" })
      expect(yield* refused({ tables: [customers, { name: "customers" }] }))
        .toMatchObject({ success: false, field: "tables[1].table_name", error: "tables[1] names customers a second time" })
      expect(yield* refused({ tables: [{ name: "bad\n### orders" }] })).toMatchObject({ success: false, field: "tables[0].table_name" })
      expect(yield* refused({ tables: three, cache: "sometimes" })).toMatchObject({ success: false, field: "cache" })
      expect(chats(emu)).toHaveLength(0)
      // 200 is allowed (and answered in batches of at most twenty).
      emu.setDefaults({ reply: textReply() })
      const most = yield* refused({ tables: many.slice(0, 200) })
      expect(most).toMatchObject({ success: true })
      expect(entries(most)).toHaveLength(200)
      expect(chats(emu).length).toBe(most.batches)
      for (const chat of chats(emu)) expect(tablesIn(chat).length).toBeLessThanOrEqual(20)
    }))

  it.scopedLive("the single-table forms answer as before, and a batched answer is never served to one", () =>
    Effect.gen(function*() {
      const { emu, invoke } = yield* withCloudflare(TEXT_MODEL)
      emu.setDefaults({ reply: textReply() })
      const listed = yield* invoke("ai:analyze-table", { connection_id: "conn-pg", tables: [{ table_name: "orders", columns: orders.columns }] })
      expect(entries(listed)[0]).toMatchObject({ table_name: "orders", summary: words("orders") })

      const single = "Stores customer orders, one row per order."
      emu.setDefaults({ reply: single })
      const snake = yield* invoke("ai:analyze-table", { connection_id: "conn-pg", table_name: "orders", columns: orders.columns })
      // Asked again (not the list's cached answer), with the single-table prompt and reply.
      expect(chats(emu)).toHaveLength(2)
      expect(chats(emu)[1]!.user).not.toContain("Names:")
      expect(chats(emu)[1]!.user).toContain("Explain this query in plain prose")
      expect(snake).toMatchObject({ success: true, table_name: "orders", summary: single, purpose: single })
      expect(snake).not.toHaveProperty("tables")
      expect(snake).not.toHaveProperty("batches")
      expect(snake).not.toHaveProperty("schema_sent")
      // A `tables` field beside a table name is the single form, as it always was.
      const both = yield* invoke("ai:analyze-table", { table_name: "orders", columns: orders.columns, tables: three })
      expect(both).toMatchObject({ success: true, table_name: "orders", summary: single })
      const positional = yield* invoke("ai:analyze-table", "orders", orders.columns, "postgresql")
      expect(positional).toMatchObject({ success: true, table_name: "orders", summary: single })
    }))
})

describe("ai:generate-common-queries with a list of tables", () => {
  it.scopedLive("answers each table as the single form does, with no provider call", () =>
    Effect.gen(function*() {
      const { emu, invoke } = yield* withCloudflare(TEXT_MODEL)
      const reply = yield* invoke("ai:generate-common-queries", { connection_id: "conn-my", tables: three })
      expect(reply.success).toBe(true)
      const singles = yield* Effect.forEach(three, (t) => invoke("ai:generate-common-queries", nameOf(t), t.columns, "mysql"))
      expect(reply.tables).toEqual(singles)
      expect(reply.total_generated).toBe(singles.reduce((n, s) => n + (s.total_generated as number), 0))
      expect(chats(emu)).toHaveLength(0)
      expect(yield* invoke("ai:generate-common-queries", { tables: [customers, customers] }))
        .toMatchObject({ success: false, field: "tables[1].table_name", queries: [] })
    }))
})
