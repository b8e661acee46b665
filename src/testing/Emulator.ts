/**
 * The wire-level emulator kit: a real HTTP server on 127.0.0.1 (random port) that speaks a
 * provider's protocol, scriptable per request (answers, latency, errors, broken bodies, cut or
 * slow streams, resets) and recording every request for assertions. Each provider plugs in a
 * {@link Protocol}; faults, pacing, line endings and recording are shared.
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"
import * as ModelLifecycle from "../domain/ModelLifecycle.js"
import type { ProviderId } from "../domain/ProviderId.js"
import * as SqlRule from "./SqlRule.js"
import * as Structured from "./Structured.js"

/**
 * A request as the emulator received it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  /** The body parsed as JSON, or undefined. */
  readonly body: unknown
  readonly text: string
  /** What the protocol understood: a chat call, a model list, a connection check ... */
  readonly kind: RouteKind
  /** For a chat call the protocol accepted: what it read from the body (structured output asked for included). */
  readonly chat?: ChatInput | undefined
}

/**
 * A structured answer a chat call asked for, read from the protocol's own field: `via` names it
 * (`response_format`, `responseJsonSchema`, `tool_use`, `format`); `name` is OpenAI's schema name
 * or Anthropic's tool name; `schema` the JSON Schema (undefined for plain JSON mode).
 *
 * @since 0.1.0
 * @category Models
 */
export interface StructuredRequest {
  readonly via: "response_format" | "responseJsonSchema" | "tool_use" | "format"
  readonly name?: string | undefined
  readonly schema: unknown
}

/**
 * Token usage an emulated answer reports: totals, and the details the real APIs give (cached
 * input, cache writes, reasoning), each rendered in its protocol's fields.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Usage {
  /** Every input token, cached ones included. */
  readonly inputTokens: number
  /** Every output token, reasoning included. */
  readonly outputTokens: number
  readonly cachedInputTokens?: number | undefined
  readonly cacheWriteTokens?: number | undefined
  readonly reasoningTokens?: number | undefined
}

/**
 * A chat call, normalized across protocols, for answer rules.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ChatInput {
  readonly model: string
  readonly system: string
  readonly user: string
  readonly stream: boolean
  readonly maxTokens?: number | undefined
  readonly temperature?: number | undefined
  /** The structured answer the call asked for, if any. */
  readonly structured?: StructuredRequest | undefined
  /** How many earlier user/assistant turns (worked examples) came before the user message. */
  readonly examples?: number | undefined
  /** The request body as sent. */
  readonly body: unknown
}

/**
 * The error situations every protocol renders in its own exact shape.
 *
 * @since 0.1.0
 * @category Models
 */
export type ErrorKind =
  | "auth"
  | "permission"
  | "rate-limit"
  | "quota"
  | "model-not-found"
  | "context-too-long"
  | "content-filter"
  | "bad-request"
  | "server"
  | "unavailable"
  | "overloaded"

/**
 * Something to go wrong on a request.
 *
 * - `Error`: the protocol's error response for `kind` (with `Retry-After` when given).
 * - `MalformedJson`: HTTP 200 with a body (or stream event) that is not valid JSON.
 * - `CutStream`: the body stops after `afterChunks` chunks and the connection is destroyed.
 * - `Reset`: the connection is destroyed before any response.
 * - `Empty`: a well-formed answer with no text.
 * - `InBandError`: (streams) the protocol's mid-stream error event after `afterChunks` chunks.
 *
 * @since 0.1.0
 * @category Models
 */
export type Fault =
  | { readonly _tag: "Error"; readonly kind: ErrorKind; readonly retryAfterSeconds?: number; readonly message?: string }
  | { readonly _tag: "MalformedJson" }
  | { readonly _tag: "CutStream"; readonly afterChunks: number }
  | { readonly _tag: "Reset" }
  | { readonly _tag: "Empty" }
  | { readonly _tag: "InBandError"; readonly kind: ErrorKind; readonly afterChunks: number }

/**
 * What the emulator does with one request.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Step {
  /** Which kind of request this step is for (default `chat`). */
  readonly on?: RouteKind | undefined
  /** The answer text, or a rule that derives it; default {@link SqlRule.answer}. */
  readonly reply?: string | ((input: ChatInput) => string) | undefined
  readonly fault?: Fault | undefined
  /** Wait before sending the response head. */
  readonly latencyMs?: number | undefined
  /** Wait between stream chunks. */
  readonly chunkDelayMs?: number | undefined
  readonly usage?: Usage | undefined
  /** The protocol's own finish reason string (for example `length`, `MAX_TOKENS`). */
  readonly finishReason?: string | undefined
  /**
   * What to do when the call asks for a structured answer: `honour` renders the answer as that
   * JSON (as the real APIs hold a model to it), `ignore` sends the text as it is (a model or an
   * old server that ignores the format). Default: the default answer is honoured, a scripted
   * `reply` is sent as written (script JSON to send JSON).
   */
  readonly format?: "honour" | "ignore" | undefined
}

/**
 * The kinds of requests a protocol tells apart.
 *
 * @since 0.1.0
 * @category Models
 */
export type RouteKind = "chat" | "models" | "model" | "check" | "other"

/**
 * A fully rendered HTTP response.
 *
 * @since 0.1.0
 * @category Protocols
 */
export interface Rendered {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body: string
}

/**
 * A rendered stream: the response head, then the body as logical pieces (one SSE event or one
 * NDJSON line each, written with `\n` line endings; the server applies the configured endings).
 *
 * @since 0.1.0
 * @category Protocols
 */
export interface RenderedStream {
  readonly headers: Readonly<Record<string, string>>
  readonly chunks: ReadonlyArray<string>
}

/**
 * An answer ready to render.
 *
 * @since 0.1.0
 * @category Protocols
 */
export interface Answer {
  readonly text: string
  readonly model: string
  readonly usage: Usage
  readonly finishReason?: string | undefined
  readonly requestId: string
  /** Whether `text` is the structured answer the call asked for (Anthropic renders it as a `tool_use` block). */
  readonly structured?: boolean | undefined
}

/**
 * How a request is routed by a protocol.
 *
 * @since 0.1.0
 * @category Protocols
 */
export type Route =
  | { readonly _tag: "Chat"; readonly input: ChatInput }
  | { readonly _tag: "Respond"; readonly kind: RouteKind; readonly response: Rendered }
  | { readonly _tag: "Error"; readonly kind: RouteKind; readonly error: ErrorKind; readonly message?: string }

/**
 * What a protocol can see of the emulator's state while routing.
 *
 * @since 0.1.0
 * @category Protocols
 */
export interface ProtocolContext {
  /** The key the emulator accepts; undefined accepts any non-empty key. */
  readonly apiKey: string | undefined
  /** The models this emulator serves. */
  readonly models: ReadonlyArray<string>
  readonly requestId: string
}

/**
 * A provider protocol for the emulator.
 *
 * @since 0.1.0
 * @category Protocols
 */
export interface Protocol {
  readonly provider: ProviderId
  /** The path prefix clients put in their base URL (`/v1` for OpenAI), "" for none. */
  readonly basePath: string
  readonly defaultModels: ReadonlyArray<string>
  /** Auth check, then routing: a chat call, a direct response, or an error. */
  readonly route: (request: RecordedRequest, ctx: ProtocolContext) => Route
  readonly kindOf: (request: Omit<RecordedRequest, "kind">) => RouteKind
  readonly completion: (input: ChatInput, answer: Answer) => Rendered
  /** The answer as stream pieces; `deltas` is the text already split. */
  readonly stream: (input: ChatInput, answer: Answer, deltas: ReadonlyArray<string>) => RenderedStream
  readonly error: (kind: ErrorKind, ctx: { readonly message?: string | undefined; readonly retryAfterSeconds?: number | undefined; readonly model: string; readonly requestId: string }) => Rendered
  /** A mid-stream error piece (HTTP status already 200). */
  readonly streamError: (kind: ErrorKind, requestId: string) => string
  /** A piece that is not valid JSON, in the protocol's stream framing. */
  readonly malformedChunk: string
  /** A keep-alive piece (an SSE comment, a ping event); undefined where the format has none. */
  readonly keepAlive?: string | undefined
}

/**
 * Emulator options.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The only key accepted; other keys get the protocol's auth error. Default: any non-empty key. */
  readonly apiKey?: string | undefined
  /**
   * Models served (a chat for another model gets the protocol's model-not-found error). Retired
   * ids (`ModelLifecycle.retired`) are left out, as the real services no longer serve them.
   */
  readonly models?: ReadonlyArray<string> | undefined
  /** What every request gets when nothing is scripted. */
  readonly defaults?: Step | undefined
  /** Line endings of stream bodies: `lf`, `crlf`, or `mixed` (alternating, within one write). */
  readonly lineEndings?: "lf" | "crlf" | "mixed" | undefined
  /** Write stream bodies in slices of this many bytes (splitting characters and line endings). */
  readonly byteChunkSize?: number | undefined
  /** Insert the protocol's keep-alive piece between stream pieces. */
  readonly keepAlive?: boolean | undefined
  /** Write the whole stream body in one write (a burst, as buffering proxies deliver). */
  readonly burst?: boolean | undefined
  /** Keep every request in `requests` (default true); off for long runs such as benchmarks. */
  readonly record?: boolean | undefined
}

/**
 * A running emulator.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Emulator {
  readonly provider: ProviderId
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** What a provider config's base URL should be. */
  readonly baseUrl: string
  readonly port: number
  /** Every request received, oldest first. */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** The chat requests only. */
  readonly chatRequests: () => ReadonlyArray<RecordedRequest>
  /** Queues steps: each is used by the next request of its kind. */
  readonly script: (...steps: ReadonlyArray<Step>) => void
  /** Replaces the default step. */
  readonly setDefaults: (step: Step) => void
  /** Clears recorded requests, queued steps and counters. */
  readonly reset: () => void
  /** Requests being served right now, and the most ever at once. */
  readonly inFlight: () => number
  readonly maxInFlight: () => number
  readonly close: () => Promise<void>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Splits an answer into stream deltas of a few words each, as models stream.
 *
 * @since 0.1.0
 * @category Helpers
 */
export const splitDeltas = (text: string, size = 12): Array<string> => {
  const out: Array<string> = []
  let cur = ""
  for (const piece of text.split(/(?<=\s)/)) {
    cur += piece
    if (cur.length >= size) {
      out.push(cur)
      cur = ""
    }
  }
  if (cur !== "" || out.length === 0) out.push(cur)
  return out
}

const applyEndings = (piece: string, mode: "lf" | "crlf" | "mixed", counter: { n: number }): string => {
  if (mode === "lf") return piece
  if (mode === "crlf") return piece.replace(/\n/g, "\r\n")
  return piece.replace(/\n/g, () => (counter.n++ % 2 === 0 ? "\r\n" : "\n"))
}

let requestCounter = 0

/**
 * Starts an emulator for a protocol on 127.0.0.1 with a random port.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = (protocol: Protocol, options: Options = {}): Promise<Emulator> => {
  const requests: Array<RecordedRequest> = []
  const queues = new Map<RouteKind, Array<Step>>()
  let defaults: Step = options.defaults ?? {}
  let inFlight = 0
  let maxInFlight = 0
  // A retired model is never served, even when asked for: the real APIs answer it with their
  // model-not-found error.
  const models = (options.models ?? protocol.defaultModels).filter((m) => ModelLifecycle.retirement(protocol.provider, m) === undefined)
  const sockets = new Set<import("node:net").Socket>()

  const nextStep = (kind: RouteKind): Step => {
    const q = queues.get(kind)
    const step = q?.shift()
    if (step) return step
    return kind === "chat" || defaults.on === kind ? defaults : {}
  }

  const handle = async (req: Http.IncomingMessage, res: Http.ServerResponse) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString("utf8")
    let body: unknown
    try {
      body = text === "" ? undefined : JSON.parse(text)
    } catch {
      body = undefined
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v
    const partial = { method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, text }
    const kind = protocol.kindOf(partial)
    const requestId = `req_emu_${++requestCounter}`
    const ctx: ProtocolContext = { apiKey: options.apiKey, models, requestId }
    const route = protocol.route({ ...partial, kind }, ctx)
    const recorded: RecordedRequest = route._tag === "Chat" ? { ...partial, kind, chat: route.input } : { ...partial, kind }
    if (options.record !== false) requests.push(recorded)
    const step = nextStep(kind)
    if (step.latencyMs) await sleep(step.latencyMs)
    const fault = step.fault
    if (fault?._tag === "Reset") {
      req.socket.destroy()
      return
    }
    const model = route._tag === "Chat" ? route.input.model : models[0] ?? ""
    const send = (r: Rendered) => {
      res.writeHead(r.status, { "content-type": "application/json", ...r.headers })
      res.end(r.body)
    }
    if (fault?._tag === "Error") {
      return send(protocol.error(fault.kind, { message: fault.message, retryAfterSeconds: fault.retryAfterSeconds, model, requestId }))
    }
    if (route._tag === "Error") return send(protocol.error(route.error, { message: route.message, model, requestId }))
    if (route._tag === "Respond") {
      if (fault?._tag === "MalformedJson") return send({ status: 200, body: `{"data": [{"id": ` })
      return send(route.response)
    }
    const input = route.input
    const written = fault?._tag === "Empty" ? "" : typeof step.reply === "function" ? step.reply(input) : step.reply ?? SqlRule.answer(input)
    const honour = input.structured !== undefined && written !== "" &&
      (step.format === "honour" || (step.format === undefined && step.reply === undefined))
    const reply = honour ? Structured.render(written, input) : written
    const answer: Answer = {
      structured: input.structured !== undefined && Structured.isJsonObject(reply),
      text: reply,
      model: input.model,
      usage: step.usage ?? { inputTokens: Math.ceil((input.system.length + input.user.length) / 4), outputTokens: Math.ceil(reply.length / 4) },
      finishReason: step.finishReason,
      requestId
    }
    if (!input.stream) {
      if (fault?._tag === "MalformedJson") return send({ status: 200, body: `{"id": "x", "choices": [{"message": ` })
      const rendered = protocol.completion(input, answer)
      if (fault?._tag === "CutStream") {
        // a JSON body that stops half-way: headers promise more than arrives
        const bytes = Buffer.from(rendered.body)
        res.writeHead(rendered.status, { "content-type": "application/json", "content-length": String(bytes.length), ...rendered.headers })
        res.write(bytes.subarray(0, Math.floor(bytes.length / 2)))
        await sleep(5)
        req.socket.destroy()
        return
      }
      return send(rendered)
    }
    const rendered = protocol.stream(input, answer, splitDeltas(reply))
    let pieces = [...rendered.chunks]
    if (fault?._tag === "MalformedJson") pieces.splice(Math.min(1, pieces.length), 0, protocol.malformedChunk)
    if (fault?._tag === "InBandError") {
      pieces = [...pieces.slice(0, fault.afterChunks), protocol.streamError(fault.kind, requestId)]
    }
    const cutAfter = fault?._tag === "CutStream" ? fault.afterChunks : undefined
    if (cutAfter !== undefined) pieces = pieces.slice(0, cutAfter)
    if (options.keepAlive && protocol.keepAlive) {
      pieces = pieces.flatMap((p, i) => (i === 0 ? [protocol.keepAlive!, p] : [p, protocol.keepAlive!]))
    }
    const endings = { n: 0 }
    const mode = options.lineEndings ?? "lf"
    res.writeHead(200, { ...rendered.headers })
    res.flushHeaders()
    const write = async (data: string) => {
      const bytes = Buffer.from(data, "utf8")
      const size = options.byteChunkSize
      if (!size) {
        res.write(bytes)
        return
      }
      for (let i = 0; i < bytes.length; i += size) {
        res.write(bytes.subarray(i, i + size))
        await sleep(1)
      }
    }
    if (options.burst) await write(pieces.map((p) => applyEndings(p, mode, endings)).join(""))
    else {
      for (const piece of pieces) {
        if (res.destroyed) return
        await write(applyEndings(piece, mode, endings))
        if (step.chunkDelayMs) await sleep(step.chunkDelayMs)
      }
    }
    if (cutAfter !== undefined) {
      await sleep(5)
      req.socket.destroy()
      return
    }
    res.end()
  }

  const server = Http.createServer((req, res) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    let done = false
    const finish = () => {
      if (done) return
      done = true
      inFlight--
    }
    res.on("close", finish)
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500)
        res.end()
      }
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      const origin = `http://127.0.0.1:${port}`
      resolve({
        provider: protocol.provider,
        origin,
        baseUrl: `${origin}${protocol.basePath}`,
        port,
        requests,
        chatRequests: () => requests.filter((r) => r.kind === "chat"),
        script: (...steps) => {
          for (const step of steps) {
            const kind = step.on ?? "chat"
            const q = queues.get(kind) ?? []
            q.push(step)
            queues.set(kind, q)
          }
        },
        setDefaults: (step) => {
          defaults = step
        },
        reset: () => {
          requests.length = 0
          queues.clear()
          maxInFlight = inFlight
        },
        inFlight: () => inFlight,
        maxInFlight: () => maxInFlight,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })
}

/**
 * An emulator for the length of a scope: started on acquire, closed on release.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const scoped = (protocol: Protocol, options?: Options): Effect.Effect<Emulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(protocol, options)),
    (emulator) => Effect.promise(() => emulator.close())
  )
