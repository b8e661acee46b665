import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Layer, Redacted, Stream } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as Ollama from "../../src/providers/ollama/Ollama.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as OllamaEmulator from "../../src/testing/emulators/OllamaEmulator.js"
import { expectFailure, HttpLive, SECRET_KEY, shopSchema } from "../support/http.js"
import { harness } from "../support/provider.js"

const generate = (p: AiProvider.Service) => p.generateSql({ prompt: "list customers", schema: shopSchema, dialect: "postgresql" })

interface Setup {
  readonly emulator?: Emulator.Options
  readonly config?: Partial<Ollama.ConfigInput>
  readonly protocol?: Emulator.Protocol
}

const { failWith, withProvider: withOllama } = harness<Setup>({
  start: (setup) => Emulator.scoped(setup.protocol ?? OllamaEmulator.protocol, setup.emulator),
  make: (emu, setup) => Ollama.make({ baseUrl: emu.baseUrl, ...setup.config }),
  call: generate
})

const streamText = (events: ReadonlyArray<{ _tag: string; text?: string }>) => events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")

// The emulator's protocol with its stream pieces rewritten, for wire shapes the default rule does not produce.
const withStream = (edit: (pieces: ReadonlyArray<string>) => ReadonlyArray<string>): Emulator.Protocol => ({
  ...OllamaEmulator.protocol,
  stream: (input, answer, deltas) => {
    const r = OllamaEmulator.protocol.stream(input, answer, deltas)
    return { ...r, chunks: edit(r.chunks) }
  }
})

describe("Ollama provider over loopback HTTP", () => {
  it.live("generateSql sends the documented /api/chat body with stream:false and parses the answer", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 26, outputTokens: 298 } })
        const result = yield* provider.generateSql({ prompt: "list customers with their email", schema: shopSchema, dialect: "postgresql" })
        expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
        expect(result.meta.provider).toBe("ollama")
        expect(result.meta.model).toBe("llama3.2")
        expect(result.meta.finishReason).toBe("stop")
        expect(result.meta.usage).toEqual({ inputTokens: 26, outputTokens: 298 })
        expect(result.meta.requestId).toBeUndefined()

        expect(emu.requests).toHaveLength(1)
        const req = emu.chatRequests()[0]!
        expect(req.method).toBe("POST")
        expect(req.path).toBe("/api/chat")
        expect(req.headers["content-type"]).toBe("application/json")
        expect(req.headers["accept"]).toBe("application/json")
        expect(req.headers["authorization"]).toBeUndefined()
        expect(req.headers["traceparent"]).toBeUndefined()
        expect(req.headers["b3"]).toBeUndefined()
        const body = req.body as Record<string, any>
        expect(Object.keys(body).sort()).toEqual(["format", "messages", "model", "options", "stream"])
        expect(body.model).toBe("llama3.2")
        expect(body.stream).toBe(false)
        expect(body.options).toEqual({ temperature: 0, num_predict: 2048 })
        // llama3.2 is a 3B model: the short system prompt with one worked example, then the request.
        expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user"])
        expect(body.messages[0].content.startsWith(`${Prompts.shortSystem}\n\nExample of a request and its answer:\n<example>\n`)).toBe(true)
        expect(body.messages[0].content).toContain("users(id integer PK, name text, created_at timestamp)")
        expect(body.messages[1].content).toContain("customers(id integer, email text, name text)")
        expect(body.messages[1].content).toContain("list customers with their email")
      })))

  it.live("model, temperature, maxTokens, contextWindow and keepAlive go to model, options.* and keep_alive", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        const result = yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
        expect(result.meta.model).toBe("qwen2.5-coder:7b")
        const body = emu.chatRequests()[0]!.body as Record<string, any>
        expect(body.model).toBe("qwen2.5-coder:7b")
        expect(body.options).toEqual({ temperature: 0.7, num_predict: 512, num_ctx: 16384 })
        // The window it runs with is the one the prompt's schema is fitted to.
        expect(provider.contextWindow).toBe(16384)
        expect(body.keep_alive).toBe("30m")
        expect(body.stream).toBe(false)
      }), { config: { model: "qwen2.5-coder:7b", temperature: 0.7, maxTokens: 512, contextWindow: 16384, keepAlive: "30m" } }))

  it.live("explain, optimize and fix parse their answers", () =>
    withOllama((_emu, provider) =>
      Effect.gen(function*() {
        const explained = yield* provider.explainSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(explained.explanation).toContain("orders")
        const optimized = yield* provider.optimizeSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(optimized.rating).toBe("fair")
        expect(optimized.optimizedSql).toBe("SELECT id, customer_id, total FROM orders WHERE customer_id = 1")
        const fixed = yield* provider.fixSql({ sql: "SELECT id FROM order", errorMessage: "no such table: order", schema: shopSchema, dialect: "sqlite" })
        expect(fixed.fixedSql).toBe("SELECT id FROM orders")
      })))

  it.live("done_reason length is the finish reason length", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ finishReason: "length" })
        const result = yield* provider.explainSql({ sql: "SELECT 1", dialect: "generic" })
        expect(result.meta.finishReason).toBe("length")
      })))

  it.live("an apiKey (ollama.com) is sent as Authorization: Bearer on every call", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        yield* provider.explainSql({ sql: "SELECT 1", dialect: "generic" })
        yield* Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" }))
        const test = yield* provider.testConnection
        expect(test.ok).toBe(true)
        yield* provider.listModels
        expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
          "POST /api/chat",
          "POST /api/chat",
          "GET /api/version",
          "GET /api/tags",
          "POST /api/show",
          "GET /api/tags"
        ])
        for (const r of emu.requests) expect(r.headers["authorization"]).toBe(`Bearer ${SECRET_KEY}`)
      }), { emulator: { apiKey: SECRET_KEY }, config: { apiKey: SECRET_KEY } }))

  it.live("a wrong key is AuthenticationError without the key, and testConnection says so", () =>
    withOllama((_emu, provider) =>
      Effect.gen(function*() {
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
        expect(error._tag).toBe("AuthenticationError")
        expect(error.status).toBe(401)
        expect(error.message).toContain("check the apiKey")
        expect(JSON.stringify(error) + error.message).not.toContain("wrong-ollama-key")
        const test = yield* provider.testConnection
        expect(test.ok).toBe(false)
        expect(test.error?._tag).toBe("AuthenticationError")
      }), { emulator: { apiKey: SECRET_KEY }, config: { apiKey: "wrong-ollama-key-0000" } }))

  it.live("a server that wants a key the config lacks says to set apiKey", () =>
    Effect.gen(function*() {
      const error = yield* failWith({ _tag: "Error", kind: "auth" })
      expect(error._tag).toBe("AuthenticationError")
      expect(error.message).toContain("set apiKey")
    }))

  it.live("streams NDJSON deltas, then the parsed result with usage from the done:true line", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 321, outputTokens: 45 } })
        const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" })))
        const deltas = events.filter((e) => e._tag === "TextDelta")
        expect(deltas.length).toBeGreaterThan(2)
        const last = events[events.length - 1]!
        if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no Completed event")
        expect(last.result.raw).toBe(streamText(events))
        expect(last.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
        expect(last.result.meta.usage).toEqual({ inputTokens: 321, outputTokens: 45 })
        expect(last.result.meta.finishReason).toBe("stop")
        const req = emu.chatRequests()[0]!
        expect(req.headers["accept"]).toBe("application/x-ndjson")
        const body = req.body as Record<string, any>
        expect(body.stream).toBe(true)
        expect(body.format).toBeUndefined()
        expect(body.options).toEqual({ temperature: 0, num_predict: 2048 })
      })))

  it.live("a streamed done_reason length is the finish reason length", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ finishReason: "length" })
        const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
        const last = events[events.length - 1]!
        if (last._tag !== "Completed") throw new Error("no Completed event")
        expect(last.result.meta.finishReason).toBe("length")
      })))

  const robust: ReadonlyArray<[string, Emulator.Options]> = [
    ["CRLF line endings", { lineEndings: "crlf" }],
    ["mixed line endings within one write", { lineEndings: "mixed", burst: true }],
    ["3-byte slices that split characters and CRLF pairs", { lineEndings: "crlf", byteChunkSize: 3 }],
    ["1-byte slices", { byteChunkSize: 1 }],
    ["the whole stream in one burst", { burst: true }]
  ]
  for (const [name, options] of robust) {
    it.live(`streaming survives ${name}`, () =>
      withOllama((emu, provider) =>
        Effect.gen(function*() {
          const reply = "```sql\nSELECT name AS \"Größe 😀\" FROM customers LIMIT 100;\n```\nÜbersicht — ok."
          emu.script({ reply })
          const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "postgresql" })))
          expect(streamText(events)).toBe(reply)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
          expect(last.result.sql).toBe("SELECT name AS \"Größe 😀\" FROM customers LIMIT 100;")
        }), { emulator: options }))
  }

  it.live("blank lines between NDJSON records (a proxy's keep-alive) are skipped", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ reply: "SELECT 1;" })
        const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
        expect(streamText(events)).toBe("SELECT 1;")
        expect(events[events.length - 1]!._tag).toBe("Completed")
      }), { protocol: { ...OllamaEmulator.protocol, keepAlive: "\n" }, emulator: { keepAlive: true, lineEndings: "crlf" } }))

  it.live("message.thinking is skipped, in a stream and in a whole answer", () =>
    Effect.gen(function*() {
      const thinking = (content: string) =>
        `${JSON.stringify({ model: "llama3.2", message: { role: "assistant", content, thinking: "Let me think about the tables" }, done: false })}\n`
      const events = yield* withOllama((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ reply: "SELECT 1;" })
          return Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
        }), { protocol: withStream((pieces) => [thinking(""), thinking(""), ...pieces]) })
      expect(streamText(events)).toBe("SELECT 1;")
      expect(events.filter((e) => e._tag === "TextDelta").every((e) => e._tag === "TextDelta" && e.text !== "")).toBe(true)

      const whole = yield* withOllama((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ reply: "The answer." })
          return yield* provider.explainSql({ sql: "SELECT 1", dialect: "generic" })
        }), {
        protocol: {
          ...OllamaEmulator.protocol,
          completion: (input, answer) => {
            const r = OllamaEmulator.protocol.completion(input, answer)
            const body = JSON.parse(r.body)
            return { ...r, body: JSON.stringify({ ...body, message: { ...body.message, thinking: "hidden reasoning" } }) }
          }
        }
      })
      expect(whole.raw).toBe("The answer.")
    }))

  it.live("a done:true line that carries the last text still emits it", () =>
    withOllama((_emu, provider) =>
      Effect.gen(function*() {
        const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
        expect(streamText(events)).toBe("Hello world")
        const last = events[events.length - 1]!
        if (last._tag !== "Completed") throw new Error("no Completed event")
        expect(last.result.meta.usage).toEqual({ inputTokens: 3, outputTokens: 2 })
      }), {
      protocol: withStream(() => [
        `${JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: "Hello" }, done: false })}\n`,
        `${JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: " world" }, done: true, done_reason: "stop", prompt_eval_count: 3, eval_count: 2 })}\n`
      ])
    }))

  it.live("a stream cut before done:true is an InvalidResponse, never a partial answer", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ fault: { _tag: "CutStream", afterChunks: 3 } })
        const seen: Array<string> = []
        const exit = yield* provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "postgresql" }).pipe(
          Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))),
          Effect.exit
        )
        const error = expectFailure<AiError.AiError>(exit)
        expect(error._tag).toBe("InvalidResponse")
        expect(seen).not.toContain("Completed")
        expect(seen.length).toBeGreaterThan(0)
      })))

  it.live("a stream that ends cleanly without done:true is an InvalidResponse naming the missing line", () =>
    withOllama((_emu, provider) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
        const error = expectFailure<AiError.AiError>(exit)
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toContain("done:true")
      }), { protocol: withStream((pieces) => pieces.slice(0, -1)) }))

  for (const [kind, tag] of [["server", "ProviderUnavailable"], ["context-too-long", "ContextTooLong"]] as const) {
    it.live(`an {"error"} line after HTTP 200 (${kind}) fails the stream with ${tag}`, () =>
      withOllama((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "InBandError", kind, afterChunks: 2 } })
          const seen: Array<string> = []
          const exit = yield* provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" }).pipe(
            Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))),
            Effect.exit
          )
          const error = expectFailure<AiError.AiError>(exit)
          expect(error._tag).toBe(tag)
          expect(error.provider).toBe("ollama")
          expect(seen).not.toContain("Completed")
        })))
  }

  it.live("a malformed NDJSON line is an InvalidResponse", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ fault: { _tag: "MalformedJson" } })
        const exit = yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
        const error = expectFailure<AiError.AiError>(exit)
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/not valid JSON/)
      })))

  describe("every Ollama error maps to its AiError", () => {
    const cases: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag, number, string]> = [
      ["auth", "AuthenticationError", 401, "unauthorized"],
      ["permission", "PermissionDenied", 403, "ollama cloud is disabled"],
      ["rate-limit", "RateLimited", 429, "hourly usage limit"],
      ["quota", "QuotaExhausted", 429, "weekly usage limit"],
      ["model-not-found", "ModelNotFound", 404, "model 'llama3.2' not found"],
      ["context-too-long", "ContextTooLong", 400, "longer than the context length"],
      ["bad-request", "InvalidRequest", 400, "cannot unmarshal"],
      ["server", "ProviderUnavailable", 500, "llama runner process has terminated"],
      ["unavailable", "ProviderUnavailable", 502, "no such host"],
      ["overloaded", "ProviderUnavailable", 503, "Server overloaded"]
    ]
    for (const [kind, tag, status, text] of cases) {
      it.live(`${kind} -> ${tag} (HTTP ${status})`, () =>
        Effect.gen(function*() {
          const error = yield* failWith({ _tag: "Error", kind })
          expect(error._tag).toBe(tag)
          expect(error.provider).toBe("ollama")
          expect(error.status).toBe(status)
          expect(error.code).toBeUndefined()
          expect(error.message).toContain(`HTTP ${status}`)
          expect(error.message).toContain(text)
          expect(error.message.startsWith("Ollama: ")).toBe(true)
        }))
    }

    it.live("model not found tells to ollama pull the model", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "model-not-found" })
        if (error._tag !== "ModelNotFound") throw new Error(error._tag)
        expect(error.model).toBe("llama3.2")
        expect(error.message).toContain("run `ollama pull llama3.2`")
        expect(error.fallback).toBe(true)
        expect(error.retryable).toBe(false)
      }))

    it.live("the scheduler's \"not found, try pulling it first\" wording is ModelNotFound too", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "model-not-found", message: "model \"llama3.2\" not found, try pulling it first" })
        expect(error._tag).toBe("ModelNotFound")
        expect(error.message).toContain("ollama pull llama3.2")
      }))

    it.live("a chat for a model the server lacks is ModelNotFound with Ollama's own message", () =>
      withOllama((emu, provider) =>
        Effect.gen(function*() {
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.explainSql({ sql: "SELECT 1", dialect: "generic" })))
          if (error._tag !== "ModelNotFound") throw new Error(error._tag)
          expect(error.model).toBe("mistral")
          expect(error.message).toContain("model 'mistral' not found")
          expect(error.message).toContain("ollama pull mistral")
          expect(emu.chatRequests()).toHaveLength(1)
        }), { config: { model: "mistral" } }))

    it.live("on ollama.com (with a key) a missing model says to check the name, not to pull", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "model-not-found" }, { emulator: { apiKey: SECRET_KEY }, config: { apiKey: SECRET_KEY } })
        expect(error._tag).toBe("ModelNotFound")
        expect(error.message).toContain("check the model name")
        expect(error.message).not.toContain("ollama pull")
      }))

    it.live("429 with Retry-After: 3 is RateLimited with retryAfter 3 s", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit", retryAfterSeconds: 3 })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(Duration.toMillis(error.retryAfter!)).toBe(3000)
        expect(error.retryable).toBe(true)
      }))

    it.live("429 without Retry-After is RateLimited with no retryAfter", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit" })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(error.retryAfter).toBeUndefined()
      }))

    it.live("a weekly usage limit is QuotaExhausted: not retryable, may fall back", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "quota", retryAfterSeconds: 1 })
        expect(error._tag).toBe("QuotaExhausted")
        expect(error.retryable).toBe(false)
        expect(error.fallback).toBe(true)
      }))

    it.live("the overload ref is kept as the request id", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "overloaded" })
        expect(error.requestId).toMatch(/^req_emu_\d+$/)
        expect(error.retryable).toBe(true)
      }))

    it.live("the runner's input-length wording is ContextTooLong too", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "bad-request", message: "input length exceeds the context length" })
        expect(error._tag).toBe("ContextTooLong")
      }))

    it.live("a model too big for the host is ConfigInvalid on model, not a retryable outage", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "server", message: "model requires more system memory (8.0 GiB) than is available (3.1 GiB)" })
        if (error._tag !== "ConfigInvalid") throw new Error(error._tag)
        expect(error.field).toBe("model")
        expect(error.status).toBe(500)
        expect(error.retryable).toBe(false)
        expect(error.message).toContain("more system memory")
      }))

    it.live("a key echoed back in an error body is scrubbed", () =>
      Effect.gen(function*() {
        const error = yield* failWith(
          { _tag: "Error", kind: "auth", message: `invalid key ${SECRET_KEY}` },
          { emulator: { apiKey: SECRET_KEY }, config: { apiKey: SECRET_KEY } }
        )
        expect(error._tag).toBe("AuthenticationError")
        expect(JSON.stringify(error) + error.message).not.toContain("SECRETKEY")
      }))

    it.live("a base URL that is not an Ollama server root (Go's 404 text) is ConfigInvalid on baseUrl", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* OllamaEmulator.make()
        // (A pasted /api is dropped, as the client appends it: a path no proxy serves stays.)
        const provider = yield* Ollama.make({ baseUrl: `${emu.origin}/ollama` })
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
        if (error._tag !== "ConfigInvalid") throw new Error(error._tag)
        expect(error.field).toBe("baseUrl")
        expect(error.status).toBe(404)
        expect(emu.requests[0]!.path).toBe("/ollama/api/chat")
      })).pipe(Effect.provide(HttpLive)))

    it.live("malformed JSON is an InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "MalformedJson" })
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/not valid JSON/)
      }))

    it.live("a body cut half-way is an InvalidResponse", () =>
      Effect.gen(function*() {
        expect((yield* failWith({ _tag: "CutStream", afterChunks: 0 }))._tag).toBe("InvalidResponse")
      }))

    it.live("an empty answer is an InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Empty" })
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/no text/)
      }))

    it.live("a reset connection is ProviderUnavailable", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Reset" })
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.retryable).toBe(true)
      }))

    it.live("a refused connection says Ollama is not running at that URL", () =>
      Effect.gen(function*() {
        const emu = yield* Effect.promise(() => OllamaEmulator.start())
        yield* Effect.promise(() => emu.close())
        const provider = yield* Ollama.make({ baseUrl: emu.baseUrl })
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.explainSql({ sql: "SELECT 1", dialect: "generic" })))
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.message).toContain("connection refused")
        expect(error.message).toContain(`Is Ollama running at ${emu.baseUrl}?`)
        expect(error.message).toContain("ollama serve")
        const test = yield* provider.testConnection
        expect(test.ok).toBe(false)
        expect(test.details).toContain("ollama serve")
      }).pipe(Effect.provide(HttpLive)))
  })

  it.live("an invalid request is refused before anything is sent", () =>
    withOllama((emu, provider) =>
      Effect.gen(function*() {
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.generateSql({ prompt: "   ", dialect: "postgresql" })))
        expect(error._tag).toBe("InvalidRequest")
        expect(emu.requests).toHaveLength(0)
      })))

  describe("testConnection", () => {
    it.live("checks /api/version, /api/tags and /api/show, never loads the model", () =>
      withOllama((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.provider).toBe("ollama")
          expect(test.modelAvailable).toBe(true)
          expect(test.latencyMs).toBeGreaterThanOrEqual(0)
          expect(test.details).toContain("Ollama 0.12.6")
          expect(test.details).toContain(`context window ${OllamaEmulator.contextLength} tokens`)
          expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/version", "GET /api/tags", "POST /api/show"])
          expect(emu.requests[2]!.body).toEqual({ model: "llama3.2" })
          expect(emu.chatRequests()).toHaveLength(0)
          for (const r of emu.requests) expect(r.headers["authorization"]).toBeUndefined()
        })))

    it.live("mentions the configured context window next to the model's", () =>
      withOllama((_emu, provider) =>
        Effect.map(provider.testConnection, (test) => {
          expect(test.details).toContain("running with 8192")
        }), { config: { contextWindow: 8192 } }))

    it.live("a tagged model matches exactly, an untagged one means :latest", () =>
      Effect.gen(function*() {
        const tagged = yield* withOllama((_e, p) => p.testConnection, { config: { model: "qwen2.5-coder:7b" } })
        expect(tagged.modelAvailable).toBe(true)
        const latest = yield* withOllama((_e, p) => p.testConnection, { config: { model: "qwen2.5-coder" } })
        expect(latest.ok).toBe(true)
        expect(latest.modelAvailable).toBe(false)
        const untagged = yield* withOllama((_e, p) => p.testConnection, { config: { model: "LLAMA3.2" } })
        expect(untagged.modelAvailable).toBe(true)
      }))

    it.live("a model that is not installed: ok, unavailable, and how to pull it; no /api/show", () =>
      withOllama((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(false)
          expect(test.details).toContain("ollama pull mistral")
          expect(emu.requests.map((r) => r.path)).toEqual(["/api/version", "/api/tags"])
        }), { config: { model: "mistral" } }))

    // One route failing at a time: only /api/tags decides whether the check fails.
    const partial: ReadonlyArray<[string, Emulator.Step, (test: AiProvider.ConnectionTest) => void]> = [
      ["a server without /api/version is still checked through /api/tags", { on: "check", fault: { _tag: "Error", kind: "model-not-found" } }, (test) => {
        expect(test.ok).toBe(true)
        expect(test.modelAvailable).toBe(true)
        expect(test.details).not.toContain("0.12.6")
      }],
      ["a failing /api/show does not fail the check", { on: "model", fault: { _tag: "Error", kind: "server" } }, (test) => {
        expect(test.ok).toBe(true)
        expect(test.modelAvailable).toBe(true)
        expect(test.details).not.toContain("context window")
      }],
      ["a server error on /api/tags fails the check", { on: "models", fault: { _tag: "Error", kind: "server" } }, (test) => {
        expect(test.ok).toBe(false)
        expect(test.error?._tag).toBe("ProviderUnavailable")
      }]
    ]
    for (const [name, step, check] of partial) {
      it.live(name, () =>
        withOllama((emu, provider) => {
          emu.script(step)
          return Effect.map(provider.testConnection, check)
        }))
    }
  })

  describe("listModels", () => {
    it.live("lists /api/tags names with size and quantization", () =>
      withOllama((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(models.map((m) => m.id)).toEqual(["llama3.2:latest", "qwen2.5-coder:7b", "sqlcoder:15b", "gpt-oss:20b"])
          expect(models[0]!.displayName).toBe("llama3.2:latest (3.2B, Q4_K_M)")
          expect(models[1]!.displayName).toBe("qwen2.5-coder:7b (7B, Q4_K_M)")
          expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/tags"])
        })))

    it.live("a server with no models lists none", () =>
      withOllama((_emu, provider) => Effect.map(provider.listModels, (models) => expect(models).toEqual([])), { emulator: { models: [] } }))

    it.live("a malformed model list is an InvalidResponse", () =>
      withOllama((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ on: "models", fault: { _tag: "MalformedJson" } })
          expect(expectFailure<AiError.AiError>(yield* Effect.exit(provider.listModels))._tag).toBe("InvalidResponse")
        })))
  })
})

describe("Ollama.Config", () => {
  const decode = (input: unknown) => Effect.runSync(Effect.either(Ollama.decodeConfig(input)))

  it("applies documented defaults; nothing is required", () => {
    const r = decode({})
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.model).toBe("llama3.2")
    expect(r.right.model).toBe(Ollama.defaultModel)
    expect(r.right.baseUrl).toBe("http://localhost:11434")
    expect(r.right.temperature).toBeUndefined() // the model family's (PromptProfiles)
    expect(r.right.maxTokens).toBe(2048)
    expect(r.right.apiKey).toBeUndefined()
    expect(r.right.contextWindow).toBeUndefined()
    expect(r.right.keepAlive).toBeUndefined()
  })

  it("allows plain http to any host when there is no key (Ollama on a LAN box)", () => {
    for (const baseUrl of ["http://192.168.1.20:11434", "http://gpu-box.lan:11434/", "http://localhost:11434"]) {
      const r = decode({ baseUrl })
      if (r._tag === "Left") throw new Error(`${baseUrl}: ${r.left.message}`)
      expect(r.right.baseUrl.endsWith("/")).toBe(false)
    }
  })

  it("with a key, allows https anywhere and plain http only to loopback", () => {
    for (const baseUrl of ["https://ollama.com", "http://127.0.0.1:11434", "http://localhost:11434"]) {
      const r = decode({ apiKey: "ollama-key", baseUrl })
      if (r._tag === "Left") throw new Error(`${baseUrl}: ${r.left.message}`)
      expect(Redacted.isRedacted(r.right.apiKey)).toBe(true)
      expect(String(r.right.apiKey)).not.toContain("ollama-key")
    }
  })

  it("accepts an already Redacted key", () => {
    expect(decode({ apiKey: Redacted.make("ollama-key"), baseUrl: "https://ollama.com" })._tag).toBe("Right")
  })

  it("accepts Go durations for keepAlive", () => {
    for (const keepAlive of ["5m", "0", "-1m", "1h30m", "90s", "2.5h"]) {
      const r = decode({ keepAlive })
      if (r._tag === "Left") throw new Error(`${keepAlive}: ${r.left.message}`)
      expect(r.right.keepAlive).toBe(keepAlive)
    }
  })

  const bad: ReadonlyArray<[string, unknown, string, string]> = [
    ["a key over plain http to a remote host", { apiKey: "k", baseUrl: "http://192.168.1.20:11434" }, "baseUrl", "must use https when apiKey is set"],
    ["an empty key", { apiKey: "  " }, "apiKey", "must not be empty"],
    ["a base URL that is not a URL", { baseUrl: "gpu box:11434" }, "baseUrl", "must be a URL such as http://host:11434"],
    ["credentials in the base URL", { baseUrl: "http://user:pw@gpu-box:11434" }, "baseUrl", "credentials"],
    ["a non-http base URL", { baseUrl: "ftp://gpu-box" }, "baseUrl", "https"],
    ["an empty model", { model: " " }, "model", "non empty"],
    ["a temperature above 2", { temperature: 2.5 }, "temperature", "from 0 to 2"],
    ["zero max tokens", { maxTokens: 0 }, "maxTokens", "at least 1"],
    ["a fractional context window", { contextWindow: 4096.5 }, "contextWindow", "integer"],
    ["a zero context window", { contextWindow: 0 }, "contextWindow", "at least 1"],
    ["a keepAlive without a unit", { keepAlive: "10" }, "keepAlive", "duration"],
    ["a keepAlive in words", { keepAlive: "5 minutes" }, "keepAlive", "duration"]
  ]
  for (const [name, input, field, reason] of bad) {
    it(`names the field for ${name}`, () => {
      const r = decode(input)
      if (r._tag === "Right") throw new Error("expected ConfigInvalid")
      expect(r.left._tag).toBe("ConfigInvalid")
      expect(r.left.provider).toBe("ollama")
      expect(r.left.field).toBe(field)
      expect(r.left.reason).toContain(reason)
      expect(r.left.message).toContain(field)
    })
  }

  it("never echoes a key that was typed into the wrong field", () => {
    const r = decode({ model: 12345, keepAlive: "sk-leaked-in-wrong-field" })
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    expect(r.left.message).not.toContain("sk-leaked")
    expect(r.left.message).not.toContain("12345")
  })

  it("sameModel: case-insensitive, :latest by default, registry ports are not tags", () => {
    expect(Ollama.sameModel("llama3.2:latest", "llama3.2")).toBe(true)
    expect(Ollama.sameModel("Llama3.2", "llama3.2:LATEST")).toBe(true)
    expect(Ollama.sameModel("llama3.2:3b", "llama3.2")).toBe(false)
    expect(Ollama.sameModel("localhost:5000/team/sql", "localhost:5000/team/sql:latest")).toBe(true)
  })

  it.live("a valid config builds the provider, key included", () =>
    Effect.gen(function*() {
      const provider = yield* Ollama.make({ apiKey: SECRET_KEY, baseUrl: "https://ollama.com", keepAlive: "5m", contextWindow: 4096 })
      expect(provider.provider).toBe("ollama")
      expect(provider.model).toBe("llama3.2")
    }).pipe(Effect.provide(HttpLive)))

  it.live("a layer with a bad config fails with ConfigInvalid, not a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(Ollama.layer({ apiKey: "k", baseUrl: "http://gpu-box:11434" })).pipe(Effect.scoped, Effect.provide(HttpLive), Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = expectFailure<AiError.AiError>(exit)
      expect(error._tag).toBe("ConfigInvalid")
      expect(error._tag === "ConfigInvalid" && error.field).toBe("baseUrl")
    }))
})
