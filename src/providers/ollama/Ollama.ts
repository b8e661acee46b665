/**
 * Ollama, over its native chat API (`POST {baseUrl}/api/chat`): a local server (no key, plain
 * http allowed to any host, as Ollama on a LAN box is common) or ollama.com's cloud
 * (`Authorization: Bearer <key>`, https required).
 *
 * - Body: `{model, messages:[system, user], stream, format?, options:{temperature,
 *   num_predict, num_ctx?}, keep_alive?}`. Ollama streams unless told otherwise, so `stream:false`
 *   is always sent for a whole answer. The prompt, temperature and `format` (the task's JSON
 *   Schema, on whole answers) follow the model's family (`PromptProfiles`: small models get short
 *   instructions and a worked example; R1-like models no system prompt and no `format`).
 * - Streaming: NDJSON (`application/x-ndjson`), one object per line: `done:false` lines carry
 *   `message.content`, the last line has `done:true`, `done_reason`, `prompt_eval_count` (input
 *   tokens) and `eval_count` (output tokens). A `{"error":"..."}` line after HTTP 200 fails the
 *   stream; a body that ends before `done:true` is `InvalidResponse`. `message.thinking` is skipped.
 * - Errors: `{"error":"<string>"}`, classified by status and text (`model 'x' not found` is
 *   `ModelNotFound` telling to `ollama pull` it; context-length texts are `ContextTooLong`).
 * - `testConnection`: `GET /api/version`, `GET /api/tags` (is the model installed? a name without
 *   a tag means `:latest`), then `POST /api/show` for the context window. None of them loads the
 *   model. `listModels`: `GET /api/tags`.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Effect, Either, Layer, Option, type Redacted, Schema, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import * as PromptProfiles from "../../domain/PromptProfiles.js"
import type { FinishReason, Usage } from "../../domain/SqlTask.js"
import * as AiProvider from "../../services/AiProvider.js"
import * as ProviderConfig from "../../internal/wire/ProviderConfig.js"
import * as StructuredOutput from "../../internal/wire/StructuredOutput.js"
import * as Messages from "../../internal/wire/Messages.js"
import * as Wire from "../../internal/wire/Wire.js"

/**
 * The model used when the config names none. Ollama has no universal default (its models are
 * whatever was pulled); `llama3.2` (3B) is small, quick on a laptop and what Ollama's own docs
 * pull first. Set `model` to what `ollama list` shows.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultModel = "llama3.2"

/**
 * A local Ollama server's address.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultBaseUrl = "http://localhost:11434"

// Go's time.ParseDuration syntax, which Ollama uses for `keep_alive` strings ("0" alone may omit a unit).
const KeepAlive = Schema.String.pipe(
  Schema.pattern(/^[+-]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/, {
    message: () => "must be a duration such as 5m, 1h30m, 0 (unload at once) or -1m (keep loaded)"
  })
)

const Fields = Schema.Struct({
  /** A model name as `ollama list` shows it (`name[:tag]`, the tag defaults to `latest`); defaults to {@link defaultModel}. */
  model: Schema.optionalWith(ProviderConfig.Name.annotations({ description: "A model you have pulled, as ollama list shows it (name[:tag])." }), { default: () => defaultModel }),
  /** The server's root, without `/api`; plain http is allowed to any host unless `apiKey` is set. */
  baseUrl: Schema.optionalWith(ProviderConfig.BaseUrl({ allowPlainHttp: "any", bareHostPort: 11434, dropSuffix: "api" }).annotations({ description: "Where Ollama runs: http://localhost:11434, or host:port as OLLAMA_HOST takes it." }), { default: () => defaultBaseUrl }),
  /** Only for ollama.com's cloud (sent as `Authorization: Bearer`); a local server takes none. */
  apiKey: Schema.optional(ProviderConfig.Secret.annotations({ description: "Only for ollama.com's cloud models; a local server needs none." })),
  /** The context window to run the model with (`options.num_ctx`); the server's default when unset. */
  contextWindow: Schema.optional(ProviderConfig.TokenCount.annotations({ description: "The context window to run the model with (num_ctx); the server's default when empty." })),
  /** Sampling temperature, 0 to 2 (`options.temperature`). */
  temperature: Schema.optional(ProviderConfig.Temperature(2).annotations({ description: "0 to 2; lower is more predictable. Unset: the model family's (0 for most models)." })),
  /** The most tokens an answer may use (`options.num_predict`). */
  maxTokens: Schema.optionalWith(ProviderConfig.TokenCount.annotations({ description: "The most tokens an answer may use (num_predict)." }), { default: () => 2048 }),
  /** How long the server keeps the model loaded after a call (`keep_alive`, e.g. `10m`, `-1m`). */
  keepAlive: Schema.optional(KeepAlive.annotations({ description: "How long the model stays loaded after a call, such as 10m, 0 or -1m." }))
})

const plainHttpToRemote = (baseUrl: string): boolean => {
  const url = new URL(baseUrl)
  return url.protocol === "http:" && !ProviderConfig.isLoopbackHost(url.hostname)
}

/**
 * Ollama's configuration. Encoded (JSON) form: `{ model?, baseUrl?, apiKey?, contextWindow?,
 * temperature?, maxTokens?, keepAlive? }`. A key is never sent over plain http to another machine:
 * with `apiKey` set, `baseUrl` must be https unless it is loopback.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const Config = Fields.pipe(
  Schema.filter((c) =>
    c.apiKey !== undefined && plainHttpToRemote(c.baseUrl)
      ? { path: ["baseUrl"], message: "must use https when apiKey is set (plain http is allowed only for localhost then)" }
      : undefined
  )
)

/**
 * @since 0.1.0
 * @category Configuration
 */
export type Config = typeof Config.Type

/**
 * What {@link make} and {@link layer} accept: the JSON form, with the key (if any) as a string or
 * already `Redacted`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export type ConfigInput = Omit<typeof Config.Encoded, "apiKey"> & {
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
}

/**
 * Validates a configuration; a bad field is a `ConfigInvalid` naming it.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const decodeConfig: (input: ConfigInput | unknown) => Effect.Effect<Config, AiError.ConfigInvalid> = ProviderConfig.decode(
  "ollama",
  Config
)

// ---------------------------------------------------------------------------
// Wire shapes
// ---------------------------------------------------------------------------

const Counts = {
  prompt_eval_count: Schema.optional(Schema.NonNegativeInt),
  eval_count: Schema.optional(Schema.NonNegativeInt)
}

const ChatResponse = Schema.Struct({
  model: Schema.optional(Schema.String),
  message: Schema.optional(Schema.Struct({ content: Schema.optional(Schema.String) })),
  done_reason: Schema.optional(Schema.String),
  // A proxy may pass an error through with HTTP 200.
  error: Schema.optional(Schema.String),
  ...Counts
})

const Tags = Schema.Struct({
  models: Schema.optionalWith(
    Schema.Array(Schema.Struct({
      name: Schema.String,
      details: Schema.optional(Schema.Struct({
        parameter_size: Schema.optional(Schema.String),
        quantization_level: Schema.optional(Schema.String)
      }))
    })),
    { nullable: true, default: () => [] }
  )
})

const Version = Schema.Struct({ version: Schema.String })

const Show = Schema.Struct({
  model_info: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

interface StreamLine {
  readonly model?: unknown
  readonly message?: { readonly content?: unknown } | null
  readonly done?: unknown
  readonly done_reason?: unknown
  readonly prompt_eval_count?: unknown
  readonly eval_count?: unknown
  readonly error?: unknown
  readonly status?: unknown
}

const count = (u: unknown): number => Wire.tokenCount(u) ?? 0

const usageOf = (r: { readonly prompt_eval_count?: unknown; readonly eval_count?: unknown }): Usage => ({
  inputTokens: count(r.prompt_eval_count),
  outputTokens: count(r.eval_count)
})

// `done_reason` is `stop`, `length`, or `load`/`unload` for calls without messages; servers
// before `done_reason` existed sent only `done:true`, which is a normal stop.
const finishReason = (reason: unknown): FinishReason =>
  reason === undefined || reason === null || reason === "" || reason === "stop"
    ? "stop"
    : reason === "length"
    ? "length"
    : "other"

/**
 * Whether a model name from `/api/tags` is the configured one: names are case-insensitive and a
 * name without a tag means `:latest` (`llama3.2` is `llama3.2:latest`).
 *
 * @since 0.1.0
 * @category Models
 */
export const sameModel = (a: string, b: string): boolean => canonical(a) === canonical(b)

const canonical = (name: string): string => {
  const n = name.trim().toLowerCase()
  // The tag follows the last path segment's colon; a registry host may carry a port colon.
  return n.slice(n.lastIndexOf("/") + 1).includes(":") ? n : `${n}:latest`
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

const pullHint = (model: string, cloud: boolean): string =>
  cloud
    ? `check the model name against the models this account can use (GET /api/tags)`
    : `run \`ollama pull ${model}\` on the Ollama host to download it`

/**
 * Classifies an Ollama error (`{"error":"<string>"}`; statuses 400, 401, 403, 404, 429, 500, 502,
 * 503). Ollama has no error codes: the text decides between kinds sharing a status. Cloud
 * overload messages carry `(ref: <id>)`, kept as the request id.
 *
 * @since 0.1.0
 * @internal
 */
const classify = (info: Wire.ErrorInfo, target: { readonly model: string; readonly cloud: boolean }): AiError.AiError => {
  const body = info.body as { readonly error?: unknown } | undefined
  const said = typeof body === "object" && body !== null && typeof body.error === "string" && body.error !== "" ? body.error : undefined
  // Pattern tests read the start only (see Wire.excerpt).
  const text = Wire.excerpt(said)
  const ref = /\(ref: ([\w.-]+)\)/.exec(text)?.[1]
  const i = Wire.withBodyRequestId(info, ref)
  const fields = { ...Wire.common(i, undefined), message: Wire.describe(i, said) }

  if (i.status === 404) {
    if (/model/i.test(text) && /not found/i.test(text)) {
      return new AiError.ModelNotFound({
        ...fields,
        model: target.model,
        message: Wire.describe(i, `${text.replace(/[.\s]+$/, "")}; ${pullHint(target.model, target.cloud)}`)
      })
    }
    return Wire.routeNotFound(i, "check that the base URL is the Ollama server's root")
  }
  if (/context (?:length|size|window)/i.test(text) && (i.status === 400 || i.status === 413 || i.status >= 500)) {
    return new AiError.ContextTooLong(fields)
  }
  if (/requires more system memory|more memory than is available/i.test(text)) {
    // Retrying cannot help: the model does not fit this host. Another provider may.
    return new AiError.ConfigInvalid({ ...fields, field: "model", reason: "needs more memory than the Ollama host has" })
  }
  if (i.status === 429 && /weekly|monthly/i.test(text)) return new AiError.QuotaExhausted(fields)
  if (i.status === 401) {
    return new AiError.AuthenticationError({
      ...fields,
      message: Wire.describe(i, `${text || "unauthorized"}; ${target.cloud ? "check the apiKey" : "this server wants an API key: set apiKey"}`)
    })
  }
  return Wire.byStatus(i, said, undefined, target.model)
}

// ---------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------

interface StreamState {
  model: string
  reason: unknown
  usage: Usage
  done: boolean
}

const chunks = (
  wire: Wire.Wire,
  lines: Stream.Stream<string, AiError.AiError>,
  model: string,
  requestId: string | undefined
): Stream.Stream<AiProvider.ChatChunk, AiError.AiError> =>
  Stream.suspend(() => {
    const state: StreamState = { model, reason: undefined, usage: { inputTokens: 0, outputTokens: 0 }, done: false }
    return Wire.chatStream({
      provider: "ollama",
      records: lines,
      // Stop reading once `done:true` arrived, whatever the server does with the connection.
      ended: () => state.done,
      marker: "its done:true line",
      requestId: () => requestId,
      read: (line: string): Either.Either<Array<AiProvider.ChatChunk>, AiError.AiError> => {
        if (state.done) return Either.right([])
        const parsed = Wire.parseJson("ollama", line, requestId)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        const c = parsed.right as StreamLine | null
        if (c === null || typeof c !== "object") return Either.right([])
        if (c.error !== undefined) {
          // Ollama writes no status in an error line (its server drops it once the body started);
          // one that does is believed.
          return Either.left(wire.inBand(Wire.errorStatus(c.status, 500), { error: c.error }, requestId, line))
        }
        const text = c.message?.content
        const out: Array<AiProvider.ChatChunk> = typeof text === "string" && text !== "" ? [{ _tag: "Delta", text }] : []
        if (c.done === true) {
          state.done = true
          state.reason = c.done_reason
          state.usage = usageOf(c)
          if (typeof c.model === "string" && c.model !== "") state.model = c.model
        }
        return Either.right(out)
      },
      finish: () =>
        state.done
          ? { _tag: "Finish", model: state.model, usage: state.usage, finishReason: finishReason(state.reason), requestId }
          : undefined
    })
  })

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

const contextLength = (info: Readonly<Record<string, unknown>> | undefined): number | undefined => {
  if (info === undefined) return undefined
  const arch = info["general.architecture"]
  const n = typeof arch === "string" ? info[`${arch}.context_length`] : undefined
  return typeof n === "number" && n > 0 ? n : undefined
}

/**
 * The environment variables Ollama's own clients (`OLLAMA_HOST`, in any of its forms) reads, and
 * the config field each sets.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const environment: ReadonlyArray<ProviderConfig.EnvVariable> = [
  { field: "baseUrl", names: ["OLLAMA_HOST"] }
]

/**
 * The configuration the environment gives (`OLLAMA_HOST`), validated; `env` defaults to
 * `process.env`; `given` fields win over it. A missing or bad field is `ConfigInvalid` naming the
 * variable.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const fromEnv = ProviderConfig.fromEnv<ConfigInput>("ollama", environment, decodeConfig)

/**
 * Builds the provider from a configuration.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (input: ConfigInput): Effect.Effect<AiProvider.Service, AiError.ConfigInvalid, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const config = yield* decodeConfig(input)
    const cloud = config.apiKey !== undefined
    const wire = yield* Wire.make({
      provider: "ollama",
      secrets: config.apiKey === undefined ? [] : [config.apiKey],
      // Ollama sends no request id header; cloud overload errors carry a `(ref: ...)` instead.
      requestIdHeaders: [],
      classify: (info) => classify(info, { model: config.model, cloud }),
      transportHint: (code) =>
        code === "ECONNREFUSED" || code === undefined
          ? `Is Ollama running at ${config.baseUrl}? Start it with \`ollama serve\``
          : code === "ENOTFOUND" || code === "EAI_AGAIN"
          ? "Check the host name in the base URL"
          : undefined
    })

    // Built once: the parts of every request that do not depend on the prompt.
    const authorize = (request: HttpClientRequest.HttpClientRequest) =>
      config.apiKey === undefined ? request : HttpClientRequest.bearerToken(request, config.apiKey)
    const jsonHeaders = { accept: "application/json" }
    const ndjsonHeaders = { accept: "application/x-ndjson" }
    const chatUrl = `${config.baseUrl}/api/chat`
    const profile = PromptProfiles.profileFor("ollama", config.model)
    const temperature = PromptProfiles.temperatureFor(profile, config.temperature)
    const options: Record<string, number> = { num_predict: config.maxTokens }
    if (temperature !== undefined) options.temperature = temperature
    if (config.contextWindow !== undefined) options.num_ctx = config.contextWindow
    const keepAlive = config.keepAlive === undefined ? {} : { keep_alive: config.keepAlive }

    const chatRequest = (request: AiProvider.ChatRequest, stream: boolean) =>
      authorize(HttpClientRequest.post(chatUrl, { headers: stream ? ndjsonHeaders : jsonHeaders })).pipe(
        HttpClientRequest.bodyUnsafeJson({
          model: config.model,
          messages: Messages.messages(request),
          stream,
          // A whole answer's structure is held to the JSON Schema by a grammar; a stream stays text.
          ...(!stream && request.answer !== undefined && profile.structured === "format"
            ? { format: StructuredOutput.ollamaFormat(request.answer) }
            : {}),
          options,
          ...keepAlive
        })
      )

    const get = (path: string) => authorize(HttpClientRequest.get(`${config.baseUrl}${path}`, { headers: jsonHeaders }))

    const listModels = Effect.map(
      wire.json(get("/api/tags"), Tags),
      (r): ReadonlyArray<AiProvider.ModelInfo> =>
        r.value.models.map((m) => {
          const about = [m.details?.parameter_size, m.details?.quantization_level].filter((s) => s !== undefined && s !== "")
          return { id: m.name, ...(about.length > 0 ? { displayName: `${m.name} (${about.join(", ")})` } : {}) }
        })
    )

    // Servers that do not offer /api/version (some proxies) are still checked through /api/tags.
    const version = wire.json(get("/api/version"), Version).pipe(
      Effect.map((r): string | undefined => r.value.version),
      Effect.catchIf((e) => e.status === 404, () => Effect.succeed(undefined))
    )
    const showContext = wire.json(
      authorize(HttpClientRequest.post(`${config.baseUrl}/api/show`, { headers: jsonHeaders })).pipe(
        HttpClientRequest.bodyUnsafeJson({ model: config.model })
      ),
      Show
    ).pipe(
      Effect.map((r) => contextLength(r.value.model_info)),
      Effect.option,
      Effect.map(Option.getOrUndefined)
    )

    const testConnection = AiProvider.connectionTest(
      "ollama",
      config.model,
      Effect.gen(function*() {
        const v = yield* version
        const models = yield* listModels
        const server = v === undefined ? "Connected to Ollama" : `Connected to Ollama ${v}`
        const modelAvailable = models.some((m) => sameModel(m.id, config.model))
        if (!modelAvailable) {
          return {
            modelAvailable,
            details: `${server}, but the model ${config.model} is not among its ${models.length} models; ${pullHint(config.model, cloud)}`
          }
        }
        const window = yield* showContext
        const configured = config.contextWindow === undefined ? "" : `, running with ${config.contextWindow}`
        return {
          modelAvailable,
          details: `${server}; ${config.model} is available${window === undefined ? "" : ` (context window ${window} tokens${configured})`}`
        }
      })
    )

    return AiProvider.make({
      clean: wire.clean,
      provider: "ollama",
      model: config.model,
      endpoint: chatUrl, temperature, maxTokens: config.maxTokens, profile,
      // The window the model runs with here (num_ctx) is the prompt's budget, not the table's default.
      contextWindow: config.contextWindow,
      complete: (request) =>
        Effect.flatMap(wire.json(chatRequest(request, false), ChatResponse), ({ requestId, value }) =>
          value.error !== undefined
            ? Effect.fail(wire.inBand(500, { error: value.error }, requestId))
            : Effect.succeed({
              text: value.message?.content ?? "",
              model: value.model || config.model,
              usage: usageOf(value),
              finishReason: finishReason(value.done_reason),
              requestId
            })),
      completeStream: (request) =>
        Stream.unwrap(
          Effect.map(wire.open(chatRequest(request, true)), (response) =>
            chunks(wire, wire.lines(response), config.model, wire.requestId(response.headers)))
        ),
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
