/**
 * Every size limit on what enters the library, in one place: what a request may carry (set in the
 * settings under `limits`, with defaults no real use comes near) and what a provider reply may
 * be (fixed: a reply is never the user's to size). Inputs past a limit are refused with a typed
 * error naming the field and the limit, before any work is done on them, so no input can make the
 * main process work for long or hold much memory.
 *
 * @since 0.1.0
 */
import { Effect, Either, Schema } from "effect"

const Size = (min: number, max: number, unit: string) =>
  Schema.Int.pipe(Schema.between(min, max, { message: () => `must be a whole number of ${unit} from ${min} to ${max}` }))

/**
 * The most characters any one provider configuration field may have, whatever the settings say.
 *
 * @since 0.1.0
 * @category Constants
 */
export const configFieldCeiling = 65_536

/**
 * Request size limits (characters are UTF-16 code units, as JavaScript counts them).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const InputLimits = Schema.Struct({
  /** A natural-language request. */
  promptChars: Schema.optionalWith(Size(100, 1_000_000, "characters"), { default: () => 100_000 }),
  /** SQL to explain, optimize or fix. */
  sqlChars: Schema.optionalWith(Size(100, 2_000_000, "characters"), { default: () => 500_000 }),
  /** The database error message of a query to fix. */
  errorMessageChars: Schema.optionalWith(Size(100, 1_000_000, "characters"), { default: () => 50_000 }),
  /** An execution plan (as text or the driver's JSON, counted as its JSON text). */
  executionPlanChars: Schema.optionalWith(Size(100, 5_000_000, "characters"), { default: () => 1_000_000 }),
  /** Tables in a schema context. */
  schemaTables: Schema.optionalWith(Size(1, 100_000, "tables"), { default: () => 10_000 }),
  /** Columns in a schema context, all tables together. */
  schemaColumns: Schema.optionalWith(Size(1, 2_000_000, "columns"), { default: () => 250_000 }),
  /** A schema given as text (DDL or JSON). */
  schemaChars: Schema.optionalWith(Size(100, 20_000_000, "characters"), { default: () => 5_000_000 }),
  /** Statements in a schema given as DDL text (`CREATE TABLE`, `ALTER TABLE`, `CREATE INDEX` ...). */
  schemaStatements: Schema.optionalWith(Size(1, 2_000_000, "statements"), { default: () => 200_000 }),
  /** One provider configuration field (a URL, a model name, a key). */
  configFieldChars: Schema.optionalWith(Size(64, configFieldCeiling, "characters"), { default: () => 8_192 })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type InputLimits = typeof InputLimits.Type

/**
 * The request limits when the settings say nothing.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultInputLimits: InputLimits = InputLimits.make({})

/**
 * Limits on what a provider sends back; fixed, as a reply is not the user's to size.
 *
 * @since 0.1.0
 * @category Constants
 */
export const reply = {
  /** The most bytes a reply body may have (a whole answer or an error body; past it, reading
   * stops and the connection is closed), and the most characters one stream record (an SSE
   * event's data, an NDJSON line) may have. */
  bodyBytes: 16 * 1024 * 1024,
  /** The deepest nesting a JSON reply (or stream event) may have. */
  jsonDepth: 64,
  /** The most characters of a provider's text kept in an error message. */
  errorTextChars: 600,
  /** The most characters an error message may have, whatever built it. */
  messageChars: 2_000,
  /** The most characters of a request id (or an error code) kept. */
  requestIdChars: 200
} as const

// ---------------------------------------------------------------------------
// Checking requests against the limits
// ---------------------------------------------------------------------------

/**
 * Why an input was refused: the request field it was in and a message that names the field and
 * the limit (`prompt is 2,000,000 characters; the limit is 100,000 (settings.limits.promptChars)`).
 *
 * @since 0.1.0
 * @category Checks
 */
export interface Refusal {
  readonly field: string
  readonly message: string
}

/**
 * The request limits that bound text, by name.
 *
 * @since 0.1.0
 * @category Checks
 */
export type CharLimit = "promptChars" | "sqlChars" | "errorMessageChars" | "executionPlanChars" | "schemaChars"

const figure = (n: number): string => n.toLocaleString("en-US")

/**
 * Where a limit is set, as a user finds it: `settings.limits.promptChars`.
 *
 * @since 0.1.0
 * @category Checks
 */
const settingName = (key: keyof InputLimits): string => `settings.limits.${key}`

/**
 * The refusal of a text of known length past its limit.
 *
 * @since 0.1.0
 * @category Checks
 */
const tooLong = (field: string, chars: number, key: CharLimit, limits: InputLimits): Refusal => ({
  field,
  message: `${field} is ${figure(chars)} characters; the limit is ${figure(limits[key])} (${settingName(key)})`
})

/**
 * The refusal of something counted while it was walked, stopped as soon as the count passed the
 * limit, so `count` is how much was seen by then:
 * `schema has at least 12,000 tables; the limit is 10,000 (settings.limits.schemaTables)`.
 *
 * @since 0.1.0
 * @category Checks
 */
export const tooMany = (field: string, count: number, what: string, key: keyof InputLimits, limits: InputLimits): Refusal => ({
  field,
  message: `${field} has at least ${figure(count)} ${what}; the limit is ${figure(limits[key])} (${settingName(key)})`
})

// A lone surrogate cannot be encoded as UTF-8: `encodeURIComponent` throws on it and a provider
// gets broken JSON. Node 20 has the native check (constant time for one-byte strings).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate).
 *
 * @since 0.1.0
 * @category Checks
 */
export const isWellFormed = (s: string): boolean =>
  nativeWellFormed !== undefined ? nativeWellFormed.call(s) : !LONE_SURROGATE.test(s)

/**
 * The refusal of a string holding a lone UTF-16 surrogate.
 *
 * @since 0.1.0
 * @category Checks
 */
export const malformed = (field: string): Refusal => ({
  field,
  message: `${field} is not well-formed text: it holds a lone UTF-16 surrogate`
})

/**
 * Checks one text field: its length against its limit first (constant time), then that it is
 * well-formed. Undefined when it passes.
 *
 * @since 0.1.0
 * @category Checks
 */
export const checkText = (field: string, text: string, key: CharLimit, limits: InputLimits): Refusal | undefined => {
  if (text.length > limits[key]) return tooLong(field, text.length, key, limits)
  return isWellFormed(text) ? undefined : malformed(field)
}

// ---------------------------------------------------------------------------
// Work in slices
// ---------------------------------------------------------------------------

/**
 * Thrown inside a {@link Work} to stop it with a refusal; {@link sliced} and {@link runSync} turn it
 * into a typed failure, so it never escapes them.
 *
 * @since 0.1.0
 * @category Slices
 */
export class Refused {
  constructor(readonly refusal: Refusal) {}
}

/**
 * Work that may pause: a generator that yields wherever it may be paused and returns its result.
 * It may throw {@link Refused}.
 *
 * @since 0.1.0
 * @category Slices
 */
export type Work<A> = Generator<void, A, unknown>

/**
 * How long a slice of work runs before it lets the event loop in. Each step between two pauses is
 * kept small (a few milliseconds at most), so no slice comes near the 20 ms a main process can
 * spare.
 *
 * @since 0.1.0
 * @category Slices
 */
const sliceMs = 5

/**
 * Lets the event loop run (timers, I/O, IPC) before going on. `Effect.yieldNow()` is not enough:
 * Effect's scheduler resumes on a microtask, which runs before any timer or I/O callback, so a
 * loop of microtask yields still holds the loop. `setImmediate` resumes after pending I/O.
 *
 * @since 0.1.0
 * @category Slices
 */
export const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  if (typeof setImmediate === "function") {
    const handle = setImmediate(() => resume(Effect.void))
    return Effect.sync(() => clearImmediate(handle))
  }
  const handle = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(handle))
})

const step = <A>(work: Work<A>): Either.Either<IteratorResult<void, A>, Refusal> => {
  try {
    return Either.right(work.next())
  } catch (e) {
    if (e instanceof Refused) return Either.left(e.refusal)
    throw e
  }
}

/**
 * Runs work in slices of about {@link sliceMs}, letting the event loop in between them; fails with
 * the refusal the work stopped with. Work that ends within one slice never pauses.
 *
 * @since 0.1.0
 * @category Slices
 */
export const sliced = <A>(work: Work<A>): Effect.Effect<A, Refusal> => {
  const slice: Effect.Effect<A, Refusal> = Effect.suspend(() => {
    const start = performance.now()
    for (;;) {
      const next = step(work)
      if (next._tag === "Left") return Effect.fail(next.left)
      if (next.right.done === true) return Effect.succeed(next.right.value)
      if (performance.now() - start >= sliceMs) return Effect.zipRight(yieldToEventLoop, slice)
    }
  })
  return slice
}

/**
 * Runs work to its end at once, for synchronous callers with small inputs.
 *
 * @since 0.1.0
 * @category Slices
 */
export const runSync = <A>(work: Work<A>): Either.Either<A, Refusal> => {
  for (;;) {
    const next = step(work)
    if (next._tag === "Left") return Either.left(next.left)
    if (next.right.done === true) return Either.right(next.right.value)
  }
}

/**
 * Runs work that never refuses to its end at once (a {@link Refused} thrown by it is a defect).
 *
 * @since 0.1.0
 * @category Slices
 */
export const finish = <A>(work: Work<A>): A => {
  for (;;) {
    const next = work.next()
    if (next.done === true) return next.value
  }
}

// ---------------------------------------------------------------------------
// JSON text in slices
// ---------------------------------------------------------------------------

// JSON.parse is one native step, ~25 ms for 5 MB: too long for the main process at once. So a
// large text is parsed in pieces: one pass (in slices) finds where each object and array ends,
// then a large container is read member by member, consecutive small members parsed together
// by JSON.parse a group of at most about `leafChars` at a time, large members split in turn.

const JSON_LEAF_CHARS = 65_536
const JSON_SPLIT_DEPTH = 16
const JSON_STEPS = 4_096
const STRUCTURAL = /["{}[\]]/g
const QUOTE_OR_BACKSLASH = /["\\]/g
const PRIMITIVE_END = /[,}\] \t\n\r]/g

class NotJson {}
const notJson = new NotJson()

const skipBlanks = (text: string, i: number): number => {
  let j = i
  for (;;) {
    const c = text.charCodeAt(j)
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return j
    j++
  }
}

const isOpening = (c: number): boolean => c === 123 || c === 91

// Where the string that opens at `i` ends (after its closing quote).
function* stringEnd(text: string, i: number): Work<number> {
  let j = i + 1
  for (let steps = 1;; steps++) {
    QUOTE_OR_BACKSLASH.lastIndex = j
    const m = QUOTE_OR_BACKSLASH.exec(text)
    if (m === null) throw notJson
    if (text.charCodeAt(m.index) === 34) return m.index + 1
    j = m.index + 2
    if (steps % JSON_STEPS === 0) yield
  }
}

// One pass: where every object and array ends, keyed by where it starts.
function* containerEnds(text: string): Work<Map<number, number>> {
  const ends = new Map<number, number>()
  const open: Array<number> = []
  let j = 0
  for (let steps = 1;; steps++) {
    STRUCTURAL.lastIndex = j
    const m = STRUCTURAL.exec(text)
    if (m === null) break
    const c = text.charCodeAt(m.index)
    if (c === 34) j = yield* stringEnd(text, m.index)
    else if (isOpening(c)) {
      open.push(m.index)
      j = m.index + 1
    } else {
      const start = open.pop()
      if (start === undefined || text.charCodeAt(start) !== (c === 125 ? 123 : 91)) throw notJson
      ends.set(start, m.index + 1)
      j = m.index + 1
    }
    if (steps % JSON_STEPS === 0) yield
  }
  if (open.length > 0) throw notJson
  return ends
}

interface JsonScan {
  readonly text: string
  readonly ends: Map<number, number>
  readonly leafChars: number
}

function* valueEnd(scan: JsonScan, i: number): Work<number> {
  const c = scan.text.charCodeAt(i)
  if (isOpening(c)) {
    const end = scan.ends.get(i)
    if (end === undefined) throw notJson
    return end
  }
  if (c === 34) return yield* stringEnd(scan.text, i)
  PRIMITIVE_END.lastIndex = i
  const m = PRIMITIVE_END.exec(scan.text)
  const end = m === null ? scan.text.length : m.index
  if (end === i) throw notJson
  return end
}

// An own property, as JSON.parse makes it (`__proto__` included, as data, not the prototype).
const define = (target: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
  else target[key] = value
}

function* jsonValue(scan: JsonScan, i: number, depth: number): Work<{ readonly value: unknown; readonly end: number }> {
  const end = yield* valueEnd(scan, i)
  const c = scan.text.charCodeAt(i)
  if (!isOpening(c) || end - i <= scan.leafChars || depth >= JSON_SPLIT_DEPTH) {
    return { value: JSON.parse(scan.text.slice(i, end)), end }
  }
  return { value: yield* container(scan, i, end, depth), end }
}

// A large object or array: members grouped, each group parsed at once; large members split.
function* container(scan: JsonScan, start: number, end: number, depth: number): Work<unknown> {
  const { text } = scan
  const isArray = text.charCodeAt(start) === 91
  const close = isArray ? 93 : 125
  const array: Array<unknown> = []
  const object: Record<string, unknown> = {}
  let groupStart = -1
  let groupEnd = -1
  const flush = () => {
    if (groupStart < 0) return
    const body = text.slice(groupStart, groupEnd)
    if (isArray) for (const v of JSON.parse(`[${body}]`) as Array<unknown>) array.push(v)
    else {
      const parsed = JSON.parse(`{${body}}`) as Record<string, unknown>
      for (const key of Object.keys(parsed)) define(object, key, parsed[key])
    }
    groupStart = -1
  }
  let j = skipBlanks(text, start + 1)
  if (text.charCodeAt(j) === close) return isArray ? array : object
  for (;;) {
    const member = j
    let key: string | undefined
    if (!isArray) {
      if (text.charCodeAt(j) !== 34) throw notJson
      const keyEnd = yield* stringEnd(text, j)
      key = JSON.parse(text.slice(j, keyEnd)) as string
      j = skipBlanks(text, keyEnd)
      if (text.charCodeAt(j) !== 58) throw notJson
      j = skipBlanks(text, j + 1)
    }
    const valueStop = yield* valueEnd(scan, j)
    if (isOpening(text.charCodeAt(j)) && valueStop - j > scan.leafChars) {
      flush()
      const { value } = yield* jsonValue(scan, j, depth + 1)
      if (isArray) array.push(value)
      else define(object, key!, value)
    } else {
      if (groupStart < 0) groupStart = member
      groupEnd = valueStop
      if (groupEnd - groupStart > scan.leafChars) flush()
    }
    j = skipBlanks(text, valueStop)
    const c = text.charCodeAt(j)
    if (c === close && j === end - 1) {
      flush()
      return isArray ? array : object
    }
    if (c !== 44) throw notJson
    j = skipBlanks(text, j + 1)
    yield
  }
}

function* jsonText(text: string, leafChars: number): Work<{ readonly value: unknown } | undefined> {
  try {
    const scan: JsonScan = { text, ends: yield* containerEnds(text), leafChars }
    const start = skipBlanks(text, 0)
    if (start === text.length) return undefined
    const { end, value } = yield* jsonValue(scan, start, 0)
    return skipBlanks(text, end) === text.length ? { value } : undefined
  } catch (e) {
    if (e === notJson || e instanceof SyntaxError) return undefined
    throw e
  }
}

/**
 * Parses JSON text as `JSON.parse` does, as work that pauses: a text of more than `leafChars`
 * is parsed in pieces of about that size. Undefined when the text is not JSON.
 *
 * @since 0.1.0
 * @category Slices
 */
export const parseJson = (text: string, leafChars: number = JSON_LEAF_CHARS): Work<{ readonly value: unknown } | undefined> =>
  text.length <= leafChars ? parseAtOnce(text) : jsonText(text, leafChars)

// Small texts: one native step is quicker than any slicing.
function* parseAtOnce(text: string): Work<{ readonly value: unknown } | undefined> {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}
