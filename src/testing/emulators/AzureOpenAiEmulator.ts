/**
 * The Azure OpenAI protocol for the emulator kit, in both URL families:
 *
 * - dated: `POST /openai/deployments/{deployment}/chat/completions?api-version=...` and
 *   `GET /openai/models?api-version=...`, `api-key` auth;
 * - v1: `POST /openai/v1/chat/completions` with the deployment as the body's `model`, and
 *   `GET /openai/v1/models`; `api-version` absent, `v1` or `preview` (anything else is Azure's 400
 *   "API version not supported"); the key as `api-key` or as a bearer token (what the plain
 *   OpenAI SDK sends).
 *
 * Both answer in JSON, or SSE whose first chunk carries only `prompt_filter_results`, with
 * Azure's error bodies and headers (`apim-request-id`, `x-request-id`, `retry-after`,
 * `retry-after-ms`). The emulator's `models` are its deployments; `models` lists their base models.
 *
 * Like the service, it holds clients to the `api-version` they send: `stream_options` and
 * `max_completion_tokens` are refused on `2024-10-21` and older (previews from `2024-09-01`
 * excepted; v1 takes both), and deployments of reasoning models refuse `max_tokens` and a
 * non-default temperature.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import { isReasoningModel } from "../../internal/wire/OpenAiWire.js"
import * as Emulator from "../Emulator.js"
import * as Structured from "../Structured.js"
import * as OpenAiEmulator from "./OpenAiEmulator.js"

/**
 * Azure-specific emulator options.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options extends Emulator.Options {
  /**
   * How content-filter errors spell their details: `innererror` with `content_filter_result`
   * (classic dated endpoints, the default) or `inner_error` with `content_filter_results`
   * (the spec and newer Foundry responses).
   */
  readonly innerErrorSpelling?: "innererror" | "inner_error" | undefined
  /** Send `apim-request-id` (default true); without it only `x-request-id` carries an id. */
  readonly apimRequestId?: boolean | undefined
}

/**
 * The deployments the emulator serves by default. `sql-reasoner` runs a reasoning model under a
 * name that does not say so, as real deployments often do.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultDeployments: ReadonlyArray<string> = ["gpt-4.1-mini", "gpt-4o-mini", "gpt-4o", "o4-mini", "sql-reasoner"]

// What each deployment runs: Azure answers with the base model's dated name, not the deployment's.
const deployed: Readonly<Record<string, string>> = {
  "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
  "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
  "gpt-4o": "gpt-4o-2024-11-20",
  "o4-mini": "o4-mini-2025-04-16",
  "sql-reasoner": "o4-mini-2025-04-16"
}

/**
 * The base model a deployment runs (the deployment name itself when unknown).
 *
 * @since 0.1.0
 * @category Protocols
 */
export const baseModel = (deployment: string): string => deployed[deployment] ?? deployment

const CHAT = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/
const V1_CHAT = "/openai/v1/chat/completions"
const V1_MODELS = "/openai/v1/models"
const DATED = /^(\d{4}-\d{2}-\d{2})(-preview)?$/

// Both parameters arrived in 2024-09-01-preview; GA 2024-10-21 and every older version lack them.
const lacksNewParameters = (apiVersion: string): boolean => {
  const m = DATED.exec(apiVersion)
  return m !== null && m[1]! <= "2024-10-21" && !(m[2] !== undefined && m[1]! >= "2024-09-01")
}

// The first GA data-plane version; anything older or undated is a route the service does not know.
const knownVersion = (v: string | undefined): v is string => v !== undefined && DATED.test(v) && v >= "2022-12-01"

// The v1 API's versions: none (meaning `v1`), `v1`, or `preview`; it knows no dated ones.
const v1Version = (v: string | undefined): boolean => v === undefined || v === "v1" || v === "preview"

// The v1 API also takes the key as `Authorization: Bearer <key>`, as the plain OpenAI SDK sends it.
const keyOf = (r: Emulator.RecordedRequest): string | undefined => {
  const key = r.headers["api-key"]
  if (key !== undefined || !r.path.startsWith("/openai/v1/")) return key
  return /^Bearer (.+)$/.exec(r.headers["authorization"] ?? "")?.[1]
}

const safe = { filtered: false, severity: "safe" }
const safeResults = { hate: safe, self_harm: safe, sexual: safe, violence: safe }
const promptFilterResults = [{ prompt_index: 0, content_filter_results: { ...safeResults, jailbreak: { filtered: false, detected: false } } }]
const filteredPrompt = { ...safeResults, jailbreak: { filtered: true, detected: true } }

const ACCESS_DENIED =
  "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."

const rateMessage = (limit: string, seconds: number) =>
  `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded ${limit} of your current OpenAI S0 pricing tier. Please retry after ${seconds} second${
    seconds === 1 ? "" : "s"
  }. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`

const openAiStyle = (message: string, type: string | null, param: string | null, code: string | null) => ({ error: { message, type, param, code } })

const errorBody = (
  kind: Emulator.ErrorKind,
  retryAfter: number,
  spelling: "innererror" | "inner_error",
  message?: string
): { status: number; body: { error: Record<string, unknown> } } => {
  switch (kind) {
    case "auth":
      return { status: 401, body: { error: { code: "401", message: message ?? ACCESS_DENIED } } }
    case "permission":
      return { status: 403, body: { error: { code: "403", message: message ?? "Public access is disabled. Please configure private endpoint." } } }
    case "rate-limit":
      return { status: 429, body: { error: { code: "429", message: message ?? rateMessage("call rate limit", retryAfter) } } }
    // Azure has no billing-quota error for chat: an exhausted token quota is a 429 with a long wait.
    case "quota":
      return { status: 429, body: { error: { code: "429", message: message ?? rateMessage("token rate limit", retryAfter) } } }
    case "model-not-found":
      return {
        status: 404,
        body: {
          error: {
            code: "DeploymentNotFound",
            message: message ??
              "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."
          }
        }
      }
    case "context-too-long":
      return {
        status: 400,
        body: openAiStyle(
          message ??
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
          "invalid_request_error",
          "messages",
          "context_length_exceeded"
        )
      }
    case "content-filter":
      return {
        status: 400,
        body: {
          error: {
            message: message ??
              "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
            type: null,
            param: "prompt",
            code: "content_filter",
            status: 400,
            ...(spelling === "innererror"
              ? { innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: filteredPrompt } }
              : { inner_error: { code: "ResponsibleAIPolicyViolation", content_filter_results: filteredPrompt } })
          }
        }
      }
    case "bad-request":
      return {
        status: 400,
        body: openAiStyle(
          message ?? "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
          "invalid_request_error",
          "temperature",
          "unsupported_value"
        )
      }
    case "server":
      return {
        status: 500,
        body: openAiStyle(
          message ?? "The server had an error processing your request. Sorry about that! You can retry your request, or contact us through an Azure support request.",
          "server_error",
          null,
          null
        )
      }
    case "unavailable":
      return { status: 503, body: { error: { code: "ServiceUnavailable", message: message ?? "The service is temporarily unable to process your request. Please try again later." } } }
    case "overloaded":
      return { status: 503, body: { error: { code: "503", message: message ?? "The engine is currently overloaded, please try again later." } } }
  }
}

const badRequest = (param: string, ctx: Emulator.ProtocolContext, message: string, code: string | null = "unsupported_parameter"): Emulator.Route => ({
  _tag: "Respond",
  kind: "chat",
  response: {
    status: 400,
    headers: { "apim-request-id": ctx.requestId, "x-request-id": `backend-${ctx.requestId}` },
    body: JSON.stringify(openAiStyle(message, "invalid_request_error", param, code))
  }
})

const notFound = (ctx: Emulator.ProtocolContext, kind: Emulator.RouteKind): Emulator.Route => ({
  _tag: "Respond",
  kind,
  response: { status: 404, headers: { "apim-request-id": ctx.requestId }, body: JSON.stringify({ error: { code: "404", message: "Resource not found" } }) }
})

// What the v1 API says to a dated (or unknown) `api-version`.
const unsupportedVersion = (ctx: Emulator.ProtocolContext, kind: Emulator.RouteKind): Emulator.Route => ({
  _tag: "Respond",
  kind,
  response: { status: 400, headers: { "apim-request-id": ctx.requestId }, body: JSON.stringify({ error: { code: "BadRequest", message: "API version not supported" } }) }
})

const bodyOf = (r: Emulator.RecordedRequest): Record<string, unknown> =>
  (typeof r.body === "object" && r.body !== null ? r.body : {}) as Record<string, unknown>

// A chat to a deployment, once its URL family has named it and accepted the api-version.
const chatRoute = (r: Emulator.RecordedRequest, ctx: Emulator.ProtocolContext, deployment: string, lacksNew: boolean): Emulator.Route => {
  if (!ctx.models.includes(deployment)) return { _tag: "Error", kind: "chat", error: "model-not-found" }
  const body = bodyOf(r)
  if (!Array.isArray(body.messages)) {
    return badRequest("messages", ctx, "'messages' is a required property", null)
  }
  if (lacksNew) {
    for (const param of ["stream_options", "max_completion_tokens"]) {
      if (body[param] !== undefined) return badRequest(param, ctx, `Unrecognized request argument supplied: ${param}`)
    }
  }
  if (isReasoningModel(baseModel(deployment))) {
    if (body.max_tokens !== undefined) {
      return badRequest("max_tokens", ctx, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.")
    }
    if (body.temperature !== undefined && body.temperature !== 1) {
      const message = `Unsupported value: 'temperature' does not support ${JSON.stringify(body.temperature)} with this model. Only the default (1) value is supported.`
      return { _tag: "Error", kind: "chat", error: "bad-request", message }
    }
  }
  const input = OpenAiEmulator.chatInput(r.body, deployment)
  const problem = input.structured !== undefined && OpenAiEmulator.strict(r.body) ? Structured.strictProblem(input.structured) : undefined
  if (problem !== undefined) return badRequest("response_format", ctx, problem, "invalid_value")
  return { _tag: "Chat", input }
}

// Dated: the deployment is in the URL; `model` in the body (the official client sends it) is ignored.
const datedChat = (r: Emulator.RecordedRequest, ctx: Emulator.ProtocolContext, deployment: string): Emulator.Route => {
  const apiVersion = r.query["api-version"]
  // An api-version the service does not know leaves the deployment route unmatched.
  if (!knownVersion(apiVersion)) return { _tag: "Error", kind: "chat", error: "model-not-found" }
  return chatRoute(r, ctx, deployment, lacksNewParameters(apiVersion))
}

// v1: the body's `model` names the deployment.
const v1Chat = (r: Emulator.RecordedRequest, ctx: Emulator.ProtocolContext): Emulator.Route => {
  if (!v1Version(r.query["api-version"])) return unsupportedVersion(ctx, "chat")
  const model = bodyOf(r).model
  if (typeof model !== "string" || model === "") return badRequest("model", ctx, "you must provide a model parameter", null)
  return chatRoute(r, ctx, model, false)
}

/**
 * The Azure OpenAI protocol with the given options.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const protocolWith = (options: Pick<Options, "innerErrorSpelling" | "apimRequestId"> = {}): Emulator.Protocol => {
  const spelling = options.innerErrorSpelling ?? "innererror"
  const ids = (requestId: string, backend: boolean): Record<string, string> => ({
    ...(options.apimRequestId === false ? {} : { "apim-request-id": requestId }),
    // The model backend's own id differs from the gateway's (APIM rejects a bad key before it).
    ...(backend ? { "x-request-id": `backend-${requestId}` } : {})
  })
  const answerHeaders = (requestId: string) => ({
    ...ids(requestId, true),
    "x-ms-region": "Sweden Central",
    "x-ratelimit-remaining-requests": "79",
    "x-ratelimit-remaining-tokens": "61353"
  })
  const served = (answer: Emulator.Answer): Emulator.Answer => ({ ...answer, model: baseModel(answer.model) })
  const choiceFilter = (answer: Emulator.Answer) => ({
    content_filter_results: answer.finishReason === "content_filter" ? { ...safeResults, violence: { filtered: true, severity: "medium" } } : safeResults
  })
  return {
    provider: "azure-openai",
    basePath: "",
    defaultModels: defaultDeployments,
    kindOf: (r) =>
      r.method === "POST" && (CHAT.test(r.path) || r.path === V1_CHAT)
        ? "chat"
        : r.method === "GET" && (r.path === "/openai/models" || r.path === V1_MODELS)
        ? "models"
        : "other",
    route: (r, ctx) => {
      const key = keyOf(r)
      if (key === undefined || key === "" || (ctx.apiKey !== undefined && key !== ctx.apiKey)) {
        return { _tag: "Error", kind: r.kind, error: "auth" }
      }
      const v1 = r.path.startsWith("/openai/v1/")
      if (r.kind === "chat") return v1 ? v1Chat(r, ctx) : datedChat(r, ctx, decodeURIComponent(CHAT.exec(r.path)![1]!))
      if (r.kind === "models" && v1 && !v1Version(r.query["api-version"])) return unsupportedVersion(ctx, r.kind)
      if (r.kind !== "models" || (!v1 && !knownVersion(r.query["api-version"]))) return notFound(ctx, r.kind)
      const bases = [...new Set([...ctx.models.map(baseModel), "text-embedding-3-small"])]
      return {
        _tag: "Respond",
        kind: r.kind,
        response: {
          status: 200,
          headers: { "apim-request-id": ctx.requestId },
          body: JSON.stringify({
            data: bases.map((id) => ({
              id,
              status: "succeeded",
              capabilities: { chat_completion: !id.startsWith("text-embedding"), completion: false, embeddings: id.startsWith("text-embedding"), fine_tune: false, inference: true },
              lifecycle_status: "generally-available",
              deprecation: { inference: 1_790_812_800 },
              created_at: 1_721_001_600,
              updated_at: 1_721_001_600,
              object: "model"
            })),
            object: "list"
          })
        }
      }
    },
    completion: (_input, answer) => ({
      status: 200,
      headers: answerHeaders(answer.requestId),
      body: JSON.stringify({ ...OpenAiEmulator.completionBody(served(answer), choiceFilter(answer)), prompt_filter_results: promptFilterResults })
    }),
    stream: (input, answer, deltas) => ({
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, must-revalidate", "x-accel-buffering": "no", ...answerHeaders(answer.requestId) },
      // Azure's first chunk: no choices, no model, only the prompt's filter results.
      chunks: OpenAiEmulator.streamPieces(served(answer), deltas, OpenAiEmulator.includeUsage(input.body), [
        { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: promptFilterResults }
      ])
    }),
    error: (kind, ctx) => {
      const retryAfter = ctx.retryAfterSeconds ?? (kind === "quota" ? 86_400 : 1)
      const { body, status } = errorBody(kind, retryAfter, spelling, ctx.message)
      const headers = ids(ctx.requestId, status !== 401)
      if (status === 429) {
        headers["retry-after"] = String(retryAfter)
        headers["retry-after-ms"] = String(retryAfter * 1000)
        headers["x-ratelimit-remaining-requests"] = "0"
        headers["x-ratelimit-remaining-tokens"] = "0"
      }
      return { status, headers, body: JSON.stringify(body) }
    },
    streamError: (kind) => `data: ${JSON.stringify(errorBody(kind, 1, spelling).body)}\n\n`,
    malformedChunk: OpenAiEmulator.protocol.malformedChunk,
    keepAlive: OpenAiEmulator.protocol.keepAlive
  }
}

/**
 * The Azure OpenAI protocol (classic `innererror` spelling, `apim-request-id` sent).
 *
 * @since 0.1.0
 * @category Protocols
 */
export const protocol: Emulator.Protocol = protocolWith()

/**
 * Starts an Azure OpenAI emulator for the length of a scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): Effect.Effect<Emulator.Emulator, never, Scope.Scope> =>
  Emulator.scoped(protocolWith(options), options)

/**
 * Starts an Azure OpenAI emulator (close it yourself).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = (options: Options = {}): Promise<Emulator.Emulator> => Emulator.start(protocolWith(options), options)
