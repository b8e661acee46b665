/**
 * Newline-delimited JSON (Ollama's streaming format) over the linear line splitter in `Lines`.
 *
 * @since 0.1.0
 * @internal
 */
import { Stream } from "effect"
import { lines } from "./Lines.js"

/**
 * A byte stream as a stream of non-empty lines, each one JSON document still to be decoded (the
 * caller maps a bad line to its own error).
 *
 * @since 0.1.0
 * @internal
 */
export const records = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<string, E, R> =>
  lines(bytes).pipe(Stream.filter((line) => line.trim() !== ""))
