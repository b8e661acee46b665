/**
 * The one lexical rule every SQL scanner of the library shares: where a comment, a string literal
 * or a quoted name that begins at a position ends. The SQL check's parenthesis precheck and its
 * leading-keyword net, the schema budget's table-name scan, the DDL reader and the rule-based
 * heuristics all skip comments and quotes through {@link spanAt}, so they agree on what is code.
 *
 * Lexical only: no parser, linear in the text, never fails (an unterminated comment or quote runs
 * to the end of the text and says it is not closed).
 *
 * @since 0.1.0
 */

/**
 * The quoting a text uses beyond standard SQL (`--` and `/* *\/` comments, `'strings'` and
 * `"names"` with doubled quotes inside, and `` `names` ``).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Syntax {
  /** `\` escapes the next character inside `'...'` and `"..."` (MySQL, MariaDB). */
  readonly backslash?: boolean | undefined
  /** `[name]` quotes a name (SQL Server; Access and SQLite read it too). */
  readonly brackets?: boolean | undefined
  /** `$$...$$` and `$tag$...$tag$` quote a string (PostgreSQL). */
  readonly dollar?: boolean | undefined
}

/**
 * Standard SQL plus `[name]` and PostgreSQL's dollar quotes: what a scanner that does not know
 * the dialect assumes.
 *
 * @since 0.1.0
 * @category Constants
 */
export const anySyntax: Syntax = { brackets: true, dollar: true }

/**
 * What begins at a position: a comment, a string literal or a quoted name, and the index just past
 * its end (for a `--` comment, the line's newline, which is left as code). `closed` is false when
 * the text ends first (`end` is then the text's length).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Span {
  readonly kind: "comment" | "string" | "name"
  readonly end: number
  readonly closed: boolean
}

const DOLLAR_TAG = /\$[A-Za-z_]*\$/y
const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/

// Past a quote that opens at `i`: a doubled closing quote stays inside (except `]`), and with
// `backslash` a `\` escapes what follows.
const quoteEnd = (text: string, i: number, close: string, backslash: boolean): number => {
  const n = text.length
  for (let j = i + 1; j < n; j++) {
    const c = text[j]
    if (backslash && c === "\\") j++
    else if (c === close) {
      if (close !== "]" && text[j + 1] === close) j++
      else return j + 1
    }
  }
  return -1
}

const span = (kind: Span["kind"], end: number, n: number): Span => (end < 0 ? { kind, end: n, closed: false } : { kind, end, closed: true })

/**
 * The comment, string literal or quoted name that begins at `i`, or `undefined` when `text[i]`
 * begins none of them.
 *
 * @since 0.1.0
 * @category Scanning
 */
export const spanAt = (text: string, i: number, syntax: Syntax = anySyntax): Span | undefined => {
  const c = text[i]
  const n = text.length
  switch (c) {
    case "-": {
      if (text[i + 1] !== "-") return undefined
      const newline = text.indexOf("\n", i + 2)
      return { kind: "comment", end: newline < 0 ? n : newline, closed: true }
    }
    case "/": {
      if (text[i + 1] !== "*") return undefined
      const end = text.indexOf("*/", i + 2)
      return span("comment", end < 0 ? -1 : end + 2, n)
    }
    case "'":
    case "\"":
      return span(c === "'" ? "string" : "name", quoteEnd(text, i, c, syntax.backslash === true), n)
    case "`":
      return span("name", quoteEnd(text, i, c, false), n)
    case "[":
      return syntax.brackets === true ? span("name", quoteEnd(text, i, "]", false), n) : undefined
    case "$": {
      // `a$b$c` is a name, not a quote: a tag starts only where no identifier goes on.
      if (syntax.dollar !== true || (i > 0 && IDENTIFIER_CHAR.test(text[i - 1]!))) return undefined
      DOLLAR_TAG.lastIndex = i
      const tag = DOLLAR_TAG.exec(text)
      if (tag === null) return undefined
      const end = text.indexOf(tag[0], i + tag[0].length)
      return span("string", end < 0 ? -1 : end + tag[0].length, n)
    }
    default:
      return undefined
  }
}

// The characters that may begin a span: a scan jumps from one to the next natively.
const SPAN_START = "[-/'\"`[$]"

/**
 * The text with every comment replaced by one space and every string literal by `''`, quoted
 * names kept: what a lexical rule may search for keywords and names. One pass.
 *
 * @since 0.1.0
 * @category Scanning
 */
export const code = (text: string, syntax: Syntax = anySyntax): string => {
  const parts: Array<string> = []
  let from = 0
  const re = new RegExp(SPAN_START, "g")
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const s = spanAt(text, m.index, syntax)
    if (s === undefined) continue
    if (s.kind !== "name") {
      parts.push(text.slice(from, m.index), s.kind === "comment" ? " " : "''")
      from = s.end
    }
    re.lastIndex = s.end
  }
  parts.push(text.slice(from))
  return parts.join("")
}
