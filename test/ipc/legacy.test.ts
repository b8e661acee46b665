import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as AiError from "../../src/domain/AiError.js"
import { BudgetExceeded } from "../../src/domain/Budget.js"
import * as Legacy from "../../src/ipc/legacy.js"
import * as Requests from "../../src/ipc/requests.js"
import { AllProvidersFailed } from "../../src/resilience/Fallback.js"
import { AiNotConfigured } from "../../src/services/AiService.js"

describe("error shapes", () => {
  it("carry each channel's empty fields, as DB Toolkit's did", () => {
    const shapes = Object.fromEntries(Legacy.channels.map((c) => [c, Legacy.failure(c, "x")]))
    expect(shapes).toEqual({
      "ai:generate-query": { success: false, error: "x", sql: "", explanation: "" },
      "ai:generate-sql": { success: false, error: "x", sql: "", explanation: "" },
      "ai:explain-query": { success: false, error: "x", explanation: "" },
      "ai:optimize-query": { success: false, error: "x", suggestions: [] },
      "ai:fix-query": { success: false, error: "x", explanation: "", fixed_query: "" },
      "ai:suggest-completion": { success: false, error: "x", suggestions: [] },
      "ai:analyze-table": { success: false, error: "x", table_name: "", summary: "", suggestions: [] },
      "ai:analyze-schema": { success: false, error: "x", summary: "", design_patterns: [], relationships: [], optimization_suggestions: [] },
      "ai:suggest-indexes": { success: false, error: "x", index_suggestions: [] },
      "ai:analyze-relationships": { success: false, error: "x", relationships: [] },
      "ai:generate-common-queries": { success: false, error: "x", queries: [] }
    })
    expect(Legacy.failure("ai:settings:get", "x")).toEqual({ success: false, error: "x" })
  })

  it("say 'AI not configured' in DB Toolkit's words per channel", () => {
    const e = new AiNotConfigured({ message: "AI not configured" })
    expect(Legacy.fromError("ai:generate-query", e).error).toBe("AI not configured. Set CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN in .env")
    expect(Legacy.fromError("ai:generate-sql", e).error).toBe("AI not configured. Set CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN in .env")
    for (const c of ["ai:explain-query", "ai:optimize-query", "ai:fix-query", "ai:analyze-table", "ai:cost:estimate"]) {
      expect(Legacy.fromError(c, e).error).toBe("AI not configured")
    }
  })

  it("add the provider and its status to a provider error (the status only when there was one)", () => {
    const auth = new AiError.AuthenticationError({ provider: "anthropic", message: "invalid x-api-key", status: 401 })
    expect(Legacy.fromError("ai:explain-query", auth)).toEqual({
      success: false,
      error: "invalid x-api-key (provider: Anthropic, status 401)",
      explanation: "",
      error_kind: "AuthenticationError",
      provider: "anthropic",
      status: 401
    })
    const config = new AiError.ConfigInvalid({ provider: "cloudflare", field: "accountId", reason: "is missing", message: "Invalid Cloudflare config: accountId is missing" })
    expect(Legacy.fromError("ai:providers:save", config)).toEqual({
      success: false,
      error: "Invalid Cloudflare config: accountId is missing (provider: Cloudflare Workers AI)",
      error_kind: "ConfigInvalid",
      provider: "cloudflare",
      field: "accountId"
    })
    const timeout = new AiError.Timeout({ provider: "ollama", message: "No answer within 60s" })
    expect(Legacy.fromError("ai:fix-query", timeout).error).toBe("No answer within 60s (provider: Ollama)")
  })

  it("list every provider when all failed, and keep the message when none could be tried", () => {
    const failed = new AllProvidersFailed({
      message: "Every provider failed",
      attempts: [
        { provider: "cloudflare", error: new AiError.ProviderUnavailable({ provider: "cloudflare", message: "Bad gateway", status: 502 }) },
        { provider: "gemini", error: new AiError.QuotaExhausted({ provider: "gemini", message: "Quota exceeded", status: 429 }) }
      ]
    })
    const r = Legacy.fromError("ai:generate-query", failed)
    expect(r.error).toBe("All AI providers failed: Bad gateway (provider: Cloudflare Workers AI, status 502); Quota exceeded (provider: Google Gemini, status 429)")
    expect(r["attempts"]).toEqual([
      { provider: "cloudflare", error: "Bad gateway (provider: Cloudflare Workers AI, status 502)", error_kind: "ProviderUnavailable", status: 502 },
      { provider: "gemini", error: "Quota exceeded (provider: Google Gemini, status 429)", error_kind: "QuotaExhausted", status: 429 }
    ])
    const none = new AllProvidersFailed({ message: "No AI provider is available: configure one, or enable a disabled one", attempts: [] })
    expect(Legacy.fromError("ai:fix-query", none).error).toBe("No AI provider is available: configure one, or enable a disabled one")
  })

  it("give a budget's message and its limit", () => {
    const e = new BudgetExceeded({ kind: "monthly", limitUsd: 5, spentUsd: 5.2, message: "The monthly AI budget of $5.00 is used up" })
    expect(Legacy.fromError("ai:optimize-query", e)).toEqual({
      success: false,
      error: "The monthly AI budget of $5.00 is used up",
      suggestions: [],
      error_kind: "BudgetExceeded",
      budget: { kind: "monthly", limit_usd: 5, spent_usd: 5.2, estimate_usd: null }
    })
  })

  it("name the field of bad input, and answer defects and an unavailable runtime", () => {
    expect(Legacy.fromError("ai:fix-query", new Requests.InvalidIpcInput({ field: "query", message: "Please provide the query to fix" })))
      .toMatchObject({ error: "Please provide the query to fix", field: "query", error_kind: "InvalidIpcInput", fixed_query: "" })
    expect(Legacy.fromDefect("ai:explain-query", new TypeError("x is undefined")))
      .toEqual({ success: false, error: "Internal error in the AI service: x is undefined", error_kind: "Defect", explanation: "" })
    expect(Legacy.fromDefect("ai:explain-query", { weird: true }).error).toBe("Internal error in the AI service: unknown error")
    expect(Legacy.unavailable("ai:generate-sql", new Error("database is locked")))
      .toEqual({ success: false, error: "The AI service is not available: database is locked", error_kind: "Unavailable", sql: "", explanation: "" })
  })
})

describe("events", () => {
  it("become plain data, an error as its message", () => {
    const error = new AiError.RateLimited({ provider: "openai", message: "Rate limit reached", status: 429 })
    expect(Legacy.eventView({ _tag: "FallbackTaken", from: "openai", to: "anthropic", error, at: 5 })).toEqual({
      type: "FallbackTaken",
      at: 5,
      from: "openai",
      to: "anthropic",
      error: "Rate limit reached (provider: OpenAI, status 429)",
      error_kind: "RateLimited",
      status: 429
    })
    expect(Legacy.eventView({ _tag: "ProviderDown", provider: "ollama", error: "refused", at: 1 }))
      .toEqual({ type: "ProviderDown", at: 1, provider: "ollama", error: "refused" })
    expect(Legacy.eventView({ _tag: "ProviderDisabled", provider: "ollama", reason: "3 failed checks", at: 2 }))
      .toEqual({ type: "ProviderDisabled", at: 2, provider: "ollama", reason: "3 failed checks" })
    expect(Legacy.eventView({ _tag: "ProviderRecovered", provider: "ollama", at: 3 })).toEqual({ type: "ProviderRecovered", at: 3, provider: "ollama" })
    expect(Legacy.eventView({ _tag: "BudgetNearLimit", kind: "daily", spentUsd: 0.8, limitUsd: 1, at: 4 }))
      .toEqual({ type: "BudgetNearLimit", at: 4, kind: "daily", spent_usd: 0.8, limit_usd: 1 })
  })
})

describe("argument styles", () => {
  it("read object and positional payloads alike", () => {
    expect(Requests.generate([{ natural_language: "q", connection_id: 7, schema_context: { a: 1 } }]))
      .toEqual({ prompt: "q", connectionId: "7", dbType: undefined, schema: { a: 1 } })
    expect(Requests.generate(["q", { a: 1 }, "mysql"])).toEqual({ prompt: "q", connectionId: undefined, dbType: "mysql", schema: { a: 1 } })
    expect(Requests.explain(["SELECT 1", "sqlite", { t: [] }])).toEqual({ query: "SELECT 1", connectionId: undefined, dbType: "sqlite", schema: { t: [] } })
    expect(Requests.optimize([{ query: "q", executionPlan: "p", connectionId: "c" }]))
      .toEqual({ query: "q", plan: "p", connectionId: "c", dbType: undefined, schema: undefined })
    expect(Requests.fix(["q", "err", "mysql", {}])).toEqual({ query: "q", errorMessage: "err", connectionId: undefined, dbType: "mysql", schema: {} })
    expect(Requests.table([{ connectionId: "c", tableName: "t", columns: [] }, undefined, "mysql"]))
      .toEqual({ connectionId: "c", dbType: "mysql", tableName: "t", columns: [] })
    expect(Requests.table([{ connection_id: "c", table_name: "t", db_type: "sqlite" }]))
      .toEqual({ connectionId: "c", dbType: "sqlite", tableName: "t", columns: undefined })
    expect(Requests.schemaAnalysis(["c", "public", { t: [] }])).toEqual({ connectionId: "c", dbType: undefined, schemaName: "public", tables: { t: [] } })
    // An early version of the schema screen sent one table.
    expect(Requests.schemaAnalysis([{ connection_id: "c", table_name: "t", columns: [{ name: "id" }] }]).tables).toEqual({ t: [{ name: "id" }] })
    expect(Requests.indexes(["t", [], ["SELECT 1"], "mssql"])).toEqual({ connectionId: undefined, dbType: "mssql", tableName: "t", columns: [], queryPatterns: ["SELECT 1"] })
  })

  it.effect("read a table from DB Toolkit's column shapes, and nothing without a name", () =>
    Effect.gen(function*() {
      expect(yield* Requests.tableOf("t", [{ column_name: "id", data_type: "int" }, { name: "x", type: "text" }]))
        .toEqual({ name: "t", columns: [{ name: "id", type: "int" }, { name: "x", type: "text" }] })
      expect(yield* Requests.tableOf("t", "not columns")).toEqual({ name: "t", columns: [] })
      expect(yield* Requests.tableOf(" ", [])).toBeUndefined()
      expect(yield* Requests.tableOf(undefined, [])).toBeUndefined()
    }))

  it("read the settings panel's arguments", () => {
    expect(Requests.providerOf(["openai"])).toEqual(Either.right("openai"))
    expect(Requests.providerOf([{ id: "gemini" }])).toEqual(Either.right("gemini"))
    expect(Either.getLeft(Requests.providerOf([{ provider: 3 }])).pipe(Option.map((e) => e.field))).toEqual(Option.some("provider"))
    expect(Requests.providerConfig(["openai", { apiKey: "k" }, { validate: true, enabled: false }]))
      .toEqual({ config: { apiKey: "k" }, validate: true, enabled: false })
    expect(Requests.providerConfig([{ provider: "openai", config: { model: "m" } }])).toEqual({ config: { model: "m" }, validate: false, enabled: undefined })
    expect(Requests.limitOf([{ limit: 3.7 }])).toBe(3)
    expect(Requests.limitOf([-1])).toBeUndefined()
  })
})
