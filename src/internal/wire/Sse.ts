/**
 * Server-sent events over the linear line splitter in `Lines`.
 *
 * @since 0.1.0
 * @internal
 */
import type { Stream } from "effect"
import { LineDecoder, maxRecordChars, records, type Splitter } from "./Lines.js"

/**
 * One server-sent event. `event` is `"message"` when the server named none.
 *
 * @since 0.1.0
 * @category Models
 * @internal
 */
export interface SseEvent {
  readonly event: string
  readonly data: string
  readonly id?: string | undefined
}

/**
 * An incremental SSE parser (WHATWG event-stream rules: `field: value`, one optional space after
 * the colon, `:` comments, multi-line `data`, a blank line dispatches). An event whose data grows
 * past `maxChars` (many `data:` lines and no blank line) sets {@link SseParser.tooLong}, like a
 * line that does.
 *
 * @since 0.1.0
 * @category Parsers
 * @internal
 */
export class SseParser implements Splitter<SseEvent> {
  private readonly lines: LineDecoder
  private event = ""
  private data: Array<string> = []
  private dataChars = 0
  private id: string | undefined
  private over = false

  /** `maxChars`: the longest line, and the most data one event may gather. */
  constructor(private readonly maxChars: number = maxRecordChars) {
    this.lines = new LineDecoder(maxChars)
  }

  /** Whether a line or an event's data was longer than the limit. */
  get tooLong(): boolean {
    return this.over || this.lines.tooLong
  }

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
      if (this.over) return out
      if (line === "") {
        this.dispatch(out)
        continue
      }
      const colon = line.indexOf(":")
      if (colon === 0) continue
      const field = colon === -1 ? line : line.slice(0, colon)
      let value = colon === -1 ? "" : line.slice(colon + 1)
      if (value.charCodeAt(0) === 32) value = value.slice(1)
      if (field === "data") this.addData(value)
      else if (field === "event") this.event = value
      else if (field === "id") this.id = value
    }
    return out
  }

  private addData(value: string) {
    // Joined with "\n": each line after the first adds one character.
    this.dataChars += value.length + (this.data.length > 0 ? 1 : 0)
    if (this.dataChars > this.maxChars) {
      this.over = true
      this.data = []
      return
    }
    this.data.push(value)
  }

  private dispatch(out: Array<SseEvent>) {
    if (this.over) return
    if (this.data.length > 0) {
      out.push({ event: this.event === "" ? "message" : this.event, data: this.data.join("\n"), id: this.id })
    }
    this.data = []
    this.dataChars = 0
    this.event = ""
  }
}

/**
 * A byte stream as a stream of server-sent events; an event (or line) longer than `maxChars`
 * fails the stream with `tooLong()`.
 *
 * @since 0.1.0
 * @category Streams
 * @internal
 */
export const events = <E, R, E2>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  tooLong: () => E2,
  maxChars: number = maxRecordChars
): Stream.Stream<SseEvent, E | E2, R> => records(bytes, () => new SseParser(maxChars), tooLong)
