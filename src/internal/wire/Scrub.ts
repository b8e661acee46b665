/**
 * Keys out of whatever a provider sends back. A provider (or a proxy in front of it) may echo the
 * configured key in an error message, a request id or any other text, and not only verbatim: a
 * JSON writer escapes it (`\"`, `\\`, `\u00e9`, or `\uXXXX` for any character), a URL echo
 * percent-encodes it (`%C3%A9`, `+` for a space). Every string that leaves the wire layer (error
 * fields, request ids, connection-test details) goes through {@link Scrubber.clean}, which removes
 * the key in all these forms, then cuts the text to its limit without ever leaving half a key.
 *
 * Only such strings are scrubbed, after decoding: bodies are parsed as they came, and a successful
 * answer's text is the user's content, left alone.
 *
 * @since 0.1.0
 * @internal
 */
import { Either, Redacted } from "effect"
import type * as AiError from "../../domain/AiError.js"
import { reply } from "../../domain/Limits.js"
import * as Json from "./Json.js"

/**
 * What a removed key becomes.
 *
 * @since 0.1.0
 * @category Constants
 * @internal
 */
export const mask = "***"

// Anything shaped like a key, configured or not: OpenAI echoes part of a wrong key in its 401.
const KEY_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bsk-[A-Za-z0-9_*.-]{6,}/g, "sk-***"],
  [/\bAIza[0-9A-Za-z_-]{10,}/g, "AIza***"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 ***"],
  [/([?&](?:key|api[-_]?key|token|access_token)=)[^&\s"]+/gi, "$1***"]
]

// Shorter values would match ordinary words; a key cut off by the end of a text is removed once
// this much of it is there.
const MIN_KEY_CHARS = 4

const BACKSLASH = 92
const PERCENT = 37
const PLUS = 43
const SPACE = 32
const NOT_AN_ESCAPE = -1
const CUT_ESCAPE = -2

const SHORT_ESCAPES: Readonly<Record<number, number>> = {
  34: 34, // \"
  92: 92, // \\
  47: 47, // \/
  98: 8, // \b
  102: 12, // \f
  110: 10, // \n
  114: 13, // \r
  116: 9 // \t
}

const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1

/**
 * The UTF-16 unit the JSON escape at `at` (a backslash) stands for; `NOT_AN_ESCAPE` when it is
 * none, `CUT_ESCAPE` when the text ends inside it.
 */
const escapeAt = (text: string, at: number): number => {
  if (at + 1 >= text.length) return CUT_ESCAPE
  const c = text.charCodeAt(at + 1)
  if (c !== 117) return SHORT_ESCAPES[c] ?? NOT_AN_ESCAPE
  if (at + 6 > text.length) return CUT_ESCAPE
  let unit = 0
  for (let i = at + 2; i < at + 6; i++) {
    const h = hexValue(text.charCodeAt(i))
    if (h === -1) return NOT_AN_ESCAPE
    unit = unit * 16 + h
  }
  return unit
}

const escapeLength = (text: string, at: number): number => (text.charCodeAt(at + 1) === 117 ? 6 : 2)

/** A configured key, prepared for finding its echoes. */
interface Key {
  readonly value: string
  /** Per UTF-16 unit: the percent-encoded UTF-8 of the character starting there (`%c3%a9`), lower
   * case; undefined for a lone surrogate (it has no UTF-8) or the second half of a pair. */
  readonly percent: ReadonlyArray<string | undefined>
  /** Per UTF-16 unit: how many units that character spans (2 for a surrogate pair). */
  readonly width: ReadonlyArray<number>
}

const utf8 = new TextEncoder()

const prepare = (value: string): Key => {
  const percent: Array<string | undefined> = []
  const width: Array<number> = []
  for (let k = 0; k < value.length; k++) {
    const cp = value.codePointAt(k)!
    const lone = cp >= 0xd800 && cp <= 0xdfff
    const lowHalf = k > 0 && value.codePointAt(k - 1)! > 0xffff
    width.push(cp > 0xffff ? 2 : 1)
    percent.push(lone || lowHalf ? undefined : Array.from(utf8.encode(String.fromCodePoint(cp)), (b) => `%${b.toString(16).padStart(2, "0")}`).join(""))
  }
  return { value, percent, width }
}

/**
 * Where an echo of `key` starting at `start` ends, or -1. Each character may appear as itself, as
 * a JSON escape, percent-encoded, or (a space) as `+`. Reading is deterministic (no backtracking),
 * so a scan costs at most the key's length per starting point. A text that ends inside an echo
 * (a cut message) still counts once `MIN_KEY_CHARS` of the key are there.
 */
const echoEnd = (text: string, start: number, key: Key): number => {
  const v = key.value
  let j = start
  let k = 0
  const cutOff = () => (k >= Math.min(MIN_KEY_CHARS, v.length) ? text.length : -1)
  while (k < v.length) {
    if (j >= text.length) return cutOff()
    const c = v.charCodeAt(k)
    const t = text.charCodeAt(j)
    if (t === BACKSLASH) {
      const unit = escapeAt(text, j)
      if (unit === CUT_ESCAPE) return cutOff()
      if (unit === c) {
        j += escapeLength(text, j)
        k++
        continue
      }
    } else if (t === PERCENT) {
      const p = key.percent[k]
      if (p !== undefined) {
        const piece = text.slice(j, j + p.length).toLowerCase()
        if (piece.length < p.length && p.startsWith(piece)) return cutOff()
        if (piece === p) {
          j += p.length
          k += key.width[k]!
          continue
        }
      }
    } else if (t === PLUS && c === SPACE) {
      j++
      k++
      continue
    }
    if (t !== c) return -1
    j++
    k++
  }
  return j
}

/** `text` with every echo of `key` replaced by the mask. */
const removeKey = (text: string, key: Key): string => {
  // Verbatim first: the fastest, and the one form the decoding scan can misread (a raw backslash
  // in the key followed by what looks like an escape).
  const plain = text.includes(key.value) ? text.split(key.value).join(mask) : text
  const first = key.value.charCodeAt(0)
  let out = ""
  let from = 0
  for (let i = 0; i < plain.length; i++) {
    const t = plain.charCodeAt(i)
    if (t !== first && t !== BACKSLASH && t !== PERCENT && !(t === PLUS && first === SPACE)) continue
    const end = echoEnd(plain, i, key)
    if (end === -1) continue
    out += plain.slice(from, i) + mask
    from = end
    i = end - 1
  }
  return from === 0 ? plain : out + plain.slice(from)
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff

// At most `n` units of `s`, never ending in the first half of a surrogate pair.
const cut = (s: string, n: number): string => {
  if (s.length <= n) return s
  const end = n > 0 && isHighSurrogate(s.charCodeAt(n - 1)) ? n - 1 : n
  return s.slice(0, end)
}

// How much more than the limit is scrubbed: room for what scrubbing removes.
const SLACK = 64

// The limit of each string field an error can carry.
const FIELD_LIMITS: ReadonlyArray<readonly [string, number]> = [
  ["message", reply.messageChars],
  ["reason", reply.messageChars],
  ["model", reply.messageChars],
  ["code", reply.requestIdChars],
  ["requestId", reply.requestIdChars],
  ["field", reply.requestIdChars]
]

// At most this many other spellings per key (a key is at most a config field long).
const MAX_SPELLINGS = 32

/**
 * The keys, and for a key that is itself a JSON document (`"…"` in quotes, an array, an
 * object, a number) its other spellings: a reply holding the key as a raw JSON value is parsed,
 * and what comes out is the text inside its quotes, or the document written again in
 * `JSON.stringify`'s spelling (an in-band error shown as JSON). Neither is the key's own text.
 */
const spellings = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  const out = [...values]
  for (const value of values) {
    const parsed = Json.parse(value)
    if (Either.isLeft(parsed)) continue
    const other: Array<string> = [JSON.stringify(parsed.right)]
    const strings = (u: unknown): void => {
      if (other.length >= MAX_SPELLINGS) return
      if (typeof u === "string") other.push(u)
      else if (typeof u === "object" && u !== null) for (const v of Object.values(u)) strings(v)
    }
    strings(parsed.right)
    for (const text of new Set(other)) if (text !== value) out.push(text)
  }
  return out
}

/**
 * Removes keys from text that leaves the wire layer.
 *
 * @since 0.1.0
 * @category Models
 * @internal
 */
export interface Scrubber {
  /** The text without any echo of a configured key or anything shaped like a key. Costs up to the
   * text's length times a key's length: use {@link Scrubber.clean} on text of unknown size. */
  readonly scrub: (text: string) => string
  /** The first `maxChars` of the scrubbed text (with `…` when cut). Only a little more than
   * `maxChars` is ever looked at, and a key cut by that window is still removed. */
  readonly clean: (text: string, maxChars: number) => string
  /** A request id, scrubbed and cut to `reply.requestIdChars`; undefined when empty. */
  readonly id: (id: string | undefined) => string | undefined
  /** The same error with every string field scrubbed and bounded (the message to
   * `reply.messageChars`, codes and ids to `reply.requestIdChars`). */
  readonly seal: <E extends AiError.AiError>(error: E) => E
}

/**
 * A {@link Scrubber} for the configured secrets, and the other spellings of a key that is itself
 * a JSON document (values shorter than 4 characters are ignored: they would match ordinary words).
 *
 * @since 0.1.0
 * @category Constructors
 * @internal
 */
export const make = (secrets: ReadonlyArray<Redacted.Redacted<string>>): Scrubber => {
  const keys = spellings(secrets.map((s) => Redacted.value(s))).filter((v) => v.length >= MIN_KEY_CHARS).map(prepare)

  const scrub = (text: string): string => {
    let out = text
    for (const key of keys) out = removeKey(out, key)
    for (const [pattern, replacement] of KEY_PATTERNS) out = out.replace(pattern, replacement)
    return out
  }

  const clean = (text: string, maxChars: number): string => {
    const windowed = text.length > maxChars + SLACK
    const scrubbed = scrub(windowed ? cut(text, maxChars + SLACK) : text)
    return !windowed && scrubbed.length <= maxChars ? scrubbed : `${cut(scrubbed, Math.max(0, maxChars - 1))}…`
  }

  const id = (raw: string | undefined): string | undefined => {
    if (raw === undefined || raw === "") return undefined
    return clean(raw, reply.requestIdChars)
  }

  const seal = <E extends AiError.AiError>(error: E): E => {
    const props: Record<string, unknown> = { ...error, message: error.message }
    for (const [name, maxChars] of FIELD_LIMITS) {
      const value = props[name]
      if (typeof value === "string") props[name] = clean(value, maxChars)
    }
    return new (error.constructor as new(props: Record<string, unknown>) => E)(props)
  }

  return { scrub, clean, id, seal }
}
