/**
 * A linear, incremental line splitter for response bodies: UTF-8 decoded in stream mode (a
 * character split across chunks is joined), lines ended by LF, CRLF or CR in any mix, even
 * within one chunk, even with the CR and LF in different chunks. Each byte is looked at once, so
 * a burst of many events in one read costs no more than the events themselves (unlike
 * `@effect/experimental/Sse`, which rescans its buffer for every line).
 *
 * @since 0.1.0
 * @internal
 */
import { Chunk, Stream } from "effect"

const LF = 10
const CR = 13

/**
 * Splits bytes into lines, keeping the unfinished tail for the next call.
 *
 * @since 0.1.0
 * @internal
 */
export class LineDecoder {
  private readonly decoder = new TextDecoder("utf-8")
  private tail = ""
  // The previous chunk ended in CR: an LF at the start of the next one belongs to it.
  private skipLf = false

  /** Lines completed by these bytes. */
  push(bytes: Uint8Array): Array<string> {
    return this.split(this.decoder.decode(bytes, { stream: true }))
  }

  /** Whatever is left when the body ends (a last line with no line ending). */
  end(): Array<string> {
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
      lines.push(this.tail === "" ? text.slice(start, i) : this.tail + text.slice(start, i))
      this.tail = ""
      if (c === CR) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === LF) i++
        } else this.skipLf = true
      }
      start = i + 1
    }
    if (start < text.length) this.tail += text.slice(start)
    return lines
  }
}

/**
 * A byte stream as a stream of lines.
 *
 * @since 0.1.0
 * @internal
 */
export const lines = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<string, E, R> =>
  Stream.suspend(() => {
    const decoder = new LineDecoder()
    return bytes.pipe(
      Stream.mapChunks((chunk) => {
        const out: Array<string> = []
        for (const bytes of chunk) for (const line of decoder.push(bytes)) out.push(line)
        return Chunk.unsafeFromArray(out)
      }),
      Stream.concat(Stream.suspend(() => Stream.fromIterable(decoder.end())))
    )
  })
