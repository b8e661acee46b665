/**
 * The Google Gemini protocol (Developer API, `v1beta`) for the emulator kit:
 * `POST /v1beta/models/{model}:generateContent`, `POST …:streamGenerateContent?alt=sse` (data-only
 * SSE, `\r\n\r\n` between events by default, no end marker: the last event carries the
 * `finishReason` and the socket closes), `GET /v1beta/models` (paged with `pageSize` /
 * `pageToken`) and `GET /v1beta/models/{model}`; tuned models (the `tunedModels` option) at
 * `GET /v1beta/tunedModels/{id}` and `POST /v1beta/tunedModels/{id}:generateContent` (or
 * `:streamGenerateContent`). Errors are Google's RPC bodies
 * (`ErrorInfo`, `QuotaFailure`, `RetryInfo`, `BadRequest` details). The key is read from
 * `x-goog-api-key` or `?key=`, as Google does; a blocked prompt is HTTP 200 with
 * `promptFeedback.blockReason`.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import * as Emulator from "../Emulator.js"

/**
 * Gemini-specific emulator options.
 *
 * @since 0.1.0
 * @category Models
 */
export interface GeminiOptions {
  /**
   * A thought summary to send as a `thought: true` part before the answer (whole answers) or as
   * the first event (streams), as a 2.5+ model does when asked to include thoughts. Clients must
   * skip it.
   */
  readonly thoughts?: string | undefined
  /**
   * `usageMetadata.thoughtsTokenCount`. Thinking is billed as output, so it is taken out of the
   * answer's `outputTokens`: `candidatesTokenCount + thoughtsTokenCount` equals `outputTokens`.
   * Default: a quarter of the thought summary's length, or 0.
   */
  readonly thoughtsTokens?: number | undefined
  /**
   * Tuned models served at `/v1beta/tunedModels/{id}`, besides the base models. Chats go only to
   * an ACTIVE one; any other tuned model is 404 NOT_FOUND.
   */
  readonly tunedModels?: ReadonlyArray<TunedModel> | undefined
}

/**
 * A tuned model the emulator serves.
 *
 * @since 0.1.0
 * @category Models
 */
export interface TunedModel {
  /** The id after `tunedModels/`. */
  readonly id: string
  /** The model it was tuned from (`gemini-2.0-flash-001`; a `models/` prefix is optional). */
  readonly baseModel: string
  /** The tuning state: `ACTIVE` (the default), `CREATING` or `FAILED`. */
  readonly state?: "ACTIVE" | "CREATING" | "FAILED" | undefined
  /** Default: the id. */
  readonly displayName?: string | undefined
}

/**
 * Emulator options plus the Gemini-specific ones.
 *
 * @since 0.1.0
 * @category Models
 */
export type Options = Emulator.Options & GeminiOptions

const BASE = "/v1beta"
const MODELS = `${BASE}/models`
const TUNED = "tunedModels/"

/** The base models served by default; the first is `Gemini.defaultModel`. */
const DEFAULT_MODELS: ReadonlyArray<string> = ["gemini-3.5-flash", "gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-3-flash-preview", "gemma-3-27b-it"]

const RPC = "type.googleapis.com/google.rpc."

const googleHeaders = {
  vary: "Origin, X-Origin, Referer",
  server: "scaffolding on HTTPServer2",
  "x-xss-protection": "0",
  "x-frame-options": "SAMEORIGIN",
  "x-content-type-options": "nosniff",
  "server-timing": "gfet4t7; dur=412"
}

const jsonHeaders = { "content-type": "application/json; charset=UTF-8", ...googleHeaders }

// Google pretty-prints its JSON bodies.
const json = (status: number, body: unknown): Emulator.Rendered => ({ status, headers: jsonHeaders, body: JSON.stringify(body, null, 2) })

const rpc = (code: number, status: string, message: string, details: ReadonlyArray<unknown> = []) => ({
  error: { code, message, status, ...(details.length > 0 ? { details } : {}) }
})

const quotaFailure = (model: string, perDay: boolean) => ({
  "@type": `${RPC}QuotaFailure`,
  violations: [{
    quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
    quotaId: perDay ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier" : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
    quotaDimensions: { location: "global", model },
    quotaValue: perDay ? "250" : "10"
  }]
})

const help = { "@type": `${RPC}Help`, links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }] }

// `model`: a base model id, or a tuned model's resource name (`tunedModels/{id}`).
const notFound = (model: string, method: string) =>
  `${model.startsWith(TUNED) ? "" : "models/"}${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`

const QUOTA_MESSAGE =
  "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."

/** The RPC error body (and HTTP status) Google sends for each error kind but `content-filter`. */
const rpcError = (
  kind: Exclude<Emulator.ErrorKind, "content-filter">,
  model: string,
  message: string | undefined,
  retryAfterSeconds: number | undefined
): { readonly status: number; readonly body: ReturnType<typeof rpc> } => {
  const retry = retryAfterSeconds !== undefined ? [{ "@type": `${RPC}RetryInfo`, retryDelay: `${retryAfterSeconds}s` }] : []
  switch (kind) {
    case "auth": {
      const m = message ?? "API key not valid. Please pass a valid API key."
      return {
        status: 400,
        body: rpc(400, "INVALID_ARGUMENT", m, [
          { "@type": `${RPC}ErrorInfo`, reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } },
          { "@type": `${RPC}LocalizedMessage`, locale: "en-US", message: m }
        ])
      }
    }
    case "permission":
      return {
        status: 403,
        body: rpc(
          403,
          "PERMISSION_DENIED",
          message ??
            "Generative Language API has not been used in project 123456789012 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=123456789012 then retry.",
          [{
            "@type": `${RPC}ErrorInfo`,
            reason: "SERVICE_DISABLED",
            domain: "googleapis.com",
            metadata: { service: "generativelanguage.googleapis.com", consumer: "projects/123456789012" }
          }]
        )
      }
    case "rate-limit":
      return { status: 429, body: rpc(429, "RESOURCE_EXHAUSTED", message ?? QUOTA_MESSAGE, [quotaFailure(model, false), help, ...retry]) }
    case "quota":
      return { status: 429, body: rpc(429, "RESOURCE_EXHAUSTED", message ?? QUOTA_MESSAGE, [quotaFailure(model, true), help, ...retry]) }
    case "model-not-found":
      return { status: 404, body: rpc(404, "NOT_FOUND", message ?? notFound(model, "generateContent")) }
    case "context-too-long":
      return { status: 400, body: rpc(400, "INVALID_ARGUMENT", message ?? "The input token count (1310720) exceeds the maximum number of tokens allowed (1048576).") }
    case "bad-request": {
      const m = message ?? "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\""
      return {
        status: 400,
        body: rpc(400, "INVALID_ARGUMENT", m, [{ "@type": `${RPC}BadRequest`, fieldViolations: [{ field: "generation_config.temperature", description: m }] }])
      }
    }
    case "server":
      return {
        status: 500,
        body: rpc(500, "INTERNAL", message ?? "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")
      }
    case "unavailable":
      return { status: 503, body: rpc(503, "UNAVAILABLE", message ?? "The service is currently unavailable.") }
    case "overloaded":
      return { status: 503, body: rpc(503, "UNAVAILABLE", message ?? "The model is overloaded. Please try again later.") }
  }
}

const safetyRatings = (blocked: boolean) => [
  { category: "HARM_CATEGORY_SEXUALLY_EXPLICIT", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_HATE_SPEECH", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_HARASSMENT", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: blocked ? "HIGH" : "NEGLIGIBLE", ...(blocked ? { blocked: true } : {}) }
]

/**
 * The HTTP 200 answer to a prompt Google's safety system blocked: no candidates, only
 * `promptFeedback.blockReason`.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const blockedPrompt = (model: string, responseId: string, blockReason = "SAFETY") => ({
  promptFeedback: { blockReason, safetyRatings: safetyRatings(true) },
  usageMetadata: { promptTokenCount: 12, totalTokenCount: 12, promptTokensDetails: [{ modality: "TEXT", tokenCount: 12 }] },
  modelVersion: model,
  responseId
})

const text = (content: unknown): string => {
  const parts = (content as { parts?: unknown } | undefined)?.parts
  return Array.isArray(parts) ? parts.map((p) => (typeof p?.text === "string" ? p.text : "")).join("") : ""
}

// JSON output: `responseMimeType: "application/json"`, with `responseJsonSchema` (JSON Schema)
// or `responseSchema` (the OpenAPI subset), or neither (any JSON).
const structuredOf = (config: Record<string, unknown>): Emulator.StructuredRequest | undefined =>
  config.responseMimeType === "application/json"
    ? { via: "responseJsonSchema", schema: config.responseJsonSchema ?? config.responseSchema }
    : undefined

// What v1beta refuses in a generationConfig's JSON output fields (400 INVALID_ARGUMENT).
const outputProblem = (body: unknown): string | undefined => {
  const config = (body as { generationConfig?: Record<string, unknown> } | undefined)?.generationConfig
  if (typeof config !== "object" || config === null) return undefined
  const schema = config.responseJsonSchema !== undefined || config.responseSchema !== undefined
  if (config.responseJsonSchema !== undefined && config.responseSchema !== undefined) {
    return "* GenerateContentRequest.generation_config.response_json_schema: response_schema must be omitted when response_json_schema is set.\n"
  }
  if (schema && config.responseMimeType !== "application/json") {
    return "* GenerateContentRequest.generation_config.response_mime_type: must be application/json when a response schema is set.\n"
  }
  return undefined
}

/**
 * Reads a `GenerateContentRequest` body into a {@link Emulator.ChatInput}.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const chatInput = (body: unknown, model: string, stream: boolean): Emulator.ChatInput => {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, any>
  const contents = Array.isArray(b.contents) ? (b.contents as Array<{ role?: unknown }>) : []
  const config = (typeof b.generationConfig === "object" && b.generationConfig !== null ? b.generationConfig : {}) as Record<string, unknown>
  // The last user turn is the request; earlier user/model turns are worked examples.
  const users = contents.filter((c) => c.role === undefined || c.role === "user")
  const structured = structuredOf(config)
  return {
    model,
    system: text(b.systemInstruction),
    user: users.length > 0 ? text(users[users.length - 1]) : "",
    examples: Math.max(0, users.length - 1),
    ...(structured !== undefined ? { structured } : {}),
    stream,
    body,
    ...(typeof config.maxOutputTokens === "number" ? { maxTokens: config.maxOutputTokens } : {}),
    ...(typeof config.temperature === "number" ? { temperature: config.temperature } : {})
  }
}

const modelResource = (id: string) => {
  const chat = !id.includes("embedding")
  return {
    name: `models/${id}`,
    version: "001",
    displayName: id.split("-").map((w) => (/^\d/.test(w) ? w : w.charAt(0).toUpperCase() + w.slice(1))).join(" "),
    description: chat ? `Emulated ${id}` : "Obtain a distributed representation of a text.",
    inputTokenLimit: chat ? 1_048_576 : 2048,
    outputTokenLimit: chat ? 65_536 : 1,
    supportedGenerationMethods: chat
      ? ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]
      : ["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"],
    ...(chat ? { temperature: 1, topP: 0.95, topK: 64, maxTemperature: 2, thinking: /^gemini-(2\.5|[3-9])/.test(id) } : {})
  }
}

// A `TunedModel` as the API returns it, less the tuning task and its data.
const tunedModelResource = (m: TunedModel) => ({
  name: `${TUNED}${m.id}`,
  displayName: m.displayName ?? m.id,
  baseModel: m.baseModel.startsWith("models/") ? m.baseModel : `models/${m.baseModel}`,
  state: m.state ?? "ACTIVE",
  createTime: "2026-11-02T09:14:03.512Z",
  updateTime: "2026-11-02T09:31:47.208Z",
  temperature: 1,
  topP: 0.95,
  topK: 64
})

// Always listed besides the served models: the real catalogue holds models that cannot chat.
const NON_CHAT = ["gemini-embedding-001"]

const keyOf = (r: Emulator.RecordedRequest): string | undefined => r.headers["x-goog-api-key"] ?? r.query["key"]

// `model`: the id under `models/`, or the resource name `tunedModels/{id}` (one segment only,
// as the API routes `{model=tunedModels/*}`).
const parsePath = (path: string): { readonly model: string; readonly method: string | undefined } | undefined => {
  const tuned = path.startsWith(`${BASE}/${TUNED}`)
  if (!tuned && !path.startsWith(`${MODELS}/`)) return undefined
  const rest = path.slice(tuned ? BASE.length + 1 + TUNED.length : MODELS.length + 1)
  const colon = rest.lastIndexOf(":")
  const id = decodeURIComponent(colon === -1 ? rest : rest.slice(0, colon))
  if (tuned && (id === "" || id.includes("/"))) return undefined
  return { model: tuned ? `${TUNED}${id}` : id, method: colon === -1 ? undefined : rest.slice(colon + 1) }
}

/**
 * Builds the Gemini protocol; {@link protocol} is the one with default options.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const makeProtocol = (options: GeminiOptions = {}): Emulator.Protocol => {
  const thoughts = options.thoughts
  const thoughtTokens = options.thoughtsTokens ?? (thoughts ? Math.ceil(thoughts.length / 4) : 0)
  const tuned = new Map((options.tunedModels ?? []).map((m) => [`${TUNED}${m.id}`, m]))
  // Whether a chat may go to this model: a served base model, or an ACTIVE tuned one.
  const chats = (model: string, models: ReadonlyArray<string>): boolean => {
    const t = tuned.get(model)
    return t === undefined ? models.includes(model) : (t.state ?? "ACTIVE") === "ACTIVE"
  }

  const usage = (answer: Emulator.Answer, final: boolean, share = 1) => {
    const input = answer.usage.inputTokens
    const thinking = Math.min(answer.usage.reasoningTokens ?? thoughtTokens, answer.usage.outputTokens)
    const cached = answer.usage.cachedInputTokens ?? 0
    const candidates = final ? answer.usage.outputTokens - thinking : Math.floor((answer.usage.outputTokens - thinking) * share)
    return {
      promptTokenCount: input,
      candidatesTokenCount: candidates,
      totalTokenCount: input + candidates + thinking,
      promptTokensDetails: [{ modality: "TEXT", tokenCount: input }],
      ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
      ...(thinking > 0 ? { thoughtsTokenCount: thinking } : {})
    }
  }

  const response = (answer: Emulator.Answer, parts: ReadonlyArray<unknown>, finish: boolean, share: number) => ({
    candidates: [{
      content: parts.length > 0 ? { parts, role: "model" } : { role: "model" },
      ...(finish ? { finishReason: answer.finishReason ?? "STOP" } : {}),
      index: 0
    }],
    usageMetadata: usage(answer, finish, share),
    modelVersion: answer.model,
    responseId: answer.requestId
  })

  const thoughtPart = thoughts ? [{ text: thoughts, thought: true }] : []
  const event = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`

  return {
    provider: "gemini",
    basePath: BASE,
    defaultModels: DEFAULT_MODELS,
    kindOf: (r) => {
      if (r.method === "GET" && r.path === MODELS) return "models"
      const p = parsePath(r.path)
      if (p === undefined) return "other"
      if (r.method === "GET" && p.method === undefined) return "model"
      if (r.method === "POST" && (p.method === "generateContent" || p.method === "streamGenerateContent")) return "chat"
      return "other"
    },
    route: (r, ctx) => {
      const key = keyOf(r)
      if (key === undefined || key === "") {
        return {
          _tag: "Respond",
          kind: r.kind,
          response: json(
            403,
            rpc(
              403,
              "PERMISSION_DENIED",
              "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."
            )
          )
        }
      }
      if (ctx.apiKey !== undefined && key !== ctx.apiKey) return { _tag: "Error", kind: r.kind, error: "auth" }
      const p = parsePath(r.path)
      switch (r.kind) {
        case "models": {
          const all = [...ctx.models, ...NON_CHAT.filter((m) => !ctx.models.includes(m))]
          const requested = Number(r.query["pageSize"] ?? "50")
          const size = Math.min(Number.isInteger(requested) && requested > 0 ? requested : 50, 1000)
          const start = r.query["pageToken"] ? Number(Buffer.from(r.query["pageToken"], "base64url").toString("utf8")) : 0
          if (!Number.isInteger(start) || start < 0 || start > all.length) {
            return { _tag: "Respond", kind: r.kind, response: json(400, rpc(400, "INVALID_ARGUMENT", "Invalid page token.")) }
          }
          const end = start + size
          return {
            _tag: "Respond",
            kind: r.kind,
            response: json(200, {
              models: all.slice(start, end).map(modelResource),
              ...(end < all.length ? { nextPageToken: Buffer.from(String(end), "utf8").toString("base64url") } : {})
            })
          }
        }
        case "model": {
          const id = p!.model
          if (id.startsWith(TUNED)) {
            const t = tuned.get(id)
            if (t === undefined) return { _tag: "Error", kind: r.kind, error: "model-not-found", message: notFound(id, "get") }
            return { _tag: "Respond", kind: r.kind, response: json(200, tunedModelResource(t)) }
          }
          if (!ctx.models.includes(id) && !NON_CHAT.includes(id)) {
            return { _tag: "Error", kind: r.kind, error: "model-not-found", message: notFound(id, "get") }
          }
          return { _tag: "Respond", kind: r.kind, response: json(200, modelResource(id)) }
        }
        case "chat": {
          const stream = p!.method === "streamGenerateContent"
          if (stream && r.query["alt"] !== "sse") {
            // Google streams a JSON array without alt=sse; this emulator speaks only the SSE form.
            return { _tag: "Error", kind: r.kind, error: "bad-request", message: "The emulator streams only with ?alt=sse." }
          }
          const contents = (r.body as { contents?: unknown } | undefined)?.contents
          if (!Array.isArray(contents) || contents.length === 0) {
            return { _tag: "Error", kind: r.kind, error: "bad-request", message: "* GenerateContentRequest.contents: contents is not specified\n" }
          }
          // The kit passes the model to `error` only for chats it accepted: name it here.
          if (!chats(p!.model, ctx.models)) {
            return { _tag: "Error", kind: r.kind, error: "model-not-found", message: notFound(p!.model, p!.method!) }
          }
          const problem = outputProblem(r.body)
          if (problem !== undefined) return { _tag: "Error", kind: r.kind, error: "bad-request", message: problem }
          return { _tag: "Chat", input: chatInput(r.body, p!.model, stream) }
        }
        default:
          // Google's front end answers unknown paths with an HTML page, not an RPC body.
          return {
            _tag: "Respond",
            kind: r.kind,
            response: {
              status: 404,
              headers: { "content-type": "text/html; charset=UTF-8" },
              body: `<!DOCTYPE html>\n<html lang=en><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That’s an error.</ins><p>The requested URL <code>${r.path}</code> was not found on this server.  <ins>That’s all we know.</ins>`
            }
          }
      }
    },
    completion: (_input, answer) =>
      json(200, response(answer, [...thoughtPart, ...(answer.text !== "" ? [{ text: answer.text }] : [])], true, 1)),
    stream: (_input, answer, deltas) => ({
      headers: { "content-type": "text/event-stream", "content-disposition": "attachment", ...googleHeaders },
      chunks: [
        ...(thoughts ? [event(response(answer, thoughtPart, false, 0))] : []),
        ...deltas.map((d, i) => event(response(answer, [{ text: d }], i === deltas.length - 1, (i + 1) / deltas.length)))
      ]
    }),
    error: (kind, ctx) => {
      if (kind === "content-filter") return json(200, blockedPrompt(ctx.model, ctx.requestId))
      const e = rpcError(kind, ctx.model, ctx.message, ctx.retryAfterSeconds)
      return json(e.status, e.body)
    },
    streamError: (kind, requestId) => {
      // Mid-stream, a filter shows as a candidate stopped with finishReason SAFETY; anything else
      // as an RPC error object in place of a response.
      if (kind === "content-filter") {
        return event({
          candidates: [{ content: { parts: [{ text: "" }], role: "model" }, finishReason: "SAFETY", index: 0, safetyRatings: safetyRatings(true) }],
          modelVersion: DEFAULT_MODELS[0],
          responseId: requestId
        })
      }
      return `data: ${JSON.stringify(rpcError(kind, DEFAULT_MODELS[0]!, undefined, undefined).body)}\n\n`
    },
    malformedChunk: "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \n\n",
    // Google sends no keep-alive events on these streams.
    keepAlive: undefined
  }
}

/**
 * The Gemini protocol with default options.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const protocol: Emulator.Protocol = makeProtocol()

const split = (options: Options = {}): [Emulator.Protocol, Emulator.Options] => {
  const { thoughts, thoughtsTokens, tunedModels, ...rest } = options
  const p = thoughts === undefined && thoughtsTokens === undefined && tunedModels === undefined
    ? protocol
    : makeProtocol({ thoughts, thoughtsTokens, tunedModels })
  // Google separates SSE events with CRLF pairs.
  return [p, { ...rest, lineEndings: rest.lineEndings ?? "crlf" }]
}

/**
 * Starts a Gemini emulator for the length of a scope (stream events end in `\r\n\r\n` unless
 * `lineEndings` says otherwise).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options?: Options): Effect.Effect<Emulator.Emulator, never, Scope.Scope> => Emulator.scoped(...split(options))

/**
 * Starts a Gemini emulator (close it yourself).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = (options?: Options): Promise<Emulator.Emulator> => Emulator.start(...split(options))
