/**
 * The IPC handlers driven as DB Toolkit drives them: a recording fake of `ipcMain`, a real
 * `ManagedRuntime` of the whole stack on a temporary SQLite file, providers configured through
 * the settings channels and pointing at the Cloudflare emulator (DB Toolkit's provider, the
 * default) with OpenAI as the fallback, and the exact payloads the app's hooks send.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Prepared from "../../src/domain/Prepared.js"
import * as Handlers from "../../src/ipc/handlers.js"
import * as AiStack from "../../src/layers/AiStack.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import { AiService } from "../../src/services/AiService.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as CloudflareEmulator from "../../src/testing/emulators/CloudflareEmulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { CLOUDFLARE_ACCOUNT_ID } from "../support/fixtures/cloudflare.js"
import { type Call, makeIpcMain, type Response } from "../support/ipc.js"
import { tempDir } from "../support/tmp.js"

const CF_TOKEN = "cf-SECRET-token-0123456789abcdefghij"
const OPENAI_KEY = "sk-SECRET-openai-0123456789abcdefghij"
const WRONG_CF_TOKEN = "cf-wrong-SECRET-0000000000000000"
const WRONG_OPENAI_KEY = "sk-wrong-SECRET-0000000000000000"

// The connections DB Toolkit's connection manager knows.
const dbTypes: Record<string, string> = { "conn-pg": "postgresql", "conn-my": "mysql", "conn-lite": "sqlite" }

// The chat panel's shape (buggy in DB Toolkit: its formatter sent "[object Object]").
const chatSchema = {
  tables: {
    customers: { columns: [{ name: "id", type: "integer" }, { name: "email", type: "text" }, { name: "name", type: "text" }], sample_data: [] },
    orders: { columns: [{ name: "id", type: "integer" }, { name: "customer_id", type: "integer" }, { name: "total", type: "numeric" }], sample_data: [] }
  }
}
// Auto-fix's shape: a bare table map.
const fixSchema = { customers: chatSchema.tables.customers, orders: chatSchema.tables.orders }
// What `ai:analyze-schema` gets from the schema screen.
const schemaTables = {
  customers: [{ name: "id", type: "integer", primary_key: true }, { name: "email", type: "text", primary_key: false }],
  orders: [{ name: "id", type: "integer", primary_key: true }, { name: "customer_id", type: "integer", primary_key: false }, {
    name: "created_at",
    type: "timestamp",
    primary_key: false
  }]
}
const orderColumns = [{ name: "id", type: "integer" }, { name: "customer_id", type: "integer" }, { name: "created_at", type: "timestamp" }]

const quiet = Logger.minimumLogLevel(LogLevel.None)

const stackAt = (dir: string) =>
  Layer.merge(
    AiStack.layer({ databasePath: Path.join(dir, "ai.db"), keyStore: KeyStores.fromKey(Crypto.generateKey()) }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    ),
    quiet
  )

const managed = <R, E>(layer: Layer.Layer<R, E>) =>
  Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(layer)), (rt) => Effect.promise(() => rt.dispose()))

/** A fake ipcMain with the handlers registered on a runtime of the whole stack. */
const setup = (runtimeLayer?: (dir: string) => Layer.Layer<AiStack.Services, unknown>, options: Handlers.Options = {}) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const runtime = yield* managed((runtimeLayer ?? stackAt)(dir))
    const ipc = makeIpcMain()
    const registration = yield* Effect.acquireRelease(
      Effect.sync(() => Handlers.registerAiHandlers(ipc, runtime, { dbTypeOf: (id) => dbTypes[id], ...options })),
      (r) => Effect.sync(() => r.dispose())
    )
    const invoke = (channel: string, ...args: Array<unknown>) => Effect.promise(() => ipc.invoke(channel, ...args))
    return { dir, ipc, invoke, registration, runtime }
  })

interface Providers {
  readonly cloudflareToken?: string
  readonly openaiKey?: string
  readonly fallback?: boolean
}

/** The emulators and both providers configured through the settings channels. */
const configured = (p: Providers = {}, options: Handlers.Options = {}) =>
  Effect.gen(function*() {
    const s = yield* setup(undefined, options)
    const cf = yield* CloudflareEmulator.make({ accountId: CLOUDFLARE_ACCOUNT_ID, apiKey: CF_TOKEN })
    const oa = yield* OpenAiEmulator.make({ apiKey: OPENAI_KEY })
    const saved = [
      yield* s.invoke("ai:providers:save", "cloudflare", { accountId: CLOUDFLARE_ACCOUNT_ID, apiToken: p.cloudflareToken ?? CF_TOKEN, baseUrl: cf.baseUrl }),
      yield* s.invoke("ai:providers:save", { provider: "openai", config: { apiKey: p.openaiKey ?? OPENAI_KEY, baseUrl: oa.baseUrl } })
    ]
    expect(saved.map((r) => r.success)).toEqual([true, true])
    const updated = yield* s.invoke("ai:settings:update", {
      activeProvider: "cloudflare",
      fallback: { enabled: p.fallback ?? true, order: ["cloudflare", "openai"] },
      // Health checks would add requests of their own to the emulators' recordings.
      health: { enabled: false }
    })
    expect(updated.success).toBe(true)
    return { ...s, cf, oa }
  })

const userPrompt = (emu: Emulator.Emulator, index = -1): string => {
  const chats = emu.chatRequests()
  const body = chats[index < 0 ? chats.length + index : index]!.body as { messages?: Array<{ role: string; content: string }> }
  return body.messages?.find((m) => m.role === "user")?.content ?? JSON.stringify(body)
}

// What the handlers answered (the requests themselves carry keys, on purpose).
const noSecrets = (calls: ReadonlyArray<Call>) => {
  expect(calls.length).toBeGreaterThan(0)
  const text = JSON.stringify(calls.map((c) => c.outcome))
  for (const secret of [CF_TOKEN, OPENAI_KEY, WRONG_CF_TOKEN, WRONG_OPENAI_KEY]) expect(text).not.toContain(secret)
  expect(text).not.toContain("SECRET")
}

describe("registration", () => {
  it.scopedLive("registers DB Toolkit's eleven channels and the settings panel's, and removes them on dispose", () =>
    Effect.gen(function*() {
      const { ipc, registration } = yield* setup()
      expect(registration.channels).toEqual(Handlers.channels)
      expect(ipc.channels()).toEqual([...Handlers.channels])
      expect(ipc.channels().slice(0, 11)).toEqual([
        "ai:generate-query",
        "ai:generate-sql",
        "ai:explain-query",
        "ai:optimize-query",
        "ai:fix-query",
        "ai:suggest-completion",
        "ai:analyze-table",
        "ai:analyze-schema",
        "ai:suggest-indexes",
        "ai:analyze-relationships",
        "ai:generate-common-queries"
      ])
      registration.dispose()
      expect(ipc.channels()).toEqual([])
    }))
})

describe("no provider configured (an empty database)", () => {
  it.scopedLive("answers with DB Toolkit's wording and the empty fields of each error shape", () =>
    Effect.gen(function*() {
      const { invoke } = yield* setup()
      const long = "AI not configured. Set CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN in .env"
      expect(yield* invoke("ai:generate-query", { natural_language: "list customers", connection_id: "conn-pg", schema_context: chatSchema }))
        .toMatchObject({ success: false, error: long, sql: "", explanation: "" })
      expect(yield* invoke("ai:generate-sql", "list customers", fixSchema, "postgresql"))
        .toMatchObject({ success: false, error: long, sql: "", explanation: "" })
      // DB Toolkit says "not configured" before it looks at the prompt.
      expect(yield* invoke("ai:generate-query", { natural_language: "  ", connection_id: "conn-pg", schema_context: {} }))
        .toEqual({ success: false, error: long, sql: "", explanation: "" })
      expect(yield* invoke("ai:explain-query", { query: "SELECT 1", connection_id: "conn-pg", schema_context: {} }))
        .toMatchObject({ success: false, error: "AI not configured", explanation: "" })
      expect(yield* invoke("ai:optimize-query", { query: "SELECT 1", execution_plan: null, connection_id: "conn-pg", schema_context: {} }))
        .toMatchObject({ success: false, error: "AI not configured", suggestions: [] })
      expect(yield* invoke("ai:fix-query", { query: "SELEC 1", error_message: "syntax error", connection_id: "conn-pg", schema_context: fixSchema }))
        .toMatchObject({ success: false, error: "AI not configured", explanation: "", fixed_query: "" })
      expect(yield* invoke("ai:analyze-table", { connection_id: "conn-pg", table_name: "orders", columns: orderColumns }))
        .toMatchObject({ success: false, error: "AI not configured", table_name: "orders", summary: "", suggestions: [] })
      expect(yield* invoke("ai:cost:estimate", { operation: "generate", natural_language: "list customers" }))
        .toMatchObject({ success: false, error: "AI not configured" })
      // The rule-based channels need no provider.
      expect((yield* invoke("ai:analyze-schema", "conn-pg", "public", schemaTables)).success).toBe(true)
      expect((yield* invoke("ai:suggest-completion", "SEL", 3, {}, "postgresql")).success).toBe(true)
      expect((yield* invoke("ai:generate-common-queries", "orders", orderColumns, "postgresql")).success).toBe(true)
    }))
})

describe("the legacy channels on the Cloudflare emulator", () => {
  it.scopedLive("ai:generate-query (chat panel payload) and ai:generate-sql (positional) answer with sql, explanation, confidence and who served", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured()
      const r = yield* invoke("ai:generate-query", {
        natural_language: "List the email of every customer",
        connection_id: "conn-pg",
        schema_context: chatSchema
      })
      expect(r).toMatchObject({
        success: true,
        sql: "SELECT email FROM customers LIMIT 100;",
        explanation: "Lists rows of customers.",
        confidence: "high",
        provider: "cloudflare",
        provider_name: "Cloudflare Workers AI",
        model: "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
        fallback: false,
        failed_providers: []
      })
      expect(r.error).toBeUndefined()
      expect(r.usage.input_tokens).toBeGreaterThan(0)
      expect(r.usage.output_tokens).toBeGreaterThan(0)
      expect(typeof r.latency_ms).toBe("number")
      expect(Object.keys(r.cost).sort()).toEqual(["source", "usd"])
      // The chat panel's {tables: {...}} reached the model as a schema, in the connection's dialect.
      const prompt = userPrompt(cf)
      expect(prompt).toContain("customers(id integer, email text, name text)")
      expect(prompt).toContain("Database: PostgreSQL")
      expect(prompt).not.toContain("[object Object]")

      const positional = yield* invoke("ai:generate-sql", "How many orders are there", fixSchema, "mysql")
      expect(positional).toMatchObject({ success: true, sql: "SELECT COUNT(*) AS total FROM orders;", confidence: "high", provider: "cloudflare" })
      expect(userPrompt(cf)).toContain("Database: MySQL")

      // An unknown connection is written for PostgreSQL, as DB Toolkit does.
      yield* invoke("ai:generate-query", { natural_language: "list orders", connection_id: "conn-gone", schema_context: chatSchema })
      expect(userPrompt(cf)).toContain("Database: PostgreSQL")
      yield* invoke("ai:generate-query", { natural_language: "list orders", connection_id: "conn-lite", schema_context: chatSchema })
      expect(userPrompt(cf)).toContain("Database: SQLite")
    }))

  it.scopedLive("ai:generate-query: an empty prompt is refused, and an answer without SQL is an error in the model's words", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured()
      expect(yield* invoke("ai:generate-query", { natural_language: "", connection_id: "conn-pg", schema_context: chatSchema }))
        .toEqual({ success: false, error: "Please provide a query description", sql: "", explanation: "" })
      expect(cf.chatRequests()).toHaveLength(0)
      cf.script({ reply: "I need more information about the invoices table." })
      expect(yield* invoke("ai:generate-query", { natural_language: "total of unpaid invoices", connection_id: "conn-pg", schema_context: chatSchema }))
        .toMatchObject({ success: false, error: "I need more information about the invoices table.", sql: "", explanation: "", provider: "cloudflare" })
    }))

  it.scopedLive("ai:explain-query and ai:optimize-query (plan JSON-stringified) fill every field the screens read", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured()
      const explained = yield* invoke("ai:explain-query", {
        query: "SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.total > 100",
        connection_id: "conn-pg",
        schema_context: chatSchema
      })
      expect(explained).toMatchObject({ success: true, complexity: "low", provider: "cloudflare" })
      expect(explained.explanation).toMatch(/^This SELECT statement reads rows matching a filter\. It uses customers, orders\./)
      // Scored by the parser: keywords as quoted names count for nothing (the lexical rule said medium).
      const quoted = yield* invoke("ai:explain-query", { query: "SELECT \"join\", \"union\", \"select\" FROM orders", connection_id: "conn-pg" })
      expect(quoted).toMatchObject({ success: true, complexity: "low" })

      const plan = [{ Plan: { "Node Type": "Seq Scan", "Relation Name": "orders", "Total Cost": 431.5 } }]
      const optimized = yield* invoke("ai:optimize-query", {
        query: "SELECT * FROM orders WHERE customer_id = 7",
        execution_plan: JSON.stringify(plan),
        connection_id: "conn-pg",
        schema_context: chatSchema
      })
      expect(optimized).toMatchObject({
        success: true,
        suggestions: ["Select only the needed columns instead of *"],
        optimized_query: "SELECT id, customer_id, total FROM orders WHERE customer_id = 7",
        performance_assessment: "Fair",
        rating: "fair",
        changed: true,
        provider: "cloudflare"
      })
      expect(optimized.improvements).toHaveLength(1)
      expect(optimized.improvements[0]).toMatch(/^CREATE INDEX idx_orders_customer_id ON orders \(customer_id\);? -- speeds up the filter on customer_id$/)
      expect(optimized.index_recommendations[0].statement).toMatch(/^CREATE INDEX idx_orders_customer_id ON orders \(customer_id\)/)
      expect(userPrompt(cf)).toContain("\"Node Type\":\"Seq Scan\"")

      // The older positional style, with the plan as the driver's JSON.
      const positional = yield* invoke("ai:optimize-query", "SELECT id FROM customers", plan, "sqlite", chatSchema)
      expect(positional).toMatchObject({ success: true, optimized_query: "SELECT id FROM customers", performance_assessment: "Good", changed: false, suggestions: [], improvements: [] })
      expect(userPrompt(cf)).toContain("\"Node Type\": \"Seq Scan\"")
      expect(userPrompt(cf)).toContain("Database: SQLite")
    }))

  it.scopedLive("ai:fix-query (auto-fix payload) answers with fixed_query, explanation and the error's kind", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured()
      const r = yield* invoke("ai:fix-query", {
        query: "SELECT email FROM custmers",
        error_message: "relation \"custmers\" does not exist",
        connection_id: "conn-pg",
        schema_context: fixSchema
      })
      expect(r).toMatchObject({
        success: true,
        fixed_query: "SELECT email FROM customers",
        explanation: "The table custmers does not exist; the schema has customers.",
        error_type: "missing_table",
        changes: ["Corrected the statement to match the schema"],
        provider: "cloudflare"
      })
      expect(userPrompt(cf)).toContain("relation \"custmers\" does not exist")
      // An answer without SQL would empty the editor if accepted: it is an error instead.
      cf.script({ reply: "CAUSE: The query references a table that is not in the schema." })
      expect(yield* invoke("ai:fix-query", { query: "SELECT * FROM ghosts", error_message: "no such table: ghosts", connection_id: "conn-lite", schema_context: {} }))
        .toMatchObject({ success: false, error: "The query references a table that is not in the schema.", explanation: "", fixed_query: "" })
      expect(yield* invoke("ai:fix-query", { query: "SELECT 1", connection_id: "conn-pg", schema_context: {} }))
        .toMatchObject({ success: false, error: "Please provide the error message of the query", field: "error_message", fixed_query: "" })
    }))

  it.scopedLive("ai:analyze-table, snake_case, camelCase and positional: the model explains the table's DDL", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured()
      const words = "Stores customer orders, one row per order. Each order belongs to a customer and records when it was created."
      cf.setDefaults({ reply: words })
      const snake = yield* invoke("ai:analyze-table", {
        connection_id: "conn-pg",
        table_name: "orders",
        columns: orderColumns
      })
      expect(snake).toEqual({
        success: true,
        table_name: "orders",
        summary: words,
        purpose: "Stores customer orders, one row per order.",
        suggestions: [
          "Foreign key column customer_id would benefit from an index",
          "Date/time column created_at commonly used in WHERE clauses"
        ],
        common_queries: [
          "SELECT * FROM orders LIMIT 10;",
          "SELECT COUNT(*) FROM orders;",
          "SELECT * FROM orders WHERE created_at >= NOW() - INTERVAL '7 days' ORDER BY created_at DESC;"
        ],
        index_recommendations: [
          "CREATE INDEX idx_orders_customer_id ON orders (customer_id);",
          "CREATE INDEX idx_orders_created_at ON orders (created_at);"
        ],
        relationship_suggestions: ["orders.customer_id likely references the id of a customer table"],
        index_suggestions: [
          "Foreign key column customer_id would benefit from an index",
          "Date/time column created_at commonly used in WHERE clauses"
        ],
        potential_issues: [],
        ...servedFields(snake)
      })
      expect(userPrompt(cf)).toContain("CREATE TABLE orders (\n  id integer,\n  customer_id integer,\n  created_at timestamp\n);")

      const camel = yield* invoke("ai:analyze-table", { connectionId: "conn-my", tableName: "orders", columns: orderColumns })
      expect(camel).toMatchObject({ success: true, table_name: "orders", summary: words })
      expect(camel.common_queries[2]).toContain("INTERVAL 7 DAY")
      expect(userPrompt(cf)).toContain("Database: MySQL")

      const positional = yield* invoke("ai:analyze-table", "user", [{ column_name: "email", data_type: "text" }], "sqlite")
      expect(positional).toMatchObject({ success: true, table_name: "user", potential_issues: ["user may be missing a primary key: rows cannot be identified reliably for updates and joins"] })
      expect(userPrompt(cf)).toContain("CREATE TABLE \"user\" (\n  email text\n);")

      expect(yield* invoke("ai:analyze-table", { connection_id: "conn-pg", columns: orderColumns }))
        .toMatchObject({ success: false, error: "Please provide a table name", table_name: "", summary: "", suggestions: [] })
    }))
})

// The served-by fields of a response, to compare whole responses.
const servedFields = (r: Response) => ({
  provider: r.provider,
  provider_name: r.provider_name,
  model: r.model,
  usage: r.usage,
  cost: r.cost,
  latency_ms: r.latency_ms,
  fallback: r.fallback,
  failed_providers: r.failed_providers,
  cached: r.cached
})

describe("what the request path found, in the answers", () => {
  it.scopedLive("a destructive answer is flagged for the UI to ask before running it; the schema sent is listed", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured()
      cf.script({ reply: "```sql\nDELETE FROM orders\n```" })
      const r = yield* invoke("ai:generate-query", { natural_language: "remove the orders", connection_id: "conn-pg", schema_context: chatSchema })
      // DB Toolkit's fields are untouched.
      expect(r).toMatchObject({ success: true, sql: "DELETE FROM orders", confidence: "high" })
      expect(r).toMatchObject({
        destructive: [{ kind: "delete", reason: "DELETE without WHERE removes every row of orders" }],
        unknown_tables: [],
        unknown_columns: [],
        flagged: true,
        repaired: false,
        schema_left_out: [],
        schema_text_left_out: false,
        check: { checked: true, dialect: "postgresql", statements: [{ kind: "delete" }] }
      })
      expect([...(r["schema_sent"] as Array<string>)].sort()).toEqual(["customers", "orders"])
    }))

  it.scopedLive("tables and columns the schema lacks are flagged; SQL that parses and touches only the schema is not", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured()
      cf.script({ reply: "CAUSE: a typo.\nFIXED SQL:\n```sql\nSELECT nickname FROM customers JOIN invoices ON invoices.customer_id = customers.id\n```\nCHANGES:\n- joined" })
      const fixed = yield* invoke("ai:fix-query", { query: "SELECT nme FROM customers", error_message: "no such column: nme", connection_id: "conn-lite", schema_context: fixSchema })
      expect(fixed).toMatchObject({ success: true, unknown_tables: ["invoices"], flagged: true, check: { dialect: "sqlite" } })
      const plain = yield* invoke("ai:optimize-query", { query: "SELECT * FROM orders WHERE total > 10", connection_id: "conn-my", schema_context: chatSchema })
      expect(plain).toMatchObject({ success: true, flagged: false, destructive: [], unknown_tables: [], unknown_columns: [], check: { checked: true, dialect: "mysql" } })
      const explained = yield* invoke("ai:explain-query", { query: "SELECT 1", connection_id: "conn-pg", schema_context: {} })
      expect(explained).toMatchObject({ success: true, check: null, flagged: false, repaired: false })
    }))

  it.scopedLive("a MongoDB connection's query is checked as MongoDB, not as SQL", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured({}, { dbTypeOf: (id) => (id === "conn-mongo" ? "mongodb" : undefined) })
      cf.script({ reply: "```sql\ndb.orders.deleteMany({})\n```" })
      const r = yield* invoke("ai:generate-query", { natural_language: "remove the orders", connection_id: "conn-mongo", schema_context: chatSchema })
      expect(r).toMatchObject({ success: true, check: { checked: true, dialect: "mongodb", grammar: "mongodb-shape" }, flagged: true })
      expect(r["destructive"]).toEqual([{ kind: "delete", reason: "deleteMany with an empty filter removes every document of orders" }])
    }))

  it.scopedLive("named tables that do not fit the model's window: ContextTooLong with the tables, nothing sent", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured({ fallback: false })
      // Cloudflare's default model reads 24,000 tokens: an answer budget of nearly all of it.
      expect((yield* invoke("ai:providers:save", "cloudflare", { maxTokens: 23_950 })).success).toBe(true)
      const r = yield* invoke("ai:explain-query", { query: "SELECT * FROM orders", connection_id: "conn-pg", schema_context: chatSchema })
      expect(r).toMatchObject({ success: false, error_kind: "ContextTooLong", provider: "cloudflare", tables: ["orders"], explanation: "" })
      expect(r.error).toContain("orders")
      expect(cf.chatRequests()).toHaveLength(0)
    }))
})

describe("the rule-based channels", () => {
  it.scopedLive("ai:analyze-schema, ai:suggest-indexes, ai:analyze-relationships, ai:generate-common-queries and ai:suggest-completion", () =>
    Effect.gen(function*() {
      const { invoke } = yield* setup()
      expect(yield* invoke("ai:analyze-schema", "conn-pg", "public", schemaTables)).toEqual({
        success: true,
        schema_name: "public",
        summary: "Schema \"public\" contains 2 tables. Detected 1 relationship between tables.",
        design_patterns: ["Audit trail pattern with timestamp tracking"],
        relationships: ["orders.customer_id → customers.id"],
        optimization_suggestions: ["Consider adding indexes on foreign key columns for better join performance"],
        table_count: 2,
        relationship_count: 1
      })
      expect(yield* invoke("ai:analyze-schema", "conn-pg", "empty", {})).toEqual({
        success: false,
        error: "No tables found in schema",
        schema_name: "empty",
        summary: "",
        design_patterns: [],
        relationships: [],
        optimization_suggestions: []
      })
      expect(yield* invoke("ai:suggest-indexes", "orders", orderColumns, ["SELECT * FROM orders WHERE id = 1"], "postgresql")).toEqual({
        success: true,
        table_name: "orders",
        index_suggestions: [
          { type: "btree", columns: ["customer_id"], reason: "Foreign key column customer_id would benefit from an index" },
          { type: "btree", columns: ["created_at"], reason: "Date/time column created_at commonly used in WHERE clauses" }
        ],
        performance_impact: "medium",
        statements: ["CREATE INDEX idx_orders_customer_id ON orders (customer_id);", "CREATE INDEX idx_orders_created_at ON orders (created_at);"]
      })
      expect(yield* invoke("ai:analyze-relationships", schemaTables, "postgresql")).toEqual({
        success: true,
        relationships: [{
          from_table: "orders",
          from_column: "customer_id",
          to_table: "customers",
          to_column: "id",
          relationship_type: "many_to_one",
          confidence: "medium"
        }],
        total_suggestions: 1
      })
      const queries = yield* invoke("ai:generate-common-queries", "orders", orderColumns, "sqlite")
      expect(queries).toMatchObject({ success: true, table_name: "orders", total_generated: 3 })
      expect(queries.queries.map((q: { name: string }) => q.name)).toEqual(["Select All Records", "Count Records", "Recent Records by created_at"])
      expect(queries.queries[2].query).toBe("SELECT * FROM orders WHERE created_at >= datetime('now', '-7 days') ORDER BY created_at DESC;")
      expect(yield* invoke("ai:generate-common-queries", { table_name: "orders", columns: orderColumns, db_type: "mysql" }))
        .toMatchObject({ success: true, total_generated: 3 })
      expect(yield* invoke("ai:suggest-completion", "SELECT * FR", 11, chatSchema, "postgresql")).toEqual({
        success: true,
        suggestions: [{ text: "SELECT * FROM ", type: "keyword" }, { text: "WHERE ", type: "keyword" }, { text: "ORDER BY ", type: "keyword" }],
        context: "basic"
      })
      expect(yield* invoke("ai:suggest-indexes", "", orderColumns, null, "postgresql"))
        .toMatchObject({ success: false, error: "Please provide a table name", index_suggestions: [] })
    }))
})

describe("failures", () => {
  it.scopedLive("a failing primary: the response names the fallback provider, the event is kept, the metrics count it", () =>
    Effect.gen(function*() {
      const { cf, invoke, oa } = yield* configured({ cloudflareToken: WRONG_CF_TOKEN })
      const r = yield* invoke("ai:generate-query", { natural_language: "list customers", connection_id: "conn-pg", schema_context: chatSchema })
      expect(r).toMatchObject({ success: true, provider: "openai", model: "gpt-4.1-mini", fallback: true })
      expect(r.sql).toContain("FROM customers")
      expect(r.failed_providers).toEqual([{
        provider: "cloudflare",
        error: expect.stringMatching(/ \(provider: Cloudflare Workers AI, status 401\)$/),
        error_kind: "AuthenticationError",
        status: 401
      }])
      expect(cf.chatRequests()).toHaveLength(1)
      expect(oa.chatRequests()).toHaveLength(1)

      const events = yield* invoke("ai:events:recent")
      expect(events.events).toEqual([{
        type: "FallbackTaken",
        at: expect.any(Number),
        from: "cloudflare",
        to: "openai",
        error: r.failed_providers[0].error,
        error_kind: "AuthenticationError",
        status: 401
      }])
      expect((yield* invoke("ai:events:recent", { limit: 0 })).events).toEqual([])

      expect(yield* invoke("ai:providers:status")).toMatchObject({
        success: true,
        active_provider: "cloudflare",
        last_served_by: "openai",
        fallback_serving: "openai"
      })
      const metrics = yield* invoke("ai:metrics:summary")
      expect(metrics.summary).toMatchObject({ requests: 2, successes: 1, failures: 1 })
      expect(metrics.summary.errors).toEqual([{ tag: "AuthenticationError", count: 1 }])
      expect(metrics.costs.period).toBe("day")
      expect((yield* invoke("ai:metrics:summary", { provider: "openai", period: "month" })).summary.requests).toBe(1)

      // The usage panel: the same two attempts over time, in provider order, and as a file.
      const before = Date.now()
      const timeline = yield* invoke("ai:metrics:timeline", { bucket: "hour" })
      expect(timeline).toMatchObject({ success: true, timeline: { bucket: "hour", to: expect.any(Number) } })
      expect(timeline.timeline.to - timeline.timeline.from).toBe(7 * 86_400_000)
      const points = timeline.timeline.points
      expect(points.map((p: { provider: string; requests: number; successes: number; failures: number }) => [p.provider, p.requests, p.successes, p.failures]))
        .toEqual([["cloudflare", 1, 0, 1], ["openai", 1, 1, 0]])
      expect(points.every((p: { at: number }) => p.at % 3_600_000 === 0 && p.at <= before)).toBe(true)
      expect(points[0]).toMatchObject({ latencyP50Ms: null, latencyP95Ms: null })
      expect(points[1].latencyP50Ms).toBe(points[1].latencyP95Ms)
      expect(points[1].latencyP50Ms).toBeGreaterThanOrEqual(0)
      expect((yield* invoke("ai:metrics:timeline", { provider: "openai" })).timeline.points.map((p: { provider: string }) => p.provider)).toEqual(["openai"])

      const csv = yield* invoke("ai:metrics:export", { format: "csv" })
      const today = [before, Date.now()].map((t) => `dbtk-ai-usage-${new Date(t).toISOString().slice(0, 10)}.csv`)
      expect(csv).toMatchObject({ success: true, format: "csv" })
      expect(today).toContain(csv.filename)
      expect(csv.content).toMatch(/^provider,feature,uses,attempts,failures,/)
      expect(csv.content).toContain("\r\ncloudflare,generate,0,1,1,")
      expect(csv.content).toContain("\r\nopenai,generate,1,1,0,")
      const json = yield* invoke("ai:metrics:export", { format: "json", from: 0, to: Date.UTC(2100, 0, 2) })
      expect(json).toMatchObject({ success: true, format: "json", filename: "dbtk-ai-usage-2100-01-02.json" })
      expect(JSON.parse(json.content)).toMatchObject({ from: 0, to: Date.UTC(2100, 0, 2), totals: { uses: 1, attempts: 2, failures: 1 } })
      const earlier = yield* invoke("ai:metrics:export", { format: "csv", to: before - 86_400_000 })
      expect(earlier.content.split("\r\n").filter(Boolean)).toHaveLength(1)
    }))

  it.scopedLive("ai:events:recent keeps the last N events, oldest first", () =>
    Effect.gen(function*() {
      const { invoke } = yield* configured({ cloudflareToken: WRONG_CF_TOKEN }, { eventBufferSize: 2 })
      for (const request of ["list customers", "list orders", "count orders"]) {
        const r = yield* invoke("ai:generate-sql", request, fixSchema, "postgresql")
        expect(r).toMatchObject({ success: true, provider: "openai", fallback: true })
      }
      const events = (yield* invoke("ai:events:recent")).events
      expect(events.map((e: { type: string; from: string; to: string }) => [e.type, e.from, e.to])).toEqual([
        ["FallbackTaken", "cloudflare", "openai"],
        ["FallbackTaken", "cloudflare", "openai"]
      ])
      expect(events[0].at).toBeLessThanOrEqual(events[1].at)
      expect((yield* invoke("ai:events:recent", 1)).events).toEqual([events[1]])
    }))

  it.scopedLive("provider errors carry the provider and its status; when all fail, every one is listed; never a key", () =>
    Effect.gen(function*() {
      const { ipc, invoke } = yield* configured({ cloudflareToken: WRONG_CF_TOKEN, openaiKey: WRONG_OPENAI_KEY })
      const all = yield* invoke("ai:generate-query", { natural_language: "list customers", connection_id: "conn-pg", schema_context: chatSchema })
      expect(all).toMatchObject({ success: false, sql: "", explanation: "", error_kind: "AllProvidersFailed" })
      expect(all.error).toMatch(
        /^All AI providers failed: .+ \(provider: Cloudflare Workers AI, status 401\); .+ \(provider: OpenAI, status 401\)$/
      )
      expect(all.attempts.map((a: { provider: string; status: number }) => [a.provider, a.status])).toEqual([["cloudflare", 401], ["openai", 401]])

      yield* invoke("ai:settings:update", { fallback: { enabled: false } })
      const one = yield* invoke("ai:fix-query", { query: "SELEC 1", error_message: "syntax error", connection_id: "conn-pg", schema_context: fixSchema })
      expect(one).toMatchObject({
        success: false,
        explanation: "",
        fixed_query: "",
        error_kind: "AuthenticationError",
        provider: "cloudflare",
        status: 401
      })
      expect(one.error).toMatch(/ \(provider: Cloudflare Workers AI, status 401\)$/)

      const test = yield* invoke("ai:providers:test", "openai")
      expect(test).toMatchObject({ success: false, ok: false, provider: "openai", error_kind: "AuthenticationError" })
      expect(test.error).toMatch(/\(provider: OpenAI, status 401\)$/)
      // With validate, a key that does not work is refused and nothing is stored.
      const refused = yield* invoke("ai:providers:save", "openai", { apiKey: "sk-another-SECRET-1111111111111111" }, { validate: true })
      expect(refused).toMatchObject({ success: false, provider: "openai", status: 401, test: { ok: false, provider: "openai" } })
      expect((yield* invoke("ai:settings:get")).providers.find((p: { id: string }) => p.id === "openai").revision).toBe(1)
      noSecrets(ipc.calls)
    }))

  it.scopedLive("a budget limit stops the request with its message, and nothing is sent", () =>
    Effect.gen(function*() {
      const { cf, invoke } = yield* configured()
      yield* invoke("ai:settings:update", { budget: { dailyUsd: 0 } })
      const r = yield* invoke("ai:explain-query", { query: "SELECT 1", connection_id: "conn-pg", schema_context: {} })
      expect(r).toMatchObject({ success: false, explanation: "", error_kind: "BudgetExceeded", budget: { kind: "daily", limit_usd: 0, spent_usd: 0 } })
      expect(r.error).toBe("The daily AI budget of $0.00 is used up: $0.00 spent today; nothing was sent")
      expect(cf.chatRequests()).toHaveLength(0)
    }))

  it.scopedLive("bad input names the field", () =>
    Effect.gen(function*() {
      const { invoke } = yield* configured()
      expect(yield* invoke("ai:explain-query", { query: "SELECT 1", connection_id: "conn-pg", schema_context: 42 }))
        .toMatchObject({ success: false, field: "schema_context", explanation: "", error: expect.stringMatching(/^Invalid schema_context: /) })
      expect(yield* invoke("ai:explain-query", { connection_id: "conn-pg" }))
        .toMatchObject({ success: false, field: "query", error: "Please provide a query to explain" })
      expect(yield* invoke("ai:providers:models", "watsonx"))
        .toMatchObject({ success: false, field: "provider", error: expect.stringMatching(/^Invalid provider: expected one of cloudflare, openai/) })
      expect(yield* invoke("ai:settings:update", { activeProvider: "gemini" }))
        .toMatchObject({ success: false, field: "activeProvider", error_kind: "SettingsInvalid" })
      expect(yield* invoke("ai:cost:estimate", { operation: "translate" })).toMatchObject({ success: false, field: "operation" })
      expect(yield* invoke("ai:metrics:summary", { period: "week" })).toMatchObject({ success: false, error_kind: "MetricsError" })
      const metricsRefusal = (field: string) => ({ success: false, error_kind: "MetricsError", field, error: expect.stringMatching(new RegExp(`^Invalid .*${field}`)) })
      expect(yield* invoke("ai:metrics:timeline", { bucket: "week" })).toMatchObject(metricsRefusal("bucket"))
      expect(yield* invoke("ai:metrics:timeline", { provider: "watsonx" })).toMatchObject(metricsRefusal("provider"))
      expect(yield* invoke("ai:metrics:timeline", { from: 10, to: 10 })).toMatchObject(metricsRefusal("to"))
      expect(yield* invoke("ai:metrics:timeline", { from: 0, bucket: "hour" })).toMatchObject(metricsRefusal("from"))
      expect(yield* invoke("ai:metrics:export", { format: "xml" })).toMatchObject(metricsRefusal("format"))
      expect(yield* invoke("ai:metrics:export")).toMatchObject(metricsRefusal("format"))
      expect(yield* invoke("ai:metrics:export", { format: "csv", from: 5, to: 1 })).toMatchObject(metricsRefusal("to"))
      expect(yield* invoke("ai:metrics:export", { format: "csv", to: 9e15 })).toMatchObject(metricsRefusal("to"))
    }))
})

describe("the settings panel's channels", () => {
  it.scopedLive("settings, connection test with its response time, models, status, cost estimate; never a secret", () =>
    Effect.gen(function*() {
      const { ipc, invoke } = yield* configured()
      const got = yield* invoke("ai:settings:get")
      expect(got.success).toBe(true)
      expect(got.settings).toMatchObject({ activeProvider: "cloudflare", fallback: { enabled: true, order: ["cloudflare", "openai"] }, health: { enabled: false } })
      const cloudflare = got.providers.find((p: { id: string }) => p.id === "cloudflare")
      expect(cloudflare).toMatchObject({ display_name: "Cloudflare Workers AI", enabled: true, secrets_set: ["apiToken"], problem: null })
      expect(cloudflare.config.accountId).toBe(CLOUDFLARE_ACCOUNT_ID)
      expect(cloudflare.config.apiToken).toBeUndefined()
      expect(got.catalog.map((c: { id: string; configured: boolean }) => [c.id, c.configured])).toEqual([
        ["cloudflare", true],
        ["openai", true],
        ["ollama", false],
        ["anthropic", false],
        ["azure-openai", false],
        ["gemini", false]
      ])
      // Each entry carries its form fields, read from the provider's config Schema.
      const cfEntry = got.catalog.find((c: { id: string }) => c.id === "cloudflare")
      expect(cfEntry.fields.map((f: { name: string; kind: string; required: boolean }) => [f.name, f.kind, f.required])).toEqual([
        ["accountId", "string", true],
        ["apiToken", "secret", true],
        ["model", "string", false],
        ["baseUrl", "url", false],
        ["temperature", "number", false],
        ["maxTokens", "integer", false]
      ])

      const test = yield* invoke("ai:providers:test", { provider: "cloudflare" })
      expect(test).toMatchObject({ success: true, ok: true, provider: "cloudflare", model: "@cf/meta/llama-3.3-70b-instruct-fp8-fast", model_available: true })
      expect(test.latency_ms).toBeGreaterThanOrEqual(0)
      expect(typeof test.details).toBe("string")

      const models = yield* invoke("ai:providers:models", "openai")
      expect(models.success).toBe(true)
      expect(models.models.map((m: { id: string }) => m.id)).toContain("gpt-4.1-mini")

      const status = yield* invoke("ai:providers:status")
      expect(status).toMatchObject({ success: true, active_provider: "cloudflare", last_served_by: null, fallback_serving: null })
      expect(status.providers.map((p: { id: string; configured: boolean }) => [p.id, p.configured]).slice(0, 3))
        .toEqual([["cloudflare", true], ["openai", true], ["ollama", false]])

      const estimate = yield* invoke("ai:cost:estimate", { operation: "generate", natural_language: "list customers", connection_id: "conn-pg", schema_context: chatSchema })
      expect(estimate).toMatchObject({ success: true, operation: "generate", provider: "cloudflare", max_output_tokens: 2048 })
      expect(estimate.input_tokens).toBeGreaterThan(0)
      const pinned = yield* invoke("ai:cost:estimate", { operation: "fix", query: "SELEC 1", error_message: "syntax error", provider: "openai" })
      expect(pinned).toMatchObject({ success: true, provider: "openai", input_tokens_exact: true })
      expect(pinned.max_usd).toBeGreaterThan(pinned.min_usd)

      // Saving with validate reports the test; leaving the key out keeps the stored one.
      const saved = yield* invoke("ai:providers:save", { provider: "openai", config: { model: "gpt-4o" }, validate: true })
      expect(saved).toMatchObject({ success: true, provider: "openai", test: { ok: true, model: "gpt-4o", model_available: true } })
      const disabled = yield* invoke("ai:providers:save", "openai", {}, { enabled: false })
      expect(disabled).toMatchObject({ success: true, test: null })
      expect((yield* invoke("ai:settings:get")).providers.find((p: { id: string }) => p.id === "openai")).toMatchObject({
        enabled: false,
        config: { model: "gpt-4o" },
        secrets_set: ["apiKey"]
      })
      expect(yield* invoke("ai:providers:remove", "openai")).toEqual({ success: true, provider: "openai" })
      expect((yield* invoke("ai:settings:get")).providers.map((p: { id: string }) => p.id)).toEqual(["cloudflare"])
      noSecrets(ipc.calls)
    }))
})

describe("handlers never reject", () => {
  it.scopedLive("a payload that throws when read, a dying service, a failing connection lookup", () =>
    Effect.gen(function*() {
      const { invoke } = yield* setup()
      const trap = {
        connection_id: "conn-pg",
        get natural_language(): string {
          throw new Error("payload getter exploded")
        }
      }
      // Arguments are read once, before any handler: a payload that throws is bad input.
      expect(yield* invoke("ai:generate-query", trap)).toEqual({
        success: false,
        error: "Invalid argument 1: could not be read",
        error_kind: "InvalidIpcInput",
        field: "argument 1",
        sql: "",
        explanation: ""
      })

      const dying = (dir: string) =>
        Layer.merge(
          stackAt(dir),
          Layer.succeed(AiService, {
            generateSql: () => Effect.die(new Error("generateSql is broken")),
            explainSql: () => Effect.die("explain is broken"),
            optimizeSql: () => Effect.die(new Error("broken")),
            fixSql: () => Effect.die(new Error("broken")),
            run: (task) => Effect.die(task._tag === "GenerateSql" ? new Error("generateSql is broken") : "explain is broken"),
            stream: () => Stream.die(new Error("broken")),
            prepare: (task) => Prepared.prepare("openai", task),
            capacity: () => Effect.die(new Error("broken")),
            estimate: () => Effect.die(new Error("broken")),
            status: Effect.die(new Error("status is broken")),
            events: Stream.empty
          })
        )
      const broken = yield* setup(dying)
      yield* broken.invoke("ai:providers:save", "openai", { apiKey: OPENAI_KEY })
      expect(yield* broken.invoke("ai:generate-sql", "list customers", fixSchema, "postgresql"))
        .toMatchObject({ success: false, error: "Internal error in the AI service: generateSql is broken", sql: "", explanation: "" })
      expect(yield* broken.invoke("ai:explain-query", { query: "SELECT 1" }))
        .toMatchObject({ success: false, error: "Internal error in the AI service: explain is broken", explanation: "" })
      expect(yield* broken.invoke("ai:providers:status")).toMatchObject({ success: false, error: "Internal error in the AI service: status is broken" })

      // The rule-based channels read their arguments the same way.
      const tables = {
        get tables(): unknown {
          throw new Error("tables getter exploded")
        }
      }
      expect(yield* invoke("ai:analyze-schema", tables)).toMatchObject({
        success: false,
        error: "Invalid argument 1: could not be read",
        error_kind: "InvalidIpcInput",
        design_patterns: []
      })

      const lookupFails = yield* setup(undefined, {
        dbTypeOf: () => {
          throw new Error("connection manager is gone")
        }
      })
      expect(yield* lookupFails.invoke("ai:generate-common-queries", { connection_id: "conn-my", table_name: "orders", columns: orderColumns }))
        .toMatchObject({ success: true })
      // A lookup that answers something else than a string, or never answers, is an unknown
      // connection too (PostgreSQL).
      const odd = yield* setup(undefined, { dbTypeOf: () => 42 as unknown as string })
      expect(yield* odd.invoke("ai:generate-common-queries", { connection_id: "conn-my", table_name: "orders", columns: orderColumns }))
        .toMatchObject({ success: true })
    }))

  it.scopedLive("a runtime that cannot start, or was disposed, is an answer too", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "not-a-folder")
      Fs.writeFileSync(file, "")
      // The database would be created under a regular file: the stack cannot start.
      const failing = yield* setup(() => stackAt(Path.join(file, "sub")))
      const r = yield* failing.invoke("ai:generate-query", { natural_language: "list customers", connection_id: "conn-pg", schema_context: chatSchema })
      expect(r).toMatchObject({ success: false, sql: "", explanation: "", error_kind: "Unavailable" })
      expect(r.error).toMatch(/^The AI service is not available: Could not create the folder of .*ENOTDIR/)
      // The rule-based channels need no runtime: they still answer.
      expect(yield* failing.invoke("ai:analyze-relationships", schemaTables)).toMatchObject({ success: true, total_suggestions: 1 })

      const { invoke, runtime } = yield* setup()
      yield* Effect.promise(() => runtime.dispose())
      expect(yield* invoke("ai:fix-query", { query: "SELEC 1", error_message: "syntax error" }))
        .toMatchObject({ success: false, error_kind: "Unavailable", explanation: "", fixed_query: "" })
    }))
})
