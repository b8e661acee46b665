/**
 * Server-sent events over the linear line splitter in `Lines`.
 *
 * @since 0.1.0
 * @internal
 */
import { Chunk, Stream } from "effect"
import { LineDecoder } from "./Lines.js"

/**
 * One server-sent event. `event` is `"message"` when the server named none.
 *
 * @since 0.1.0
 * @internal
 */
export interface SseEvent {
  readonly event: string
  readonly data: string
  readonly id?: string | undefined
}

/**
 * An incremental SSE parser (WHATWG event-stream rules: `field: value`, one optional space after
 * the colon, `:` comments, multi-line `data`, a blank line dispatches).
 *
 * @since 0.1.0
 * @internal
 */
export class SseParser {
  private readonly lines = new LineDecoder()
  private event = ""
  private data: Array<string> = []
  private id: string | undefined

  /** Events completed by these bytes. */
  push(bytes: Uint8Array): Array<SseEvent> {
    return this.feed(this.lines.push(bytes), [])
  }

  /** Events left when the body ends. A last event without its blank line is still delivered: the
   * caller, which knows the protocol's end marker, decides whether the stream was complete. */
  end(): Array<SseEvent> {
    const out = this.feed(this.lines.end(), [])
    this.dispatch(out)
    return out
  }

  private feed(lines: Array<string>, out: Array<SseEvent>): Array<SseEvent> {
    for (const line of lines) {
      if (line === "") {
        this.dispatch(out)
        continue
      }
      const colon = line.indexOf(":")
      if (colon === 0) continue
      const field = colon === -1 ? line : line.slice(0, colon)
      let value = colon === -1 ? "" : line.slice(colon + 1)
      if (value.charCodeAt(0) === 32) value = value.slice(1)
      if (field === "data") this.data.push(value)
      else if (field === "event") this.event = value
      else if (field === "id") this.id = value
    }
    return out
  }

  private dispatch(out: Array<SseEvent>) {
    if (this.data.length > 0) {
      out.push({ event: this.event === "" ? "message" : this.event, data: this.data.join("\n"), id: this.id })
    }
    this.data = []
    this.event = ""
  }
}

/**
 * A byte stream as a stream of server-sent events.
 *
 * @since 0.1.0
 * @internal
 */
export const events = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<SseEvent, E, R> =>
  Stream.suspend(() => {
    const parser = new SseParser()
    return bytes.pipe(
      Stream.mapChunks((chunk) => {
        const out: Array<SseEvent> = []
        for (const bytes of chunk) for (const e of parser.push(bytes)) out.push(e)
        return Chunk.unsafeFromArray(out)
      }),
      Stream.concat(Stream.suspend(() => Stream.fromIterable(parser.end())))
    )
  })
