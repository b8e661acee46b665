/**
 * Google Gemini, over the Gemini Developer API (`generativelanguage.googleapis.com/v1beta`).
 *
 * - Chat: `POST {baseUrl}/models/{model}:generateContent` with `systemInstruction`, one `user`
 *   turn in `contents`, `generationConfig` and optional `safetySettings`. A tuned model
 *   (`tunedModels/{id}`) has its own resource path: `POST {baseUrl}/tunedModels/{id}:generateContent`.
 * - Auth: the key goes only in the `x-goog-api-key` header, never in `?key=`: a URL ends up in
 *   logs, proxies and HttpClient URL attributes, a header does not.
 * - Streaming: `…:streamGenerateContent?alt=sse`, data-only SSE (Google separates events with
 *   `\r\n\r\n`) with no end marker: the socket just closes. Each event is a whole
 *   `GenerateContentResponse` carrying only the new text, so the end is recognized by the
 *   `finishReason` of the last event; a stream that closes without one was cut short.
 * - Prompt and parameters follow the model's family (`PromptProfiles`): thinking models get the
 *   short prompt and no temperature (Google advises Gemini 3's default), others 0 for SQL unless
 *   the user set one; a whole answer asks for the task's structured answer with
 *   `generationConfig.responseMimeType: "application/json"` and `responseJsonSchema` (streams stay
 *   text); Gemma gets no system instruction and no JSON mode, which the API refuses for it.
 * - Thinking (2.5+ models): `thought: true` parts are skipped; `thoughtsTokenCount` is billed as
 *   output, so it is added to `usage.outputTokens`. Thinking counts against `maxOutputTokens`, so
 *   a thinking model gets a larger default cap (see {@link Config}'s `maxTokens`).
 * - Errors are Google RPC bodies (`{"error":{"code","message","status","details"}}`); the
 *   `details` (`ErrorInfo`, `QuotaFailure`, `RetryInfo`, `BadRequest`) decide the class. A bad
 *   key is HTTP 400 `API_KEY_INVALID`, and a blocked prompt is HTTP 200 with
 *   `promptFeedback.blockReason`.
 * - `testConnection` reads `GET {baseUrl}/models/{model}` (`GET {baseUrl}/tunedModels/{id}` for a
 *   tuned model) and `listModels` pages through `GET {baseUrl}/models`; neither costs tokens.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect, Either, Layer, Redacted, Schema, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import { reply } from "../../domain/Limits.js"
import * as PromptProfiles from "../../domain/PromptProfiles.js"
import { displayName } from "../../domain/ProviderId.js"
import * as SqlTask from "../../domain/SqlTask.js"
import type { FinishReason, Usage } from "../../domain/SqlTask.js"
import * as AiProvider from "../../services/AiProvider.js"
import * as OpenAiWire from "../../internal/wire/OpenAiWire.js"
import * as ProviderConfig from "../../internal/wire/ProviderConfig.js"
import * as StructuredOutput from "../../internal/wire/StructuredOutput.js"
import * as Wire from "../../internal/wire/Wire.js"

/**
 * The model used when the config names none (reviewed on `ModelLifecycle.reviewed`): the current
 * GA Flash model, fast and good at SQL. Google shut 2.0 down on 2026-06-01 and routes 2.5 Flash
 * and Pro to other models since 2026-12-01.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultModel = "gemini-3.5-flash"

/**
 * The Gemini Developer API root, version included (the official SDKs default to `v1beta`).
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultBaseUrl = "https://generativelanguage.googleapis.com/v1beta"

/**
 * The harm categories the Gemini Developer API accepts for text chat
 * (`HARM_CATEGORY_CIVIC_INTEGRITY` is deprecated but still accepted).
 *
 * @since 0.1.0
 * @category Configuration
 */
export const HarmCategory = Schema.Literal(
  "HARM_CATEGORY_HARASSMENT",
  "HARM_CATEGORY_HATE_SPEECH",
  "HARM_CATEGORY_SEXUALLY_EXPLICIT",
  "HARM_CATEGORY_DANGEROUS_CONTENT",
  "HARM_CATEGORY_CIVIC_INTEGRITY"
).annotations({
  // `override`: a union's own message replaces the first member's "must be HARM_CATEGORY_HARASSMENT".
  message: () => ({ message: "must be a Gemini harm category such as HARM_CATEGORY_HARASSMENT", override: true })
})

/**
 * The blocking thresholds of a safety setting.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const HarmBlockThreshold = Schema.Literal(
  "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
  "BLOCK_LOW_AND_ABOVE",
  "BLOCK_MEDIUM_AND_ABOVE",
  "BLOCK_ONLY_HIGH",
  "BLOCK_NONE",
  "OFF"
).annotations({
  message: () => ({ message: "must be one of BLOCK_LOW_AND_ABOVE, BLOCK_MEDIUM_AND_ABOVE, BLOCK_ONLY_HIGH, BLOCK_NONE, OFF", override: true })
})

/**
 * One safety setting, sent as is in `safetySettings`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const SafetySetting = Schema.Struct({ category: HarmCategory, threshold: HarmBlockThreshold })

const TUNED = "tunedModels/"

// `CreateTunedModelRequest.tuned_model_id` in the v1beta protos: it is one path segment, so a
// checked id can never reach another route (`tunedModels/../x`).
const TUNED_ID = /^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/

/** Whether a (decoded) model id is a tuned model's resource name, `tunedModels/{id}`. */
const isTuned = (model: string): boolean => model.startsWith(TUNED)

/**
 * Whether a model thinks by default: Gemini 2.5, 3.x and later, and the `-latest` aliases (which
 * point at current, thinking, models). A tuned model's base is unknown until it is fetched, so it
 * counts as not thinking.
 */
const isThinkingModel = (model: string): boolean => PromptProfiles.isGeminiThinking(model)

/**
 * A Gemini model id. `models/gemini-2.5-flash` (the API's resource name) is accepted and stored
 * as `gemini-2.5-flash`; a tuned model keeps its resource name, `tunedModels/{id}` (`{id}`:
 * lowercase letters, digits and dashes, up to 40 characters). Ids Google retired (see
 * `ModelLifecycle.retired`) are refused.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const ModelId: Schema.Schema<string> = ProviderConfig.Model(
  "gemini",
  Schema.transform(ProviderConfig.Name, Schema.String, {
    strict: true,
    decode: (s) => s.replace(/^models\//, ""),
    encode: (s) => s
  }).pipe(
    Schema.filter((s) => s !== "" || "must name a model after models/"),
    Schema.filter((s) =>
      !isTuned(s) || TUNED_ID.test(s.slice(TUNED.length)) ||
      "must name a tuned model as tunedModels/{id}, the id lowercase letters, digits and dashes (up to 40 characters)"
    )
  )
)

/**
 * Google Gemini's configuration. Encoded (JSON) form: `{ apiKey: string, model?, baseUrl?, ... }`.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const Config = Schema.Struct({
  /** The Gemini API key (`AIza...`), sent as `x-goog-api-key`. */
  apiKey: ProviderConfig.Secret.annotations({ description: "Your Gemini API key (AIza...), from aistudio.google.com/apikey." }),
  /** A Gemini model id (`models/` prefix optional); defaults to {@link defaultModel}. */
  model: Schema.optionalWith(ModelId.annotations({ description: "A Gemini model id such as gemini-3.5-flash, or a tuned model as tunedModels/{id}." }), { default: () => defaultModel }),
  /** The API root including the version; change it for a proxy (plain http only on loopback). */
  baseUrl: Schema.optionalWith(ProviderConfig.BaseUrl({ version: "v1beta" }).annotations({ description: "Change only for a proxy; /v1beta is added when missing." }), { default: () => defaultBaseUrl }),
  /** Sampling temperature, 0 to 2. */
  temperature: Schema.optional(ProviderConfig.Temperature(2).annotations({ description: "0 to 2; lower is more predictable. Unset: the model family's (0 for most models)." })),
  /**
   * `generationConfig.maxOutputTokens`. On 2.5+ thinking models the thinking tokens count against
   * this limit too: a small value can end in `MAX_TOKENS` before any answer text. When unset: 16,384
   * for a thinking model (Gemini 2.5, 3.x and later, unless `thinkingBudget` is 0), else 2,048.
   */
  maxTokens: Schema.optional(ProviderConfig.TokenCount.annotations({ description: "The most tokens an answer may use, thinking included: 2,048 by default, 16,384 for thinking models." })),
  /** Sent as `safetySettings` when given; otherwise the API's defaults apply. */
  safetySettings: Schema.optional(Schema.Array(SafetySetting).annotations({ description: "Safety thresholds per harm category, as a JSON list; Google's defaults when empty." })),
  /**
   * `generationConfig.thinkingConfig.thinkingBudget`: `0` turns thinking off (Flash models), `-1`
   * lets the model decide, a positive number caps the thinking tokens. Thinking tokens are billed
   * as output and, on 2.5 models, count against `maxTokens`.
   */
  thinkingBudget: Schema.optional(
    Schema.Int.pipe(Schema.greaterThanOrEqualTo(-1, { message: () => "must be a whole number of tokens, 0 to turn thinking off or -1 for dynamic" }))
      .annotations({ description: "Tokens the model may think with: 0 turns thinking off, -1 lets it decide." })
  )
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
 * Validates a configuration; a bad field is a `ConfigInvalid` naming it
 * (`safetySettings.0.threshold` for an element of a list).
 *
 * @since 0.1.0
 * @category Configuration
 */
export const decodeConfig: (input: ConfigInput | unknown) => Effect.Effect<Config, AiError.ConfigInvalid> = ProviderConfig.decode(
  "gemini",
  Config
)

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

const Count = Schema.optional(Schema.Number)

/**
 * A `GenerateContentResponse`, as much of it as this library reads. Used for whole answers; stream
 * events, the hot path, are read with plain property checks into the same shape.
 *
 * @since 0.1.0
 * @internal
 */
const GenerateContentResponse = Schema.Struct({
  candidates: Schema.optional(Schema.Array(Schema.Struct({
    content: Schema.optional(Schema.Struct({
      parts: Schema.optional(Schema.Array(Schema.Struct({ text: Schema.optional(Schema.String), thought: Schema.optional(Schema.Boolean) })))
    })),
    finishReason: Schema.optional(Schema.String)
  }))),
  promptFeedback: Schema.optional(Schema.Struct({ blockReason: Schema.optional(Schema.String) })),
  usageMetadata: Schema.optional(Schema.Struct({ promptTokenCount: Count, candidatesTokenCount: Count, thoughtsTokenCount: Count, cachedContentTokenCount: Count })),
  modelVersion: Schema.optional(Schema.String),
  responseId: Schema.optional(Schema.String)
})

// The loose shape both paths read; a decoded `GenerateContentResponse` fits it, and so does any parsed JSON
// once the property reads below check their types.
interface WireResponse {
  readonly candidates?: ReadonlyArray<WireCandidate | null> | null | undefined
  readonly promptFeedback?: { readonly blockReason?: unknown } | null | undefined
  readonly usageMetadata?: {
    readonly promptTokenCount?: unknown
    readonly candidatesTokenCount?: unknown
    readonly thoughtsTokenCount?: unknown
    readonly cachedContentTokenCount?: unknown
  } | null | undefined
  readonly modelVersion?: unknown
  readonly responseId?: unknown
  readonly error?: { readonly code?: unknown } | null | undefined
}

interface WireCandidate {
  readonly content?: { readonly parts?: ReadonlyArray<{ readonly text?: unknown; readonly thought?: unknown } | null> | null | undefined } | null | undefined
  readonly finishReason?: unknown
}

const str = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)
const count = (u: unknown): number => Wire.tokenCount(u) ?? 0

const firstCandidate = (r: WireResponse): WireCandidate | undefined => {
  const c = Array.isArray(r.candidates) ? r.candidates[0] : undefined
  return typeof c === "object" && c !== null ? c : undefined
}

// The answer text of a candidate: every text part except the model's thoughts.
const textOf = (c: WireCandidate | undefined): string => {
  const parts = c?.content?.parts
  if (!Array.isArray(parts)) return ""
  let text = ""
  for (const p of parts) if (typeof p === "object" && p !== null && p.thought !== true && typeof p.text === "string") text += p.text
  return text
}

interface Tokens {
  readonly input: number
  readonly answer: number
  readonly thoughts: number
  readonly cached: number
}

const tokensOf = (u: WireResponse["usageMetadata"]): Tokens | undefined =>
  typeof u === "object" && u !== null
    ? {
      input: count(u.promptTokenCount),
      answer: count(u.candidatesTokenCount),
      thoughts: count(u.thoughtsTokenCount),
      cached: count(u.cachedContentTokenCount)
    }
    : undefined

// Thinking tokens are billed as output, so they are output here too: cost and budget figures
// built on `usage` stay right for thinking models.
// Cached content is part of the prompt's count.
const usageOf = (t: Tokens | undefined): Usage =>
  t === undefined ? SqlTask.usage(0, 0) : SqlTask.usage(t.input, t.answer + t.thoughts, { cachedInputTokens: t.cached, reasoningTokens: t.thoughts })

// Finish reasons that mean the answer was withheld (or cut) by a filter.
const FILTERED: ReadonlySet<string> = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"])

const finishReason = (r: string | undefined): FinishReason => (r === "STOP" ? "stop" : r === "MAX_TOKENS" ? "length" : "other")

const rid = (requestId: string | undefined) => (requestId ? { requestId } : {})

const contentFiltered = (what: "prompt" | "answer", reason: string, requestId: string | undefined) =>
  new AiError.ContentFiltered({
    provider: "gemini",
    status: 200,
    code: reason,
    ...rid(requestId),
    message: `${displayName.gemini}: ${
      what === "prompt" ? "the prompt was blocked" : "the answer was withheld"
    } by Google's content filters (${what === "prompt" ? "blockReason" : "finishReason"} ${reason})`
  })

// A thinking model can spend the whole output budget thinking and answer nothing: say how to fix
// it instead of the generic "no text".
const thoughtsOnly = (finish: string | undefined, wrote: boolean, tokens: Tokens | undefined, requestId: string | undefined) =>
  finish === "MAX_TOKENS" && !wrote && tokens !== undefined && tokens.thoughts > 0
    ? new AiError.InvalidResponse({
      provider: "gemini",
      code: "MAX_TOKENS",
      ...rid(requestId),
      message: `${displayName.gemini}: the model spent all ${
        tokens.answer + tokens.thoughts
      } output tokens thinking and wrote no answer; raise maxTokens or lower thinkingBudget`
    })
    : undefined

// What ends an answer early: a blocked prompt, a filtered answer, a budget spent on thinking.
// `wrote`: whether any answer text arrived (in this response, or earlier in the stream).
const stopped = (r: WireResponse, wrote: boolean, tokens: Tokens | undefined, requestId: string | undefined): AiError.AiError | undefined => {
  const blockReason = str(r.promptFeedback?.blockReason)
  if (blockReason !== undefined) return contentFiltered("prompt", blockReason, requestId)
  const finish = str(firstCandidate(r)?.finishReason)
  if (finish !== undefined && FILTERED.has(finish)) return contentFiltered("answer", finish, requestId)
  return thoughtsOnly(finish, wrote, tokens, requestId)
}

const completion = (
  wire: Wire.Wire,
  exchange: Wire.Exchange<WireResponse>,
  model: string
): Effect.Effect<AiProvider.ChatCompletion, AiError.AiError> => {
  const r = exchange.value
  const requestId = wire.id(r.responseId) ?? exchange.requestId
  const candidate = firstCandidate(r)
  const text = textOf(candidate)
  const tokens = tokensOf(r.usageMetadata)
  // Its code and message carry the reply's blockReason or finishReason.
  const error = stopped(r, text.trim() !== "", tokens, requestId)
  if (error) return Effect.fail(wire.seal(error))
  return Effect.succeed({
    text,
    model: str(r.modelVersion) ?? model,
    usage: usageOf(tokens),
    finishReason: finishReason(str(candidate?.finishReason)),
    requestId
  })
}

interface StreamState {
  model: string
  requestId: string | undefined
  tokens: Tokens | undefined
  finish: string | undefined
  wrote: boolean
}

const streamEvent = (wire: Wire.Wire, state: StreamState) => (u: unknown): Either.Either<Array<AiProvider.ChatChunk>, AiError.AiError> => {
  if (typeof u !== "object" || u === null) return Either.right([])
  const r = u as WireResponse
  const id = wire.id(r.responseId)
  if (id !== undefined) state.requestId = id
  if (typeof r.error === "object" && r.error !== null) {
    return Either.left(wire.inBand(Wire.errorStatus(r.error.code, 500), r, state.requestId))
  }
  const model = str(r.modelVersion)
  if (model !== undefined) state.model = model
  const tokens = tokensOf(r.usageMetadata)
  if (tokens !== undefined) state.tokens = tokens
  const candidate = firstCandidate(r)
  const finish = str(candidate?.finishReason)
  if (finish !== undefined) state.finish = finish
  const text = textOf(candidate)
  if (text.trim() !== "") state.wrote = true
  const error = stopped(r, state.wrote, state.tokens, state.requestId)
  if (error) return Either.left(wire.seal(error))
  return Either.right(text !== "" ? [{ _tag: "Delta", text }] : [])
}

/**
 * A Gemini stream body as chat chunks. The SSE form (`alt=sse`) is read event by event; a server
 * that answers `application/json` instead (the JSON-array form Google uses without `alt=sse`, or
 * a single response such as a blocked prompt) is read whole. The stream ends with one `Finish`
 * only if some event carried a `finishReason`.
 *
 * @since 0.1.0
 * @internal
 */
const chunks = (
  wire: Wire.Wire,
  response: HttpClientResponse.HttpClientResponse,
  model: string
): Stream.Stream<AiProvider.ChatChunk, AiError.AiError> =>
  Stream.suspend(() => {
    const state: StreamState = { model, requestId: wire.requestId(response.headers), tokens: undefined, finish: undefined, wrote: false }
    const read = streamEvent(wire, state)
    const json = (response.headers["content-type"] ?? "").includes("application/json")
    // Each record is a parsed event, or why it could not be parsed.
    const records: Stream.Stream<Either.Either<unknown, AiError.AiError>, AiError.AiError> = json
      ? Stream.flatMap(
        Stream.fromEffect(
          Effect.flatMap(
            wire.text(response),
            (text) => Either.match(Wire.parseJson("gemini", text, state.requestId, "the response body"), { onLeft: Effect.fail, onRight: Effect.succeed })
          )
        ),
        (body) => Stream.map(Stream.fromIterable(Array.isArray(body) ? body : [body]), Either.right)
      )
      : Stream.map(wire.events(response), (event) => Wire.parseJson("gemini", event.data, state.requestId))
    // The stream just closes: it is complete only if some event carried a finishReason.
    return Wire.chatStream({
      provider: "gemini",
      records,
      marker: "the model finished (no finishReason)",
      requestId: () => state.requestId,
      read: (record) => Either.flatMap(record, read),
      finish: () =>
        state.finish !== undefined
          ? { _tag: "Finish", model: state.model, usage: usageOf(state.tokens), finishReason: finishReason(state.finish), requestId: state.requestId }
          : undefined
    })
  })

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

interface RpcError {
  readonly code?: unknown
  readonly message?: unknown
  readonly status?: unknown
  readonly details?: unknown
}

interface RpcDetail {
  readonly "@type"?: unknown
  readonly reason?: unknown
  readonly retryDelay?: unknown
  readonly violations?: ReadonlyArray<{ readonly quotaId?: unknown; readonly quotaMetric?: unknown } | null>
  readonly fieldViolations?: ReadonlyArray<{ readonly field?: unknown } | null>
}

const rpcError = (body: unknown): RpcError | undefined => {
  // The JSON-array form (no `alt=sse`) wraps errors in an array as well.
  const b = Array.isArray(body) ? body[0] : body
  const e = typeof b === "object" && b !== null ? (b as { error?: unknown }).error : undefined
  return typeof e === "object" && e !== null ? e : undefined
}

const detail = (details: ReadonlyArray<RpcDetail>, type: string): RpcDetail | undefined =>
  details.find((d) => typeof d["@type"] === "string" && d["@type"].endsWith(`google.rpc.${type}`))

/**
 * Classifies a Google RPC error body. `code` on the error is the `ErrorInfo` reason when there is
 * one (`API_KEY_INVALID`), otherwise the RPC status (`RESOURCE_EXHAUSTED`).
 *
 * @since 0.1.0
 * @internal
 */
const classify = (info: Wire.ErrorInfo, model: string): AiError.AiError => {
  const e = rpcError(info.body)
  const said = str(e?.message)
  const status = str(e?.status)
  const details = (Array.isArray(e?.details) ? e.details : []).filter((d): d is RpcDetail => typeof d === "object" && d !== null)
  const reason = str(detail(details, "ErrorInfo")?.reason)
  const code = reason ?? status
  const fields = { ...Wire.common(info, code), message: Wire.describe(info, said, code) }
  // Pattern tests read the start only (see Wire.excerpt).
  const text = Wire.excerpt(said)

  if (reason === "API_KEY_INVALID" || reason === "API_KEY_EXPIRED") return new AiError.AuthenticationError(fields)
  // 403 for a request with no key at all, or for a key Google revoked as leaked: a key problem.
  if (/unregistered callers|API key was reported as leaked/i.test(text)) return new AiError.AuthenticationError(fields)
  if (status === "RESOURCE_EXHAUSTED" || info.status === 429) {
    const violations = detail(details, "QuotaFailure")?.violations ?? []
    const daily = violations.some((v) => typeof v === "object" && v !== null && /PerDay/i.test(str(v.quotaId) ?? ""))
    if (daily) return new AiError.QuotaExhausted(fields)
    const retryAfter = Wire.parseSecondsDuration(detail(details, "RetryInfo")?.retryDelay) ?? info.retryAfter
    return new AiError.RateLimited({ ...fields, ...(retryAfter ? { retryAfter } : {}) })
  }
  if (/input token count.*exceeds the maximum/i.test(text)) return new AiError.ContextTooLong(fields)
  // Region not served by the free tier, billing required: the key works, the account may not.
  if (status === "FAILED_PRECONDITION" || status === "PERMISSION_DENIED") return new AiError.PermissionDenied(fields)
  if (status === "NOT_FOUND") return new AiError.ModelNotFound({ ...fields, model })
  if (info.status === 404) {
    // No RPC body: the URL is not an API endpoint at all (Google's HTML 404 page).
    return Wire.routeNotFound(info, "check the base URL", { code })
  }
  if (status === "DEADLINE_EXCEEDED") return new AiError.Timeout({ ...fields, phase: "request" })
  if (status === "INTERNAL" || status === "UNAVAILABLE") return new AiError.ProviderUnavailable(fields)
  if (status === "INVALID_ARGUMENT" || info.status === 400) {
    const field = str(detail(details, "BadRequest")?.fieldViolations?.[0]?.field)
    return new AiError.InvalidRequest({ ...fields, ...(field ? { field } : {}) })
  }
  return Wire.byStatus(info, said, code, model)
}

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

const ModelResource = Schema.Struct({
  name: Schema.String,
  displayName: Schema.optional(Schema.String),
  inputTokenLimit: Schema.optional(Schema.Number),
  supportedGenerationMethods: Schema.optional(Schema.Array(Schema.String))
})

// A tuned model is usable only once tuning is done: `state` ACTIVE (CREATING and FAILED are not).
const TunedModelResource = Schema.Struct({
  name: Schema.String,
  displayName: Schema.optional(Schema.String),
  baseModel: Schema.optional(Schema.String),
  state: Schema.optional(Schema.String)
})

const ModelList = Schema.Struct({
  models: Schema.optionalWith(Schema.Array(ModelResource), { default: () => [] }),
  nextPageToken: Schema.optional(Schema.String)
})

/** 1000 is the most the API returns per page. */
const PAGE_SIZE = "1000"
/** Enough pages for any real catalogue, and a stop for a server that pages forever. */
const MAX_PAGES = 10

// A model with no method list is kept: unknown is not "unsupported".
const chats = (m: typeof ModelResource.Type): boolean =>
  m.supportedGenerationMethods === undefined || m.supportedGenerationMethods.includes("generateContent")

const modelInfo = (m: typeof ModelResource.Type): AiProvider.ModelInfo => ({
  id: m.name.replace(/^models\//, ""),
  ...(m.displayName ? { displayName: m.displayName } : {}),
  ...(m.inputTokenLimit ? { contextWindow: m.inputTokenLimit } : {})
})

/**
 * The environment variables the official `@google/genai` SDK (`GOOGLE_API_KEY` wins when both are
 * set) reads, and the config field each sets.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const environment: ReadonlyArray<ProviderConfig.EnvVariable> = [
  { field: "apiKey", names: ["GOOGLE_API_KEY", "GEMINI_API_KEY"] },
  { field: "baseUrl", names: ["GOOGLE_GEMINI_BASE_URL"] }
]

/**
 * The configuration the environment gives (`GOOGLE_API_KEY`, `GEMINI_API_KEY`,
 * `GOOGLE_GEMINI_BASE_URL`), validated; `env` defaults to `process.env`; `given` fields win over
 * it. A missing or bad field is `ConfigInvalid` naming the variable.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const fromEnv = ProviderConfig.fromEnv<ConfigInput>("gemini", environment, decodeConfig)

/**
 * Builds the provider from a configuration.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (input: ConfigInput): Effect.Effect<AiProvider.Service, AiError.ConfigInvalid, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const config = yield* decodeConfig(input)
    const wire = yield* Wire.make({
      provider: "gemini",
      secrets: [config.apiKey],
      requestIdHeaders: ["x-request-id"],
      classify: (info) => classify(info, config.model)
    })
    const tuned = isTuned(config.model)
    // The model's resource under the API root: `models/{id}`, or a tuned model's `tunedModels/{id}`.
    const resource = tuned
      ? `${TUNED}${yield* Wire.pathSegment("gemini", "model", config.model.slice(TUNED.length))}`
      : `models/${yield* Wire.pathSegment("gemini", "model", config.model)}`
    const modelUrl = `${config.baseUrl}/${resource}`
    const chatUrl = `${modelUrl}:generateContent`
    const streamUrl = `${modelUrl}:streamGenerateContent`
    const modelsUrl = `${config.baseUrl}/models`
    const jsonHeaders = { accept: "application/json" }
    const sseHeaders = { accept: "text/event-stream" }
    // Thinking counts against maxOutputTokens: a thinking model needs room left for the answer.
    const maxTokens = config.maxTokens ?? OpenAiWire.defaultMaxTokens(config.thinkingBudget !== 0 && isThinkingModel(config.model))
    // `thinkingBudget: 0` turns thinking off: the model is then prompted as a hosted one.
    const profile = PromptProfiles.profileFor("gemini", config.model, config.thinkingBudget === 0 ? false : undefined)
    const temperature = PromptProfiles.temperatureFor(profile, config.temperature)
    const generationConfig = {
      ...(temperature !== undefined ? { temperature } : {}),
      maxOutputTokens: maxTokens,
      ...(config.thinkingBudget !== undefined ? { thinkingConfig: { thinkingBudget: config.thinkingBudget } } : {})
    }
    const safety = config.safetySettings && config.safetySettings.length > 0 ? { safetySettings: config.safetySettings } : {}
    // The key stays Redacted until a request is built, and only ever goes into this header.
    const withKey = (r: HttpClientRequest.HttpClientRequest) => HttpClientRequest.setHeader(r, "x-goog-api-key", Redacted.value(config.apiKey))

    const chatRequest = (request: AiProvider.ChatRequest, stream: boolean) =>
      (stream
        ? HttpClientRequest.post(streamUrl, { headers: sseHeaders, urlParams: { alt: "sse" } })
        : HttpClientRequest.post(chatUrl, { headers: jsonHeaders })).pipe(
          withKey,
          HttpClientRequest.bodyUnsafeJson({
            ...(request.system !== "" ? { systemInstruction: { parts: [{ text: request.system }] } } : {}),
            contents: [{ role: "user", parts: [{ text: request.user }] }],
            // A whole answer's structure is held to the JSON Schema; a stream stays text.
            generationConfig: !stream && request.answer !== undefined && profile.structured === "responseJsonSchema"
              ? { ...generationConfig, ...StructuredOutput.geminiGenerationConfig(request.answer) }
              : generationConfig,
            ...safety
          })
        )

    const page = (token: string | undefined) =>
      wire.json(
        HttpClientRequest.get(modelsUrl, { headers: jsonHeaders, urlParams: { pageSize: PAGE_SIZE, ...(token ? { pageToken: token } : {}) } }).pipe(withKey),
        ModelList
      )

    const listModels = Effect.gen(function*() {
      const out: Array<AiProvider.ModelInfo> = []
      let token: string | undefined
      for (let i = 0; i < MAX_PAGES; i++) {
        const { value } = yield* page(token)
        for (const m of value.models) if (chats(m)) out.push(modelInfo(m))
        token = value.nextPageToken
        if (!token) break
      }
      return out as ReadonlyArray<AiProvider.ModelInfo>
    })

    const getModel = HttpClientRequest.get(modelUrl, { headers: jsonHeaders }).pipe(withKey)
    const available = (displayName: string | undefined) => ({
      modelAvailable: true,
      details: `Connected; ${config.model} is available${displayName ? ` (${wire.clean(displayName, reply.errorTextChars)})` : ""}`
    })
    // GET models/{model} (tunedModels/{id}) is free and says exactly whether this key may use the
    // model. As with a missing method list, a missing state is unknown, not "unavailable".
    const probe = tuned
      ? Effect.map(wire.json(getModel, TunedModelResource), ({ value }) =>
        value.state === undefined || value.state === "ACTIVE"
          ? available(value.displayName)
          : { modelAvailable: false, details: `Connected, but ${config.model} is not ready to use (state ${wire.clean(value.state, reply.errorTextChars)})` })
      : Effect.map(wire.json(getModel, ModelResource), ({ value }) =>
        chats(value)
          ? available(value.displayName)
          : { modelAvailable: false, details: `Connected, but ${config.model} does not support generateContent` })
    const check = Effect.catchTag(probe, "ModelNotFound", () =>
      Effect.succeed({ modelAvailable: false, details: `Connected, but the model ${config.model} is not available to this key` }))

    return AiProvider.make({
      clean: wire.clean,
      provider: "gemini",
      model: config.model,
      endpoint: chatUrl, temperature, maxTokens, profile,
      complete: (request) =>
        Effect.flatMap(wire.json(chatRequest(request, false), GenerateContentResponse), (exchange) => completion(wire, exchange, config.model)),
      completeStream: (request) =>
        Stream.unwrap(Effect.map(wire.open(chatRequest(request, true)), (response) => chunks(wire, response, config.model))),
      testConnection: AiProvider.connectionTest("gemini", config.model, check),
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
