/**
 * Checks for values that come from outside the process (IPC from the renderer, CLI arguments,
 * imported files, stored rows): plain data only (strings, finite numbers, booleans, null, arrays
 * and plain objects), strings well-formed UTF-16 and bounded, nesting and size bounded. The walk
 * is iterative (no recursion to overflow) and, in its Effect form, yields between slices so a
 * large value never blocks the event loop for long.
 *
 * @since 0.1.0
 */
import { Effect, Either, Redacted } from "effect"
import { yieldToEventLoop } from "../domain/Limits.js"

/**
 * Bounds for one value.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Bounds {
  /** The longest string (UTF-16 code units). */
  readonly maxStringChars: number
  /** The deepest nesting of arrays and objects. */
  readonly maxDepth: number
  /** The most values in all (every array element, object field and leaf counts one). */
  readonly maxNodes: number
  /** Whether `Redacted` values are allowed (secrets handed over in code, never over IPC). */
  readonly allowRedacted?: boolean | undefined
  /**
   * Whether BigInts and Dates are allowed as leaves (Electron's structured clone carries them, and
   * a database driver's execution plan may hold them; {@link stringify} writes them as text).
   */
  readonly allowBigIntAndDate?: boolean | undefined
}

/**
 * What is wrong with a value, and where (`path` as `a.b.0.c`, empty for the value itself).
 *
 * @since 0.1.0
 * @category Models
 */
interface Problem {
  readonly path: string
  readonly reason: string
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate: such a string cannot be encoded as
 * UTF-8, so it breaks `encodeURIComponent`, JSON bodies and providers).
 *
 * @since 0.1.0
 * @category Guards
 */
const isWellFormed = (s: string): boolean => !LONE_SURROGATE.test(s)

/**
 * Why a string is not acceptable, or undefined when it is.
 *
 * @since 0.1.0
 * @category Checks
 */
const stringProblem = (s: string, maxChars: number): string | undefined =>
  s.length > maxChars
    ? `is ${s.length.toLocaleString("en-US")} characters; the limit is ${maxChars.toLocaleString("en-US")}`
    : isWellFormed(s)
    ? undefined
    : "contains an invalid character (a lone UTF-16 surrogate)"

const isPlainObject = (u: object): boolean => {
  const proto = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

const kindOf = (u: unknown): string =>
  typeof u === "object" ? (u === null ? "null" : (u.constructor?.name ?? "object")) : typeof u

const join = (path: string, key: string | number) => (path === "" ? String(key) : `${path}.${key}`)

const SLICE = 2_000

/**
 * Walks a value, at most `budget` nodes per call of `step`; `step` returns a problem, `true` when
 * the walk is done, or `false` when there is more to walk.
 */
const walker = (value: unknown, bounds: Bounds) => {
  const stack: Array<readonly [unknown, string, number]> = [[value, "", 0]]
  let nodes = 0
  return (budget: number): Problem | boolean => {
    try {
      return walk(budget)
    } catch {
      // A getter or a proxy that throws: nothing from outside may throw into the library.
      return { path: "", reason: "could not be read" }
    }
  }
  function walk(budget: number): Problem | boolean {
    for (let n = 0; n < budget; n++) {
      const top = stack.pop()
      if (top === undefined) return true
      const [u, path, depth] = top
      if (++nodes > bounds.maxNodes) return { path, reason: `is too large (more than ${bounds.maxNodes.toLocaleString("en-US")} values)` }
      switch (typeof u) {
        case "string": {
          const problem = stringProblem(u, bounds.maxStringChars)
          if (problem !== undefined) return { path, reason: problem }
          continue
        }
        case "number":
          if (!Number.isFinite(u)) return { path, reason: "must be a finite number" }
          continue
        case "boolean":
        case "undefined":
          continue
        case "bigint":
          if (bounds.allowBigIntAndDate) continue
          return { path, reason: "must be plain data, not a bigint" }
        case "object": {
          if (u === null) continue
          if (bounds.allowRedacted && Redacted.isRedacted(u)) continue
          if (bounds.allowBigIntAndDate && u instanceof Date) continue
          if (depth >= bounds.maxDepth) return { path, reason: `is nested too deeply (more than ${bounds.maxDepth} levels)` }
          if (Array.isArray(u)) {
            for (let i = u.length - 1; i >= 0; i--) stack.push([u[i], join(path, i), depth + 1])
            continue
          }
          if (!isPlainObject(u)) return { path, reason: `must be plain data, not ${kindOf(u)}` }
          const keys = Object.keys(u)
          for (let i = keys.length - 1; i >= 0; i--) {
            const key = keys[i]!
            const keyProblem = stringProblem(key, bounds.maxStringChars)
            if (keyProblem !== undefined) return { path: join(path, "(key)"), reason: keyProblem }
            stack.push([(u as Record<string, unknown>)[key], join(path, key), depth + 1])
          }
          continue
        }
        default:
          return { path, reason: `must be plain data, not a ${typeof u}` }
      }
    }
    return false
  }
}

/**
 * Checks a small value in one go (a configuration, a settings patch).
 *
 * @since 0.1.0
 * @category Checks
 */
export const check = (value: unknown, bounds: Bounds): Either.Either<void, Problem> => {
  const step = walker(value, bounds)
  for (;;) {
    const r = step(SLICE)
    if (r === true) return Either.void
    if (r !== false) return Either.left(r)
  }
}

/**
 * Checks a value of any size, yielding to other work between slices of the walk.
 *
 * @since 0.1.0
 * @category Checks
 */
export const checkYielding = (value: unknown, bounds: Bounds): Effect.Effect<void, Problem> =>
  Effect.suspend(() => {
    const step = walker(value, bounds)
    const loop: Effect.Effect<void, Problem> = Effect.suspend(() => {
      const r = step(SLICE)
      return r === true ? Effect.void : r === false ? Effect.zipRight(yieldToEventLoop, loop) : Effect.fail(r)
    })
    return loop
  })

/**
 * `JSON.stringify` that never throws (a BigInt becomes its decimal text, a cycle or a throwing
 * getter gives undefined).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const stringify = (value: unknown, space?: number): string | undefined => {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), space) as string | undefined
  } catch {
    return undefined
  }
}

/**
 * Cuts a message to a length, saying it was cut.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const truncate = (s: string, maxChars: number): string => {
  if (s.length <= maxChars) return s
  let end = Math.max(0, maxChars - 1)
  // Never cut a surrogate pair in two (that would leave a lone surrogate).
  const last = s.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return `${s.slice(0, end)}…`
}

const distance = (a: string, b: string): number => {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const row = [i]
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[y.length]!
}

/**
 * The closest of `candidates` to a mistyped `name` (case-insensitive edit distance, or a name that
 * contains or is contained in it), or undefined when none is close.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const closest = (name: string, candidates: ReadonlyArray<string>): string | undefined => {
  if (name.length > 64) return undefined
  let best: string | undefined
  let bestScore = Infinity
  for (const c of candidates) {
    const lower = name.toLowerCase()
    const target = c.toLowerCase()
    // A score relative to the names' length: `apiKey` for `apiToken` is close, `model` for `notes` is not.
    const edits = target.includes(lower) || lower.includes(target) ? 1 : distance(name, c)
    const score = edits / Math.max(lower.length, target.length)
    if (edits <= Math.max(2, Math.floor(Math.max(lower.length, target.length) / 2)) && score < bestScore) {
      best = c
      bestScore = score
    }
  }
  return best
}
