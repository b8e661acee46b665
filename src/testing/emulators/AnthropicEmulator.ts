/**
 * The Anthropic Messages protocol for the emulator kit: `POST /v1/messages` (JSON, and SSE with
 * named events ended by `message_stop`, `ping` as keep-alive, `event: error` mid-stream),
 * `GET /v1/models` (cursor pages: `limit`, `after_id`, `before_id`), `GET /v1/models/{id}`, and
 * Anthropic's exact error envelope and headers (`request-id`, `anthropic-organization-id`,
 * `anthropic-ratelimit-*`, `retry-after`).
 *
 * Like the real API it checks `x-api-key` (or `Authorization: Bearer`, which the 1.x SDK sends),
 * requires `anthropic-version`, `max_tokens` and `messages`, refuses `temperature` / `top_p` /
 * `top_k` under version `2026-10-21`, and refuses a non-default temperature for models released
 * after Claude Opus 4.6.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import * as Emulator from "../Emulator.js"

/**
 * The API versions the emulator accepts, as the real API does.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const versions: ReadonlyArray<string> = ["2023-06-01", "2026-10-21"]

interface ErrorSpec {
  readonly status: number
  readonly type: string
  readonly message: (model: string) => string
}

const errorTable: Record<Exclude<Emulator.ErrorKind, "content-filter">, ErrorSpec> = {
  auth: { status: 401, type: "authentication_error", message: () => "invalid x-api-key" },
  permission: { status: 403, type: "permission_error", message: () => "Your API key does not have permission to use the specified resource." },
  "rate-limit": {
    status: 429,
    type: "rate_limit_error",
    message: () =>
      "This request would exceed the rate limit for your organization (org-emulator) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
  },
  // Anthropic reports an empty prepaid balance as a 400, not a 402 or 429.
  quota: {
    status: 400,
    type: "invalid_request_error",
    message: () => "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."
  },
  "model-not-found": { status: 404, type: "not_found_error", message: (m) => `model: ${m}` },
  "context-too-long": { status: 400, type: "invalid_request_error", message: () => "prompt is too long: 215342 tokens > 200000 maximum" },
  "bad-request": {
    status: 400,
    type: "invalid_request_error",
    message: () => "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"user\" roles in a row"
  },
  server: { status: 500, type: "api_error", message: () => "Internal server error" },
  // Anthropic signals a lack of capacity with 529 overloaded_error rather than 503.
  unavailable: { status: 529, type: "overloaded_error", message: () => "Overloaded" },
  overloaded: { status: 529, type: "overloaded_error", message: () => "Overloaded" }
}

/**
 * Anthropic's error envelope: `{"type":"error","error":{"type","message","details"?},"request_id"}`.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const errorBody = (
  type: string,
  message: string,
  requestId: string | null,
  details?: Record<string, unknown> | undefined
) => ({
  type: "error",
  error: { type, message, ...(details ? { details } : {}) },
  request_id: requestId
})

const resetIn = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")

/**
 * The rate-limit headers Anthropic sends with every answer (reset times are RFC 3339, token
 * counts rounded to the thousand).
 *
 * @since 0.1.0
 * @category Protocols
 */
export const rateLimitHeaders = (remainingRequests = 49): Record<string, string> => ({
  "anthropic-ratelimit-requests-limit": "50",
  "anthropic-ratelimit-requests-remaining": String(remainingRequests),
  "anthropic-ratelimit-requests-reset": resetIn(remainingRequests > 0 ? 1 : 20),
  "anthropic-ratelimit-tokens-limit": "90000",
  "anthropic-ratelimit-tokens-remaining": remainingRequests > 0 ? "89000" : "0",
  "anthropic-ratelimit-tokens-reset": resetIn(1),
  "anthropic-ratelimit-input-tokens-limit": "40000",
  "anthropic-ratelimit-input-tokens-remaining": remainingRequests > 0 ? "39000" : "0",
  "anthropic-ratelimit-input-tokens-reset": resetIn(1),
  "anthropic-ratelimit-output-tokens-limit": "50000",
  "anthropic-ratelimit-output-tokens-remaining": remainingRequests > 0 ? "50000" : "0",
  "anthropic-ratelimit-output-tokens-reset": resetIn(1)
})

/**
 * The headers of every response: the request id and the organization.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const baseHeaders = (requestId: string): Record<string, string> => ({
  "request-id": requestId,
  "anthropic-organization-id": "00000000-0000-4000-8000-00000000e0e0"
})

/**
 * A fully rendered Anthropic error response, for any error type (also those no
 * {@link Emulator.ErrorKind} names: `billing_error`, `timeout_error`, `request_too_large`, spend
 * limits with `details.error_code`).
 *
 * @since 0.1.0
 * @category Protocols
 */
export const errorResponse = (
  status: number,
  type: string,
  message: string,
  options: { readonly requestId: string; readonly retryAfterSeconds?: number | undefined; readonly details?: Record<string, unknown> | undefined }
): Emulator.Rendered => {
  const headers: Record<string, string> = { ...baseHeaders(options.requestId) }
  if (status === 429) Object.assign(headers, rateLimitHeaders(0))
  if (options.retryAfterSeconds !== undefined) headers["retry-after"] = String(options.retryAfterSeconds)
  return { status, headers, body: JSON.stringify(errorBody(type, message, options.requestId, options.details)) }
}

const uncached = (u: Emulator.Usage): number => Math.max(0, u.inputTokens - (u.cachedInputTokens ?? 0) - (u.cacheWriteTokens ?? 0))

// The forced tool an answer is rendered as: the call forced one, and the answer is its input.
const toolOf = (input: Emulator.ChatInput, answer: Emulator.Answer): string | undefined =>
  answer.structured === true && input.structured?.via === "tool_use" ? input.structured.name : undefined

const stopReason = (answer: Emulator.Answer, tool?: string) => answer.finishReason ?? (tool !== undefined ? "tool_use" : "end_turn")

const toolUseId = (answer: Emulator.Answer) => `toolu_${answer.requestId}`

/**
 * The non-streaming `Message` body for an answer (a `refusal` answer carries no content). With
 * `tool` (a forced tool), the answer's JSON is that tool's `tool_use` block and the stop reason
 * `tool_use`, as the API answers a forced `tool_choice`.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const messageBody = (answer: Emulator.Answer, tool?: string) => ({
  id: `msg_${answer.requestId}`,
  type: "message",
  role: "assistant",
  model: answer.model,
  content: answer.text === ""
    ? []
    : tool !== undefined
    ? [{ type: "tool_use", id: toolUseId(answer), name: tool, input: JSON.parse(answer.text) as unknown }]
    : [{ type: "text", text: answer.text }],
  stop_reason: stopReason(answer, tool),
  stop_sequence: null,
  stop_details: null,
  usage: {
    // Anthropic's input_tokens leaves out what was read from or written to the prompt cache.
    input_tokens: uncached(answer.usage),
    output_tokens: answer.usage.outputTokens,
    cache_creation_input_tokens: answer.usage.cacheWriteTokens ?? 0,
    cache_read_input_tokens: answer.usage.cachedInputTokens ?? 0,
    cache_creation: null,
    server_tool_use: null,
    service_tier: "standard",
    inference_geo: null,
    output_tokens_details: null
  }
})

/**
 * One SSE event in Anthropic's framing: `event: <type>` and `data: <json>`.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const sseEvent = (data: { readonly type: string; readonly [field: string]: unknown }): string => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`

/**
 * The SSE pieces of a streamed answer, as the real API orders them: `message_start`, one text
 * block (start, `ping`, deltas, stop), `message_delta` with the stop reason and the cumulative
 * usage, `message_stop`.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const streamPieces = (answer: Emulator.Answer, deltas: ReadonlyArray<string>, tool?: string): Array<string> => {
  const start = messageBody({ ...answer, text: "" })
  return [
    sseEvent({
      type: "message_start",
      message: {
        ...start,
        stop_reason: null,
        // message_start reports the input and the first output token; message_delta the totals.
        usage: { ...start.usage, output_tokens: Math.min(1, answer.usage.outputTokens) }
      }
    }),
    // A forced tool streams its input as `input_json_delta` pieces of JSON.
    sseEvent({
      type: "content_block_start",
      index: 0,
      content_block: tool !== undefined ? { type: "tool_use", id: toolUseId(answer), name: tool, input: {} } : { type: "text", text: "" }
    }),
    sseEvent({ type: "ping" }),
    ...deltas.filter((d) => d !== "").map((text) =>
      sseEvent({
        type: "content_block_delta",
        index: 0,
        delta: tool !== undefined ? { type: "input_json_delta", partial_json: text } : { type: "text_delta", text }
      })
    ),
    sseEvent({ type: "content_block_stop", index: 0 }),
    sseEvent({
      type: "message_delta",
      delta: { stop_reason: stopReason(answer, tool), stop_sequence: null, stop_details: null },
      usage: {
        input_tokens: uncached(answer.usage),
        output_tokens: answer.usage.outputTokens,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        server_tool_use: null,
        output_tokens_details: null
      }
    }),
    sseEvent({ type: "message_stop" })
  ]
}

const displayName = (id: string): string =>
  id.replace(/-(\d{8})$/, "").split("-").reduce<Array<string>>((words, w) => {
    // "4-6" is version 4.6
    const last = words[words.length - 1]
    if (/^\d$/.test(w) && last !== undefined && /^\d+(\.\d+)*$/.test(last)) words[words.length - 1] = `${last}.${w}`
    else words.push(w.charAt(0).toUpperCase() + w.slice(1))
    return words
  }, []).join(" ")

/**
 * A `ModelInfo` as `GET /v1/models` returns it.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const modelInfo = (id: string) => ({
  type: "model",
  id,
  display_name: displayName(id),
  created_at: "2026-08-05T00:00:00Z",
  max_input_tokens: 200_000,
  max_tokens: 64_000,
  capabilities: null,
  deprecated_at: null,
  lifecycle: "active",
  line: /sonnet/.test(id) ? "sonnet" : /opus/.test(id) ? "opus" : /haiku/.test(id) ? "haiku" : null,
  retires_at: null
})

const text = (u: unknown): string => {
  if (typeof u === "string") return u
  if (Array.isArray(u)) {
    return u.map((p) => (typeof p === "object" && p !== null && (p as { type?: unknown }).type === "text" ? String((p as { text?: unknown }).text ?? "") : "")).join("")
  }
  return ""
}

const credential = (headers: Readonly<Record<string, string>>): string | undefined => {
  const key = headers["x-api-key"]
  if (key !== undefined) return key
  const auth = headers["authorization"]
  return auth?.startsWith("Bearer ") ? auth.slice(7) : undefined
}

// Models released after Claude Opus 4.6 take only the default temperature (1.0).
const fixedSampling = (model: string) => /^claude-(opus-4-([7-9]|\d{2})|[a-z]+-([5-9]|\d{2})(-|$)|mythos|fable)/.test(model)

const badRequest = (kind: Emulator.RouteKind, message: string): Emulator.Route => ({ _tag: "Error", kind, error: "bad-request", message })

// A `tool_choice` forcing one of the body's `tools`: the structured answer asked for, or the
// API's 400 message when the choice is refused (no such tool; forced together with thinking).
const forcedTool = (b: Record<string, unknown>): Emulator.StructuredRequest | string | undefined => {
  const choice = b.tool_choice as { type?: unknown; name?: unknown } | undefined
  if (choice?.type !== "tool" || typeof choice.name !== "string") return undefined
  const tools = Array.isArray(b.tools) ? (b.tools as Array<{ name?: unknown; input_schema?: unknown }>) : []
  const tool = tools.find((t) => t.name === choice.name)
  if (tool === undefined) return `tool_choice.name: Tool '${choice.name}' not found in provided tools`
  const thinking = (b.thinking as { type?: unknown } | undefined)?.type
  if (thinking === "enabled" || thinking === "adaptive") return "Thinking may not be enabled when tool_choice forces tool use."
  return { via: "tool_use", name: choice.name, schema: tool.input_schema }
}

const chat = (r: Emulator.RecordedRequest, ctx: Emulator.ProtocolContext, version: string): Emulator.Route => {
  if (r.body === undefined || typeof r.body !== "object" || r.body === null || Array.isArray(r.body)) {
    return badRequest(r.kind, "There was an issue with your request body: it is not valid JSON.")
  }
  const b = r.body as Record<string, unknown>
  if (typeof b.model !== "string") return badRequest(r.kind, "model: Field required")
  if (typeof b.max_tokens !== "number") return badRequest(r.kind, "max_tokens: Field required")
  if (!Number.isInteger(b.max_tokens) || b.max_tokens < 1) return badRequest(r.kind, "max_tokens: Input should be greater than or equal to 1")
  if (!Array.isArray(b.messages) || b.messages.length === 0) return badRequest(r.kind, "messages: Field required")
  const removed = version >= "2026-10-21"
  for (const field of ["temperature", "top_p", "top_k"] as const) {
    if (b[field] === undefined) continue
    if (removed) return badRequest(r.kind, `${field}: Extra inputs are not permitted`)
  }
  if (typeof b.temperature === "number" && (b.temperature < 0 || b.temperature > 1)) {
    return badRequest(r.kind, "temperature: Input should be less than or equal to 1")
  }
  if (!ctx.models.includes(b.model)) return { _tag: "Error", kind: r.kind, error: "model-not-found", message: `model: ${b.model}` }
  if (fixedSampling(b.model) && ((b.temperature !== undefined && b.temperature !== 1) || b.top_k !== undefined)) {
    return badRequest(r.kind, `temperature: only the default value 1.0 is supported for ${b.model}`)
  }
  const messages = b.messages as Array<{ role?: unknown; content?: unknown }>
  if (!removed && messages.some((m) => m.role === "system")) {
    return badRequest(r.kind, "messages.0.role: Input should be 'user' or 'assistant'")
  }
  const system = [text(b.system), ...messages.filter((m) => m.role === "system").map((m) => text(m.content))].filter((s) => s !== "").join("\n")
  const forced = forcedTool(b)
  if (typeof forced === "string") return badRequest(r.kind, forced)
  // The last user message is the request; earlier user/assistant turns are worked examples.
  const users = messages.filter((m) => m.role === "user")
  return {
    _tag: "Chat",
    input: {
      model: b.model,
      system,
      user: users.length > 0 ? text(users[users.length - 1]!.content) : "",
      examples: Math.max(0, users.length - 1),
      ...(forced !== undefined ? { structured: forced } : {}),
      stream: b.stream === true,
      body: r.body,
      maxTokens: b.max_tokens,
      ...(typeof b.temperature === "number" ? { temperature: b.temperature } : {})
    }
  }
}

const modelPage = (query: Readonly<Record<string, string>>, models: ReadonlyArray<string>, requestId: string): Emulator.Rendered => {
  const limit = query.limit === undefined ? 20 : Number(query.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    return errorResponse(400, "invalid_request_error", "limit: Input should be less than or equal to 1000", { requestId })
  }
  let from = 0
  let to = models.length
  if (query.after_id !== undefined) from = models.indexOf(query.after_id) + 1
  if (query.before_id !== undefined) to = Math.max(0, models.indexOf(query.before_id))
  const slice = query.before_id !== undefined ? models.slice(Math.max(from, to - limit), to) : models.slice(from, Math.min(to, from + limit))
  const has_more = query.before_id !== undefined ? to - limit > from : from + limit < to
  return {
    status: 200,
    headers: baseHeaders(requestId),
    body: JSON.stringify({ data: slice.map(modelInfo), has_more, first_id: slice[0] ?? null, last_id: slice[slice.length - 1] ?? null })
  }
}

/**
 * The Anthropic protocol.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const protocol: Emulator.Protocol = {
  provider: "anthropic",
  basePath: "/v1",
  defaultModels: [
    "claude-sonnet-5",
    "claude-opus-5",
    "claude-opus-4-6",
    "claude-sonnet-4-6",
    "claude-haiku-4-5",
    "claude-3-5-haiku-20241022"
  ],
  kindOf: (r) =>
    r.method === "POST" && r.path === "/v1/messages"
      ? "chat"
      : r.method === "GET" && r.path === "/v1/models"
      ? "models"
      : r.method === "GET" && r.path.startsWith("/v1/models/")
      ? "model"
      : "other",
  route: (r, ctx) => {
    const key = credential(r.headers)
    if (key === undefined || key === "") {
      return { _tag: "Error", kind: r.kind, error: "auth", message: "x-api-key header is required" }
    }
    if (ctx.apiKey !== undefined && key !== ctx.apiKey) return { _tag: "Error", kind: r.kind, error: "auth" }
    const version = r.headers["anthropic-version"]
    if (version === undefined || version === "") return badRequest(r.kind, "anthropic-version: header is required")
    if (!versions.includes(version)) return badRequest(r.kind, `anthropic-version: invalid version ${JSON.stringify(version)}`)
    switch (r.kind) {
      case "chat":
        return chat(r, ctx, version)
      case "models":
        return { _tag: "Respond", kind: r.kind, response: modelPage(r.query, ctx.models, ctx.requestId) }
      case "model": {
        const id = decodeURIComponent(r.path.slice("/v1/models/".length))
        if (!ctx.models.includes(id)) return { _tag: "Error", kind: r.kind, error: "model-not-found", message: `model: ${id}` }
        return { _tag: "Respond", kind: r.kind, response: { status: 200, headers: baseHeaders(ctx.requestId), body: JSON.stringify(modelInfo(id)) } }
      }
      default:
        return {
          _tag: "Respond",
          kind: r.kind,
          response: { status: 404, headers: baseHeaders(ctx.requestId), body: JSON.stringify(errorBody("not_found_error", "Not Found", ctx.requestId)) }
        }
    }
  },
  completion: (input, answer) => ({
    status: 200,
    headers: { ...baseHeaders(answer.requestId), ...rateLimitHeaders() },
    body: JSON.stringify(messageBody(answer, toolOf(input, answer)))
  }),
  stream: (input, answer, deltas) => ({
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...baseHeaders(answer.requestId), ...rateLimitHeaders() },
    chunks: streamPieces(answer, deltas, toolOf(input, answer))
  }),
  error: (kind, ctx) => {
    // Anthropic has no content-filter error: a refused prompt is a 200 answer with
    // stop_reason "refusal" and no text.
    if (kind === "content-filter") {
      const answer = { text: "", model: ctx.model, usage: { inputTokens: 12, outputTokens: 0 }, finishReason: "refusal", requestId: ctx.requestId }
      return { status: 200, headers: { ...baseHeaders(ctx.requestId), ...rateLimitHeaders() }, body: JSON.stringify(messageBody(answer)) }
    }
    const e = errorTable[kind]
    return errorResponse(e.status, e.type, ctx.message ?? e.message(ctx.model), { requestId: ctx.requestId, retryAfterSeconds: ctx.retryAfterSeconds })
  },
  // Mid-stream errors carry no request_id; a refusal mid-stream ends the message instead.
  streamError: (kind) =>
    kind === "content-filter"
      ? sseEvent({ type: "content_block_stop", index: 0 }) +
        sseEvent({ type: "message_delta", delta: { stop_reason: "refusal", stop_sequence: null, stop_details: null }, usage: { output_tokens: 3 } }) +
        sseEvent({ type: "message_stop" })
      : sseEvent({ type: "error", error: { type: errorTable[kind].type, message: errorTable[kind].message("") } }),
  malformedChunk: "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\n\n",
  keepAlive: sseEvent({ type: "ping" })
}

/**
 * Starts an Anthropic emulator for the length of a scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options?: Emulator.Options): Effect.Effect<Emulator.Emulator, never, Scope.Scope> =>
  Emulator.scoped(protocol, options)

/**
 * Starts an Anthropic emulator (close it yourself).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = (options?: Emulator.Options): Promise<Emulator.Emulator> => Emulator.start(protocol, options)
