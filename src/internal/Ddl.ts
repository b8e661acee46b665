/**
 * A small SQL DDL reader: turns `CREATE TABLE` statements (PostgreSQL, MySQL, SQLite, SQL Server
 * flavours) into a {@link SchemaContext}: tables, columns with their types, `NOT NULL`,
 * `PRIMARY KEY` (column or table constraint) and foreign keys (`REFERENCES` or
 * `FOREIGN KEY ... REFERENCES`), including the `ALTER TABLE ... ADD CONSTRAINT` form `pg_dump`
 * writes. Every other statement the model may still learn from (an index, a view) is kept
 * verbatim as the context's free text; session noise (`SET`, `BEGIN`, `PRAGMA` ...) is dropped.
 *
 * It reads structure, not semantics: it never fails, and what it cannot place is passed on as
 * text rather than lost.
 *
 * It reads as work that pauses ({@link read}): every loop lets a caller in after a bounded piece
 * of text (a few hundred regex jumps or tokens), so the request path reads 5,000,000 characters of
 * DDL (~5,000 tables, ~450-650 ms on 2 shared cores) without holding the event loop more than a
 * slice, and counts statements, tables and columns as it goes. Comments and quotes are skipped by
 * the shared scanner (`SqlText`); a dollar-quoted body (PostgreSQL functions) stays one statement.
 *
 * @since 0.1.0
 */
import type { Column, ForeignKey, SchemaContext, Table } from "../domain/SchemaContext.js"
import * as SqlText from "./SqlText.js"

// ---------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------

/**
 * Work that may pause (the same shape as `Limits.Work`): a generator that yields wherever the
 * event loop may be let in, and returns its result.
 *
 * @since 0.1.0
 * @category Models
 */
export type Work<A> = Generator<void, A, unknown>

/** A token: a word or quoted identifier, a parenthesized group (kept whole), a string or a symbol. */
interface Token {
  readonly kind: "word" | "quoted" | "group" | "string" | "symbol"
  readonly text: string
}

// Standard quotes, `[names]` (SQL Server) and dollar quotes (PostgreSQL function bodies, whose
// semicolons do not end the statement).
const SYNTAX: SqlText.Syntax = SqlText.anySyntax

// A loop pauses every STEPS iterations; each iteration is a native regex jump or a token, so a
// step between two pauses stays far below a millisecond.
const STEPS = 512

// What a scan stops at: parentheses, commas, semicolons and whatever may open a quote.
const SCAN_STOP = /[(),;'"`[$/-]/g

// Visits the parentheses, commas and semicolons of `s` outside quotes from `from`, with the
// parenthesis depth before each, until the visitor says stop; returns where it stopped (or the end).
function* scan(s: string, from: number, visit: (c: string, i: number, depth: number) => boolean): Work<number> {
  const re = new RegExp(SCAN_STOP.source, "g")
  re.lastIndex = from
  let depth = 0
  for (let steps = 1;; steps++) {
    if (steps % STEPS === 0) yield
    const m = re.exec(s)
    if (m === null) return s.length
    const i = m.index
    const c = s[i]!
    if (c === "(" || c === ")" || c === "," || c === ";") {
      if (visit(c, i, depth)) return i
      if (c === "(") depth++
      else if (c === ")") depth = Math.max(0, depth - 1)
    } else {
      const span = SqlText.spanAt(s, i, SYNTAX)
      if (span !== undefined) re.lastIndex = span.end
    }
  }
}

// Splits at `sep` outside quotes and parentheses.
function* splitTop(s: string, sep: string): Work<Array<string>> {
  const parts: Array<string> = []
  let start = 0
  yield* scan(s, 0, (c, i, depth) => {
    if (c === sep && depth === 0) {
      parts.push(s.slice(start, i))
      start = i + 1
    }
    return false
  })
  parts.push(s.slice(start))
  return parts.map((p) => p.trim()).filter((p) => p !== "")
}

const BLANKS = /\s+/y
const WORD = /[\w$@#]+/y
const ARRAY_SUFFIX = /\[\d*\]/y

const sticky = (re: RegExp, s: string, i: number): number => {
  re.lastIndex = i
  return re.test(s) ? re.lastIndex : i
}

// The tokens of `s`; with `head`, only up to its first group (or that many tokens), which is all
// a statement's kind needs.
function* tokenize(s: string, head?: number): Work<Array<Token>> {
  const tokens: Array<Token> = []
  let i = 0
  for (let steps = 1; i < s.length; steps++) {
    if (steps % STEPS === 0) yield
    if (head !== undefined && (tokens.length >= head || tokens[tokens.length - 1]?.kind === "group")) break
    const c = s[i]!
    const blank = sticky(BLANKS, s, i)
    if (blank > i) {
      i = blank
      continue
    }
    const suffix = c === "[" ? sticky(ARRAY_SUFFIX, s, i) : i
    if (suffix > i) {
      // an array type suffix (`text[]`, `int[3]`), not a bracketed name
      tokens.push({ kind: "symbol", text: s.slice(i, suffix) })
      i = suffix
      continue
    }
    if (c === "(") {
      const j = yield* scan(s, i + 1, (d, _, depth) => d === ")" && depth === 0)
      tokens.push({ kind: "group", text: s.slice(i + 1, j) })
      i = j + 1
      continue
    }
    const span = SqlText.spanAt(s, i, SYNTAX)
    if (span !== undefined && span.kind !== "comment") {
      const close = c === "[" ? "]" : c
      tokens.push(
        span.kind === "name"
          ? { kind: "quoted", text: s.slice(i + 1, span.closed ? span.end - 1 : span.end).split(close + close).join(close) }
          : { kind: "string", text: s.slice(i, span.end) }
      )
      i = span.end
      continue
    }
    const word = sticky(WORD, s, i)
    tokens.push(word > i ? { kind: "word", text: s.slice(i, word) } : { kind: "symbol", text: c })
    i = Math.max(word, i + 1)
  }
  return tokens
}

// Runs work to its end at once.
const drain = <A>(work: Work<A>): A => {
  for (;;) {
    const next = work.next()
    if (next.done === true) return next.value
  }
}

const isWord = (t: Token | undefined, ...words: ReadonlyArray<string>): boolean =>
  t !== undefined && t.kind === "word" && words.includes(t.text.toUpperCase())

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

interface QualifiedName {
  readonly schema: string | undefined
  readonly name: string
}

/** Reads `a`, `"a"`, `s.a`, `[s].[a]` ... starting at `i`; returns the name and the next index. */
const readName = (tokens: ReadonlyArray<Token>, i: number): { readonly name: QualifiedName; readonly next: number } | undefined => {
  const parts: Array<string> = []
  let j = i
  for (;;) {
    const t = tokens[j]
    if (t === undefined || (t.kind !== "word" && t.kind !== "quoted")) return undefined
    parts.push(t.text)
    j++
    if (tokens[j]?.kind === "symbol" && tokens[j]!.text === ".") j++
    else break
  }
  // database.schema.table keeps the last two parts
  const name = parts[parts.length - 1]!
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined
  return name === "" ? undefined : { name: { schema, name }, next: j }
}

// A column list `(a, "b", c DESC)`: the names, without sort order or lengths.
function* columnList(group: string): Work<Array<string>> {
  const out: Array<string> = []
  for (const item of yield* splitTop(group, ",")) {
    const first = (yield* tokenize(item, 1))[0]
    if (first && (first.kind === "word" || first.kind === "quoted")) out.push(first.text)
  }
  return out
}

// ---------------------------------------------------------------------------
// Table bodies
// ---------------------------------------------------------------------------

// Words that end a column's type and start its constraints.
const CONSTRAINT_WORDS = new Set([
  "CONSTRAINT", "NOT", "NULL", "PRIMARY", "REFERENCES", "DEFAULT", "UNIQUE", "CHECK", "COLLATE", "GENERATED",
  "AUTO_INCREMENT", "AUTOINCREMENT", "IDENTITY", "COMMENT", "ON", "AS", "KEY", "ENCODE", "STORED", "VIRTUAL",
  "CHARACTER", "CHARSET", "INVISIBLE", "VISIBLE", "COMPRESSION", "STORAGE"
])

// `CHARACTER VARYING` is a type; `CHARACTER SET` is not.
const endsType = (tokens: ReadonlyArray<Token>, i: number): boolean => {
  const t = tokens[i]!
  if (t.kind !== "word" || !CONSTRAINT_WORDS.has(t.text.toUpperCase())) return false
  if (isWord(t, "CHARACTER")) return isWord(tokens[i + 1], "SET")
  return true
}

const typeText = (tokens: ReadonlyArray<Token>): string => {
  let out = ""
  for (const t of tokens) {
    if (t.kind === "group") out += `(${t.text.replace(/\s+/g, " ").replace(/\s*,\s*/g, ",").trim()})`
    else if (t.kind === "symbol" && t.text.startsWith("[")) out += t.text
    else out += (out === "" ? "" : " ") + t.text
  }
  return out
}

interface TableDraft {
  readonly name: QualifiedName
  readonly columns: Array<Column>
  readonly foreignKeys: Array<ForeignKey>
  /** Lowercased column name → its index in `columns`, so a key constraint costs its own length. */
  readonly positions: Map<string, number>
}

function* reference(tokens: ReadonlyArray<Token>, i: number, columns: ReadonlyArray<string>): Work<ForeignKey | undefined> {
  const target = readName(tokens, i)
  if (target === undefined) return undefined
  const group = tokens[target.next]
  return {
    columns,
    referencedTable: target.name.name,
    ...(target.name.schema !== undefined ? { referencedSchema: target.name.schema } : {}),
    referencedColumns: group?.kind === "group" ? yield* columnList(group.text) : []
  }
}

// Marks the named columns as the primary key; how many were not marked yet.
const markPrimaryKey = (draft: TableDraft, names: ReadonlyArray<string>): number => {
  let marked = 0
  for (const n of names) {
    const k = draft.positions.get(n.toLowerCase())
    const c = k === undefined ? undefined : draft.columns[k]!
    if (k === undefined || c === undefined || c.primaryKey === true) continue
    draft.columns[k] = { ...c, primaryKey: true }
    marked++
  }
  return marked
}

// Types written with a size, to tell a column named `key` (`key varchar(10)`) from an index.
const SIZED_TYPE = /^(?:n?var)?char(?:acter)?$|^(?:var)?binary$|^(?:tiny|small|medium|big)?int(?:eger)?$|^(?:decimal|numeric|float|double|bit|real)$/i

/**
 * A table constraint (`[CONSTRAINT n] PRIMARY KEY (...)`, `FOREIGN KEY (...) REFERENCES ...`,
 * `UNIQUE`, `CHECK`, MySQL's `KEY`/`INDEX`), applied to the draft: `applied` when it added a key,
 * `other` for a constraint that adds none, `none` when the item is not a constraint.
 */
function* tableConstraint(draft: TableDraft, tokens: ReadonlyArray<Token>): Work<"applied" | "other" | "none"> {
  let i = 0
  if (isWord(tokens[0], "CONSTRAINT")) i = 2
  const head = tokens[i]
  if (isWord(head, "PRIMARY") && isWord(tokens[i + 1], "KEY")) {
    const group = tokens.slice(i + 2).find((t) => t.kind === "group")
    return group !== undefined && markPrimaryKey(draft, yield* columnList(group.text)) > 0 ? "applied" : "other"
  }
  if (isWord(head, "FOREIGN") && isWord(tokens[i + 1], "KEY")) {
    const g = tokens.findIndex((t, k) => k > i + 1 && t.kind === "group")
    const r = tokens.findIndex((t, k) => k > g && isWord(t, "REFERENCES"))
    const fk = g !== -1 && r !== -1 ? yield* reference(tokens, r + 1, yield* columnList(tokens[g]!.text)) : undefined
    if (fk === undefined) return "other"
    draft.foreignKeys.push(fk)
    return "applied"
  }
  if (isWord(head, "UNIQUE", "CHECK", "EXCLUDE", "FULLTEXT", "SPATIAL", "PERIOD", "LIKE")) return "other"
  // MySQL `KEY name (cols)` / `INDEX name (cols)`: a name at most, then the column group.
  if (isWord(head, "KEY", "INDEX") && i === 0) {
    const rest = tokens.slice(1).filter((t) => !isWord(t, "USING", "BTREE", "HASH"))
    const index = (rest.length === 1 && rest[0]!.kind === "group") ||
      (rest.length === 2 && rest[1]!.kind === "group" && !SIZED_TYPE.test(rest[0]!.text))
    return index ? "other" : "none"
  }
  return i > 0 ? "other" : "none"
}

function* columnDefinition(draft: TableDraft, tokens: ReadonlyArray<Token>): Work<boolean> {
  const first = tokens[0]
  if (first === undefined || (first.kind !== "word" && first.kind !== "quoted")) return false
  let i = 1
  while (i < tokens.length && !endsType(tokens, i)) i++
  const type = typeText(tokens.slice(1, i))
  let nullable: boolean | undefined
  let primaryKey: boolean | undefined
  for (; i < tokens.length; i++) {
    if (isWord(tokens[i], "NOT") && isWord(tokens[i + 1], "NULL")) {
      nullable = false
      i++
    } else if (isWord(tokens[i], "NULL")) {
      nullable ??= true
    } else if (isWord(tokens[i], "PRIMARY") && isWord(tokens[i + 1], "KEY")) {
      primaryKey = true
      i++
    } else if (isWord(tokens[i], "REFERENCES")) {
      const fk = yield* reference(tokens, i + 1, [first.text])
      if (fk) draft.foreignKeys.push(fk)
    }
  }
  if (!draft.positions.has(first.text.toLowerCase())) draft.positions.set(first.text.toLowerCase(), draft.columns.length)
  draft.columns.push({
    name: first.text,
    ...(type !== "" ? { type } : {}),
    ...(nullable !== undefined ? { nullable } : {}),
    ...(primaryKey ? { primaryKey } : {})
  })
  return true
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

// Statements that say nothing about the schema.
const NOISE = /^(SET|BEGIN|COMMIT|START\s+TRANSACTION|ROLLBACK|PRAGMA|USE|GO|LOCK|UNLOCK|SELECT\s+pg_catalog\.)\b/i

// CREATE [OR REPLACE] [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED|VIRTUAL] TABLE [IF NOT EXISTS]
const createTable = (tokens: ReadonlyArray<Token>): number | undefined => {
  if (!isWord(tokens[0], "CREATE")) return undefined
  let i = 1
  if (isWord(tokens[i], "OR") && isWord(tokens[i + 1], "REPLACE")) i += 2
  while (isWord(tokens[i], "GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED")) i++
  if (!isWord(tokens[i], "TABLE")) return undefined
  i++
  if (isWord(tokens[i], "IF") && isWord(tokens[i + 1], "NOT") && isWord(tokens[i + 2], "EXISTS")) i += 3
  return i
}

// The tokens `CREATE ... TABLE name (body)` takes at most before its body.
const HEAD_TOKENS = 16

// ALTER TABLE [ONLY] [IF EXISTS] name ADD [CONSTRAINT n] PRIMARY KEY / FOREIGN KEY ...
function* alterTable(statement: string, drafts: ReadonlyMap<string, TableDraft>): Work<boolean> {
  const tokens = yield* tokenize(statement)
  let i = 2
  while (isWord(tokens[i], "ONLY", "IF", "EXISTS")) i++
  const target = readName(tokens, i)
  if (target === undefined || !isWord(tokens[target.next], "ADD")) return false
  const draft = drafts.get(keyOf(target.name)) ?? drafts.get(target.name.name.toLowerCase())
  if (draft === undefined) return false
  const rest = tokens.slice(target.next + 1)
  if (!isWord(rest[0], "CONSTRAINT", "PRIMARY", "FOREIGN")) return false
  return (yield* tableConstraint(draft, rest)) === "applied"
}

const keyOf = (n: QualifiedName) => `${n.schema?.toLowerCase() ?? ""}.${n.name.toLowerCase()}`

/**
 * What a reader reports as it reads, so a caller can bound the input: each may throw to stop the
 * read (the request path throws `Limits.Refused` past a limit).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Meter {
  /** A statement was read (any kind, session noise included). */
  readonly statement: () => void
  /** A `CREATE TABLE` was read. */
  readonly table: () => void
  /** A column of a table was read. */
  readonly column: () => void
}

const noMeter: Meter = { statement: () => {}, table: () => {}, column: () => {} }

// A line holding only `GO`: SQL Server scripts separate batches with it rather than semicolons.
const GO_LINE = /[ \t]*GO[ \t]*(?=\r?\n|$)/iy
const STATEMENT_STOP = /[();\n'"`[$/-]/g

// The statements of a script, comments cut out (each replaced by a space), split at semicolons
// and `GO` lines outside quotes and parentheses; each handed to `each` as soon as it is cut.
function* statements(ddl: string, each: (statement: string) => Work<void>): Work<void> {
  const re = new RegExp(STATEMENT_STOP.source, "g")
  let pieces: Array<string> = []
  let from = 0
  let depth = 0
  function* cut(end: number, next: number): Work<void> {
    pieces.push(ddl.slice(from, end))
    const statement = pieces.join("").trim()
    pieces = []
    from = next
    re.lastIndex = next
    if (statement !== "") yield* each(statement)
  }
  if (sticky(GO_LINE, ddl, 0) > 0) yield* cut(0, GO_LINE.lastIndex)
  for (let steps = 1;; steps++) {
    if (steps % STEPS === 0) yield
    const m = re.exec(ddl)
    if (m === null) break
    const i = m.index
    const c = ddl[i]!
    if (c === "(") depth++
    else if (c === ")") depth = Math.max(0, depth - 1)
    else if (c === ";") {
      if (depth === 0) yield* cut(i, i + 1)
    } else if (c === "\n") {
      const go = sticky(GO_LINE, ddl, i + 1)
      if (go > i + 1) yield* cut(i, go)
    } else {
      const span = SqlText.spanAt(ddl, i, SYNTAX)
      if (span === undefined) continue
      if (span.kind === "comment") {
        pieces.push(ddl.slice(from, i), " ")
        from = span.end
      }
      re.lastIndex = span.end
    }
  }
  yield* cut(ddl.length, ddl.length)
}

/**
 * Reads DDL into a schema context, as work that pauses (see `Limits.sliced`) and reports each
 * statement, table and column to `meter`. Tables come in the order they are created; statements
 * that are not table definitions (indexes, views, unparseable text) are kept as `text`. Linear in
 * the text: each step between two pauses reads a bounded piece of it.
 *
 * @since 0.1.0
 * @category Constructors
 */
export function* read(ddl: string, meter: Meter = noMeter): Work<SchemaContext> {
  const drafts = new Map<string, TableDraft>()
  const order: Array<TableDraft> = []
  const kept: Array<string> = []
  yield* statements(ddl, function*(statement) {
    meter.statement()
    if (NOISE.test(statement)) return
    const head = yield* tokenize(statement, HEAD_TOKENS)
    const at = createTable(head)
    const name = at === undefined ? undefined : readName(head, at)
    const body = name === undefined ? undefined : head[name.next]
    if (name !== undefined && body?.kind === "group") {
      meter.table()
      const draft: TableDraft = { name: name.name, columns: [], foreignKeys: [], positions: new Map() }
      const items = yield* splitTop(body.text, ",")
      for (let k = 0; k < items.length; k++) {
        const itemTokens = yield* tokenize(items[k]!)
        if ((yield* tableConstraint(draft, itemTokens)) === "none" && (yield* columnDefinition(draft, itemTokens))) meter.column()
        if (k % 64 === 63) yield
      }
      drafts.set(keyOf(name.name), draft)
      if (!drafts.has(name.name.name.toLowerCase())) drafts.set(name.name.name.toLowerCase(), draft)
      order.push(draft)
      return
    }
    if (isWord(head[0], "ALTER") && isWord(head[1], "TABLE") && (yield* alterTable(statement, drafts))) return
    kept.push(statement.replace(/\s+/g, " ") + ";")
  })
  const tables: Array<Table> = order.map((d) => ({
    name: d.name.name,
    ...(d.name.schema !== undefined ? { schema: d.name.schema } : {}),
    columns: d.columns,
    ...(d.foreignKeys.length > 0 ? { foreignKeys: d.foreignKeys } : {})
  }))
  return { tables, ...(kept.length > 0 ? { text: kept.join("\n") } : {}) }
}

/**
 * {@link read} run to its end at once, unbounded: for the CLI's schema files, tests and small
 * texts. On the request path use `SchemaContext.fromInput`, which reads DDL in slices within the
 * request limits.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const parse = (ddl: string): SchemaContext => drain(read(ddl))

/**
 * Whether text looks like DDL (has a `CREATE TABLE`), for callers choosing between DDL and
 * other schema formats.
 *
 * @since 0.1.0
 * @category Predicates
 */
export const looksLikeDdl = (text: string): boolean => /\bCREATE\s+(?:\w+\s+){0,3}TABLE\b/i.test(SqlText.code(text))
