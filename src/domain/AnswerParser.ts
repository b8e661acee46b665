/**
 * Reads model answers. Models follow the answer formats of `Prompts` most of the time, not
 * always, so every parser degrades gracefully: it never throws, and it never hands back prose as
 * SQL when the prose is clearly not SQL (DB Toolkit's `_extractSQL` returned the whole text).
 *
 * @since 0.1.0
 */
import * as AnswerSchemas from "./AnswerSchemas.js"
import type { IndexRecommendation, Rating } from "./SqlTask.js"

// ---------------------------------------------------------------------------
// Lines and fences
// ---------------------------------------------------------------------------

// Models often glue a fence to the previous text ("FIXED SQL: ```sql", "SELECT 1;```") or write a
// whole fence on one line; splitting those onto their own lines lets one fence scanner handle all.
// Done with string operations, not one regex: backtracking regexes went quadratic on long lines.
const splitGluedFences = (line: string): ReadonlyArray<string> => {
  if (!line.includes("```")) return [line]
  const t = line.trim()
  const lead = /^`{3,}/.exec(t)?.[0] ?? ""
  if (lead !== "") {
    const tail = /`{3,}$/.exec(t)?.[0] ?? ""
    const middle = t.slice(lead.length, t.length - tail.length)
    return tail !== "" && t.length > lead.length + tail.length && middle.trim() !== "" && !middle.includes("`")
      ? [`${lead}${middle.trimEnd()}`, tail]
      : [line]
  }
  const trailing = /`{3,}[\w+#./-]*$/.exec(t)
  if (trailing === null) return [line]
  const before = t.slice(0, trailing.index).trimEnd()
  return before === "" || before.endsWith("`") ? [line] : [before, trailing[0]]
}

// DeepSeek-R1-like models (on servers that do not split the thinking off) open with their
// reasoning in <think> tags; drafts of SQL in there are not the answer.
const THINKING = /^\s*<think>[\s\S]*?<\/think>\s*/

const withoutThinking = (text: string): string => text.replace(THINKING, "")

const toLines = (text: string): ReadonlyArray<string> =>
  text.replace(/\r\n?/g, "\n").split("\n").flatMap(splitGluedFences)

interface Fence {
  readonly open: number
  /** Index of the closing line, or `lines.length` when the fence is never closed. */
  readonly close: number
  readonly lang: string
  readonly content: string
}

const SQL_LANG =
  /^(?:[a-z/-]*sql|sql[\w-]*|postgres|sqlite3?|oracle|mariadb|sqlserver|db2|duckdb|snowflake|bigquery|redshift|clickhouse)$/

const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})[ \t]*(.*)$/

const isFenceClose = (line: string, marker: string): boolean => {
  const t = line.trim()
  return t.length >= marker.length && t[0] === marker[0] && /^(?:`+|~+)$/.test(t)
}

const scanFences = (lines: ReadonlyArray<string>): ReadonlyArray<Fence> => {
  const fences: Array<Fence> = []
  let i = 0
  while (i < lines.length) {
    const m = FENCE_OPEN.exec(lines[i]!)
    if (!m || (m[1]![0] === "`" && m[2]!.includes("`"))) {
      i++
      continue
    }
    const marker = m[1]!
    const info = m[2]!.trim()
    let j = i + 1
    while (j < lines.length && !isFenceClose(lines[j]!, marker)) j++
    const first = info.split(/\s+/)[0] ?? ""
    const tag = first.toLowerCase().replace(/^[{.]+|[}]+$/g, "")
    let lang = tag
    let inline = ""
    if (SQL_LANG.test(tag)) inline = info.slice(first.length).trim()
    else if (STATEMENT_START.test(info)) {
      // "```SELECT 1```": no language, the info string is the code
      lang = ""
      inline = info
    }
    const body = lines.slice(i + 1, j)
    fences.push({ open: i, close: j, lang, content: (inline === "" ? body : [inline, ...body]).join("\n") })
    i = j + 1
  }
  return fences
}

// ---------------------------------------------------------------------------
// A small SQL lexer: enough to know where a statement ends
// ---------------------------------------------------------------------------

interface LexState {
  /** The quote, comment or dollar tag the line ended inside, if any. */
  readonly inside: string | undefined
  /** BEGIN/CASE ... END nesting, so `;` inside a block does not end the statement. */
  readonly depth: number
}

const initialLex: LexState = { inside: undefined, depth: 0 }

const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y

/** Returns the new state and the line's code with comments dropped and quoted text blanked. */
const lexLine = (line: string, state: LexState): { readonly state: LexState; readonly code: string } => {
  let inside = state.inside
  let code = ""
  let i = 0
  while (i < line.length) {
    if (inside !== undefined) {
      const closer = inside === "/*" ? "*/" : inside
      const at = line.indexOf(closer, i)
      if (at < 0) {
        i = line.length
        break
      }
      i = at + closer.length
      if (inside !== "/*") code += "''"
      inside = undefined
      continue
    }
    const ch = line[i]!
    if (line.startsWith("--", i)) break
    if (line.startsWith("/*", i)) {
      inside = "/*"
      i += 2
      continue
    }
    if (ch === "'" || ch === "\"" || ch === "`") {
      inside = ch
      i += 1
      continue
    }
    if (ch === "$") {
      DOLLAR_TAG.lastIndex = i
      const tag = DOLLAR_TAG.exec(line)
      if (tag) {
        inside = tag[0]
        i += tag[0].length
        continue
      }
    }
    code += ch
    i++
  }
  let depth = state.depth
  for (const m of code.matchAll(BLOCK_TOKEN)) {
    const word = m[1]!.toUpperCase()
    depth = word === "END" ? Math.max(0, depth - 1) : depth + 1
  }
  return { state: { inside, depth }, code }
}

// BEGIN opens a block unless it starts a transaction; END IF/LOOP/... close blocks never counted.
const BLOCK_TOKEN =
  /\b(BEGIN(?!\s*;)(?!\s+(?:TRAN|TRANSACTION|WORK|DEFERRED|IMMEDIATE|EXCLUSIVE|ISOLATION)\b)|CASE|END(?!\s+(?:IF|LOOP|WHILE|REPEAT|FOR)\b))\b/gi

/** The code of a whole snippet (comments dropped, quoted text blanked), on one line. */
const codeOf = (sql: string): string => {
  let state = initialLex
  const parts: Array<string> = []
  for (const line of sql.split("\n")) {
    const r = lexLine(line, state)
    state = r.state
    parts.push(r.code)
  }
  return parts.join(" ").replace(/\s+/g, " ").trim()
}

// ---------------------------------------------------------------------------
// Is it SQL, is it prose?
// ---------------------------------------------------------------------------

const START_KEYWORDS =
  "SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|MERGE|REPLACE|EXPLAIN|TRUNCATE|GRANT|REVOKE|BEGIN|DECLARE|SET|SHOW|DESCRIBE|PRAGMA"

const STATEMENT_START = new RegExp(`^\\s*(?:${START_KEYWORDS})\\b`, "i")

const SQL_PREFIX = /^\s*(?:\*\*|__)?SQL(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*/i

/** A start line without its `SQL:` label and without `inline code` backticks around it. */
const cleanStart = (line: string): string => {
  const unlabeled = line.replace(SQL_PREFIX, "")
  const inline = /^\s*`([^`]+)`\s*$/.exec(unlabeled)
  return inline ? inline[1]! : unlabeled
}

const OBJECT_KIND =
  "TABLE|INDEX|VIEW|FUNCTION|PROCEDURE|PROC|TRIGGER|SCHEMA|DATABASE|SEQUENCE|TYPE|EXTENSION|ROLE|USER|DOMAIN|POLICY|RULE|COLUMN|CONSTRAINT|MATERIALIZED|UNIQUE|TEMP|TEMPORARY|OR|IF|CLUSTERED|NONCLUSTERED|VIRTUAL|GLOBAL|LOCAL|EVENT|PACKAGE|SYNONYM|COLLATION|PUBLICATION|SUBSCRIPTION|SERVER|TABLESPACE"

// English verbs like "Select", "Update", "Set" or "With" open prose as often as SQL, so each
// keyword must be followed by the shape its statement has.
const STATEMENT_SHAPES: ReadonlyArray<RegExp> = [
  /^SELECT\s+\S/i,
  /^INSERT\s+(?:INTO|IGNORE|OR|ALL|FIRST|OVERWRITE|LOW_PRIORITY|HIGH_PRIORITY|DELAYED)\b/i,
  /^UPDATE\s+\S+.*?\bSET\b/i,
  /^DELETE\s+(?:FROM\b|\S+\s+FROM\b|\S+\s*(?:;|$|WHERE\b))/i,
  /^WITH\s+(?:RECURSIVE\s+)?[\w"`[\].]+\s*(?:\([^)]*\)\s*)?AS\s*(?:NOT\s+)?(?:MATERIALIZED\s*)?\(/i,
  new RegExp(`^(?:CREATE|ALTER|DROP)\\s+(?:${OBJECT_KIND})\\b`, "i"),
  /^MERGE\s+.*\bUSING\b/i,
  /^REPLACE\s+INTO\b/i,
  /^EXPLAIN\s+(?:(?:ANALY[SZ]E|VERBOSE|QUERY\s+PLAN|EXTENDED|FORMAT|PLAN|SELECT|INSERT|UPDATE|DELETE|WITH)\b|\()/i,
  /^TRUNCATE\s+(?:TABLE\s+)?[\w"`[\].]+\s*(?:;|$|,|\s(?:CASCADE|RESTART|CONTINUE|RESTRICT)\b)/i,
  /^GRANT\s+.*\bTO\b/i,
  /^REVOKE\s+.*\bFROM\b/i,
  /^BEGIN\s*(?:;|$|TRAN\b|TRANSACTION\b|WORK\b|ATOMIC\b|TRY\b|DEFERRED\b|IMMEDIATE\b|EXCLUSIVE\b|ISOLATION\b|(?:DECLARE|SELECT|INSERT|UPDATE|DELETE|IF|RAISE|RETURN|SET|EXEC|NULL)\b|.*\bEND\s*;?$)/i,
  /^DECLARE\s+(?:@\w+|\w+\s+(?:CURSOR|CONSTANT)\b|\w+\s+[\w(),]+\s*(?:;|:=|DEFAULT\b|NOT\b|BEGIN\b|$))/i,
  /^SET\s+(?:@{0,2}[\w.]+\s*(?:=|:=|TO\b)|(?:SESSION|GLOBAL|LOCAL|NAMES|TRANSACTION|NOCOUNT|XACT_ABORT|STATISTICS|SEARCH_PATH|ROLE|TIME\s+ZONE|ANSI_\w+|QUOTED_IDENTIFIER|IDENTITY_INSERT|CHARACTER\s+SET)\b)/i,
  /^SHOW\s+(?:TABLES|DATABASES|SCHEMAS|COLUMNS|FIELDS|INDEX|INDEXES|KEYS|CREATE|FULL|VARIABLES|STATUS|PROCESSLIST|GRANTS|ENGINE|ENGINES|WARNINGS|ERRORS|ALL|[\w.]+\s*(?:;|$))/i,
  /^DESC(?:RIBE)?\s+[\w"`[\].]+\s*(?:;|$)/i,
  /^PRAGMA\s+[\w.]+/i,
  // only ever reached through a fence: statements outside DB Toolkit's start list
  /^(?:CALL|EXEC(?:UTE)?)\s+[\w.[\]"]+/i,
  /^(?:VACUUM|ANALY[SZ]E|REINDEX|CLUSTER)\b\s*[\w"`.;(]*\s*(?:;|$|\()/i,
  /^VALUES\s*\(/i,
  /^USE\s+[\w"`[\]]+\s*(?:;|$)/i
]

const PROSE_WORDS = new Set([
  "the", "this", "that", "these", "those", "you", "your", "will", "would", "should", "could",
  "because", "which", "we", "our", "please", "here", "there", "above", "below", "following"
])

const proseWordCount = (code: string): number => {
  const seen = new Set<string>()
  for (const w of code.toLowerCase().match(/[a-z']+/g) ?? []) if (PROSE_WORDS.has(w)) seen.add(w)
  return seen.size
}

/** Whether code (quoted text already blanked) reads as an English sentence. */
const isProse = (code: string): boolean => {
  const t = code.trim()
  const words = proseWordCount(t)
  if (words >= 2) return true
  const endsLikeSentence = /[A-Za-z][.!?:]$/.test(t)
  if (words >= 1 && endsLikeSentence) return true
  return /^[A-Z][a-z']+(?:,?\s+[a-z'][a-z'-]*){3,}[.!?]$/.test(t)
}

const looksLikeSql = (sql: string): boolean => {
  const code = codeOf(sql).replace(/^[(\s]+/, "")
  if (code === "") return false
  return STATEMENT_SHAPES.some((r) => r.test(code)) && !isProse(code)
}

/** A line that is obviously not SQL: a markdown bullet, header or quote, a "Note:" label, a sentence. */
const isProseLine = (line: string): boolean => {
  const t = line.trim()
  if (t === "") return false
  if (/^(?:[-*+•]\s|\d+[.)]\s|#{1,6}\s|>\s|\*\*)/.test(t)) return true
  if (/^[A-Z][a-z]+(?:\s[a-z]+)?:(?:\s|$)/.test(t)) return true
  return isProse(codeOf(t))
}

const CONTINUATION =
  /^\s*(?:[(),;]|--|\/\*|\*\/|(?:SELECT|FROM|WHERE|JOIN|INNER|LEFT|RIGHT|FULL|CROSS|NATURAL|OUTER|ON|AND|OR|NOT|GROUP|ORDER|HAVING|LIMIT|OFFSET|FETCH|UNION|EXCEPT|INTERSECT|MINUS|VALUES|SET|RETURNING|RETURNS|WITH|AS|CASE|WHEN|THEN|ELSE|END|WINDOW|PARTITION|OVER|FOR|USING|INTO|LANGUAGE|BEGIN|DECLARE|COMMIT|ROLLBACK|IF|LOOP|WHILE|RETURN|EXCEPTION|GO|TOP|OUTPUT|DO|INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|EXPLAIN|SHOW|PRAGMA|REPLACE|DESCRIBE|START|USE|CALL|EXEC|EXECUTE|WHERE)\b)/i

/** After a blank line, whether the next line still belongs to the statement. */
const continuesSql = (line: string): boolean => {
  if (isProseLine(line)) return false
  return /^\s/.test(line) || CONTINUATION.test(line)
}

// ---------------------------------------------------------------------------
// Candidates
// ---------------------------------------------------------------------------

interface Candidate {
  readonly sql: string
  /** First and last line (inclusive) the SQL occupies in the answer, fence markers included. */
  readonly from: number
  readonly to: number
}

const TX_START = /^(?:BEGIN\s*(?:TRAN\w*|WORK|DEFERRED|IMMEDIATE|EXCLUSIVE|ISOLATION\b.*)?\s*;|START\s+TRANSACTION\b)/i
const TX_END = /^(?:COMMIT|ROLLBACK|END)\b/i
const PRELUDE = /^(?:SET|DECLARE|USE)\b/i

/**
 * Reads one unfenced statement from a start line. `candidate` is undefined when it turns out not to
 * be SQL; `last` is the last line read either way, so the caller never rereads those lines (which
 * made long prose-like answers quadratic).
 */
const readStatement = (
  lines: ReadonlyArray<string>,
  inFence: ReadonlyArray<boolean>,
  start: number
): { readonly candidate: Candidate | undefined; readonly last: number } => {
  if (isProseLine(cleanStart(lines[start]!))) return { candidate: undefined, last: start }
  const taken: Array<string> = []
  let state = initialLex
  let statement = ""
  let inTransaction = false
  let last = start
  let j = start
  while (j < lines.length && !inFence[j]) {
    const raw = j === start ? cleanStart(lines[j]!) : lines[j]!
    const atTop = state.inside === undefined && state.depth === 0
    if (atTop && raw.trim() === "") {
      let k = j + 1
      while (k < lines.length && !inFence[k] && lines[k]!.trim() === "") k++
      if (k >= lines.length || inFence[k] || !continuesSql(lines[k]!)) break
      taken.push(...lines.slice(j, k))
      j = k
      continue
    }
    if (j > start && atTop && statement === "" && !continuesSql(raw)) break
    if (j > start && atTop && isProseLine(raw)) break
    const r = lexLine(raw, state)
    state = r.state
    statement += ` ${r.code}`
    taken.push(raw)
    last = j
    j++
    if (state.inside === undefined && state.depth === 0 && r.code.trimEnd().endsWith(";")) {
      const done = statement.trim()
      statement = ""
      if (TX_START.test(done)) inTransaction = true
      else if (TX_END.test(done)) inTransaction = false
      // A transaction opener or a SET/DECLARE alone is no answer: keep the statement that follows.
      const keepGoing = inTransaction || PRELUDE.test(done)
      let k = j
      while (k < lines.length && !inFence[k] && lines[k]!.trim() === "") k++
      if (!keepGoing || k >= lines.length || inFence[k] || !CONTINUATION.test(lines[k]!) || isProseLine(lines[k]!)) break
    }
  }
  const sql = taken.join("\n").trim()
  return { candidate: sql !== "" && looksLikeSql(sql) ? { sql, from: start, to: last } : undefined, last }
}

/** Every SQL candidate in the answer, best first. */
const candidates = (lines: ReadonlyArray<string>): ReadonlyArray<Candidate> => {
  const fences = scanFences(lines)
  const fromFence = (f: Fence): Candidate => ({
    sql: f.content.trim(),
    from: f.open,
    to: Math.min(f.close, lines.length - 1)
  })
  const tagged = fences
    .filter((f) => f.lang !== "" && SQL_LANG.test(f.lang))
    .filter((f) => {
      const code = codeOf(f.content)
      return code !== "" && (STATEMENT_START.test(code) || !isProse(code))
    })
    .map(fromFence)
  const untagged = fences
    .filter((f) => !(f.lang !== "" && SQL_LANG.test(f.lang)) && looksLikeSql(f.content))
    .map(fromFence)
  const inFence = lines.map(() => false)
  for (const f of fences) for (let i = f.open; i <= Math.min(f.close, lines.length - 1); i++) inFence[i] = true
  const loose: Array<Candidate> = []
  let i = 0
  while (i < lines.length) {
    if (!inFence[i] && STATEMENT_START.test(cleanStart(lines[i]!))) {
      const { candidate, last } = readStatement(lines, inFence, i)
      if (candidate) loose.push(candidate)
      i = last + 1
      continue
    }
    i++
  }
  return [...tagged, ...untagged, ...loose]
}

const canonical = (sql: string): string =>
  sql
    .trim()
    .replace(/;+\s*$/, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([(),;=<>+*/])\s*/g, "$1")
    .toLowerCase()

const sameSql = (a: string, b: string): boolean => canonical(a) === canonical(b)

const isIndexDdl = (sql: string): boolean =>
  /^(?:CREATE\s+(?:UNIQUE\s+)?(?:CLUSTERED\s+|NONCLUSTERED\s+)?INDEX|DROP\s+INDEX)\b/i.test(codeOf(sql))

/** Prefers SQL that differs from the user's (models like to quote the original first) but keeps an echo. */
const pick = (cs: ReadonlyArray<Candidate>, original: string | undefined): Candidate | undefined =>
  (original === undefined ? undefined : cs.find((c) => !sameSql(c.sql, original))) ?? cs[0]

// ---------------------------------------------------------------------------
// Prose
// ---------------------------------------------------------------------------

const LABEL_LINE =
  /^\s*(?:#{1,6}\s*)?[*_]*\s*(?:SQL|SQL query|Query|(?:Fixed|Optimized|Optimised|Corrected) (?:SQL|query)|Here is the (?:SQL|query)|Here's the (?:SQL|query))\s*[*_]*\s*:?\s*[*_]*\s*$/i

const EXPLANATION_LABEL = /^\s*(?:#{1,6}[ \t]*)?[*_]*[ \t]*explanation[ \t]*[*_]*[ \t]*(?::[ \t]*[*_]*|(?=\n)|$)\s*/i

const tidy = (lines: ReadonlyArray<string>): string =>
  lines
    .filter((l) => !(l.length < 80 && LABEL_LINE.test(l)))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
    .replace(EXPLANATION_LABEL, "")
    .trim()

/** The answer's words with the lines of some SQL candidates (or other line ranges) taken out. */
const proseAround = (
  lines: ReadonlyArray<string>,
  cut: Candidate | undefined | ReadonlyArray<{ readonly from: number; readonly to: number }>
): string => {
  const ranges = cut === undefined ? [] : "sql" in cut ? [cut] : cut as ReadonlyArray<{ readonly from: number; readonly to: number }>
  return tidy(lines.map((l, i) => (ranges.some((r) => i >= r.from && i <= r.to) ? "" : l)))
}

// ---------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------

type SectionName = "rating" | "optimized" | "indexes" | "changes" | "cause" | "fixed"

interface Section {
  readonly name: SectionName
  readonly header: number
  /** The line after the section (the next header, or the end). */
  readonly end: number
  /** The text after the header on its line, then the lines up to the next header. */
  readonly lines: ReadonlyArray<string>
}

const HEADER =
  /^[ \t]*(?:#{1,6}[ \t]*)?(?:\d+[.)][ \t]*)?[*_]*[ \t]*(rating|optimi[sz]ed[ \t]+(?:sql|query)|(?:recommended[ \t]+)?index(?:es)?(?:[ \t]+recommendations)?|changes?(?:[ \t]+made)?|(?:root[ \t]+)?cause|(?:fixed|corrected)[ \t]+(?:sql|query))[ \t]*[*_]*(?:[ \t]*:|[ \t]+[-–—](?=[ \t]|$)|[ \t]*$)[ \t]*[*_]*[ \t]*(.*)$/i

const sectionName = (header: string): SectionName => {
  const h = header.toLowerCase()
  if (h.startsWith("rating")) return "rating"
  if (h.startsWith("optimi")) return "optimized"
  if (h.includes("index")) return "indexes"
  if (h.startsWith("change")) return "changes"
  if (h.includes("cause")) return "cause"
  return "fixed"
}

interface Sections {
  readonly preamble: ReadonlyArray<string>
  readonly byName: ReadonlyMap<SectionName, Section>
}

const sections = (lines: ReadonlyArray<string>): Sections => {
  const inFence = lines.map(() => false)
  for (const f of scanFences(lines)) for (let i = f.open; i <= Math.min(f.close, lines.length - 1); i++) inFence[i] = true
  const found: Array<{ name: SectionName; header: number; inline: string }> = []
  lines.forEach((line, i) => {
    if (inFence[i]) return
    // collapsed whitespace keeps the header regex from backtracking on long runs of spaces
    const m = HEADER.exec(line.trim().replace(/[ \t]+/g, " "))
    if (m) found.push({ name: sectionName(m[1]!), header: i, inline: m[2]!.replace(/[*_]+\s*$/, "").trim() })
  })
  const byName = new Map<SectionName, Section>()
  found.forEach((h, n) => {
    if (byName.has(h.name)) return
    const end = found[n + 1]?.header ?? lines.length
    const body = lines.slice(h.header + 1, end)
    byName.set(h.name, { name: h.name, header: h.header, end, lines: h.inline === "" ? body : [h.inline, ...body] })
  })
  return { preamble: lines.slice(0, found[0]?.header ?? lines.length), byName }
}

const NOTHING = /^(?:none|n\/?a|nothing|-|no changes?)\.?$/i

/** Bullet items of a section; without bullets, every non-empty line. Fence lines are skipped. */
const items = (lines: ReadonlyArray<string>): ReadonlyArray<string> => {
  const plain = lines.filter((l) => !FENCE_OPEN.test(l))
  const bullet = /^\s*(?:[-*+•]|\d+[.)])\s+(.*)$/
  const hasBullets = plain.some((l) => bullet.test(l))
  const out: Array<string> = []
  let lastWasBullet = false
  for (const line of plain) {
    if (line.trim() === "") {
      lastWasBullet = false
      continue
    }
    const m = bullet.exec(line)
    if (m) {
      out.push(m[1]!.trim())
      lastWasBullet = true
    } else if (!hasBullets) out.push(line.trim())
    else if (lastWasBullet && /^\s/.test(line) && out.length > 0) out[out.length - 1] = `${out[out.length - 1]!} ${line.trim()}`
  }
  return out.filter((s) => s !== "" && !NOTHING.test(s))
}

const NO_INDEX = /^(?:none|n\/?a|nothing|no\b.*\bindex(?:es)?\b.*|not needed|-)\.?$/i

/** Where a `--` comment starts outside quotes, or -1: a reason may follow it, a literal may hold one. */
const commentStart = (line: string): number => {
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quote !== undefined) {
      if (ch === quote) quote = undefined
    } else if (ch === "'" || ch === "\"" || ch === "`") quote = ch
    else if (ch === "-" && line[i + 1] === "-") return i
  }
  return -1
}

const splitReason = (item: string): IndexRecommendation => {
  const cut = commentStart(item)
  const at = cut >= 0 ? cut : item.search(/\s[—–]\s/)
  const statement = (at >= 0 ? item.slice(0, at) : item).trim().replace(/^`+|`+$/g, "").trim()
  const reason = at >= 0 ? item.slice(at).replace(/^(?:--|\s*[—–])\s*/, "").trim() : ""
  return reason === "" ? { statement } : { statement, reason }
}

const indexRecommendations = (lines: ReadonlyArray<string>): ReadonlyArray<IndexRecommendation> => {
  const out: Array<IndexRecommendation> = []
  let pendingReason: string | undefined
  for (const line of lines) {
    if (FENCE_OPEN.test(line)) continue
    const t = line.trim()
    if (t === "") continue
    const m = /^(?:[-*+•]|\d+[.)])\s+(.*)$/.exec(t)
    const item = (m ? m[1]! : t).trim()
    if (!m && /^--/.test(item)) {
      // a comment line above a statement in a fence is its reason
      pendingReason = item.replace(/^--\s*/, "").trim()
      continue
    }
    if (NO_INDEX.test(item)) continue
    if (!m && !/^`?\s*CREATE\b/i.test(item)) continue
    const rec = splitReason(item)
    if (rec.statement === "") continue
    out.push(rec.reason === undefined && pendingReason ? { ...rec, reason: pendingReason } : rec)
    pendingReason = undefined
  }
  return out
}

// ---------------------------------------------------------------------------
// Public parsers
// ---------------------------------------------------------------------------

/**
 * The SQL in a model answer, or `undefined` when there is none. Looks, in order, for the first
 * fence tagged as SQL (`sql`, `postgresql`, `mysql`, `tsql` ...), the first fence of any language
 * whose content looks like SQL, then an unfenced statement starting at a line that opens with a
 * SQL keyword (a leading `SQL:` is dropped) and ending at its first top-level `;` (a `;` inside a
 * `$$` body, a string or a BEGIN ... END block does not count), a blank line followed by prose,
 * or the end. An unterminated fence runs to the end of the answer.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const extractSql = (text: string): string | undefined => candidates(toLines(withoutThinking(text)))[0]?.sql

/**
 * A parsed generate answer.
 *
 * @since 0.1.0
 * @category Models
 */
export interface GenerateAnswer {
  readonly sql: string
  readonly explanation?: string
}

/**
 * Reads a generate answer: the SQL (empty when the model wrote none, for example to ask for more
 * information) and the words around it as the explanation.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const parseGenerate = (answer: string): GenerateAnswer => {
  const text = withoutThinking(answer)
  const lines = toLines(text)
  const c = candidates(lines)[0]
  if (c === undefined) {
    const all = text.replace(/\r\n?/g, "\n").trim()
    return all === "" ? { sql: "" } : { sql: "", explanation: all }
  }
  const explanation = proseAround(lines, c)
  return explanation === "" ? { sql: c.sql } : { sql: c.sql, explanation }
}

/**
 * A parsed explain answer.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ExplainAnswer {
  readonly explanation: string
  /** For a request with sections: each section the answer had, by name (a skipped name is absent). */
  readonly sections?: Readonly<Record<string, string>> | undefined
}

/**
 * Reads an explain answer: the text, without a leading "Explanation:" label.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const parseExplain = (text: string): ExplainAnswer => ({
  explanation: withoutThinking(text).replace(/\r\n?/g, "\n").trim().replace(EXPLANATION_LABEL, "").trim()
})

/**
 * A parsed optimize answer.
 *
 * @since 0.1.0
 * @category Models
 */
export interface OptimizeAnswer {
  readonly optimizedSql: string
  readonly changed: boolean
  readonly rating?: Rating
  readonly suggestions: ReadonlyArray<string>
  readonly indexRecommendations: ReadonlyArray<IndexRecommendation>
}

const ratingOf = (s: string): Rating | undefined => {
  const m = /\b(good|fair|poor)\b/i.exec(s)
  return m ? (m[1]!.toLowerCase() as Rating) : undefined
}

/**
 * Reads an optimize answer in the `RATING` / `OPTIMIZED SQL` / `INDEXES` / `CHANGES` format,
 * tolerating markdown around the headers. When the model proposes no SQL (or says no
 * optimization is needed) `optimizedSql` is `originalSql` and `changed` is false. When it ignored
 * the format entirely, its words become the only suggestion.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const parseOptimize = (answer: string, originalSql: string): OptimizeAnswer => {
  const text = withoutThinking(answer)
  const lines = toLines(text)
  const { byName } = sections(lines)
  const optimized = byName.get("optimized")
  const ratingSection = byName.get("rating")
  const indexes = byName.get("indexes")
  const changes = byName.get("changes")

  // Without an OPTIMIZED SQL header, index DDL (under INDEXES or loose) is not the optimized query.
  const indexLines = indexes === undefined ? [] : [{ from: indexes.header, to: indexes.end - 1 }]
  const everywhere = candidates(lines)
  const loose = everywhere.filter((c) => !indexLines.some((r) => c.from >= r.from && c.to <= r.to))
  const chosen = optimized !== undefined
    ? pick(candidates(optimized.lines).filter((c) => !isIndexDdl(c.sql)), originalSql)
    : pick(loose.filter((c) => !isIndexDdl(c.sql)), originalSql)
  const optimizedSql = chosen?.sql ?? originalSql.trim()
  const changed = !sameSql(optimizedSql, originalSql)

  const rating = ratingSection !== undefined
    ? ratingOf(ratingSection.lines.join(" "))
    : ratingOf(/\brating\b\W{0,6}(good|fair|poor)\b/i.exec(lines.join("\n"))?.[1] ?? "")

  let suggestions: ReadonlyArray<string>
  if (changes !== undefined) suggestions = items(changes.lines)
  else if (optimized !== undefined) suggestions = items(toLines(proseAround(optimized.lines, candidates(optimized.lines))))
  else {
    // The format was ignored (or only partly followed): the words outside any SQL are the advice.
    const headers = ratingSection === undefined ? [] : [{ from: ratingSection.header, to: ratingSection.header }]
    const words = proseAround(lines, [...everywhere, ...indexLines, ...headers])
    const whole = byName.size === 0 ? text.replace(/\r\n?/g, "\n").trim() : ""
    const advice = words !== "" ? words : whole
    suggestions = advice === "" ? [] : [advice]
  }

  const indexRecommendationsFound = indexes !== undefined
    ? indexRecommendations(indexes.lines)
    : everywhere.filter((c) => isIndexDdl(c.sql)).flatMap((c) => indexRecommendations(c.sql.split("\n")))
  return {
    optimizedSql,
    changed,
    ...(rating !== undefined ? { rating } : {}),
    suggestions,
    indexRecommendations: indexRecommendationsFound
  }
}

/**
 * A parsed fix answer.
 *
 * @since 0.1.0
 * @category Models
 */
export interface FixAnswer {
  readonly fixedSql: string
  readonly cause: string
  readonly changes: ReadonlyArray<string>
}

/**
 * Reads a fix answer in the `CAUSE` / `FIXED SQL` / `CHANGES` format. Without a `FIXED SQL`
 * section any SQL in the answer is taken, preferring SQL that differs from `originalSql` (models
 * often quote the failing query first) but keeping an answer whose only SQL is the original.
 * `fixedSql` is empty when the answer has no SQL at all.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const parseFix = (answer: string, originalSql: string): FixAnswer => {
  const text = withoutThinking(answer)
  const lines = toLines(text)
  const { byName, preamble } = sections(lines)
  const fixed = byName.get("fixed")
  const causeSection = byName.get("cause")
  const changesSection = byName.get("changes")

  const chosen = (fixed !== undefined ? pick(candidates(fixed.lines), originalSql) : undefined) ??
    pick(candidates(lines), originalSql)
  const fixedSql = chosen?.sql ?? ""

  let cause: string
  if (causeSection !== undefined) {
    const section = causeSection.lines
    cause = proseAround(section, candidates(section))
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .join(" ")
  } else if (byName.size > 0) cause = tidy(preamble)
  else cause = proseAround(lines, candidates(lines))

  return {
    fixedSql,
    cause,
    changes: changesSection !== undefined ? items(changesSection.lines) : []
  }
}

// ---------------------------------------------------------------------------
// Structured answers
// ---------------------------------------------------------------------------

// A field that should hold bare SQL sometimes holds a fenced block: read the SQL out of it.
const bareSql = (sql: string): string => {
  const t = sql.trim()
  return t.includes("```") ? extractSql(t) ?? t : t
}

const listed = (xs: ReadonlyArray<string>): ReadonlyArray<string> =>
  xs.map((x) => x.trim()).filter((x) => x !== "" && !NOTHING.test(x))

/**
 * Reads a generate answer that came back as the structured answer
 * (`AnswerSchemas.answerSchemas.GenerateSql`); `undefined` when the reply is not JSON of that
 * shape, for the caller to fall back to {@link parseGenerate}.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const generateFromJson = (text: string): GenerateAnswer | undefined => {
  const d = AnswerSchemas.decode("GenerateSql", text)
  if (d === undefined) return undefined
  const explanation = d.explanation.trim()
  return explanation === "" ? { sql: bareSql(d.sql) } : { sql: bareSql(d.sql), explanation }
}

/**
 * Reads a structured explain answer; `undefined` when the reply is not JSON of that shape.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const explainFromJson = (text: string): ExplainAnswer | undefined => {
  const d = AnswerSchemas.decode("ExplainSql", text)
  return d === undefined ? undefined : { explanation: d.explanation.trim().replace(EXPLANATION_LABEL, "").trim() }
}

/**
 * Reads a structured optimize answer; `undefined` when the reply is not JSON of that shape. An
 * empty `optimizedSql` means the original, unchanged; "none" items are dropped, as in text.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const optimizeFromJson = (text: string, originalSql: string): OptimizeAnswer | undefined => {
  const d = AnswerSchemas.decode("OptimizeSql", text)
  if (d === undefined) return undefined
  const proposed = bareSql(d.optimizedSql)
  const optimizedSql = proposed === "" ? originalSql.trim() : proposed
  const rating = ratingOf(d.rating ?? "")
  const indexRecommendationsFound = d.indexes
    .map((i): IndexRecommendation => {
      if (typeof i === "string") return splitReason(i.trim())
      const reason = i.reason?.trim() ?? ""
      return reason === "" ? { statement: i.statement.trim() } : { statement: i.statement.trim(), reason }
    })
    .filter((i) => i.statement !== "" && !NO_INDEX.test(i.statement))
  return {
    optimizedSql,
    changed: !sameSql(optimizedSql, originalSql),
    ...(rating !== undefined ? { rating } : {}),
    suggestions: listed(d.suggestions),
    indexRecommendations: indexRecommendationsFound
  }
}

/**
 * Reads a structured fix answer; `undefined` when the reply is not JSON of that shape.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const fixFromJson = (text: string): FixAnswer | undefined => {
  const d = AnswerSchemas.decode("FixSql", text)
  return d === undefined ? undefined : { fixedSql: bareSql(d.fixedSql), cause: d.cause.trim(), changes: listed(d.changes) }
}

// ---------------------------------------------------------------------------
// Sectioned explain answers
// ---------------------------------------------------------------------------

// A heading line as models write one: `### name`, `**name**`, `name:`, `` `name` ``, with or
// without the markup, read as the bare name.
const headingText = (line: string): string =>
  line
    .trim()
    .replace(/^#{1,6}[ \t]*/, "")
    .replace(/^[*_`"']+|[*_`"']+$/g, "")
    .replace(/[ \t]*:$/, "")
    .replace(/^[*_`"']+|[*_`"']+$/g, "")
    .trim()
    .toLowerCase()

// The longest line read as a possible heading: a heading is a name, never a paragraph.
const HEADING_CHARS = 400

/**
 * Splits a sectioned explain answer (`Prompts.sectionHeading` before each section) by its
 * headings: each line that names one of `names` (case aside, with or without `###`, bold or a
 * colon) starts that name's section, which runs to the next such line. Text before the first
 * heading, empty sections and a name's second section are dropped; a name without a heading is
 * absent from the result, never given another's text.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const parseExplainSections = (text: string, names: ReadonlyArray<string>): Readonly<Record<string, string>> => {
  const byHeading = new Map(names.map((n) => [n.trim().toLowerCase(), n]))
  const found = new Map<string, Array<string>>()
  let current: Array<string> | undefined
  for (const line of withoutThinking(text).replace(/\r\n?/g, "\n").split("\n")) {
    const name = line.length <= HEADING_CHARS ? byHeading.get(headingText(line)) : undefined
    if (name !== undefined) {
      current = found.has(name) ? undefined : []
      if (current !== undefined) found.set(name, current)
      continue
    }
    current?.push(line)
  }
  return sectionsOf(names, (name) => parseExplain((found.get(name) ?? []).join("\n")).explanation)
}

// The non-empty sections of `names`, in their order.
const sectionsOf = (names: ReadonlyArray<string>, textOf: (name: string) => string | undefined): Readonly<Record<string, string>> =>
  Object.fromEntries(names.flatMap((name) => {
    const t = textOf(name)?.trim() ?? ""
    return t === "" ? [] : [[name, t]]
  }))

/**
 * Reads a structured sectioned explain answer (`AnswerSchemas.sectionedExplain`); `undefined`
 * when the reply is not JSON of that shape. Items are matched to `names` case aside; an item
 * naming nothing asked for is dropped.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const explainSectionsFromJson = (text: string, names: ReadonlyArray<string>): Readonly<Record<string, string>> | undefined => {
  const d = AnswerSchemas.decodeSections(text)
  if (d === undefined) return undefined
  const byName = new Map<string, string>()
  for (const item of d.sections) {
    const key = item.name.trim().toLowerCase()
    if (!byName.has(key)) byName.set(key, item.explanation)
  }
  return sectionsOf(names, (name) => byName.get(name.trim().toLowerCase())?.trim().replace(EXPLANATION_LABEL, ""))
}

/**
 * Reads an explain answer of any form: with `sections`, split by name (the structured answer
 * first when `structured`, else by its headings), its explanation the sections under their
 * headings; without, as {@link explainFromJson} or {@link parseExplain} read it.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const explainAnswer = (text: string, structured: boolean, sections?: ReadonlyArray<string>): ExplainAnswer => {
  if (sections === undefined || sections.length === 0) return (structured ? explainFromJson(text) : undefined) ?? parseExplain(text)
  const split = (structured ? explainSectionsFromJson(text, sections) : undefined) ?? parseExplainSections(text, sections)
  const explanation = Object.entries(split).map(([name, t]) => `${SECTION_MARK}${name}\n${t}`).join("\n\n")
  return { explanation: explanation === "" ? parseExplain(text).explanation : explanation, sections: split }
}

/**
 * What starts a section's heading line in a sectioned explain answer: `### ` and the name.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const SECTION_MARK = "### "
