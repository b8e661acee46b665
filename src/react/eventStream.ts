/**
 * A server-sent event stream read with `fetch` (so it can carry an `Authorization` header, which
 * `EventSource` cannot), reconnected with backoff until it is closed.
 *
 * @since 0.1.0
 */
import { type SseEvent, sseReader } from "./sse.js"

/**
 * Options of {@link openEventStream}.
 *
 * @since 0.1.0
 * @category Models
 */
export interface EventStreamOptions {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly fetch: typeof globalThis.fetch
  /** Called once per event, in order; it must not throw (a throw ends the connection). */
  readonly onEvent: (event: SseEvent) => void
  /** The first reconnection delay (default 500 ms; the stream's `retry:` field overrides it). */
  readonly minDelayMs?: number
  /** The longest delay between two attempts (default 30 s). */
  readonly maxDelayMs?: number
}

/**
 * Connects, and connects again whenever the stream ends or fails: the delay doubles after each
 * attempt that got no answer and starts over once one is answered. Returns the function that
 * closes it for good.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const openEventStream = (options: EventStreamOptions): (() => void) => {
  const maxDelay = options.maxDelayMs ?? 30_000
  let baseDelay = options.minDelayMs ?? 500
  let failures = 0
  let closed = false
  let controller: AbortController | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  const read = async (body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<number | undefined> => {
    const reader = sseReader()
    const decoder = new TextDecoder()
    const chunks = body.getReader()
    try {
      for (;;) {
        const { done, value } = await chunks.read()
        if (done || signal.aborted) break
        for (const event of reader.push(decoder.decode(value, { stream: true }))) if (!closed) options.onEvent(event)
      }
    } finally {
      chunks.releaseLock()
    }
    return reader.retryMs
  }

  const connect = async (): Promise<void> => {
    const current = new AbortController()
    controller = current
    try {
      const response = await options.fetch(options.url, {
        headers: { ...options.headers, Accept: "text/event-stream" },
        signal: current.signal
      })
      if (!response.ok || response.body === null) {
        failures++
        await response.body?.cancel().catch(() => undefined)
      } else {
        failures = 0
        baseDelay = (await read(response.body, current.signal)) ?? baseDelay
      }
    } catch {
      failures++
    }
    if (closed) return
    // Jitter keeps many pages from reconnecting to a restarted server at the same instant.
    const delay = Math.min(maxDelay, baseDelay * 2 ** Math.max(0, failures - 1)) * (0.8 + Math.random() * 0.4)
    timer = setTimeout(() => void connect(), delay)
  }

  void connect()
  return () => {
    closed = true
    if (timer !== undefined) clearTimeout(timer)
    controller?.abort()
  }
}
