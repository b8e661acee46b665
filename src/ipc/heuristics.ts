/**
 * The rule-based answers behind DB Toolkit's `ai:*` channels that never needed a model: schema
 * analysis, index suggestions, relationship detection, common queries and the completion list,
 * reimplemented from DB Toolkit's `schema-analyzer.js` and `query-assistant.js` with the same
 * output shapes. Plus the small rules the IPC handlers use to fill legacy fields DB Toolkit had
 * hard-coded (a statement's complexity, the kind of a database error, a table's DDL).
 *
 * Pure functions over `SchemaContext` tables, no provider; where a statement parses, the rules read
 * its syntax tree (`SqlCheck.shape`, on the parser's worker), with the lexical rules as the
 * fallback for statements that do not parse and for MongoDB.
 *
 * Where DB Toolkit's rule was plainly wrong it is corrected, and each correction says so:
 * a foreign-key column is one named `..._id` (not any name containing "id", such as `paid`), a
 * junction table is one that references two tables (not any name with an underscore), plurals
 * ending in `-ies`/`-es` are recognized, and the date arithmetic of the common queries is written
 * in the connection's dialect (it was PostgreSQL's everywhere).
 *
 * @since 0.1.0
 */
import { Effect, Either, Option } from "effect"
import type { Dialect } from "../domain/Dialect.js"
import type { Column, Table } from "../domain/SchemaContext.js"
import * as SqlCheck from "../domain/SqlCheck.js"
import * as SqlText from "../internal/SqlText.js"

// ---------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------

const SIMPLE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

// Words that must be quoted to be used as a name (`user` and `order` are common table names).
const RESERVED = new Set([
  "ALL", "AND", "AS", "ASC", "BY", "CASE", "CHECK", "COLUMN", "CONSTRAINT", "CREATE", "DEFAULT", "DELETE", "DESC",
  "DISTINCT", "DROP", "ELSE", "END", "FROM", "GRANT", "GROUP", "HAVING", "IN", "INDEX", "INSERT", "IS", "JOIN",
  "KEY", "LIMIT", "NOT", "NULL", "OFFSET", "ON", "OR", "ORDER", "PRIMARY", "REFERENCES", "SELECT", "SET", "TABLE",
  "TO", "UNION", "UNIQUE", "UPDATE", "USER", "USING", "VALUES", "WHEN", "WHERE", "WITH"
])

/**
 * A table or column name as the dialect writes it: unchanged when it is a plain identifier,
 * quoted (with the dialect's quote, doubled inside) when it has other characters or is a
 * reserved word.
 *
 * @since 0.1.0
 * @category Formatting
 */
const quoteIdentifier = (name: string, dialect: Dialect): string => {
  if (SIMPLE_IDENTIFIER.test(name) && !RESERVED.has(name.toUpperCase())) return name
  switch (dialect) {
    case "mysql":
    case "mariadb":
      return `\`${name.replace(/`/g, "``")}\``
    case "mssql":
      return `[${name.replace(/]/g, "]]")}]`
    default:
      return `"${name.replace(/"/g, "\"\"")}"`
  }
}

const isPrimaryKey = (c: Column): boolean => c.primaryKey === true || c.name.toLowerCase() === "id"

// `customer_id`, `customerId`: the column names DB Toolkit's rules read as foreign keys.
const isForeignKeyName = (name: string): boolean => /_id$/i.test(name) || /[a-z0-9]Id$/.test(name)

const typeOf = (c: Column): string => (c.type ?? "").toLowerCase()

// DB Toolkit's test: the type names a date or a timestamp (`datetime`, `timestamptz` ...).
const isTemporal = (c: Column): boolean => /timestamp|date/.test(typeOf(c))

// ---------------------------------------------------------------------------
// Completion
// ---------------------------------------------------------------------------

/**
 * A completion suggestion.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Completion {
  readonly text: string
  readonly type: "keyword"
}

/**
 * The completion list of `ai:suggest-completion`: DB Toolkit has always answered with the same
 * three keywords, whatever the query, and nothing calls it; the list is kept as it was.
 *
 * @since 0.1.0
 * @category Completion
 */
export const completions: ReadonlyArray<Completion> = [
  { text: "SELECT * FROM ", type: "keyword" },
  { text: "WHERE ", type: "keyword" },
  { text: "ORDER BY ", type: "keyword" }
]

// ---------------------------------------------------------------------------
// Index suggestions
// ---------------------------------------------------------------------------

/**
 * An index worth creating: its kind, its columns and why.
 *
 * @since 0.1.0
 * @category Models
 */
export interface IndexSuggestion {
  readonly type: "btree"
  readonly columns: ReadonlyArray<string>
  readonly reason: string
}

// The clauses whose columns are worth an index, and every clause keyword that ends one; a keyword
// only as a whole word (`online`, `from_date` and `selected` are column names, not clauses).
const CLAUSE_SPLIT = /\b(?=(?:WHERE|ON|ORDER\s+BY|GROUP\s+BY|HAVING|FROM|SELECT|LIMIT)\b)/i
const INDEXED_CLAUSE = /^(?:WHERE|ON|ORDER\s+BY|GROUP\s+BY)\b/i
// A name: quoted in any of the dialects' quotes, or bare.
const NAME = /"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|([A-Za-z_][\w$]*)/g

// The lexical rule, for statements the parser does not read: the names written after WHERE, ON,
// ORDER BY or GROUP BY, outside string literals and comments, that are columns of the table. It
// cannot tell whose column a name is (another table's, a subquery's, an output alias).
const lexicalColumns = (patterns: ReadonlyArray<string>, columns: ReadonlyArray<string>): ReadonlySet<string> => {
  const names = new Set<string>()
  for (const raw of patterns) {
    for (const clause of SqlText.code(raw).split(CLAUSE_SPLIT)) {
      if (!INDEXED_CLAUSE.test(clause)) continue
      for (const m of clause.matchAll(NAME)) names.add((m[1]?.replace(/""/g, "\"") ?? m[2] ?? m[3] ?? m[4]!).toLowerCase())
    }
  }
  return new Set(columns.filter((c) => names.has(c.toLowerCase())))
}

// The parser's reading: the columns the statements' clauses read that belong to this table.
const parsedColumns = (table: Table, shapes: ReadonlyArray<SqlCheck.Shape>, columns: ReadonlyArray<string>): ReadonlySet<string> => {
  const name = table.name.toLowerCase()
  const names = new Set<string>()
  for (const shape of shapes) {
    for (const c of shape.columns) if (c.tables.includes(name)) names.add(c.column.toLowerCase())
  }
  return new Set(columns.filter((c) => names.has(c.toLowerCase())))
}

/**
 * The most query patterns an index suggestion reads, and the longest one.
 *
 * @since 0.1.0
 * @category Indexes
 */
export const patternLimits = { count: 100, chars: SqlCheck.defaultMaxChars } as const

// How many characters of patterns, together, the parser reads for one suggestion: about one
// check's worth of parsing time; the patterns past it are read by the lexical rule.
const PARSED_CHARS = SqlCheck.defaultMaxChars

/**
 * The query patterns of an index suggestion as SQL texts: a string, or a list of strings or of
 * `{ query }` / `{ sql }` objects (anything else is skipped). `Left` with the field and why when
 * there are more than {@link patternLimits} allow, or one is longer.
 *
 * @since 0.1.0
 * @category Indexes
 */
export const patternTexts = (queryPatterns: unknown): Either.Either<ReadonlyArray<string>, { readonly field: string; readonly message: string }> => {
  const raw = typeof queryPatterns === "string" ? [queryPatterns] : Array.isArray(queryPatterns) ? queryPatterns : []
  if (raw.length > patternLimits.count) {
    return Either.left({ field: "queryPatterns", message: `queryPatterns has ${raw.length.toLocaleString("en-US")} queries; the limit is ${patternLimits.count}` })
  }
  const texts: Array<string> = []
  for (let i = 0; i < raw.length; i++) {
    const p: unknown = raw[i]
    const q = typeof p === "object" && p !== null ? (p as Record<string, unknown>)["query"] ?? (p as Record<string, unknown>)["sql"] : p
    if (typeof q !== "string") continue
    if (q.length > patternLimits.chars) {
      const field = typeof queryPatterns === "string" ? "queryPatterns" : `queryPatterns[${i}]`
      return Either.left({ field, message: `${field} is ${q.length.toLocaleString("en-US")} characters; the limit is ${patternLimits.chars.toLocaleString("en-US")}` })
    }
    texts.push(q)
  }
  return Either.right(texts)
}

/**
 * Query patterns read for {@link suggestIndexes}: the structure of each the parser read
 * (`SqlCheck.shape`), and the texts it did not (not SQL in the dialect, MongoDB, past what it
 * reads for one suggestion), which the lexical rule reads.
 *
 * @since 0.1.0
 * @category Models
 */
export interface QueryPatterns {
  readonly _tag: "QueryPatterns"
  readonly shapes: ReadonlyArray<SqlCheck.Shape>
  readonly unread: ReadonlyArray<string>
}

const isQueryPatterns = (u: unknown): u is QueryPatterns =>
  typeof u === "object" && u !== null && (u as { readonly _tag?: unknown })._tag === "QueryPatterns"

/**
 * Reads query patterns with the parser in the target's dialect, on its worker and within its
 * bounds, up to 100,000 characters of them together; the rest, and what does not parse, are left
 * to the lexical rule. Never fails.
 *
 * @since 0.1.0
 * @category Indexes
 */
export const readQueryPatterns = (texts: ReadonlyArray<string>, target: SqlCheck.Target): Effect.Effect<QueryPatterns> =>
  Effect.gen(function*() {
    const shapes: Array<SqlCheck.Shape> = []
    const unread: Array<string> = []
    let budget = PARSED_CHARS
    for (const text of texts) {
      budget -= text.length
      const shape = budget >= 0 ? yield* SqlCheck.shape(text, target) : Option.none()
      if (Option.isSome(shape)) shapes.push(shape.value)
      else unread.push(text)
    }
    return { _tag: "QueryPatterns", shapes, unread }
  })

/**
 * Index suggestions for one table, as DB Toolkit's `suggestIndexes` made them: foreign-key
 * columns (`..._id`), date and time columns, e-mail columns; plus, when query patterns are given,
 * the other columns of this table they filter, join or sort on. Patterns read by
 * {@link readQueryPatterns} are judged by their syntax tree (whose column a name is: this table's,
 * another's, a subquery's, an output alias), raw patterns (see {@link patternTexts}) by the
 * lexical rule alone. Primary keys are left out (they are indexed already).
 *
 * @since 0.1.0
 * @category Indexes
 */
export const suggestIndexes = (table: Table, queryPatterns?: QueryPatterns | unknown): ReadonlyArray<IndexSuggestion> => {
  const out: Array<IndexSuggestion> = []
  const candidates = table.columns.filter((c) => !isPrimaryKey(c))
  for (const c of candidates) {
    if (isForeignKeyName(c.name)) {
      out.push({ type: "btree", columns: [c.name], reason: `Foreign key column ${c.name} would benefit from an index` })
    } else if (isTemporal(c)) {
      out.push({ type: "btree", columns: [c.name], reason: `Date/time column ${c.name} commonly used in WHERE clauses` })
    } else if (c.name.toLowerCase().includes("email")) {
      out.push({ type: "btree", columns: [c.name], reason: `Email column ${c.name} likely used for lookups` })
    }
  }
  const suggested = new Set(out.flatMap((s) => s.columns))
  const rest = candidates.map((c) => c.name).filter((n) => !suggested.has(n))
  const used = isQueryPatterns(queryPatterns)
    ? new Set([...parsedColumns(table, queryPatterns.shapes, rest), ...lexicalColumns(queryPatterns.unread, rest)])
    : lexicalColumns(Either.getOrElse(patternTexts(queryPatterns), () => []), rest)
  for (const name of rest) {
    if (used.has(name)) {
      out.push({ type: "btree", columns: [name], reason: `Column ${name} is filtered, joined or sorted on in the given queries` })
    }
  }
  return out
}

/**
 * The expected effect of a table's index suggestions: `medium` as DB Toolkit always said, `low`
 * when there is nothing to suggest.
 *
 * @since 0.1.0
 * @category Indexes
 */
export const performanceImpact = (suggestions: ReadonlyArray<IndexSuggestion>): "low" | "medium" =>
  suggestions.length === 0 ? "low" : "medium"

/**
 * A suggestion as a `CREATE INDEX` statement in the dialect.
 *
 * @since 0.1.0
 * @category Indexes
 */
export const createIndexStatement = (tableName: string, suggestion: IndexSuggestion, dialect: Dialect): string => {
  const name = `idx_${tableName}_${suggestion.columns.join("_")}`.replace(/\W+/g, "_").slice(0, 63)
  const cols = suggestion.columns.map((c) => quoteIdentifier(c, dialect)).join(", ")
  return `CREATE INDEX ${name} ON ${quoteIdentifier(tableName, dialect)} (${cols});`
}

// ---------------------------------------------------------------------------
// Relationships
// ---------------------------------------------------------------------------

/**
 * A relationship between two tables, in DB Toolkit's shape. `high` confidence for a declared
 * foreign key, `medium` for one guessed from a column name.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Relationship {
  readonly from_table: string
  readonly from_column: string
  readonly to_table: string
  readonly to_column: string
  readonly relationship_type: "many_to_one"
  readonly confidence: "high" | "medium"
}

// The table names a `<base>_id` column may point at: the base itself and its plurals.
const namesFor = (base: string): ReadonlyArray<string> => {
  const b = base.toLowerCase()
  const plurals = [`${b}s`, `${b}es`]
  if (/[^aeiou]y$/.test(b)) plurals.push(`${b.slice(0, -1)}ies`)
  return [b, ...plurals]
}

const baseOf = (column: string): string | undefined => {
  if (/_id$/i.test(column)) return column.slice(0, -3)
  if (/[a-z0-9]Id$/.test(column)) return column.slice(0, -2).replace(/([a-z0-9])([A-Z])/g, "$1_$2")
  return undefined
}

/**
 * The relationships between tables: every declared foreign key, and every `<name>_id` column
 * whose name points at a table called `<name>` or a plural of it (`category_id` → `categories`),
 * assumed to reference its `id` column (DB Toolkit's rule; it knew only the `-s` plural).
 *
 * @since 0.1.0
 * @category Relationships
 */
export const relationships = (tables: ReadonlyArray<Table>): ReadonlyArray<Relationship> => {
  const out: Array<Relationship> = []
  const seen = new Set<string>()
  const add = (r: Relationship) => {
    const key = `${r.from_table}\u0000${r.from_column}\u0000${r.to_table}`.toLowerCase()
    if (seen.has(key)) return
    seen.add(key)
    out.push(r)
  }
  for (const t of tables) {
    for (const fk of t.foreignKeys ?? []) {
      fk.columns.forEach((column, i) =>
        add({
          from_table: t.name,
          from_column: column,
          to_table: fk.referencedTable,
          to_column: fk.referencedColumns[i] ?? fk.referencedColumns[0] ?? "id",
          relationship_type: "many_to_one",
          confidence: "high"
        })
      )
    }
  }
  for (const t of tables) {
    for (const c of t.columns) {
      const base = baseOf(c.name)
      if (base === undefined || base === "") continue
      const names = namesFor(base)
      for (const other of tables) {
        if (!names.includes(other.name.toLowerCase())) continue
        add({
          from_table: t.name,
          from_column: c.name,
          to_table: other.name,
          to_column: "id",
          relationship_type: "many_to_one",
          confidence: "medium"
        })
      }
    }
  }
  return out
}

/**
 * A relationship as DB Toolkit's schema panel lists it: `orders.customer_id → customers.id`.
 *
 * @since 0.1.0
 * @category Relationships
 */
export const formatRelationship = (r: Relationship): string => `${r.from_table}.${r.from_column} → ${r.to_table}.${r.to_column}`

// ---------------------------------------------------------------------------
// Schema analysis
// ---------------------------------------------------------------------------

/**
 * What `ai:analyze-schema` answers, in DB Toolkit's shape.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SchemaAnalysis {
  readonly schema_name: string
  readonly summary: string
  readonly design_patterns: ReadonlyArray<string>
  /** At most 10, formatted for display. */
  readonly relationships: ReadonlyArray<string>
  readonly optimization_suggestions: ReadonlyArray<string>
  readonly table_count: number
  readonly relationship_count: number
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/**
 * DB Toolkit's schema analysis: a summary, the design patterns it spots (a user table, audit
 * timestamps, junction tables, a highly normalized schema), the relationships, and suggestions
 * (index the foreign keys, give every table a primary key, partition a large schema).
 * `undefined` when there are no tables (the handler answers "No tables found in schema").
 *
 * @since 0.1.0
 * @category Schema analysis
 */
export const analyzeSchema = (schemaName: string, tables: ReadonlyArray<Table>): SchemaAnalysis | undefined => {
  if (tables.length === 0) return undefined
  const rels = relationships(tables)
  const count = tables.length
  const patterns: Array<string> = []
  if (tables.some((t) => t.name.toLowerCase().includes("user"))) patterns.push("User management pattern detected")
  if (tables.some((t) => t.columns.some((c) => ["created_at", "updated_at", "deleted_at"].includes(c.name.toLowerCase())))) {
    patterns.push("Audit trail pattern with timestamp tracking")
  }
  // A junction table references two other tables (DB Toolkit took any name with an underscore).
  const junction = tables.some((t) => new Set(rels.filter((r) => r.from_table === t.name).map((r) => r.to_table.toLowerCase())).size >= 2)
  if (junction) patterns.push("Many-to-many relationships using junction tables")
  if (rels.length > count) patterns.push("Highly normalized schema with multiple relationships")

  const suggestions: Array<string> = []
  if (rels.length > 0) suggestions.push("Consider adding indexes on foreign key columns for better join performance")
  const withoutKey = tables.filter((t) => !t.columns.some(isPrimaryKey))
  if (withoutKey.length > 0) {
    suggestions.push(`${withoutKey.length} table(s) may be missing primary keys: ${withoutKey.map((t) => t.name).join(", ")}`)
  }
  if (count > 20) suggestions.push("Large schema detected - consider table partitioning for frequently accessed tables")

  return {
    schema_name: schemaName,
    summary: `Schema "${schemaName}" contains ${plural(count, "table")}. Detected ${plural(rels.length, "relationship")} between tables.`,
    design_patterns: patterns,
    relationships: rels.map(formatRelationship).slice(0, 10),
    optimization_suggestions: suggestions,
    table_count: count,
    relationship_count: rels.length
  }
}

/**
 * What a table screen can warn about without a model: no primary key, a very wide table.
 *
 * @since 0.1.0
 * @category Schema analysis
 */
export const tableIssues = (table: Table): ReadonlyArray<string> => {
  const issues: Array<string> = []
  if (table.columns.length > 0 && !table.columns.some(isPrimaryKey)) {
    issues.push(`${table.name} may be missing a primary key: rows cannot be identified reliably for updates and joins`)
  }
  if (table.columns.length > 50) {
    issues.push(`${table.name} has ${table.columns.length} columns: consider moving rarely used columns to a separate table`)
  }
  return issues
}

// ---------------------------------------------------------------------------
// Common queries
// ---------------------------------------------------------------------------

/**
 * A query template for a table.
 *
 * @since 0.1.0
 * @category Models
 */
export interface CommonQuery {
  readonly name: string
  readonly query: string
  readonly description: string
}

const firstRows = (table: string, n: number, dialect: Dialect): string => {
  switch (dialect) {
    case "mssql":
      return `SELECT TOP ${n} * FROM ${table};`
    case "oracle":
      return `SELECT * FROM ${table} FETCH FIRST ${n} ROWS ONLY;`
    default:
      return `SELECT * FROM ${table} LIMIT ${n};`
  }
}

const sevenDaysAgo = (dialect: Dialect): string => {
  switch (dialect) {
    case "postgresql":
      return "NOW() - INTERVAL '7 days'"
    case "mysql":
    case "mariadb":
      return "NOW() - INTERVAL 7 DAY"
    case "sqlite":
      return "datetime('now', '-7 days')"
    case "mssql":
      return "DATEADD(day, -7, GETDATE())"
    case "oracle":
      return "SYSDATE - 7"
    case "generic":
      return "CURRENT_TIMESTAMP - INTERVAL '7' DAY"
  }
}

/**
 * DB Toolkit's query templates for a table: the first 10 rows, a count, the last 7 days by each
 * date column, a lookup by each e-mail column. All of them; the legacy channel shows the first 5.
 *
 * @since 0.1.0
 * @category Common queries
 */
export const commonQueries = (table: Table, dialect: Dialect): ReadonlyArray<CommonQuery> => {
  const t = quoteIdentifier(table.name, dialect)
  const out: Array<CommonQuery> = [
    { name: "Select All Records", query: firstRows(t, 10, dialect), description: "Retrieve first 10 records from the table" },
    { name: "Count Records", query: `SELECT COUNT(*) FROM ${t};`, description: "Count total number of records" }
  ]
  for (const c of table.columns) {
    const col = quoteIdentifier(c.name, dialect)
    if (isTemporal(c)) {
      out.push({
        name: `Recent Records by ${c.name}`,
        query: `SELECT * FROM ${t} WHERE ${col} >= ${sevenDaysAgo(dialect)} ORDER BY ${col} DESC;`,
        description: `Find records from the last 7 days based on ${c.name}`
      })
    } else if (c.name.toLowerCase().includes("email")) {
      out.push({
        name: `Find by ${c.name}`,
        query: `SELECT * FROM ${t} WHERE ${col} = 'example@email.com';`,
        description: `Find records by ${c.name}`
      })
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// Rules for legacy fields DB Toolkit hard-coded
// ---------------------------------------------------------------------------

/**
 * A table as a `CREATE TABLE` statement in the dialect (types as given, `PRIMARY KEY` and
 * `NOT NULL` where known, foreign keys as `REFERENCES`). `ai:analyze-table` has a model explain
 * this statement: explaining a table's DDL is describing the table. At most `maxColumns`
 * columns are written (default 200), the rest counted in a comment.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const createTableDdl = (table: Table, dialect: Dialect, maxColumns = 200): string => {
  const q = (n: string) => quoteIdentifier(n, dialect)
  const single = new Map((table.foreignKeys ?? []).filter((fk) => fk.columns.length === 1).map((fk) => [fk.columns[0]!, fk]))
  const lines = table.columns.slice(0, maxColumns).map((c) => {
    let line = `  ${q(c.name)}`
    if (c.type !== undefined && c.type !== "") line += ` ${c.type}`
    if (c.primaryKey === true) line += " PRIMARY KEY"
    else if (c.nullable === false) line += " NOT NULL"
    const fk = single.get(c.name)
    if (fk) line += ` REFERENCES ${q(fk.referencedTable)}${fk.referencedColumns[0] ? ` (${q(fk.referencedColumns[0])})` : ""}`
    return line
  })
  const more = table.columns.length > maxColumns ? `\n  -- ... and ${table.columns.length - maxColumns} more columns` : ""
  const name = table.schema !== undefined && table.schema !== "" ? `${q(table.schema)}.${q(table.name)}` : q(table.name)
  return `CREATE TABLE ${name} (\n${lines.join(",\n")}${more}\n);`
}

// `low` up to 1, `medium` up to 4, `high` beyond.
const complexityOf = (score: number): "low" | "medium" | "high" => (score <= 1 ? "low" : score <= 4 ? "medium" : "high")

/**
 * How complex a statement is, for `ai:explain-query`'s `complexity` (DB Toolkit always said
 * `medium`), by the lexical rule: joins, extra SELECTs (subqueries, the branches of a set
 * operation, CTE bodies: 2 each), set operations, a leading WITH, GROUP BY and window functions
 * each add to a score, counted outside string literals and comments; `low` up to 1, `medium` up to
 * 4, `high` beyond. {@link complexity} reads the syntax tree instead where the statement parses.
 *
 * @since 0.1.0
 * @category Rules
 */
export const sqlComplexity = (sql: string): "low" | "medium" | "high" => {
  const code = SqlText.code(sql).toUpperCase()
  const count = (re: RegExp) => code.match(re)?.length ?? 0
  return complexityOf(
    count(/\bJOIN\b/g) +
      2 * Math.max(0, count(/\bSELECT\b/g) - 1) +
      count(/\b(?:UNION|INTERSECT|EXCEPT)\b/g) +
      count(/\bGROUP\s+BY\b/g) +
      count(/\bOVER\s*\(/g) +
      (/^\s*WITH\b/.test(code) ? 1 : 0)
  )
}

/**
 * The complexity of a statement the parser read, on {@link sqlComplexity}'s scale and with its
 * weights: a join, a GROUP BY, a window function 1 each; a subquery 2; a set operation and a CTE 3
 * (another query, and the operator or the WITH that joins it).
 *
 * @since 0.1.0
 * @category Rules
 */
export const shapeComplexity = (shape: SqlCheck.Shape): "low" | "medium" | "high" =>
  complexityOf(shape.joins + 2 * shape.subqueries + 3 * shape.setOperations + 3 * shape.ctes + shape.groupings + shape.windows)

/**
 * How complex a statement is, read by the parser in the target's dialect ({@link shapeComplexity}):
 * keywords in quoted names, strings and comments count for nothing, whatever the dialect's quoting.
 * By the lexical rule ({@link sqlComplexity}) when the statement does not parse, or for MongoDB.
 *
 * @since 0.1.0
 * @category Rules
 */
export const complexity = (sql: string, target: SqlCheck.Target): Effect.Effect<"low" | "medium" | "high"> =>
  Effect.map(SqlCheck.shape(sql, target), Option.match({ onNone: () => sqlComplexity(sql), onSome: shapeComplexity }))

/**
 * The kind of a database error, for `ai:fix-query`'s `error_type` (DB Toolkit always said
 * `syntax`), read from the messages PostgreSQL, MySQL/MariaDB, SQLite and SQL Server write.
 * Unrecognized messages stay `syntax`.
 *
 * @since 0.1.0
 * @category Rules
 */
export const errorType = (
  message: string
): "syntax" | "missing_column" | "missing_table" | "ambiguous_column" | "type_mismatch" | "constraint" | "permission" => {
  const m = message.toLowerCase()
  if (/column .*does not exist|no such column|unknown column|invalid column name/.test(m)) return "missing_column"
  if (/(?:relation|table|view) .*(?:does not exist|doesn't exist)|no such table|unknown table|invalid object name/.test(m)) {
    return "missing_table"
  }
  if (/ambiguous/.test(m)) return "ambiguous_column"
  if (/permission denied|access denied|not authorized|insufficient privilege/.test(m)) return "permission"
  if (/violates .*constraint|duplicate (?:key|entry)|unique constraint|constraint failed|foreign key constraint|cannot be null|not-null/.test(m)) {
    return "constraint"
  }
  if (/invalid input syntax for (?:type|integer)|operator does not exist|cannot be cast|datatype mismatch|type mismatch|conversion failed|incorrect \w+ value/.test(m)) {
    return "type_mismatch"
  }
  return "syntax"
}

/**
 * The first sentence of a text (for `ai:analyze-table`'s `purpose`), or `undefined` when empty.
 *
 * @since 0.1.0
 * @category Rules
 */
export const firstSentence = (text: string): string | undefined => {
  const t = text.replace(/\s+/g, " ").trim()
  if (t === "") return undefined
  const m = /^(.+?[.!?])(?:\s|$)/.exec(t)
  return m ? m[1]! : t
}
