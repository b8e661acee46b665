/**
 * What a provider sends back cannot crash, stall or leak: every provider, over real loopback HTTP
 * against a server that answers exact bytes, with the replies found to break things: JSON nested
 * 5,000 deep, a key whose text is valid JSON (`5000`, `null`), a 5 MB wrong-shaped reply, the key
 * in a request-id header, JSON-escaped and URL-encoded echoes of the key, bodies and stream lines
 * past the size limit; and a model name no URL can hold.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Stream } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import { reply } from "../../src/domain/Limits.js"
import * as Anthropic from "../../src/providers/anthropic/Anthropic.js"
import * as Gemini from "../../src/providers/gemini/Gemini.js"
import * as Wire from "../../src/internal/wire/Wire.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import { leakedForm } from "../support/echo.js"
import { fixtures } from "../support/fixtures/index.js"
import type { ProviderFixture } from "../support/fixtures/types.js"
import { HttpLive, SECRET_KEY } from "../support/http.js"
import { failureOf } from "../support/provider.js"
import * as Raw from "../support/rawServer.js"

const JSON_TYPE = { "content-type": "application/json" }

const withServer = <A, E>(run: (server: Raw.RawServer) => Effect.Effect<A, E, import("@effect/platform").HttpClient.HttpClient>) =>
  Effect.scoped(Effect.flatMap(Raw.scoped, run)).pipe(Effect.provide(HttpLive))

const generate = (p: AiProvider.Service) => p.generateSql({ prompt: "list orders", dialect: "generic" })
const streamed = (p: AiProvider.Service) => Stream.runDrain(p.stream({ _tag: "GenerateSql", prompt: "list orders", dialect: "generic" }))

/** One stream record in the provider's framing (SSE for all but Ollama's NDJSON). */
const record = (fx: ProviderFixture, json: string, event?: string) =>
  fx.id === "ollama" ? `${json}\n` : `${event ? `event: ${event}\n` : ""}data: ${json}\n\n`

const streamReply = (fx: ProviderFixture, body: ReadonlyArray<string | Uint8Array>, headers: Record<string, string> = {}): Raw.RawReply => ({
  status: 200,
  headers: { "content-type": fx.id === "ollama" ? "application/x-ndjson" : "text/event-stream", ...headers },
  body
})

/** An in-band error in each provider's shape, with `said` as its message and `5000`/`null` about. */
const inBandError = (fx: ProviderFixture, said: string): string => {
  const m = JSON.stringify(said)
  switch (fx.id) {
    case "openai":
    case "azure-openai":
      return record(fx, `{"error":{"message":${m},"type":"server_error","code":null,"param":null,"n":5000}}`)
    case "anthropic":
      return record(fx, `{"type":"error","error":{"type":"overloaded_error","message":${m}},"n":5000,"x":null}`, "error")
    case "gemini":
      return record(fx, `{"error":{"code":503,"message":${m},"status":"UNAVAILABLE","n":5000,"x":null}}`)
    case "ollama":
      return record(fx, `{"error":${m},"n":5000,"x":null}`)
    case "cloudflare":
      return record(fx, `{"success":false,"errors":[{"code":5000,"message":${m}}],"x":null}`)
  }
}

/** The reply field each provider's schema reads first, for wrong-shaped replies. */
const mainField: Record<ProviderFixture["id"], string> = {
  openai: "choices",
  "azure-openai": "choices",
  anthropic: "content",
  gemini: "candidates",
  ollama: "message",
  cloudflare: "result"
}

/** Every string an error carries, and its serialized form. */
const errorText = (error: AiError.AiError) =>
  [JSON.stringify(error), error.message, error.requestId ?? "", error.code ?? ""].join("\n")

const expectClean = (error: AiError.AiError, key: string) => {
  expect(leakedForm(errorText(error), key)).toBeUndefined()
  expect(error.message.length).toBeLessThanOrEqual(reply.messageChars)
  if (error.requestId !== undefined) expect(error.requestId.length).toBeLessThanOrEqual(reply.requestIdChars)
  if (error.code !== undefined) expect(error.code.length).toBeLessThanOrEqual(reply.requestIdChars)
}

const deep = `${"{\"a\":[".repeat(2500)}1${"]}".repeat(2500)}`
const big = "x".repeat(5_000_000)

/** A valid whole answer in the provider's exact shape. */
const validCompletion = (fx: ProviderFixture) => {
  const input: Emulator.ChatInput = { model: "m", system: "s", user: "u", stream: false, body: {} }
  return fx.protocol.completion(input, { text: "SELECT 1;", model: "m", usage: { inputTokens: 1, outputTokens: 1 }, requestId: "req_ok" })
}

for (const fx of fixtures) {
  describe(`${fx.id}: hostile replies`, () => {
    it.live("JSON nested 5,000 levels deep is InvalidResponse as a body and as a stream event, and no crash as an error body", () =>
      withServer((server) =>
        Effect.gen(function*() {
          const provider = yield* Raw.providerAt(fx, server, SECRET_KEY)
          server.reply({ status: 200, headers: JSON_TYPE, body: [deep] })
          const whole = yield* failureOf(generate(provider))
          expect(whole._tag).toBe("InvalidResponse")
          expect(whole.message).toMatch(/nested more than 64 levels/)

          server.reply(streamReply(fx, [record(fx, deep)]))
          const stream = yield* failureOf(streamed(provider))
          expect(stream._tag).toBe("InvalidResponse")
          expect(stream.message).toMatch(/nested more than 64 levels/)

          server.reply({ status: 503, headers: JSON_TYPE, body: [deep] })
          const status = yield* failureOf(generate(provider))
          expect(status._tag).toBe("ProviderUnavailable")
          expectClean(status, SECRET_KEY)
        })))

    for (const key of ["5000", "null"]) {
      it.live(`a key whose text is valid JSON (${key}) breaks neither the in-band nor the error-body parse`, () =>
        withServer((server) =>
          Effect.gen(function*() {
            const provider = yield* Raw.providerAt(fx, server, key)
            server.reply(streamReply(fx, [inBandError(fx, `overloaded; key ${key} seen`)]))
            const inBand = yield* failureOf(streamed(provider))
            expect(inBand._tag).toBe("ProviderUnavailable")
            expect(inBand.message).toContain("overloaded; key *** seen")
            expectClean(inBand, key)

            const body = inBandError(fx, `slow down, key ${key}`).replace(/^(event: error\n)?(data: )?/, "").trim()
            server.reply({ status: 429, headers: JSON_TYPE, body: [body] })
            const status = yield* failureOf(generate(provider))
            expect(status.status).toBe(429)
            expect(status.message).toContain("slow down, key ***")
            expectClean(status, key)
          })))
    }

    it.live("a 5 MB wrong-shaped reply is a bounded InvalidResponse that never quotes the value", () =>
      withServer((server) =>
        Effect.gen(function*() {
          const provider = yield* Raw.providerAt(fx, server, SECRET_KEY)
          server.reply({ status: 200, headers: JSON_TYPE, body: [JSON.stringify({ [mainField[fx.id]]: big })] })
          const error = yield* failureOf(generate(provider))
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toMatch(/unexpected response/)
          expect(error.message).not.toContain("xxxxxxxxxx")
          expect(JSON.stringify(error).length).toBeLessThan(2 * reply.messageChars)

          const said = fx.id === "cloudflare"
            ? { errors: [{ code: "c".repeat(10_000), message: big }] }
            : fx.id === "ollama"
            ? { error: big }
            : { error: { message: big, code: "c".repeat(10_000), type: "t" } }
          server.reply({ status: 400, headers: JSON_TYPE, body: [JSON.stringify(said)] })
          const status = yield* failureOf(generate(provider))
          expect(status.message.length).toBeLessThanOrEqual(reply.messageChars)
          expect(status.message).toContain("x".repeat(100))
          expect(status.message).not.toContain("x".repeat(reply.errorTextChars + 1))
          expectClean(status, SECRET_KEY)
        })))

    it.live("the key in a request-id header reaches neither an error nor a result's meta", () =>
      withServer((server) =>
        Effect.gen(function*() {
          const provider = yield* Raw.providerAt(fx, server, SECRET_KEY)
          const echoed = `req-${SECRET_KEY}-${"9".repeat(500)}`
          const ids = { "x-request-id": echoed, "request-id": echoed, "apim-request-id": echoed, "cf-ray": echoed }
          server.reply({ status: 500, headers: { ...JSON_TYPE, ...ids }, body: ["{}"] })
          const error = yield* failureOf(generate(provider))
          expectClean(error, SECRET_KEY)
          if (fx.id !== "ollama") expect(error.requestId).toMatch(/^req-\*\*\*-9+…$/)

          const ok = validCompletion(fx)
          server.reply({ status: ok.status, headers: { ...JSON_TYPE, ...ok.headers, ...ids }, body: [ok.body] })
          const result = yield* generate(provider)
          expect(leakedForm(JSON.stringify(result.meta), SECRET_KEY)).toBeUndefined()
          expect((result.meta.requestId ?? "").length).toBeLessThanOrEqual(reply.requestIdChars)
        })))

    it.live("JSON-escaped, \\u-escaped and URL-encoded echoes of a key are removed from every error field", () => {
      const key = "sk-\"q\\u é+%/x 0123456789ÿ"
      return withServer((server) =>
        Effect.gen(function*() {
          const provider = yield* Raw.providerAt(fx, server, key)
          const forms = [
            key,
            JSON.stringify(key).slice(1, -1),
            Array.from(key, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
            encodeURIComponent(key),
            encodeURIComponent(key).replace(/%20/g, "+")
          ]
          for (const form of forms) {
            const said = `rejected ${form} (see https://example.test/keys/${form}/usage)`
            const rendered = fx.protocol.error("bad-request", { message: said, model: "m", requestId: form })
            const bodies: ReadonlyArray<Raw.RawReply> = [
              { status: rendered.status === 200 ? 400 : rendered.status, headers: { ...JSON_TYPE, "x-request-id": form }, body: [rendered.body] },
              // Nothing the classifier reads: the raw text (JSON-escaped key inside) is shown.
              { status: 400, headers: JSON_TYPE, body: [JSON.stringify({ unrelated: form, also: said })] },
              { status: 401, headers: { "content-type": "text/plain" }, body: [`bad key ${form}`] }
            ]
            for (const body of bodies) {
              server.reply(body)
              expectClean(yield* failureOf(generate(provider)), key)
            }
            server.reply(streamReply(fx, [inBandError(fx, said)]))
            expectClean(yield* failureOf(streamed(provider)), key)
          }
        }))
    })
  })
}

describe("long messages and pattern tests", () => {
  // Each would take minutes if a classifier's regex ran over the whole text (`.*` and `[.\s]+$`
  // retried from every position).
  for (const [id, status, body] of [
    ["gemini", 400, { error: { code: 400, message: "input token count ".repeat(100_000), status: "INVALID_ARGUMENT" } }],
    ["ollama", 404, { error: `model not found${". ".repeat(200_000)}x` }],
    ["anthropic", 400, { type: "error", error: { type: "invalid_request_error", message: `a${"prompt is too lon".repeat(50_000)}` } }],
    ["openai", 400, { error: { message: "maximum context lengt".repeat(50_000), type: "invalid_request_error" } }],
    ["cloudflare", 400, { errors: [{ code: 1, message: "context window limi".repeat(50_000) }] }]
  ] as const) {
    it.live(`${id}: a megabyte-long error message is classified in milliseconds`, () =>
      withServer((server) =>
        Effect.gen(function*() {
          const fx = fixtures.find((f) => f.id === id)!
          const provider = yield* Raw.providerAt(fx, server, SECRET_KEY)
          server.reply({ status, headers: JSON_TYPE, body: [JSON.stringify(body)] })
          const started = Date.now()
          const error = yield* failureOf(generate(provider))
          expect(Date.now() - started).toBeLessThan(1_000)
          expectClean(error, SECRET_KEY)
        })))
  }
})

const openai = fixtures.find((f) => f.id === "openai")!
const ollama = fixtures.find((f) => f.id === "ollama")!
const gemini = fixtures.find((f) => f.id === "gemini")!

const MB = 1024 * 1024
const overLimit = (prefix: string) => [prefix, ...Array.from({ length: 17 }, () => "x".repeat(MB))]

// The client closed the connection (a keep-alive connection stays open after a whole reply).
const eventuallyClosed = (server: Raw.RawServer) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100 && server.closedByClient() === 0; i++) yield* Effect.sleep("20 millis")
    expect(server.closedByClient()).toBeGreaterThan(0)
  })

describe("replies past the size limit", () => {
  it.live("a body over reply.bodyBytes is InvalidResponse and the connection is closed", () =>
    withServer((server) =>
      Effect.gen(function*() {
        const provider = yield* Raw.providerAt(openai, server, SECRET_KEY)
        server.reply({ status: 200, headers: JSON_TYPE, body: overLimit("{\"choices\":\"") })
        const error = yield* failureOf(generate(provider))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toMatch(/larger than 16 MiB/)
        yield* eventuallyClosed(server)
      })), 30_000)

  it.live("an error body over the limit is InvalidResponse with its status", () =>
    withServer((server) =>
      Effect.gen(function*() {
        const provider = yield* Raw.providerAt(openai, server, SECRET_KEY)
        server.reply({ status: 503, headers: JSON_TYPE, body: overLimit("{\"error\":\"") })
        const error = yield* failureOf(generate(provider))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.status).toBe(503)
        expect(error.message).toMatch(/HTTP 503.*larger than 16 MiB/)
      })), 30_000)

  it.live("a content-length over the limit fails at the first read", () =>
    withServer((server) =>
      Effect.gen(function*() {
        const provider = yield* Raw.providerAt(openai, server, SECRET_KEY)
        server.reply({ status: 200, headers: { ...JSON_TYPE, "content-length": String(64 * MB) }, body: ["{\"choices\":[", "x".repeat(1000)], cut: true })
        const error = yield* failureOf(generate(provider))
        expect(error.message).toMatch(/larger than 16 MiB/)
      })))

  it.live("Gemini's whole-JSON stream form is bounded the same way", () =>
    withServer((server) =>
      Effect.gen(function*() {
        const provider = yield* Raw.providerAt(gemini, server, SECRET_KEY)
        server.reply({ status: 200, headers: JSON_TYPE, body: overLimit("[{\"x\":\"") })
        const error = yield* failureOf(streamed(provider))
        expect(error.message).toMatch(/larger than 16 MiB/)
      })), 30_000)

  for (const fx of [openai, ollama]) {
    it.live(`${fx.id}: a stream line that never ends is InvalidResponse, without holding it all`, () =>
      withServer((server) =>
        Effect.gen(function*() {
          const provider = yield* Raw.providerAt(fx, server, SECRET_KEY)
          server.reply(streamReply(fx, overLimit(fx.id === "ollama" ? "{\"message\":\"" : "data: {\"x\":\"")))
          const error = yield* failureOf(streamed(provider))
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toMatch(/stream (event|line) is larger than 16 MiB/)
          yield* eventuallyClosed(server)
        })), 30_000)
  }
})

describe("model names no URL can hold", () => {
  it("Wire.pathSegment: a typed ConfigInvalid for a lone surrogate and for dot segments", () => {
    expect(Wire.pathSegment("gemini", "model", "gemini/2.5 flash")).toEqual(Either.right("gemini%2F2.5%20flash"))
    for (const bad of ["claude\ud800", "x\udc00y", ".", ".."]) {
      const r = Wire.pathSegment("anthropic", "model", bad)
      if (Either.isRight(r)) throw new Error(`accepted ${JSON.stringify(bad)}`)
      expect(r.left._tag).toBe("ConfigInvalid")
      expect(r.left.field).toBe("model")
    }
    expect(Either.isLeft(Wire.urlComponent("cloudflare", "model", "\ud800"))).toBe(true)
  })

  for (const [name, make] of [
    ["Anthropic", () => Anthropic.make({ apiKey: SECRET_KEY, model: "claude\ud800" })],
    ["Gemini", () => Gemini.make({ apiKey: SECRET_KEY, model: "gemini-2.5-flash\ud800" })],
    ["Anthropic (dot segment)", () => Anthropic.make({ apiKey: SECRET_KEY, model: ".." })]
  ] as const) {
    it.effect(`${name}: building the provider fails with ConfigInvalid on model, never a defect`, () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(make())
        if (Exit.isSuccess(exit)) throw new Error("built a provider with an unusable model")
        const error = yield* failureOf(make() as never)
        expect(error._tag).toBe("ConfigInvalid")
        expect((error as AiError.ConfigInvalid).field).toBe("model")
      }).pipe(Effect.provide(HttpLive)))
  }
})

describe("what a successful answer says about itself", () => {
  it.live("a key echoed in the model name, the request id or a model list is removed and bounded", () =>
    withServer((server) =>
      Effect.gen(function*() {
        const provider = yield* Raw.providerAt(openai, server, SECRET_KEY)
        const echo = `gpt-${SECRET_KEY}-${"x".repeat(5_000)}`
        server.reply((path) =>
          path.endsWith("/models")
            ? { status: 200, headers: JSON_TYPE, body: [JSON.stringify({ object: "list", data: [{ id: echo, object: "model", created: 1, owned_by: SECRET_KEY }] })] }
            : {
              status: 200,
              headers: { ...JSON_TYPE, "x-request-id": `req-${SECRET_KEY}` },
              body: [JSON.stringify({
                id: "c1",
                object: "chat.completion",
                created: 1,
                model: echo,
                choices: [{ index: 0, message: { role: "assistant", content: "SELECT 1;" }, finish_reason: "stop" }],
                usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
              })]
            }
        )
        const answer = yield* generate(provider)
        expect(answer.meta.model).not.toContain(SECRET_KEY)
        expect(answer.meta.model.length).toBeLessThanOrEqual(200)
        expect(answer.meta.requestId ?? "").not.toContain(SECRET_KEY)
        const models = yield* provider.listModels
        expect(JSON.stringify(models)).not.toContain(SECRET_KEY)
        expect(models[0]!.id.length).toBeLessThanOrEqual(200)
      })))
})
