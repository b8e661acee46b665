/**
 * Configuration from the environment the official SDKs read: each provider's `fromEnv` (their
 * variables, their precedence, errors that name the variable and never the value), and the import
 * into the settings (keys encrypted on disk, configured providers kept unless replaced), through
 * the whole stack against an emulator.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as AiStack from "../../src/layers/AiStack.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import * as ProviderEnv from "../../src/layers/ProviderEnv.js"
import * as Anthropic from "../../src/providers/anthropic/Anthropic.js"
import * as AzureOpenAi from "../../src/providers/azure-openai/AzureOpenAi.js"
import * as Cloudflare from "../../src/providers/cloudflare/Cloudflare.js"
import * as Gemini from "../../src/providers/gemini/Gemini.js"
import * as Ollama from "../../src/providers/ollama/Ollama.js"
import * as OpenAi from "../../src/providers/openai/OpenAi.js"
import { AiService } from "../../src/services/AiService.js"
import { Settings } from "../../src/services/Settings.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { HttpLive } from "../support/http.js"
import { tempDir } from "../support/tmp.js"

const OPENAI_KEY = "sk-from-env-0123456789abcdefSECRET"

describe("<Provider>.fromEnv", () => {
  it.effect("reads each SDK's variables into the config fields, trimmed", () =>
    Effect.gen(function*() {
      expect(yield* OpenAi.fromEnv({
        OPENAI_API_KEY: ` ${OPENAI_KEY} `,
        OPENAI_BASE_URL: "http://localhost:1234",
        OPENAI_ORG_ID: "org-1",
        OPENAI_PROJECT_ID: "proj_1"
      })).toEqual({ apiKey: OPENAI_KEY, baseUrl: "http://localhost:1234", organization: "org-1", project: "proj_1" })
      expect(yield* Anthropic.fromEnv({ ANTHROPIC_API_KEY: "sk-ant-x", ANTHROPIC_BASE_URL: "https://api.anthropic.com" }))
        .toEqual({ apiKey: "sk-ant-x", baseUrl: "https://api.anthropic.com" })
      expect(yield* Ollama.fromEnv({ OLLAMA_HOST: ":11434" })).toEqual({ baseUrl: ":11434" })
      expect(yield* Cloudflare.fromEnv({ CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef", CLOUDFLARE_API_TOKEN: "cf-token-x" }))
        .toEqual({ accountId: "0123456789abcdef0123456789abcdef", apiToken: "cf-token-x" })
    }))

  it.effect("Gemini: GOOGLE_API_KEY wins over GEMINI_API_KEY, as in @google/genai; a blank one is unset", () =>
    Effect.gen(function*() {
      expect(yield* Gemini.fromEnv({ GOOGLE_API_KEY: "AIza-google", GEMINI_API_KEY: "AIza-gemini" })).toEqual({ apiKey: "AIza-google" })
      expect(yield* Gemini.fromEnv({ GOOGLE_API_KEY: "  ", GEMINI_API_KEY: "AIza-gemini" })).toEqual({ apiKey: "AIza-gemini" })
    }))

  it.effect("Azure: what the caller gives (the deployment) joins the environment and wins over it", () =>
    Effect.gen(function*() {
      const env = { AZURE_OPENAI_API_KEY: "0123456789abcdef0123456789abcdef", AZURE_OPENAI_ENDPOINT: "https://res.openai.azure.com/", OPENAI_API_VERSION: "2024-10-21" }
      const missing = yield* Effect.flip(AzureOpenAi.fromEnv(env))
      expect(missing.field).toBe("deployment")
      const given = yield* AzureOpenAi.fromEnv(env, { deployment: "gpt-4o-mini", apiVersion: "2025-04-01-preview" })
      expect(given).toMatchObject({ deployment: "gpt-4o-mini", apiVersion: "2025-04-01-preview", endpoint: "https://res.openai.azure.com/" })
    }))

  it.effect("a missing field names the variables to set; a bad one the variable it came from, never its value", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(Anthropic.fromEnv({ ANTHROPIC_BASE_URL: "https://api.anthropic.com" }))
      expect([missing._tag, missing.field]).toEqual(["ConfigInvalid", "apiKey"])
      expect(missing.message).toMatch(/set ANTHROPIC_API_KEY$/)
      const bad = yield* Effect.flip(OpenAi.fromEnv({ OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: "ftp://sk-leaky-value.example" }))
      expect(bad.field).toBe("baseUrl")
      expect(bad.message).toMatch(/\(read from OPENAI_BASE_URL\)$/)
      expect(bad.message).not.toContain("sk-leaky-value")
      const none = yield* Effect.flip(Gemini.fromEnv({ PATH: "/usr/bin" }))
      expect(none.field).toBe("(environment)")
      expect(none.message).toContain("none of GOOGLE_API_KEY, GEMINI_API_KEY, GOOGLE_GEMINI_BASE_URL is set")
    }))
})

describe("ProviderEnv.importAll and AiStack.layer({ importEnv })", () => {
  const stackAt = (dir: string, key: ReturnType<typeof Crypto.generateKey>, importEnv?: AiStack.Options["importEnv"]) =>
    AiStack.layer({ databasePath: Path.join(dir, "ai.db"), keyStore: KeyStores.fromKey(key), importEnv }).pipe(Layer.provide(HttpLive))

  it.live("saves what the environment configures (the key encrypted on disk), activates it, and answers through it", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const emu = yield* Emulator.scoped(OpenAiEmulator.protocol, { apiKey: OPENAI_KEY })
      const key = Crypto.generateKey()
      const env = { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: emu.origin, ANTHROPIC_BASE_URL: "https://api.anthropic.com" }
      const context = yield* Layer.build(stackAt(dir, key))
      const report = yield* Effect.provide(ProviderEnv.importAll({ env }), context)
      expect(report.imported).toEqual([{ provider: "openai", from: { apiKey: "OPENAI_API_KEY", baseUrl: "OPENAI_BASE_URL" } }])
      expect(report.invalid).toEqual([{ provider: "anthropic", field: "apiKey", message: expect.stringMatching(/set ANTHROPIC_API_KEY$/) }])
      expect(report.activated).toBe("openai")
      const settings = yield* Effect.provide(Settings, context)
      expect((yield* settings.provider("openai")).secrets).toEqual(["apiKey"])
      // Stored as read: the base without /v1 is kept with it, as settings show it.
      expect((yield* settings.provider("openai")).config).toEqual({ baseUrl: `${emu.origin}/v1` })
      const ai = yield* Effect.provide(AiService, context)
      const answer = yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })
      expect(answer.provider).toBe("openai")
      expect(emu.chatRequests()[0]!.headers["authorization"]).toBe(`Bearer ${OPENAI_KEY}`)

      // Kept unless replaced.
      const again = yield* Effect.provide(ProviderEnv.importAll({ env: { OPENAI_API_KEY: "sk-other-key-000000000000" } }), context)
      expect([again.imported, again.skipped, again.activated]).toEqual([[], ["openai"], undefined])
      yield* settings.saveProvider("openai", { model: "gpt-4o" })
      const replaced = yield* Effect.provide(ProviderEnv.importAll({ env, replace: true }), context)
      expect(replaced.imported.map((i) => i.provider)).toEqual(["openai"])
      // Replaced: exactly what the environment gives (the model set since is gone).
      expect((yield* settings.provider("openai")).config).toEqual({ baseUrl: `${emu.origin}/v1` })

      for (const file of Fs.readdirSync(dir).filter((f) => f.startsWith("ai.db"))) {
        expect(Fs.readFileSync(Path.join(dir, file)).includes(Buffer.from(OPENAI_KEY))).toBe(false)
      }
    })))

  it.live("AiStack.layer({ importEnv }) configures at start; at the next start a stored provider is kept", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const key = Crypto.generateKey()
      yield* Effect.scoped(Effect.gen(function*() {
        const emu = yield* Emulator.scoped(OpenAiEmulator.protocol, { apiKey: OPENAI_KEY })
        const first = yield* Layer.build(stackAt(dir, key, { env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: `${emu.origin}/v1` } }))
        const ai = yield* Effect.provide(AiService, first)
        expect((yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })).provider).toBe("openai")
      }))
      // Another key in the environment: the stored provider (and key) stay, as the settings say.
      const kept = yield* Effect.scoped(Effect.gen(function*() {
        const next = yield* Layer.build(stackAt(dir, key, { env: { OPENAI_API_KEY: "sk-another-key-0000000000" } }))
        const settings = yield* Effect.provide(Settings, next)
        return (yield* settings.provider("openai")).config
      }))
      expect(kept).toEqual({ baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1$/) })
    })))
})
