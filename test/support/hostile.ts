/**
 * A hostile provider for key-leak tests, and the search for a key in what came out.
 *
 * {@link scoped} starts a loopback server that reads the key each request carries (from
 * `Authorization: Bearer`, `x-api-key`, `api-key` or `x-goog-api-key`) and echoes it back in every
 * way it can: in the error text as is, JSON-escaped, `\u`-escaped, percent-encoded (upper and
 * lower case hex, and with `+` for spaces) and mixed per character; in every request-id header a
 * provider reads, in `retry-after` and `retry-after-ms`; in the provider's own error envelope
 * (codes, types, params, request ids, RPC details), in a plain-text body, and after HTTP 200 as an
 * in-band error (a `success:false` envelope, a refusal, a blocked prompt, an SSE or NDJSON error
 * event after a first chunk). A key whose whole text is valid JSON is also written into bodies as
 * a raw JSON value.
 *
 * {@link leaksIn} finds a key in text in any of those forms, at any depth of JSON escaping (a
 * capture may be JSON of JSON), and in any letter case.
 */
import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { ProviderId } from "../../src/domain/ProviderId.js"

// ---------------------------------------------------------------------------
// Forms of a key
// ---------------------------------------------------------------------------

const hex4 = (c: number) => c.toString(16).padStart(4, "0")
const utf8 = new TextEncoder()
const percent = (ch: string, lower = false) => {
  const p = Array.from(utf8.encode(ch), (b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("")
  return lower ? p.toLowerCase() : p
}

/** Every way the server writes a key. */
export const forms = (key: string): Record<string, string> => {
  const json = JSON.stringify(key).slice(1, -1)
  return {
    verbatim: key,
    json,
    jsonAscii: json.replace(/[^\x20-\x7e]/g, (c) => `\\u${hex4(c.charCodeAt(0))}`).replace(/\//g, "\\/"),
    jsonUnicode: Array.from(key, (c) => `\\u${hex4(c.charCodeAt(0))}`).join(""),
    url: encodeURIComponent(key),
    urlLower: encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (p) => p.toLowerCase()),
    urlAll: Array.from(key, (c) => percent(c)).join(""),
    form: encodeURIComponent(key).replace(/%20/g, "+"),
    // Per character: as is, `\u`-escaped or percent-encoded. A backslash is never written bare
    // here: a bare backslash before an escape reads two ways.
    mixed: Array.from(key, (c, i) =>
      i % 3 === 0 ? (c === "\\" ? "\\\\" : c) : i % 3 === 1 ? `\\u${hex4(c.charCodeAt(0))}` : percent(c, i % 2 === 0)).join("")
  }
}

/** The key in every form, as one readable text (about 20 times the key's length). */
export const echoText = (key: string): string =>
  `Invalid API key ${key} provided. Echo: ${Object.entries(forms(key)).map(([name, value]) => `${name}=${value}`).join(" | ")}`

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------
// Finding a key
// ---------------------------------------------------------------------------

const SHORT: Readonly<Record<string, string>> = { "\"": "\"", "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }

/** One level of JSON string escapes decoded (`\"`, `\\`, `\uXXXX` ...). */
export const jsonUnescape = (s: string): string =>
  s.replace(/\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))/g, (_, hex: string | undefined, c: string | undefined) =>
    hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : SHORT[c!]!)

/** Runs of `%XX` decoded as UTF-8 where they decode. */
export const percentDecode = (s: string): string =>
  s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run
    }
  })

/** The views of a text a key could hide in: as is, up to four levels of JSON escapes decoded, each
 * percent-decoded and form-decoded too. */
export const views = (text: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  let s = text
  for (let depth = 0; depth < 5; depth++) {
    out.push(s, percentDecode(s), percentDecode(s.replace(/\+/g, " ")))
    const next = jsonUnescape(s)
    if (next === s) break
    s = next
  }
  return out
}

/** Where `key` is in `text` in any form and any letter case, as a short excerpt; undefined if nowhere. */
export const leaksIn = (text: string, key: string): string | undefined => {
  const needle = key.toLowerCase()
  for (const view of views(text)) {
    const at = view.toLowerCase().indexOf(needle)
    if (at !== -1) return view.slice(Math.max(0, at - 80), at + key.length + 40)
  }
  return undefined
}

/** Where `key` is in raw bytes (read as UTF-8, Latin-1 and UTF-16), as in {@link leaksIn}. */
export const leaksInBytes = (bytes: Uint8Array, key: string): string | undefined => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (const encoding of ["utf8", "latin1", "utf16le"] as const) {
    const found = leaksIn(buffer.toString(encoding), key)
    if (found !== undefined) return `${encoding}: ${found}`
  }
  return undefined
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

/** What the server answers next: an HTTP status, and how the key is put in the body. */
export interface Mode {
  readonly status: number
  /**
   * - `message`: the provider's error envelope, the echo text in its message fields;
   * - `fields`: the envelope with no message, the key only in the other fields (the raw body,
   *   with its JSON escapes, is then what a client shows);
   * - `text`: a plain-text (HTML) body holding the echo text.
   */
  readonly body: "message" | "fields" | "text"
}

/** A running hostile provider. */
export interface Hostile {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly setMode: (mode: Mode) => void
  /** Every key value requests carried (should be exactly the configured one). */
  readonly keysSeen: ReadonlySet<string>
  /** Requests answered, and those that carried no key. */
  readonly requests: () => number
  readonly withoutKey: () => number
}

type Kind = "chat" | "stream" | "other"

const keyOf = (req: Http.IncomingMessage): string | undefined => {
  const auth = req.headers["authorization"]
  if (typeof auth === "string" && /^Bearer /i.test(auth)) return auth.slice(7)
  for (const name of ["x-api-key", "api-key", "x-goog-api-key"]) {
    const v = req.headers[name]
    if (typeof v === "string" && v !== "") return v
  }
  return undefined
}

const kindOf = (req: Http.IncomingMessage): Kind => {
  const accept = String(req.headers["accept"] ?? "")
  if (/event-stream|ndjson/.test(accept) || (req.url ?? "").includes(":streamGenerateContent")) return "stream"
  return req.method === "POST" ? "chat" : "other"
}

const anthropicType: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  500: "api_error",
  200: "overloaded_error"
}
const rpcStatus: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  200: "UNAVAILABLE"
}
const cloudflareCode: Readonly<Record<number, number>> = { 400: 3006, 401: 10000, 403: 5016, 404: 7000, 429: 971, 500: 3040, 200: 3040 }

// Stands for the key written as a raw JSON value (only for a key that is JSON itself).
const RAW = "@@raw-key@@"

/**
 * The provider's error envelope: `said` in its message fields, `key` in every other string field.
 * Without `said`, the message fields hold the key as a raw JSON value when it is JSON, else nothing.
 */
const envelope = (provider: ProviderId, status: number, said: string | undefined, key: string): Record<string, unknown> => {
  const raw = isJson(key) ? RAW : undefined
  const message = said !== undefined ? { message: said } : raw !== undefined ? { message: raw } : {}
  switch (provider) {
    case "openai":
    case "azure-openai":
      return { error: { ...message, type: key, code: key, param: key, innererror: { code: key } } }
    case "anthropic":
      return { type: "error", error: { type: anthropicType[status] ?? "api_error", ...message, details: { error_code: key } }, request_id: key }
    case "gemini":
      return {
        error: {
          code: status === 200 ? 503 : status,
          ...message,
          status: rpcStatus[status] ?? key,
          details: [
            { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: key, domain: key, metadata: { key } },
            { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: key, description: key }] },
            { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: key },
            { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId: key, quotaMetric: key }] }
          ]
        }
      }
    case "ollama":
      return said === undefined ? { error: raw ?? [key], status: key } : { error: `${said} (ref: ${key})` }
    case "cloudflare":
      return {
        success: false,
        errors: [{ code: key, message: said ?? raw ?? key }, { code: cloudflareCode[status] ?? 1000, ...message }],
        messages: [key],
        result: { status: said ?? key }
      }
  }
}

/** JSON text of `value`; a key that is JSON itself is also written as a raw value (`"echo": <key>`). */
const jsonText = (value: Record<string, unknown>, key: string): string => {
  if (!isJson(key)) return JSON.stringify(value)
  const text = JSON.stringify(value).split(JSON.stringify(RAW)).join(key)
  return `${text.slice(0, -1)},"echo":${key}}`
}

interface Reply {
  readonly status: number
  readonly contentType: string
  readonly body: string
}

const sse = (events: ReadonlyArray<{ readonly event?: string; readonly data: string }>) =>
  events.map((e) => `${e.event !== undefined ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`).join("")

/** An error event after a first chunk of text, in the provider's stream format. */
const streamError = (provider: ProviderId, said: string | undefined, key: string): Reply => {
  const error = jsonText(envelope(provider, 200, said, key), key)
  const text = (chunk: unknown) => JSON.stringify(chunk)
  switch (provider) {
    case "openai":
    case "azure-openai":
      return {
        status: 200,
        contentType: "text/event-stream",
        body: sse([{ data: text({ id: key, model: "m", choices: [{ index: 0, delta: { content: "SELECT" } }] }) }, { event: "error", data: error }])
      }
    case "anthropic":
      return {
        status: 200,
        contentType: "text/event-stream",
        body: sse([
          { event: "message_start", data: text({ type: "message_start", message: { id: key, model: "claude", usage: { input_tokens: 1, output_tokens: 0 } } }) },
          { event: "content_block_delta", data: text({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "SELECT" } }) },
          { event: "error", data: error }
        ])
      }
    case "gemini":
      return {
        status: 200,
        contentType: "text/event-stream",
        body: sse([{ data: text({ candidates: [{ content: { parts: [{ text: "SELECT" }] } }], responseId: key }) }, { data: error }])
      }
    case "cloudflare":
      return { status: 200, contentType: "text/event-stream", body: sse([{ data: text({ response: "SELECT" }) }, { data: error }]) }
    case "ollama":
      return {
        status: 200,
        contentType: "application/x-ndjson",
        body: `${text({ model: "m", message: { content: "SELECT" }, done: false })}\n${jsonText({ error: said ?? (isJson(key) ? RAW : [key]), status: key }, key)}\n`
      }
  }
}

/** A whole (non-streamed) answer with HTTP 200 that is an error or a refusal carrying the key. */
const chatError = (provider: ProviderId, said: string | undefined, key: string): Reply => {
  const json = (value: Record<string, unknown>): Reply => ({ status: 200, contentType: "application/json", body: jsonText(value, key) })
  switch (provider) {
    case "openai":
    case "azure-openai":
      // A refusal; Azure's connection check (a one-token chat) passes on it and shows the model.
      return json({
        id: key,
        model: said ?? key,
        choices: [{ index: 0, message: { role: "assistant", content: null, refusal: said ?? key }, finish_reason: "content_filter" }]
      })
    case "gemini":
      return json({ promptFeedback: { blockReason: said ?? key }, responseId: key })
    case "ollama":
      return json({ model: "m", error: said ?? key })
    case "anthropic":
    case "cloudflare":
      return json(envelope(provider, 200, said, key))
  }
}

const replyFor = (provider: ProviderId, mode: Mode, kind: Kind, key: string): Reply => {
  const said = mode.body === "message" ? echoText(key) : undefined
  if (mode.body === "text") {
    return { status: mode.status, contentType: "text/html", body: `<html><body><h1>${mode.status}</h1><p>${echoText(key)}</p></body></html>` }
  }
  if (mode.status === 200) {
    if (kind === "stream") return streamError(provider, said, key)
    if (kind === "chat") return chatError(provider, said, key)
  }
  return { status: mode.status, contentType: "application/json", body: jsonText(envelope(provider, mode.status, said, key), key) }
}

// Headers that carry request ids (every provider's), a wait, and an auth challenge. Each response
// writes the key in the next form, so every form reaches each provider's request id.
const ID_HEADERS = ["x-request-id", "request-id", "apim-request-id", "cf-ray", "x-goog-request-id"]

/** Starts a hostile `provider` on 127.0.0.1 for the length of a scope. */
export const scoped = (provider: ProviderId): Effect.Effect<Hostile, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly hostile: Hostile }>((resume) => {
      let mode: Mode = { status: 401, body: "message" }
      let requests = 0
      let withoutKey = 0
      const keysSeen = new Set<string>()
      const server = Http.createServer((req, res) => {
        req.resume()
        req.on("end", () => {
          const n = requests++
          const key = keyOf(req)
          if (key === undefined) {
            withoutKey++
            res.writeHead(401, { "content-type": "application/json" }).end(`{"error":{"message":"no key"}}`)
            return
          }
          keysSeen.add(key)
          const all = Object.values(forms(key))
          const form = all[n % all.length]!
          const reply = replyFor(provider, mode, kindOf(req), key)
          const headers: Record<string, string> = { "content-type": reply.contentType, "www-authenticate": `Bearer realm="${form}"` }
          for (const name of ID_HEADERS) headers[name] = form
          headers["retry-after"] = form
          headers["retry-after-ms"] = form
          res.writeHead(reply.status, headers).end(reply.body)
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          server,
          hostile: {
            origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            setMode: (m) => {
              mode = m
            },
            keysSeen,
            requests: () => requests,
            withoutKey: () => withoutKey
          }
        })))
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ hostile }) => hostile))
