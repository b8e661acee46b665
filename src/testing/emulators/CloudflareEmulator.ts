/**
 * The Cloudflare Workers AI protocol for the emulator kit, under `/client/v4`:
 *
 * - `POST /accounts/{id}/ai/run/{model}` with the model path unencoded: JSON answers in the v4
 *   envelope (`result.response`, or OpenAI-shaped `result.choices` for `@cf/openai/*` models) and
 *   SSE streams (`data: {"response":…,"p":…}` events, usage in the last event, `data: [DONE]`;
 *   OpenAI chunks for `@cf/openai/*`). A percent-encoded model path (`@cf%2Fmeta%2F…`, what the
 *   `cloudflare` SDK sends) gets the live API's 400, code 7000 "No route for that URI".
 * - `GET /accounts/{id}/ai/models/search` (paginated: `page`, `per_page`, `result_info`;
 *   filters `search`, `task`).
 * - `GET /user/tokens/verify` and `GET /accounts/{id}/tokens/verify`.
 * - Errors in the v4 envelope with Workers AI's documented codes and statuses, `cf-ray` on every
 *   response, `Retry-After` when a delay is scripted.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import * as PromptProfiles from "../../domain/PromptProfiles.js"
import * as Emulator from "../Emulator.js"
import { chatInput, completionBody, streamPieces } from "./OpenAiEmulator.js"

const errorTable: Record<Exclude<Emulator.ErrorKind, "content-filter">, { status: number; code: number; message: (model: string) => string }> = {
  auth: { status: 401, code: 10000, message: () => "Authentication error" },
  permission: { status: 403, code: 5016, message: () => "User has not agreed to Llama3.2 model terms" },
  "rate-limit": { status: 429, code: 971, message: () => "Please wait and consider throttling your request speed" },
  quota: {
    status: 429,
    code: 3036,
    message: () =>
      "You have used up your daily free allocation of 10,000 neurons. Please upgrade to Cloudflare's Workers Paid plan if you would like to continue usage."
  },
  "model-not-found": { status: 400, code: 5007, message: (m) => `No such model ${m} or task` },
  "context-too-long": {
    status: 413,
    code: 5021,
    message: () => "AiError: The estimated number of input and maximum output tokens (35000) exceeded this model context window limit (24000)."
  },
  "bad-request": { status: 400, code: 5006, message: () => "AiError: Bad input: Error: oneOf at '/' not met, 0 matches required" },
  server: { status: 500, code: 3043, message: () => "Internal server error" },
  unavailable: { status: 429, code: 3040, message: () => "No more data centers to forward the request to" },
  overloaded: { status: 503, code: 3040, message: () => "Capacity temporarily exceeded, please try again." }
}

/**
 * Cloudflare's v4 error envelope.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const errorEnvelope = (...errors: ReadonlyArray<{ readonly code: number; readonly message: string }>) =>
  JSON.stringify({ success: false, errors, messages: [], result: null })

const ok = (result: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ result, success: true, errors: [], messages: [], ...extra })

/**
 * Whether a model answers in the OpenAI shape (`result.choices`, `choices[].delta` chunks) on the
 * native route, as the `@cf/openai/*` models do.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const answersInOpenAiShape = (model: string): boolean => model.startsWith("@cf/openai/")

const usage = (answer: Emulator.Answer) => ({
  prompt_tokens: answer.usage.inputTokens,
  completion_tokens: answer.usage.outputTokens,
  total_tokens: answer.usage.inputTokens + answer.usage.outputTokens
})

const withFinish = (finishReason: string | undefined) => (finishReason !== undefined ? { finish_reason: finishReason } : {})

// In JSON mode the native `response` is the answer object itself, not its text.
const nativeResult = (text: string, answer: Emulator.Answer) => ({
  response: answer.structured === true ? JSON.parse(text) as unknown : text,
  tool_calls: [],
  usage: usage(answer),
  ...withFinish(answer.finishReason)
})

// The random padding (`p`) Workers AI adds to stream events, made deterministic.
const PAD = "abcdefghijklmnopqrstuvwxyz0123456789"
const pad = (i: number) => PAD.slice(0, 1 + ((i * 7) % PAD.length))

const event = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`

const headers = (requestId: string): Record<string, string> => ({ "cf-ray": requestId })

const bearer = (h: Readonly<Record<string, string>>): string | undefined => {
  const auth = h["authorization"]
  return auth?.startsWith("Bearer ") ? auth.slice(7) : undefined
}

const BASE = "/client/v4"
const RUN = /^\/client\/v4\/accounts\/([^/]+)\/ai\/run\/(.+)$/
const SEARCH = /^\/client\/v4\/accounts\/([^/]+)\/ai\/models\/search$/
const ACCOUNT_VERIFY = /^\/client\/v4\/accounts\/([^/]+)\/tokens\/verify$/

const accountOf = (path: string): string | undefined =>
  (RUN.exec(path) ?? SEARCH.exec(path) ?? ACCOUNT_VERIFY.exec(path))?.[1]

const descriptionOf = (model: string) => `Emulated Workers AI text generation model ${model.split("/").pop() ?? model}.`

const respond = (kind: Emulator.RouteKind, status: number, body: string, requestId: string): Emulator.Route => ({
  _tag: "Respond",
  kind,
  response: { status, headers: headers(requestId), body }
})

/**
 * Options of {@link makeProtocol}.
 *
 * @since 0.1.0
 * @category Protocols
 */
export interface ProtocolOptions {
  /** The only account id served; other ids get code 7003 "Could not route to …". Default: any. */
  readonly accountId?: string | undefined
  /** Models per page of the model search when the request names no `per_page`. Default 50. */
  readonly perPage?: number | undefined
}

/**
 * The Workers AI protocol, for one account id (or any).
 *
 * @since 0.1.0
 * @category Protocols
 */
export const makeProtocol = (options: ProtocolOptions = {}): Emulator.Protocol => ({
  provider: "cloudflare",
  basePath: BASE,
  defaultModels: [
    "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
    "@cf/meta/llama-3.1-8b-instruct-fast",
    "@cf/zai-org/glm-4.7-flash",
    "@cf/google/gemma-4-26b-a4b-it",
    "@cf/qwen/qwen2.5-coder-32b-instruct",
    "@cf/openai/gpt-oss-120b",
    "@cf/openai/gpt-oss-20b"
  ],
  kindOf: (r) => {
    if (r.method === "POST") {
      const run = RUN.exec(r.path)
      // Cloudflare routes on literal slashes: an encoded one (`%2F`) matches no route.
      return run && !/%2f/i.test(run[2]!) ? "chat" : "other"
    }
    if (r.method === "GET" && SEARCH.test(r.path)) return "models"
    if (r.method === "GET" && (r.path === `${BASE}/user/tokens/verify` || ACCOUNT_VERIFY.test(r.path))) return "check"
    return "other"
  },
  route: (r, ctx) => {
    if (r.kind === "other") return respond(r.kind, 400, errorEnvelope({ code: 7000, message: "No route for that URI" }), ctx.requestId)
    const account = accountOf(r.path)
    if (account !== undefined && options.accountId !== undefined && account !== options.accountId) {
      const where = r.path.slice(BASE.length)
      return respond(
        r.kind,
        400,
        errorEnvelope(
          { code: 7003, message: `Could not route to ${where}, perhaps your object identifier is invalid?` },
          { code: 7000, message: "No route for that URI" }
        ),
        ctx.requestId
      )
    }
    const token = bearer(r.headers)
    if (token === undefined || token === "" || (ctx.apiKey !== undefined && token !== ctx.apiKey)) {
      // The token endpoints answer a bad token with their own code.
      if (r.kind === "check") return respond(r.kind, 401, errorEnvelope({ code: 1000, message: "Invalid API Token" }), ctx.requestId)
      return { _tag: "Error", kind: r.kind, error: "auth" }
    }
    switch (r.kind) {
      case "check":
        return respond(
          r.kind,
          200,
          ok(
            { id: "ed17574386854bf78a67040be0a770b0", status: "active" },
            { messages: [{ code: 10000, message: "This API Token is valid and active", type: null }] }
          ),
          ctx.requestId
        )
      case "models": {
        const search = (r.query["search"] ?? "").toLowerCase()
        const task = r.query["task"]
        const perPage = Math.max(1, Number(r.query["per_page"]) || options.perPage || 50)
        const page = Math.max(1, Number(r.query["page"]) || 1)
        // Every served model is a text generation model here.
        const all = task !== undefined && task !== "Text Generation" ? [] : ctx.models.filter((name) =>
          search === "" || name.toLowerCase().includes(search) || descriptionOf(name).toLowerCase().includes(search)
        )
        const slice = all.slice((page - 1) * perPage, page * perPage)
        const result = slice.map((name, i) => ({
          id: `0f002249-7d86-4698-aabf-8529ed86${String((page - 1) * perPage + i).padStart(4, "0")}`,
          source: 1,
          name,
          description: descriptionOf(name),
          task: { id: "c329a1f9-323d-4e91-b2aa-582dd4188d34", name: "Text Generation", description: "Family of generative text models." },
          created_at: "2024-07-23 01:00:00.000",
          tags: [],
          properties: [{ property_id: "context_window", value: "24000" }]
        }))
        return respond(
          r.kind,
          200,
          ok(result, { result_info: { count: slice.length, page, per_page: perPage, total_count: all.length } }),
          ctx.requestId
        )
      }
      case "chat": {
        const model = RUN.exec(r.path)![2]!
        const body = r.body as { messages?: unknown; prompt?: unknown } | undefined
        if (typeof body !== "object" || body === null || (!Array.isArray(body.messages) && typeof body.prompt !== "string")) {
          return { _tag: "Error", kind: r.kind, error: "bad-request" }
        }
        if (!ctx.models.includes(model)) {
          return { _tag: "Error", kind: r.kind, error: "model-not-found", message: errorTable["model-not-found"].message(model) }
        }
        const read = chatInput(body, model)
        // JSON mode: only the listed models, and never on a stream; otherwise the field is ignored.
        const input = read.structured !== undefined && (read.stream || !PromptProfiles.cloudflareJsonMode(model))
          ? { ...read, structured: undefined }
          : read
        return { _tag: "Chat", input: typeof body.prompt === "string" ? { ...input, user: body.prompt } : input }
      }
      default:
        return respond(r.kind, 400, errorEnvelope({ code: 7000, message: "No route for that URI" }), ctx.requestId)
    }
  },
  completion: (input, answer) => ({
    status: 200,
    headers: headers(answer.requestId),
    body: ok(answersInOpenAiShape(input.model) ? completionBody(answer) : nativeResult(answer.text, answer))
  }),
  stream: (input, answer, deltas) => ({
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers(answer.requestId) },
    chunks: answersInOpenAiShape(input.model)
      ? streamPieces(answer, deltas, true)
      : [
        ...deltas.map((d, i) => event({ response: d, p: pad(i) })),
        event({ response: "", usage: usage(answer), ...withFinish(answer.finishReason) }),
        "data: [DONE]\n\n"
      ]
  }),
  error: (kind, ctx) => {
    const h: Record<string, string> = headers(ctx.requestId)
    if (ctx.retryAfterSeconds !== undefined) h["retry-after"] = String(ctx.retryAfterSeconds)
    if (kind === "content-filter") {
      // Workers AI has no content-filter error: the closest real thing is an answer withheld with
      // finish reason `content_filter` (as the OpenAI-shaped models report it).
      const answer: Emulator.Answer = { text: "", model: ctx.model, usage: { inputTokens: 12, outputTokens: 0 }, finishReason: "content_filter", requestId: ctx.requestId }
      return { status: 200, headers: h, body: ok(answersInOpenAiShape(ctx.model) ? completionBody(answer) : nativeResult("", answer)) }
    }
    const e = errorTable[kind]
    return { status: e.status, headers: h, body: errorEnvelope({ code: e.code, message: ctx.message ?? e.message(ctx.model) }) }
  },
  streamError: (kind) => {
    if (kind === "content-filter") return `${event({ response: "", finish_reason: "content_filter" })}data: [DONE]\n\n`
    const e = errorTable[kind]
    return `data: ${errorEnvelope({ code: e.code, message: e.message("") })}\n\n`
  },
  malformedChunk: "data: {\"response\":\"SEL\n\n"
})

/**
 * The Workers AI protocol, serving any account id.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const protocol: Emulator.Protocol = makeProtocol()

/**
 * Emulator options, plus the account id to serve.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options extends Emulator.Options, ProtocolOptions {}

/**
 * Starts a Workers AI emulator for the length of a scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): Effect.Effect<Emulator.Emulator, never, Scope.Scope> =>
  Emulator.scoped(makeProtocol(options), options)

/**
 * Starts a Workers AI emulator (close it yourself).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = (options: Options = {}): Promise<Emulator.Emulator> => Emulator.start(makeProtocol(options), options)
