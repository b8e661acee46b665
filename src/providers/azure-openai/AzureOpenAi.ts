/**
 * Azure OpenAI: chat completions on a *deployment*, over either of Azure's two URL families,
 * which `apiVersion` picks:
 *
 * - **v1** (`v1`, the default, or `preview`): the OpenAI API on the resource,
 *   `POST {endpoint}/openai/v1/chat/completions` with the deployment as the body's `model`;
 *   `api-version` is sent only as `preview` (`v1` is what its absence means). GA since August 2025.
 * - **Dated** (`YYYY-MM-DD`, `YYYY-MM-DD-preview`):
 *   `POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version={apiVersion}`;
 *   the deployment in the URL picks the model, so the body has none.
 *
 * - Endpoint: the resource's origin, on `*.openai.azure.com`, `*.cognitiveservices.azure.com` or
 *   Foundry's `*.services.ai.azure.com`, however it was pasted (`/`, `/openai`, `/openai/v1/`); a
 *   pasted `/openai/v1` means the v1 API. It is kept normalized to the origin (plus any proxy path).
 * - Auth: `api-key: <key>` (what the portal's "Keys and Endpoint" page gives, and what the
 *   official `AzureOpenAI` client sends), on both families.
 * - Answers report the base model (`gpt-4o-2024-11-20`), which becomes the result's `meta.model`.
 * - The body is OpenAI's Chat Completions body, limited to what the `api-version` accepts (see
 *   {@link supports}): GA `2024-10-21` and older know neither `max_completion_tokens` nor
 *   `stream_options`; v1 knows both.
 * - Prompt, temperature (0 for SQL unless the user set one) and structured output follow the
 *   deployment's family (`PromptProfiles`, with `reasoning` from the config); a whole answer asks
 *   for the task's structured answer with `response_format` (`json_schema`, strict) where the
 *   `api-version` takes it (v1, GA `2024-10-21`, previews from `2024-08-01`).
 * - Streaming: SSE ended by `data: [DONE]`; the first chunk usually carries only
 *   `prompt_filter_results` with `choices: []` and `model: ""`.
 * - Errors: `{"error":{"code","message",...}}`, content-filter details under `innererror`
 *   (classic) or `inner_error` (newer); request ids in `apim-request-id` / `x-request-id`.
 * - `testConnection` sends a one-token chat to the deployment (the data plane cannot list
 *   deployments); `listModels` lists the resource's *base models* (`GET /openai/v1/models`, or
 *   `GET /openai/models?api-version=...` on the dated family).
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import * as AiError from "../../domain/AiError.js"
import * as PromptProfiles from "../../domain/PromptProfiles.js"
import { reply } from "../../domain/Limits.js"
import * as AiProvider from "../../services/AiProvider.js"
import * as OpenAiWire from "../../internal/wire/OpenAiWire.js"
import * as ProviderConfig from "../../internal/wire/ProviderConfig.js"
import * as Wire from "../../internal/wire/Wire.js"

/**
 * The latest dated GA `api-version` (it lacks `max_completion_tokens` and `stream_options`).
 *
 * @since 0.1.0
 * @category Constants
 */
export const latestGaApiVersion = "2024-10-21"

/**
 * The latest dated preview `api-version`: it takes `max_completion_tokens` (reasoning
 * deployments) and `stream_options` (token usage in streams).
 *
 * @since 0.1.0
 * @category Constants
 */
export const latestPreviewApiVersion = "2025-04-01-preview"

/**
 * The `api-version` a config without one gets: `v1`, the v1 API (GA since August 2025), which
 * Microsoft recommends and which takes every body field this library sends.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultApiVersion = "v1"

/**
 * Whether an `api-version` is one of the v1 API's (`v1`, or `preview` for its preview features)
 * rather than a dated one: it decides the URL family.
 *
 * @since 0.1.0
 * @category Versions
 */
export const isV1 = (apiVersion: string): boolean => {
  const v = apiVersion.trim()
  return v === "v1" || v === "preview"
}

/**
 * What an `api-version` accepts in a chat body.
 *
 * @since 0.1.0
 * @category Versions
 */
export interface ApiVersionSupport {
  /** `max_completion_tokens`, which reasoning (o-series, gpt-5) deployments require. */
  readonly maxCompletionTokens: boolean
  /** `stream_options.include_usage`, the only way to get token usage in a stream. */
  readonly streamUsage: boolean
  /** `response_format` with a `json_schema` (structured outputs): `2024-08-01-preview` on, GA `2024-10-21` on, v1. */
  readonly structuredOutput: boolean
}

const DATED = /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(-preview)?$/

/**
 * What an `api-version` accepts. The v1 API (`v1`, `preview`) takes both fields. For dated
 * versions, Microsoft's changelog adds `max_completion_tokens` and `stream_options` in
 * `2024-09-01-preview`; the GA `2024-10-21` spec has neither (only `max_tokens`). So: previews
 * from `2024-09-01` on have both, GA versions up to `2024-10-21` have neither, and a GA version
 * dated later is assumed to include what the previews before it introduced. Anything else
 * supports nothing.
 *
 * @since 0.1.0
 * @category Versions
 */
export const supports = (apiVersion: string): ApiVersionSupport => {
  if (isV1(apiVersion)) return { maxCompletionTokens: true, streamUsage: true, structuredOutput: true }
  const m = DATED.exec(apiVersion.trim())
  const date = m?.[1]
  const preview = m?.[2] !== undefined
  const has = date === undefined ? false : preview ? date >= "2024-09-01" : date > latestGaApiVersion
  const structuredOutput = date === undefined ? false : preview ? date >= "2024-08-01" : date >= latestGaApiVersion
  return { maxCompletionTokens: has, streamUsage: has, structuredOutput }
}

// The endpoint as the portal shows it (`https://myres.openai.azure.com/`); a pasted `/openai`
// suffix is dropped because the client appends `/openai/...` itself.
const Resource = ProviderConfig.BaseUrl({ dropSuffix: "openai" })

// The v1 API's base URL as Microsoft's samples give it (`https://myres.openai.azure.com/openai/v1/`),
// once read by `Resource` (which keeps the `v1`).
const V1_SUFFIX = /\/openai\/v1$/i

// A request URL rather than an endpoint: the portal's "Target URI"
// (`.../openai/deployments/{deployment}/chat/completions?api-version=...`) or the like.
const REQUEST_URL = /\/openai\/deployments(?:\/|$)|\/chat\/completions\/?(?:[?#]|$)|[?&]api-version=/i

// Whether an endpoint was pasted as the v1 API's base URL (false for anything `Resource` refuses).
const pastedAsV1 = (endpoint: unknown): boolean =>
  typeof endpoint === "string" &&
  Option.exists(Schema.decodeUnknownOption(Resource)(endpoint), (url) => V1_SUFFIX.test(url))

const Endpoint = Schema.String.pipe(
  // Taking a Target URI apart would be easy, but only `endpoint` is stored as read: the
  // deployment and api-version in it would be lost. So say what goes where instead.
  Schema.filter((s) =>
    !REQUEST_URL.test(s) ||
    "is a request URL (such as the portal's Target URI), not the resource endpoint: give only its origin (https://<resource>.openai.azure.com), and the deployment and apiVersion as settings of their own"
  ),
  Schema.compose(Resource),
  Schema.compose(Schema.transform(Schema.String, Schema.String, {
    strict: true,
    decode: (url) => url.replace(V1_SUFFIX, ""),
    encode: (url) => url
  }))
)

// Deployment names go into the URL path unencoded: allow only what Azure allows in a name
// (letters, digits, `.`, `_`, `-`), starting with a letter or digit so `.`/`..` cannot traverse.
const Deployment = ProviderConfig.Name.pipe(
  Schema.filter((s) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s), {
    message: () => "must be a deployment name: letters, digits, '.', '_' and '-' (at most 64), starting with a letter or digit"
  })
)

const ApiVersion = Schema.Trim.pipe(
  Schema.filter((s) => isV1(s) || DATED.test(s), {
    message: () => `must be v1, preview, or a dated API version such as ${latestGaApiVersion} or ${latestPreviewApiVersion}`
  })
)

const Fields = Schema.Struct({
  /**
   * The resource endpoint, such as `https://myres.openai.azure.com` (plain http only on
   * loopback), stored without a pasted `/openai` or `/openai/v1`.
   */
  endpoint: Endpoint.annotations({ description: "Your resource's endpoint, such as https://myres.openai.azure.com (Keys and Endpoint page)." }),
  /** One of the resource's two keys, sent as `api-key`. */
  apiKey: ProviderConfig.Secret.annotations({ description: "One of the resource's two keys, from the Keys and Endpoint page." }),
  /** The deployment name chosen when the model was deployed (not the model name). */
  deployment: Deployment.annotations({ description: "The deployment name chosen when the model was deployed (not the model name)." }),
  /**
   * `v1` (the default) or `preview` for the v1 API; a dated `YYYY-MM-DD` or `YYYY-MM-DD-preview`
   * for the dated one. It picks the URL family and which body fields may be sent.
   */
  apiVersion: Schema.optionalWith(ApiVersion.annotations({ description: "v1 (default) or preview, or a dated version such as 2024-10-21." }), { default: () => defaultApiVersion }),
  /** Sampling temperature, 0 to 2; not sent to reasoning deployments. */
  temperature: Schema.optional(ProviderConfig.Temperature(2).annotations({ description: "0 to 2; lower is more predictable. Reasoning deployments ignore it. Unset: the model family's (0 for most models)." })),
  /** The most tokens an answer may use; default 2,048, or 16,384 for a reasoning model (its reasoning counts too). */
  maxTokens: Schema.optional(ProviderConfig.TokenCount.annotations({ description: "The most tokens an answer may use: 2,048 by default, 16,384 for reasoning deployments." })),
  /**
   * Whether the deployment runs a reasoning model (o-series, gpt-5): it then gets
   * `max_completion_tokens`, the `developer` role and no temperature. A deployment's name says
   * nothing reliable about its model, so this is never guessed.
   */
  reasoning: Schema.optional(Schema.Boolean.annotations({ description: "Turn on when the deployment runs a reasoning model (o-series, gpt-5)." }))
}).pipe(
  Schema.filter((c) =>
    c.reasoning === true && !supports(c.apiVersion).maxCompletionTokens
      ? {
        path: ["apiVersion"],
        message:
          `does not accept max_completion_tokens, which reasoning deployments need; use v1, or ${latestPreviewApiVersion} or another preview from 2024-09-01 on`
      }
      : undefined
  )
)

// An endpoint pasted as `.../openai/v1` says which API it is for, and normalizing drops that, so
// it is compared with the api-version before: the two disagreeing is a mistake, not a choice.
const Pasted = Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
  Schema.filter((c) =>
    pastedAsV1(c.endpoint) && typeof c.apiVersion === "string" && DATED.test(c.apiVersion.trim())
      ? {
        path: ["apiVersion"],
        message:
          "is a dated version, but the endpoint ends in /openai/v1, the v1 API's address: leave apiVersion out (or set v1 or preview) for the v1 API, or drop /openai/v1 from the endpoint for the dated one"
      }
      : undefined
  )
)

/**
 * Azure OpenAI's configuration. Encoded (JSON) form:
 * `{ endpoint, apiKey, deployment, apiVersion?, temperature?, maxTokens?, reasoning? }`.
 *
 * - `endpoint` may be pasted in any of the portal's and SDKs' forms (`https://myres.openai.azure.com`,
 *   with `/`, `/openai` or `/openai/v1/`, on `*.openai.azure.com`, `*.cognitiveservices.azure.com`
 *   or `*.services.ai.azure.com`); it decodes to the origin (plus any proxy path).
 * - `apiVersion` defaults to `v1`; a dated one selects the dated URL family. An endpoint pasted
 *   with `/openai/v1` and a dated `apiVersion` disagree: `ConfigInvalid` on `apiVersion`.
 * - A request URL (the portal's "Target URI") is refused with a hint rather than taken apart.
 *
 * @since 0.1.0
 * @category Configuration
 */
// Typed as `Fields`: the check before it reads the input as a loose record, but takes the same JSON.
export const Config = Schema.compose(Pasted, Fields, { strict: false }) as unknown as Schema.Schema<typeof Fields.Type, typeof Fields.Encoded>

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
export const decodeConfig: (input: ConfigInput | unknown) => Effect.Effect<Config, AiError.ConfigInvalid> = ProviderConfig
  .decode("azure-openai", Config)

const ModelList = Schema.Struct({ data: Schema.Array(Schema.Struct({ id: Schema.String })) })

// The categories an Azure content-filter error marks as filtered, under either spelling:
// `innererror.content_filter_result` (classic) or `inner_error.content_filter_results` (newer).
const filteredCategories = (body: unknown): Array<string> => {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error
  const inner = (error?.innererror ?? error?.inner_error) as Record<string, unknown> | undefined
  const results = inner?.content_filter_result ?? inner?.content_filter_results
  if (typeof results !== "object" || results === null) return []
  return Object.entries(results).filter(([, r]) => (r as { filtered?: unknown } | null)?.filtered === true).map(([k]) => k)
}

const said = (body: unknown): string | undefined => {
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message
  return typeof message === "string" ? message : undefined
}

/**
 * The environment variables the official `openai` SDK's `AzureOpenAI` (the deployment is no
 * variable there: give it with the import) reads, and the config field each sets.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const environment: ReadonlyArray<ProviderConfig.EnvVariable> = [
  { field: "apiKey", names: ["AZURE_OPENAI_API_KEY"] },
  { field: "endpoint", names: ["AZURE_OPENAI_ENDPOINT"] },
  { field: "apiVersion", names: ["OPENAI_API_VERSION"] }
]

/**
 * The configuration the environment gives (`AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_ENDPOINT`,
 * `OPENAI_API_VERSION`), validated; `env` defaults to `process.env`; `given` fields win over it. A
 * missing or bad field is `ConfigInvalid` naming the variable.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const fromEnv = ProviderConfig.fromEnv<ConfigInput>("azure-openai", environment, decodeConfig)

/**
 * Builds the provider from a configuration.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (input: ConfigInput): Effect.Effect<AiProvider.Service, AiError.ConfigInvalid, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const config = yield* decodeConfig(input)
    const target = { model: config.deployment, kind: "deployment" } as const
    const classify = (info: Wire.ErrorInfo): AiError.AiError => {
      const error = OpenAiWire.classify(info, target)
      if (error._tag === "ContentFiltered") {
        const categories = filteredCategories(info.body)
        if (categories.length === 0) return error
        const text = `${said(info.body) ?? "The content was filtered."} Filtered categories: ${categories.join(", ")}.`
        return new AiError.ContentFiltered({ ...Wire.common(info, error.code), message: Wire.describe(info, text, error.code) })
      }
      // A 404 that is not DeploymentNotFound ("Resource not found") means the URL is wrong: here
      // that is the endpoint (or an api-version the service does not route), not a `baseUrl`.
      if (error._tag === "ConfigInvalid" && error.field === "baseUrl") {
        return Wire.routeNotFound(info, "check the endpoint and the API version", { field: "endpoint", code: error.code })
      }
      return error
    }
    const wire = yield* Wire.make({
      provider: "azure-openai",
      secrets: [config.apiKey],
      // apim-request-id is the id Azure support asks for; x-request-id is the backend's.
      requestIdHeaders: ["apim-request-id", "x-request-id"],
      classify
    })
    // A deployment's name says nothing reliable about its model: only the config's `reasoning`
    // makes it a reasoning deployment (the name rules still tell small models behind it).
    const profile = PromptProfiles.profileFor("azure-openai", config.deployment, config.reasoning === true)
    const reasoning = profile.family === "reasoning"
    const temperature = reasoning ? undefined : PromptProfiles.temperatureFor(profile, config.temperature)
    const maxTokens = config.maxTokens ?? OpenAiWire.defaultMaxTokens(reasoning)
    const support = supports(config.apiVersion)
    const v1 = isV1(config.apiVersion)
    // The v1 API takes `api-version` only to opt into `preview`: no parameter means `v1`.
    const urlParams: Record<string, string> = config.apiVersion === "v1" ? {} : { "api-version": config.apiVersion }
    const headers = { accept: "application/json" }
    const api = `${config.endpoint}/openai${v1 ? "/v1" : ""}`
    const chatUrl = v1 ? `${api}/chat/completions` : `${api}/deployments/${config.deployment}/chat/completions`
    const modelsUrl = `${api}/models`
    const options = (stream: boolean, maxTokens: number): OpenAiWire.BodyOptions => ({
      // The v1 API names the deployment in the body; the dated one in the URL.
      model: v1 ? config.deployment : undefined,
      reasoning,
      temperature,
      maxTokens,
      // Non-reasoning deployments keep `max_tokens`, which every api-version accepts; reasoning
      // deployments get `max_completion_tokens` (validation guaranteed the version has it).
      tokenField: "max_tokens",
      stream,
      // Without `stream_options` (GA 2024-10-21 and older) a stream carries no usage at all:
      // the Finish chunk then reports zero tokens, which means "unknown", not "free".
      streamUsage: support.streamUsage,
      structured: profile.structured === "response_format" && support.structuredOutput
    })
    const wholeOptions = options(false, maxTokens)
    const streamOptions = options(true, maxTokens)
    // A deployment check must cost next to nothing: one token, no temperature.
    const checkOptions: OpenAiWire.BodyOptions = { ...options(false, 1), temperature: undefined }
    const post = (body: Record<string, unknown>, stream: boolean) =>
      HttpClientRequest.post(chatUrl, { headers, urlParams }).pipe(
        HttpClientRequest.setHeader("api-key", Redacted.value(config.apiKey)),
        HttpClientRequest.bodyUnsafeJson(body),
        stream ? HttpClientRequest.setHeader("accept", "text/event-stream") : (r) => r
      )
    const chatRequest = (request: AiProvider.ChatRequest, stream: boolean) =>
      post(OpenAiWire.body(request, stream ? streamOptions : wholeOptions), stream)

    const listModels = Effect.suspend(() =>
      Effect.map(
        wire.json(
          HttpClientRequest.get(modelsUrl, { headers, urlParams }).pipe(
            HttpClientRequest.setHeader("api-key", Redacted.value(config.apiKey))
          ),
          ModelList
        ),
        // These are the resource's base models, not its deployments (only ARM lists those).
        (r): ReadonlyArray<AiProvider.ModelInfo> => r.value.data.map((m) => ({ id: m.id }))
      )
    )

    const testConnection = AiProvider.connectionTest(
      "azure-openai",
      config.deployment,
      Effect.suspend(() =>
        Effect.map(
          wire.json(post(OpenAiWire.body({ system: "Reply with OK.", user: "ping" }, checkOptions), false), OpenAiWire.Response),
          (r) => ({
            modelAvailable: true,
            details: `Connected; the deployment "${config.deployment}" answered${
              r.value.model ? ` (model ${wire.clean(r.value.model, reply.errorTextChars)})` : ""
            }`
          })
        )
      )
    ).pipe(
      // A missing deployment is a definite answer about the model, not an unknown.
      Effect.map((test) => test.error?._tag === "ModelNotFound" ? { ...test, modelAvailable: false } : test)
    )

    return AiProvider.make({
      clean: wire.clean,
      provider: "azure-openai",
      model: config.deployment,
      endpoint: chatUrl, temperature, maxTokens, profile,
      ...OpenAiWire.chat(wire, "azure-openai", config.deployment, chatRequest),
      testConnection,
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
export const layer = (input: ConfigInput): Layer.Layer<AiProvider.AiProvider, AiError.ConfigInvalid, HttpClient.HttpClient> =>
  Layer.effect(AiProvider.AiProvider, make(input))
