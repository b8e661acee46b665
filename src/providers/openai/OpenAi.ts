/**
 * OpenAI, over Chat Completions (`POST {baseUrl}/chat/completions`), with any model id.
 *
 * - Auth: `Authorization: Bearer <key>`, plus `OpenAI-Organization` / `OpenAI-Project` when set.
 * - Reasoning models (o-series, GPT-5 except `*-chat*`) get `max_completion_tokens`, the
 *   `developer` role and no temperature; other models get `max_tokens` (which every
 *   OpenAI-compatible server understands) and the temperature the user set, else the profile's
 *   (0 for SQL; see `PromptProfiles`).
 * - Whole answers ask for the task's structured answer with `response_format` (`json_schema`,
 *   strict); streams stay text.
 * - Streaming: SSE with `stream_options.include_usage`, ended by `data: [DONE]`.
 * - `testConnection` and `listModels` use `GET /models`, which costs nothing.
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer, type Redacted, Schema } from "effect"
import type { ConfigInvalid } from "../../domain/AiError.js"
import * as PromptProfiles from "../../domain/PromptProfiles.js"
import * as AiProvider from "../../services/AiProvider.js"
import * as OpenAiWire from "../../internal/wire/OpenAiWire.js"
import * as ProviderConfig from "../../internal/wire/ProviderConfig.js"
import * as Wire from "../../internal/wire/Wire.js"

/**
 * The model used when the config names none: fast, cheap and strong at SQL, and not a reasoning
 * model (so temperature applies and answers start quickly).
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultModel = "gpt-4.1-mini"

/**
 * The public API's base URL.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultBaseUrl = "https://api.openai.com/v1"

/**
 * OpenAI's configuration. Encoded (JSON) form: `{ apiKey: string, model?, baseUrl?, ... }`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const Config = Schema.Struct({
  /** The API key (`sk-...`). */
  apiKey: ProviderConfig.Secret.annotations({ description: "Your OpenAI API key (sk-...), from platform.openai.com/api-keys." }),
  /** Any Chat Completions model id; defaults to {@link defaultModel}. */
  model: Schema.optionalWith(ProviderConfig.Model("openai").annotations({ description: "A Chat Completions model id, such as gpt-4.1-mini or gpt-5-mini." }), { default: () => defaultModel }),
  /** The API root; change it for a proxy or an OpenAI-compatible server (plain http only on loopback). */
  baseUrl: Schema.optionalWith(ProviderConfig.BaseUrl({ version: "v1" }).annotations({ description: "Change only for a proxy or an OpenAI-compatible server; /v1 is added when missing." }), { default: () => defaultBaseUrl }),
  /** Sent as `OpenAI-Organization`. */
  organization: Schema.optional(ProviderConfig.Name.annotations({ description: "Your organization id (org-...), when your key belongs to several." })),
  /** Sent as `OpenAI-Project`. */
  project: Schema.optional(ProviderConfig.Name.annotations({ description: "A project id (proj_...), to bill and limit usage per project." })),
  /** Sampling temperature, 0 to 2; not sent to reasoning models. */
  temperature: Schema.optional(ProviderConfig.Temperature(2).annotations({ description: "0 to 2; lower is more predictable. Reasoning models ignore it. Unset: the model family's (0 for most models)." })),
  /** The most tokens an answer may use; default 2,048, or 16,384 for a reasoning model (its reasoning counts too). */
  maxTokens: Schema.optional(ProviderConfig.TokenCount.annotations({ description: "The most tokens an answer may use: 2,048 by default, 16,384 for reasoning models." })),
  /** Overrides the reasoning-model detection for model ids it does not know. */
  reasoning: Schema.optional(Schema.Boolean.annotations({ description: "Treat the model as a reasoning model (o-series, gpt-5); detected from known ids otherwise." }))
})

/**
 * @since 0.1.0
 * @category Configuration
 */
export type Config = typeof Config.Type

/**
 * What {@link make} and {@link layer} accept: the JSON form, with the key as a string or already
 * `Redacted`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export type ConfigInput = Omit<typeof Config.Encoded, "apiKey"> & { readonly apiKey: string | Redacted.Redacted<string> }

/**
 * Validates a configuration; a bad field is a `ConfigInvalid` naming it.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const decodeConfig: (input: ConfigInput | unknown) => Effect.Effect<Config, ConfigInvalid> = ProviderConfig.decode(
  "openai",
  Config
)

const ModelList = Schema.Struct({
  data: Schema.Array(Schema.Struct({ id: Schema.String, owned_by: Schema.optional(Schema.String) }))
})

/**
 * The environment variables the official `openai` SDK reads, and the config field each sets.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const environment: ReadonlyArray<ProviderConfig.EnvVariable> = [
  { field: "apiKey", names: ["OPENAI_API_KEY"] },
  { field: "baseUrl", names: ["OPENAI_BASE_URL"] },
  { field: "organization", names: ["OPENAI_ORG_ID"] },
  { field: "project", names: ["OPENAI_PROJECT_ID"] }
]

/**
 * The configuration the environment gives (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`,
 * `OPENAI_PROJECT_ID`), validated; `env` defaults to `process.env`; `given` fields win over it. A
 * missing or bad field is `ConfigInvalid` naming the variable.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const fromEnv = ProviderConfig.fromEnv<ConfigInput>("openai", environment, decodeConfig)

/**
 * Builds the provider from a configuration.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (input: ConfigInput): Effect.Effect<AiProvider.Service, ConfigInvalid, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const config = yield* decodeConfig(input)
    const wire = yield* Wire.make({
      provider: "openai",
      secrets: [config.apiKey],
      requestIdHeaders: ["x-request-id"],
      classify: (info) => OpenAiWire.classify(info, { model: config.model, kind: "model" })
    })
    // The family decides the prompt, the temperature and the structured output; `reasoning` in
    // the config overrides the name rules for ids they do not know.
    const profile = PromptProfiles.profileFor("openai", config.model, config.reasoning)
    const reasoning = profile.family === "reasoning"
    const temperature = reasoning ? undefined : PromptProfiles.temperatureFor(profile, config.temperature)
    const maxTokens = config.maxTokens ?? OpenAiWire.defaultMaxTokens(reasoning)
    // The key stays Redacted until a request is built (bearerToken unwraps it there).
    const headers: Record<string, string> = { accept: "application/json" }
    if (config.organization) headers["openai-organization"] = config.organization
    if (config.project) headers["openai-project"] = config.project
    const chatUrl = `${config.baseUrl}/chat/completions`
    const bodyOptions = (stream: boolean): OpenAiWire.BodyOptions => ({
      model: config.model,
      reasoning,
      temperature,
      maxTokens,
      tokenField: "max_tokens",
      stream,
      streamUsage: true,
      structured: profile.structured === "response_format"
    })
    const chatRequest = (request: AiProvider.ChatRequest, stream: boolean) =>
      HttpClientRequest.post(chatUrl, { headers }).pipe(
        HttpClientRequest.bearerToken(config.apiKey),
        HttpClientRequest.bodyUnsafeJson(OpenAiWire.body(request, bodyOptions(stream))),
        stream ? HttpClientRequest.setHeader("accept", "text/event-stream") : (r) => r
      )

    const listModels = Effect.map(
      wire.json(
        HttpClientRequest.get(`${config.baseUrl}/models`, { headers }).pipe(HttpClientRequest.bearerToken(config.apiKey)),
        ModelList
      ),
      (r): ReadonlyArray<AiProvider.ModelInfo> =>
        r.value.data.map((m) => ({ id: m.id, ...(m.owned_by ? { ownedBy: m.owned_by } : {}) }))
    )

    return AiProvider.make({
      clean: wire.clean,
      provider: "openai",
      model: config.model,
      endpoint: chatUrl, temperature, maxTokens, profile,
      ...OpenAiWire.chat(wire, "openai", config.model, chatRequest),
      testConnection: AiProvider.connectionTestByModelList("openai", config.model, listModels),
      listModels
    })
  })

/**
 * The provider as a Layer; needs only an `HttpClient` (`FetchHttpClient.layer` from
 * `@effect/platform`, or any other).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (input: ConfigInput): Layer.Layer<AiProvider.AiProvider, ConfigInvalid, HttpClient.HttpClient> =>
  Layer.effect(AiProvider.AiProvider, make(input))
