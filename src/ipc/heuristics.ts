/**
 * The rule-based answers behind DB Toolkit's `ai:*` channels that never needed a model: schema
 * analysis, index suggestions, relationship detection, common queries and the completion list,
 * reimplemented from DB Toolkit's `schema-analyzer.js` and `query-assistant.js` with the same
 * output shapes. Plus the small rules the IPC handlers use to fill legacy fields DB Toolkit had
 * hard-coded (a statement's complexity, the kind of a database error, a table's DDL).
 *
 * Pure functions over `SchemaContext` tables: no I/O, no provider.
 *
 * Where DB Toolkit's rule was plainly wrong it is corrected, and each correction says so:
 * a foreign-key column is one named `..._id` (not any name containing "id", such as `paid`), a
 * junction table is one that references two tables (not any name with an underscore), plurals
 * ending in `-ies`/`-es` are recognized, and the date arithmetic of the common queries is written
 * in the connection's dialect (it was PostgreSQL's everywhere).
 *
 * @since 0.1.0
 */
import type { Dialect } from "../domain/Dialect.js"
import type { Column, Table } from "../domain/SchemaContext.js"

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

// The statements' text outside string literals and comments, where a column used as a filter,
// join key or sort key shows up after WHERE, ON, ORDER BY or GROUP BY.
const clauseColumns = (patterns: ReadonlyArray<string>, columns: ReadonlyArray<string>): ReadonlySet<string> => {
  const used = new Set<string>()
  for (const raw of patterns) {
    const code = raw.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, " ").replace(/\/\*[\s\S]*?\*\//g, " ")
    for (const clause of code.split(/\b(?=WHERE|ON|ORDER\s+BY|GROUP\s+BY|HAVING|FROM|SELECT|LIMIT)\b/i)) {
      if (!/^(?:WHERE|ON|ORDER\s+BY|GROUP\s+BY)\b/i.test(clause)) continue
      for (const c of columns) {
        const escaped = c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        if (new RegExp(`(?:^|[^\\w$])["\`[]?${escaped}["\`\\]]?(?![\\w$])`, "i").test(clause)) used.add(c)
      }
    }
  }
  return used
}

const patternTexts = (queryPatterns: unknown): ReadonlyArray<string> => {
  if (typeof queryPatterns === "string") return [queryPatterns]
  if (!Array.isArray(queryPatterns)) return []
  return queryPatterns.flatMap((p): Array<string> => {
    if (typeof p === "string") return [p]
    if (typeof p === "object" && p !== null) {
      const q = (p as Record<string, unknown>)["query"] ?? (p as Record<string, unknown>)["sql"]
      return typeof q === "string" ? [q] : []
    }
    return []
  })
}

/**
 * Index suggestions for one table, as DB Toolkit's `suggestIndexes` made them: foreign-key
 * columns (`..._id`), date and time columns, e-mail columns; plus, when query patterns (SQL
 * texts) are given, the other columns they filter, join or sort on. Primary keys are left out
 * (they are indexed already).
 *
 * @since 0.1.0
 * @category Indexes
 */
export const suggestIndexes = (table: Table, queryPatterns?: unknown): ReadonlyArray<IndexSuggestion> => {
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
  const used = clauseColumns(patternTexts(queryPatterns), rest)
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

/**
 * How complex a statement is, for `ai:explain-query`'s `complexity` (DB Toolkit always said
 * `medium`): joins, subqueries, set operations, common table expressions, grouping and window
 * functions each add to a score; `low` up to 1, `medium` up to 4, `high` beyond.
 *
 * @since 0.1.0
 * @category Rules
 */
export const sqlComplexity = (sql: string): "low" | "medium" | "high" => {
  const code = sql
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .toUpperCase()
  const count = (re: RegExp) => code.match(re)?.length ?? 0
  const score = count(/\bJOIN\b/g) +
    2 * Math.max(0, count(/\bSELECT\b/g) - 1) +
    count(/\b(?:UNION|INTERSECT|EXCEPT)\b/g) +
    count(/\bGROUP\s+BY\b/g) +
    count(/\bOVER\s*\(/g) +
    (/^\s*WITH\b/.test(code) ? 1 : 0)
  return score <= 1 ? "low" : score <= 4 ? "medium" : "high"
}

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
