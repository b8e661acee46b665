/**
 * The plain-data check behind `Untrusted` (IPC arguments, CLI arguments, imported files), without
 * any dependency: the preload bridge runs it in the renderer, where Effect is not loaded, so both
 * sides of IPC refuse the same values with the same words. Plain data is strings, finite numbers,
 * booleans, null, undefined, arrays and plain objects (and, when allowed, BigInts and Dates);
 * strings are well-formed UTF-16 and bounded, nesting and size bounded. The walk is iterative (no
 * recursion to overflow) and runs in slices, so a caller can yield between them.
 *
 * @since 0.1.0
 */

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
  /**
   * Whether BigInts and Dates are allowed as leaves (Electron's structured clone carries them, and
   * a database driver's execution plan may hold them).
   */
  readonly allowBigIntAndDate?: boolean | undefined
}

/**
 * What is wrong with a value, and where (`path` as `a.b.0.c`, empty for the value itself).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Problem {
  readonly path: string
  readonly reason: string
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

// A lone surrogate cannot be encoded as UTF-8: it breaks `encodeURIComponent`, JSON bodies and
// providers.
const stringProblem = (s: string, maxChars: number): string | undefined =>
  s.length > maxChars
    ? `is ${s.length.toLocaleString("en-US")} characters; the limit is ${maxChars.toLocaleString("en-US")}`
    : LONE_SURROGATE.test(s)
    ? "contains an invalid character (a lone UTF-16 surrogate)"
    : undefined

const isPlainObject = (u: object): boolean => {
  const proto = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

const kindOf = (u: unknown): string =>
  typeof u === "object" ? (u === null ? "null" : (u.constructor?.name ?? "object")) : typeof u

const join = (path: string, key: string | number) => (path === "" ? String(key) : `${path}.${key}`)

/**
 * How many values {@link check} walks per slice.
 *
 * @since 0.1.0
 * @category Constants
 */
export const SLICE = 2_000

/**
 * Walks a value, at most `budget` values per call of the returned step, which answers a problem,
 * `true` when the walk is done, or `false` when there is more to walk. `leaf` accepts objects the
 * caller lets through as they are (`Untrusted` passes `Redacted` values).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const walker = (value: unknown, bounds: Bounds, leaf?: (u: object) => boolean) => {
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
          if (leaf !== undefined && leaf(u)) continue
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
 * Checks a value in one go: its problem, or `undefined` when it is plain data within `bounds`.
 *
 * @since 0.1.0
 * @category Checks
 */
export const check = (value: unknown, bounds: Bounds, leaf?: (u: object) => boolean): Problem | undefined => {
  const step = walker(value, bounds, leaf)
  for (;;) {
    const r = step(SLICE)
    if (r === true) return undefined
    if (r !== false) return r
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
