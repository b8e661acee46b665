/**
 * Default models and retired ones: every default is current and served by its emulator; a retired
 * id is refused where a config enters (naming the date and the replacement); the emulators refuse
 * it as the real APIs do, even when told to serve it; the README states the same review date.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as ModelLifecycle from "../../src/domain/ModelLifecycle.js"
import * as ProviderId from "../../src/domain/ProviderId.js"
import { catalog } from "../../src/providers/Catalog.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as AnthropicEmulator from "../../src/testing/emulators/AnthropicEmulator.js"
import * as CloudflareEmulator from "../../src/testing/emulators/CloudflareEmulator.js"
import * as GeminiEmulator from "../../src/testing/emulators/GeminiEmulator.js"
import * as OllamaEmulator from "../../src/testing/emulators/OllamaEmulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"

const KEY = "sk-lifecycle-SECRET-0123456789"
const ACCOUNT = "0123456789abcdef0123456789abcdef"

// The smallest valid config of each provider that names a model.
const configWith = (provider: ProviderId.ProviderId, model: string): Record<string, unknown> => {
  switch (provider) {
    case "cloudflare":
      return { accountId: ACCOUNT, apiToken: KEY, model }
    case "azure-openai":
      return { endpoint: "https://res.openai.azure.com", apiKey: KEY, deployment: "gpt-4o", apiVersion: "2024-10-21" }
    case "ollama":
      return { model }
    default:
      return { apiKey: KEY, model }
  }
}

const emulators = {
  openai: OpenAiEmulator.protocol,
  anthropic: AnthropicEmulator.protocol,
  gemini: GeminiEmulator.protocol,
  cloudflare: CloudflareEmulator.protocol,
  ollama: OllamaEmulator.protocol
} as const

describe("ModelLifecycle", () => {
  it("every default model is current, and its emulator serves it first", () => {
    for (const [id, protocol] of Object.entries(emulators) as Array<[keyof typeof emulators, Emulator.Protocol]>) {
      const model = catalog[id].defaultModel!
      expect([id, ModelLifecycle.retirement(id, model)]).toEqual([id, undefined])
      // Ollama lists a pulled model with its tag.
      expect([id, protocol.defaultModels[0]?.replace(/:latest$/, "")]).toEqual([id, model])
    }
  })

  it.effect("a retired id is refused wherever a config enters, naming the date and what to use instead", () =>
    Effect.gen(function*() {
      for (const provider of ProviderId.all) {
        for (const r of ModelLifecycle.retired[provider]) {
          for (const model of [...r.ids, ...(r.prefixes ?? []).map((p) => `${p}0-test`)]) {
            const result = yield* Effect.either(catalog[provider].validate(configWith(provider, model)))
            expect([provider, model, Either.isLeft(result)]).toEqual([provider, model, true])
            if (Either.isLeft(result)) {
              expect(result.left.field).toBe("model")
              expect(result.left.message).toContain(`names ${model}, which the provider retired`)
              if (r.on !== undefined) expect(result.left.message).toContain(r.on)
              expect(result.left.message).toContain(r.replacement)
              expect(result.left.message).not.toContain(KEY)
            }
          }
          // The replacement itself is current.
          expect(ModelLifecycle.retirement(provider, r.replacement)).toBeUndefined()
        }
      }
    }))

  it("names by family: a dated id of a retired family is retired too, a newer one is not", () => {
    expect(ModelLifecycle.retirement("gemini", "gemini-1.5-flash-002")?.replacement).toBeDefined()
    expect(ModelLifecycle.retirement("openai", "gpt-4-32k-0613")).toBeDefined()
    expect(ModelLifecycle.retirement("anthropic", "claude-sonnet-4-6")).toBeUndefined()
    expect(ModelLifecycle.retirement("cloudflare", "@cf/meta/llama-3.1-8b-instruct-fast")).toBeUndefined()
    expect(ModelLifecycle.retirement("cloudflare", "@cf/meta/llama-3.1-8b-instruct")?.on).toBe("2026-05-30")
  })

  describe("the emulators refuse retired models as the real APIs do, even when told to serve them", () => {
    const post = (url: string, headers: Record<string, string>, body: unknown) =>
      Effect.promise(async () => {
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) })
        return { status: response.status, body: await response.json() as any }
      })
    const messages = [{ role: "user", content: "ping" }]

    it.live("OpenAI: 404 model_not_found", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* OpenAiEmulator.make({ apiKey: KEY, models: ["gpt-4.5-preview", "gpt-4.1-mini"] })
        const retired = yield* post(`${emu.baseUrl}/chat/completions`, { authorization: `Bearer ${KEY}` }, { model: "gpt-4.5-preview", messages })
        expect(retired.status).toBe(404)
        expect(retired.body.error.code).toBe("model_not_found")
        const current = yield* post(`${emu.baseUrl}/chat/completions`, { authorization: `Bearer ${KEY}` }, { model: "gpt-4.1-mini", messages })
        expect(current.status).toBe(200)
      })))

    it.live("Anthropic: 404 not_found_error naming the model", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* AnthropicEmulator.make({ apiKey: KEY, models: ["claude-sonnet-4-5", "claude-sonnet-5"] })
        const headers = { "x-api-key": KEY, "anthropic-version": "2023-06-01" }
        const retired = yield* post(`${emu.baseUrl}/messages`, headers, { model: "claude-sonnet-4-5", max_tokens: 16, messages })
        expect(retired.status).toBe(404)
        expect(retired.body.error).toMatchObject({ type: "not_found_error", message: "model: claude-sonnet-4-5" })
        const current = yield* post(`${emu.baseUrl}/messages`, headers, { model: "claude-sonnet-5", max_tokens: 16, messages })
        expect(current.status).toBe(200)
      })))

    it.live("Cloudflare: 400 with code 5007 for DB Toolkit's old default", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* CloudflareEmulator.make({ accountId: ACCOUNT, apiKey: KEY, models: ["@cf/meta/llama-3.1-70b-instruct"] })
        const retired = yield* post(`${emu.baseUrl}/accounts/${ACCOUNT}/ai/run/@cf/meta/llama-3.1-70b-instruct`, { authorization: `Bearer ${KEY}` }, { messages })
        expect(retired.status).toBe(400)
        expect(retired.body.errors[0].code).toBe(5007)
      })))

    it.live("Gemini: 404 NOT_FOUND", () =>
      Effect.scoped(Effect.gen(function*() {
        const emu = yield* GeminiEmulator.make({ apiKey: KEY, models: ["gemini-1.5-flash"] })
        const retired = yield* post(`${emu.baseUrl}/models/gemini-1.5-flash:generateContent`, { "x-goog-api-key": KEY }, {
          contents: [{ role: "user", parts: [{ text: "ping" }] }]
        })
        expect(retired.status).toBe(404)
        expect(retired.body.error.status).toBe("NOT_FOUND")
      })))
  })

  it("the README gives the same review date and the same defaults", () => {
    const readme = Fs.readFileSync(Path.join(import.meta.dirname, "..", "..", "README.md"), "utf8")
    expect(readme).toContain(`reviewed on ${ModelLifecycle.reviewed}`)
    for (const id of ProviderId.all) {
      const model = catalog[id].defaultModel
      if (model !== undefined) expect([id, readme.includes(`\`${model}\``)]).toEqual([id, true])
    }
  })
})
