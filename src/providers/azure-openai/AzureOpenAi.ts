/**
 * Azure OpenAI, over the dated data-plane API: chat completions on a *deployment*,
 * `POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version={apiVersion}`.
 *
 * - Auth: `api-key: <key>` (what the portal's "Keys and Endpoint" page gives, and what the
 *   official `AzureOpenAI` client sends).
 * - The deployment picks the model, so the body has no `model`; answers report the base model
 *   (`gpt-4o-2024-11-20`), which becomes the result's `meta.model`.
 * - The body is OpenAI's Chat Completions body, limited to what the chosen `api-version`
 *   accepts (see {@link supports}): GA `2024-10-21` and older know neither
 *   `max_completion_tokens` nor `stream_options`.
 * - Streaming: SSE ended by `data: [DONE]`; the first chunk usually carries only
 *   `prompt_filter_results` with `choices: []` and `model: ""`.
 * - Errors: `{"error":{"code","message",...}}`, content-filter details under `innererror`
 *   (classic) or `inner_error` (newer); request ids in `apim-request-id` / `x-request-id`.
 * - `testConnection` sends a one-token chat to the deployment (the data plane cannot list
 *   deployments); `listModels` lists the resource's *base models* (`GET /openai/models`).
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer, Redacted, Schema } from "effect"
import * as AiError from "../../domain/AiError.js"
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
}

const DATED = /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(-preview)?$/

/**
 * What a dated `api-version` accepts. Microsoft's changelog adds `max_completion_tokens` and
 * `stream_options` in `2024-09-01-preview`; the GA `2024-10-21` spec has neither (only
 * `max_tokens`). So: previews from `2024-09-01` on have both, GA versions up to `2024-10-21`
 * have neither, and a GA version dated later is assumed to include what the previews before it
 * introduced. Anything that is not a dated version supports nothing.
 *
 * @since 0.1.0
 * @category Versions
 */
export const supports = (apiVersion: string): ApiVersionSupport => {
  const m = DATED.exec(apiVersion.trim())
  const date = m?.[1]
  const has = date === undefined ? false : m?.[2] !== undefined ? date >= "2024-09-01" : date > latestGaApiVersion
  return { maxCompletionTokens: has, streamUsage: has }
}

// The endpoint as the portal shows it (`https://myres.openai.azure.com/`); a pasted
// `.../openai` suffix is dropped because the client appends `/openai/...` itself.
const Endpoint = ProviderConfig.BaseUrl({ dropSuffix: "openai" })

// Deployment names go into the URL path unencoded: allow only what Azure allows in a name
// (letters, digits, `.`, `_`, `-`), starting with a letter or digit so `.`/`..` cannot traverse.
const Deployment = ProviderConfig.Name.pipe(
  Schema.filter((s) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s), {
    message: () => "must be a deployment name: letters, digits, '.', '_' and '-' (at most 64), starting with a letter or digit"
  })
)

const ApiVersion = Schema.Trim.pipe(
  Schema.filter((s) => DATED.test(s), {
    message: () => `must be a dated API version such as ${latestGaApiVersion} or ${latestPreviewApiVersion}`
  })
)

/**
 * Azure OpenAI's configuration. Encoded (JSON) form:
 * `{ endpoint, apiKey, deployment, apiVersion, temperature?, maxTokens?, reasoning? }`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const Config = Schema.Struct({
  /** The resource endpoint, such as `https://myres.openai.azure.com` (plain http only on loopback). */
  endpoint: Endpoint,
  /** One of the resource's two keys, sent as `api-key`. */
  apiKey: ProviderConfig.Secret,
  /** The deployment name chosen when the model was deployed (not the model name). */
  deployment: Deployment,
  /** A dated `api-version` (`YYYY-MM-DD` or `YYYY-MM-DD-preview`); it decides which body fields may be sent. */
  apiVersion: ApiVersion,
  /** Sampling temperature, 0 to 2; not sent to reasoning deployments. */
  temperature: Schema.optionalWith(ProviderConfig.Temperature(2), { default: () => 0.2 }),
  /** The most tokens an answer may use; default 2,048, or 16,384 for a reasoning model (its reasoning counts too). */
  maxTokens: Schema.optional(ProviderConfig.TokenCount),
  /**
   * Whether the deployment runs a reasoning model (o-series, gpt-5): it then gets
   * `max_completion_tokens`, the `developer` role and no temperature. A deployment's name says
   * nothing reliable about its model, so this is never guessed.
   */
  reasoning: Schema.optional(Schema.Boolean)
}).pipe(
  Schema.filter((c) =>
    c.reasoning === true && !supports(c.apiVersion).maxCompletionTokens
      ? {
        path: ["apiVersion"],
        message: `does not accept max_completion_tokens, which reasoning deployments need; use ${latestPreviewApiVersion} or another preview from 2024-09-01 on`
      }
      : undefined
  )
)

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
    const reasoning = config.reasoning === true
    const maxTokens = config.maxTokens ?? OpenAiWire.defaultMaxTokens(reasoning)
    const support = supports(config.apiVersion)
    const urlParams = { "api-version": config.apiVersion }
    const headers = { accept: "application/json" }
    const chatUrl = `${config.endpoint}/openai/deployments/${config.deployment}/chat/completions`
    const modelsUrl = `${config.endpoint}/openai/models`
    const options = (stream: boolean, maxTokens: number): OpenAiWire.BodyOptions => ({
      reasoning,
      temperature: config.temperature,
      maxTokens,
      // Non-reasoning deployments keep `max_tokens`, which every api-version accepts; reasoning
      // deployments get `max_completion_tokens` (validation guaranteed the version has it).
      tokenField: "max_tokens",
      stream,
      // Without `stream_options` (GA 2024-10-21 and older) a stream carries no usage at all:
      // the Finish chunk then reports zero tokens, which means "unknown", not "free".
      streamUsage: support.streamUsage
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
      endpoint: chatUrl, temperature: reasoning ? undefined : config.temperature, maxTokens,
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
