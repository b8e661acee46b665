/**
 * Cloudflare Workers AI, over its native REST route
 * (`POST {baseUrl}/accounts/{accountId}/ai/run/{model}`), the provider DB Toolkit uses today.
 *
 * - The model id is part of the path, unencoded (`…/ai/run/@cf/meta/llama-3.3-70b-instruct-fp8-fast`): the
 *   live API answers a percent-encoded path (`@cf%2Fmeta%2F…`, as the `cloudflare` SDK sends it)
 *   with 400, code 7000 "No route for that URI".
 * - Auth: `Authorization: Bearer <API token>`.
 * - Body: `{messages:[system, user], max_tokens, temperature, stream,
 *   response_format?}`. `max_tokens` is always sent: the per-model server default (256) cuts SQL
 *   answers off. Prompt, temperature and JSON mode follow the model's family
 *   (`PromptProfiles`); JSON mode (`response_format`, whole answers only) only for the models
 *   Workers AI lists for it, whose `result.response` is then the answer object.
 * - Answers come in Cloudflare's v4 envelope (`{success, errors, messages, result}`); the text is
 *   `result.response`, or `result.choices[0].message.content` for the models that answer in the
 *   OpenAI shape. Usage is `result.usage`.
 * - Streaming: SSE with no envelope, `data: {"response":"…"}` events (or OpenAI-style
 *   `choices[].delta` chunks), usage in the last event, ended by `data: [DONE]`.
 * - Errors: the envelope's `errors[].code` decides first (10000 auth, 5007/3042 model, 3036 daily
 *   allocation, 3040 capacity, 3006/5021 size, 3007 timeout, 5016/5018/… permission, 7003 account
 *   id), then the HTTP status. No rate-limit headers are documented; a `Retry-After` is honoured.
 * - `testConnection` verifies the token (`GET /user/tokens/verify`, falling back to the account's
 *   own `/accounts/{id}/tokens/verify` for account-owned tokens) and looks the model up with
 *   `GET /accounts/{id}/ai/models/search?search=<model>`; `listModels` pages through
 *   `…/ai/models/search?task=Text%20Generation`.
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Either, Layer, type Redacted, Schema, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import * as PromptProfiles from "../../domain/PromptProfiles.js"
import type { FinishReason, Usage } from "../../domain/SqlTask.js"
import * as AiProvider from "../../services/AiProvider.js"
import * as OpenAiWire from "../../internal/wire/OpenAiWire.js"
import * as ProviderConfig from "../../internal/wire/ProviderConfig.js"
import type * as Sse from "../../internal/wire/Sse.js"
import * as StructuredOutput from "../../internal/wire/StructuredOutput.js"
import * as Messages from "../../internal/wire/Messages.js"
import * as Wire from "../../internal/wire/Wire.js"

/**
 * The model used when the config names none (reviewed on `ModelLifecycle.reviewed`): the
 * current Llama 70B. DB Toolkit's `@cf/meta/llama-3.1-70b-instruct` was retired on 2026-05-30,
 * and Cloudflare keeps this `-fp8-fast` variant as its successor.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultModel = "@cf/meta/llama-3.3-70b-instruct-fp8-fast"

/**
 * The public API's base URL.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultBaseUrl = "https://api.cloudflare.com/client/v4"

/**
 * The most pages `listModels` reads from the paginated model search (a safety stop against a
 * server whose pagination never ends).
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxModelPages = 20

const AccountId = ProviderConfig.Name.pipe(
  Schema.filter((s) => /^[A-Za-z0-9]+$/.test(s), {
    message: () => "must be a Cloudflare account id (letters and digits only, as shown in the dashboard)"
  })
)

// The model id goes into the URL path unencoded, so it must not be able to change the route.
const ModelId = ProviderConfig.Model("cloudflare", ProviderConfig.Name.pipe(
  Schema.filter(
    (s) => /^[A-Za-z0-9@][\w@.:+~-]*(?:\/[\w@.:+~-]+)*$/.test(s) && s.split("/").every((seg) => seg !== "." && seg !== ".."),
    { message: () => "must be a Workers AI model id such as @cf/meta/llama-3.3-70b-instruct-fp8-fast" }
  )
))

/**
 * Cloudflare Workers AI's configuration. Encoded (JSON) form:
 * `{ accountId: string, apiToken: string, model?, baseUrl?, temperature?, maxTokens? }`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const Config = Schema.Struct({
  /** The Cloudflare account id (32 hex characters in the dashboard; `CLOUDFLARE_ACCOUNT_ID`). */
  accountId: AccountId.annotations({ description: "Your Cloudflare account id, shown on the Workers AI page of the dashboard." }),
  /** An API token with Workers AI Read and Edit (`CLOUDFLARE_API_TOKEN`). */
  apiToken: ProviderConfig.Secret.annotations({ description: "An API token with Workers AI Read and Edit, from dash.cloudflare.com/profile/api-tokens." }),
  /** A Workers AI text-generation model id; defaults to {@link defaultModel}. */
  model: Schema.optionalWith(ModelId.annotations({ description: "A Workers AI text-generation model, such as @cf/meta/llama-3.3-70b-instruct-fp8-fast." }), { default: () => defaultModel }),
  /** The API root; change it for a proxy (plain http only on loopback). */
  baseUrl: Schema.optionalWith(ProviderConfig.BaseUrl().annotations({ description: "Change only for a proxy such as an AI Gateway." }), { default: () => defaultBaseUrl }),
  /** Sampling temperature, 0 to 5 (Workers AI's range); 0.7 as DB Toolkit sends today. */
  temperature: Schema.optional(ProviderConfig.Temperature(5).annotations({ description: "0 to 5; lower is more predictable. Unset: the model family's (0 for most models)." })),
  /** The most tokens an answer may use; always sent, as the server default (256) is too short. */
  maxTokens: Schema.optionalWith(ProviderConfig.TokenCount.annotations({ description: "The most tokens an answer may use (the server's own default, 256, cuts answers short)." }), { default: () => 2048 })
})

/**
 * @since 0.1.0
 * @category Configuration
 */
export type Config = typeof Config.Type

/**
 * What {@link make} and {@link layer} accept: the JSON form, with the token as a string or
 * already `Redacted`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export type ConfigInput = Omit<typeof Config.Encoded, "apiToken"> & { readonly apiToken: string | Redacted.Redacted<string> }

/**
 * Validates a configuration; a bad field is a `ConfigInvalid` naming it.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const decodeConfig: (input: ConfigInput | unknown) => Effect.Effect<Config, AiError.ConfigInvalid> = ProviderConfig.decode(
  "cloudflare",
  Config
)

// ---------------------------------------------------------------------------
// Wire shapes
// ---------------------------------------------------------------------------

const Envelope = Schema.Struct({
  success: Schema.optional(Schema.Boolean),
  errors: Schema.optional(Schema.Array(Schema.Unknown)),
  result: Schema.optional(Schema.Unknown)
})

const NativeResult = Schema.Struct({
  response: Schema.optional(Schema.Unknown),
  finish_reason: Schema.optional(Schema.NullOr(Schema.String)),
  usage: Schema.optional(Schema.NullOr(Schema.Struct({
    prompt_tokens: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
    completion_tokens: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 })
  })))
})

const PagedModels = Schema.Struct({
  result: Schema.Array(Schema.Struct({
    name: Schema.String,
    properties: Schema.optional(Schema.Array(Schema.Struct({ property_id: Schema.String, value: Schema.Unknown })))
  })),
  result_info: Schema.optional(Schema.Struct({
    page: Schema.optional(Schema.Number),
    per_page: Schema.optional(Schema.Number),
    count: Schema.optional(Schema.Number),
    total_count: Schema.optional(Schema.Number)
  }))
})

const TokenStatus = Schema.Struct({
  result: Schema.Struct({ status: Schema.String })
})

/**
 * Maps a Workers AI finish reason (OpenAI's vocabulary, plus `model_length`) to the library's.
 * None given: `length` when the answer used the whole `max_tokens` budget (native models end
 * there silently), otherwise `stop`.
 *
 * @since 0.1.0
 * @internal
 */
const finishReason = (reason: unknown, usage: Usage, maxTokens: number): FinishReason => {
  if (typeof reason === "string" && reason !== "") return reason === "model_length" ? "length" : OpenAiWire.finishReason(reason)
  return usage.outputTokens >= maxTokens ? "length" : "stop"
}

interface WireUsage {
  readonly prompt_tokens?: unknown
  readonly completion_tokens?: unknown
}

const count = (u: unknown): number => Wire.tokenCount(u) ?? 0
const usageOf = (u: WireUsage | null | undefined): Usage => ({
  inputTokens: count(u?.prompt_tokens),
  outputTokens: count(u?.completion_tokens)
})

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

interface ErrorEntry {
  readonly code?: unknown
  readonly message?: unknown
}

const str = (u: unknown): string | undefined =>
  typeof u === "string" && u !== "" ? u : typeof u === "number" ? String(u) : undefined

// The v4 envelope's `errors` (several at once: 7003 comes with 7000), or an OpenAI-style `error`.
const errorEntries = (body: unknown): ReadonlyArray<ErrorEntry> => {
  if (typeof body !== "object" || body === null) return []
  const b = body as { errors?: unknown; error?: unknown }
  if (Array.isArray(b.errors)) return b.errors.filter((e): e is ErrorEntry => typeof e === "object" && e !== null)
  if (typeof b.error === "object" && b.error !== null) return [b.error as ErrorEntry]
  if (typeof b.error === "string") return [{ message: b.error }]
  return []
}

const AUTH_CODES = new Set(["10000", "1000", "6111"])
const MODEL_CODES = new Set(["5007", "3042"])
const PERMISSION_CODES = new Set(["5016", "5018", "3023", "3041", "5035"])
const CONTEXT_CODES = new Set(["3006", "5021"])
const RATE_CODES = new Set(["971", "10429"])

/**
 * What a failed exchange was for: a chat on the run route (where "no route" means the model path
 * is not served) or the account API (where it means the base URL is wrong).
 *
 * @since 0.1.0
 * @internal
 */
type Route = "run" | "api"

/**
 * Classifies a Cloudflare error: the envelope's codes first, then the HTTP status.
 *
 * @since 0.1.0
 * @internal
 */
const classify = (info: Wire.ErrorInfo, model: string, route: Route): AiError.AiError => {
  const entries = errorEntries(info.body)
  const codes = entries.map((e) => str(e.code)).filter((c): c is string => c !== undefined)
  const code = codes[0]
  const said = entries.map((e) => str(e.message)).filter((m) => m !== undefined).join("; ") || undefined
  const fields = { ...Wire.common(info, code), message: Wire.describe(info, said, code) }
  const has = (set: ReadonlySet<string>) => codes.some((c) => set.has(c))

  if (has(AUTH_CODES)) return new AiError.AuthenticationError(fields)
  if (has(MODEL_CODES)) return new AiError.ModelNotFound({ ...fields, model })
  if (codes.includes("3036")) return new AiError.QuotaExhausted(fields)
  // "Out of capacity" is Cloudflare's side running short, not this client sending too fast.
  if (codes.includes("3040")) return new AiError.ProviderUnavailable(fields)
  if (has(RATE_CODES)) return new AiError.RateLimited({ ...fields, ...(info.retryAfter ? { retryAfter: info.retryAfter } : {}) })
  if (has(CONTEXT_CODES) || /context window limit|maximum context length/i.test(Wire.excerpt(said))) {
    return new AiError.ContextTooLong(fields)
  }
  if (codes.includes("3007")) return new AiError.Timeout({ ...fields, phase: "request" })
  if (has(PERMISSION_CODES)) return new AiError.PermissionDenied(fields)
  if (codes.includes("7003")) {
    return new AiError.ConfigInvalid({
      ...fields,
      field: "accountId",
      reason: "is not an account this token can reach",
      message: Wire.describe(info, "the account id was not found; check accountId", code)
    })
  }
  if (codes.includes("7000")) {
    if (route === "run") {
      return new AiError.ModelNotFound({
        ...fields,
        model,
        message: Wire.describe(info, `no route for the model "${model}" (it is not served on /ai/run)`, code)
      })
    }
    return Wire.routeNotFound(info, "check the base URL", { code })
  }
  // An error reported with HTTP 200 (`success:false`, or an error event mid-stream).
  if (info.status < 400) return new AiError.ProviderUnavailable(fields)
  return Wire.byStatus(info, said, code, model)
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

interface StreamEvent {
  readonly response?: unknown
  readonly finish_reason?: unknown
  readonly usage?: WireUsage | null
  readonly model?: unknown
  readonly choices?: ReadonlyArray<{ delta?: { content?: unknown }; finish_reason?: unknown }>
  readonly success?: unknown
  readonly errors?: unknown
  readonly error?: unknown
}

const isErrorEvent = (c: StreamEvent): boolean =>
  c.success === false || (Array.isArray(c.errors) && c.errors.length > 0) || (c.error !== undefined && c.error !== null)

/**
 * A Workers AI SSE body (as `wire.events` reads it) as chat chunks: the native `response` events and OpenAI-style
 * `choices[].delta` chunks alike, usage from whichever event carries it, then one `Finish` once
 * `[DONE]` arrived. An error event fails with its classified error; a body that ends before
 * `[DONE]` fails with `InvalidResponse`.
 *
 * @since 0.1.0
 * @internal
 */
const chunks = (
  wire: Wire.Wire,
  events: Stream.Stream<Sse.SseEvent, AiError.AiError>,
  model: string,
  maxTokens: number,
  requestId: string | undefined
): Stream.Stream<AiProvider.ChatChunk, AiError.AiError> =>
  Stream.suspend(() => {
    let answeredBy = model
    let finish: unknown
    let usage: Usage = { inputTokens: 0, outputTokens: 0 }
    let done = false
    return Wire.chatStream({
      provider: "cloudflare",
      records: events,
      ended: () => done,
      marker: "[DONE]",
      requestId: () => requestId,
      read: (event: Sse.SseEvent): Either.Either<Array<AiProvider.ChatChunk>, AiError.AiError> => {
        if (event.data === "[DONE]") {
          done = true
          return Either.right([])
        }
        const parsed = Wire.parseJson("cloudflare", event.data, requestId)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        const c = parsed.right as StreamEvent
        if (c === null || typeof c !== "object") return Either.right([])
        if (isErrorEvent(c) || event.event === "error") return Either.left(wire.inBand(200, c, requestId, event.data))
        if (typeof c.model === "string" && c.model !== "") answeredBy = c.model
        if (c.usage) usage = usageOf(c.usage)
        const choice = c.choices?.[0]
        const reason = c.finish_reason ?? choice?.finish_reason
        if (typeof reason === "string" && reason !== "") finish = reason
        const text = typeof c.response === "string" ? c.response : choice?.delta?.content
        return Either.right(typeof text === "string" && text !== "" ? [{ _tag: "Delta", text }] : [])
      },
      finish: () =>
        done
          ? { _tag: "Finish", model: answeredBy, usage, finishReason: finishReason(finish, usage, maxTokens), requestId }
          : undefined
    })
  })

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

/**
 * The environment variables the official `cloudflare` SDK (`CLOUDFLARE_API_TOKEN`,
 * `CLOUDFLARE_BASE_URL`) and Cloudflare's tools (`CLOUDFLARE_ACCOUNT_ID`) reads, and the config
 * field each sets.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const environment: ReadonlyArray<ProviderConfig.EnvVariable> = [
  { field: "accountId", names: ["CLOUDFLARE_ACCOUNT_ID"] },
  { field: "apiToken", names: ["CLOUDFLARE_API_TOKEN"] },
  { field: "baseUrl", names: ["CLOUDFLARE_BASE_URL"] }
]

/**
 * The configuration the environment gives (`CLOUDFLARE_ACCOUNT_ID`, `CLOUDFLARE_API_TOKEN`,
 * `CLOUDFLARE_BASE_URL`), validated; `env` defaults to `process.env`; `given` fields win over it.
 * A missing or bad field is `ConfigInvalid` naming the variable.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const fromEnv = ProviderConfig.fromEnv<ConfigInput>("cloudflare", environment, decodeConfig)

/**
 * Builds the provider from a configuration.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (input: ConfigInput): Effect.Effect<AiProvider.Service, AiError.ConfigInvalid, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const config = yield* decodeConfig(input)
    const wireFor = (route: Route) =>
      Wire.make({
        provider: "cloudflare",
        secrets: [config.apiToken],
        requestIdHeaders: ["cf-ray"],
        classify: (info) => classify(info, config.model, route)
      })
    const run = yield* wireFor("run")
    const api = yield* wireFor("api")

    // URLs and headers are built here once. The token stays Redacted in the config and is put
    // on each request as it is sent (bearerToken unwraps it there).
    const account = `${config.baseUrl}/accounts/${config.accountId}`
    const runUrl = `${account}/ai/run/${config.model}`
    const searchUrl = `${account}/ai/models/search`
    const listQuery = `task=${encodeURIComponent("Text Generation")}`
    const lookupQuery = `search=${yield* Wire.urlComponent("cloudflare", "model", config.model)}`
    const verifyUserUrl = `${config.baseUrl}/user/tokens/verify`
    const verifyAccountUrl = `${account}/tokens/verify`
    const json = { headers: { accept: "application/json" } }
    const sse = { headers: { accept: "text/event-stream" } }
    const get = (url: string) => HttpClientRequest.bearerToken(HttpClientRequest.get(url, json), config.apiToken)

    const profile = PromptProfiles.profileFor("cloudflare", config.model)
    const temperature = PromptProfiles.temperatureFor(profile, config.temperature)
    const chatRequest = (request: AiProvider.ChatRequest, stream: boolean) =>
      HttpClientRequest.post(runUrl, stream ? sse : json).pipe(
        HttpClientRequest.bearerToken(config.apiToken),
        HttpClientRequest.bodyUnsafeJson({
          messages: Messages.messages(request),
          max_tokens: config.maxTokens,
          ...(temperature !== undefined ? { temperature } : {}),
          stream,
          // JSON mode takes no streams; only the models Workers AI lists for it get it.
          ...(!stream && request.answer !== undefined && profile.structured === "response_format"
            ? { response_format: StructuredOutput.cloudflareResponseFormat(request.answer) }
            : {})
        })
      )

    const decodeNative = run.decode(NativeResult)
    const decodeOpenAi = run.decode(OpenAiWire.Response)
    const complete = (request: AiProvider.ChatRequest): Effect.Effect<AiProvider.ChatCompletion, AiError.AiError> =>
      Effect.flatMap(run.json(chatRequest(request, false), Envelope), (exchange) => {
        const { value, requestId } = exchange
        if (value.success === false) {
          return Effect.fail(run.inBand(200, value, requestId))
        }
        const result = value.result
        if (typeof result === "object" && result !== null && Array.isArray((result as { choices?: unknown }).choices)) {
          return Effect.flatMap(decodeOpenAi(result, requestId), (r) =>
            OpenAiWire.completion(run, { ...exchange, value: r }, "cloudflare", config.model))
        }
        return Effect.map(decodeNative(result, requestId), (r): AiProvider.ChatCompletion => {
          const usage = usageOf(r.usage)
          return {
            // In JSON mode `response` is the answer object itself, not text.
            text: typeof r.response === "string"
              ? r.response
              : typeof r.response === "object" && r.response !== null
              ? JSON.stringify(r.response)
              : "",
            model: config.model,
            usage,
            finishReason: finishReason(r.finish_reason, usage, config.maxTokens),
            requestId
          }
        })
      })

    // The v4 model search is paginated; read pages until one comes back short (or the reported
    // total is reached), with a cap so a broken server cannot keep us reading.
    const searchModels = (query: string): Effect.Effect<ReadonlyArray<AiProvider.ModelInfo>, AiError.AiError> => {
      const loop = (page: number, acc: Array<AiProvider.ModelInfo>): Effect.Effect<Array<AiProvider.ModelInfo>, AiError.AiError> =>
        Effect.flatMap(api.json(get(`${searchUrl}?${query}&page=${page}`), PagedModels), ({ value }) => {
          for (const m of value.result) acc.push(modelInfo(m))
          const info = value.result_info
          const total = info?.total_count
          const perPage = info?.per_page
          const more = value.result.length > 0 && page < maxModelPages &&
            (total !== undefined ? acc.length < total : perPage !== undefined && value.result.length >= perPage)
          return more ? loop(page + 1, acc) : Effect.succeed(acc)
        })
      return Effect.suspend(() => loop(1, []))
    }
    const listModels = searchModels(listQuery)

    // `/user/tokens/verify` knows only user-owned tokens; an account-owned token is verified on
    // the account's own route.
    const verifyToken = Effect.flatMap(
      Effect.either(api.json(get(verifyUserUrl), TokenStatus)),
      (user) =>
        Either.isRight(user) || (user.left._tag !== "AuthenticationError" && user.left._tag !== "PermissionDenied")
          ? user
          : Effect.orElse(api.json(get(verifyAccountUrl), TokenStatus), () => Effect.fail(user.left))
    ).pipe(
      Effect.flatMap(({ value, requestId }) =>
        value.result.status === "active"
          ? Effect.void
          : Effect.fail(api.seal(
            new AiError.AuthenticationError({
              provider: "cloudflare",
              message: `Cloudflare Workers AI: the API token is ${value.result.status}, not active`,
              ...(requestId ? { requestId } : {})
            })
          ))
      )
    )
    const testConnection = AiProvider.connectionTest(
      "cloudflare",
      config.model,
      Effect.zipRight(
        verifyToken,
        Effect.map(searchModels(lookupQuery), (found) => {
          const modelAvailable = found.some((m) => m.id === config.model)
          return {
            modelAvailable,
            details: modelAvailable
              ? `Connected; the token is active and ${config.model} is available`
              : `Connected; the token is active, but the model ${config.model} is not in this account's Workers AI catalogue`
          }
        })
      )
    )

    return AiProvider.make({
      clean: run.clean,
      provider: "cloudflare",
      model: config.model,
      endpoint: runUrl, temperature, maxTokens: config.maxTokens, profile,
      complete,
      completeStream: (request) =>
        Stream.unwrap(
          Effect.map(run.open(chatRequest(request, true)), (response) =>
            chunks(run, run.events(response), config.model, config.maxTokens, run.requestId(response.headers)))
        ),
      testConnection,
      listModels
    })
  })

// The value is any JSON: only a number or its digits is read (Number() of an object can throw).
const contextWindowOf = (u: unknown): number => (typeof u === "number" ? u : typeof u === "string" ? Number(u) : Number.NaN)

const modelInfo = (m: (typeof PagedModels.Type)["result"][number]): AiProvider.ModelInfo => {
  const window = contextWindowOf(m.properties?.find((p) => p.property_id === "context_window")?.value)
  return { id: m.name, ...(Number.isInteger(window) && window > 0 ? { contextWindow: window } : {}) }
}

/**
 * The provider as a Layer; needs only an `HttpClient` (`FetchHttpClient.layer` from
 * `@effect/platform`, or any other).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (input: ConfigInput): Layer.Layer<AiProvider.AiProvider, AiError.ConfigInvalid, HttpClient.HttpClient> =>
  Layer.effect(AiProvider.AiProvider, make(input))
