import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Layer, Redacted, Stream } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as Anthropic from "../../src/providers/anthropic/Anthropic.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as AnthropicEmulator from "../../src/testing/emulators/AnthropicEmulator.js"
import { expectFailure, HttpLive, SECRET_KEY, shopSchema } from "../support/http.js"
import { harness } from "../support/provider.js"

interface Setup {
  readonly emulator?: Emulator.Options
  readonly config?: Partial<Anthropic.ConfigInput>
  /** A protocol built on the real one, for wire shapes no `ErrorKind` or script names. */
  readonly protocol?: Emulator.Protocol
}

const generate = (p: AiProvider.Service) => p.generateSql({ prompt: "list customers with their email", schema: shopSchema, dialect: "postgresql" })
const explainStream = (p: AiProvider.Service) => p.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })

const { failWith, withProvider: withAnthropic } = harness<Setup>({
  start: (setup) => Emulator.scoped(setup.protocol ?? AnthropicEmulator.protocol, { apiKey: SECRET_KEY, ...setup.emulator }),
  make: (emu, setup) => Anthropic.make({ apiKey: SECRET_KEY, baseUrl: emu.baseUrl, ...setup.config }),
  call: generate
})

/** The real protocol, except that its `server` error is this exact response. */
const answeringError = (render: (requestId: string) => Emulator.Rendered): Emulator.Protocol => ({
  ...AnthropicEmulator.protocol,
  error: (kind, ctx) => (kind === "server" ? render(ctx.requestId) : AnthropicEmulator.protocol.error(kind, ctx))
})

const errorOf = (render: (requestId: string) => Emulator.Rendered) =>
  failWith({ _tag: "Error", kind: "server" }, { protocol: answeringError(render) })

const textOf = (events: ReadonlyArray<{ _tag: string; text?: string }>) => events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")

describe("Anthropic provider over loopback HTTP", () => {
  it.live("generateSql sends the documented Messages request and parses the answer", () =>
    withAnthropic((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 210, outputTokens: 19 } })
        const result = yield* generate(provider)
        expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
        expect(result.explanation).toBe("Lists rows of customers.")
        expect(result.meta.provider).toBe("anthropic")
        expect(result.meta.model).toBe("claude-sonnet-5")
        expect(result.meta.finishReason).toBe("stop")
        expect(result.meta.usage).toEqual({ inputTokens: 210, outputTokens: 19 })
        expect(result.meta.requestId).toMatch(/^req_emu_/)

        const [req] = emu.chatRequests()
        expect(req!.method).toBe("POST")
        expect(req!.path).toBe("/v1/messages")
        expect(req!.headers["x-api-key"]).toBe(SECRET_KEY)
        expect(req!.headers["authorization"]).toBeUndefined()
        expect(req!.headers["anthropic-version"]).toBe("2023-06-01")
        expect(req!.headers["anthropic-beta"]).toBeUndefined()
        expect(req!.headers["content-type"]).toBe("application/json")
        expect(req!.headers["accept"]).toBe("application/json")
        expect(req!.headers["traceparent"]).toBeUndefined()
        expect(req!.headers["b3"]).toBeUndefined()
        const body = req!.body as Record<string, any>
        // A whole answer asks for the structured answer as a forced tool.
        expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model", "system", "tool_choice", "tools"])
        expect(body.tool_choice).toEqual({ type: "tool", name: "sql_answer" })
        expect(body.model).toBe("claude-sonnet-5")
        expect(body.max_tokens).toBe(2048)
        expect(body.system).toBe(Prompts.system)
        expect(body.messages).toHaveLength(1)
        expect(body.messages[0].role).toBe("user")
        expect(body.messages[0].content).toContain("customers(id integer, email text, name text)")
        expect(body.messages[0].content).toContain("PostgreSQL")
        expect(body.messages[0].content).toContain("list customers with their email")
      })))

  it.live("sends anthropic-beta comma-separated, and the configured version and max_tokens", () =>
    withAnthropic((emu, provider) =>
      Effect.gen(function*() {
        yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
        const [req] = emu.chatRequests()
        expect(req!.headers["anthropic-beta"]).toBe("context-1m-2025-08-07,prompt-caching-2024-07-31")
        expect(req!.headers["anthropic-version"]).toBe("2026-10-21")
        expect((req!.body as Record<string, unknown>).max_tokens).toBe(300)
      }), { config: { anthropicBeta: ["context-1m-2025-08-07", "prompt-caching-2024-07-31"], apiVersion: "2026-10-21", maxTokens: 300 } }))

  describe("temperature goes only where the version and the model accept it", () => {
    const bodyFor = (config: Partial<Anthropic.ConfigInput>) =>
      withAnthropic((emu, provider) =>
        Effect.map(provider.explainSql({ sql: "SELECT 1", dialect: "generic" }), () => emu.chatRequests()[0]!.body as Record<string, unknown>), { config })

    it.live("Claude 4.0 to 4.6 and Claude 3 models get the configured temperature", () =>
      Effect.gen(function*() {
        expect((yield* bodyFor({ model: "claude-sonnet-4-6", temperature: 0.7 })).temperature).toBe(0.7)
        // None set: the profile's 0 for SQL.
        expect((yield* bodyFor({ model: "claude-opus-4-6" })).temperature).toBe(0)
        expect((yield* bodyFor({ model: "claude-haiku-4-5", temperature: 0.4 })).temperature).toBe(0.4)
        expect((yield* bodyFor({ model: "claude-3-5-haiku-20241022" })).temperature).toBe(0)
      }))

    it.live("models released after Opus 4.6 get none (the API would refuse it)", () =>
      Effect.gen(function*() {
        expect((yield* bodyFor({ model: "claude-opus-5", temperature: 0.9 })).temperature).toBeUndefined()
        expect((yield* bodyFor({ model: "claude-sonnet-5" })).temperature).toBeUndefined()
      }))

    it.live("forcing it onto such a model shows why: the API answers 400, an InvalidRequest naming temperature", () =>
      Effect.gen(function*() {
        const error = yield* failWith(undefined, { config: { model: "claude-opus-5", temperatureSupported: true } })
        expect(error._tag).toBe("InvalidRequest")
        expect(error._tag === "InvalidRequest" && error.field).toBe("temperature")
        expect(error.status).toBe(400)
        expect(error.code).toBe("invalid_request_error")
      }))

    it.live("never under anthropic-version 2026-10-21, whatever the model or the override", () =>
      Effect.gen(function*() {
        expect((yield* bodyFor({ model: "claude-sonnet-4-6", apiVersion: "2026-10-21", temperature: 0.5 })).temperature).toBeUndefined()
        expect((yield* bodyFor({ model: "claude-3-5-haiku-20241022", apiVersion: "2026-10-21", temperatureSupported: true })).temperature).toBeUndefined()
      }))

    it.live("temperatureSupported: false keeps it off a model that would accept it", () =>
      Effect.gen(function*() {
        expect((yield* bodyFor({ model: "claude-sonnet-4-6", temperatureSupported: false })).temperature).toBeUndefined()
      }))

    it("the documented model rule", () => {
      const yes = ["claude-3-haiku-20240307", "claude-3-5-sonnet-latest", "claude-3-7-sonnet-20250219", "claude-2.1", "claude-instant-1.2",
        "claude-sonnet-4-20250514", "claude-opus-4-0", "claude-opus-4-1-20250805", "claude-sonnet-4-5", "claude-haiku-4-5-20251001",
        "claude-opus-4-6", "claude-sonnet-4-6", " Claude-Sonnet-4-6 "]
      const no = ["claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-5", "claude-opus-5-5", "claude-haiku-5-5", "claude-mythos-5",
        "claude-fable-5-2", "claude-mythos-preview", "claude-sonnet-4-60", "my-proxy-model", "claude-30-something-else"]
      for (const m of yes) expect([m, Anthropic.acceptsTemperature(m)]).toEqual([m, true])
      for (const m of no) expect([m, Anthropic.acceptsTemperature(m)]).toEqual([m, false])
      expect(Anthropic.sendsTemperature({ apiVersion: "2023-06-01", model: "claude-opus-4-6" })).toBe(true)
      expect(Anthropic.sendsTemperature({ apiVersion: "2026-10-21", model: "claude-opus-4-6" })).toBe(false)
      expect(Anthropic.sendsTemperature({ apiVersion: "2027-03-01", model: "claude-opus-4-6", temperatureSupported: true })).toBe(false)
      expect(Anthropic.sendsTemperature({ apiVersion: "2023-06-01", model: "my-proxy-model", temperatureSupported: true })).toBe(true)
    })
  })

  it.live("explain, optimize and fix parse their answers", () =>
    withAnthropic((_emu, provider) =>
      Effect.gen(function*() {
        const explained = yield* provider.explainSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(explained.explanation).toContain("orders")
        const optimized = yield* provider.optimizeSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(optimized.rating).toBe("fair")
        expect(optimized.optimizedSql).toBe("SELECT id, customer_id, total FROM orders WHERE customer_id = 1")
        expect(optimized.indexRecommendations[0]?.statement).toMatch(/^CREATE INDEX .* ON orders \(customer_id\);?$/)
        const fixed = yield* provider.fixSql({ sql: "SELECT id FROM order WHERE total > 10", errorMessage: "relation \"order\" does not exist", schema: shopSchema, dialect: "postgresql" })
        expect(fixed.fixedSql).toBe("SELECT id FROM orders WHERE total > 10")
      })))

  it.live("only text blocks make the answer: thinking, redacted thinking and tool_use blocks are skipped", () =>
    withAnthropic((emu, provider) =>
      Effect.gen(function*() {
        // A text answer (the forced tool ignored), with another tool's tool_use block in it.
        emu.script({ format: "ignore" })
        const result = yield* generate(provider)
        expect(result.raw).toBe("```sql\nSELECT email FROM customers LIMIT 100;\n```\nLists rows of customers.")
        expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
      }), {
      protocol: {
        ...AnthropicEmulator.protocol,
        completion: (input, answer) => {
          const rendered = AnthropicEmulator.protocol.completion(input, answer)
          const body = JSON.parse(rendered.body)
          const [first, ...rest] = answer.text.split("\n```\n")
          body.content = [
            { type: "thinking", thinking: "The user wants emails. SELECT * FROM secrets;", signature: "sig" },
            { type: "redacted_thinking", data: "abc" },
            { type: "text", text: `${first}\n\`\`\`\n`, citations: null },
            { type: "tool_use", id: "toolu_1", name: "run_sql", input: { sql: "DROP TABLE customers" } },
            // A block type from the future that happens to carry `text` is still not answer text.
            { type: "future_annotation", text: "NOT PART OF THE ANSWER" },
            { type: "text", text: rest.join("\n```\n") }
          ]
          return { ...rendered, body: JSON.stringify(body) }
        }
      }
    }))

  describe("stop_reason maps to the finish reason", () => {
    const cases: ReadonlyArray<[string, string]> = [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["max_tokens", "length"],
      ["model_context_window_exceeded", "length"],
      ["refusal", "content-filter"],
      ["tool_use", "tool-calls"],
      ["pause_turn", "other"]
    ]
    for (const [stop, finish] of cases) {
      it.live(`${stop} -> ${finish}, whole and streamed`, () =>
        withAnthropic((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ finishReason: stop, format: "ignore" }, { finishReason: stop })
            const whole = yield* generate(provider)
            expect(whole.meta.finishReason).toBe(finish)
            const events = Chunk.toArray(yield* Stream.runCollect(explainStream(provider)))
            const last = events[events.length - 1]!
            if (last._tag !== "Completed") throw new Error("no Completed")
            expect(last.result.meta.finishReason).toBe(finish)
          })))
    }

    it.live("a refusal with no text is ContentFiltered (and may not fall back)", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "content-filter" })
        expect(error._tag).toBe("ContentFiltered")
        expect(error.fallback).toBe(false)
        expect(error.requestId).toMatch(/^req_emu_/)
      }))
  })

  describe("streaming", () => {
    it.live("deltas, then the parsed result; usage replaces (cumulative), it does not add up", () =>
      withAnthropic((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 321, outputTokens: 45 } })
          const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" })))
          const deltas = events.filter((e) => e._tag === "TextDelta")
          expect(deltas.length).toBeGreaterThan(2)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no Completed")
          expect(last.result.raw).toBe(textOf(deltas))
          expect(last.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
          // message_start said output_tokens 1, message_delta 45: the total is 45, not 46.
          expect(last.result.meta.usage).toEqual({ inputTokens: 321, outputTokens: 45 })
          expect(last.result.meta.model).toBe("claude-sonnet-5")
          expect(last.result.meta.requestId).toMatch(/^req_emu_/)
          const [req] = emu.chatRequests()
          expect(req!.headers["accept"]).toBe("text/event-stream")
          expect(req!.headers["x-api-key"]).toBe(SECRET_KEY)
          expect((req!.body as Record<string, unknown>).stream).toBe(true)
        })))

    it.live("skips thinking, signature, tool-input and citation deltas and unknown events; input tokens null in message_delta keep message_start's", () =>
      withAnthropic((_emu, provider) =>
        Effect.gen(function*() {
          const events = Chunk.toArray(yield* Stream.runCollect(explainStream(provider)))
          expect(textOf(events)).toBe("Selects one. Done.")
          const last = events[events.length - 1]!
          if (last._tag !== "Completed") throw new Error("no Completed")
          expect(last.result.meta.usage).toEqual({ inputTokens: 77, outputTokens: 31 })
          expect(last.result.meta.model).toBe("claude-sonnet-5-20261001")
          expect(last.result.meta.finishReason).toBe("tool-calls")
        }), {
        protocol: {
          ...AnthropicEmulator.protocol,
          stream: (input, answer, deltas) => {
            const base = AnthropicEmulator.protocol.stream(input, answer, deltas)
            const e = AnthropicEmulator.sseEvent
            return {
              ...base,
              chunks: [
                e({ type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "claude-sonnet-5-20261001", stop_reason: null, stop_sequence: null, usage: { input_tokens: 77, output_tokens: 2 } } }),
                e({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
                e({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Let me think: DROP TABLE" } }),
                e({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "EqQBCgIYAhIM" } }),
                e({ type: "content_block_stop", index: 0 }),
                e({ type: "ping" }),
                e({ type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }),
                e({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Selects one." } }),
                e({ type: "content_block_delta", index: 1, delta: { type: "citations_delta", citation: { type: "char_location", cited_text: "x" } } }),
                e({ type: "content_block_stop", index: 1 }),
                e({ type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_1", name: "sql", input: {} } }),
                e({ type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "{\"sql\": \"DROP" } }),
                e({ type: "content_block_stop", index: 2 }),
                e({ type: "some_future_event", payload: 1 }),
                e({ type: "content_block_start", index: 3, content_block: { type: "text", text: "" } }),
                e({ type: "content_block_delta", index: 3, delta: { type: "text_delta", text: " Done." } }),
                e({ type: "content_block_stop", index: 3 }),
                e({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: null, output_tokens: 31 } }),
                e({ type: "message_stop" })
              ]
            }
          }
        }
      }))

    it.live("events with no event: line (a proxy dropped them) are read by their data type", () =>
      withAnthropic((_emu, provider) =>
        Effect.gen(function*() {
          const events = Chunk.toArray(yield* Stream.runCollect(explainStream(provider)))
          expect(events[events.length - 1]!._tag).toBe("Completed")
          expect(textOf(events).length).toBeGreaterThan(0)
        }), {
        protocol: {
          ...AnthropicEmulator.protocol,
          stream: (input, answer, deltas) => {
            const base = AnthropicEmulator.protocol.stream(input, answer, deltas)
            return { ...base, chunks: base.chunks.map((c) => c.replace(/^event: .*\n/, "")) }
          }
        }
      }))

    const robust: ReadonlyArray<[string, Emulator.Options]> = [
      ["CRLF line endings", { lineEndings: "crlf" }],
      ["LF and CRLF mixed within one write", { lineEndings: "mixed", burst: true }],
      ["3-byte slices that split characters and CRLF pairs", { lineEndings: "crlf", byteChunkSize: 3 }],
      ["1-byte slices with mixed endings", { lineEndings: "mixed", byteChunkSize: 1 }],
      ["ping events between all events", { keepAlive: true }],
      ["the whole stream in one burst", { burst: true }]
    ]
    for (const [name, options] of robust) {
      it.live(`survives ${name}`, () =>
        withAnthropic((emu, provider) =>
          Effect.gen(function*() {
            const reply = "```sql\nSELECT name AS \"Größe 😀\" FROM customers LIMIT 100;\n```\nÜbersicht — ok ✓."
            emu.script({ reply, usage: { inputTokens: 8, outputTokens: 21 } })
            const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "postgresql" })))
            expect(textOf(events)).toBe(reply)
            const last = events[events.length - 1]!
            if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
            expect(last.result.sql).toBe("SELECT name AS \"Größe 😀\" FROM customers LIMIT 100;")
            expect(last.result.meta.usage).toEqual({ inputTokens: 8, outputTokens: 21 })
          }), { emulator: options }))
    }

    const cutCases: ReadonlyArray<[string, (deltas: number) => number]> = [
      ["after the first delta", () => 4],
      ["after message_delta, just before message_stop", (deltas) => 3 + deltas + 2]
    ]
    for (const [name, afterChunks] of cutCases) {
      it.live(`a stream cut ${name} is InvalidResponse, never a partial answer`, () =>
        withAnthropic((emu, provider) =>
          Effect.gen(function*() {
            const reply = "```sql\nSELECT 1;\n```\nSelects the number one for you."
            emu.script({ reply, fault: { _tag: "CutStream", afterChunks: afterChunks(Emulator.splitDeltas(reply).length) } })
            const seen: Array<string> = []
            const exit = yield* explainStream(provider).pipe(Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))), Effect.exit)
            const error = expectFailure<AiError.AiError>(exit)
            expect(error._tag).toBe("InvalidResponse")
            expect(error.message).toMatch(/message_stop|cut off/)
            expect(seen).not.toContain("Completed")
            expect(seen).toContain("TextDelta")
          })))
    }

    it.live("a body that ends cleanly (no reset) without message_stop is InvalidResponse", () =>
      withAnthropic((_emu, provider) =>
        Effect.gen(function*() {
          const seen: Array<string> = []
          const exit = yield* explainStream(provider).pipe(Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))), Effect.exit)
          const error = expectFailure<AiError.AiError>(exit)
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toContain("before message_stop")
          expect(error.requestId).toMatch(/^req_emu_/)
          expect(seen).not.toContain("Completed")
        }), {
        protocol: {
          ...AnthropicEmulator.protocol,
          stream: (input, answer, deltas) => {
            const base = AnthropicEmulator.protocol.stream(input, answer, deltas)
            return { ...base, chunks: base.chunks.filter((c) => !c.startsWith("event: message_stop")) }
          }
        }
      }))

    it.live("an overloaded_error event after HTTP 200 fails with ProviderUnavailable (529, request id from the headers)", () =>
      withAnthropic((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "InBandError", kind: "overloaded", afterChunks: 4 } })
          const seen: Array<string> = []
          const exit = yield* explainStream(provider).pipe(Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))), Effect.exit)
          const error = expectFailure<AiError.AiError>(exit)
          expect(error._tag).toBe("ProviderUnavailable")
          expect(error.status).toBe(529)
          expect(error.code).toBe("overloaded_error")
          expect(error.requestId).toMatch(/^req_emu_/)
          expect(error.message).toContain("Overloaded")
          expect(seen).not.toContain("Completed")
        })))

    it.live("in-band rate_limit_error and api_error events map to RateLimited and ProviderUnavailable", () =>
      withAnthropic((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "InBandError", kind: "rate-limit", afterChunks: 1 } }, { fault: { _tag: "InBandError", kind: "server", afterChunks: 2 } })
          const a = expectFailure<AiError.AiError>(yield* Effect.exit(Stream.runDrain(explainStream(provider))))
          expect(a._tag).toBe("RateLimited")
          const b = expectFailure<AiError.AiError>(yield* Effect.exit(Stream.runDrain(explainStream(provider))))
          expect(b._tag).toBe("ProviderUnavailable")
          expect(b.code).toBe("api_error")
        })))

    it.live("a malformed stream event is InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "MalformedJson" }, {}, (p) => Stream.runDrain(explainStream(p)))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/not valid JSON/)
      }))

    it.live("an HTTP error before the stream starts is classified like any other", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit", retryAfterSeconds: 4 }, {}, (p) => Stream.runDrain(explainStream(p)))
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(Duration.toMillis(error.retryAfter!)).toBe(4000)
      }))
  })

  describe("every documented error maps to its AiError", () => {
    const cases: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag, number, string]> = [
      ["auth", "AuthenticationError", 401, "authentication_error"],
      ["permission", "PermissionDenied", 403, "permission_error"],
      ["rate-limit", "RateLimited", 429, "rate_limit_error"],
      ["quota", "QuotaExhausted", 400, "invalid_request_error"],
      ["model-not-found", "ModelNotFound", 404, "not_found_error"],
      ["context-too-long", "ContextTooLong", 400, "invalid_request_error"],
      ["bad-request", "InvalidRequest", 400, "invalid_request_error"],
      ["server", "ProviderUnavailable", 500, "api_error"],
      ["unavailable", "ProviderUnavailable", 529, "overloaded_error"],
      ["overloaded", "ProviderUnavailable", 529, "overloaded_error"]
    ]
    for (const [kind, tag, status, code] of cases) {
      it.live(`${kind}: HTTP ${status} ${code} -> ${tag}`, () =>
        Effect.gen(function*() {
          const error = yield* failWith({ _tag: "Error", kind })
          expect(error._tag).toBe(tag)
          expect(error.provider).toBe("anthropic")
          expect(error.status).toBe(status)
          expect(error.code).toBe(code)
          expect(error.requestId).toMatch(/^req_emu_/)
          expect(error.message).toContain(`HTTP ${status}`)
          expect(error.message).toMatch(/^Anthropic: /)
          expect(JSON.stringify(error)).not.toContain("SECRETKEY")
          expect(String(error)).not.toContain("SECRETKEY")
        }))
    }

    it.live("bad-request names the offending field; model-not-found names the model", () =>
      Effect.gen(function*() {
        const bad = yield* failWith({ _tag: "Error", kind: "bad-request" })
        expect(bad._tag === "InvalidRequest" && bad.field).toBe("messages")
        const missing = yield* failWith({ _tag: "Error", kind: "model-not-found" })
        expect(missing._tag === "ModelNotFound" && missing.model).toBe("claude-sonnet-5")
      }))

    it.live("429 with retry-after: 2 is RateLimited with retryAfter 2 s, retryable", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit", retryAfterSeconds: 2 })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(Duration.toMillis(error.retryAfter!)).toBe(2000)
        expect(error.retryable).toBe(true)
        expect(error.fallback).toBe(true)
      }))

    it.live("402 billing_error is QuotaExhausted, not retryable", () =>
      Effect.gen(function*() {
        const error = yield* errorOf((requestId) => AnthropicEmulator.errorResponse(402, "billing_error", "Your organization has an outstanding balance.", { requestId }))
        expect(error._tag).toBe("QuotaExhausted")
        expect([error.status, error.code, error.retryable]).toEqual([402, "billing_error", false])
      }))

    it.live("429 rate_limit_error with a spend-limit error_code is QuotaExhausted; a ramp limit stays RateLimited", () =>
      Effect.gen(function*() {
        const spend = yield* errorOf((requestId) =>
          AnthropicEmulator.errorResponse(429, "rate_limit_error", "The organization has reached the spend limit of its contract.", { requestId, details: { error_code: "contract_spend_limit_reached" } }))
        expect(spend._tag).toBe("QuotaExhausted")
        expect(spend.code).toBe("contract_spend_limit_reached")
        const enforced = yield* errorOf((requestId) =>
          AnthropicEmulator.errorResponse(429, "rate_limit_error", "Monthly usage threshold crossed.", { requestId, details: { error_code: "enforced_spend_limit_reached" } }))
        expect(enforced._tag).toBe("QuotaExhausted")
        const ramp = yield* errorOf((requestId) =>
          AnthropicEmulator.errorResponse(429, "rate_limit_error", "Usage is growing too fast.", { requestId, retryAfterSeconds: 30, details: { error_code: "ramp_limit_exceeded" } }))
        if (ramp._tag !== "RateLimited") throw new Error(ramp._tag)
        expect(Duration.toMillis(ramp.retryAfter!)).toBe(30_000)
        expect(ramp.code).toBe("ramp_limit_exceeded")
      }))

    it.live("400 usage-limit and spend-limit messages are QuotaExhausted", () =>
      Effect.gen(function*() {
        const usage = yield* errorOf((requestId) =>
          AnthropicEmulator.errorResponse(400, "invalid_request_error", "You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.", { requestId }))
        expect(usage._tag).toBe("QuotaExhausted")
        const workspace = yield* errorOf((requestId) =>
          AnthropicEmulator.errorResponse(400, "invalid_request_error", "This request would exceed your workspace spend limit.", { requestId }))
        expect(workspace._tag).toBe("QuotaExhausted")
      }))

    it.live("413 request_too_large is ContextTooLong; 504 timeout_error is Timeout (retryable)", () =>
      Effect.gen(function*() {
        const big = yield* errorOf((requestId) => AnthropicEmulator.errorResponse(413, "request_too_large", "Request exceeds the maximum allowed number of bytes.", { requestId }))
        expect([big._tag, big.status, big.code]).toEqual(["ContextTooLong", 413, "request_too_large"])
        const slow = yield* errorOf((requestId) => AnthropicEmulator.errorResponse(504, "timeout_error", "Request timed out", { requestId }))
        if (slow._tag !== "Timeout") throw new Error(slow._tag)
        expect([slow.status, slow.phase, slow.retryable]).toEqual([504, "request", true])
      }))

    it.live("the body's request_id is used when the request-id header is missing", () =>
      Effect.gen(function*() {
        const error = yield* errorOf(() => ({
          status: 500,
          body: JSON.stringify(AnthropicEmulator.errorBody("api_error", "Internal server error", "req_011CBodyOnly"))
        }))
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.requestId).toBe("req_011CBodyOnly")
        expect(error.message).toContain("request req_011CBodyOnly")
      }))

    it.live("a refused anthropic-version is ConfigInvalid on apiVersion", () =>
      Effect.gen(function*() {
        // 2031-01-01 is a well-formed date the (emulated) API does not know.
        const error = yield* failWith(undefined, { config: { apiVersion: "2031-01-01" } })
        expect(error._tag).toBe("ConfigInvalid")
        expect(error._tag === "ConfigInvalid" && error.field).toBe("apiVersion")
        expect(error.message).toContain("anthropic-version")
      }))

    it.live("a 404 that is not Anthropic's envelope is a wrong base URL", () =>
      Effect.gen(function*() {
        const error = yield* errorOf(() => ({ status: 404, body: "<html>Not Found</html>" }))
        expect(error._tag).toBe("ConfigInvalid")
        expect(error._tag === "ConfigInvalid" && error.field).toBe("baseUrl")
      }))

    it.live("a key echoed in an error message is scrubbed", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "auth", message: `invalid x-api-key: ${SECRET_KEY}` })
        expect(error.message).not.toContain("SECRETKEY")
        expect(error.message).toContain("invalid x-api-key")
      }))

    it.live("malformed JSON, a body cut half-way and an empty answer are InvalidResponse", () =>
      Effect.gen(function*() {
        const malformed = yield* failWith({ _tag: "MalformedJson" })
        expect(malformed._tag).toBe("InvalidResponse")
        expect(malformed.message).toMatch(/not valid JSON/)
        expect((yield* failWith({ _tag: "CutStream", afterChunks: 0 }))._tag).toBe("InvalidResponse")
        const empty = yield* failWith({ _tag: "Empty" })
        expect(empty._tag).toBe("InvalidResponse")
        expect(empty.message).toMatch(/no text/)
      }))

    it.live("a reset connection and a refused connection are ProviderUnavailable", () =>
      Effect.gen(function*() {
        const reset = yield* failWith({ _tag: "Reset" })
        expect(reset._tag).toBe("ProviderUnavailable")
        const emu = yield* Effect.promise(() => AnthropicEmulator.start())
        const baseUrl = emu.baseUrl
        yield* Effect.promise(() => emu.close())
        const provider = yield* Anthropic.make({ apiKey: SECRET_KEY, baseUrl })
        const refused = expectFailure<AiError.AiError>(yield* Effect.exit(provider.explainSql({ sql: "SELECT 1", dialect: "generic" })))
        expect(refused._tag).toBe("ProviderUnavailable")
        expect(refused.message).toContain("connection refused")
        expect(refused.message).toContain(new URL(baseUrl).host)
      }).pipe(Effect.provide(HttpLive)))
  })

  it.live("an invalid request is refused before anything is sent", () =>
    withAnthropic((emu, provider) =>
      Effect.gen(function*() {
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.generateSql({ prompt: "   ", dialect: "postgresql" })))
        expect(error._tag === "InvalidRequest" && error.field).toBe("prompt")
        expect(emu.requests).toHaveLength(0)
      })))

  it.live("a chat for a model the key cannot use is ModelNotFound naming it", () =>
    withAnthropic((_emu, provider) =>
      Effect.gen(function*() {
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.explainSql({ sql: "SELECT 1", dialect: "generic" })))
        expect(error._tag).toBe("ModelNotFound")
        expect(error._tag === "ModelNotFound" && error.model).toBe("claude-opus-4-1-20250805")
        expect(error.message).toContain("claude-opus-4-1-20250805")
      }), { config: { model: "claude-opus-4-1-20250805" } }))

  describe("testConnection", () => {
    it.live("one free GET /v1/models/{model}: ok, the model available, no message sent", () =>
      withAnthropic((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(true)
          expect(test.provider).toBe("anthropic")
          expect(test.details).toContain("Claude Sonnet 5")
          expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/models/claude-sonnet-5"])
          expect(emu.requests[0]!.headers["x-api-key"]).toBe(SECRET_KEY)
          expect(emu.requests[0]!.headers["anthropic-version"]).toBe("2023-06-01")
          expect(emu.chatRequests()).toHaveLength(0)
        })))

    it.live("a model the key cannot use: ok, modelAvailable false", () =>
      withAnthropic((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(false)
          expect(test.details).toContain("claude-9-imaginary")
          expect(emu.requests.map((r) => r.path)).toEqual(["/v1/models/claude-9-imaginary"])
        }), { config: { model: "claude-9-imaginary" } }))

    it.live("a retired model: ok, modelAvailable false", () =>
      withAnthropic((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect([test.ok, test.modelAvailable]).toEqual([true, false])
          expect(test.details).toContain("retired")
        }), {
        protocol: {
          ...AnthropicEmulator.protocol,
          route: (r, ctx) => {
            const route = AnthropicEmulator.protocol.route(r, ctx)
            if (route._tag !== "Respond" || r.kind !== "model") return route
            return { ...route, response: { ...route.response, body: JSON.stringify({ ...JSON.parse(route.response.body), lifecycle: "retired" }) } }
          }
        }
      }))

    it.live("a bad key: ok false with AuthenticationError, the key nowhere in the details", () =>
      withAnthropic((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(false)
          expect(test.modelAvailable).toBeUndefined()
          expect(test.error?._tag).toBe("AuthenticationError")
          expect(test.details).not.toContain("sk-ant-wrong-key-000000000")
        }), { config: { apiKey: "sk-ant-wrong-key-000000000" } }))
  })

  describe("listModels", () => {
    it.live("GET /v1/models?limit=1000: ids, display names and context windows", () =>
      withAnthropic((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(models.map((m) => m.id)).toEqual(AnthropicEmulator.protocol.defaultModels)
          expect(models.find((m) => m.id === "claude-opus-4-6")).toEqual({ id: "claude-opus-4-6", displayName: "Claude Opus 4.6", contextWindow: 200_000 })
          expect(emu.requests).toHaveLength(1)
          expect(emu.requests[0]!.path).toBe("/v1/models")
          expect(emu.requests[0]!.query).toEqual({ limit: "1000" })
          expect(emu.requests[0]!.headers["x-api-key"]).toBe(SECRET_KEY)
        })))

    it.live("follows has_more / last_id with after_id across pages", () => {
      const many = Array.from({ length: 2050 }, (_, i) => `claude-test-${i}`)
      return withAnthropic((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(models.map((m) => m.id)).toEqual(many)
          expect(emu.requests.map((r) => r.query)).toEqual([
            { limit: "1000" },
            { limit: "1000", after_id: "claude-test-999" },
            { limit: "1000", after_id: "claude-test-1999" }
          ])
        }), { emulator: { models: many } })
    })

    it.live(`stops after ${Anthropic.maxModelPages} pages even when has_more never ends, and leaves out retired models`, () => {
      let page = 0
      return withAnthropic((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(emu.requests).toHaveLength(Anthropic.maxModelPages)
          expect(models).toHaveLength(Anthropic.maxModelPages)
          expect(models.every((m) => m.id.startsWith("active-"))).toBe(true)
        }), {
        protocol: {
          ...AnthropicEmulator.protocol,
          route: (r, ctx) => {
            if (r.kind !== "models") return AnthropicEmulator.protocol.route(r, ctx)
            page++
            const data = [AnthropicEmulator.modelInfo(`active-${page}`), { ...AnthropicEmulator.modelInfo(`retired-${page}`), lifecycle: "retired" }]
            return { _tag: "Respond", kind: r.kind, response: { status: 200, body: JSON.stringify({ data, has_more: true, first_id: data[0]!.id, last_id: data[1]!.id }) } }
          }
        }
      })
    })

    it.live("a bad key fails listModels with AuthenticationError", () =>
      withAnthropic((_emu, provider) =>
        Effect.gen(function*() {
          expect(expectFailure<AiError.AiError>(yield* Effect.exit(provider.listModels))._tag).toBe("AuthenticationError")
        }), { config: { apiKey: "sk-ant-nope-0000000" } }))
  })
})

describe("Anthropic.Config", () => {
  const decode = (input: unknown) => Effect.runSync(Effect.either(Anthropic.decodeConfig(input)))

  it("applies documented defaults", () => {
    const r = decode({ apiKey: "sk-ant-abc" })
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.model).toBe("claude-sonnet-5")
    expect(r.right.baseUrl).toBe("https://api.anthropic.com/v1")
    expect(r.right.apiVersion).toBe("2023-06-01")
    expect(r.right.temperature).toBeUndefined() // the model family's, chosen when the provider is built (PromptProfiles)
    expect(r.right.maxTokens).toBe(2048)
    expect(r.right.anthropicBeta).toBeUndefined()
    expect(r.right.temperatureSupported).toBeUndefined()
    expect(Redacted.isRedacted(r.right.apiKey)).toBe(true)
    expect(String(r.right.apiKey)).not.toContain("sk-ant-abc")
  })

  it("accepts an already Redacted key, both known versions, a later dated version and beta names", () => {
    for (const input of [
      { apiKey: Redacted.make("sk-ant-abc") },
      { apiKey: "k", apiVersion: "2026-10-21" },
      { apiKey: "k", apiVersion: "2027-02-14" },
      { apiKey: "k", anthropicBeta: ["context-1m-2025-08-07"], temperature: 1, model: "any-model-id" }
    ]) {
      const r = decode(input)
      if (r._tag === "Left") throw new Error(r.left.message)
    }
  })

  const bad: ReadonlyArray<[string, unknown, string]> = [
    ["a missing key", {}, "apiKey"],
    ["an empty key", { apiKey: "  " }, "apiKey"],
    ["a key that is not a string", { apiKey: 42 }, "apiKey"],
    ["plain http to a remote host", { apiKey: "k", baseUrl: "http://api.anthropic.com/v1" }, "baseUrl"],
    ["a base URL that is not a URL", { apiKey: "k", baseUrl: "api.anthropic.com" }, "baseUrl"],
    ["a temperature above 1", { apiKey: "k", temperature: 1.5 }, "temperature"],
    ["a negative temperature", { apiKey: "k", temperature: -0.1 }, "temperature"],
    ["zero max tokens", { apiKey: "k", maxTokens: 0 }, "maxTokens"],
    ["fractional max tokens", { apiKey: "k", maxTokens: 10.5 }, "maxTokens"],
    ["an empty model", { apiKey: "k", model: " " }, "model"],
    ["a version that is not a date", { apiKey: "k", apiVersion: "latest" }, "apiVersion"],
    ["a version that is not a real date", { apiKey: "k", apiVersion: "2023-13-45" }, "apiVersion"],
    ["an empty beta name", { apiKey: "k", anthropicBeta: [""] }, "anthropicBeta.0"],
    ["a beta name that would break the header", { apiKey: "k", anthropicBeta: ["ok-1", "a,b\r\nx-evil: 1"] }, "anthropicBeta.1"],
    ["beta names that are not a list", { apiKey: "k", anthropicBeta: "context-1m-2025-08-07" }, "anthropicBeta"],
    ["a temperatureSupported that is not a boolean", { apiKey: "k", temperatureSupported: "yes" }, "temperatureSupported"]
  ]
  for (const [name, input, field] of bad) {
    it(`names the field for ${name}`, () => {
      const r = decode(input)
      if (r._tag === "Right") throw new Error("expected ConfigInvalid")
      expect(r.left._tag).toBe("ConfigInvalid")
      expect(r.left.provider).toBe("anthropic")
      expect(r.left.field).toBe(field)
      expect(r.left.message).toContain(field)
    })
  }

  it("lists every bad field in one message", () => {
    const r = decode({ apiKey: "", temperature: 5, apiVersion: "v1" })
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    for (const field of ["apiKey", "temperature", "apiVersion"]) expect(r.left.message).toContain(field)
    expect(r.left.message).toContain("must be an API version date such as 2023-06-01 or 2026-10-21")
  })

  it("never echoes a key typed into the wrong field", () => {
    const r = decode({ apiKey: "k", model: 12345, apiVersion: "sk-ant-leaked-in-wrong-field" })
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    expect(r.left.message).not.toContain("sk-ant-leaked")
    expect(r.left.message).not.toContain("12345")
  })

  it.live("a valid config builds the provider", () =>
    Effect.gen(function*() {
      const provider = yield* Anthropic.make({ apiKey: "sk-ant-x", apiVersion: "2026-10-21", anthropicBeta: ["b-1"] })
      expect(provider.provider).toBe("anthropic")
    }).pipe(Effect.provide(HttpLive)))

  it.live("a layer with a bad config fails with ConfigInvalid, not a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(Anthropic.layer({ apiKey: "" })).pipe(Effect.scoped, Effect.provide(HttpLive), Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(expectFailure<AiError.AiError>(exit)._tag).toBe("ConfigInvalid")
    }))
})
