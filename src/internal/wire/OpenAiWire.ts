/**
 * The OpenAI Chat Completions wire format, shared by OpenAI and Azure OpenAI: request bodies,
 * response and stream decoding, and error classification (Azure's `innererror` /
 * `inner_error` content-filter details and `DeploymentNotFound` included).
 *
 * @since 0.1.0
 * @internal
 */
import { Effect, Either, Schema, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import { type FinishReason, type Usage, usage } from "../../domain/SqlTask.js"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { ChatChunk, ChatCompletion, ChatModel, ChatRequest } from "../../services/AiProvider.js"
import * as PromptProfiles from "../../domain/PromptProfiles.js"
import * as Sse from "./Sse.js"
import * as StructuredOutput from "./StructuredOutput.js"
import * as Messages from "./Messages.js"
import * as Wire from "./Wire.js"

/**
 * Reasoning models (o-series, GPT-5 except the chat variants) take `max_completion_tokens`, no
 * sampling parameters, and the `developer` role.
 *
 * @since 0.1.0
 * @category Models
 * @internal
 */
export const isReasoningModel = (model: string): boolean => PromptProfiles.isOpenAiReasoning(model)

/**
 * The answer budget when the config sets none: 2,048 tokens, or 16,384 for a reasoning model,
 * whose reasoning counts against `max_completion_tokens` and would leave no room for the answer.
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export const defaultMaxTokens = (reasoning: boolean): number => (reasoning ? 16_384 : 2_048)

/**
 * What shapes a Chat Completions body.
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export interface BodyOptions {
  /** Omitted for Azure's deployment URLs, where the deployment picks the model. */
  readonly model?: string | undefined
  readonly reasoning: boolean
  readonly temperature?: number | undefined
  readonly maxTokens: number
  /** Which max-tokens field the endpoint accepts. */
  readonly tokenField: "max_tokens" | "max_completion_tokens"
  readonly stream: boolean
  /** Whether `stream_options.include_usage` is accepted. */
  readonly streamUsage: boolean
  /** Whether a request's structured answer is asked for with `response_format` (whole answers only). */
  readonly structured?: boolean | undefined
}

/**
 * A Chat Completions request body.
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export const body = (request: ChatRequest, o: BodyOptions): Record<string, unknown> => {
  const b: Record<string, unknown> = {}
  if (o.model !== undefined) b.model = o.model
  b.messages = Messages.messages(request, o.reasoning ? "developer" : "system")
  if (!o.reasoning && o.temperature !== undefined) b.temperature = o.temperature
  b[o.reasoning ? "max_completion_tokens" : o.tokenField] = o.maxTokens
  if (o.stream) {
    b.stream = true
    if (o.streamUsage) b.stream_options = { include_usage: true }
  } else {
    b.stream = false
    if (o.structured === true && request.answer !== undefined) b.response_format = StructuredOutput.openAiResponseFormat(request.answer)
  }
  return b
}

const UsageWire = Schema.Struct({
  prompt_tokens: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  completion_tokens: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  prompt_tokens_details: Schema.optional(Schema.NullOr(Schema.Struct({ cached_tokens: Schema.optional(Schema.Unknown) }))),
  completion_tokens_details: Schema.optional(Schema.NullOr(Schema.Struct({ reasoning_tokens: Schema.optional(Schema.Unknown) })))
})

/**
 * A Chat Completions response, as much of it as this library reads.
 *
 * @since 0.1.0
 * @category Responses
 * @internal
 */
export const Response = Schema.Struct({
  id: Schema.optional(Schema.String),
  model: Schema.optional(Schema.String),
  choices: Schema.Array(Schema.Struct({
    message: Schema.Struct({
      content: Schema.optional(Schema.NullOr(Schema.String)),
      refusal: Schema.optional(Schema.NullOr(Schema.String))
    }),
    finish_reason: Schema.optional(Schema.NullOr(Schema.String))
  })),
  usage: Schema.optional(Schema.NullOr(UsageWire))
})

/**
 * Maps a wire finish reason to the library's.
 *
 * @since 0.1.0
 * @category Responses
 * @internal
 */
export const finishReason = (r: string | null | undefined): FinishReason => {
  switch (r) {
    case "stop":
    case "end_turn":
    case "eos":
      return "stop"
    case "length":
    case "max_tokens":
      return "length"
    case "content_filter":
      return "content-filter"
    case "tool_calls":
    case "function_call":
      return "tool-calls"
    default:
      return "other"
  }
}

const count = (u: unknown): number => Wire.tokenCount(u) ?? 0

interface UsageFields {
  readonly prompt_tokens?: unknown
  readonly completion_tokens?: unknown
  readonly prompt_tokens_details?: { readonly cached_tokens?: unknown } | null | undefined
  readonly completion_tokens_details?: { readonly reasoning_tokens?: unknown } | null | undefined
}

// Cached prompt tokens are part of prompt_tokens, reasoning tokens part of completion_tokens.
const usageOf = (u: UsageFields | null | undefined): Usage =>
  usage(count(u?.prompt_tokens), count(u?.completion_tokens), {
    cachedInputTokens: count(u?.prompt_tokens_details?.cached_tokens),
    reasoningTokens: count(u?.completion_tokens_details?.reasoning_tokens)
  })

/**
 * A decoded response as a completion; a refusal with no text is `ContentFiltered` (its text, the
 * provider's, scrubbed and bounded by `wire`).
 *
 * @since 0.1.0
 * @category Responses
 * @internal
 */
export const completion = (
  wire: Wire.Wire,
  exchange: Wire.Exchange<typeof Response.Type>,
  provider: AiError.AiError["provider"],
  model: string
): Effect.Effect<ChatCompletion, AiError.AiError> => {
  const r = exchange.value
  const choice = r.choices[0]
  const text = choice?.message.content ?? ""
  const refusal = choice?.message.refusal
  if (text === "" && refusal) {
    return Effect.fail(wire.seal(
      new AiError.ContentFiltered({ provider, message: `The model refused: ${refusal}`, ...(exchange.requestId ? { requestId: exchange.requestId } : {}) })
    ))
  }
  return Effect.succeed({
    text,
    model: r.model || model,
    usage: usageOf(r.usage),
    finishReason: finishReason(choice?.finish_reason),
    requestId: exchange.requestId
  })
}

interface StreamState {
  model: string
  finish: string | null | undefined
  usage: Usage
  done: boolean
}

/**
 * A Chat Completions SSE body (as `wire.events` reads it) as chat chunks: content deltas, then
 * one `Finish` once `[DONE]` arrived. An `error` payload after HTTP 200 fails with its classified
 * error; a body that ends before `[DONE]` fails with `InvalidResponse`. Chunks with empty
 * `choices` (Azure's prompt-filter chunk, the usage chunk) are read for what they carry.
 *
 * @since 0.1.0
 * @category Streams
 * @internal
 */
const chunks = (
  wire: Wire.Wire,
  events: Stream.Stream<Sse.SseEvent, AiError.AiError>,
  provider: AiError.AiError["provider"],
  model: string,
  requestId: string | undefined
): Stream.Stream<ChatChunk, AiError.AiError> =>
  Stream.suspend(() => {
    const state: StreamState = { model, finish: undefined, usage: { inputTokens: 0, outputTokens: 0 }, done: false }
    return Wire.chatStream({
      provider,
      records: events,
      ended: () => state.done,
      marker: "[DONE]",
      requestId: () => requestId,
      read: (event: Sse.SseEvent): Either.Either<Array<ChatChunk>, AiError.AiError> => {
        if (event.data === "[DONE]") {
          state.done = true
          return Either.right([])
        }
        const parsed = Wire.parseJson(provider, event.data, requestId)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        const c = parsed.right as StreamChunk
        if (c === null || typeof c !== "object") return Either.right([])
        if (c.error !== undefined || event.event === "error") {
          return Either.left(wire.inBand(Wire.errorStatus(c.error?.code, 500), c, requestId, event.data))
        }
        if (typeof c.model === "string" && c.model !== "") state.model = c.model
        if (typeof c.usage === "object" && c.usage !== null) state.usage = usageOf(c.usage)
        const choice = c.choices?.[0]
        if (typeof choice?.finish_reason === "string" && choice.finish_reason !== "") state.finish = choice.finish_reason
        const text = choice?.delta?.content
        return Either.right(typeof text === "string" && text !== "" ? [{ _tag: "Delta", text }] : [])
      },
      finish: () =>
        state.done
          ? { _tag: "Finish", model: state.model, usage: state.usage, finishReason: finishReason(state.finish), requestId }
          : undefined
    })
  })

// What a stream chunk may hold; any parsed JSON is read through it, so nothing is assumed about types.
interface StreamChunk {
  readonly model?: unknown
  readonly usage?: UsageFields | null
  readonly choices?: ReadonlyArray<{ readonly delta?: { readonly content?: unknown } | null; readonly finish_reason?: unknown } | null>
  readonly error?: { readonly code?: unknown } | null
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

interface ErrorBody {
  readonly message?: unknown
  readonly type?: unknown
  readonly code?: unknown
  readonly param?: unknown
  readonly innererror?: { readonly code?: unknown }
  readonly inner_error?: { readonly code?: unknown }
}

const str = (u: unknown): string | undefined =>
  typeof u === "string" && u !== "" ? u : typeof u === "number" ? String(u) : undefined

/**
 * Classifies an OpenAI-family error body (`{"error":{"message","type","param","code"}}`).
 * `target` names what a 404 is about: the model, or for Azure the deployment.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const classify = (info: Wire.ErrorInfo, target: { readonly model: string; readonly kind: "model" | "deployment" }): AiError.AiError => {
  const e: ErrorBody = typeof info.body === "object" && info.body !== null && "error" in info.body &&
      typeof (info.body as { error: unknown }).error === "object"
    ? ((info.body as { error: ErrorBody }).error ?? {})
    : {}
  const said = str(e.message)
  const code = str(e.code) ?? str(e.type)
  const type = str(e.type)
  const inner = str(e.innererror?.code) ?? str(e.inner_error?.code)
  const fields = { ...Wire.common(info, code), message: Wire.describe(info, said, code) }

  if (code === "insufficient_quota" || type === "insufficient_quota") return new AiError.QuotaExhausted(fields)
  if (code === "content_filter" || code === "content_policy_violation" || inner === "ResponsibleAIPolicyViolation") {
    return new AiError.ContentFiltered(fields)
  }
  if (code === "context_length_exceeded" || /maximum context length|too many tokens/i.test(Wire.excerpt(said))) {
    return new AiError.ContextTooLong(fields)
  }
  if (code === "DeploymentNotFound") {
    return new AiError.ModelNotFound({
      ...fields,
      model: target.model,
      message: Wire.describe(info, `the deployment "${target.model}" does not exist on this resource (check the deployment name and API version)`, code)
    })
  }
  if (info.status === 404) {
    // OpenAI answers a path it does not serve with "Invalid URL (GET /models)": about the route,
    // though it names models.
    const route = said !== undefined && /^Invalid URL\b/i.test(said)
    if (code === "model_not_found" || (!route && /model/i.test(Wire.excerpt(said)))) return new AiError.ModelNotFound({ ...fields, model: target.model })
    return Wire.routeNotFound(info, "check the base URL", { code })
  }
  if (info.status === 400) {
    const param = str(e.param)
    return new AiError.InvalidRequest({ ...fields, ...(param ? { field: param } : {}) })
  }
  return Wire.byStatus(info, said, code, target.model)
}

/**
 * The whole and streamed chat calls of an OpenAI-family endpoint, given how to build its request.
 *
 * @since 0.1.0
 * @category Constructors
 * @internal
 */
export const chat = (
  wire: Wire.Wire,
  provider: AiError.AiError["provider"],
  model: string,
  request: (chat: ChatRequest, stream: boolean) => HttpClientRequest.HttpClientRequest
): { readonly complete: ChatModel["complete"]; readonly completeStream: ChatModel["completeStream"] } => ({
  complete: (chatRequest) =>
    Effect.flatMap(wire.json(request(chatRequest, false), Response), (exchange) => completion(wire, exchange, provider, model)),
  completeStream: (chatRequest) =>
    Stream.unwrap(
      Effect.map(wire.open(request(chatRequest, true)), (response) =>
        chunks(wire, wire.events(response), provider, model, wire.requestId(response.headers)))
    )
})
