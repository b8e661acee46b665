/**
 * Anthropic, over the Messages API (`POST {baseUrl}/messages`), with any model id.
 *
 * - Auth: `x-api-key: <key>`, plus `anthropic-version` (a dated API version) and, when set,
 *   `anthropic-beta` (comma-separated beta names).
 * - Body: `model`, the required `max_tokens`, the system prompt as the top-level `system`, one
 *   `user` message; `temperature` only where the API version and the model accept it (see
 *   {@link sendsTemperature}).
 * - Answers: the text is every `text` content block joined (thinking and tool blocks skipped);
 *   `stop_reason` maps to the library's finish reasons. A whole answer asks for the task's
 *   structured answer as a forced tool (`tools` + `tool_choice`); the `tool_use` block's `input`,
 *   as JSON, is then the answer.
 * - Streaming: SSE with named events (`message_start`, `content_block_delta`, `message_delta`,
 *   `ping`, `error` ...), ended by `message_stop` (there is no `[DONE]`). `message_delta` carries
 *   the cumulative output token count.
 * - Errors: `{"type":"error","error":{"type","message","details"?},"request_id"}`, classified by
 *   `error.type` (and `details.error_code` for spend limits) before the HTTP status.
 * - `testConnection` (`GET /models/{model}`) and `listModels` (`GET /models`, paginated) cost
 *   nothing: no message is ever sent to check a key.
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Either, Layer, Redacted, Schema, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import * as PromptProfiles from "../../domain/PromptProfiles.js"
import * as SqlTask from "../../domain/SqlTask.js"
import type { FinishReason, Usage } from "../../domain/SqlTask.js"
import { reply } from "../../domain/Limits.js"
import * as AiProvider from "../../services/AiProvider.js"
import * as ProviderConfig from "../../internal/wire/ProviderConfig.js"
import type * as Sse from "../../internal/wire/Sse.js"
import * as StructuredOutput from "../../internal/wire/StructuredOutput.js"
import * as Wire from "../../internal/wire/Wire.js"

type ConfigInvalid = AiError.ConfigInvalid

/**
 * The model used when the config names none: the current Sonnet, fast and strong at SQL
 * (reviewed on `ModelLifecycle.reviewed`; `claude-sonnet-4-5` was retired on 2026-11-30).
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultModel = "claude-sonnet-5"

/**
 * The public API's base URL.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultBaseUrl = "https://api.anthropic.com/v1"

/**
 * The `anthropic-version` sent when the config names none: the long-standing version, under which
 * every model still accepts a temperature.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultApiVersion = "2023-06-01"

/**
 * The API versions known to this library. Other `YYYY-MM-DD` dates are accepted too, so a newer
 * version can be used without a library update.
 *
 * @since 0.1.0
 * @category Constants
 */
export const apiVersions: ReadonlyArray<string> = ["2023-06-01", "2026-10-21"]

/**
 * The API version from which `temperature`, `top_p` and `top_k` are no longer accepted.
 *
 * @since 0.1.0
 * @category Constants
 */
const samplingRemovedIn = "2026-10-21"

/**
 * How many models one `GET /models` page asks for (the API's maximum). With
 * {@link maxModelPages}, a listing never turns into an endless loop, whatever `has_more` says.
 *
 * @since 0.1.0
 * @category Constants
 */
const modelPageSize = 1000

/**
 * The most `GET /models` pages one listing follows (see {@link modelPageSize}).
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxModelPages = 10

const ApiVersion = ProviderConfig.Name.pipe(
  Schema.filter((v) => apiVersions.includes(v) || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))), {
    message: () => `must be an API version date such as ${apiVersions.join(" or ")}`
  })
)

const BetaName = ProviderConfig.Name.pipe(
  Schema.filter((v) => /^[A-Za-z0-9._-]+$/.test(v), { message: () => "must be a beta name such as context-1m-2025-08-07" })
)

/**
 * Anthropic's configuration. Encoded (JSON) form: `{ apiKey: string, model?, baseUrl?, ... }`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const Config = Schema.Struct({
  /** The API key (`sk-ant-...`). */
  apiKey: ProviderConfig.Secret.annotations({ description: "Your Anthropic API key (sk-ant-...), from console.anthropic.com." }),
  /** Any Messages API model id; defaults to {@link defaultModel}. */
  model: Schema.optionalWith(ProviderConfig.Model("anthropic").annotations({ description: "A Claude model id, such as claude-sonnet-5." }), { default: () => defaultModel }),
  /** The API root; change it for a proxy (plain http only on loopback). */
  baseUrl: Schema.optionalWith(ProviderConfig.BaseUrl({ version: "v1" }).annotations({ description: "Change only for a proxy; /v1 is added when missing." }), { default: () => defaultBaseUrl }),
  /** Sent as `anthropic-version`; defaults to {@link defaultApiVersion}. */
  apiVersion: Schema.optionalWith(ApiVersion.annotations({ description: "The anthropic-version header: 2023-06-01, or 2026-10-21 (no sampling parameters)." }), { default: () => defaultApiVersion }),
  /** Beta features, sent comma-separated as `anthropic-beta`. */
  anthropicBeta: Schema.optional(Schema.Array(BetaName).annotations({ description: "Beta feature names to turn on, as a JSON list." })),
  /** Sampling temperature, 0 to 1; sent only where it is accepted (see {@link sendsTemperature}). */
  temperature: Schema.optional(ProviderConfig.Temperature(1).annotations({ description: "0 to 1; sent only to models that accept it. Unset: the model family's (0 for most models)." })),
  /** The most tokens an answer may use (`max_tokens`, which the API requires). */
  maxTokens: Schema.optionalWith(ProviderConfig.TokenCount.annotations({ description: "The most tokens an answer may use." }), { default: () => 2048 }),
  /** Overrides the detection of models that accept a temperature, for model ids it does not know. */
  temperatureSupported: Schema.optional(Schema.Boolean.annotations({ description: "Whether the model accepts a temperature; detected from known ids otherwise." }))
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
  "anthropic",
  Config
)

/**
 * Whether a model accepts any temperature. Models released up to Claude Opus 4.6 (Claude 2 and 3,
 * and the Opus/Sonnet/Haiku 4.0 to 4.6 ids, dated or not) do; later models (Opus 4.7 and up, the
 * 5 family, and ids this rule does not know) answer any value but the default 1.0 with a 400, so
 * they run at their default.
 *
 * @since 0.1.0
 * @category Models
 */
export const acceptsTemperature = (model: string): boolean => {
  const m = model.trim().toLowerCase()
  return /^claude-(instant|2|3)(\b|[-.])/.test(m) || /^claude-(opus|sonnet|haiku)-4(-[0-6])?(-\d{8})?$/.test(m)
}

/**
 * Whether a request carries `temperature`: never under an API version from
 * {@link samplingRemovedIn} on (the API rejects the field there), otherwise when the model accepts
 * it ({@link acceptsTemperature}, or the config's `temperatureSupported`).
 *
 * @since 0.1.0
 * @category Models
 */
export const sendsTemperature = (config: Pick<Config, "apiVersion" | "model" | "temperatureSupported">): boolean =>
  config.apiVersion < samplingRemovedIn && (config.temperatureSupported ?? acceptsTemperature(config.model))

/**
 * Maps a `stop_reason` to the library's finish reason. `model_context_window_exceeded` is a
 * truncation like `max_tokens`: the answer stopped because no room was left.
 *
 * @since 0.1.0
 * @category Models
 */
const finishReason = (stopReason: string | null | undefined): FinishReason => {
  switch (stopReason) {
    case "end_turn":
    case "stop_sequence":
      return "stop"
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length"
    case "refusal":
      return "content-filter"
    case "tool_use":
      return "tool-calls"
    default:
      return "other"
  }
}

// ---------------------------------------------------------------------------
// Wire shapes
// ---------------------------------------------------------------------------

const Count = Schema.optional(Schema.NullOr(Schema.NonNegativeInt))

const MessageResponse = Schema.Struct({
  model: Schema.optional(Schema.String),
  content: Schema.Array(Schema.Struct({ type: Schema.String, text: Schema.optional(Schema.String), name: Schema.optional(Schema.String), input: Schema.optional(Schema.Unknown) })),
  stop_reason: Schema.optional(Schema.NullOr(Schema.String)),
  usage: Schema.optional(Schema.NullOr(Schema.Struct({
    input_tokens: Count,
    output_tokens: Count,
    cache_read_input_tokens: Schema.optional(Schema.Unknown),
    cache_creation_input_tokens: Schema.optional(Schema.Unknown)
  })))
})

const ModelInfoWire = Schema.Struct({
  id: Schema.String,
  display_name: Schema.optional(Schema.NullOr(Schema.String)),
  max_input_tokens: Schema.optional(Schema.NullOr(Schema.Number)),
  lifecycle: Schema.optional(Schema.NullOr(Schema.String))
})

const ModelPage = Schema.Struct({
  data: Schema.Array(ModelInfoWire),
  has_more: Schema.optional(Schema.NullOr(Schema.Boolean)),
  last_id: Schema.optional(Schema.NullOr(Schema.String))
})

const modelInfo = (m: typeof ModelInfoWire.Type): AiProvider.ModelInfo => ({
  id: m.id,
  ...(m.display_name ? { displayName: m.display_name } : {}),
  ...(typeof m.max_input_tokens === "number" ? { contextWindow: m.max_input_tokens } : {})
})

interface StreamEvent {
  readonly type?: string
  readonly message?: { readonly model?: string; readonly usage?: UsageWire | null }
  readonly delta?: { readonly type?: string; readonly text?: string; readonly stop_reason?: string | null }
  readonly usage?: UsageWire | null
  readonly error?: { readonly type?: unknown } | null
}

interface UsageWire {
  readonly input_tokens?: number | null | undefined
  readonly output_tokens?: number | null | undefined
  readonly cache_read_input_tokens?: unknown
  readonly cache_creation_input_tokens?: unknown
}

interface StreamState {
  model: string
  stopReason: string | null | undefined
  inputTokens: number
  outputTokens: number
  cacheRead: number
  cacheWrite: number
  done: boolean
}

type Counts = Pick<StreamState, "inputTokens" | "outputTokens" | "cacheRead" | "cacheWrite">

// Counters are cumulative totals: a present number replaces, an absent or null one keeps.
const readUsage = (state: Counts, u: UsageWire | null | undefined) => {
  if (!u) return
  state.inputTokens = Wire.tokenCount(u.input_tokens) ?? state.inputTokens
  state.outputTokens = Wire.tokenCount(u.output_tokens) ?? state.outputTokens
  state.cacheRead = Wire.tokenCount(u.cache_read_input_tokens) ?? state.cacheRead
  state.cacheWrite = Wire.tokenCount(u.cache_creation_input_tokens) ?? state.cacheWrite
}

// Anthropic's input_tokens leaves out the tokens read from and written to the prompt cache; the
// usage here counts every input token, as the other providers do, with the cached ones apart.
const usageOf = (counts: Counts): Usage =>
  SqlTask.usage(counts.inputTokens + counts.cacheRead + counts.cacheWrite, counts.outputTokens, {
    cachedInputTokens: counts.cacheRead,
    cacheWriteTokens: counts.cacheWrite
  })

// A whole answer's usage: the same reading as a stream's, from zero.
const usageOfWire = (u: UsageWire | null | undefined): Usage => {
  const counts = { inputTokens: 0, outputTokens: 0, cacheRead: 0, cacheWrite: 0 }
  readUsage(counts, u)
  return usageOf(counts)
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** The HTTP status each error type comes with, for errors that arrive inside a 200 stream. */
const statusOfType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529
}

// An own key only: a type such as "constructor" or "__proto__" must not find Object's members.
const statusOf = (type: unknown): number =>
  typeof type === "string" && Object.hasOwn(statusOfType, type) ? statusOfType[type]! : 500

/** 429 codes for limits that waiting seconds will not lift. */
const spendLimitCodes: ReadonlySet<string> = new Set(["contract_spend_limit_reached", "enforced_spend_limit_reached"])

const str = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)
const obj = (u: unknown): Record<string, unknown> =>
  typeof u === "object" && u !== null ? (u as Record<string, unknown>) : {}

/**
 * Classifies an Anthropic error body (`{"type":"error","error":{"type","message","details"?},
 * "request_id"}`): by `error.type` first, then by what a 400 says (an over-long prompt, an empty
 * credit balance, a bad header), then by HTTP status.
 *
 * @since 0.1.0
 * @internal
 */
const classify = (raw: Wire.ErrorInfo, model: string): AiError.AiError => {
  const envelope = obj(raw.body)
  const e = obj(envelope.error)
  const type = str(e.type)
  const said = str(e.message)
  const errorCode = str(obj(e.details).error_code)
  const code = errorCode ?? type
  // Streams carry no headers: the body's request_id is then the only id there is.
  const info = Wire.withBodyRequestId(raw, envelope.request_id)
  const fields = { ...Wire.common(info, code), message: Wire.describe(info, said, code) }

  switch (type) {
    case "authentication_error":
      return new AiError.AuthenticationError(fields)
    case "permission_error":
      return new AiError.PermissionDenied(fields)
    case "billing_error":
      return new AiError.QuotaExhausted(fields)
    case "not_found_error":
      // An unknown model says so ("model: claude-x"); a path the API does not serve says only
      // "Not Found": the base URL is wrong.
      return /^not found\.?$/i.test((said ?? "").trim())
        ? Wire.routeNotFound(info, "check the base URL", { code })
        : new AiError.ModelNotFound({ ...fields, model })
    case "request_too_large":
      return new AiError.ContextTooLong(fields)
    case "rate_limit_error":
      return errorCode !== undefined && spendLimitCodes.has(errorCode)
        ? new AiError.QuotaExhausted(fields)
        : new AiError.RateLimited({ ...fields, ...(info.retryAfter ? { retryAfter: info.retryAfter } : {}) })
    case "api_error":
    case "overloaded_error":
      return new AiError.ProviderUnavailable(fields)
    case "timeout_error":
      return new AiError.Timeout({ ...fields, phase: "request" })
    case "invalid_request_error":
      return invalidRequest(info, fields, said ?? "")
  }
  if (type === undefined && info.status === 404) {
    return Wire.routeNotFound(info, "check the base URL", { code })
  }
  return Wire.byStatus(info, said, code, model)
}

const invalidRequest = (
  info: Wire.ErrorInfo,
  fields: ReturnType<typeof Wire.common> & { readonly message: string },
  saidInFull: string
): AiError.AiError => {
  const said = Wire.excerpt(saidInFull)
  if (/prompt is too long|exceeds? the (model's )?context|context window/i.test(said)) return new AiError.ContextTooLong(fields)
  if (/credit balance|spend(ing)? limit|usage limits?/i.test(said)) return new AiError.QuotaExhausted(fields)
  // Anthropic names the offending field first: "temperature: Extra inputs are not permitted".
  const field = /^([A-Za-z_][\w.-]*):\s/.exec(said)?.[1]
  if (field === "anthropic-version" || field === "anthropic-beta") {
    return new AiError.ConfigInvalid({
      ...fields,
      field: field === "anthropic-version" ? "apiVersion" : "anthropicBeta",
      reason: `was refused by the API (HTTP ${info.status})`
    })
  }
  return new AiError.InvalidRequest({ ...fields, ...(field ? { field } : {}) })
}

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

/**
 * The environment variables the official `@anthropic-ai/sdk` reads, and the config field each
 * sets.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const environment: ReadonlyArray<ProviderConfig.EnvVariable> = [
  { field: "apiKey", names: ["ANTHROPIC_API_KEY"] },
  { field: "baseUrl", names: ["ANTHROPIC_BASE_URL"] }
]

/**
 * The configuration the environment gives (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`), validated;
 * `env` defaults to `process.env`; `given` fields win over it. A missing or bad field is
 * `ConfigInvalid` naming the variable.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const fromEnv = ProviderConfig.fromEnv<ConfigInput>("anthropic", environment, decodeConfig)

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
      provider: "anthropic",
      secrets: [config.apiKey],
      requestIdHeaders: ["request-id"],
      classify: (info) => classify(info, config.model)
    })
    const headers: Record<string, string> = { accept: "application/json", "anthropic-version": config.apiVersion }
    if (config.anthropicBeta && config.anthropicBeta.length > 0) headers["anthropic-beta"] = config.anthropicBeta.join(",")
    const messagesUrl = `${config.baseUrl}/messages`
    const modelsUrl = `${config.baseUrl}/models`
    const modelUrl = `${modelsUrl}/${yield* Wire.pathSegment("anthropic", "model", config.model)}`
    const profile = PromptProfiles.profileFor("anthropic", config.model)
    const temperature = sendsTemperature(config)
      ? PromptProfiles.temperatureFor(profile, config.temperature)
      : undefined
    // The key stays Redacted until a request is built.
    const authed = (request: HttpClientRequest.HttpClientRequest) =>
      HttpClientRequest.setHeader(request, "x-api-key", Redacted.value(config.apiKey))

    const chatRequest = (request: AiProvider.ChatRequest, stream: boolean) => {
      const body: Record<string, unknown> = {
        model: config.model,
        max_tokens: config.maxTokens,
        ...(request.system !== "" ? { system: request.system } : {}),
        messages: [{ role: "user", content: request.user }]
      }
      if (temperature !== undefined) body.temperature = temperature
      if (stream) body.stream = true
      // A whole answer's structure comes as a forced tool's input; a stream stays text.
      else if (request.answer !== undefined && profile.structured === "tool_use") Object.assign(body, StructuredOutput.anthropicTool(request.answer))
      return HttpClientRequest.post(messagesUrl, { headers }).pipe(
        authed,
        HttpClientRequest.bodyUnsafeJson(body),
        stream ? HttpClientRequest.setHeader("accept", "text/event-stream") : (r) => r
      )
    }

    const complete = (request: AiProvider.ChatRequest) =>
      Effect.map(wire.json(chatRequest(request, false), MessageResponse), ({ requestId, value: r }): AiProvider.ChatCompletion => {
        let text = ""
        for (const block of r.content) if (block.type === "text" && block.text !== undefined) text += block.text
        // The forced tool's input is the structured answer: its JSON is the answer's text.
        const tool = request.answer === undefined ? undefined : r.content.find((b) => b.type === "tool_use" && b.name === request.answer!.name)
        if (tool !== undefined && typeof tool.input === "object" && tool.input !== null) text = JSON.stringify(tool.input)
        return {
          text,
          model: r.model || config.model,
          usage: usageOfWire(r.usage),
          // The forced tool's `tool_use` stop is the answer's normal end.
          finishReason: tool !== undefined && r.stop_reason === "tool_use" ? "stop" : finishReason(r.stop_reason),
          requestId
        }
      })

    const completeStream = (request: AiProvider.ChatRequest) =>
      Stream.unwrap(
        Effect.map(wire.open(chatRequest(request, true)), (response) =>
          events(wire, wire.events(response), config.model, wire.requestId(response.headers)))
      )

    const page = (after: string | undefined) =>
      wire.json(
        authed(HttpClientRequest.get(modelsUrl, {
          headers,
          urlParams: after === undefined ? { limit: String(modelPageSize) } : { limit: String(modelPageSize), after_id: after }
        })),
        ModelPage
      )

    // Retired models stay in the catalogue as a record, but no request can use them.
    const listModels = Effect.gen(function*() {
      const out: Array<AiProvider.ModelInfo> = []
      let after: string | undefined
      for (let n = 0; n < maxModelPages; n++) {
        const { value } = yield* page(after)
        for (const m of value.data) if (m.lifecycle !== "retired") out.push(modelInfo(m))
        const next = value.has_more === true ? (value.last_id ?? value.data[value.data.length - 1]?.id) : undefined
        if (next === undefined) break
        after = next
      }
      return out as ReadonlyArray<AiProvider.ModelInfo>
    })

    // One free GET of the configured model: it checks the key and the model (aliases included)
    // at once. Anthropic checks the key first, so a 404 not_found_error means the key is good.
    const testConnection = AiProvider.connectionTest(
      "anthropic",
      config.model,
      wire.json(authed(HttpClientRequest.get(modelUrl, { headers })), ModelInfoWire).pipe(
        Effect.map(({ value }) =>
          value.lifecycle === "retired"
            ? { modelAvailable: false, details: `Connected, but the model ${config.model} is retired` }
            : {
              modelAvailable: true,
              details: `Connected; the model ${config.model} (${wire.clean(value.display_name ?? value.id, reply.errorTextChars)}) is available`
            }
        ),
        Effect.catchTag("ModelNotFound", () =>
          Effect.succeed({ modelAvailable: false, details: `Connected, but the model ${config.model} is not available to this key` }))
      )
    )

    return AiProvider.make({
      clean: wire.clean,
      provider: "anthropic",
      model: config.model,
      endpoint: messagesUrl, temperature, maxTokens: config.maxTokens, profile,
      complete,
      completeStream,
      testConnection,
      listModels
    })
  })

/**
 * A Messages API SSE body (as `wire.events` reads it) as chat chunks: `text_delta`s, then one `Finish` once `message_stop`
 * arrived. Other delta kinds (thinking, signatures, tool input, citations) and `ping` are skipped
 * without parsing where the event name allows it; an `error` event fails with its classified
 * error; a body that ends before `message_stop` fails with `InvalidResponse`.
 */
const events = (
  wire: Wire.Wire,
  records: Stream.Stream<Sse.SseEvent, AiError.AiError>,
  model: string,
  requestId: string | undefined
): Stream.Stream<AiProvider.ChatChunk, AiError.AiError> =>
  Stream.suspend(() => {
    const state: StreamState = { model, stopReason: undefined, inputTokens: 0, outputTokens: 0, cacheRead: 0, cacheWrite: 0, done: false }
    return Wire.chatStream({
      provider: "anthropic",
      records,
      ended: () => state.done,
      marker: "message_stop",
      requestId: () => requestId,
      read: (event: Sse.SseEvent): Either.Either<Array<AiProvider.ChatChunk>, AiError.AiError> => {
        switch (event.event) {
          case "ping":
          case "content_block_start":
          case "content_block_stop":
            return Either.right([])
        }
        const parsed = Wire.parseJson("anthropic", event.data, requestId)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        const e = parsed.right as StreamEvent | null
        if (e === null || typeof e !== "object") return Either.right([])
        // Unnamed events (a proxy that drops `event:` lines) still carry their type in the data.
        const type = event.event === "message" ? e.type : event.event
        switch (type) {
          case "content_block_delta": {
            const text = e.delta?.type === "text_delta" ? e.delta.text : undefined
            return Either.right(typeof text === "string" && text !== "" ? [{ _tag: "Delta", text }] : [])
          }
          case "message_start":
            if (typeof e.message?.model === "string" && e.message.model !== "") state.model = e.message.model
            readUsage(state, e.message?.usage)
            return Either.right([])
          case "message_delta":
            if (e.delta?.stop_reason) state.stopReason = e.delta.stop_reason
            readUsage(state, e.usage)
            return Either.right([])
          case "message_stop":
            state.done = true
            return Either.right([])
          case "error":
            return Either.left(wire.inBand(statusOf(e.error?.type), e, requestId, event.data))
          default:
            return Either.right([])
        }
      },
      finish: () =>
        state.done
          ? {
            _tag: "Finish",
            model: state.model,
            usage: usageOf(state),
            finishReason: finishReason(state.stopReason),
            requestId
          }
          : undefined
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
