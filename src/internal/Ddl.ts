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
 * @since 0.1.0
 */
import type { Column, ForeignKey, SchemaContext, Table } from "../domain/SchemaContext.js"

// ---------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------

/** A token: a word or quoted identifier, a parenthesized group (kept whole), a string or a symbol. */
interface Token {
  readonly kind: "word" | "quoted" | "group" | "string" | "symbol"
  readonly text: string
}

const QUOTES: Readonly<Record<string, string>> = { "\"": "\"", "`": "`", "[": "]" }

// The end of a quoted run starting at i (the opening quote), doubled closing quotes included.
const quotedEnd = (s: string, i: number, close: string): number => {
  let j = i + 1
  while (j < s.length) {
    if (s[j] === close) {
      if (s[j + 1] === close && close !== "]") {
        j += 2
        continue
      }
      return j + 1
    }
    j++
  }
  return s.length
}

// Removes `--` and `/* */` comments, leaving string literals and quoted names alone.
const stripComments = (s: string): string => {
  let out = ""
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === "'" || QUOTES[c] !== undefined) {
      const end = quotedEnd(s, i, c === "'" ? "'" : QUOTES[c]!)
      out += s.slice(i, end)
      i = end
    } else if (c === "-" && s[i + 1] === "-") {
      while (i < s.length && s[i] !== "\n") i++
    } else if (c === "/" && s[i + 1] === "*") {
      const end = s.indexOf("*/", i + 2)
      i = end === -1 ? s.length : end + 2
      out += " "
    } else {
      out += c
      i++
    }
  }
  return out
}

// Visits the characters outside quotes with the parenthesis depth before each, until the visitor
// says stop; returns where it stopped (or the end).
const walk = (s: string, from: number, visit: (c: string, i: number, depth: number) => boolean): number => {
  let depth = 0
  let i = from
  while (i < s.length) {
    const c = s[i]!
    if (c === "'" || QUOTES[c] !== undefined) {
      i = quotedEnd(s, i, c === "'" ? "'" : QUOTES[c]!)
      continue
    }
    if (visit(c, i, depth)) return i
    if (c === "(") depth++
    else if (c === ")") depth = Math.max(0, depth - 1)
    i++
  }
  return s.length
}

// Splits at `sep` outside quotes and parentheses.
const splitTop = (s: string, sep: string): Array<string> => {
  const parts: Array<string> = []
  let start = 0
  walk(s, 0, (c, i, depth) => {
    if (c === sep && depth === 0) {
      parts.push(s.slice(start, i))
      start = i + 1
    }
    return false
  })
  parts.push(s.slice(start))
  return parts.map((p) => p.trim()).filter((p) => p !== "")
}

const tokenize = (s: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === "'") {
      const end = quotedEnd(s, i, "'")
      tokens.push({ kind: "string", text: s.slice(i, end) })
      i = end
    } else if (c === "[" && /^\[\d*\]/.test(s.slice(i))) {
      // an array type suffix (`text[]`, `int[3]`), not a bracketed name
      const end = s.indexOf("]", i) + 1
      tokens.push({ kind: "symbol", text: s.slice(i, end) })
      i = end
    } else if (QUOTES[c] !== undefined) {
      const close = QUOTES[c]!
      const end = quotedEnd(s, i, close)
      tokens.push({ kind: "quoted", text: s.slice(i + 1, end - 1).split(close + close).join(close) })
      i = end
    } else if (c === "(") {
      const j = walk(s, i, (d, _, depth) => d === ")" && depth === 1)
      tokens.push({ kind: "group", text: s.slice(i + 1, j) })
      i = j + 1
    } else if (/[\w$@#]/.test(c)) {
      let j = i
      while (j < s.length && /[\w$@#]/.test(s[j]!)) j++
      tokens.push({ kind: "word", text: s.slice(i, j) })
      i = j
    } else {
      tokens.push({ kind: "symbol", text: c })
      i++
    }
  }
  return tokens
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
const columnList = (group: string): Array<string> =>
  splitTop(group, ",").flatMap((item) => {
    const first = tokenize(item)[0]
    return first && (first.kind === "word" || first.kind === "quoted") ? [first.text] : []
  })

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
}

const reference = (tokens: ReadonlyArray<Token>, i: number, columns: ReadonlyArray<string>): ForeignKey | undefined => {
  const target = readName(tokens, i)
  if (target === undefined) return undefined
  const group = tokens[target.next]
  return {
    columns,
    referencedTable: target.name.name,
    ...(target.name.schema !== undefined ? { referencedSchema: target.name.schema } : {}),
    referencedColumns: group?.kind === "group" ? columnList(group.text) : []
  }
}

const markPrimaryKey = (draft: TableDraft, names: ReadonlyArray<string>) => {
  for (let k = 0; k < draft.columns.length; k++) {
    const c = draft.columns[k]!
    if (names.some((n) => n.toLowerCase() === c.name.toLowerCase())) draft.columns[k] = { ...c, primaryKey: true }
  }
}

/**
 * A table constraint (`[CONSTRAINT n] PRIMARY KEY (...)`, `FOREIGN KEY (...) REFERENCES ...`,
 * `UNIQUE`, `CHECK`, MySQL's `KEY`/`INDEX`): applied to the draft; false when the item is not one.
 */
// Types written with a size, to tell a column named `key` (`key varchar(10)`) from an index.
const SIZED_TYPE = /^(?:n?var)?char(?:acter)?$|^(?:var)?binary$|^(?:tiny|small|medium|big)?int(?:eger)?$|^(?:decimal|numeric|float|double|bit|real)$/i

const tableConstraint = (draft: TableDraft, tokens: ReadonlyArray<Token>): boolean => {
  let i = 0
  if (isWord(tokens[0], "CONSTRAINT")) i = 2
  const head = tokens[i]
  if (isWord(head, "PRIMARY") && isWord(tokens[i + 1], "KEY")) {
    const group = tokens.slice(i + 2).find((t) => t.kind === "group")
    if (group) markPrimaryKey(draft, columnList(group.text))
    return true
  }
  if (isWord(head, "FOREIGN") && isWord(tokens[i + 1], "KEY")) {
    const g = tokens.findIndex((t, k) => k > i + 1 && t.kind === "group")
    const r = tokens.findIndex((t, k) => k > g && isWord(t, "REFERENCES"))
    if (g !== -1 && r !== -1) {
      const fk = reference(tokens, r + 1, columnList(tokens[g]!.text))
      if (fk) draft.foreignKeys.push(fk)
    }
    return true
  }
  if (isWord(head, "UNIQUE", "CHECK", "EXCLUDE", "FULLTEXT", "SPATIAL", "PERIOD", "LIKE")) return true
  // MySQL `KEY name (cols)` / `INDEX name (cols)`: a name at most, then the column group.
  if (isWord(head, "KEY", "INDEX") && i === 0) {
    const rest = tokens.slice(1).filter((t) => !isWord(t, "USING", "BTREE", "HASH"))
    return (rest.length === 1 && rest[0]!.kind === "group") ||
      (rest.length === 2 && rest[1]!.kind === "group" && !SIZED_TYPE.test(rest[0]!.text))
  }
  return i > 0
}

const columnDefinition = (draft: TableDraft, tokens: ReadonlyArray<Token>) => {
  const first = tokens[0]
  if (first === undefined || (first.kind !== "word" && first.kind !== "quoted")) return
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
      const fk = reference(tokens, i + 1, [first.text])
      if (fk) draft.foreignKeys.push(fk)
    }
  }
  draft.columns.push({
    name: first.text,
    ...(type !== "" ? { type } : {}),
    ...(nullable !== undefined ? { nullable } : {}),
    ...(primaryKey ? { primaryKey } : {})
  })
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

// ALTER TABLE [ONLY] [IF EXISTS] name ADD [CONSTRAINT n] PRIMARY KEY / FOREIGN KEY ...
const alterTable = (tokens: ReadonlyArray<Token>, drafts: ReadonlyMap<string, TableDraft>): boolean => {
  if (!isWord(tokens[0], "ALTER") || !isWord(tokens[1], "TABLE")) return false
  let i = 2
  while (isWord(tokens[i], "ONLY", "IF", "EXISTS")) i++
  const target = readName(tokens, i)
  if (target === undefined || !isWord(tokens[target.next], "ADD")) return false
  const draft = drafts.get(keyOf(target.name)) ?? drafts.get(target.name.name.toLowerCase())
  if (draft === undefined) return false
  const rest = tokens.slice(target.next + 1)
  if (!isWord(rest[0], "CONSTRAINT", "PRIMARY", "FOREIGN")) return false
  const before = draft.foreignKeys.length + draft.columns.filter((c) => c.primaryKey).length
  tableConstraint(draft, rest)
  return draft.foreignKeys.length + draft.columns.filter((c) => c.primaryKey).length > before
}

const keyOf = (n: QualifiedName) => `${n.schema?.toLowerCase() ?? ""}.${n.name.toLowerCase()}`

/**
 * Reads DDL into a schema context. Tables come in the order they are created; statements that
 * are not table definitions (indexes, views, unparseable text) are kept as `text`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const parse = (ddl: string): SchemaContext => {
  const drafts = new Map<string, TableDraft>()
  const order: Array<TableDraft> = []
  const kept: Array<string> = []
  // SQL Server scripts separate batches with `GO` lines rather than semicolons.
  const source = stripComments(ddl).replace(/^\s*GO\s*$/gim, ";")
  for (const statement of splitTop(source, ";")) {
    if (NOISE.test(statement)) continue
    const tokens = tokenize(statement)
    const at = createTable(tokens)
    const name = at === undefined ? undefined : readName(tokens, at)
    const body = name === undefined ? undefined : tokens[name.next]
    if (name !== undefined && body?.kind === "group") {
      const draft: TableDraft = { name: name.name, columns: [], foreignKeys: [] }
      for (const item of splitTop(body.text, ",")) {
        const itemTokens = tokenize(item)
        if (!tableConstraint(draft, itemTokens)) columnDefinition(draft, itemTokens)
      }
      drafts.set(keyOf(name.name), draft)
      if (!drafts.has(name.name.name.toLowerCase())) drafts.set(name.name.name.toLowerCase(), draft)
      order.push(draft)
      continue
    }
    if (alterTable(tokens, drafts)) continue
    kept.push(statement.replace(/\s+/g, " ") + ";")
  }
  const tables: Array<Table> = order.map((d) => ({
    name: d.name.name,
    ...(d.name.schema !== undefined ? { schema: d.name.schema } : {}),
    columns: d.columns,
    ...(d.foreignKeys.length > 0 ? { foreignKeys: d.foreignKeys } : {})
  }))
  return { tables, ...(kept.length > 0 ? { text: kept.join("\n") } : {}) }
}

/**
 * Whether text looks like DDL (has a `CREATE TABLE`), for callers choosing between DDL and
 * other schema formats.
 *
 * @since 0.1.0
 * @category Predicates
 */
export const looksLikeDdl = (text: string): boolean => /\bCREATE\s+(?:\w+\s+){0,3}TABLE\b/i.test(stripComments(text))
