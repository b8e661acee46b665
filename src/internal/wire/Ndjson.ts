/**
 * Newline-delimited JSON (Ollama's streaming format) over the linear line splitter in `Lines`.
 *
 * @since 0.1.0
 * @internal
 */
import { Stream } from "effect"
import { lines, maxRecordChars } from "./Lines.js"

/**
 * A byte stream as a stream of non-empty lines, each one JSON document still to be decoded (the
 * caller maps a bad line to its own error). A line longer than `maxChars` fails the stream with
 * `tooLong()`.
 *
 * @since 0.1.0
 * @category Streams
 * @internal
 */
export const records = <E, R, E2>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  tooLong: () => E2,
  maxChars: number = maxRecordChars
): Stream.Stream<string, E | E2, R> => lines(bytes, tooLong, maxChars).pipe(Stream.filter((line) => line.trim() !== ""))
