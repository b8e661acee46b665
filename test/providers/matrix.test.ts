/**
 * One table, every provider: the four SQL operations, streaming, testConnection, listModels and
 * each error class, over real loopback HTTP against the provider's emulator.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Stream } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import * as ProviderConfig from "../../src/internal/wire/ProviderConfig.js"
import { catalog } from "../../src/providers/Catalog.js"
import * as Emulator from "../../src/testing/Emulator.js"
import { fixtures, withFixture as withProvider } from "../support/fixtures/index.js"
import { expectFailure, HttpLive, shopSchema } from "../support/http.js"


// The usage details each protocol carries (Ollama's and Workers AI's carry none).
const usageDetails: Record<string, Record<string, number>> = {
  openai: { cachedInputTokens: 600, reasoningTokens: 150 },
  "azure-openai": { cachedInputTokens: 600, reasoningTokens: 150 },
  anthropic: { cachedInputTokens: 600, cacheWriteTokens: 100 },
  gemini: { cachedInputTokens: 600, reasoningTokens: 150 },
  ollama: {},
  cloudflare: {}
}

// Each protocol's word for "stopped at the token limit".
const lengthFinish: Record<string, string> = {
  openai: "length",
  "azure-openai": "length",
  anthropic: "max_tokens",
  gemini: "MAX_TOKENS",
  ollama: "length",
  cloudflare: "length"
}

const generate = (p: AiProvider.Service) => p.generateSql({ prompt: "list orders", schema: shopSchema, dialect: "postgresql" })

for (const fx of fixtures) {
  describe(`${fx.id} (matrix)`, () => {
    it.live("generateSql: exact request, parsed answer, usage and meta", () =>
      withProvider(fx, (emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 101, outputTokens: 17 } })
          const result = yield* generate(provider)
          expect(result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
          expect(result.meta.provider).toBe(fx.id)
          expect(result.meta.usage).toEqual({ inputTokens: 101, outputTokens: 17 })
          expect(result.meta.finishReason).toBe("stop")
          expect(emu.chatRequests()).toHaveLength(1)
          fx.assertChatRequest(emu.chatRequests()[0]!, { stream: false })
        })))

    it.live("explainSql, optimizeSql and fixSql", () =>
      withProvider(fx, (_emu, provider) =>
        Effect.gen(function*() {
          const e = yield* provider.explainSql({ sql: "SELECT * FROM orders", schema: shopSchema, dialect: "postgresql" })
          expect(e.explanation).toContain("orders")
          const o = yield* provider.optimizeSql({ sql: "SELECT * FROM orders WHERE customer_id = 7", schema: shopSchema, dialect: "postgresql" })
          expect(o.rating).toBe("fair")
          expect(o.optimizedSql).toBe("SELECT id, customer_id, total FROM orders WHERE customer_id = 7")
          expect(o.indexRecommendations).toHaveLength(1)
          const f = yield* provider.fixSql({ sql: "SELECT id FROM order", errorMessage: "no such table: order", schema: shopSchema, dialect: "sqlite" })
          expect(f.fixedSql).toBe("SELECT id FROM orders")
        })))

    it.live("stream: deltas then the parsed result, exact streaming request", () =>
      withProvider(fx, (emu, provider) =>
        Effect.gen(function*() {
          emu.script({ usage: { inputTokens: 55, outputTokens: 9 } })
          const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" })))
          const text = events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")
          expect(events.filter((e) => e._tag === "TextDelta").length).toBeGreaterThan(1)
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no Completed event")
          expect(last.result.raw).toBe(text)
          expect(last.result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
          expect(last.result.meta.usage).toEqual({ inputTokens: 55, outputTokens: 9 })
          fx.assertChatRequest(emu.chatRequests()[0]!, { stream: true })
        })))

    for (const [name, options] of [
      ["CRLF endings", { lineEndings: "crlf" }],
      ["mixed endings in one write", { lineEndings: "mixed", burst: true }],
      ["2-byte slices (split UTF-8 and CRLF)", { lineEndings: "crlf", byteChunkSize: 2 }],
      ["keep-alives", { keepAlive: true }]
    ] as const) {
      it.live(`stream survives ${name}`, () =>
        withProvider(fx, (emu, provider) =>
          Effect.gen(function*() {
            const reply = "```sql\nSELECT name AS \"Größe 😀\" FROM customers;\n```\nÜbersicht."
            emu.script({ reply })
            const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "x", dialect: "generic" })))
            expect(events.map((e) => (e._tag === "TextDelta" ? e.text : "")).join("")).toBe(reply)
            expect(events[events.length - 1]!._tag).toBe("Completed")
          }), { emulator: options }))
    }

    it.live("a stream cut after its first delta is InvalidResponse, never a partial answer", () =>
      withProvider(fx, (emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "CutStream", afterChunks: 2 } })
          const seen: Array<string> = []
          const exit = yield* provider.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" }).pipe(
            Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))),
            Effect.exit
          )
          expect(expectFailure<AiError.AiError>(exit)._tag).toBe("InvalidResponse")
          expect(seen).not.toContain("Completed")
        })))

    it.live("testConnection and listModels", () =>
      withProvider(fx, (_emu, provider) =>
        Effect.gen(function*() {
          const test = yield* provider.testConnection
          expect(test.ok).toBe(true)
          expect(test.modelAvailable).toBe(true)
          const models = yield* provider.listModels
          expect(models.length).toBeGreaterThan(0)
        })))

    it.live("base URLs as people paste them reach the same server: requests, testConnection, listModels", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* Emulator.scoped(fx.protocol, { apiKey: fx.apiKey })
        const forms = fx.baseUrlForms(emu)
        expect(forms.length).toBeGreaterThan(0)
        for (const { config, form } of forms) {
          const provider = yield* fx.make(emu, config)
          const sent = emu.chatRequests().length
          const result = yield* generate(provider)
          expect([form, result.sql]).toEqual([form, "SELECT id, customer_id, total FROM orders LIMIT 100;"])
          fx.assertChatRequest(emu.chatRequests()[sent]!, { stream: false })
          const test = yield* provider.testConnection
          expect([form, test.ok, test.modelAvailable]).toEqual([form, true, true])
          expect((yield* provider.listModels).length).toBeGreaterThan(0)
        }
      })).pipe(Effect.provide(HttpLive)))

    it.live("configured from the official SDK's environment variables alone", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* Emulator.scoped(fx.protocol, { apiKey: fx.apiKey })
        const { given, vars } = fx.env(emu)
        const entry = catalog[fx.id]
        const input = yield* ProviderConfig.fromEnv<Record<string, unknown>>(fx.id, entry.environment, entry.validate)(vars, given)
        expect(Object.keys(vars).every((name) => entry.environment.some((v) => v.names.includes(name)))).toBe(true)
        // Every variable the official SDK reads is exercised.
        expect(entry.environment.flatMap((v) => v.names).filter((name) => !(name in vars))).toEqual([])
        const provider = yield* entry.make(input)
        const result = yield* generate(provider)
        expect(result.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
        fx.assertChatRequest(emu.chatRequests()[0]!, { stream: false })
      })).pipe(Effect.provide(HttpLive)))

    it.live("usage details the provider reports (cached input, cache writes, reasoning) are kept, whole and streamed", () =>
      withProvider(fx, (emu, provider) =>
        Effect.gen(function*() {
          const scripted = { inputTokens: 1_000, outputTokens: 200, cachedInputTokens: 600, cacheWriteTokens: 100, reasoningTokens: 150 }
          emu.script({ usage: scripted }, { usage: scripted })
          const expected = { inputTokens: 1_000, outputTokens: 200, ...usageDetails[fx.id] }
          expect((yield* generate(provider)).meta.usage).toEqual(expected)
          const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" })))
          const done = events.at(-1)
          expect(done?._tag === "Completed" && done.result.meta.usage).toEqual(expected)
        })))

    it.live("a budget spent before any text (finish: length) says so and names maxTokens", () =>
      withProvider(fx, (emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "Empty" }, finishReason: lengthFinish[fx.id] })
          const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toMatch(/spent its whole token budget \(maxTokens \d+\) before writing any answer/)
          expect(error.message).toContain("raise maxTokens")
        })))

    it.live("a base URL that routes nowhere: ConfigInvalid naming the URL tried, in requests, listModels and testConnection", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* Emulator.scoped(fx.protocol, { apiKey: fx.apiKey })
        const { chatTells, config, field } = fx.wrongBase(emu)
        const provider = yield* fx.make(emu, config)
        const failed = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
        if (chatTells) {
          if (failed._tag !== "ConfigInvalid") throw new Error(`${failed._tag}: ${failed.message}`)
          expect(failed.field).toBe(field)
          expect(failed.message).toContain(`POST ${emu.origin}/nope/`)
          expect(failed.message).toContain("was not found; check")
        } else expect(failed._tag).toBe("ModelNotFound")
        const listed = expectFailure<AiError.AiError>(yield* Effect.exit(provider.listModels))
        expect([listed._tag, listed._tag === "ConfigInvalid" && listed.field]).toEqual(["ConfigInvalid", field])
        expect(listed.message).toContain(`GET ${emu.origin}/nope/`)
        const test = yield* provider.testConnection
        expect(test.ok).toBe(false)
        expect(test.error?._tag).toBe("ConfigInvalid")
      })).pipe(Effect.provide(HttpLive)))

    if (fx.wrongKey) {
      it.live("a wrong key: AuthenticationError, and testConnection says so", () =>
        withProvider(fx, (_emu, provider) =>
          Effect.gen(function*() {
            const exit = yield* Effect.exit(generate(provider))
            expect(expectFailure<AiError.AiError>(exit)._tag).toBe("AuthenticationError")
            const test = yield* provider.testConnection
            expect(test.ok).toBe(false)
          }), { overrides: fx.wrongKey }))
    }

    for (const [kind, tag] of Object.entries(fx.errors) as Array<[Emulator.ErrorKind, AiError.AiErrorTag]>) {
      it.live(`error ${kind} -> ${tag}`, () =>
        withProvider(fx, (emu, provider) =>
          Effect.gen(function*() {
            emu.script({ fault: { _tag: "Error", kind, retryAfterSeconds: 7 } })
            const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
            expect(error._tag).toBe(tag)
            expect(error.provider).toBe(fx.id)
            expect(error.message.length).toBeGreaterThan(10)
            if (fx.apiKey) expect(JSON.stringify(error) + error.message).not.toContain(fx.apiKey)
            if (tag === "RateLimited" && fx.rateLimitCarriesRetryAfter) {
              if (error._tag !== "RateLimited") throw new Error("unreachable")
              expect(Duration.toMillis(error.retryAfter!)).toBe(7000)
            }
          })))
    }

    it.live("a malformed body is InvalidResponse", () =>
      withProvider(fx, (emu, provider) =>
        Effect.gen(function*() {
          emu.script({ fault: { _tag: "MalformedJson" } })
          expect(expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))._tag).toBe("InvalidResponse")
        })))

    it.live("a refused connection is ProviderUnavailable", () =>
      Effect.gen(function*() {
        const emu = yield* Effect.promise(() => Emulator.start(fx.protocol, { apiKey: fx.apiKey }))
        yield* Effect.promise(() => emu.close())
        const provider = yield* fx.make(emu)
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(generate(provider)))
        expect(error._tag).toBe("ProviderUnavailable")
        expect(error.message).toContain(String(emu.port))
      }).pipe(Effect.provide(HttpLive)))
  })
}
