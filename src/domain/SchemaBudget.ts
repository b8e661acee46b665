/**
 * Schemas of any size in a prompt: the tables and columns most relevant to a request, as many as
 * fit the model's context budget and never more, in `SchemaContext.format`'s line layout.
 *
 * How tables are chosen, in this order:
 *
 * 1. the tables the SQL names (explain, optimize, fix): they must be sent, in full or with only
 *    their key and relevant columns; when even that does not fit, {@link fit} fails with
 *    {@link NamedTablesDoNotFit} naming them, instead of sending a schema the model would guess from;
 * 2. tables scored by the words of the request (and the SQL's identifiers): a table named by a
 *    word scores 10, each word of its name 3, each of its columns' words 1 (at most 5);
 * 3. their foreign-key neighbours (either direction, one hop): half the score of the best
 *    neighbour, at least 1;
 * 4. every other table, in schema order, while the budget lasts.
 *
 * A table that does not fit in full is tried with only its primary-key, foreign-key and relevant
 * columns (`..., +N more` says the rest exist). The text lists the sent tables in schema order and
 * ends with `... and N more tables` when some were left out.
 *
 * Everything is linear in the schema's size: names are read once (a column name only when one
 * native test says it shares letters with the request's words), foreign keys are resolved through
 * one map, only the scored tables are sorted, and the fill stops at the table ceiling, when no
 * line could fit, or after 64 tables in a row that do not fit. The request and SQL are read for
 * words up to 20,000 characters. Measured (`bench/schemaBudget.ts`, distinct column names): 2,000
 * tables and 50,000 columns in 12-14 ms, 1,000 in 7 ms. Token counts are the provider's calibrated estimate (`Tokens.estimate`), or
 * exact with an encoder the caller has loaded; each line is counted with its newline and the
 * counts are added, which for the estimate is never less than the count of the joined text.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import * as SqlText from "../internal/SqlText.js"
import * as Tokens from "../internal/Tokens.js"
import * as Limits from "./Limits.js"
import type { ProviderId } from "./ProviderId.js"
import * as SchemaContext from "./SchemaContext.js"
import type { SqlTask } from "./SqlTask.js"

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/**
 * The schema text for a prompt and what it holds. `sent` and `leftOut` together are every table
 * of the schema (qualified as the text writes them, `schema.table` unless the schema is `main`);
 * `tokens` is what the text counts, never more than the budget; `textLeftOut` says the schema's
 * free text (DDL) did not fit.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Fitted {
  readonly text: string
  readonly sent: ReadonlyArray<string>
  readonly leftOut: ReadonlyArray<string>
  readonly tokens: number
  readonly textLeftOut: boolean
}

/**
 * The tables the SQL names cannot all be sent within the budget: `tables` are those that did not
 * fit, `needed` the tokens all the named tables take at their smallest.
 *
 * @since 0.1.0
 * @category Errors
 */
export class NamedTablesDoNotFit extends Schema.TaggedError<NamedTablesDoNotFit>("@db-toolkit/ai/NamedTablesDoNotFit")(
  "NamedTablesDoNotFit",
  {
    tables: Schema.Array(Schema.String),
    budget: Schema.Number,
    needed: Schema.Number
  }
) {
  override get message(): string {
    return `the tables the SQL names do not fit the model's context (${this.tables.join(", ")}): they need ${this.needed} tokens, the budget is ${this.budget}`
  }
}

/**
 * What {@link fit} takes.
 *
 * - `request`: the words the tables are scored by (the user's request, an error message, a plan).
 * - `sql`: the statement being explained, optimized or fixed; the tables it names must be sent.
 * - `budget`: the tokens the schema text may take (the context window, less the answer's budget
 *   and the rest of the prompt).
 * - `provider`: whose calibrated estimate counts tokens; `encoder`: an exact counter instead.
 * - `maxColumns`: columns per table at most (default and ceiling: `SchemaContext.formatCeiling`);
 *   `maxTables`: tables at most (the same).
 *
 * @since 0.1.0
 * @category Models
 */
export interface FitRequest {
  readonly schema: SchemaContext.SchemaContext | undefined
  readonly request: string
  readonly sql?: string | undefined
  readonly budget: number
  readonly provider: ProviderId
  readonly encoder?: Tokens.Encoder | undefined
  readonly maxColumns?: number | undefined
  readonly maxTables?: number | undefined
}

// ---------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------

const STOP_WORDS: ReadonlySet<string> = new Set([
  "a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "with", "from", "and", "or", "not", "is", "are", "was", "be",
  "me", "my", "we", "our", "i", "you", "it", "its", "that", "this", "these", "those", "which", "who", "what", "when", "where",
  "how", "all", "any", "each", "every", "some", "show", "list", "get", "find", "give", "return", "select", "as", "per", "than",
  "id", "ids", "no", "yes", "do", "does", "did", "has", "have", "had", "there", "their", "them", "into", "join", "order", "by",
  "group", "limit", "count", "sum", "avg", "min", "max", "distinct", "null", "true", "false", "case", "then", "else", "end"
])

// A light stemmer, enough to meet "customers" with `customer` and "orders" with `order_items`.
const stem = (w: string): string => {
  const n = w.length
  if (n > 4 && w.endsWith("ies")) return `${w.slice(0, -3)}y`
  if (n > 4 && (w.endsWith("sses") || w.endsWith("xes") || w.endsWith("ches") || w.endsWith("shes"))) return w.slice(0, -2)
  if (n > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) return w.slice(0, -1)
  if (n > 5 && w.endsWith("ed")) return w.slice(0, -2)
  if (n > 5 && w.endsWith("ing")) return w.slice(0, -3)
  return w
}

// The stems of a name's parts (`order_items`, `OrderItems` and `order-items` give order, item),
// stop words and one-letter parts left out. A loop over the characters, no regular expression: it
// runs for every table and column name.
const nameStems = (name: string, into: Array<string>): void => {
  let start = -1
  let word = ""
  const flush = (end: number) => {
    if (start >= 0) {
      word = name.slice(start, end).toLowerCase()
      if (word.length >= 2 && !STOP_WORDS.has(word)) into.push(stem(word))
    }
    start = -1
  }
  let prevLower = false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    const upper = c >= 65 && c <= 90
    const lower = (c >= 97 && c <= 122) || (c >= 48 && c <= 57)
    if (!upper && !lower) {
      flush(i)
      prevLower = false
      continue
    }
    if (upper && prevLower) flush(i)
    if (start < 0) start = i
    prevLower = lower
  }
  flush(name.length)
}

// The stems of a text's words (identifiers split at `_`, camelCase and dots), and each whole word;
// words of fewer than three letters and numbers left out (aliases such as `a`, "last 30 days").
const useful = (w: string): boolean => w.length >= 3 && !STOP_WORDS.has(w) && !/^[0-9]+$/.test(w)

const textStems = (text: string): Set<string> => {
  const out = new Set<string>()
  const parts: Array<string> = []
  for (const m of text.matchAll(/[A-Za-z0-9_$]+/g)) {
    const raw = m[0]
    const lower = raw.toLowerCase()
    if (useful(lower)) out.add(stem(lower))
    parts.length = 0
    nameStems(raw, parts)
    for (const p of parts) if (useful(p)) out.add(p)
  }
  return out
}

// ---------------------------------------------------------------------------
// Tables the SQL names
// ---------------------------------------------------------------------------

/**
 * A table as the SQL names it, lowercased: its schema when qualified, and its name.
 *
 * @since 0.1.0
 * @category Models
 */
export interface TableRef {
  readonly schema?: string
  readonly name: string
}

// Words after which a table name follows.
const TABLE_INTRO: ReadonlySet<string> = new Set(["from", "join", "update", "into", "table", "using", "truncate"])
// Words that may sit between those and the name.
const TABLE_SKIP: ReadonlySet<string> = new Set(["only", "lateral", "if", "not", "exists", "ignore", "low_priority", "quick", "temporary", "temp"])
// Words that end a FROM list (so what follows is not an alias or another table).
const CLAUSE_WORDS: ReadonlySet<string> = new Set([
  "where", "on", "join", "inner", "left", "right", "full", "outer", "cross", "natural", "group", "order", "limit", "offset",
  "having", "union", "intersect", "except", "set", "values", "select", "using", "window", "fetch", "for", "returning",
  "when", "then", "into", "straight_join", "lateral", "as", "with", "default", "partition", "qualify"
])

type Token = { readonly kind: "name"; readonly parts: ReadonlyArray<string>; readonly quoted: boolean } | { readonly kind: "punct"; readonly ch: string }

// Names (dotted parts, quoted or not) and punctuation, with strings and comments skipped. One pass.
function* tokens(sql: string): Generator<Token> {
  const n = sql.length
  let i = 0
  const part = (): { readonly text: string; readonly quoted: boolean } | undefined => {
    const span = SqlText.spanAt(sql, i)
    if (span?.kind === "name") {
      const text = sql.slice(i + 1, span.end - 1)
      i = span.end
      return span.closed ? { text, quoted: true } : undefined
    }
    if (/[A-Za-z_]/.test(sql[i]!)) {
      const start = i
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i]!)) i++
      return { text: sql.slice(start, i), quoted: false }
    }
    return undefined
  }
  while (i < n) {
    const c = sql[i]!
    const span = SqlText.spanAt(sql, i)
    if (span !== undefined && span.kind !== "name") {
      i = span.end
    } else if (span !== undefined || /[A-Za-z_]/.test(c)) {
      const parts: Array<string> = []
      let quoted = false
      for (;;) {
        const p = part()
        if (p === undefined) break
        parts.push(p.text)
        quoted = quoted || p.quoted
        if (sql[i] !== "." || i + 1 >= n || !/["`[A-Za-z_]/.test(sql[i + 1]!)) break
        i++
      }
      if (parts.length > 0) yield { kind: "name", parts, quoted }
    } else {
      if (!/\s/.test(c)) yield { kind: "punct", ch: c }
      i++
    }
  }
}

/**
 * The tables a SQL text names (after FROM, JOIN, UPDATE, INTO, TABLE, USING, TRUNCATE and in
 * comma lists of FROM), lowercased, each once, in order. A lexical scan, not a parse: it needs
 * no parser, never fails, and is linear in the text.
 *
 * @since 0.1.0
 * @category Tables
 */
export const namedTables = (sql: string): Array<TableRef> => {
  const out: Array<TableRef> = []
  const seen = new Set<string>()
  let expectTable = false
  let afterTable = false
  let inFrom = false
  const fromStack: Array<boolean> = []
  for (const t of tokens(sql)) {
    if (t.kind === "punct") {
      if (t.ch === "(") {
        fromStack.push(inFrom)
        inFrom = false
        expectTable = false
        afterTable = false
      } else if (t.ch === ")") {
        inFrom = fromStack.pop() ?? false
        afterTable = inFrom
      } else if (t.ch === "," && inFrom && afterTable) {
        expectTable = true
        afterTable = false
      } else {
        if (t.ch === ";") inFrom = false
        expectTable = false
        afterTable = false
      }
      continue
    }
    const word = t.parts.length === 1 && !t.quoted ? t.parts[0]!.toLowerCase() : undefined
    if (expectTable) {
      if (word !== undefined && TABLE_SKIP.has(word)) continue
      if (word === undefined || !CLAUSE_WORDS.has(word) && word !== "select") {
        const name = t.parts[t.parts.length - 1]!.toLowerCase()
        const schema = t.parts.length > 1 ? t.parts[t.parts.length - 2]!.toLowerCase() : undefined
        const key = `${schema ?? ""}.${name}`
        if (!seen.has(key)) {
          seen.add(key)
          out.push(schema !== undefined ? { schema, name } : { name })
        }
        expectTable = false
        afterTable = true
        continue
      }
      expectTable = false
    }
    if (word !== undefined && TABLE_INTRO.has(word)) {
      if (word === "from") inFrom = true
      else if (word !== "join") inFrom = word === "using" ? inFrom : false
      expectTable = true
      afterTable = false
      continue
    }
    if (word !== undefined && CLAUSE_WORDS.has(word)) {
      if (word !== "as") {
        afterTable = false
        if (!["inner", "left", "right", "full", "outer", "cross", "natural", "lateral", "straight_join"].includes(word)) inFrom = false
      }
      continue
    }
    // An alias after a table keeps the FROM list going.
  }
  return out
}

// ---------------------------------------------------------------------------
// Fitting
// ---------------------------------------------------------------------------

const qualified = (t: SchemaContext.Table): string =>
  t.schema !== undefined && t.schema !== "" && t.schema !== "main" ? `${t.schema}.${t.name}` : t.name

const clamp = (value: number | undefined, ceiling: number): number =>
  Math.min(ceiling, Math.max(1, Math.floor(value !== undefined && Number.isFinite(value) ? value : ceiling)))

const MIN_LINE_TOKENS = 2

// The request (with the SQL) is read for words up to this length: a long execution plan or error
// message adds nothing past it that the SQL does not name.
const MAX_WORD_CHARS = 20_000

// With a few words, a case-insensitive test for any of their stems (less their last letter, so
// `category` finds `categories`) picks the column names worth splitting; many words make the
// pattern slow, and each name is then split (once per distinct name).
const MAX_PROBE_WORDS = 64
const columnProbe = (words: ReadonlySet<string>): RegExp | undefined => {
  if (words.size === 0) return /(?!)/
  if (words.size > MAX_PROBE_WORDS) return undefined
  const parts = [...words].map((w) => (w.length > 4 ? w.slice(0, -1) : w).replace(/[^a-z0-9]/g, (c) => `\\${c}`))
  return new RegExp(parts.join("|"), "i")
}
const MAX_MISSES = 64

// Pauses in the passes over every table: every PASS_STEP tables, and every FILL_STEP tables
// rendered (a rendering costs far more than a score).
const PASS_STEP = 256
const FILL_STEP = 16

/**
 * {@link fit} as work that may pause between tables (`Limits.sliced` runs it in slices, so a
 * schema of many thousand tables never holds the event loop; `Limits.runSync` at once).
 *
 * @since 0.1.0
 * @category Fitting
 */
export function* fitWork(req: FitRequest): Limits.Work<Either.Either<Fitted, NamedTablesDoNotFit>> {
  const count = req.encoder ?? ((text: string) => Tokens.estimate(req.provider, text))
  const budget = Math.max(0, Math.floor(req.budget))
  const tables = req.schema?.tables ?? []
  const freeText = req.schema?.text !== undefined && req.schema.text !== "" ? req.schema.text : undefined
  if (tables.length === 0 && freeText === undefined) {
    const text = "No schema available"
    const tokens = count(text)
    return Either.right(tokens <= budget ? { text, sent: [], leftOut: [], tokens, textLeftOut: false } : { text: "", sent: [], leftOut: [], tokens: 0, textLeftOut: false })
  }
  const maxColumns = clamp(req.maxColumns, SchemaContext.formatCeiling.maxColumns)
  const maxTables = clamp(req.maxTables, SchemaContext.formatCeiling.maxTables)
  const n = tables.length

  // Names, once: lowercased name → table indices.
  const byName = new Map<string, Array<number>>()
  for (let i = 0; i < n; i++) {
    if (i % PASS_STEP === PASS_STEP - 1) yield
    const key = tables[i]!.name.toLowerCase()
    const list = byName.get(key)
    if (list === undefined) byName.set(key, [i])
    else list.push(i)
  }
  const resolve = (name: string, schema: string | undefined): ReadonlyArray<number> => {
    const all = byName.get(name.toLowerCase())
    if (all === undefined || schema === undefined) return all ?? []
    const s = schema.toLowerCase()
    const inSchema = all.filter((i) => tables[i]!.schema?.toLowerCase() === s)
    return inSchema.length > 0 ? inSchema : all
  }

  // 1. The tables the SQL names.
  const required: Array<number> = []
  const isRequired = new Uint8Array(n)
  const sql = req.sql ?? ""
  if (sql !== "") {
    for (const ref of namedTables(sql)) {
      for (const i of resolve(ref.name, ref.schema)) {
        if (isRequired[i] === 0) {
          isRequired[i] = 1
          required.push(i)
        }
      }
    }
  }

  // 2. Scores from the words of the request and of the SQL.
  const words = textStems(
    (sql === "" ? req.request : `${req.request}\n${sql}`).slice(0, MAX_WORD_CHARS)
  )
  const probe = columnProbe(words)
  const score = new Float64Array(n)
  const stems: Array<string> = []
  const matched: Array<Set<string> | undefined> = new Array(n)
  const columnHit = new Map<string, boolean>()
  for (let i = 0; i < n; i++) {
    if (i % PASS_STEP === PASS_STEP - 1) yield
    const t = tables[i]!
    let s = 0
    const lower = t.name.toLowerCase()
    if (words.has(stem(lower)) || words.has(lower)) s += 10
    stems.length = 0
    nameStems(t.name, stems)
    for (const w of stems) if (words.has(w)) s += 3
    let columnHits = 0
    for (const c of t.columns) {
      // Schemas repeat column names (id, name, created_at ...): each distinct name is read once.
      // Most names share no letters with the request's words: one native test rules them out.
      if (probe !== undefined && !probe.test(c.name)) continue
      let hit = columnHit.get(c.name)
      if (hit === undefined) {
        stems.length = 0
        nameStems(c.name, stems)
        hit = false
        for (const w of stems) {
          if (words.has(w)) {
            hit = true
            break
          }
        }
        columnHit.set(c.name, hit)
      }
      if (!hit) continue
      ;(matched[i] ??= new Set()).add(c.name)
      columnHits++
    }
    score[i] = s + Math.min(5, columnHits)
  }

  // 3. Foreign-key neighbours of the scored and the named tables, one pass over the keys.
  const bonus = new Float64Array(n)
  const seedScore = (i: number): number => (isRequired[i] === 1 ? 10 : score[i]!)
  for (let i = 0; i < n; i++) {
    if (i % PASS_STEP === PASS_STEP - 1) yield
    const fks = tables[i]!.foreignKeys
    if (fks === undefined) continue
    for (const fk of fks) {
      for (const j of resolve(fk.referencedTable, fk.referencedSchema)) {
        if (j === i) continue
        const from = seedScore(i)
        const to = seedScore(j)
        if (from > 0) bonus[j] = Math.max(bonus[j]!, from / 2, 1)
        if (to > 0) bonus[i] = Math.max(bonus[i]!, to / 2, 1)
      }
    }
  }

  // 4. The order tables are offered in: named, then scored (best first), then the rest in order.
  const scored: Array<number> = []
  const rest: Array<number> = []
  for (let i = 0; i < n; i++) {
    if (i % PASS_STEP === PASS_STEP - 1) yield
    if (isRequired[i] === 1) continue
    if (score[i]! + bonus[i]! > 0) scored.push(i)
    else rest.push(i)
  }
  scored.sort((a, b) => score[b]! + bonus[b]! - (score[a]! + bonus[a]!) || a - b)

  // Rendering: the full table, or its key and relevant columns only.
  const full = (t: SchemaContext.Table): string => SchemaContext.format({ tables: [t] }, { maxTables: 1, maxColumns })
  const compact = (i: number): string | undefined => {
    const t = tables[i]!
    const keys = new Set<string>()
    for (const fk of t.foreignKeys ?? []) for (const c of fk.columns) keys.add(c)
    const relevant = matched[i]
    const kept = t.columns.filter((c) => c.primaryKey === true || keys.has(c.name) || relevant?.has(c.name) === true)
    const columns = kept.length > 0 ? kept.slice(0, maxColumns) : t.columns.slice(0, 1)
    if (columns.length >= Math.min(t.columns.length, maxColumns)) return undefined
    const text = full({ ...t, columns })
    const omitted = t.columns.length - columns.length
    const nl = text.indexOf("\n")
    const head = nl < 0 ? text : text.slice(0, nl)
    return `${head.slice(0, -1)}, ... +${omitted} more)${nl < 0 ? "" : text.slice(nl)}`
  }
  const cost = (line: string): number => count(`${line}\n`)

  // What the closing line may take, whatever the number of tables left out.
  const moreLine = (left: number) => `... and ${left} more tables`
  const moreReserve = n > 0 ? cost(moreLine(n)) : 0
  let remaining = budget - moreReserve

  const lines: Array<string | undefined> = new Array(n)
  let sentCount = 0
  let used = 0
  const take = (i: number, line: string, c: number) => {
    lines[i] = line
    remaining -= c
    used += c
    sentCount++
  }
  const tryTable = (i: number): boolean => {
    const line = full(tables[i]!)
    const c = cost(line)
    if (c <= remaining) {
      take(i, line, c)
      return true
    }
    const small = compact(i)
    if (small === undefined) return false
    const cs = cost(small)
    if (cs > remaining) return false
    take(i, small, cs)
    return true
  }

  // The named tables first: all of them, or a failure naming those that do not fit.
  const missing: Array<number> = []
  let rendered = 0
  for (const i of required) {
    if (++rendered % FILL_STEP === 0) yield
    if (!tryTable(i)) missing.push(i)
  }
  if (missing.length > 0) {
    let needed = moreReserve
    for (const i of required) {
      const small = compact(i)
      needed += cost(small ?? full(tables[i]!))
    }
    return Either.left(new NamedTablesDoNotFit({ tables: missing.map((i) => qualified(tables[i]!)), budget, needed }))
  }
  // The fill stops at the table ceiling, when no line could fit, or after MAX_MISSES tables in a
  // row that do not fit even with their key columns only: what is left is smaller than the tables.
  let misses = 0
  for (const list of [scored, rest]) {
    for (const i of list) {
      if (sentCount >= maxTables || remaining < MIN_LINE_TOKENS || misses >= MAX_MISSES) break
      if (++rendered % FILL_STEP === 0) yield
      misses = tryTable(i) ? 0 : misses + 1
    }
  }

  const sent: Array<string> = []
  const leftOut: Array<string> = []
  const out: Array<string> = []
  for (let i = 0; i < n; i++) {
    if (i % PASS_STEP === PASS_STEP - 1) yield
    const line = lines[i]
    if (line === undefined) leftOut.push(qualified(tables[i]!))
    else {
      sent.push(qualified(tables[i]!))
      out.push(line)
    }
  }
  let tokens = used
  if (leftOut.length > 0) {
    const more = moreLine(leftOut.length)
    const c = cost(more)
    if (tokens + c <= budget) {
      out.push(more)
      tokens += c
    }
  }
  let textLeftOut = false
  if (freeText !== undefined) {
    const c = cost(freeText)
    if (tokens + c <= budget) {
      out.push(freeText)
      tokens += c
    } else textLeftOut = true
  }
  // Nothing fits (a budget of a few tokens): an empty text rather than one over the budget.
  return Either.right({ text: out.join("\n"), sent, leftOut, tokens, textLeftOut })
}

/**
 * Chooses and renders the schema for a prompt within `budget` tokens (see the module's notes).
 * Fails with {@link NamedTablesDoNotFit} when a table the SQL names cannot be sent even with only
 * its key and relevant columns. A schema with no tables and no text gives `No schema available`.
 * At once; {@link fitWork} is the same in slices.
 *
 * @since 0.1.0
 * @category Fitting
 */
export const fit = (req: FitRequest): Either.Either<Fitted, NamedTablesDoNotFit> => Limits.finish(fitWork(req))

/**
 * {@link fitWork} for a task: its schema, and the words and SQL each kind reads (generate: the
 * request; explain: the SQL; optimize: the SQL and the execution plan; fix: the SQL and the error).
 * Run it at once with `Limits.finish`, or in slices with `Limits.sliced`.
 *
 * @since 0.1.0
 * @category Fitting
 */
export const fitTask = (
  task: SqlTask,
  options: Omit<FitRequest, "schema" | "request" | "sql">
): Limits.Work<Either.Either<Fitted, NamedTablesDoNotFit>> => {
  switch (task._tag) {
    case "GenerateSql":
      return fitWork({ ...options, schema: task.schema, request: task.prompt })
    case "ExplainSql":
      return fitWork({ ...options, schema: task.schema, request: "", sql: task.sql })
    case "OptimizeSql":
      return fitWork({ ...options, schema: task.schema, request: task.executionPlan ?? "", sql: task.sql })
    case "FixSql":
      return fitWork({ ...options, schema: task.schema, request: task.errorMessage, sql: task.sql })
  }
}
