import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Layer, Redacted, Stream } from "effect"
import * as AiError from "../../src/domain/AiError.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as OpenAi from "../../src/providers/openai/OpenAi.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { expectFailure, HttpLive, SECRET_KEY, shopSchema } from "../support/http.js"
import { harness } from "../support/provider.js"

interface Setup {
  readonly emulator?: Emulator.Options
  readonly config?: Partial<OpenAi.ConfigInput>
}

const { failWith, withProvider: withOpenAi } = harness<Setup>({
  start: (setup) => OpenAiEmulator.make({ apiKey: SECRET_KEY, ...setup.emulator }),
  make: (emu, setup) => OpenAi.make({ apiKey: SECRET_KEY, baseUrl: emu.baseUrl, ...setup.config }),
  call: (p) => p.generateSql({ prompt: "list customers", schema: shopSchema, dialect: "postgresql" })
})

describe("OpenAi provider over loopback HTTP", () => {
  describe("reasoning models", () => {
    it.live("get a default answer budget that leaves room for the answer (16,384 max_completion_tokens; others 2,048 max_tokens)", () =>
      withOpenAi((emu, provider) =>
        Effect.gen(function*() {
          yield* provider.explainSql({ sql: "SELECT 1", dialect: "generic" })
          expect(emu.chatRequests()[0]!.body).toMatchObject({ max_completion_tokens: 16_384 })
          expect(emu.chatRequests()[0]!.body).not.toHaveProperty("max_tokens")
        }), { config: { model: "o4-mini" } }).pipe(
        Effect.zipRight(withOpenAi((emu, provider) =>
          Effect.gen(function*() {
            yield* provider.explainSql({ sql: "SELECT 1", dialect: "generic" })
            expect(emu.chatRequests()[0]!.body).toMatchObject({ max_tokens: 2_048 })
          })))
      ))

    it.live("a budget spent on reasoning before any answer says how much went to reasoning", () =>
      withOpenAi((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "Empty" }, finishReason: "length", usage: { inputTokens: 300, outputTokens: 1_000, reasoningTokens: 1_000 } })
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.explainSql({ sql: "SELECT 1", dialect: "generic" })))
          expect(error.message).toContain("spent its whole token budget (maxTokens 1000) before writing any answer, 1000 of it on reasoning")
        }), { config: { model: "o4-mini", maxTokens: 1_000 }, emulator: { models: ["o4-mini"] } }))
  })

  it.live("generateSql sends the documented request and parses the answer", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        const result = yield* provider.generateSql({ prompt: "list customers with their email", schema: shopSchema, dialect: "postgresql" })
        expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
        expect(result.explanation).toBe("Lists rows of customers.")
        expect(result.meta.provider).toBe("openai")
        expect(result.meta.model).toBe("gpt-4.1-mini")
        expect(result.meta.finishReason).toBe("stop")
        expect(result.meta.usage.inputTokens).toBeGreaterThan(0)
        expect(result.meta.requestId).toMatch(/^req_emu_/)

        const [req] = emu.chatRequests()
        expect(req!.method).toBe("POST")
        expect(req!.path).toBe("/v1/chat/completions")
        expect(req!.headers["authorization"]).toBe(`Bearer ${SECRET_KEY}`)
        expect(req!.headers["content-type"]).toBe("application/json")
        expect(req!.headers["traceparent"]).toBeUndefined()
        expect(req!.headers["b3"]).toBeUndefined()
        expect(req!.headers["openai-organization"]).toBeUndefined()
        const body = req!.body as Record<string, any>
        expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model", "response_format", "stream", "temperature"])
        expect(body.model).toBe("gpt-4.1-mini")
        // No temperature in the config: the hosted profile's 0 for SQL.
        expect(body.temperature).toBe(0)
        expect(body.response_format.type).toBe("json_schema")
        expect(body.response_format.json_schema.name).toBe("sql_answer")
        expect(body.max_tokens).toBe(2048)
        expect(body.stream).toBe(false)
        expect(body.messages).toHaveLength(2)
        expect(body.messages[0]).toEqual({ role: "system", content: Prompts.system })
        expect(body.messages[1].role).toBe("user")
        expect(body.messages[1].content).toContain("customers(id integer, email text, name text)")
        expect(body.messages[1].content).toContain("PostgreSQL")
        expect(body.messages[1].content).toContain("list customers with their email")
      })))

  it.live("sends OpenAI-Organization and OpenAI-Project when configured", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
        const [req] = emu.chatRequests()
        expect(req!.headers["openai-organization"]).toBe("org-123")
        expect(req!.headers["openai-project"]).toBe("proj_456")
      }), { config: { organization: "org-123", project: "proj_456" } }))

  it.live("reasoning models get max_completion_tokens, the developer role and no temperature", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        yield* provider.generateSql({ prompt: "count orders", schema: shopSchema, dialect: "mysql" })
        const body = emu.chatRequests()[0]!.body as Record<string, any>
        expect(body.model).toBe("gpt-5-mini")
        expect(body.max_completion_tokens).toBe(512)
        expect(body.max_tokens).toBeUndefined()
        expect(body.temperature).toBeUndefined()
        expect(body.messages[0].role).toBe("developer")
      }), { config: { model: "gpt-5-mini", maxTokens: 512 } }))

  it.live("GPT-3.5 and other chat models keep max_tokens and temperature", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        yield* provider.generateSql({ prompt: "count orders", schema: shopSchema, dialect: "mysql" })
        const body = emu.chatRequests()[0]!.body as Record<string, any>
        expect(body.model).toBe("gpt-3.5-turbo")
        expect(body.max_tokens).toBe(2048)
        expect(body.temperature).toBe(0.7)
        expect(body.messages[0].role).toBe("system")
      }), { config: { model: "gpt-3.5-turbo", temperature: 0.7 } }))

  it.live("explain, optimize and fix parse their answers", () =>
    withOpenAi((_emu, provider) =>
      Effect.gen(function*() {
        const explained = yield* provider.explainSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(explained.explanation).toContain("orders")

        const optimized = yield* provider.optimizeSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql", executionPlan: { plan: "Seq Scan" } as never })
        expect(optimized.rating).toBe("fair")
        expect(optimized.changed).toBe(true)
        expect(optimized.optimizedSql).toBe("SELECT id, customer_id, total FROM orders WHERE customer_id = 1")
        expect(optimized.indexRecommendations[0]?.statement).toMatch(/^CREATE INDEX .* ON orders \(customer_id\);?$/)
        expect(optimized.suggestions).toEqual(["Select only the needed columns instead of *"])

        const fixed = yield* provider.fixSql({ sql: "SELECT id FROM order WHERE total > 10", errorMessage: "relation \"order\" does not exist", schema: shopSchema, dialect: "postgresql" })
        expect(fixed.fixedSql).toBe("SELECT id FROM orders WHERE total > 10")
        expect(fixed.cause).toContain("order does not exist")
      })))

  it.live("streams deltas, then the parsed result, with usage from the include_usage chunk", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 321, outputTokens: 45 } })
        const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" })))
        const deltas = events.filter((e) => e._tag === "TextDelta")
        expect(deltas.length).toBeGreaterThan(2)
        const last = events[events.length - 1]!
        expect(last._tag).toBe("Completed")
        if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("unexpected")
        expect(last.result.raw).toBe(deltas.map((d) => (d._tag === "TextDelta" ? d.text : "")).join(""))
        expect(last.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
        expect(last.result.meta.usage).toEqual({ inputTokens: 321, outputTokens: 45 })
        const body = emu.chatRequests()[0]!.body as Record<string, any>
        expect(body.stream).toBe(true)
        expect(body.stream_options).toEqual({ include_usage: true })
        expect(emu.chatRequests()[0]!.headers["accept"]).toBe("text/event-stream")
      })))

  const robust: ReadonlyArray<[string, Emulator.Options]> = [
    ["CRLF line endings", { lineEndings: "crlf" }],
    ["mixed line endings within one write", { lineEndings: "mixed", burst: true }],
    ["3-byte slices that split characters and CRLF pairs", { lineEndings: "crlf", byteChunkSize: 3 }],
    ["keep-alive comments between events", { keepAlive: true }],
    ["the whole stream in one burst", { burst: true }]
  ]
  for (const [name, options] of robust) {
    it.live(`streaming survives ${name}`, () =>
      withOpenAi((emu, provider) =>
        Effect.gen(function*() {
          const reply = "```sql\nSELECT name AS \"Größe 😀\" FROM customers LIMIT 100;\n```\nÜbersicht — ok."
          emu.script({ reply })
          const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "postgresql" })))
          const text = events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")
          expect(text).toBe(reply)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
          expect(last.result.sql).toBe("SELECT name AS \"Größe 😀\" FROM customers LIMIT 100;")
        }), { emulator: options }))
  }

  it.live("a stream cut mid-way is an InvalidResponse, never a partial answer", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ fault: { _tag: "CutStream", afterChunks: 3 } })
        const events: Array<string> = []
        const exit = yield* provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "postgresql" }).pipe(
          Stream.runForEach((e) => Effect.sync(() => events.push(e._tag))),
          Effect.exit
        )
        const error = expectFailure<AiError.AiError>(exit)
        expect(error._tag).toBe("InvalidResponse")
        expect(events).not.toContain("Completed")
        expect(events.length).toBeGreaterThan(0)
      })))

  it.live("an error event after HTTP 200 fails the stream with its classified error", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ fault: { _tag: "InBandError", kind: "server", afterChunks: 2 } })
        const exit = yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
        expect(expectFailure<AiError.AiError>(exit)._tag).toBe("ProviderUnavailable")
      })))

  it.live("a malformed stream event is an InvalidResponse", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ fault: { _tag: "MalformedJson" } })
        const exit = yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
        expect(expectFailure<AiError.AiError>(exit)._tag).toBe("InvalidResponse")
      })))

  describe("every documented error maps to its AiError", () => {
    const cases: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag, number, string | undefined]> = [
      ["auth", "AuthenticationError", 401, "invalid_api_key"],
      ["permission", "PermissionDenied", 403, "unsupported_country_region_territory"],
      ["rate-limit", "RateLimited", 429, "rate_limit_exceeded"],
      ["quota", "QuotaExhausted", 429, "insufficient_quota"],
      ["model-not-found", "ModelNotFound", 404, "model_not_found"],
      ["context-too-long", "ContextTooLong", 400, "context_length_exceeded"],
      ["content-filter", "ContentFiltered", 400, "content_policy_violation"],
      ["bad-request", "InvalidRequest", 400, "unsupported_parameter"],
      ["server", "ProviderUnavailable", 500, "server_error"],
      ["unavailable", "ProviderUnavailable", 503, "server_error"]
    ]
    for (const [kind, tag, status, code] of cases) {
      it.live(`${kind} -> ${tag}`, () =>
        Effect.gen(function*() {
          const error = yield* failWith({ _tag: "Error", kind })
          expect(error._tag).toBe(tag)
          expect(error.provider).toBe("openai")
          expect(error.status).toBe(status)
          expect(error.code).toBe(code)
          expect(error.requestId).toMatch(/^req_emu_/)
          expect(error.message).toContain(`HTTP ${status}`)
          expect(JSON.stringify(error)).not.toContain("SECRETKEY")
          expect(String(error)).not.toContain("SECRETKEY")
        }))
    }

    it.live("bad-request names the offending parameter", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "bad-request" })
        expect(error._tag === "InvalidRequest" && error.field).toBe("temperature")
      }))

    it.live("429 with Retry-After: 2 is RateLimited with retryAfter 2 s, and it is retryable", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit", retryAfterSeconds: 2 })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(Duration.toMillis(error.retryAfter!)).toBe(2000)
        expect(error.retryable).toBe(true)
        expect(error.fallback).toBe(true)
      }))

    it.live("insufficient_quota is not retryable but may fall back", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "quota", retryAfterSeconds: 1 })
        expect(error._tag).toBe("QuotaExhausted")
        expect(error.retryable).toBe(false)
        expect(error.fallback).toBe(true)
      }))

    it.live("the 401 message, which echoes part of the key, is scrubbed", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "auth", message: `Incorrect API key provided: ${SECRET_KEY}.` })
        expect(error.message).not.toContain("SECRETKEY")
        expect(error.message).toContain("Incorrect API key provided")
      }))

    it.live("malformed JSON is an InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "MalformedJson" })
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/not valid JSON/)
      }))

    it.live("a body cut half-way is an InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "CutStream", afterChunks: 0 })
        expect(error._tag).toBe("InvalidResponse")
      }))

    it.live("a reset connection is ProviderUnavailable", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Reset" })
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.retryable).toBe(true)
      }))

    it.live("an empty answer is an InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Empty" })
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/no text/)
      }))

    it.live("a refused connection is ProviderUnavailable naming the address", () =>
      Effect.gen(function*() {
        const emu = yield* Effect.promise(() => OpenAiEmulator.start())
        const baseUrl = emu.baseUrl
        yield* Effect.promise(() => emu.close())
        const provider = yield* OpenAi.make({ apiKey: SECRET_KEY, baseUrl })
        const exit = yield* Effect.exit(provider.explainSql({ sql: "SELECT 1", dialect: "generic" }))
        const error = expectFailure<AiError.AiError>(exit)
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.message).toContain("connection refused")
        expect(error.message).toContain(new URL(baseUrl).host)
      }).pipe(Effect.provide(HttpLive)))
  })

  it.live("an invalid request is refused before anything is sent", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(provider.generateSql({ prompt: "   ", dialect: "postgresql" }))
        const error = expectFailure<AiError.AiError>(exit)
        expect(error._tag).toBe("InvalidRequest")
        expect(error._tag === "InvalidRequest" && error.field).toBe("prompt")
        const exit2 = yield* Effect.exit(provider.generateSql({ prompt: "x", schema: 42 as never, dialect: "postgresql" }))
        expect(expectFailure<AiError.AiError>(exit2)._tag === "InvalidRequest").toBe(true)
        expect(emu.requests).toHaveLength(0)
      })))

  it.live("testConnection and listModels use GET /models", () =>
    withOpenAi((emu, provider) =>
      Effect.gen(function*() {
        const test = yield* provider.testConnection
        expect(test.ok).toBe(true)
        expect(test.modelAvailable).toBe(true)
        expect(test.latencyMs).toBeGreaterThanOrEqual(0)
        const models = yield* provider.listModels
        expect(models.map((m) => m.id)).toContain("gpt-4o")
        expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/models", "GET /v1/models"])
        expect(emu.requests[0]!.headers["authorization"]).toBe(`Bearer ${SECRET_KEY}`)
      })))

  it.live("testConnection reports a model the key cannot use, and a bad key", () =>
    Effect.gen(function*() {
      const missing = yield* withOpenAi((_e, p) => p.testConnection, { config: { model: "gpt-9-ultra" } })
      expect(missing.ok).toBe(true)
      expect(missing.modelAvailable).toBe(false)
      expect(missing.details).toContain("gpt-9-ultra")
      const badKey = yield* withOpenAi((_e, p) => p.testConnection, { config: { apiKey: "sk-wrong-key-000000000" } })
      expect(badKey.ok).toBe(false)
      expect(badKey.error?._tag).toBe("AuthenticationError")
      expect(badKey.details).not.toContain("sk-wrong-key-000000000")
    }))

  it.live("a chat for a model the server lacks is ModelNotFound", () =>
    withOpenAi((_emu, provider) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(provider.explainSql({ sql: "SELECT 1", dialect: "generic" }))
        const error = expectFailure<AiError.AiError>(exit)
        expect(error._tag).toBe("ModelNotFound")
        expect(error._tag === "ModelNotFound" && error.model).toBe("gpt-9-ultra")
      }), { config: { model: "gpt-9-ultra" } }))
})

describe("OpenAi.Config", () => {
  const decode = (input: unknown) => Effect.runSync(Effect.either(OpenAi.decodeConfig(input)))

  it("applies documented defaults", () => {
    const r = decode({ apiKey: "sk-abc" })
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.model).toBe(OpenAi.defaultModel)
    expect(r.right.baseUrl).toBe("https://api.openai.com/v1")
    expect(r.right.maxTokens).toBeUndefined() // 2,048 at request time, or 16,384 for a reasoning model
    expect(Redacted.isRedacted(r.right.apiKey)).toBe(true)
    expect(String(r.right.apiKey)).not.toContain("sk-abc")
  })

  it("accepts an already Redacted key", () => {
    const r = decode({ apiKey: Redacted.make("sk-abc") })
    expect(r._tag).toBe("Right")
  })

  const bad: ReadonlyArray<[string, unknown, string]> = [
    ["a missing key", {}, "apiKey"],
    ["an empty key", { apiKey: "  " }, "apiKey"],
    ["plain http to a remote host", { apiKey: "k", baseUrl: "http://api.example.com/v1" }, "baseUrl"],
    ["a base URL that is not a URL", { apiKey: "k", baseUrl: "api.openai.com" }, "baseUrl"],
    ["credentials in the base URL", { apiKey: "k", baseUrl: "https://user:pw@example.com" }, "baseUrl"],
    ["a temperature above 2", { apiKey: "k", temperature: 3 }, "temperature"],
    ["zero max tokens", { apiKey: "k", maxTokens: 0 }, "maxTokens"],
    ["an empty model", { apiKey: "k", model: "" }, "model"]
  ]
  for (const [name, input, field] of bad) {
    it(`names the field for ${name}`, () => {
      const r = decode(input)
      if (r._tag === "Right") throw new Error("expected ConfigInvalid")
      expect(r.left._tag).toBe("ConfigInvalid")
      expect(r.left.field).toBe(field)
      expect(r.left.message).toContain(field)
    })
  }

  it("allows plain http to loopback hosts and strips a trailing slash", () => {
    for (const baseUrl of ["http://localhost:8080/v1/", "http://127.0.0.1:1234/v1", "http://[::1]:9/v1"]) {
      const r = decode({ apiKey: "k", baseUrl })
      if (r._tag === "Left") throw new Error(`${baseUrl}: ${r.left.message}`)
      expect(r.right.baseUrl.endsWith("/")).toBe(false)
    }
  })

  it("never echoes a key that was typed into the wrong field", () => {
    const r = decode({ apiKey: "k", model: 12345, organization: { secret: "sk-leaked-in-wrong-field" } })
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    expect(r.left.message).not.toContain("sk-leaked")
    expect(r.left.message).not.toContain("12345")
  })

  it.live("a layer with a bad config fails with ConfigInvalid, not a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(OpenAi.layer({ apiKey: "" })).pipe(Effect.scoped, Effect.provide(HttpLive), Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(expectFailure<AiError.AiError>(exit)._tag).toBe("ConfigInvalid")
    }))
})
