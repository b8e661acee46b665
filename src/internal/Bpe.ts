/**
 * Byte-pair encoding for the two OpenAI encodings the library counts with, o200k_base and
 * cl100k_base: tiktoken's algorithm over rank tables kept in `./tables` (generated from
 * gpt-tokenizer by scripts/tokenizer-tables.mjs; test/internal/Bpe.test.ts checks that the files
 * match it and that every count equals gpt-tokenizer's). The package ships these two tables
 * (2.3 MB) instead of depending on gpt-tokenizer (30 MB, every encoding in three builds).
 *
 * A table is read from disk off the main thread and parsed a slice at a time, so loading never
 * holds the event loop for long (importing gpt-tokenizer's o200k_base holds it ~130 ms).
 *
 * @since 0.1.0
 * @internal
 */
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import * as Limits from "../domain/Limits.js"
import type { Encoder, Encoding } from "./Tokens.js"

// tiktoken's pre-tokenization patterns, in JavaScript's regex syntax.
const contraction = String.raw`'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])`
const upper = String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`
const lower = String.raw`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`
const patterns: Readonly<Record<Encoding, string>> = {
  o200k_base: [
    String.raw`[^\r\n\p{L}\p{N}]?${upper}*${lower}+(?:${contraction})?`,
    String.raw`[^\r\n\p{L}\p{N}]?${upper}+${lower}*(?:${contraction})?`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
    String.raw`\s*[\r\n]+`,
    String.raw`\s+(?!\S)`,
    String.raw`\s+`
  ].join("|"),
  cl100k_base: [
    contraction,
    String.raw`[^\r\n\p{L}\p{N}]?\p{L}+`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n]*`,
    String.raw`\s+$`,
    String.raw`\s*[\r\n]`,
    String.raw`\s+(?!\S)`,
    String.raw`\s`
  ].join("|")
}

// The number of tokens in each table; a file with another count is damaged.
const sizes: Readonly<Record<Encoding, number>> = { o200k_base: 199_998, cl100k_base: 100_256 }

/**
 * A rank table: each token's bytes (as a string of char codes 0-255) to its rank.
 *
 * @since 0.1.0
 * @internal
 */
export type Ranks = ReadonlyMap<string, number>

// A text's UTF-8 bytes as a string of char codes 0-255, the form the table's keys take (ASCII is
// its own UTF-8).
const bytesOf = (text: string): string => {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 127) return Buffer.from(text, "utf8").toString("latin1")
  }
  return text
}

// Pieces that are not tokens repeat (identifiers, words split in two); their counts are kept, up
// to a bound, per table.
const MERGED_KEPT = 50_000

// The tokens of one piece that is not itself a token: merge the adjacent pair of lowest rank
// (the leftmost of equals) until no pair is a token.
const mergedCount = (ranks: Ranks, bytes: string): number => {
  const starts: Array<number> = []
  for (let i = 0; i <= bytes.length; i++) starts.push(i)
  const rankAt = (i: number): number =>
    i + 2 < starts.length ? ranks.get(bytes.slice(starts[i], starts[i + 2])) ?? Infinity : Infinity
  const pairs = starts.map((_, i) => rankAt(i))
  for (;;) {
    let lowest = Infinity
    let at = -1
    for (let i = 0; i < pairs.length; i++) {
      if (pairs[i]! < lowest) {
        lowest = pairs[i]!
        at = i
      }
    }
    if (at < 0) return starts.length - 1
    starts.splice(at + 1, 1)
    pairs.splice(at + 1, 1)
    pairs[at] = rankAt(at)
    if (at > 0) pairs[at - 1] = rankAt(at - 1)
  }
}

/**
 * Counts a text's tokens with a table, every special-token marker (`<|endoftext|>`, ...) read as
 * plain text, as message content is.
 *
 * @since 0.1.0
 * @internal
 */
export const encoder = (encoding: Encoding, ranks: Ranks): Encoder => {
  const split = new RegExp(patterns[encoding], "gu")
  const merged = new Map<string, number>()
  const countOf = (bytes: string): number => {
    if (ranks.has(bytes)) return 1
    let count = merged.get(bytes)
    if (count === undefined) {
      count = mergedCount(ranks, bytes)
      if (merged.size >= MERGED_KEPT) merged.clear()
      merged.set(bytes, count)
    }
    return count
  }
  return (text) => {
    let tokens = 0
    for (const [piece] of text.matchAll(split)) tokens += countOf(bytesOf(piece))
    return tokens
  }
}

/**
 * Reads a table file's bytes (each token: one byte with its length, then its bytes), pausing
 * every few thousand tokens so a slice stays within a few milliseconds.
 *
 * @since 0.1.0
 * @internal
 */
export function* parse(file: Uint8Array): Limits.Work<Map<string, number> | undefined> {
  const text = Buffer.from(file.buffer, file.byteOffset, file.byteLength).toString("latin1")
  const ranks = new Map<string, number>()
  let at = 0
  while (at < text.length) {
    const end = at + 1 + text.charCodeAt(at)
    if (end > text.length) return undefined
    ranks.set(text.slice(at + 1, end), ranks.size)
    at = end
    if ((ranks.size & 4095) === 0) yield
  }
  return ranks
}

/**
 * Loads one encoding's table from `./tables`: read asynchronously, parsed in slices; fails if the
 * file is missing or damaged.
 *
 * @since 0.1.0
 * @internal
 */
export const load = (encoding: Encoding): Effect.Effect<Encoder, Error> =>
  Effect.tryPromise(() => readFile(fileURLToPath(new URL(`./tables/${encoding}.bin`, import.meta.url)))).pipe(
    Effect.flatMap((file) => Effect.orDie(Limits.sliced(parse(file)))),
    Effect.flatMap((ranks) =>
      ranks !== undefined && ranks.size === sizes[encoding]
        ? Effect.succeed(encoder(encoding, ranks))
        : Effect.fail(new Error(`the ${encoding} table is damaged`)))
  )
