/**
 * The Ollama protocol for the emulator kit: `POST /api/chat` (one JSON object with
 * `stream:false`, NDJSON lines otherwise, as Ollama streams by default), `GET /api/tags`,
 * `POST /api/show`, `GET /api/version`, and Ollama's exact `{"error":"<string>"}` bodies and
 * messages. A local server takes no key: auth is checked only when the emulator has an `apiKey`
 * (then a matching `Authorization: Bearer` is required, as ollama.com does). Ollama sends no
 * request id header and no keep-alive lines.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import * as Emulator from "../Emulator.js"

const CREATED_AT = "2025-10-17T23:14:07.414671Z"

// Ollama's messages, from its server code (and ollama.com's for the cloud-only statuses). Kinds
// Ollama cannot produce (content filtering) are rendered as its closest error, a 400.
const errorTable: Record<Emulator.ErrorKind, { status: number; message: (model: string, requestId: string) => string }> = {
  auth: { status: 401, message: () => "unauthorized" },
  permission: { status: 403, message: () => "ollama cloud is disabled: remote model is unavailable" },
  "rate-limit": { status: 429, message: () => "you've reached your hourly usage limit, please wait or upgrade to continue" },
  quota: { status: 429, message: () => "you've reached your weekly usage limit, please wait or upgrade to continue" },
  "model-not-found": { status: 404, message: (m) => `model '${m}' not found` },
  "context-too-long": {
    status: 400,
    message: () =>
      "the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length"
  },
  "content-filter": { status: 400, message: (m) => `"${m}" does not support chat` },
  "bad-request": { status: 400, message: () => "json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message" },
  server: { status: 500, message: () => "llama runner process has terminated: exit status 2" },
  unavailable: { status: 502, message: () => "Post \"https://ollama.com:443/api/chat\": dial tcp: lookup ollama.com: no such host" },
  overloaded: { status: 503, message: (_m, requestId) => `Server overloaded, please retry shortly (ref: ${requestId})` }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Emulator.Rendered => ({
  status,
  // gin's c.JSON
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(body)
})

const errorResponse = (message: string, status: number, headers: Record<string, string> = {}) => json(status, { error: message }, headers)

const canonical = (name: string): string => {
  const n = name.trim().toLowerCase()
  return n.slice(n.lastIndexOf("/") + 1).includes(":") ? n : `${n}:latest`
}

/**
 * Whether the emulator serves a model: names are case-insensitive and the tag defaults to `latest`.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const serves = (models: ReadonlyArray<string>, name: string): boolean => models.some((m) => canonical(m) === canonical(name))

const family = (name: string): string => /^[a-z]+/i.exec(name.slice(name.lastIndexOf("/") + 1))?.[0]?.toLowerCase() ?? "llama"

const details = (name: string) => ({
  parent_model: "",
  format: "gguf",
  family: family(name),
  families: [family(name)],
  parameter_size: /(\d+(?:\.\d+)?)b\b/i.exec(name.split(":")[1] ?? "")?.[1]?.concat("B") ?? "3.2B",
  quantization_level: "Q4_K_M"
})

const stats = (answer: Emulator.Answer) => ({
  total_duration: 174_560_334,
  load_duration: 101_397_084,
  prompt_eval_count: answer.usage.inputTokens,
  prompt_eval_duration: 13_074_791,
  eval_count: answer.usage.outputTokens,
  eval_duration: 52_479_709
})

const line = (o: unknown) => `${JSON.stringify(o)}\n`

/**
 * The context window `/api/show` reports for every model.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const contextLength = 131_072

const bearer = (headers: Readonly<Record<string, string>>): string | undefined => {
  const auth = headers["authorization"]
  return auth?.startsWith("Bearer ") ? auth.slice(7) : undefined
}

// `format`: "json" (any JSON) or a JSON Schema the server turns into a grammar.
const formatOf = (format: unknown): Emulator.StructuredRequest | undefined =>
  format === "json"
    ? { via: "format", schema: undefined }
    : typeof format === "object" && format !== null && !Array.isArray(format)
    ? { via: "format", schema: format }
    : undefined

const chatInput = (body: Record<string, unknown>, model: string): Emulator.ChatInput => {
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>
  const content = (m: { content?: unknown }) => (typeof m.content === "string" ? m.content : "")
  const users = messages.filter((m) => m.role === "user")
  const options = (typeof body.options === "object" && body.options !== null ? body.options : {}) as Record<string, unknown>
  const structured = formatOf(body.format)
  return {
    model,
    system: messages.filter((m) => m.role === "system").map(content).join("\n"),
    // The last user message is the request; earlier user/assistant turns are worked examples.
    user: users.length > 0 ? content(users[users.length - 1]!) : "",
    examples: Math.max(0, users.length - 1),
    ...(structured !== undefined ? { structured } : {}),
    // Ollama streams unless told not to.
    stream: body.stream !== false,
    body,
    ...(typeof options.num_predict === "number" ? { maxTokens: options.num_predict } : {}),
    ...(typeof options.temperature === "number" ? { temperature: options.temperature } : {})
  }
}

/**
 * The Ollama protocol.
 *
 * @since 0.1.0
 * @category Protocols
 */
export const protocol: Emulator.Protocol = {
  provider: "ollama",
  basePath: "",
  defaultModels: ["llama3.2:latest", "qwen2.5-coder:7b", "sqlcoder:15b", "gpt-oss:20b"],
  kindOf: (r) =>
    r.method === "POST" && r.path === "/api/chat"
      ? "chat"
      : r.method === "GET" && r.path === "/api/tags"
      ? "models"
      : r.method === "POST" && r.path === "/api/show"
      ? "model"
      : r.method === "GET" && r.path === "/api/version"
      ? "check"
      : "other",
  route: (r, ctx) => {
    if (ctx.apiKey !== undefined && bearer(r.headers) !== ctx.apiKey) return { _tag: "Error", kind: r.kind, error: "auth" }
    const body = (typeof r.body === "object" && r.body !== null && !Array.isArray(r.body) ? r.body : undefined) as
      | Record<string, unknown>
      | undefined
    const respond = (response: Emulator.Rendered): Emulator.Route => ({ _tag: "Respond", kind: r.kind, response })
    switch (r.kind) {
      case "check":
        return respond(json(200, { version: "0.12.6" }))
      case "models":
        return respond(json(200, {
          models: ctx.models.map((name, i) => ({
            name,
            model: name,
            modified_at: "2025-10-03T23:34:03.409490317-07:00",
            size: 2_019_393_189 + i,
            digest: `a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b7${i % 10}`,
            details: details(name)
          }))
        }))
      case "model": {
        if (r.text === "") return respond(errorResponse("missing request body", 400))
        const name = typeof body?.model === "string" ? body.model : typeof body?.name === "string" ? body.name : ""
        if (name === "") return respond(errorResponse("model is required", 400))
        if (!serves(ctx.models, name)) return { _tag: "Error", kind: r.kind, error: "model-not-found", message: `model '${name}' not found` }
        const arch = family(name)
        return respond(json(200, {
          license: "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
          modelfile: `FROM ${name}`,
          parameters: "stop                           \"<|eot_id|>\"",
          template: "{{ .Prompt }}",
          details: details(name),
          model_info: {
            "general.architecture": arch,
            "general.parameter_count": 3_212_749_888,
            [`${arch}.context_length`]: contextLength,
            [`${arch}.embedding_length`]: 3072
          },
          capabilities: ["completion", "tools"],
          modified_at: "2025-08-14T15:49:43.634137516-07:00"
        }))
      }
      case "chat": {
        if (r.text === "") return respond(errorResponse("missing request body", 400))
        if (body === undefined) return respond(errorResponse("invalid character 'x' looking for beginning of value", 400))
        if (typeof body.model !== "string" || body.model.trim() === "") return respond(errorResponse("model is required", 400))
        if (body.messages !== undefined && !Array.isArray(body.messages)) {
          return { _tag: "Error", kind: r.kind, error: "bad-request" }
        }
        if (!serves(ctx.models, body.model)) {
          return { _tag: "Error", kind: r.kind, error: "model-not-found", message: `model '${body.model}' not found` }
        }
        return { _tag: "Chat", input: chatInput({ ...body, messages: body.messages ?? [] }, body.model) }
      }
      default:
        // Ollama's root answers a plain-text liveness line; other paths get Go's 404 text.
        return r.method === "GET" && r.path === "/"
          ? respond({ status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Ollama is running" })
          : respond({ status: 404, headers: { "content-type": "text/plain" }, body: "404 page not found" })
    }
  },
  completion: (_input, answer) =>
    json(200, {
      model: answer.model,
      created_at: CREATED_AT,
      message: { role: "assistant", content: answer.text },
      done: true,
      done_reason: answer.finishReason ?? "stop",
      ...stats(answer)
    }),
  stream: (_input, answer, deltas) => ({
    headers: { "content-type": "application/x-ndjson" },
    chunks: [
      ...deltas.map((content) => line({ model: answer.model, created_at: CREATED_AT, message: { role: "assistant", content }, done: false })),
      line({
        model: answer.model,
        created_at: CREATED_AT,
        message: { role: "assistant", content: "" },
        done: true,
        done_reason: answer.finishReason ?? "stop",
        ...stats(answer)
      })
    ]
  }),
  error: (kind, ctx) => {
    const e = errorTable[kind]
    const headers: Record<string, string> = {}
    if (ctx.retryAfterSeconds !== undefined) headers["retry-after"] = String(ctx.retryAfterSeconds)
    return errorResponse(ctx.message ?? e.message(ctx.model, ctx.requestId), e.status, headers)
  },
  // Once content went out, Ollama writes the error as one more line (no status).
  streamError: (kind, requestId) => line({ error: errorTable[kind].message("", requestId) }),
  malformedChunk: "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\n"
}

/**
 * Starts an Ollama emulator for the length of a scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options?: Emulator.Options): Effect.Effect<Emulator.Emulator, never, Scope.Scope> =>
  Emulator.scoped(protocol, options)

/**
 * Starts an Ollama emulator (close it yourself).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = (options?: Emulator.Options): Promise<Emulator.Emulator> => Emulator.start(protocol, options)
