import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Layer, Redacted, Stream } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as AzureOpenAi from "../../src/providers/azure-openai/AzureOpenAi.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as AzureOpenAiEmulator from "../../src/testing/emulators/AzureOpenAiEmulator.js"
import { expectFailure, HttpLive, SECRET_KEY, shopSchema } from "../support/http.js"
import { harness } from "../support/provider.js"

const GA = "2024-10-21"
const PREVIEW = "2025-04-01-preview"

const generate = (p: AiProvider.Service) => p.generateSql({ prompt: "list customers with their email", schema: shopSchema, dialect: "postgresql" })

interface Setup {
  readonly emulator?: AzureOpenAiEmulator.Options
  readonly config?: Partial<AzureOpenAi.ConfigInput>
}

const { failWith, withProvider: withAzure } = harness<Setup>({
  start: (setup) => AzureOpenAiEmulator.make({ apiKey: SECRET_KEY, ...setup.emulator }),
  make: (emu, setup) =>
    AzureOpenAi.make({ endpoint: emu.origin, apiKey: SECRET_KEY, deployment: "gpt-4.1-mini", apiVersion: PREVIEW, ...setup.config }),
  call: generate
})

const collect = (p: AiProvider.Service) =>
  Effect.map(Stream.runCollect(p.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" })), Chunk.toArray)

describe("AzureOpenAi provider over loopback HTTP", () => {
  it.live("generateSql posts to the deployment with api-key and api-version, without a model", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 120, outputTokens: 14 } })
        const result = yield* generate(provider)
        expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
        expect(result.meta.provider).toBe("azure-openai")
        // Azure answers with the deployment's base model, not the deployment name
        expect(result.meta.model).toBe("gpt-4.1-mini-2025-04-14")
        expect(result.meta.usage).toEqual({ inputTokens: 120, outputTokens: 14 })
        expect(result.meta.finishReason).toBe("stop")
        // apim-request-id wins over the backend's x-request-id
        expect(result.meta.requestId).toMatch(/^req_emu_\d+$/)

        const [req] = emu.chatRequests()
        expect(req!.method).toBe("POST")
        expect(req!.path).toBe("/openai/deployments/gpt-4.1-mini/chat/completions")
        expect(req!.query).toEqual({ "api-version": PREVIEW })
        expect(req!.headers["api-key"]).toBe(SECRET_KEY)
        expect(req!.headers["authorization"]).toBeUndefined()
        expect(req!.headers["content-type"]).toBe("application/json")
        expect(req!.headers["accept"]).toBe("application/json")
        expect(req!.headers["traceparent"]).toBeUndefined()
        const body = req!.body as Record<string, any>
        expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "response_format", "stream", "temperature"])
        // None set by the user: the hosted profile's 0 for SQL; the structured answer, strict.
        expect(body.temperature).toBe(0)
        expect(body.response_format.json_schema).toMatchObject({ name: "sql_answer", strict: true })
        expect(body.max_tokens).toBe(2048)
        expect(body.stream).toBe(false)
        expect(body.messages).toHaveLength(2)
        expect(body.messages[0]).toEqual({ role: "system", content: Prompts.system })
        expect(body.messages[1].role).toBe("user")
        expect(body.messages[1].content).toContain("customers(id integer, email text, name text)")
        expect(body.messages[1].content).toContain("list customers with their email")
      })))

  it.live("the request id falls back to x-request-id without apim-request-id", () =>
    withAzure((_emu, provider) =>
      Effect.gen(function*() {
        const result = yield* generate(provider)
        expect(result.meta.requestId).toMatch(/^backend-req_emu_\d+$/)
      }), { emulator: { apimRequestId: false } }))

  it.live("configured temperature and maxTokens are sent; a pasted /openai suffix is dropped", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
        const [req] = emu.chatRequests()
        expect(req!.path).toBe("/openai/deployments/gpt-4o/chat/completions")
        const body = req!.body as Record<string, any>
        expect(body.temperature).toBe(0.9)
        expect(body.max_tokens).toBe(300)
      }), { config: { deployment: "gpt-4o", temperature: 0.9, maxTokens: 300 } }))

  it.live("an endpoint ending in /openai/ is accepted as the resource endpoint", () =>
    Effect.scoped(Effect.gen(function*() {
      const emu = yield* AzureOpenAiEmulator.make({ apiKey: SECRET_KEY })
      const provider = yield* AzureOpenAi.make({ endpoint: `${emu.origin}/openai/`, apiKey: SECRET_KEY, deployment: "gpt-4o", apiVersion: GA })
      yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
      expect(emu.chatRequests()[0]!.path).toBe("/openai/deployments/gpt-4o/chat/completions")
    })).pipe(Effect.provide(HttpLive)))

  it.live("explain, optimize and fix parse their answers", () =>
    withAzure((_emu, provider) =>
      Effect.gen(function*() {
        const explained = yield* provider.explainSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(explained.explanation).toContain("orders")
        const optimized = yield* provider.optimizeSql({ sql: "SELECT * FROM orders WHERE customer_id = 1", schema: shopSchema, dialect: "postgresql" })
        expect(optimized.rating).toBe("fair")
        expect(optimized.optimizedSql).toBe("SELECT id, customer_id, total FROM orders WHERE customer_id = 1")
        expect(optimized.indexRecommendations).toHaveLength(1)
        const fixed = yield* provider.fixSql({ sql: "SELECT id FROM order WHERE total > 10", errorMessage: "relation \"order\" does not exist", schema: shopSchema, dialect: "postgresql" })
        expect(fixed.fixedSql).toBe("SELECT id FROM orders WHERE total > 10")
      })))

  describe("reasoning deployments", () => {
    it.live("reasoning: true sends max_completion_tokens, the developer role and no temperature", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          const result = yield* generate(provider)
          expect(result.meta.model).toBe("o4-mini-2025-04-16")
          const body = emu.chatRequests()[0]!.body as Record<string, any>
          expect(Object.keys(body).sort()).toEqual(["max_completion_tokens", "messages", "response_format", "stream"])
          expect(body.max_completion_tokens).toBe(4000)
          expect(body.messages[0].role).toBe("developer")
        }), { config: { deployment: "sql-reasoner", reasoning: true, maxTokens: 4000 } }))

    it.live("a reasoning deployment is not guessed from its name: without reasoning: true the service refuses max_tokens", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
          expect(error._tag).toBe("InvalidRequest")
          expect(error._tag === "InvalidRequest" && error.field).toBe("max_tokens")
          expect(error.code).toBe("unsupported_parameter")
          expect(error.status).toBe(400)
          expect((emu.chatRequests()[0]!.body as Record<string, unknown>).max_tokens).toBe(2048)
        }), { config: { deployment: "sql-reasoner" } }))

    it.live("a reasoning deployment on an api-version without max_completion_tokens is a ConfigInvalid on apiVersion", () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(AzureOpenAi.make({ endpoint: "https://myres.openai.azure.com", apiKey: "k", deployment: "o3", apiVersion: GA, reasoning: true }))
        const error = expectFailure<AiError.ConfigInvalid>(exit)
        expect(error._tag).toBe("ConfigInvalid")
        expect(error.field).toBe("apiVersion")
        expect(error.reason).toContain("max_completion_tokens")
        expect(error.reason).toContain(AzureOpenAi.latestPreviewApiVersion)
      }).pipe(Effect.provide(HttpLive)))
  })

  describe("api-version decides the body", () => {
    const cases: ReadonlyArray<[string, boolean]> = [
      ["2023-05-15", false],
      ["2024-06-01", false],
      ["2024-08-01-preview", false],
      [GA, false],
      ["2024-09-01-preview", true],
      ["2024-10-01-preview", true],
      ["2024-12-01-preview", true],
      ["2025-01-01-preview", true],
      [PREVIEW, true]
    ]
    for (const [apiVersion, usage] of cases) {
      it.live(`${apiVersion}: ${usage ? "stream_options.include_usage and real usage" : "no stream_options, usage reported as zero"}`, () =>
        withAzure((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ usage: { inputTokens: 77, outputTokens: 8 } })
            const events = yield* collect(provider)
            const last = events[events.length - 1]!
            if (last._tag !== "Completed") throw new Error("no Completed event")
            expect(last.result.meta.usage).toEqual(usage ? { inputTokens: 77, outputTokens: 8 } : { inputTokens: 0, outputTokens: 0 })
            const req = emu.chatRequests()[0]!
            expect(req.query["api-version"]).toBe(apiVersion)
            const body = req.body as Record<string, unknown>
            expect(body.stream).toBe(true)
            if (usage) expect(body.stream_options).toEqual({ include_usage: true })
            else expect(body.stream_options).toBeUndefined()
          }), { config: { apiVersion } }))
    }

    it("supports() knows which versions take max_completion_tokens and stream_options", () => {
      const table: ReadonlyArray<[string, boolean]> = [
        ["2023-05-15", false],
        ["2024-02-01", false],
        ["2024-06-01", false],
        ["2024-10-21", false],
        ["2024-08-01-preview", false],
        ["2024-09-01-preview", true],
        ["2024-10-01-preview", true],
        ["2024-12-01-preview", true],
        ["2025-01-01-preview", true],
        ["2025-03-01-preview", true],
        ["2025-04-01-preview", true],
        ["2026-02-01", true],
        ["v1", true],
        ["preview", true],
        [" v1 ", true],
        ["v2", false],
        ["V1", false],
        ["latest", false]
      ]
      // Structured outputs (response_format json_schema) came a month earlier in the previews, and
      // with GA 2024-10-21.
      const structured = (v: string) => ["2024-10-21", "2024-08-01-preview"].includes(v) || has(v)
      const has = (v: string) => table.find(([version]) => version === v)![1]
      for (const [version] of table) {
        expect(AzureOpenAi.supports(version), version).toEqual({ maxCompletionTokens: has(version), streamUsage: has(version), structuredOutput: structured(version) })
      }
    })

    it("the emulator, like the service, refuses stream_options and max_completion_tokens on 2024-10-21", async () => {
      const emu = await AzureOpenAiEmulator.start({ apiKey: SECRET_KEY })
      try {
        const post = (apiVersion: string, body: Record<string, unknown>) =>
          fetch(`${emu.origin}/openai/deployments/gpt-4o/chat/completions?api-version=${apiVersion}`, {
            method: "POST",
            headers: { "api-key": SECRET_KEY, "content-type": "application/json" },
            body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...body })
          })
        const refused = await post(GA, { stream: true, stream_options: { include_usage: true } })
        expect(refused.status).toBe(400)
        expect(((await refused.json()) as { error: { param: string } }).error.param).toBe("stream_options")
        const refused2 = await post(GA, { max_completion_tokens: 5 })
        expect(refused2.status).toBe(400)
        expect((await post(PREVIEW, { max_completion_tokens: 5 })).status).toBe(200)
      } finally {
        await emu.close()
      }
    })

    it.live("an api-version the service does not route is a 404 DeploymentNotFound: ModelNotFound", () =>
      withAzure((_emu, provider) =>
        Effect.gen(function*() {
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
          expect(error._tag).toBe("ModelNotFound")
          expect(error.code).toBe("DeploymentNotFound")
          expect(error.message).toContain("API version")
        }), { config: { apiVersion: "2021-01-01" } }))
  })

  describe("streaming", () => {
    it.live("skips the prompt-filter chunk (choices: [], model: \"\") and reports the base model and usage", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 321, outputTokens: 45 } })
          const events = yield* collect(provider)
          const deltas = events.filter((e) => e._tag === "TextDelta")
          expect(deltas.length).toBeGreaterThan(2)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no Completed event")
          expect(last.result.raw).toBe(deltas.map((d) => (d._tag === "TextDelta" ? d.text : "")).join(""))
          expect(last.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
          expect(last.result.meta.model).toBe("gpt-4.1-mini-2025-04-14")
          expect(last.result.meta.usage).toEqual({ inputTokens: 321, outputTokens: 45 })
          expect(last.result.meta.requestId).toMatch(/^req_emu_/)
          const req = emu.chatRequests()[0]!
          expect(req.headers["accept"]).toBe("text/event-stream")
          expect(req.headers["api-key"]).toBe(SECRET_KEY)
          const body = req.body as Record<string, unknown>
          expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "stream", "stream_options", "temperature"])
        })))

    it("the emulator's first stream chunk has no choices and an empty model, as Azure's does", async () => {
      const emu = await AzureOpenAiEmulator.start({ apiKey: SECRET_KEY })
      try {
        const res = await fetch(`${emu.origin}/openai/deployments/gpt-4o/chat/completions?api-version=${PREVIEW}`, {
          method: "POST",
          headers: { "api-key": SECRET_KEY, "content-type": "application/json" },
          body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], stream: true })
        })
        const first = JSON.parse((await res.text()).split("\n\n")[0]!.slice("data: ".length))
        expect(first.choices).toEqual([])
        expect(first.model).toBe("")
        expect(first.prompt_filter_results[0].content_filter_results.hate).toEqual({ filtered: false, severity: "safe" })
      } finally {
        await emu.close()
      }
    })

    const robust: ReadonlyArray<[string, Emulator.Options]> = [
      ["CRLF line endings", { lineEndings: "crlf" }],
      ["mixed line endings within one write", { lineEndings: "mixed", burst: true }],
      ["3-byte slices that split characters and CRLF pairs", { lineEndings: "crlf", byteChunkSize: 3 }],
      ["1-byte slices", { byteChunkSize: 1 }],
      ["keep-alive comments between events", { keepAlive: true }],
      ["the whole stream in one burst", { burst: true }]
    ]
    for (const [name, options] of robust) {
      it.live(`survives ${name}`, () =>
        withAzure((emu, provider) =>
          Effect.gen(function*() {
            const reply = "```sql\nSELECT name AS \"Größe 😀\" FROM customers LIMIT 100;\n```\nÜbersicht — ok."
            emu.script({ reply })
            const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "postgresql" })))
            expect(events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")).toBe(reply)
            const last = events[events.length - 1]!
            if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no result")
            expect(last.result.sql).toBe("SELECT name AS \"Größe 😀\" FROM customers LIMIT 100;")
          }), { emulator: options }))
    }

    it.live("a stream cut mid-way is an InvalidResponse, never a partial answer", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "CutStream", afterChunks: 4 } })
          const seen: Array<string> = []
          const exit = yield* provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "postgresql" }).pipe(
            Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))),
            Effect.exit
          )
          const error = expectFailure<AiError.AiError>(exit)
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toMatch(/cut off|\[DONE\]/)
          expect(seen).toContain("TextDelta")
          expect(seen).not.toContain("Completed")
        })))

    const inBand: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag]> = [
      ["server", "ProviderUnavailable"],
      ["rate-limit", "RateLimited"],
      ["content-filter", "ContentFiltered"]
    ]
    for (const [kind, tag] of inBand) {
      it.live(`an in-band ${kind} error after HTTP 200 fails the stream with ${tag}`, () =>
        withAzure((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ fault: { _tag: "InBandError", kind, afterChunks: 3 } })
            const exit = yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
            const error = expectFailure<AiError.AiError>(exit)
            expect(error._tag).toBe(tag)
            expect(error.requestId).toMatch(/^req_emu_/)
          })))
    }

    it.live("a malformed stream event is an InvalidResponse", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "MalformedJson" } })
          const exit = yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
          expect(expectFailure<AiError.AiError>(exit)._tag).toBe("InvalidResponse")
        })))

    it.live("a streamed answer withheld by the content filter (finish_reason content_filter, no text) is ContentFiltered", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "Empty" }, finishReason: "content_filter" })
          const exit = yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
          const error = expectFailure<AiError.AiError>(exit)
          expect(error._tag).toBe("ContentFiltered")
          expect(error.fallback).toBe(false)
        })))
  })

  describe("every Azure error maps to its AiError", () => {
    const cases: ReadonlyArray<[Emulator.ErrorKind, AiError.AiErrorTag, number, string | undefined]> = [
      ["auth", "AuthenticationError", 401, "401"],
      ["permission", "PermissionDenied", 403, "403"],
      ["rate-limit", "RateLimited", 429, "429"],
      ["quota", "RateLimited", 429, "429"],
      ["model-not-found", "ModelNotFound", 404, "DeploymentNotFound"],
      ["context-too-long", "ContextTooLong", 400, "context_length_exceeded"],
      ["content-filter", "ContentFiltered", 400, "content_filter"],
      ["bad-request", "InvalidRequest", 400, "unsupported_value"],
      ["server", "ProviderUnavailable", 500, "server_error"],
      ["unavailable", "ProviderUnavailable", 503, "ServiceUnavailable"],
      ["overloaded", "ProviderUnavailable", 503, "503"]
    ]
    for (const [kind, tag, status, code] of cases) {
      it.live(`${kind} -> ${tag} (HTTP ${status}, ${code})`, () =>
        Effect.gen(function*() {
          const error = yield* failWith({ _tag: "Error", kind })
          expect(error._tag).toBe(tag)
          expect(error.provider).toBe("azure-openai")
          expect(error.status).toBe(status)
          expect(error.code).toBe(code)
          expect(error.requestId).toMatch(/^req_emu_/)
          expect(error.message).toContain(`HTTP ${status}`)
          expect(error.message).toContain("Azure OpenAI")
          expect(JSON.stringify(error) + String(error)).not.toContain("SECRETKEY")
        }))
    }

    it.live("401: the access-denied message, not retryable", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "auth" })
        expect(error.message).toContain("Access denied due to invalid subscription key")
        expect(error.retryable).toBe(false)
      }))

    it.live("429: retryAfter from retry-after-ms / retry-after, retryable", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "rate-limit", retryAfterSeconds: 12 })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(Duration.toMillis(error.retryAfter!)).toBe(12_000)
        expect(error.message).toContain("Please retry after 12 seconds")
        expect(error.retryable).toBe(true)
      }))

    it.live("an exhausted token quota waits as long as Azure says", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "quota" })
        if (error._tag !== "RateLimited") throw new Error(error._tag)
        expect(Duration.toMillis(error.retryAfter!)).toBe(86_400_000)
      }))

    it.live("DeploymentNotFound names the deployment", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "model-not-found" }, { config: { deployment: "gpt-4o" } })
        if (error._tag !== "ModelNotFound") throw new Error(error._tag)
        expect(error.model).toBe("gpt-4o")
        expect(error.message).toContain("the deployment \"gpt-4o\" does not exist")
      }))

    it.live("a chat to a deployment the resource lacks is ModelNotFound", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
          expect(error._tag).toBe("ModelNotFound")
          expect(error._tag === "ModelNotFound" && error.model).toBe("no-such-deployment")
          expect(emu.chatRequests()[0]!.path).toBe("/openai/deployments/no-such-deployment/chat/completions")
        }), { config: { deployment: "no-such-deployment" } }))

    for (const spelling of ["innererror", "inner_error"] as const) {
      it.live(`content_filter with ${spelling}: ContentFiltered naming the filtered category`, () =>
        withAzure((emu, provider) =>
          Effect.gen(function*() {
            emu.script({ fault: { _tag: "Error", kind: "content-filter" } })
            const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
            expect(error._tag).toBe("ContentFiltered")
            expect(error.code).toBe("content_filter")
            expect(error.message).toContain("content management policy")
            expect(error.message).toContain("Filtered categories: jailbreak.")
            expect(error.fallback).toBe(false)
            // the emulator really spoke this spelling
            emu.script({ fault: { _tag: "Error", kind: "content-filter" } })
            const filtered = yield* Effect.promise(() =>
              fetch(`${emu.origin}/openai/deployments/gpt-4.1-mini/chat/completions?api-version=${PREVIEW}`, {
                method: "POST",
                headers: { "api-key": SECRET_KEY, "content-type": "application/json" },
                body: JSON.stringify({ messages: [] })
              }).then((r) => r.json() as Promise<{ error: Record<string, unknown> }>)
            )
            expect(Object.keys(filtered.error)).toContain(spelling)
            expect(Object.keys(filtered.error)).not.toContain(spelling === "innererror" ? "inner_error" : "innererror")
          }), { emulator: { innerErrorSpelling: spelling } }))
    }

    it.live("an answer withheld by the content filter (200, finish_reason content_filter, no text) is ContentFiltered", () =>
      Effect.gen(function*() {
        const error = yield* withAzure((emu, provider) => {
          emu.script({ fault: { _tag: "Empty" }, finishReason: "content_filter" })
          return Effect.exit(generate(provider)).pipe(Effect.map((exit) => expectFailure<AiError.AiError>(exit)))
        })
        expect(error._tag).toBe("ContentFiltered")
        expect(error.requestId).toMatch(/^req_emu_/)
      }))

    it.live("an empty answer that was not filtered is an InvalidResponse", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Empty" })
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/no text/)
      }))

    it.live("bad-request names the offending parameter", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Error", kind: "bad-request" })
        expect(error._tag === "InvalidRequest" && error.field).toBe("temperature")
      }))

    it.live("a 404 Resource not found (wrong endpoint path) is ConfigInvalid on endpoint", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* AzureOpenAiEmulator.make({ apiKey: SECRET_KEY })
        const provider = yield* AzureOpenAi.make({ endpoint: `${emu.origin}/gateway`, apiKey: SECRET_KEY, deployment: "gpt-4o", apiVersion: PREVIEW })
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
        if (error._tag !== "ConfigInvalid") throw new Error(error._tag)
        expect(error.field).toBe("endpoint")
        expect(error.status).toBe(404)
        expect(emu.requests[0]!.path).toBe("/gateway/openai/deployments/gpt-4o/chat/completions")
      })).pipe(Effect.provide(HttpLive)))

    it.live("malformed JSON and a body cut half-way are InvalidResponse", () =>
      Effect.gen(function*() {
        expect((yield* failWith({ _tag: "MalformedJson" }))._tag).toBe("InvalidResponse")
        expect((yield* failWith({ _tag: "CutStream", afterChunks: 0 }))._tag).toBe("InvalidResponse")
      }))

    it.live("a reset connection is ProviderUnavailable", () =>
      Effect.gen(function*() {
        const error = yield* failWith({ _tag: "Reset" })
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.retryable).toBe(true)
      }))

    it.live("a refused connection is ProviderUnavailable naming the address", () =>
      Effect.gen(function*() {
        const emu = yield* Effect.promise(() => AzureOpenAiEmulator.start())
        yield* Effect.promise(() => emu.close())
        const provider = yield* AzureOpenAi.make({ endpoint: emu.origin, apiKey: SECRET_KEY, deployment: "gpt-4o", apiVersion: GA })
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.explainSql({ sql: "SELECT 1", dialect: "generic" })))
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.message).toContain("connection refused")
        expect(error.message).toContain(`127.0.0.1:${emu.port}`)
      }).pipe(Effect.provide(HttpLive)))
  })

  it.live("an invalid request is refused before anything is sent", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.generateSql({ prompt: "  ", dialect: "postgresql" })))
        expect(error._tag === "InvalidRequest" && error.field).toBe("prompt")
        expect(emu.requests).toHaveLength(0)
      })))

  describe("testConnection and listModels", () => {
    it.live("testConnection sends a one-token chat to the deployment", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.provider).toBe("azure-openai")
          expect(test.model).toBe("gpt-4.1-mini")
          expect(test.modelAvailable).toBe(true)
          expect(test.details).toContain("gpt-4.1-mini-2025-04-14")
          expect(emu.requests).toHaveLength(1)
          const req = emu.requests[0]!
          expect(`${req.method} ${req.path}`).toBe("POST /openai/deployments/gpt-4.1-mini/chat/completions")
          expect(req.query).toEqual({ "api-version": PREVIEW })
          expect(req.headers["api-key"]).toBe(SECRET_KEY)
          const body = req.body as Record<string, unknown>
          expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "stream"])
          expect(body.max_tokens).toBe(1)
          expect(body.stream).toBe(false)
        })))

    it.live("testConnection of a reasoning deployment uses max_completion_tokens: 1", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          const body = emu.requests[0]!.body as Record<string, unknown>
          expect(body.max_completion_tokens).toBe(1)
          expect(body.max_tokens).toBeUndefined()
          expect(body.temperature).toBeUndefined()
        }), { config: { deployment: "sql-reasoner", reasoning: true } }))

    it.live("testConnection: a missing deployment is ok: false, modelAvailable: false, naming the deployment", () =>
      withAzure((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(false)
          expect(test.modelAvailable).toBe(false)
          expect(test.error?._tag).toBe("ModelNotFound")
          expect(test.details).toContain("the deployment \"gpt-9\" does not exist")
        }), { config: { deployment: "gpt-9" } }))

    it.live("testConnection with a bad key is ok: false with AuthenticationError, key not echoed", () =>
      withAzure((_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(false)
          expect(test.modelAvailable).toBeUndefined()
          expect(test.error?._tag).toBe("AuthenticationError")
          expect(test.details).not.toContain("wrong-key-0000")
        }), { config: { apiKey: "wrong-key-0000-1111" } }))

    it.live("testConnection when the service is down is ok: false, availability unknown", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "Error", kind: "unavailable" } })
          const test = yield* provider.testConnection
          expect(test.ok).toBe(false)
          expect(test.modelAvailable).toBeUndefined()
          expect(test.error?._tag).toBe("ProviderUnavailable")
        })))

    it.live("listModels lists the resource's base models with GET /openai/models", () =>
      withAzure((emu, provider) =>
        Effect.gen(function*() {
          const models = yield* provider.listModels
          expect(models.map((m) => m.id)).toEqual([
            "gpt-4.1-mini-2025-04-14",
            "gpt-4o-mini-2024-07-18",
            "gpt-4o-2024-11-20",
            "o4-mini-2025-04-16",
            "text-embedding-3-small"
          ])
          const req = emu.requests[0]!
          expect(`${req.method} ${req.path}`).toBe("GET /openai/models")
          expect(req.query).toEqual({ "api-version": GA })
          expect(req.headers["api-key"]).toBe(SECRET_KEY)
        }), { config: { apiVersion: GA } }))

    it.live("listModels with a bad key is AuthenticationError", () =>
      withAzure((_emu, provider) =>
        Effect.gen(function*() {
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(provider.listModels))
          expect(error._tag).toBe("AuthenticationError")
        }), { config: { apiKey: "wrong-key-0000-1111" } }))
  })
})

describe("AzureOpenAi over the v1 API (/openai/v1/, loopback HTTP)", () => {
  const V1 = { apiVersion: "v1" } as const

  it.live("generateSql posts to /openai/v1/chat/completions with the deployment as model and no api-version (the default)", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 50, outputTokens: 9 } })
        const result = yield* generate(provider)
        expect(result.sql).toBe("SELECT email FROM customers LIMIT 100;")
        expect(result.meta.model).toBe("gpt-4.1-mini-2025-04-14")
        expect(result.meta.usage).toEqual({ inputTokens: 50, outputTokens: 9 })
        const [req] = emu.chatRequests()
        expect(`${req!.method} ${req!.path}`).toBe("POST /openai/v1/chat/completions")
        expect(req!.query).toEqual({})
        expect(req!.headers["api-key"]).toBe(SECRET_KEY)
        expect(req!.headers["authorization"]).toBeUndefined()
        expect(req!.headers["accept"]).toBe("application/json")
        const body = req!.body as Record<string, any>
        expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model", "response_format", "stream", "temperature"])
        expect(body.model).toBe("gpt-4.1-mini")
        expect(body.max_tokens).toBe(2048)
        expect(body.temperature).toBe(0)
        expect(body.messages[0]).toEqual({ role: "system", content: Prompts.system })
      }), { config: { apiVersion: undefined } }))

  it.live("a reasoning deployment gets max_completion_tokens, the developer role and no temperature", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        const result = yield* generate(provider)
        expect(result.meta.model).toBe("o4-mini-2025-04-16")
        const body = emu.chatRequests()[0]!.body as Record<string, any>
        expect(Object.keys(body).sort()).toEqual(["max_completion_tokens", "messages", "model", "response_format", "stream"])
        expect(body.model).toBe("sql-reasoner")
        expect(body.max_completion_tokens).toBe(16_384)
        expect(body.messages[0].role).toBe("developer")
      }), { config: { ...V1, deployment: "sql-reasoner", reasoning: true } }))

  it.live("the emulator holds v1 clients to the rules: a reasoning deployment refuses max_tokens", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
        expect(error._tag === "InvalidRequest" && error.field).toBe("max_tokens")
        expect(emu.chatRequests()[0]!.path).toBe("/openai/v1/chat/completions")
      }), { config: { ...V1, deployment: "sql-reasoner" } }))

  it.live("streams with stream_options.include_usage and reports the usage", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        emu.script({ usage: { inputTokens: 77, outputTokens: 8 } })
        const events = yield* collect(provider)
        const last = events[events.length - 1]!
        if (last._tag !== "Completed") throw new Error("no Completed event")
        expect(last.result.meta.usage).toEqual({ inputTokens: 77, outputTokens: 8 })
        expect(last.result.meta.model).toBe("gpt-4.1-mini-2025-04-14")
        const req = emu.chatRequests()[0]!
        expect(`${req.method} ${req.path}`).toBe("POST /openai/v1/chat/completions")
        expect(req.query).toEqual({})
        expect(req.headers["accept"]).toBe("text/event-stream")
        const body = req.body as Record<string, unknown>
        expect(body.model).toBe("gpt-4.1-mini")
        expect(body.stream).toBe(true)
        expect(body.stream_options).toEqual({ include_usage: true })
      }), { config: V1 }))

  it.live("preview sends api-version=preview to chat and listModels", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        yield* generate(provider)
        yield* provider.listModels
        const [chat, models] = emu.requests
        expect(`${chat!.method} ${chat!.path}`).toBe("POST /openai/v1/chat/completions")
        expect(chat!.query).toEqual({ "api-version": "preview" })
        expect((chat!.body as Record<string, unknown>).model).toBe("gpt-4.1-mini")
        expect(`${models!.method} ${models!.path}`).toBe("GET /openai/v1/models")
        expect(models!.query).toEqual({ "api-version": "preview" })
      }), { config: { apiVersion: "preview" } }))

  it.live("listModels lists the base models with GET /openai/v1/models", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        const models = yield* provider.listModels
        expect(models.map((m) => m.id)).toContain("o4-mini-2025-04-16")
        const req = emu.requests[0]!
        expect(`${req.method} ${req.path}`).toBe("GET /openai/v1/models")
        expect(req.query).toEqual({})
        expect(req.headers["api-key"]).toBe(SECRET_KEY)
      }), { config: V1 }))

  it.live("testConnection sends the one-token chat, with the deployment as model", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        const test = yield* provider.testConnection
        expect(test.ok).toBe(true)
        expect(test.modelAvailable).toBe(true)
        expect(test.details).toContain("gpt-4.1-mini-2025-04-14")
        expect(emu.requests).toHaveLength(1)
        const req = emu.requests[0]!
        expect(`${req.method} ${req.path}`).toBe("POST /openai/v1/chat/completions")
        expect(req.query).toEqual({})
        const body = req.body as Record<string, unknown>
        expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model", "stream"])
        expect(body.model).toBe("gpt-4.1-mini")
        expect(body.max_tokens).toBe(1)
      }), { config: V1 }))

  it.live("testConnection of a deployment the resource lacks: ModelNotFound, modelAvailable false", () =>
    withAzure((emu, provider) =>
      Effect.gen(function*() {
        const test = yield* provider.testConnection
        expect(test.ok).toBe(false)
        expect(test.modelAvailable).toBe(false)
        expect(test.error?._tag).toBe("ModelNotFound")
        expect(test.error?.code).toBe("DeploymentNotFound")
        expect(test.details).toContain("the deployment \"gpt-9\" does not exist")
        expect((emu.requests[0]!.body as Record<string, unknown>).model).toBe("gpt-9")
      }), { config: { ...V1, deployment: "gpt-9" } }))

  for (const suffix of ["/openai/v1", "/openai/v1/", "/openai/", ""]) {
    it.live(`an endpoint pasted as origin${suffix}, no apiVersion: /openai/v1/chat/completions, once`, () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* AzureOpenAiEmulator.make({ apiKey: SECRET_KEY })
        const provider = yield* AzureOpenAi.make({ endpoint: `${emu.origin}${suffix}`, apiKey: SECRET_KEY, deployment: "gpt-4o" })
        expect(provider.endpoint).toBe(`${emu.origin}/openai/v1/chat/completions`)
        yield* provider.explainSql({ sql: "SELECT 1", dialect: "sqlite" })
        const req = emu.chatRequests()[0]!
        expect(req.path).toBe("/openai/v1/chat/completions")
        expect(req.query).toEqual({})
        expect((req.body as Record<string, unknown>).model).toBe("gpt-4o")
      })).pipe(Effect.provide(HttpLive)))
  }

  it.live("a wrong endpoint path is ConfigInvalid on endpoint naming the URL tried, for chat and listModels", () =>
    Effect.scoped(Effect.gen(function*() {
      const emu = yield* AzureOpenAiEmulator.make({ apiKey: SECRET_KEY })
      const provider = yield* AzureOpenAi.make({ endpoint: `${emu.origin}/gateway/openai/v1/`, apiKey: SECRET_KEY, deployment: "gpt-4o" })
      const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
      if (error._tag !== "ConfigInvalid") throw new Error(error._tag)
      expect(error.field).toBe("endpoint")
      expect(error.status).toBe(404)
      expect(error.message).toContain(`POST ${emu.origin}/gateway/openai/v1/chat/completions`)
      const listed = expectFailure<AiError.AiError>(yield* Effect.exit(provider.listModels))
      if (listed._tag !== "ConfigInvalid") throw new Error(listed._tag)
      expect(listed.field).toBe("endpoint")
      expect(listed.message).toContain(`GET ${emu.origin}/gateway/openai/v1/models`)
      expect(emu.requests.map((r) => r.path)).toEqual(["/gateway/openai/v1/chat/completions", "/gateway/openai/v1/models"])
    })).pipe(Effect.provide(HttpLive)))

  it.live("an endpoint pasted with /openai/v1 and a dated apiVersion is ConfigInvalid on apiVersion", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(AzureOpenAi.make({ endpoint: "https://myres.openai.azure.com/openai/v1/", apiKey: "k", deployment: "gpt-4o", apiVersion: GA }))
      const error = expectFailure<AiError.ConfigInvalid>(exit)
      expect(error._tag).toBe("ConfigInvalid")
      expect(error.field).toBe("apiVersion")
      expect(error.reason).toContain("/openai/v1")
      expect(error.reason).toContain("dated")
      expect(error.message).not.toContain(GA) // values are never echoed
    }).pipe(Effect.provide(HttpLive)))

  it("the emulator's v1 route: the body's model names the deployment, api-version only v1 or preview, the key as api-key or bearer", async () => {
    const emu = await AzureOpenAiEmulator.start({ apiKey: SECRET_KEY })
    try {
      const key = { "api-key": SECRET_KEY }
      const post = (query: string, headers: Record<string, string>, body: Record<string, unknown>) =>
        fetch(`${emu.origin}/openai/v1/chat/completions${query}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...body })
        })
      const errorOf = async (r: Response) => ({ status: r.status, error: ((await r.json()) as { error: Record<string, unknown> }).error })
      expect((await post("", key, { model: "gpt-4o" })).status).toBe(200)
      expect((await post("?api-version=v1", key, { model: "gpt-4o" })).status).toBe(200)
      expect((await post("?api-version=preview", key, { model: "gpt-4o", max_completion_tokens: 5, stream: true, stream_options: { include_usage: true } })).status).toBe(200)
      expect(await errorOf(await post(`?api-version=${GA}`, key, { model: "gpt-4o" }))).toEqual({
        status: 400,
        error: { code: "BadRequest", message: "API version not supported" }
      })
      expect(await errorOf(await post("", key, { model: "gpt-9" }))).toMatchObject({ status: 404, error: { code: "DeploymentNotFound" } })
      expect(await errorOf(await post("", key, {}))).toMatchObject({ status: 400, error: { param: "model" } })
      expect(await errorOf(await post("", key, { model: "sql-reasoner", max_tokens: 5 }))).toMatchObject({ status: 400, error: { param: "max_tokens" } })
      expect((await post("", { authorization: `Bearer ${SECRET_KEY}` }, { model: "gpt-4o" })).status).toBe(200)
      expect((await post("", { authorization: "Bearer wrong-key" }, { model: "gpt-4o" })).status).toBe(401)
      expect((await post("", {}, { model: "gpt-4o" })).status).toBe(401)
      // The dated route takes the key only as api-key (a bearer there is an Entra token).
      const dated = await fetch(`${emu.origin}/openai/deployments/gpt-4o/chat/completions?api-version=${GA}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET_KEY}` },
        body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] })
      })
      expect(dated.status).toBe(401)
      const models = (query: string) => fetch(`${emu.origin}/openai/v1/models${query}`, { headers: key })
      expect((await models("")).status).toBe(200)
      expect((await models("?api-version=preview")).status).toBe(200)
      expect((await models(`?api-version=${GA}`)).status).toBe(400)
    } finally {
      await emu.close()
    }
  })
})

describe("AzureOpenAi.Config", () => {
  const decode = (input: unknown) => Effect.runSync(Effect.either(AzureOpenAi.decodeConfig(input)))
  const valid = { endpoint: "https://myres.openai.azure.com/", apiKey: "0123abcd", deployment: "gpt-4o", apiVersion: GA }

  it("applies documented defaults and keeps the key Redacted", () => {
    const r = decode(valid)
    if (r._tag === "Left") throw new Error(r.left.message)
    expect(r.right.endpoint).toBe("https://myres.openai.azure.com")
    expect(r.right.temperature).toBeUndefined() // the model family's (PromptProfiles)
    expect(r.right.maxTokens).toBeUndefined() // 2,048 at request time, or 16,384 for a reasoning deployment
    expect(r.right.reasoning).toBeUndefined()
    expect(Redacted.isRedacted(r.right.apiKey)).toBe(true)
    expect(String(r.right.apiKey)).not.toContain("0123abcd")
  })

  it("accepts an already Redacted key, previews, Foundry endpoints and loopback http", () => {
    expect(decode({ ...valid, apiKey: Redacted.make("k") })._tag).toBe("Right")
    expect(decode({ ...valid, apiVersion: PREVIEW })._tag).toBe("Right")
    expect(decode({ ...valid, endpoint: "https://myres.cognitiveservices.azure.com" })._tag).toBe("Right")
    expect(decode({ ...valid, endpoint: "http://127.0.0.1:8080" })._tag).toBe("Right")
    expect(decode({ ...valid, deployment: "my_sql-gpt.4o", reasoning: true, apiVersion: "2024-12-01-preview" })._tag).toBe("Right")
  })

  describe("endpoint forms and the api-version they imply", () => {
    const base = { apiKey: "0123abcd", deployment: "gpt-4o" }
    const hosts = ["https://myres.openai.azure.com", "https://myres.cognitiveservices.azure.com", "https://myres.services.ai.azure.com"]
    const resourceForms = ["", "/", "/openai", "/openai/", "/OpenAI"]
    const v1Forms = ["/openai/v1", "/openai/v1/", "/OpenAI/V1/"]
    const read = (input: Record<string, unknown>) => {
      const r = decode(input)
      return r._tag === "Right" ? { endpoint: r.right.endpoint, apiVersion: r.right.apiVersion } : { field: r.left.field, reason: r.left.reason }
    }
    for (const host of hosts) {
      it(`${new URL(host).hostname}: every pasted form is stored as the origin`, () => {
        for (const suffix of [...resourceForms, ...v1Forms]) {
          const endpoint = host + suffix
          // No apiVersion: the v1 API, whether the form said so (/openai/v1) or not (the default).
          expect([endpoint, read({ ...base, endpoint })]).toEqual([endpoint, { endpoint: host, apiVersion: "v1" }])
          for (const apiVersion of ["v1", "preview", " preview "]) {
            expect([endpoint, read({ ...base, endpoint, apiVersion })]).toEqual([endpoint, { endpoint: host, apiVersion: apiVersion.trim() }])
          }
        }
        for (const suffix of resourceForms) {
          const endpoint = host + suffix
          expect([endpoint, read({ ...base, endpoint, apiVersion: GA })]).toEqual([endpoint, { endpoint: host, apiVersion: GA }])
          expect([endpoint, read({ ...base, endpoint, apiVersion: PREVIEW })]).toEqual([endpoint, { endpoint: host, apiVersion: PREVIEW }])
        }
        // The v1 form with a dated version: the two disagree.
        for (const suffix of v1Forms) {
          for (const apiVersion of [GA, PREVIEW]) {
            const r = read({ ...base, endpoint: host + suffix, apiVersion })
            expect([suffix, apiVersion, r]).toEqual([suffix, apiVersion, { field: "apiVersion", reason: expect.stringContaining("/openai/v1") }])
          }
        }
      })
    }

    it("a proxy's path prefix is kept, with /openai or /openai/v1 dropped after it", () => {
      for (const suffix of ["", "/", "/openai", "/openai/v1/"]) {
        expect(read({ ...base, endpoint: `https://gw.example.com/azure${suffix}` })).toEqual({ endpoint: "https://gw.example.com/azure", apiVersion: "v1" })
      }
      // Only a trailing /openai/v1 is the v1 base URL.
      expect(read({ ...base, endpoint: "https://gw.example.com/openai/v1/azure" })).toEqual({ endpoint: "https://gw.example.com/openai/v1/azure", apiVersion: "v1" })
    })

    it("a pasted request URL (the portal's Target URI) is refused on endpoint, saying what goes where, without echoing it", () => {
      for (
        const endpoint of [
          "https://myres.openai.azure.com/openai/deployments/sql-gpt-prod/chat/completions?api-version=2024-10-21",
          "https://myres.cognitiveservices.azure.com/openai/deployments/sql-gpt-prod/chat/completions",
          "https://myres.openai.azure.com/openai/v1/chat/completions",
          "https://myres.openai.azure.com/openai/models?api-version=2024-10-21"
        ]
      ) {
        const r = decode({ ...base, endpoint })
        if (r._tag === "Right") throw new Error(`expected ConfigInvalid for ${endpoint}`)
        expect([endpoint, r.left.field]).toEqual([endpoint, "endpoint"])
        expect(r.left.reason).toContain("Target URI")
        expect(r.left.reason).toContain("deployment and apiVersion")
        expect(r.left.message).not.toContain("sql-gpt-prod")
        expect(r.left.message).not.toContain("myres")
      }
    })

    it("reasoning is accepted on v1 and preview, refused on a GA dated version", () => {
      expect(decode({ ...valid, apiVersion: "v1", reasoning: true })._tag).toBe("Right")
      expect(decode({ ...valid, apiVersion: "preview", reasoning: true })._tag).toBe("Right")
      expect(decode({ ...base, endpoint: valid.endpoint, reasoning: true })._tag).toBe("Right")
      const r = decode({ ...valid, reasoning: true })
      if (r._tag === "Right") throw new Error("expected ConfigInvalid")
      expect(r.left.field).toBe("apiVersion")
      expect(r.left.reason).toContain("use v1")
    })

    it.effect("from the environment: the endpoint in v1 form needs no OPENAI_API_VERSION, and a dated one there disagrees", () =>
      Effect.gen(function*() {
        const env = { AZURE_OPENAI_API_KEY: "0123abcd", AZURE_OPENAI_ENDPOINT: "https://myres.openai.azure.com/openai/v1/" }
        const input = yield* AzureOpenAi.fromEnv(env, { deployment: "gpt-4o" })
        const config = yield* AzureOpenAi.decodeConfig(input)
        expect([config.endpoint, config.apiVersion]).toEqual(["https://myres.openai.azure.com", "v1"])
        const error = yield* Effect.flip(AzureOpenAi.fromEnv({ ...env, OPENAI_API_VERSION: GA }, { deployment: "gpt-4o" }))
        expect(error.field).toBe("apiVersion")
        expect(error.message).toContain("read from OPENAI_API_VERSION")
      }))
  })

  const bad: ReadonlyArray<[string, unknown, string]> = [
    ["a missing endpoint", { ...valid, endpoint: undefined }, "endpoint"],
    ["an endpoint that is not a URL", { ...valid, endpoint: "myres.openai.azure.com" }, "endpoint"],
    ["plain http to a remote endpoint", { ...valid, endpoint: "http://myres.openai.azure.com" }, "endpoint"],
    ["an endpoint with a query", { ...valid, endpoint: "https://myres.openai.azure.com/?api-version=2024-10-21" }, "endpoint"],
    ["a missing key", { ...valid, apiKey: undefined }, "apiKey"],
    ["an empty key", { ...valid, apiKey: " " }, "apiKey"],
    ["a missing deployment", { ...valid, deployment: undefined }, "deployment"],
    ["an empty deployment", { ...valid, deployment: "" }, "deployment"],
    ["a deployment with a slash", { ...valid, deployment: "gpt-4o/chat" }, "deployment"],
    ["a deployment that climbs the path", { ...valid, deployment: ".." }, "deployment"],
    ["a deployment with a space", { ...valid, deployment: "my deployment" }, "deployment"],
    ["an undated apiVersion", { ...valid, apiVersion: "latest" }, "apiVersion"],
    ["a v1 API version that does not exist", { ...valid, apiVersion: "v2" }, "apiVersion"],
    ["an impossible date", { ...valid, apiVersion: "2024-13-01" }, "apiVersion"],
    ["a misspelled preview", { ...valid, apiVersion: "2025-04-01-beta" }, "apiVersion"],
    ["reasoning on the GA version", { ...valid, reasoning: true }, "apiVersion"],
    ["a temperature above 2", { ...valid, temperature: 2.5 }, "temperature"],
    ["zero max tokens", { ...valid, maxTokens: 0 }, "maxTokens"],
    ["a non-boolean reasoning", { ...valid, reasoning: "yes" }, "reasoning"]
  ]
  for (const [name, input, field] of bad) {
    it(`names the field for ${name}`, () => {
      const r = decode(input)
      if (r._tag === "Right") throw new Error("expected ConfigInvalid")
      expect(r.left._tag).toBe("ConfigInvalid")
      expect(r.left.provider).toBe("azure-openai")
      expect(r.left.field).toBe(field)
      expect(r.left.message).toContain(field)
    })
  }

  it("names every missing required field at once", () => {
    const r = decode({})
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    for (const field of ["endpoint", "apiKey", "deployment"]) expect(r.left.message).toContain(`${field} is required`)
    expect(r.left.message).not.toContain("apiVersion") // it defaults to v1
  })

  it("never echoes a value from a wrong field", () => {
    const r = decode({ ...valid, deployment: "sk-leaked/key", apiVersion: { secret: "sk-leaked-2" } })
    if (r._tag === "Right") throw new Error("expected ConfigInvalid")
    expect(r.left.message).not.toContain("sk-leaked")
  })

  it.live("a valid config builds the provider", () =>
    Effect.gen(function*() {
      const provider = yield* AzureOpenAi.make(valid)
      expect(provider.provider).toBe("azure-openai")
      expect(provider.model).toBe("gpt-4o")
    }).pipe(Effect.provide(HttpLive)))

  it.live("a layer with a bad config fails with ConfigInvalid, not a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(AzureOpenAi.layer({ ...valid, apiVersion: "latest" })).pipe(Effect.scoped, Effect.provide(HttpLive), Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = expectFailure<AiError.AiError>(exit)
      expect(error._tag === "ConfigInvalid" && error.field).toBe("apiVersion")
    }))
})
