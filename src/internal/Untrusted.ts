/**
 * Checks for values that come from outside the process (IPC from the renderer, CLI arguments,
 * imported files, stored rows): plain data only (strings, finite numbers, booleans, null, arrays
 * and plain objects), strings well-formed UTF-16 and bounded, nesting and size bounded. The walk
 * is `PlainData`'s (the preload bridge runs the same one); in its Effect form it yields between
 * slices so a large value never blocks the event loop for long.
 *
 * @since 0.1.0
 */
import { Effect, Either, Redacted } from "effect"
import { yieldToEventLoop } from "../domain/Limits.js"
import * as PlainData from "./PlainData.js"

/**
 * Bounds for one value (`PlainData.Bounds`, and whether `Redacted` values are allowed).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Bounds extends PlainData.Bounds {
  /** Whether `Redacted` values are allowed (secrets handed over in code, never over IPC). */
  readonly allowRedacted?: boolean | undefined
}

const leafOf = (bounds: Bounds) => (bounds.allowRedacted ? Redacted.isRedacted : undefined)

/**
 * Checks a small value in one go (a configuration, a settings patch).
 *
 * @since 0.1.0
 * @category Checks
 */
export const check = (value: unknown, bounds: Bounds): Either.Either<void, PlainData.Problem> => {
  const problem = PlainData.check(value, bounds, leafOf(bounds))
  return problem === undefined ? Either.void : Either.left(problem)
}

/**
 * Checks a value of any size, yielding to other work between slices of the walk.
 *
 * @since 0.1.0
 * @category Checks
 */
export const checkYielding = (value: unknown, bounds: Bounds): Effect.Effect<void, PlainData.Problem> =>
  Effect.suspend(() => {
    const step = PlainData.walker(value, bounds, leafOf(bounds))
    const loop: Effect.Effect<void, PlainData.Problem> = Effect.suspend(() => {
      const r = step(PlainData.SLICE)
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
export const truncate = PlainData.truncate

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
