/**
 * JSON from a provider, parsed within `reply` limits. `JSON.parse` itself copes with any depth,
 * but what comes after it does not: Schema's issue formatting, `JSON.stringify` and other
 * recursive walks overflow the stack on a value nested a few thousand deep. So the nesting is
 * measured first, by one linear scan of the text that skips strings, and a reply nested deeper
 * than `reply.jsonDepth` is refused before it is parsed.
 *
 * @since 0.1.0
 * @internal
 */
import { Either } from "effect"
import { reply } from "../../domain/Limits.js"

const QUOTE = 34
const BACKSLASH = 92
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93
const OPEN_BRACE = 123
const CLOSE_BRACE = 125

// Where the string opened at `open` is closed (its closing quote), or the text's length when it
// never is. `indexOf` jumps over the string's content; a quote preceded by an odd run of
// backslashes is escaped. Each backslash run is counted for one quote only, so this is linear.
const stringEnd = (text: string, open: number): number => {
  let from = open + 1
  for (;;) {
    const quote = text.indexOf("\"", from)
    if (quote === -1) return text.length
    let backslashes = 0
    for (let b = quote - 1; b > open && text.charCodeAt(b) === BACKSLASH; b--) backslashes++
    if (backslashes % 2 === 0) return quote
    from = quote + 1
  }
}

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth` (brackets inside strings do
 * not count). Linear in the text, no recursion; text that is not JSON gets some answer, and
 * `JSON.parse` then refuses it.
 *
 * @since 0.1.0
 * @category Parsing
 * @internal
 */
export const nestsDeeperThan = (text: string, maxDepth: number): boolean => {
  // Each level needs an opening bracket.
  if (text.length <= maxDepth) return false
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) i = stringEnd(text, i)
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) return true
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--
  }
  return false
}

/**
 * Why a text was not parsed.
 *
 * @since 0.1.0
 * @category Models
 * @internal
 */
type Problem = "too-large" | "too-deep" | "invalid"

/**
 * Parses JSON text within the `reply` limits: at most `reply.bodyBytes` characters (UTF-8 never
 * has fewer bytes than UTF-16 units) and `reply.jsonDepth` levels of nesting.
 *
 * @since 0.1.0
 * @category Parsing
 * @internal
 */
export const parse = (text: string): Either.Either<unknown, Problem> => {
  if (text.length > reply.bodyBytes) return Either.left("too-large")
  if (nestsDeeperThan(text, reply.jsonDepth)) return Either.left("too-deep")
  try {
    return Either.right(JSON.parse(text))
  } catch {
    return Either.left("invalid")
  }
}

/**
 * What a {@link Problem} is, in words, for `what` (`"the response body"`, `"a stream event"`).
 *
 * @since 0.1.0
 * @category Parsing
 * @internal
 */
export const describe = (what: string, problem: Problem): string =>
  problem === "too-large"
    ? `${what} is larger than ${reply.bodyBytes / (1024 * 1024)} MiB`
    : problem === "too-deep"
    ? `${what} is nested more than ${reply.jsonDepth} levels deep`
    : `${what} is not valid JSON`
