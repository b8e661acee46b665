/**
 * The OpenAI protocol for the emulator kit: `POST /v1/chat/completions` (JSON and SSE with
 * `[DONE]` and the `include_usage` chunk), `GET /v1/models`, `GET /v1/models/{id}`, and OpenAI's
 * exact error bodies and headers (`x-request-id`, `retry-after`, `x-ratelimit-*`).
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import * as Emulator from "../Emulator.js"
import * as Structured from "../Structured.js"

const errorTable: Record<Emulator.ErrorKind, { status: number; type: string; code: string | null; param?: string; message: (model: string) => string }> = {
  auth: { status: 401, type: "invalid_request_error", code: "invalid_api_key", message: () => "Incorrect API key provided: sk-test-****wxyz. You can find your API key at https://platform.openai.com/account/api-keys." },
  permission: { status: 403, type: "invalid_request_error", code: "unsupported_country_region_territory", message: () => "Country, region, or territory not supported" },
  "rate-limit": { status: 429, type: "requests", code: "rate_limit_exceeded", message: (m) => `Rate limit reached for ${m} in organization org-emulator on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.` },
  quota: { status: 429, type: "insufficient_quota", code: "insufficient_quota", message: () => "You exceeded your current quota, please check your plan and billing details." },
  "model-not-found": { status: 404, type: "invalid_request_error", code: "model_not_found", param: "model", message: (m) => `The model \`${m}\` does not exist or you do not have access to it.` },
  "context-too-long": { status: 400, type: "invalid_request_error", code: "context_length_exceeded", param: "messages", message: () => "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages." },
  "content-filter": { status: 400, type: "invalid_request_error", code: "content_policy_violation", message: () => "Your request was rejected as a result of our safety system." },
  "bad-request": { status: 400, type: "invalid_request_error", code: "unsupported_parameter", param: "temperature", message: () => "Unsupported parameter: 'temperature' is not supported with this model." },
  server: { status: 500, type: "server_error", code: null, message: () => "The server had an error while processing your request. Sorry about that!" },
  unavailable: { status: 503, type: "server_error", code: null, message: () => "The engine is currently overloaded, please try again later." },
  overloaded: { status: 503, type: "server_error", code: null, message: () => "The engine is currently overloaded, please try again later." }
}

const errorBody = (kind: Emulator.ErrorKind, model: string, message?: string) => {
  const e = errorTable[kind]
  return { error: { message: message ?? e.message(model), type: e.type, param: e.param ?? null, code: e.code } }
}

// Chat Completions usage: cached prompt tokens inside prompt_tokens, reasoning inside completion_tokens.
const usageOf = (u: Emulator.Usage) => ({
  prompt_tokens: u.inputTokens,
  completion_tokens: u.outputTokens,
  total_tokens: u.inputTokens + u.outputTokens,
  prompt_tokens_details: { cached_tokens: u.cachedInputTokens ?? 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }
})

const finish = (answer: Emulator.Answer) => answer.finishReason ?? "stop"

const text = (u: unknown): string => {
  if (typeof u === "string") return u
  if (Array.isArray(u)) return u.map((p) => (typeof p === "object" && p !== null && "text" in p ? String(p.text) : "")).join("")
  return ""
}

/**
 * Reads an OpenAI-shaped chat body into a {@link Emulator.ChatInput} (shared with Azure, Workers
 * AI and Ollama's messages): the system messages, the last user message (earlier user/assistant
 * turns are worked examples, counted), and `response_format`.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const chatInput = (body: unknown, model: string): Emulator.ChatInput => {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>
  const messages = Array.isArray(b.messages) ? (b.messages as Array<{ role?: string; content?: unknown }>) : []
  const system = messages.filter((m) => m.role === "system" || m.role === "developer").map((m) => text(m.content)).join("\n")
  const users = messages.filter((m) => m.role === "user")
  const user = users.length > 0 ? text(users[users.length - 1]!.content) : ""
  const maxTokens = b.max_completion_tokens ?? b.max_tokens
  const structured = Structured.fromResponseFormat(body)
  return {
    model,
    system,
    user,
    stream: b.stream === true,
    examples: Math.max(0, users.length - 1),
    ...(structured !== undefined ? { structured } : {}),
    body,
    ...(typeof maxTokens === "number" ? { maxTokens } : {}),
    ...(typeof b.temperature === "number" ? { temperature: b.temperature } : {})
  }
}

/**
 * The non-streaming Chat Completions body for an answer.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const completionBody = (answer: Emulator.Answer, extra: Record<string, unknown> = {}) => ({
  id: `chatcmpl-${answer.requestId}`,
  object: "chat.completion",
  created: 1_741_569_952,
  model: answer.model,
  choices: [{
    index: 0,
    message: { role: "assistant", content: answer.text, refusal: null, annotations: [] },
    logprobs: null,
    finish_reason: finish(answer),
    ...extra
  }],
  usage: usageOf(answer.usage),
  service_tier: "default",
  system_fingerprint: "fp_emulator"
})

/**
 * The SSE pieces of a streamed Chat Completions answer: role chunk, content chunks, finish chunk,
 * usage chunk (when asked for), `[DONE]`.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const streamPieces = (
  answer: Emulator.Answer,
  deltas: ReadonlyArray<string>,
  includeUsage: boolean,
  prefix: ReadonlyArray<unknown> = []
): Array<string> => {
  const base = { id: `chatcmpl-${answer.requestId}`, object: "chat.completion.chunk", created: 1_741_569_952, model: answer.model, system_fingerprint: "fp_emulator" }
  const event = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`
  const withUsage = includeUsage ? { usage: null } : {}
  return [
    ...prefix.map(event),
    event({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }], ...withUsage }),
    ...deltas.map((d) => event({ ...base, choices: [{ index: 0, delta: { content: d }, logprobs: null, finish_reason: null }], ...withUsage })),
    event({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish(answer) }], ...withUsage }),
    ...(includeUsage
      ? [event({
        ...base,
        choices: [],
        usage: usageOf(answer.usage)
      })]
      : []),
    "data: [DONE]\n\n"
  ]
}

/**
 * Response headers OpenAI sends with every answer.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const responseHeaders = (requestId: string): Record<string, string> => ({
  "x-request-id": requestId,
  "openai-organization": "org-emulator",
  "openai-processing-ms": "12",
  "openai-version": "2020-10-01",
  "x-ratelimit-limit-requests": "10000",
  "x-ratelimit-remaining-requests": "9999",
  "x-ratelimit-reset-requests": "6ms",
  "x-ratelimit-limit-tokens": "200000",
  "x-ratelimit-remaining-tokens": "199000",
  "x-ratelimit-reset-tokens": "300ms"
})

/**
 * Whether a Chat Completions body asked for the usage chunk.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const includeUsage = (body: unknown): boolean =>
  (body as { stream_options?: { include_usage?: unknown } } | undefined)?.stream_options?.include_usage === true

/**
 * Whether a body's `response_format` asks for strict structured outputs.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const strict = (body: unknown): boolean =>
  (body as { response_format?: { json_schema?: { strict?: unknown } } } | undefined)?.response_format?.json_schema?.strict === true

const bearer = (headers: Readonly<Record<string, string>>): string | undefined => {
  const auth = headers["authorization"]
  return auth?.startsWith("Bearer ") ? auth.slice(7) : undefined
}

/**
 * The OpenAI protocol.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const protocol: Emulator.Protocol = {
  provider: "openai",
  basePath: "/v1",
  defaultModels: ["gpt-4.1-mini", "gpt-4.1", "gpt-4o-mini", "gpt-4o", "gpt-5-mini", "o4-mini", "gpt-3.5-turbo"],
  kindOf: (r) =>
    r.method === "POST" && r.path === "/v1/chat/completions"
      ? "chat"
      : r.method === "GET" && r.path === "/v1/models"
      ? "models"
      : r.method === "GET" && r.path.startsWith("/v1/models/")
      ? "model"
      : "other",
  route: (r, ctx) => {
    const key = bearer(r.headers)
    if (key === undefined || key === "" || (ctx.apiKey !== undefined && key !== ctx.apiKey)) {
      return { _tag: "Error", kind: r.kind, error: "auth" }
    }
    switch (r.kind) {
      case "models":
        return {
          _tag: "Respond",
          kind: r.kind,
          response: {
            status: 200,
            headers: { "x-request-id": ctx.requestId },
            body: JSON.stringify({ object: "list", data: ctx.models.map((id) => ({ id, object: "model", created: 1_686_935_002, owned_by: "openai" })) })
          }
        }
      case "model": {
        const id = decodeURIComponent(r.path.slice("/v1/models/".length))
        if (!ctx.models.includes(id)) return { _tag: "Error", kind: r.kind, error: "model-not-found" }
        return {
          _tag: "Respond",
          kind: r.kind,
          response: { status: 200, headers: { "x-request-id": ctx.requestId }, body: JSON.stringify({ id, object: "model", created: 1_686_935_002, owned_by: "openai" }) }
        }
      }
      case "chat": {
        const body = r.body as { model?: unknown; messages?: unknown } | undefined
        if (typeof body?.model !== "string") {
          return { _tag: "Error", kind: r.kind, error: "bad-request", message: "you must provide a model parameter" }
        }
        if (!Array.isArray(body.messages)) {
          return { _tag: "Error", kind: r.kind, error: "bad-request", message: "Missing required parameter: 'messages'." }
        }
        if (!ctx.models.includes(body.model)) return { _tag: "Error", kind: r.kind, error: "model-not-found" }
        const input = chatInput(r.body, body.model)
        const problem = input.structured !== undefined && strict(r.body) ? Structured.strictProblem(input.structured) : undefined
        if (problem !== undefined) return { _tag: "Error", kind: r.kind, error: "bad-request", message: problem }
        return { _tag: "Chat", input }
      }
      default:
        return { _tag: "Respond", kind: r.kind, response: { status: 404, body: JSON.stringify({ error: { message: `Invalid URL (${r.method} ${r.path})`, type: "invalid_request_error", param: null, code: null } }) } }
    }
  },
  completion: (_input, answer) => ({ status: 200, headers: responseHeaders(answer.requestId), body: JSON.stringify(completionBody(answer)) }),
  stream: (input, answer, deltas) => ({
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...responseHeaders(answer.requestId) },
    chunks: streamPieces(answer, deltas, includeUsage(input.body))
  }),
  error: (kind, ctx) => {
    const e = errorTable[kind]
    const headers: Record<string, string> = { "x-request-id": ctx.requestId }
    if (ctx.retryAfterSeconds !== undefined) headers["retry-after"] = String(ctx.retryAfterSeconds)
    if (kind === "rate-limit") {
      headers["x-ratelimit-limit-requests"] = "3"
      headers["x-ratelimit-remaining-requests"] = "0"
      headers["x-ratelimit-reset-requests"] = "20s"
    }
    return { status: e.status, headers, body: JSON.stringify(errorBody(kind, ctx.model, ctx.message)) }
  },
  streamError: (kind) => `data: ${JSON.stringify(errorBody(kind, ""))}\n\n`,
  malformedChunk: "data: {\"id\":\"chatcmpl-x\",\"choices\":[{\"delta\":{\"content\":\n\n",
  keepAlive: ": keep-alive\n\n"
}

/**
 * Starts an OpenAI emulator for the length of a scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options?: Emulator.Options): Effect.Effect<Emulator.Emulator, never, Scope.Scope> =>
  Emulator.scoped(protocol, options)

/**
 * Starts an OpenAI emulator (close it yourself).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = (options?: Emulator.Options): Promise<Emulator.Emulator> => Emulator.start(protocol, options)
