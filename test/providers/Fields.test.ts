/**
 * The settings form's fields come from each provider's config Schema: every field, its kind,
 * whether it is required, its bounds, the default the library really applies, and a help line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as ProviderId from "../../src/domain/ProviderId.js"
import * as ProviderConfig from "../../src/internal/wire/ProviderConfig.js"
import { catalog } from "../../src/providers/Catalog.js"
import * as Fields from "../../src/providers/Fields.js"

const KEY = "sk-fields-SECRET-0123456789"

// The smallest valid config of each provider: only its required fields.
const minimal: Readonly<Record<ProviderId.ProviderId, Record<string, unknown>>> = {
  cloudflare: { accountId: "0123456789abcdef0123456789abcdef", apiToken: KEY },
  openai: { apiKey: KEY },
  ollama: {},
  anthropic: { apiKey: KEY },
  "azure-openai": { endpoint: "https://res.openai.azure.com", apiKey: KEY, deployment: "gpt-4o" },
  gemini: { apiKey: KEY }
}

describe("Fields", () => {
  it("labels read as people write them", () => {
    expect(["apiKey", "apiToken", "baseUrl", "accountId", "maxTokens", "apiVersion", "thinkingBudget", "model"].map(Fields.labelOf)).toEqual([
      "API key",
      "API token",
      "Base URL",
      "Account ID",
      "Max tokens",
      "API version",
      "Thinking budget",
      "Model"
    ])
  })

  it.effect("every provider: exactly its config's fields, required ones marked, each with help; defaults are the ones decoding applies", () =>
    Effect.gen(function*() {
      for (const id of ProviderId.all) {
        const entry = catalog[id]
        const fields = entry.fields
        const decoded = (yield* entry.validate(minimal[id])) as Record<string, unknown>
        // Every required field is in the minimal config, and nothing else is required.
        expect([id, fields.filter((f) => f.required).map((f) => f.name).sort()]).toEqual([id, Object.keys(minimal[id]).filter((k) => fields.find((f) => f.name === k)?.required).sort()])
        for (const f of fields) {
          expect([id, f.name, typeof f.help === "string" && f.help.length > 10]).toEqual([id, f.name, true])
          // The provider's words, never the description Effect gives its own schemas.
          expect([id, f.name, f.help]).not.toEqual([id, f.name, expect.stringMatching(/^Redacted\(|^an? (string|number|boolean)$/)])
          expect(f.label.length).toBeGreaterThan(0)
          if (entry.secretFields.includes(f.name)) expect(f.kind).toBe("secret")
          if (f.default !== null) {
            expect([id, f.name, decoded[f.name]]).toEqual([id, f.name, f.default])
            expect(f.placeholder).toBe(String(f.default))
          }
          expect(f.endpoint).toBe(entry.endpointFields.includes(f.name))
        }
        // Every field a decoded config has is described (and none it does not know).
        for (const name of Object.keys(decoded)) expect([id, fields.some((f) => f.name === name)]).toEqual([id, true])
      }
    }))

  it("kinds and bounds follow the Schema: URLs, integers, numbers with their range, booleans, JSON lists", () => {
    const byName = (id: ProviderId.ProviderId) => Object.fromEntries(catalog[id].fields.map((f) => [f.name, f]))
    const openai = byName("openai")
    expect(openai.baseUrl).toMatchObject({ kind: "url", required: false, default: "https://api.openai.com/v1" })
    expect(openai.temperature).toMatchObject({ kind: "number", min: 0, max: 2, default: null })
    expect(openai.maxTokens).toMatchObject({ kind: "integer", min: 1, default: null })
    expect(openai.reasoning).toMatchObject({ kind: "boolean" })
    expect(byName("anthropic").temperature).toMatchObject({ min: 0, max: 1 })
    expect(byName("cloudflare").temperature).toMatchObject({ min: 0, max: 5, default: null })
    expect(byName("cloudflare").accountId).toMatchObject({ kind: "string", required: true, endpoint: true })
    expect(byName("gemini").safetySettings).toMatchObject({ kind: "json" })
    expect(byName("gemini").thinkingBudget).toMatchObject({ kind: "integer", min: -1 })
  })

  it("a field added to a Schema shows up with no UI code: enums, examples, descriptions", () => {
    const Config = Schema.Struct({
      mode: Schema.optionalWith(Schema.Literal("fast", "careful").annotations({ description: "How to answer." }), { default: () => "fast" as const }),
      region: Schema.String.annotations({ description: "Where it runs.", examples: ["eu-west-1"] })
    })
    expect(Fields.fieldsOf(Config, { secretFields: [], endpointFields: ["region"] })).toEqual([
      {
        name: "mode",
        label: "Mode",
        help: "How to answer.",
        kind: "enum",
        required: false,
        default: "fast",
        options: ["fast", "careful"],
        min: null,
        max: null,
        placeholder: "fast",
        endpoint: false
      },
      {
        name: "region",
        label: "Region",
        help: "Where it runs.",
        kind: "string",
        required: true,
        default: null,
        options: null,
        min: null,
        max: null,
        placeholder: "eu-west-1",
        endpoint: true
      }
    ])
  })

  it("a secret's help is the description written on it, required or optional, not Schema.Redacted's \"Redacted(<redacted>)\"", () => {
    const help = (id: ProviderId.ProviderId, name: string) => catalog[id].fields.find((f) => f.name === name)?.help
    expect(help("openai", "apiKey")).toBe("Your OpenAI API key (sk-...), from platform.openai.com/api-keys.")
    expect(help("cloudflare", "apiToken")).toBe("An API token with Workers AI Read and Edit, from dash.cloudflare.com/profile/api-tokens.")
    expect(help("ollama", "apiKey")).toBe("Only for ollama.com's cloud models; a local server needs none.")

    const Config = Schema.Struct({
      apiKey: ProviderConfig.Secret.annotations({ description: "The key." }),
      token: Schema.optional(ProviderConfig.Secret.annotations({ description: "An optional token." })),
      bare: Schema.optional(ProviderConfig.Secret),
      name: Schema.String,
      flag: Schema.optional(Schema.Boolean),
      region: Schema.optional(Schema.String.annotations({ examples: ["eu-west-1"] })),
      tagged: Schema.propertySignature(Schema.String).annotations({ description: "On the signature." })
    })
    const fields = Fields.fieldsOf(Config, { secretFields: ["apiKey", "token", "bare"], endpointFields: [] })
    expect(fields.map((f) => [f.name, f.kind, f.help])).toEqual([
      ["apiKey", "secret", "The key."],
      ["token", "secret", "An optional token."],
      // Nothing written: no help, rather than Effect's generic words for the schema.
      ["bare", "secret", null],
      ["name", "string", null],
      ["flag", "boolean", null],
      ["region", "string", null],
      ["tagged", "string", "On the signature."]
    ])
    // Examples are read where descriptions are: inside an optional field too.
    expect(fields.find((f) => f.name === "region")?.placeholder).toBe("eu-west-1")
  })
})
