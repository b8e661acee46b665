/**
 * A linear, incremental line splitter for response bodies: UTF-8 decoded in stream mode (a
 * character split across chunks is joined), lines ended by LF, CRLF or CR in any mix, even
 * within one chunk, even with the CR and LF in different chunks. Each byte is looked at once, so
 * a burst of many events in one read costs no more than the events themselves (unlike
 * `@effect/experimental/Sse`, which rescans its buffer for every line).
 *
 * A line is bounded: one longer than the decoder's limit (a body that never sends a line ending)
 * stops the decoder instead of growing its buffer without end.
 *
 * @since 0.1.0
 * @internal
 */
import { Chunk, Effect, Stream } from "effect"
import { reply } from "../../domain/Limits.js"

const LF = 10
const CR = 13

/**
 * The most characters one stream record (a line, an SSE event's data) may have by default:
 * `reply.bodyBytes`, as a record is never more than a whole reply.
 *
 * @since 0.1.0
 * @category Constants
 * @internal
 */
export const maxRecordChars = reply.bodyBytes

/**
 * Something that turns body bytes into records, keeping what is unfinished for the next call,
 * and says when a record grew past its limit.
 *
 * @since 0.1.0
 * @category Models
 * @internal
 */
export interface Splitter<A> {
  /** Records completed by these bytes. */
  readonly push: (bytes: Uint8Array) => Array<A>
  /** Whatever is left when the body ends. */
  readonly end: () => Array<A>
  /** Whether a record grew past the limit; the splitter then holds nothing more. */
  readonly tooLong: boolean
}

/**
 * Splits bytes into lines, keeping the unfinished tail for the next call.
 *
 * @since 0.1.0
 * @category Parsers
 * @internal
 */
export class LineDecoder implements Splitter<string> {
  private readonly decoder = new TextDecoder("utf-8")
  private tail = ""
  // The previous chunk ended in CR: an LF at the start of the next one belongs to it.
  private skipLf = false
  private over = false

  /** `maxChars`: the longest line (UTF-16 units) kept; a longer one sets {@link tooLong}. */
  constructor(private readonly maxChars: number = maxRecordChars) {}

  /** Whether a line was longer than the limit; nothing is split after that. */
  get tooLong(): boolean {
    return this.over
  }

  /** Lines completed by these bytes. */
  push(bytes: Uint8Array): Array<string> {
    return this.over ? [] : this.split(this.decoder.decode(bytes, { stream: true }))
  }

  /** Whatever is left when the body ends (a last line with no line ending). */
  end(): Array<string> {
    if (this.over) return []
    const rest = this.split(this.decoder.decode())
    if (this.tail !== "") {
      rest.push(this.tail)
      this.tail = ""
    }
    return rest
  }

  private split(text: string): Array<string> {
    const lines: Array<string> = []
    let start = 0
    let i = 0
    if (this.skipLf && text.length > 0) {
      if (text.charCodeAt(0) === LF) start = i = 1
      this.skipLf = false
    }
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c !== LF && c !== CR) continue
      if (this.tail.length + (i - start) > this.maxChars) return this.overflow()
      lines.push(this.tail === "" ? text.slice(start, i) : this.tail + text.slice(start, i))
      this.tail = ""
      if (c === CR) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === LF) i++
        } else this.skipLf = true
      }
      start = i + 1
    }
    if (start < text.length) {
      if (this.tail.length + (text.length - start) > this.maxChars) return this.overflow()
      this.tail += text.slice(start)
    }
    return lines
  }

  // Drop the buffer: a line this long is refused whole, and memory is freed at once.
  private overflow(): Array<string> {
    this.over = true
    this.tail = ""
    return []
  }
}

/**
 * A byte stream as records: `make` gives a fresh splitter per run; a record past the splitter's
 * limit fails the stream with `tooLong()` (which also stops reading the body; records completed
 * in that same read are dropped with it).
 *
 * @since 0.1.0
 * @category Streams
 * @internal
 */
export const records = <A, E, R, E2>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  make: () => Splitter<A>,
  tooLong: () => E2
): Stream.Stream<A, E | E2, R> =>
  Stream.suspend(() => {
    const splitter = make()
    return bytes.pipe(
      Stream.mapChunksEffect((chunk) => {
        const out: Array<A> = []
        for (const bytes of chunk) {
          for (const record of splitter.push(bytes)) out.push(record)
          if (splitter.tooLong) return Effect.fail(tooLong())
        }
        return Effect.succeed(Chunk.unsafeFromArray(out))
      }),
      Stream.concat(Stream.suspend(() => {
        const rest = splitter.end()
        return splitter.tooLong ? Stream.fail(tooLong()) : Stream.fromIterable(rest)
      }))
    )
  })

/**
 * A byte stream as a stream of lines, each at most `maxChars` long.
 *
 * @since 0.1.0
 * @category Streams
 * @internal
 */
export const lines = <E, R, E2>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  tooLong: () => E2,
  maxChars: number = maxRecordChars
): Stream.Stream<string, E | E2, R> => records(bytes, () => new LineDecoder(maxChars), tooLong)
