import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Layer, Redacted, Stream } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as Cloudflare from "../../src/providers/cloudflare/Cloudflare.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as CloudflareEmulator from "../../src/testing/emulators/CloudflareEmulator.js"
import { expectFailure, HttpLive, SECRET_KEY, shopSchema } from "../support/http.js"
import { failureOf, harness } from "../support/provider.js"

const ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
const RUN_PATH = `/client/v4/accounts/${ACCOUNT}/ai/run`
const base = CloudflareEmulator.makeProtocol({ accountId: ACCOUNT })

interface Setup {
  readonly emulator?: Emulator.Options & CloudflareEmulator.ProtocolOptions
  readonly config?: Partial<Cloudflare.ConfigInput>
  /** A protocol to serve instead of the standard one (to render errors the kinds do not cover). */
  readonly protocol?: Emulator.Protocol
}

const generate = (p: AiProvider.Service) => p.generateSql({ prompt: "list customers", schema: shopSchema, dialect: "postgresql" })
const streamTask: Parameters<AiProvider.Service["stream"]>[0] = {
  _tag: "GenerateSql",
  prompt: "list orders",
  schema: shopSchema,
  dialect: "postgresql"
}

const collect = (p: AiProvider.Service) => Effect.map(Stream.runCollect(p.stream(streamTask)), Chunk.toArray)

const { failWith, withProvider: withCloudflare } = harness<Setup>({
  start: (setup) =>
    setup.protocol
      ? Emulator.scoped(setup.protocol, { apiKey: SECRET_KEY, ...setup.emulator })
      : CloudflareEmulator.make({ apiKey: SECRET_KEY, accountId: ACCOUNT, ...setup.emulator }),
  make: (emu, setup) => Cloudflare.make({ accountId: ACCOUNT, apiToken: SECRET_KEY, baseUrl: emu.baseUrl, ...setup.config }),
  call: generate
})

/** How generateSql fails against an emulator set up so. */
const failGenerate = (setup: Setup) => withCloudflare((_emu, provider) => failureOf(generate(provider)), setup)

/** A protocol whose every scripted error is this exact response. */
const answering = (status: number, body: string, headers: Record<string, string> = {}): Emulator.Protocol => ({
  ...base,
  error: (_kind, ctx) => ({ status, headers: { "cf-ray": ctx.requestId, ...headers }, body })
})

const serverError: Emulator.Fault = { _tag: "Error", kind: "server" }

describe("Cloudflare provider over loopback HTTP", () => {
  it.live("generateSql sends DB Toolkit's request to the unencoded run path and parses result.response", () =>
    withCloudflare((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 88, outputTokens: 14 } })
        const result = yield* provider.generateSql({ prompt: "list customers with their email", schema: shopSchema, dialect: "postgresql" })
        expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
        expect(result.meta.provider).toBe("cloudflare")
        expect(result.meta.model).toBe("@cf/meta/llama-3.3-70b-instruct-fp8-fast")
        expect(result.meta.usage).toEqual({ inputTokens: 88, outputTokens: 14 })
        expect(result.meta.finishReason).toBe("stop")
        expect(result.meta.requestId).toMatch(/^req_emu_/)

        const [req] = emu.chatRequests()
        expect(req!.method).toBe("POST")
        expect(req!.path).toBe(`${RUN_PATH}/@cf/meta/llama-3.3-70b-instruct-fp8-fast`)
        expect(req!.headers["authorization"]).toBe(`Bearer ${SECRET_KEY}`)
        expect(req!.headers["content-type"]).toBe("application/json")
        expect(req!.headers["accept"]).toBe("application/json")
        expect(req!.headers["traceparent"]).toBeUndefined()
        expect(req!.headers["b3"]).toBeUndefined()
        const body = req!.body as Record<string, any>
        expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "response_format", "stream", "temperature"])
        expect(body.max_tokens).toBe(2048)
        // No temperature in the config: SQL runs at the profile's 0.
        expect(body.temperature).toBe(0)
        expect(body.stream).toBe(false)
        expect(body.messages).toHaveLength(2)
        expect(body.messages[0]).toEqual({ role: "system", content: Prompts.system })
        expect(body.messages[1].role).toBe("user")
        expect(body.messages[1].content).toContain("customers(id integer, email text, name text)")
        expect(body.messages[1].content).toContain("list customers with their email")
      })))

  it.live("the configured model, temperature and max_tokens are sent as set", () =>
    withCloudflare((emu, provider) =>
      Effect.gen(function*() {
        const r = yield* provider.explainSql({ sql: "SELECT * FROM orders", dialect: "sqlite" })
        expect(r.meta.model).toBe("@cf/qwen/qwen2.5-coder-32b-instruct")
        const req = emu.chatRequests()[0]!
        expect(req.path).toBe(`${RUN_PATH}/@cf/qwen/qwen2.5-coder-32b-instruct`)
        const body = req.body as Record<string, any>
        expect(body.temperature).toBe(0)
        expect(body.max_tokens).toBe(512)
      }), { config: { model: "@cf/qwen/qwen2.5-coder-32b-instruct", temperature: 0, maxTokens: 512 } }))

  it.live("explain, optimize and fix parse their answers", () =>
    withCloudflare((_emu, provider) =>
      Effect.gen(function*() {
        const e = yield* provider.explainSql({ sql: "SELECT * FROM orders", schema: shopSchema, dialect: "postgresql" })
        expect(e.explanation).toContain("orders")
        const o = yield* provider.optimizeSql({ sql: "SELECT * FROM orders WHERE customer_id = 7", schema: shopSchema, dialect: "postgresql" })
        expect(o.optimizedSql).toBe("SELECT id, customer_id, total FROM orders WHERE customer_id = 7")
        const f = yield* provider.fixSql({ sql: "SELECT id FROM order", errorMessage: "no such table: order", schema: shopSchema, dialect: "sqlite" })
        expect(f.fixedSql).toBe("SELECT id FROM orders")
      })))

  describe("finish reasons", () => {
    const cases: ReadonlyArray<[string, string | undefined, { inputTokens: number; outputTokens: number }, string]> = [
      ["a native finish_reason", "length", { inputTokens: 5, outputTokens: 9 }, "length"],
      ["model_length", "model_length", { inputTokens: 5, outputTokens: 9 }, "length"],
      ["none, with the whole max_tokens budget used", undefined, { inputTokens: 5, outputTokens: 64 }, "length"],
      ["none, under budget", undefined, { inputTokens: 5, outputTokens: 63 }, "stop"]
    ]
    for (const [name, finishReason, usage, expected] of cases) {
      it.live(`${name} -> ${expected}, whole and streamed`, () =>
        withCloudflare((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ usage, finishReason }, { usage, finishReason })
            const r = yield* generate(provider)
            expect(r.meta.finishReason).toBe(expected)
            const events = yield* collect(provider)
            const last = events[events.length - 1]!
            if (last._tag !== "Completed") throw new Error("no result")
            expect(last.result.meta.finishReason).toBe(expected)
          }), { config: { maxTokens: 64 } }))
    }
  })

  describe("models that answer in the OpenAI shape (result.choices, choices[].delta)", () => {
    const model = "@cf/openai/gpt-oss-20b"

    it.live("a whole answer is read from result.choices[0].message.content", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 31, outputTokens: 7 }, finishReason: "length" })
          const r = yield* generate(provider)
          expect(r.sql).toBe("SELECT id, email, name FROM customers LIMIT 100;")
          expect(r.meta.usage).toEqual({ inputTokens: 31, outputTokens: 7 })
          expect(r.meta.finishReason).toBe("length")
          expect(emu.chatRequests()[0]!.path).toBe(`${RUN_PATH}/${model}`)
        }), { config: { model } }))

    it.live("a stream of choices[].delta chunks with a usage chunk", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 40, outputTokens: 12 } })
          const events = yield* collect(provider)
          expect(events.filter((e) => e._tag === "TextDelta").length).toBeGreaterThan(1)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
          expect(last.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
          expect(last.result.meta.usage).toEqual({ inputTokens: 40, outputTokens: 12 })
          expect(last.result.meta.finishReason).toBe("stop")
        }), { config: { model } }))

    it.live("a withheld answer is ContentFiltered", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "content-filter" }, { config: { model } })
        expect(error._tag).toBe("ContentFiltered")
      }))
  })

  describe("streaming", () => {
    it.live("native response events, then the parsed result with usage from the trailing event", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 321, outputTokens: 45 } })
          const events = yield* collect(provider)
          const deltas = events.filter((e) => e._tag === "TextDelta")
          expect(deltas.length).toBeGreaterThan(2)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
          expect(last.result.raw).toBe(deltas.map((d) => (d._tag === "TextDelta" ? d.text : "")).join(""))
          expect(last.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
          expect(last.result.meta.usage).toEqual({ inputTokens: 321, outputTokens: 45 })
          expect(last.result.meta.requestId).toMatch(/^req_emu_/)
          const req = emu.chatRequests()[0]!
          expect(req.path).toBe(`${RUN_PATH}/@cf/meta/llama-3.3-70b-instruct-fp8-fast`)
          expect(req.headers["accept"]).toBe("text/event-stream")
          const body = req.body as Record<string, any>
          expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "stream", "temperature"])
          expect(body.stream).toBe(true)
          expect(body.max_tokens).toBe(2048)
        })))

    const reply = "```sql\nSELECT name AS \"Größe 😀\" FROM customers LIMIT 100;\n```\nÜbersicht — ok."
    const robust: ReadonlyArray<[string, Setup]> = [
      ["CRLF line endings", { emulator: { lineEndings: "crlf" } }],
      ["mixed line endings within one write", { emulator: { lineEndings: "mixed", burst: true } }],
      ["3-byte slices that split characters and CRLF pairs", { emulator: { lineEndings: "crlf", byteChunkSize: 3 } }],
      ["1-byte slices", { emulator: { byteChunkSize: 1 } }],
      ["the whole stream in one burst", { emulator: { burst: true } }],
      // Workers AI documents no keep-alive; SSE comments must still be skipped if a proxy adds them.
      ["SSE comment keep-alives between events", { protocol: { ...base, keepAlive: ": keep-alive\n\n" }, emulator: { keepAlive: true } }]
    ]
    for (const [name, setup] of robust) {
      it.live(`survives ${name}`, () =>
        withCloudflare((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ reply })
            const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "postgresql" })))
            expect(events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")).toBe(reply)
            const last = events[events.length - 1]!
            if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
            expect(last.result.sql).toBe("SELECT name AS \"Größe 😀\" FROM customers LIMIT 100;")
          }), setup))
    }

    it.live("a stream cut mid-way is an InvalidResponse, never a partial answer", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "CutStream", afterChunks: 2 } })
          const seen: Array<string> = []
          const exit = yield* provider.stream(streamTask).pipe(Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))), Effect.exit)
          const error = expectFailure<AiError.AiError>(exit)
          expect(error._tag).toBe("InvalidResponse")
          expect(seen).toContain("TextDelta")
          expect(seen).not.toContain("Completed")
        })))

    it.live("a stream that closes cleanly after its usage event but without [DONE] is still incomplete", () => {
      const protocol: Emulator.Protocol = {
        ...base,
        stream: (input, answer, deltas) => {
          const full = base.stream(input, answer, deltas)
          return { ...full, chunks: full.chunks.filter((c) => !c.includes("[DONE]")) }
        }
      }
      return withCloudflare((_emu, provider) =>
        Effect.gen(function*() {
          const seen: Array<string> = []
          const exit = yield* provider.stream(streamTask).pipe(Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))), Effect.exit)
          const error = expectFailure<AiError.AiError>(exit)
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toContain("ended before [DONE]")
          expect(error.requestId).toMatch(/^req_emu_/)
          expect(seen).toContain("TextDelta")
          expect(seen).not.toContain("Completed")
        }), { protocol })
    })

    const inBand: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag, string]> = [
      ["quota", "QuotaExhausted", "3036"],
      ["unavailable", "ProviderUnavailable", "3040"],
      ["server", "ProviderUnavailable", "3043"],
      ["context-too-long", "ContextTooLong", "5021"]
    ]
    for (const [kind, tag, code] of inBand) {
      it.live(`an error event after HTTP 200 (${code}) fails the stream with ${tag}`, () =>
        withCloudflare((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ fault: { _tag: "InBandError", kind, afterChunks: 2 } })
            const exit = yield* Effect.exit(Stream.runDrain(provider.stream(streamTask)))
            const error = expectFailure<AiError.AiError>(exit)
            expect(error._tag).toBe(tag)
            expect(error.code).toBe(code)
            expect(error.requestId).toMatch(/^req_emu_/)
          })))
    }

    it.live("a malformed stream event is an InvalidResponse", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "MalformedJson" } })
          const exit = yield* Effect.exit(Stream.runDrain(provider.stream(streamTask)))
          const error = expectFailure<AiError.AiError>(exit)
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toMatch(/not valid JSON/)
        })))

    it.live("an HTTP error before the stream starts is classified like any other", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "Error", kind: "quota" } })
          const exit = yield* Effect.exit(Stream.runDrain(provider.stream(streamTask)))
          expect(expectFailure<AiError.AiError>(exit)._tag).toBe("QuotaExhausted")
        })))
  })

  describe("every error the emulator renders maps to its AiError", () => {
    const cases: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag, number, string]> = [
      ["auth", "AuthenticationError", 401, "10000"],
      ["permission", "PermissionDenied", 403, "5016"],
      ["rate-limit", "RateLimited", 429, "971"],
      ["quota", "QuotaExhausted", 429, "3036"],
      ["model-not-found", "ModelNotFound", 400, "5007"],
      ["context-too-long", "ContextTooLong", 413, "5021"],
      ["bad-request", "InvalidRequest", 400, "5006"],
      ["server", "ProviderUnavailable", 500, "3043"],
      ["unavailable", "ProviderUnavailable", 429, "3040"],
      ["overloaded", "ProviderUnavailable", 503, "3040"]
    ]
    for (const [kind, tag, status, code] of cases) {
      it.live(`${kind} (${status}, code ${code}) -> ${tag}`, () =>
        Effect.gen(function*() {
          const error = yield* failWith({ _tag: "Error", kind })
          expect(error._tag).toBe(tag)
          expect(error.provider).toBe("cloudflare")
          expect(error.status).toBe(status)
          expect(error.code).toBe(code)
          expect(error.requestId).toMatch(/^req_emu_/)
          expect(error.message).toContain(`HTTP ${status}`)
          expect(error.message).toContain("Cloudflare Workers AI")
          expect(JSON.stringify(error) + String(error)).not.toContain("SECRETKEY")
        }))
    }

    it.live("the daily allocation (3036) is not retryable but may fall back; out of capacity (3040) is retryable", () =>
      Effect.gen(function*() {
        const quota = yield* failWith({ _tag: "Error", kind: "quota", retryAfterSeconds: 3 })
        expect(quota._tag).toBe("QuotaExhausted")
        expect(quota.retryable).toBe(false)
        expect(quota.fallback).toBe(true)
        const capacity = yield* failWith({ _tag: "Error", kind: "unavailable", retryAfterSeconds: 3 })
        expect(capacity._tag).toBe("ProviderUnavailable")
        expect(capacity.retryable).toBe(true)
      }))

    it.live("a 429 with Retry-After: 2 is RateLimited with retryAfter 2 s", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit", retryAfterSeconds: 2 })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(Duration.toMillis(error.retryAfter!)).toBe(2000)
        expect(error.retryable).toBe(true)
      }))

    it.live("a 429 without Retry-After has no retryAfter", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit" })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(error.retryAfter).toBeUndefined()
      }))

    it.live("a chat for a model the account lacks is ModelNotFound naming it", () =>
      Effect.gen(function*() {
        const error = yield* failGenerate({ config: { model: "@cf/meta/llama-9-900b" } })
        expect(error._tag).toBe("ModelNotFound")
        expect(error._tag === "ModelNotFound" && error.model).toBe("@cf/meta/llama-9-900b")
        expect(error.message).toContain("No such model @cf/meta/llama-9-900b")
      }))

    it.live("a wrong token is AuthenticationError, and a token echoed in the message is scrubbed", () =>
      Effect.gen(function*() {
        const wrong = yield* failGenerate({ config: { apiToken: "cf-wrong-token-000000000000" } })
        expect(wrong._tag).toBe("AuthenticationError")
        expect(wrong.code).toBe("10000")
        const echoed = yield* failWith({ _tag: "Error", kind: "auth", message: `Authentication error for token ${SECRET_KEY}` })
        expect(echoed.message).toContain("Authentication error")
        expect(echoed.message).not.toContain("SECRETKEY")
      }))

    it.live("an account id the token cannot reach (7003) is ConfigInvalid naming accountId", () =>
      withCloudflare((_emu, provider) =>
        Effect.gen(function*() {
          const error = yield* failureOf(generate(provider))
          expect(error._tag).toBe("ConfigInvalid")
          expect(error._tag === "ConfigInvalid" && error.field).toBe("accountId")
          expect(error.code).toBe("7003")
          const test = yield* provider.testConnection
          expect(test.ok).toBe(false)
          expect(test.error?._tag).toBe("ConfigInvalid")
        }), { config: { accountId: "ffffffffffffffffffffffffffffffff" } }))

    // Codes the error kinds do not cover, rendered exactly as Workers AI documents them.
    const documented: ReadonlyArray<[string, number, Array<{ code: number; message: string }>, AiError.AiErrorTag, Record<string, string>?]> = [
      ["invalid model id", 404, [{ code: 3042, message: "The model name is invalid" }], "ModelNotFound"],
      ["request too large", 413, [{ code: 3006, message: "Request is too large" }], "ContextTooLong"],
      ["timeout", 408, [{ code: 3007, message: "Request timeout" }], "Timeout"],
      ["aborted", 408, [{ code: 3008, message: "Request was aborted" }], "Timeout"],
      ["private model", 403, [{ code: 5018, message: "The account is not allowed to access this model" }], "PermissionDenied"],
      ["account blocked", 403, [{ code: 3023, message: "Service unavailable for account" }], "PermissionDenied"],
      ["paid plan required", 403, [{ code: 5035, message: "This model requires a Workers Paid plan." }], "PermissionDenied"],
      ["auth error as 403", 403, [{ code: 10000, message: "Authentication error" }], "AuthenticationError"],
      ["incomplete request", 400, [{ code: 3003, message: "Request is missing headers or body: body" }], "InvalidRequest"],
      ["older context window error", 413, [{ code: 3010, message: "AiError: The estimated number of input and maximum output tokens (35000) exceeded this model context window limit (24000)" }], "ContextTooLong"],
      ["out of capacity with Retry-After", 429, [{ code: 3040, message: "No more data centers to forward the request to" }], "ProviderUnavailable", { "retry-after": "5" }],
      ["a 429 with no code", 429, [], "RateLimited", { "retry-after": "4" }],
      ["an unknown 502", 502, [{ code: 1101, message: "Worker threw exception" }], "ProviderUnavailable"],
      ["no route on the run path (7000)", 400, [{ code: 7000, message: "No route for that URI" }], "ModelNotFound"]
    ]
    for (const [name, status, errors, tag, headers] of documented) {
      it.live(`${name} (${status}${errors[0] ? `, ${errors[0].code}` : ""}) -> ${tag}`, () =>
        Effect.gen(function*() {
          const error = yield* failWith(serverError, { protocol: answering(status, CloudflareEmulator.errorEnvelope(...errors), headers) })
          expect(error._tag).toBe(tag)
          expect(error.status).toBe(status)
          if (errors[0]) expect(error.code).toBe(String(errors[0].code))
          expect(error.requestId).toMatch(/^req_emu_/)
          if (error._tag === "RateLimited") expect(Duration.toMillis(error.retryAfter!)).toBe(4000)
        }))
    }

    it.live("an error envelope sent with HTTP 200 is classified by its code", () =>
      Effect.gen(function*() {
        const protocol: Emulator.Protocol = {
          ...base,
          completion: (_i, answer) => ({
            status: 200,
            headers: { "cf-ray": answer.requestId },
            body: CloudflareEmulator.errorEnvelope({ code: 3036, message: "daily free allocation used up" })
          })
        }
        const error = yield* failGenerate({ protocol })
        expect(error._tag).toBe("QuotaExhausted")
        expect(error.code).toBe("3036")
      }))

    it.live("malformed JSON, a cut body and a 200 without a result are InvalidResponse", () =>
      Effect.gen(function*() {
        const malformed = yield* failWith({ _tag: "MalformedJson" })
        expect(malformed._tag).toBe("InvalidResponse")
        expect(malformed.message).toMatch(/not valid JSON/)
        expect((yield* failWith({ _tag: "CutStream", afterChunks: 0 }))._tag).toBe("InvalidResponse")
        const protocol: Emulator.Protocol = {
          ...base,
          completion: () => ({ status: 200, body: JSON.stringify({ success: true, errors: [], messages: [], result: null }) })
        }
        const noResult = yield* failGenerate({ protocol })
        expect(noResult._tag).toBe("InvalidResponse")
      }))

    it.live("an empty answer is an InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Empty" })
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/no text/)
      }))

    it.live("a reset and a refused connection are ProviderUnavailable", () =>
      Effect.gen(function*() {
        const reset = yield* failWith({ _tag: "Reset" })
        expect(reset._tag).toBe("ProviderUnavailable")
        const emu = yield* Effect.promise(() => CloudflareEmulator.start())
        yield* Effect.promise(() => emu.close())
        const provider = yield* Cloudflare.make({ accountId: ACCOUNT, apiToken: SECRET_KEY, baseUrl: emu.baseUrl })
        const refused = yield* failureOf(generate(provider))
        expect(refused._tag).toBe("ProviderUnavailable")
        expect(refused.message).toContain("connection refused")
        expect(refused.message).toContain(`127.0.0.1:${emu.port}`)
      }).pipe(Effect.provide(HttpLive)))
  })

  it.live("an invalid request is refused before anything is sent", () =>
    withCloudflare((emu, provider) =>
      Effect.gen(function*() {
        const error = yield* failureOf(provider.generateSql({ prompt: "  ", dialect: "postgresql" }))
        expect(error._tag).toBe("InvalidRequest")
        expect(emu.requests).toHaveLength(0)
      })))

  describe("testConnection", () => {
    it.live("verifies the token, then looks the model up by name", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(true)
          expect(test.details).toContain("@cf/meta/llama-3.3-70b-instruct-fp8-fast")
          expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
            "GET /client/v4/user/tokens/verify",
            `GET /client/v4/accounts/${ACCOUNT}/ai/models/search`
          ])
          expect(emu.requests[1]!.query).toEqual({ search: "@cf/meta/llama-3.3-70b-instruct-fp8-fast", page: "1" })
          for (const r of emu.requests) expect(r.headers["authorization"]).toBe(`Bearer ${SECRET_KEY}`)
        })))

    it.live("a model the search does not return exactly is not available (a prefix match is not enough)", () =>
      withCloudflare((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(false)
          expect(test.details).toContain("not in this account's Workers AI catalogue")
        }), { config: { model: "@cf/meta/llama-3.1-8b" } }))

    it.live("a bad token: ok false with AuthenticationError, after trying the account's own verify route", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(false)
          expect(test.modelAvailable).toBeUndefined()
          expect(test.error?._tag).toBe("AuthenticationError")
          expect(test.error?.code).toBe("1000")
          expect(test.details).not.toContain("cf-wrong-token")
          expect(emu.requests.map((r) => r.path)).toEqual([
            "/client/v4/user/tokens/verify",
            `/client/v4/accounts/${ACCOUNT}/tokens/verify`
          ])
        }), { config: { apiToken: "cf-wrong-token-000000000000" } }))

    it.live("an account-owned token (unknown to /user/tokens/verify) is verified on the account route", () => {
      const protocol: Emulator.Protocol = {
        ...base,
        route: (r, ctx) =>
          r.path === "/client/v4/user/tokens/verify"
            ? { _tag: "Respond", kind: r.kind, response: { status: 401, body: CloudflareEmulator.errorEnvelope({ code: 1000, message: "Invalid API Token" }) } }
            : base.route(r, ctx)
      }
      return withCloudflare((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(true)
        }), { protocol })
    })

    it.live("a token that is not active fails the test", () => {
      const protocol: Emulator.Protocol = {
        ...base,
        route: (r, ctx) =>
          r.kind === "check"
            ? { _tag: "Respond", kind: r.kind, response: { status: 200, body: JSON.stringify({ success: true, errors: [], messages: [], result: { id: "t", status: "disabled" } }) } }
            : base.route(r, ctx)
      }
      return withCloudflare((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(false)
          expect(test.error?._tag).toBe("AuthenticationError")
          expect(test.details).toContain("disabled")
        }), { protocol })
    })
  })

  describe("listModels", () => {
    const many = Array.from({ length: 120 }, (_, i) => `@cf/emu/model-${String(i).padStart(3, "0")}`)

    it.live("pages through the Text Generation search until the reported total", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(models.map((m) => m.id)).toEqual(many)
          expect(models[0]!.contextWindow).toBe(24000)
          expect(emu.requests.map((r) => r.query)).toEqual([
            { task: "Text Generation", page: "1" },
            { task: "Text Generation", page: "2" },
            { task: "Text Generation", page: "3" }
          ])
        }), { emulator: { models: many, perPage: 50 } }))

    it.live("the default catalogue, in one page", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(models.map((m) => m.id)).toContain("@cf/meta/llama-3.3-70b-instruct-fp8-fast")
          expect(models.map((m) => m.id)).toContain("@cf/openai/gpt-oss-120b")
          expect(emu.requests).toHaveLength(1)
        })))

    it.live(`stops after ${Cloudflare.maxModelPages} pages when the pagination never ends`, () => {
      // Always a full page, never a total: a broken server.
      const protocol: Emulator.Protocol = {
        ...base,
        route: (r, ctx) =>
          r.kind === "models"
            ? {
              _tag: "Respond",
              kind: r.kind,
              response: {
                status: 200,
                body: JSON.stringify({ success: true, errors: [], messages: [], result: [{ name: "@cf/x/y" }, { name: "@cf/x/z" }], result_info: { per_page: 2 } })
              }
            }
            : base.route(r, ctx)
      }
      return withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(emu.requests).toHaveLength(Cloudflare.maxModelPages)
          expect(models).toHaveLength(2 * Cloudflare.maxModelPages)
        }), { protocol })
    })

    it.live("a wrong base URL (7000 on the account API) is ConfigInvalid naming baseUrl", () =>
      withCloudflare((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ on: "models", fault: serverError })
          const error = yield* failureOf(provider.listModels)
          expect(error._tag).toBe("ConfigInvalid")
          expect(error._tag === "ConfigInvalid" && error.field).toBe("baseUrl")
        }), { protocol: answering(400, CloudflareEmulator.errorEnvelope({ code: 7000, message: "No route for that URI" })) }))

    it.live("a bad token is AuthenticationError", () =>
      withCloudflare((_emu, provider) =>
        Effect.gen(function*() {
          expect((yield* failureOf(provider.listModels))._tag).toBe("AuthenticationError")
        }), { config: { apiToken: "cf-wrong-token-000000000000" } }))
  })
})

describe("Cloudflare.Config", () => {
  const decode = (input: unknown) => Effect.runSync(Effect.either(Cloudflare.decodeConfig(input)))

  it("applies DB Toolkit's defaults", () => {
    const r = decode({ accountId: ACCOUNT, apiToken: "tok" })
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.model).toBe("@cf/meta/llama-3.3-70b-instruct-fp8-fast")
    expect(r.right.model).toBe(Cloudflare.defaultModel)
    expect(r.right.baseUrl).toBe("https://api.cloudflare.com/client/v4")
    expect(r.right.temperature).toBeUndefined() // the model family's (PromptProfiles), not a fixed 0.7
    expect(r.right.maxTokens).toBe(2048)
    expect(Redacted.isRedacted(r.right.apiToken)).toBe(true)
    expect(String(r.right.apiToken)).not.toContain("tok")
  })

  it("accepts an already Redacted token, temperatures up to 5 and a trimmed account id", () => {
    const r = decode({ accountId: ` ${ACCOUNT} `, apiToken: Redacted.make("tok"), temperature: 5 })
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.accountId).toBe(ACCOUNT)
  })

  const bad: ReadonlyArray<[string, unknown, string]> = [
    ["a missing account id", { apiToken: "t" }, "accountId"],
    ["an empty account id", { accountId: " ", apiToken: "t" }, "accountId"],
    ["an account id that would change the path", { accountId: "abc/../x", apiToken: "t" }, "accountId"],
    ["a missing token", { accountId: ACCOUNT }, "apiToken"],
    ["an empty token", { accountId: ACCOUNT, apiToken: "" }, "apiToken"],
    ["an empty model", { accountId: ACCOUNT, apiToken: "t", model: "" }, "model"],
    ["a model with a query", { accountId: ACCOUNT, apiToken: "t", model: "@cf/meta/x?y=1" }, "model"],
    ["a model with a dot-dot segment", { accountId: ACCOUNT, apiToken: "t", model: "@cf/../../user/tokens" }, "model"],
    ["a temperature above 5", { accountId: ACCOUNT, apiToken: "t", temperature: 5.5 }, "temperature"],
    ["zero max tokens", { accountId: ACCOUNT, apiToken: "t", maxTokens: 0 }, "maxTokens"],
    ["plain http to a remote host", { accountId: ACCOUNT, apiToken: "t", baseUrl: "http://api.cloudflare.com/client/v4" }, "baseUrl"]
  ]
  for (const [name, input, field] of bad) {
    it(`names the field for ${name}`, () => {
      const r = decode(input)
      if (r._tag === "Right") throw new Error("expected ConfigInvalid")
      expect(r.left._tag).toBe("ConfigInvalid")
      expect(r.left.provider).toBe("cloudflare")
      expect(r.left.field).toBe(field)
      expect(r.left.message).toContain(field)
    })
  }

  it("gives a per-field message for each required field at once", () => {
    const r = decode({})
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    expect(r.left.message).toContain("accountId is required")
    expect(r.left.message).toContain("apiToken is required")
  })

  it("explains what an account id looks like", () => {
    const r = decode({ accountId: "my-account", apiToken: "t" })
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    expect(r.left.reason).toContain("Cloudflare account id")
  })

  it("never echoes a token typed into the wrong field", () => {
    const r = decode({ accountId: "cf-secret-token-in-wrong-field/x", apiToken: "t", model: { t: "cf-leaked" } })
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    expect(r.left.message).not.toContain("cf-secret")
    expect(r.left.message).not.toContain("cf-leaked")
  })

  it("allows plain http to loopback hosts", () => {
    const r = decode({ accountId: ACCOUNT, apiToken: "t", baseUrl: "http://127.0.0.1:8787/client/v4/" })
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.baseUrl).toBe("http://127.0.0.1:8787/client/v4")
  })

  it.live("a valid config builds the provider, and a layer with a bad config fails with ConfigInvalid", () =>
    Effect.gen(function*() {
      const provider = yield* Cloudflare.make({ accountId: ACCOUNT, apiToken: "t" })
      expect(provider.provider).toBe("cloudflare")
      const exit = yield* Layer.build(Cloudflare.layer({ accountId: "", apiToken: "t" })).pipe(Effect.scoped, Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(expectFailure<AiError.AiError>(exit)._tag).toBe("ConfigInvalid")
    }).pipe(Effect.provide(HttpLive)))
})
