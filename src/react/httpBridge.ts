/**
 * The {@link AiBridge} of the local page: each method is a `POST` to the library's local HTTP
 * server, events and status come from its event stream. Like the Electron preload, every method
 * resolves with a reply and never rejects.
 *
 * @since 0.1.0
 */
import type { AiEventView, DbtkAi, ProvidersStatusReply } from "../preload/types.js"
import type { AiBridge } from "./AiBridge.js"
import { openEventStream } from "./eventStream.js"

/**
 * Options of {@link httpBridge}.
 *
 * @since 0.1.0
 * @category Models
 */
export interface HttpBridgeOptions {
  /** Sent as `Authorization: Bearer <token>` on every request. */
  readonly token: string
  /** The server's origin (default: the page's own, with relative URLs). */
  readonly baseUrl?: string
  /** How long a call may wait for its answer (default 60 s). */
  readonly timeoutMs?: number
  /** The stream's first and longest reconnection delays (default 500 ms and 30 s). */
  readonly reconnect?: { readonly minDelayMs?: number; readonly maxDelayMs?: number }
  /** The `fetch` to use (default the global one). */
  readonly fetch?: typeof globalThis.fetch
}

/**
 * What {@link httpBridge} gives: an {@link AiBridge}, and `generateSql` for an assistant (the
 * local page's).
 *
 * @since 0.1.0
 * @category Models
 */
export type HttpBridge = AiBridge & Pick<DbtkAi, "generateSql">

/**
 * The path of a channel on the server: `ai:providers:save` → `/api/providers/save`.
 *
 * @since 0.1.0
 * @category Functions
 */
export const channelPath = (channel: string): string => `/api/${channel.replace(/^ai:/, "").split(":").join("/")}`

type Failure = { readonly success: false; readonly error: string; readonly error_kind: string }

const failure = (error: string, kind: string): Failure => ({ success: false, error, error_kind: kind })

const unavailable = (detail: string): Failure => failure(`The AI service is not available: ${detail}`, "Unavailable")

const isReply = (u: unknown): u is { readonly success: boolean } =>
  typeof u === "object" && u !== null && !Array.isArray(u) && typeof (u as { readonly success?: unknown }).success === "boolean"

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

// `f(a, undefined)` is `f(a)`: JSON would send the `undefined` as `null`, a different argument.
const trimmed = (args: ReadonlyArray<unknown>): ReadonlyArray<unknown> => {
  let end = args.length
  while (end > 0 && args[end - 1] === undefined) end--
  return args.slice(0, end)
}

/**
 * An {@link AiBridge} over the local page's HTTP server:
 *
 * - each method is `POST {baseUrl}/api/<channel>` (see {@link channelPath}) with
 *   `{"args": [...the IPC method's arguments]}`; the answer is the IPC reply, as JSON;
 * - a network error, a timeout or an answer that is not a reply resolves to
 *   `{ success: false, error, error_kind: "Unavailable" }`;
 * - `onEvents` and `onStatus` share one `GET {baseUrl}/api/stream` (server-sent events:
 *   `ai-event` carries an `AiEventView`, `status` a `providers.status` reply), opened while
 *   anyone listens and reconnected with backoff.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const httpBridge = (options: HttpBridgeOptions): HttpBridge => {
  const base = (options.baseUrl ?? "").replace(/\/+$/, "")
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const timeoutMs = options.timeoutMs ?? 60_000
  const authorization = { Authorization: `Bearer ${options.token}` }

  const call = async (channel: string, args: ReadonlyArray<unknown>): Promise<unknown> => {
    let body: string
    try {
      body = JSON.stringify({ args: trimmed(args) })
    } catch (error) {
      return failure(`Invalid arguments: they cannot be sent as JSON (${error instanceof Error ? error.message : "unknown error"})`, "InvalidIpcInput")
    }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    try {
      const response = await fetchFn(`${base}${channelPath(channel)}`, {
        method: "POST",
        headers: { ...authorization, "Content-Type": "application/json", Accept: "application/json" },
        body,
        signal: controller.signal
      })
      const reply = parseJson(await response.text())
      return isReply(reply) ? reply : unavailable(`the server answered HTTP ${response.status} with no reply`)
    } catch (error) {
      return unavailable(controller.signal.aborted ? `no answer within ${timeoutMs / 1000} s` : error instanceof Error ? error.message : "network error")
    } finally {
      clearTimeout(timer)
    }
  }

  // The channel's method; its type (overloads included) comes from where it is placed.
  const method = <F>(channel: string): F => ((...args: Array<unknown>) => call(channel, args)) as unknown as F

  const eventListeners = new Set<(event: AiEventView) => void>()
  const statusListeners = new Set<(status: ProvidersStatusReply) => void>()
  let close: (() => void) | undefined

  // Each listener on its own: one that throws must not keep the event from the others.
  const each = <A>(listeners: ReadonlySet<(value: A) => void>, value: A): void => {
    for (const listener of [...listeners]) {
      try {
        listener(value)
      } catch (error) {
        console.error("httpBridge: an event listener threw", error)
      }
    }
  }

  const dispatch = (type: string, data: string): void => {
    const value = parseJson(data)
    if (type === "ai-event" && typeof value === "object" && value !== null && "type" in value) each(eventListeners, value as AiEventView)
    else if (type === "status" && isReply(value)) each(statusListeners, value as ProvidersStatusReply)
  }

  // One stream for every listener, open while there is one.
  const listen = <A>(listeners: Set<A>, listener: A): (() => void) => {
    if (typeof listener !== "function") throw new TypeError("httpBridge: the callback must be a function")
    listeners.add(listener)
    close ??= openEventStream({
      url: `${base}/api/stream`,
      headers: authorization,
      fetch: fetchFn,
      onEvent: (e) => dispatch(e.event, e.data),
      ...options.reconnect
    })
    return () => {
      listeners.delete(listener)
      if (eventListeners.size === 0 && statusListeners.size === 0) {
        close?.()
        close = undefined
      }
    }
  }

  return {
    settings: { get: method("ai:settings:get"), update: method("ai:settings:update") },
    providers: {
      save: method("ai:providers:save"),
      test: method("ai:providers:test"),
      models: method("ai:providers:models"),
      status: method("ai:providers:status"),
      remove: method("ai:providers:remove")
    },
    metrics: { summary: method("ai:metrics:summary"), timeline: method("ai:metrics:timeline"), export: method("ai:metrics:export") },
    events: { recent: method("ai:events:recent") },
    cache: { stats: method("ai:cache:stats"), clear: method("ai:cache:clear") },
    generateSql: method("ai:generate-sql"),
    onEvents: (callback) => listen(eventListeners, callback),
    onStatus: (callback) => listen(statusListeners, callback)
  }
}
