import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Layer, Redacted, Stream } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import * as AnswerSchemas from "../../src/domain/AnswerSchemas.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as Gemini from "../../src/providers/gemini/Gemini.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as GeminiEmulator from "../../src/testing/emulators/GeminiEmulator.js"
import { expectFailure, HttpLive, SECRET_KEY, shopSchema } from "../support/http.js"
import { harness } from "../support/provider.js"

interface Setup {
  readonly emulator?: GeminiEmulator.Options
  readonly config?: Partial<Gemini.ConfigInput>
  /** A variant of the Gemini protocol (for wire shapes the error kinds do not cover). */
  readonly protocol?: Emulator.Protocol
}

const generate = (p: AiProvider.Service) => p.generateSql({ prompt: "list customers with their email", schema: shopSchema, dialect: "postgresql" })
const streamGenerate = (p: AiProvider.Service) => p.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" })

const { failWith, withProvider: withGemini } = harness<Setup>({
  start: (setup) =>
    setup.protocol
      ? Emulator.scoped(setup.protocol, { apiKey: SECRET_KEY, lineEndings: "crlf", ...setup.emulator })
      : GeminiEmulator.make({ apiKey: SECRET_KEY, ...setup.emulator }),
  make: (emu, setup) => Gemini.make({ apiKey: SECRET_KEY, baseUrl: emu.baseUrl, ...setup.config }),
  call: generate
})

const collect = (p: AiProvider.Service) => Effect.map(Stream.runCollect(streamGenerate(p)), Chunk.toArray)

const streamFailure = (p: AiProvider.Service) =>
  Effect.gen(function*() {
    const seen: Array<string> = []
    const exit = yield* streamGenerate(p).pipe(Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))), Effect.exit)
    return { error: expectFailure<AiError.AiError>(exit), seen }
  })

/** The Gemini protocol, but every scripted `Error` fault gets this exact response. */
const answering = (status: number, body: unknown, headers: Record<string, string> = {}): Emulator.Protocol => ({
  ...GeminiEmulator.protocol,
  error: () => ({
    status,
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })
})

const rpc = (code: number, status: string, message: string, details?: ReadonlyArray<unknown>) => ({ error: { code, message, status, ...(details ? { details } : {}) } })

describe("Gemini provider over loopback HTTP", () => {
  it.live("generateSql sends the documented request, key in x-goog-api-key only, and parses the answer", () =>
    withGemini((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 120, outputTokens: 14 } })
        const result = yield* generate(provider)
        expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
        expect(result.explanation).toBe("Lists rows of customers.")
        expect(result.meta.provider).toBe("gemini")
        expect(result.meta.model).toBe("gemini-3.5-flash")
        expect(result.meta.finishReason).toBe("stop")
        expect(result.meta.usage).toEqual({ inputTokens: 120, outputTokens: 14 })
        expect(result.meta.requestId).toMatch(/^req_emu_/)

        const [req] = emu.chatRequests()
        expect(req!.method).toBe("POST")
        expect(req!.path).toBe("/v1beta/models/gemini-3.5-flash:generateContent")
        expect(req!.query).toEqual({})
        expect(req!.headers["x-goog-api-key"]).toBe(SECRET_KEY)
        expect(req!.headers["authorization"]).toBeUndefined()
        expect(req!.headers["content-type"]).toBe("application/json")
        expect(req!.headers["accept"]).toBe("application/json")
        expect(req!.headers["traceparent"]).toBeUndefined()
        expect(req!.headers["b3"]).toBeUndefined()
        const body = req!.body as Record<string, any>
        expect(Object.keys(body).sort()).toEqual(["contents", "generationConfig", "systemInstruction"])
        // gemini-3.5-flash is a thinking model: the short instructions of the reasoning profile.
        expect(body.systemInstruction).toEqual({ parts: [{ text: Prompts.shortSystem }] })
        expect(body.contents).toHaveLength(1)
        expect(Object.keys(body.contents[0]).sort()).toEqual(["parts", "role"])
        expect(body.contents[0].role).toBe("user")
        expect(body.contents[0].parts).toHaveLength(1)
        expect(body.contents[0].parts[0].text).toContain("customers(id integer, email text, name text)")
        expect(body.contents[0].parts[0].text).toContain("PostgreSQL")
        expect(body.contents[0].parts[0].text).toContain("list customers with their email")
        // A thinking model's default cap leaves room for the answer after the thinking; Gemini 3
        // keeps its default temperature (none sent); the answer is held to the JSON Schema.
        expect(body.generationConfig).toEqual({ maxOutputTokens: 16384, responseMimeType: "application/json", responseJsonSchema: AnswerSchemas.answerSchemas.GenerateSql.schema })
      })))

  it.live("temperature, maxTokens, thinkingBudget and safetySettings go where the API reads them", () =>
    withGemini((emu, provider) =>
      Effect.gen(function*() {
        yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
        const body = emu.chatRequests()[0]!.body as Record<string, any>
        expect(body.generationConfig).toEqual({ temperature: 0.7, maxOutputTokens: 512, thinkingConfig: { thinkingBudget: 0 }, responseMimeType: "application/json", responseJsonSchema: AnswerSchemas.answerSchemas.ExplainSql.schema })
        expect(body.safetySettings).toEqual([
          { category: "HARM_CATEGORY_DANGEROUS_CONTENT", threshold: "BLOCK_ONLY_HIGH" },
          { category: "HARM_CATEGORY_HARASSMENT", threshold: "OFF" }
        ])
      }), {
      config: {
        temperature: 0.7,
        maxTokens: 512,
        thinkingBudget: 0,
        safetySettings: [
          { category: "HARM_CATEGORY_DANGEROUS_CONTENT", threshold: "BLOCK_ONLY_HIGH" },
          { category: "HARM_CATEGORY_HARASSMENT", threshold: "OFF" }
        ]
      }
    }))

  describe("the default maxOutputTokens", () => {
    const cases: ReadonlyArray<[string, Partial<Gemini.ConfigInput>, number]> = [
      ["16,384 for the default gemini-3.5-flash (thinking) when none is set", {}, 16384],
      ["16,384 for gemini-2.5-pro (thinking)", { model: "gemini-2.5-pro" }, 16384],
      ["2,048 for gemma-3-27b-it (no thinking)", { model: "gemma-3-27b-it" }, 2048],
      ["2,048 with thinking turned off (thinkingBudget 0)", { thinkingBudget: 0 }, 2048],
      ["the value set, on a thinking model", { maxTokens: 900 }, 900],
      ["the value set, on a model without thinking", { model: "gemma-3-27b-it", maxTokens: 4096 }, 4096]
    ]
    for (const [name, config, expected] of cases) {
      it.live(name, () =>
        withGemini((emu, provider) =>
          Effect.gen(function*() {
            expect(provider.maxTokens).toBe(expected)
            yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
            const body = emu.chatRequests()[0]!.body as Record<string, any>
            expect(body.generationConfig.maxOutputTokens).toBe(expected)
          }), { config }))
    }
  })

  describe("tuned models", () => {
    const tunedModels: ReadonlyArray<GeminiEmulator.TunedModel> = [
      { id: "my-sql-model-abc", baseModel: "gemini-2.0-flash-001", displayName: "Shop SQL" },
      { id: "still-tuning", baseModel: "models/gemini-2.0-flash-001", state: "CREATING" }
    ]
    const tuned = (id: string): Setup => ({ emulator: { tunedModels }, config: { model: `tunedModels/${id}` } })

    it.live("chat goes to tunedModels/{id}:generateContent", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          expect(provider.model).toBe("tunedModels/my-sql-model-abc")
          const result = yield* generate(provider)
          expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
          expect(result.meta.model).toBe("tunedModels/my-sql-model-abc")
          const [req] = emu.chatRequests()
          expect(`${req!.method} ${req!.path}`).toBe("POST /v1beta/tunedModels/my-sql-model-abc:generateContent")
          expect(req!.query).toEqual({})
          expect(req!.headers["x-goog-api-key"]).toBe(SECRET_KEY)
          // Its base model is unknown here, so it gets the cap of a model that does not think.
          // Prompted as a hosted model: temperature 0 for SQL (none set by the user).
          expect((req!.body as Record<string, any>).generationConfig).toEqual({ temperature: 0, maxOutputTokens: 2048, responseMimeType: "application/json", responseJsonSchema: AnswerSchemas.answerSchemas.GenerateSql.schema })
        }), tuned("my-sql-model-abc")))

    it.live("streams from tunedModels/{id}:streamGenerateContent?alt=sse", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ reply: "SELECT id FROM orders;" })
          const events = yield* collect(provider)
          expect(events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")).toBe("SELECT id FROM orders;")
          expect(events[events.length - 1]!._tag).toBe("Completed")
          const [req] = emu.chatRequests()
          expect(`${req!.method} ${req!.path}`).toBe("POST /v1beta/tunedModels/my-sql-model-abc:streamGenerateContent")
          expect(req!.query).toEqual({ alt: "sse" })
        }), tuned("my-sql-model-abc")))

    it.live("testConnection reads GET tunedModels/{id}: an ACTIVE one is available", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(true)
          expect(test.details).toContain("tunedModels/my-sql-model-abc is available (Shop SQL)")
          expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1beta/tunedModels/my-sql-model-abc"])
          expect(emu.requests[0]!.headers["x-goog-api-key"]).toBe(SECRET_KEY)
        }), tuned("my-sql-model-abc")))

    it.live("a tuned model still CREATING is not available", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(false)
          expect(test.details).toContain("state CREATING")
          expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1beta/tunedModels/still-tuning"])
        }), tuned("still-tuning")))

    it.live("an unknown tuned model is ModelNotFound, and not available to testConnection", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
          expect(error._tag).toBe("ModelNotFound")
          expect(error.status).toBe(404)
          expect(error._tag === "ModelNotFound" && error.model).toBe("tunedModels/no-such-model")
          expect(emu.chatRequests()[0]!.path).toBe("/v1beta/tunedModels/no-such-model:generateContent")
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(false)
          expect(test.details).toContain("tunedModels/no-such-model")
        }), tuned("no-such-model")))
  })

  it.live("a models/ prefixed id is sent as the plain id", () =>
    withGemini((emu, provider) =>
      Effect.gen(function*() {
        expect(provider.model).toBe("gemini-2.5-pro")
        yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
        expect(emu.chatRequests()[0]!.path).toBe("/v1beta/models/gemini-2.5-pro:generateContent")
      }), { config: { model: "models/gemini-2.5-pro" } }))

  it.live("the response's modelVersion and responseId become meta.model and meta.requestId", () =>
    withGemini((_emu, provider) =>
      Effect.gen(function*() {
        const result = yield* generate(provider)
        expect(result.meta.model).toBe("gemini-2.5-flash-preview-09-2025")
        expect(result.meta.requestId).toBe("resp-Zx81")
      }), {
      protocol: {
        ...GeminiEmulator.protocol,
        completion: (input, answer) => GeminiEmulator.protocol.completion(input, { ...answer, model: "gemini-2.5-flash-preview-09-2025", requestId: "resp-Zx81" })
      }
    }))

  it.live("explain, optimize and fix parse their answers", () =>
    withGemini((_emu, provider) =>
      Effect.gen(function*() {
        const explained = yield* provider.explainSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(explained.explanation).toContain("orders")
        const optimized = yield* provider.optimizeSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(optimized.rating).toBe("fair")
        expect(optimized.optimizedSql).toBe("SELECT id, customer_id, total FROM orders WHERE customer_id = 1")
        const fixed = yield* provider.fixSql({ sql: "SELECT id FROM order WHERE total > 10", errorMessage: "relation \"order\" does not exist", schema: shopSchema, dialect: "postgresql" })
        expect(fixed.fixedSql).toBe("SELECT id FROM orders WHERE total > 10")
      })))

  describe("finish reasons", () => {
    it.live("MAX_TOKENS with text is finishReason length", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ finishReason: "MAX_TOKENS" })
          expect((yield* generate(provider)).meta.finishReason).toBe("length")
        })))

    for (const reason of ["LANGUAGE", "OTHER", "MALFORMED_FUNCTION_CALL"]) {
      it.live(`${reason} with text is finishReason other`, () =>
        withGemini((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ finishReason: reason })
            expect((yield* generate(provider)).meta.finishReason).toBe("other")
          })))
    }

    for (const reason of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"]) {
      it.live(`${reason} is ContentFiltered, whole and streamed`, () =>
        withGemini((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ finishReason: reason }, { finishReason: reason })
            const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
            expect(error._tag).toBe("ContentFiltered")
            expect(error.code).toBe(reason)
            expect(error.message).toContain(`finishReason ${reason}`)
            expect(error.requestId).toMatch(/^req_emu_/)
            const streamed = yield* streamFailure(provider)
            expect(streamed.error._tag).toBe("ContentFiltered")
            expect(streamed.error.code).toBe(reason)
            expect(streamed.seen).not.toContain("Completed")
          })))
    }
  })

  describe("thinking", () => {
    const thinking = { thoughts: "**Reading the schema** orders joins customers", thoughtsTokens: 30 }

    it.live("thought parts are skipped and thoughtsTokenCount counts as output", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 50, outputTokens: 42 } })
          const result = yield* generate(provider)
          expect(result.raw).not.toContain("Reading the schema")
          expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
          // 12 answer tokens + 30 thinking tokens, both billed as output; the thinking shown apart.
          expect(result.meta.usage).toEqual({ inputTokens: 50, outputTokens: 42, reasoningTokens: 30 })
        }), { emulator: thinking }))

    it.live("streamed thought events are skipped too", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 50, outputTokens: 42 } })
          const events = yield* collect(provider)
          const text = events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")
          expect(text).not.toContain("Reading the schema")
          expect(text.startsWith("```sql")).toBe(true)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed") throw new Error("no result")
          expect(last.result.meta.usage).toEqual({ inputTokens: 50, outputTokens: 42, reasoningTokens: 30 })
        }), { emulator: thinking }))

    it.live("a budget spent on thinking alone says to raise maxTokens, whole and streamed", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script(
            { fault: { _tag: "Empty" }, finishReason: "MAX_TOKENS", usage: { inputTokens: 50, outputTokens: 30 } },
            { fault: { _tag: "Empty" }, finishReason: "MAX_TOKENS", usage: { inputTokens: 50, outputTokens: 30 } }
          )
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
          expect(error._tag).toBe("InvalidResponse")
          expect(error.code).toBe("MAX_TOKENS")
          expect(error.message).toContain("spent all 30 output tokens thinking")
          expect(error.message).toContain("maxTokens")
          const streamed = yield* streamFailure(provider)
          expect(streamed.error._tag).toBe("InvalidResponse")
          expect(streamed.error.code).toBe("MAX_TOKENS")
        }), { emulator: thinking }))
  })

  describe("streaming", () => {
    it.live("streams deltas over alt=sse, then the result with the last usageMetadata", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 321, outputTokens: 45 } })
          const events = yield* collect(provider)
          const deltas = events.filter((e) => e._tag === "TextDelta")
          expect(deltas.length).toBeGreaterThan(2)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
          expect(last.result.raw).toBe(deltas.map((d) => (d._tag === "TextDelta" ? d.text : "")).join(""))
          expect(last.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
          // Earlier events carry running counts; only the last one is the total.
          expect(last.result.meta.usage).toEqual({ inputTokens: 321, outputTokens: 45 })
          expect(last.result.meta.finishReason).toBe("stop")
          expect(last.result.meta.requestId).toMatch(/^req_emu_/)
          const req = emu.chatRequests()[0]!
          expect(req.path).toBe("/v1beta/models/gemini-3.5-flash:streamGenerateContent")
          expect(req.query).toEqual({ alt: "sse" })
          expect(req.headers["accept"]).toBe("text/event-stream")
          expect(req.headers["x-goog-api-key"]).toBe(SECRET_KEY)
          expect(Object.keys(req.body as object).sort()).toEqual(["contents", "generationConfig", "systemInstruction"])
        })))

    const robust: ReadonlyArray<[string, GeminiEmulator.Options]> = [
      ["Google's CRLF separators (the emulator default)", {}],
      ["LF separators", { lineEndings: "lf" }],
      ["mixed line endings within one write", { lineEndings: "mixed", burst: true }],
      ["3-byte slices that split characters and CRLF pairs", { byteChunkSize: 3 }],
      ["1-byte slices", { byteChunkSize: 1, lineEndings: "mixed" }],
      ["the whole stream in one burst", { burst: true }],
      ["keepAlive asked for (Gemini has none)", { keepAlive: true }]
    ]
    for (const [name, options] of robust) {
      it.live(`survives ${name}`, () =>
        withGemini((emu, provider) =>
          Effect.gen(function*() {
            const reply = "```sql\nSELECT name AS \"Größe 😀\" FROM customers LIMIT 100;\n```\nÜbersicht — ok."
            emu.script({ reply })
            const events = yield* collect(provider)
            expect(events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")).toBe(reply)
            const last = events[events.length - 1]!
            if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
            expect(last.result.sql).toBe("SELECT name AS \"Größe 😀\" FROM customers LIMIT 100;")
          }), { emulator: options }))
    }

    it.live("SSE comments and pings from a proxy are ignored", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ reply: "SELECT 1;" })
          const events = yield* collect(provider)
          expect(events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")).toBe("SELECT 1;")
        }), { protocol: { ...GeminiEmulator.protocol, keepAlive: ": ping\n\n" }, emulator: { keepAlive: true } }))

    it.live("a stream cut mid-way is InvalidResponse, never a partial answer", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "CutStream", afterChunks: 2 } })
          const { error, seen } = yield* streamFailure(provider)
          expect(error._tag).toBe("InvalidResponse")
          expect(seen).toContain("TextDelta")
          expect(seen).not.toContain("Completed")
        })))

    it.live("a stream that closes cleanly without a finishReason is InvalidResponse", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ reply: "SELECT id FROM customers ORDER BY id;" })
          const { error, seen } = yield* streamFailure(provider)
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toContain("no finishReason")
          expect(error.requestId).toMatch(/^req_emu_/)
          expect(seen).toContain("TextDelta")
          expect(seen).not.toContain("Completed")
        }), {
        // Every event but the last (the one with finishReason), then a normal end of body.
        protocol: {
          ...GeminiEmulator.protocol,
          stream: (input, answer, deltas) => {
            const s = GeminiEmulator.protocol.stream(input, answer, deltas)
            return { ...s, chunks: s.chunks.slice(0, -1) }
          }
        }
      }))

    it.live("an empty body is InvalidResponse", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "CutStream", afterChunks: 0 } })
          expect((yield* streamFailure(provider)).error._tag).toBe("InvalidResponse")
        })))

    const inBand: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag, number]> = [
      ["server", "ProviderUnavailable", 500],
      ["overloaded", "ProviderUnavailable", 503],
      ["rate-limit", "RateLimited", 429],
      ["quota", "QuotaExhausted", 429]
    ]
    for (const [kind, tag, status] of inBand) {
      it.live(`an {"error"} event (${kind}) after HTTP 200 fails the stream with ${tag}`, () =>
        withGemini((emu, provider) =>
          Effect.gen(function*() {
            // Paced, so the deltas before the error arrive (and are emitted) on their own.
            emu.script({ fault: { _tag: "InBandError", kind, afterChunks: 2 }, chunkDelayMs: 15 })
            const { error, seen } = yield* streamFailure(provider)
            expect(error._tag).toBe(tag)
            expect(error.status).toBe(status)
            expect(seen).toContain("TextDelta")
          })))
    }

    it.live("a filtered answer mid-stream is ContentFiltered", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "InBandError", kind: "content-filter", afterChunks: 2 } })
          const { error, seen } = yield* streamFailure(provider)
          expect(error._tag).toBe("ContentFiltered")
          expect(error.code).toBe("SAFETY")
          expect(seen).not.toContain("Completed")
        })))

    it.live("a blocked prompt as the only SSE event is ContentFiltered", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({})
          const { error, seen } = yield* streamFailure(provider)
          expect(error._tag).toBe("ContentFiltered")
          expect(error.code).toBe("PROHIBITED_CONTENT")
          expect(error.message).toContain("prompt was blocked")
          expect(seen).toEqual([])
        }), {
        protocol: {
          ...GeminiEmulator.protocol,
          stream: (_input, answer) => ({
            headers: { "content-type": "text/event-stream" },
            chunks: [`data: ${JSON.stringify(GeminiEmulator.blockedPrompt(answer.model, answer.requestId, "PROHIBITED_CONTENT"))}\n\n`]
          })
        }
      }))

    it.live("a JSON answer to a stream request (no SSE) is read whole: a blocked prompt is ContentFiltered", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "Error", kind: "content-filter" } })
          const { error } = yield* streamFailure(provider)
          expect(error._tag).toBe("ContentFiltered")
          expect(error.code).toBe("SAFETY")
        })))

    it.live("the JSON-array form (a server ignoring alt=sse) still streams", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ reply: "SELECT 7;", usage: { inputTokens: 3, outputTokens: 4 } })
          const events = yield* collect(provider)
          expect(events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")).toBe("SELECT 7;")
          const last = events[events.length - 1]!
          if (last._tag !== "Completed") throw new Error("no result")
          expect(last.result.meta.usage).toEqual({ inputTokens: 3, outputTokens: 4 })
        }), {
        protocol: {
          ...GeminiEmulator.protocol,
          stream: (input, answer, deltas) => {
            const s = GeminiEmulator.protocol.stream(input, answer, deltas)
            const items = s.chunks.map((c) => c.replace(/^data: /, "").trim())
            return { headers: { "content-type": "application/json; charset=UTF-8" }, chunks: items.map((c, i) => `${i === 0 ? "[" : ",\n"}${c}`).concat("]") }
          }
        }
      }))

    it.live("a malformed stream event is InvalidResponse", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "MalformedJson" } })
          const { error } = yield* streamFailure(provider)
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toMatch(/not valid JSON/)
        })))

    it.live("an HTTP error before the stream starts is classified like a whole answer's", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "auth" }, {}, (p) => Stream.runDrain(streamGenerate(p)))
        expect(error._tag).toBe("AuthenticationError")
        expect(error.code).toBe("API_KEY_INVALID")
      }))
  })

  describe("every documented error maps to its AiError", () => {
    const cases: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag, number, string]> = [
      ["auth", "AuthenticationError", 400, "API_KEY_INVALID"],
      ["permission", "PermissionDenied", 403, "SERVICE_DISABLED"],
      ["rate-limit", "RateLimited", 429, "RESOURCE_EXHAUSTED"],
      ["quota", "QuotaExhausted", 429, "RESOURCE_EXHAUSTED"],
      ["model-not-found", "ModelNotFound", 404, "NOT_FOUND"],
      ["context-too-long", "ContextTooLong", 400, "INVALID_ARGUMENT"],
      ["bad-request", "InvalidRequest", 400, "INVALID_ARGUMENT"],
      ["server", "ProviderUnavailable", 500, "INTERNAL"],
      ["unavailable", "ProviderUnavailable", 503, "UNAVAILABLE"],
      ["overloaded", "ProviderUnavailable", 503, "UNAVAILABLE"]
    ]
    for (const [kind, tag, status, code] of cases) {
      it.live(`${kind} -> ${tag}`, () =>
        Effect.gen(function*() {
          const error = yield* failWith({ _tag: "Error", kind })
          expect(error._tag).toBe(tag)
          expect(error.provider).toBe("gemini")
          expect(error.status).toBe(status)
          expect(error.code).toBe(code)
          // Google sends no request id with its errors.
          expect(error.requestId).toBeUndefined()
          expect(error.message).toContain(`HTTP ${status}`)
          expect(error.message).toMatch(/^Google Gemini: /)
          expect(JSON.stringify(error) + String(error)).not.toContain("SECRETKEY")
        }))
    }

    it.live("the blocked prompt (HTTP 200, promptFeedback.blockReason) is ContentFiltered, not retried elsewhere", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "content-filter" })
        expect(error._tag).toBe("ContentFiltered")
        expect(error.status).toBe(200)
        expect(error.code).toBe("SAFETY")
        expect(error.message).toContain("blockReason SAFETY")
        expect(error.requestId).toMatch(/^req_emu_/)
        expect(error.retryable).toBe(false)
        expect(error.fallback).toBe(false)
      }))

    it.live("RetryInfo.retryDelay fills retryAfter (37s, and 1.5s)", () =>
      Effect.gen(function*() {
        for (const [seconds, ms] of [[37, 37_000], [1.5, 1500]] as const) {
          const error = yield* failWith({ _tag: "Error", kind: "rate-limit", retryAfterSeconds: seconds })
          if (error._tag !== "RateLimited") throw new Error(error._tag)
          expect(Duration.toMillis(error.retryAfter!)).toBe(ms)
          expect(error.retryable).toBe(true)
        }
      }))

    it.live("a 429 without RetryInfo has no retryAfter", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit" })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(error.retryAfter).toBeUndefined()
      }))

    it.live("a per-day QuotaFailure is QuotaExhausted even with a RetryInfo", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "quota", retryAfterSeconds: 20 })
        expect(error._tag).toBe("QuotaExhausted")
        expect(error.retryable).toBe(false)
        expect(error.fallback).toBe(true)
      }))

    it.live("bad-request names the field from the BadRequest details", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "bad-request" })
        expect(error._tag === "InvalidRequest" && error.field).toBe("generation_config.temperature")
      }))

    it.live("ModelNotFound names the configured model", () =>
      withGemini((_emu, provider) =>
        Effect.gen(function*() {
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
          expect(error._tag).toBe("ModelNotFound")
          expect(error._tag === "ModelNotFound" && error.model).toBe("gemini-9-ultra")
          expect(error.message).toContain("models/gemini-9-ultra is not found")
        }), { config: { model: "gemini-9-ultra" } }))

    const shapes: ReadonlyArray<[string, Emulator.Protocol, AiError.AiErrorTag, string | undefined]> = [
      [
        "403 for a request without a key (unregistered callers)",
        answering(403, rpc(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")),
        "AuthenticationError",
        "PERMISSION_DENIED"
      ],
      ["403 for a key Google revoked as leaked", answering(403, rpc(403, "PERMISSION_DENIED", "Your API key was reported as leaked. Please use another API key.")), "AuthenticationError", "PERMISSION_DENIED"],
      ["400 FAILED_PRECONDITION (region or billing)", answering(400, rpc(400, "FAILED_PRECONDITION", "User location is not supported for the API use.")), "PermissionDenied", "FAILED_PRECONDITION"],
      [
        "403 API_KEY_SERVICE_BLOCKED",
        answering(403, rpc(403, "PERMISSION_DENIED", "Requests to this API generativelanguage.googleapis.com method google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent are blocked.", [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_SERVICE_BLOCKED", domain: "googleapis.com" }])),
        "PermissionDenied",
        "API_KEY_SERVICE_BLOCKED"
      ],
      ["504 DEADLINE_EXCEEDED", answering(504, rpc(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")), "Timeout", "DEADLINE_EXCEEDED"],
      ["an RPC body in a JSON array", answering(503, [rpc(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")]), "ProviderUnavailable", "UNAVAILABLE"],
      ["a 502 HTML page from a proxy", answering(502, "<html><body>Bad Gateway</body></html>", { "content-type": "text/html" }), "ProviderUnavailable", undefined]
    ]
    for (const [name, protocol, tag, code] of shapes) {
      it.live(`${name} -> ${tag}`, () =>
        Effect.gen(function*() {
          const error = yield* failWith({ _tag: "Error", kind: "server" }, { protocol })
          expect(error._tag).toBe(tag)
          expect(error.code).toBe(code)
          expect(error.message.length).toBeGreaterThan(20)
        }))
    }

    it.live("DEADLINE_EXCEEDED is a retryable request Timeout", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "server" }, { protocol: answering(504, rpc(504, "DEADLINE_EXCEEDED", "Deadline expired.")) })
        if (error._tag !== "Timeout") throw new Error(error._tag)
        expect(error.phase).toBe("request")
        expect(error.retryable).toBe(true)
      }))

    it.live("an x-request-id header (a proxy's) is the error's requestId", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "server" }, { protocol: answering(500, rpc(500, "INTERNAL", "boom"), { "x-request-id": "proxy-42" }) })
        expect(error.requestId).toBe("proxy-42")
      }))

    it.live("a key echoed in an error message is scrubbed", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "auth", message: `API key not valid: ${SECRET_KEY} (also AIzaSyD-exampleexample00)` })
        expect(error._tag).toBe("AuthenticationError")
        expect(error.message).toContain("API key not valid")
        expect(error.message).not.toContain("SECRETKEY")
        expect(error.message).not.toContain("AIzaSyD-example")
      }))

    it.live("a base URL that routes nowhere (Google's HTML 404, no RPC body) is ConfigInvalid on baseUrl", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* GeminiEmulator.make({ apiKey: SECRET_KEY })
        // (Without the version it is read with /v1beta: a misplaced one routes nowhere.)
        const provider = yield* Gemini.make({ apiKey: SECRET_KEY, baseUrl: `${emu.origin}/google/v1beta` })
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
        expect(error._tag).toBe("ConfigInvalid")
        expect(error._tag === "ConfigInvalid" && error.field).toBe("baseUrl")
        expect(error.status).toBe(404)
        const test = yield* provider.testConnection
        expect(test.ok).toBe(false)
        expect(test.error?._tag).toBe("ConfigInvalid")
      })).pipe(Effect.provide(HttpLive)))

    it.live("a body cut half-way is InvalidResponse", () =>
      Effect.gen(function*() {
        expect((yield* failWith({ _tag: "CutStream", afterChunks: 0 }))._tag).toBe("InvalidResponse")
      }))

    it.live("a reset connection is ProviderUnavailable", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Reset" })
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.retryable).toBe(true)
      }))

    it.live("an answer with no text is InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Empty" })
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/no text/)
      }))
    // A malformed body and a refused connection are covered by the shared matrix.
  })

  it.live("an invalid request is refused before anything is sent", () =>
    withGemini((emu, provider) =>
      Effect.gen(function*() {
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.generateSql({ prompt: "   ", dialect: "postgresql" })))
        expect(error._tag === "InvalidRequest" && error.field).toBe("prompt")
        expect(emu.requests).toHaveLength(0)
      })))

  describe("testConnection", () => {
    it.live("GET models/{model}, key in the header: ok and available", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(true)
          expect(test.provider).toBe("gemini")
          expect(test.details).toContain("gemini-3.5-flash is available")
          expect(test.latencyMs).toBeGreaterThanOrEqual(0)
          expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1beta/models/gemini-3.5-flash"])
          expect(emu.requests[0]!.headers["x-goog-api-key"]).toBe(SECRET_KEY)
          expect(emu.requests[0]!.query).toEqual({})
        })))

    it.live("a model the key cannot use: the key worked, the model is not available", () =>
      withGemini((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(false)
          expect(test.details).toContain("gemini-9-ultra")
        }), { config: { model: "gemini-9-ultra" } }))

    it.live("a model that cannot generateContent is not available", () =>
      withGemini((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(false)
          expect(test.details).toContain("does not support generateContent")
        }), { config: { model: "gemini-embedding-001" } }))

    it.live("a bad key is ok: false with AuthenticationError, and the key is not echoed", () =>
      withGemini((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(false)
          expect(test.modelAvailable).toBeUndefined()
          expect(test.error?._tag).toBe("AuthenticationError")
          expect(test.details).not.toContain("AIzaWrong")
        }), { config: { apiKey: "AIzaWrongWrongWrong000000000000" } }))
  })

  describe("listModels", () => {
    it.live("keeps generateContent models, strips models/, reads display name and input limit", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(models.map((m) => m.id)).toEqual(GeminiEmulator.protocol.defaultModels)
          expect(models.find((m) => m.id === "gemini-2.5-flash")).toEqual({ id: "gemini-2.5-flash", displayName: "Gemini 2.5 Flash", contextWindow: 1_048_576 })
          const [req] = emu.requests
          expect(`${req!.method} ${req!.path}`).toBe("GET /v1beta/models")
          expect(req!.query).toEqual({ pageSize: "1000" })
          expect(req!.headers["x-goog-api-key"]).toBe(SECRET_KEY)
        })))

    it.live("follows nextPageToken across pages", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(models).toHaveLength(1500)
          expect(models[1499]!.id).toBe("gemini-test-1499")
          expect(emu.requests).toHaveLength(2)
          expect(emu.requests[0]!.query["pageToken"]).toBeUndefined()
          expect(emu.requests[1]!.query["pageToken"]).toBeTruthy()
        }), { emulator: { models: Array.from({ length: 1500 }, (_, i) => `gemini-test-${i}`) } }))

    it.live("stops after 10 pages of a server that pages forever", () =>
      withGemini((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(emu.requests).toHaveLength(10)
          expect(models).toHaveLength(10)
        }), {
        protocol: {
          ...GeminiEmulator.protocol,
          route: (r, ctx) =>
            r.kind === "models"
              ? { _tag: "Respond", kind: r.kind, response: { status: 200, body: JSON.stringify({ models: [{ name: "models/gemini-loop", supportedGenerationMethods: ["generateContent"] }], nextPageToken: "again" }) } }
              : GeminiEmulator.protocol.route(r, ctx)
        }
      }))

    it.live("a bad key fails with AuthenticationError", () =>
      withGemini((_emu, provider) =>
        Effect.gen(function*() {
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.listModels))
          expect(error._tag).toBe("AuthenticationError")
        }), { config: { apiKey: "AIzaWrongWrongWrong000000000000" } }))
  })

  it.live("the emulator answers a request with no key like Google: 403 unregistered callers", () =>
    Effect.scoped(Effect.gen(function*() {
      const emu = yield* GeminiEmulator.make({ apiKey: SECRET_KEY })
      const res = yield* Effect.promise(() => fetch(`${emu.baseUrl}/models/gemini-2.5-flash:generateContent`, { method: "POST", body: "{}" }))
      expect(res.status).toBe(403)
      const body = (yield* Effect.promise(() => res.json())) as { error: { status: string; message: string } }
      expect(body.error.status).toBe("PERMISSION_DENIED")
      expect(body.error.message).toContain("unregistered callers")
      // Like Google, it also takes the key from ?key= (which the provider never uses).
      const byQuery = yield* Effect.promise(() => fetch(`${emu.baseUrl}/models?key=${SECRET_KEY}`))
      expect(byQuery.status).toBe(200)
    })))
})

describe("Gemini.Config", () => {
  const decode = (input: unknown) => Effect.runSync(Effect.either(Gemini.decodeConfig(input)))

  it("applies documented defaults", () => {
    const r = decode({ apiKey: "AIza-abc" })
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.model).toBe("gemini-3.5-flash")
    expect(r.right.model).toBe(Gemini.defaultModel)
    expect(r.right.baseUrl).toBe("https://generativelanguage.googleapis.com/v1beta")
    expect(r.right.temperature).toBeUndefined() // the model family's (PromptProfiles)
    // Unset: the provider picks a cap by model (see "the default maxOutputTokens").
    expect(r.right.maxTokens).toBeUndefined()
    expect(r.right.safetySettings).toBeUndefined()
    expect(r.right.thinkingBudget).toBeUndefined()
    expect(Redacted.isRedacted(r.right.apiKey)).toBe(true)
    expect(String(r.right.apiKey)).not.toContain("AIza-abc")
  })

  it("accepts an already Redacted key, a models/ prefix and every documented enum", () => {
    const r = decode({
      apiKey: Redacted.make("AIza-abc"),
      model: "models/gemini-2.5-pro",
      thinkingBudget: -1,
      safetySettings: [
        { category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_LOW_AND_ABOVE" },
        { category: "HARM_CATEGORY_HATE_SPEECH", threshold: "BLOCK_MEDIUM_AND_ABOVE" },
        { category: "HARM_CATEGORY_SEXUALLY_EXPLICIT", threshold: "BLOCK_ONLY_HIGH" },
        { category: "HARM_CATEGORY_DANGEROUS_CONTENT", threshold: "BLOCK_NONE" },
        { category: "HARM_CATEGORY_CIVIC_INTEGRITY", threshold: "OFF" },
        { category: "HARM_CATEGORY_HARASSMENT", threshold: "HARM_BLOCK_THRESHOLD_UNSPECIFIED" }
      ]
    })
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.model).toBe("gemini-2.5-pro")
    expect(r.right.thinkingBudget).toBe(-1)
    expect(r.right.safetySettings).toHaveLength(6)
  })

  it("keeps a tuned model's resource name, tunedModels/{id}", () => {
    for (const model of ["tunedModels/my-sql-model-abc", "  tunedModels/x ", `tunedModels/a${"b".repeat(38)}9`]) {
      const r = decode({ apiKey: "k", model })
      if (r._tag === "Left") throw new Error(r.left.message)
      expect(r.right.model).toBe(model.trim())
    }
  })

  const bad: ReadonlyArray<[string, unknown, string, RegExp?]> = [
    ["a missing key", {}, "apiKey", /is required/],
    ["an empty key", { apiKey: "  " }, "apiKey"],
    ["an empty model", { apiKey: "k", model: "" }, "model"],
    ["a bare models/ prefix", { apiKey: "k", model: "models/" }, "model"],
    ["Gemini 1.5 (retired)", { apiKey: "k", model: "gemini-1.5-flash" }, "model", /^names gemini-1\.5-flash, which the provider retired; use gemini-3\.5-flash/],
    ["Gemini 1.0 behind models/", { apiKey: "k", model: "models/gemini-1.0-pro" }, "model", /names gemini-1\.0-pro, which the provider retired/],
    ["gemini-pro (retired)", { apiKey: "k", model: "gemini-pro" }, "model", /names gemini-pro, which the provider retired/],
    ["an empty tuned model id", { apiKey: "k", model: "tunedModels/" }, "model", /tunedModels\/\{id\}/],
    ["a tuned model id with a path in it", { apiKey: "k", model: "tunedModels/../x" }, "model", /tunedModels\/\{id\}/],
    ["a tuned model id of two segments", { apiKey: "k", model: "tunedModels/a/b" }, "model", /tunedModels\/\{id\}/],
    ["a tuned model id in capitals", { apiKey: "k", model: "tunedModels/My-Model" }, "model", /lowercase/],
    ["a tuned model id over 40 characters", { apiKey: "k", model: `tunedModels/a${"b".repeat(40)}` }, "model", /40 characters/],
    ["a tuned model id ending in a dash", { apiKey: "k", model: "tunedModels/sql-" }, "model"],
    ["plain http to a remote host", { apiKey: "k", baseUrl: "http://generativelanguage.googleapis.com/v1beta" }, "baseUrl"],
    ["a key in the base URL's query", { apiKey: "k", baseUrl: "https://generativelanguage.googleapis.com/v1beta?key=AIzaXYZ" }, "baseUrl"],
    ["a temperature above 2", { apiKey: "k", temperature: 2.5 }, "temperature"],
    ["a negative temperature", { apiKey: "k", temperature: -0.1 }, "temperature"],
    ["zero max tokens", { apiKey: "k", maxTokens: 0 }, "maxTokens"],
    ["fractional max tokens", { apiKey: "k", maxTokens: 10.5 }, "maxTokens"],
    ["an unknown threshold", { apiKey: "k", safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_SOME" }] }, "safetySettings.0.threshold", /BLOCK_ONLY_HIGH/],
    [
      "an unknown category in the second setting",
      { apiKey: "k", safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "OFF" }, { category: "HARM_CATEGORY_TOXICITY", threshold: "OFF" }] },
      "safetySettings.1.category",
      /harm category/
    ],
    ["a setting without a threshold", { apiKey: "k", safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT" }] }, "safetySettings.0.threshold", /is required/],
    ["safetySettings that is not a list", { apiKey: "k", safetySettings: "BLOCK_NONE" }, "safetySettings"],
    ["a thinking budget below -1", { apiKey: "k", thinkingBudget: -2 }, "thinkingBudget"],
    ["a fractional thinking budget", { apiKey: "k", thinkingBudget: 1.5 }, "thinkingBudget"]
  ]
  for (const [name, input, field, reason] of bad) {
    it(`names the field for ${name}`, () => {
      const r = decode(input)
      if (r._tag === "Right") throw new Error("expected ConfigInvalid")
      expect(r.left._tag).toBe("ConfigInvalid")
      expect(r.left.provider).toBe("gemini")
      expect(r.left.field).toBe(field)
      expect(r.left.message).toContain(field)
      if (reason) expect(r.left.reason).toMatch(reason)
    })
  }

  it("never echoes a key that was typed into the wrong field", () => {
    const r = decode({ apiKey: "k", model: 12345, safetySettings: [{ category: "AIzaLeakedInWrongField", threshold: "OFF" }] })
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    expect(r.left.message).not.toContain("AIzaLeaked")
    expect(r.left.message).not.toContain("12345")
  })

  it.live("a valid config builds the provider, the model id without its models/ prefix", () =>
    Effect.gen(function*() {
      const provider = yield* Gemini.make({ apiKey: SECRET_KEY, model: "models/gemini-2.5-pro", thinkingBudget: 128, safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "OFF" }] })
      expect(provider.provider).toBe("gemini")
      expect(provider.model).toBe("gemini-2.5-pro")
    }).pipe(Effect.provide(HttpLive)))

  it.live("a layer with a bad config fails with ConfigInvalid, not a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(Gemini.layer({ apiKey: "k", model: "gemini-1.5-pro" })).pipe(Effect.scoped, Effect.provide(HttpLive), Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = expectFailure<AiError.AiError>(exit)
      expect(error._tag).toBe("ConfigInvalid")
      expect(error._tag === "ConfigInvalid" && error.field).toBe("model")
    }))
})
