/**
 * The database schema a prompt is written against, and the normalizer that turns every
 * shape DB Toolkit sends into it.
 *
 * @since 0.1.0
 */
import { Either, ParseResult, Schema } from "effect"

/**
 * A column of a table.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Column = Schema.Struct({
  name: Schema.NonEmptyString,
  type: Schema.optional(Schema.String),
  nullable: Schema.optional(Schema.Boolean),
  primaryKey: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Column = typeof Column.Type

/**
 * A foreign key from some columns of a table to columns of another.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ForeignKey = Schema.Struct({
  columns: Schema.Array(Schema.String),
  referencedTable: Schema.NonEmptyString,
  referencedSchema: Schema.optional(Schema.String),
  referencedColumns: Schema.Array(Schema.String)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type ForeignKey = typeof ForeignKey.Type

/**
 * A table, optionally qualified by the schema (namespace) it lives in.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Table = Schema.Struct({
  name: Schema.NonEmptyString,
  schema: Schema.optional(Schema.String),
  columns: Schema.Array(Column),
  foreignKeys: Schema.optional(Schema.Array(ForeignKey))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Table = typeof Table.Type

/**
 * The canonical schema context: tables with their columns, plus optional free text (for
 * example DDL) passed to the model verbatim.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const SchemaContext = Schema.Struct({
  tables: Schema.Array(Table),
  text: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type SchemaContext = typeof SchemaContext.Type

/**
 * An empty context.
 *
 * @since 0.1.0
 * @category Constants
 */
export const empty: SchemaContext = { tables: [] }

// ---------------------------------------------------------------------------
// Normalizer
// ---------------------------------------------------------------------------

type Obj = Record<string, unknown>
const isObj = (u: unknown): u is Obj => typeof u === "object" && u !== null && !Array.isArray(u)

const firstString = (o: Obj, keys: ReadonlyArray<string>): string | undefined => {
  for (const k of keys) {
    const v = o[k]
    if (typeof v === "string" && v.trim() !== "") return v.trim()
  }
  return undefined
}

const firstDefined = (o: Obj, keys: ReadonlyArray<string>): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k]
  return undefined
}

const toBool = (u: unknown): boolean | undefined => {
  if (typeof u === "boolean") return u
  if (typeof u === "number") return u !== 0
  if (typeof u === "string") {
    const s = u.trim().toLowerCase()
    if (["yes", "y", "true", "1", "t"].includes(s)) return true
    if (["no", "n", "false", "0", "f"].includes(s)) return false
  }
  return undefined
}

// A type may arrive as a string or as something odd (an object from a driver); never "[object Object]".
const typeText = (u: unknown): string | undefined => {
  if (typeof u === "string") return u.trim() === "" ? undefined : u.trim()
  if (typeof u === "number" || typeof u === "boolean") return String(u)
  if (isObj(u)) return firstString(u, ["name", "type", "data_type", "dataType"])
  return undefined
}

const NAME_KEYS = ["name", "column_name", "columnName", "column", "field", "Field", "COLUMN_NAME"]
const TYPE_KEYS = ["type", "data_type", "dataType", "column_type", "columnType", "udt_name", "Type", "DATA_TYPE"]

interface ColumnParse {
  readonly column: Column
  readonly references?: ForeignKey
}

const parseReference = (column: string, u: unknown): ForeignKey | undefined => {
  if (typeof u === "string") {
    // "table.column", "schema.table.column" or "table(column)"
    const paren = /^\s*([\w$."]+)\s*\(\s*([\w$"]+)\s*\)\s*$/.exec(u)
    const parts = paren ? [...paren[1]!.split("."), paren[2]!] : u.trim().split(".")
    if (parts.length < 2 || parts.some((p) => p === "")) return undefined
    const col = parts[parts.length - 1]!
    const table = parts[parts.length - 2]!
    const schema = parts.length > 2 ? parts[parts.length - 3] : undefined
    return { columns: [column], referencedTable: table, ...(schema ? { referencedSchema: schema } : {}), referencedColumns: [col] }
  }
  if (isObj(u)) {
    const table = firstString(u, ["table", "referencedTable", "referenced_table", "references_table", "foreign_table", "to_table"])
    if (!table) return undefined
    const col = firstString(u, ["column", "referencedColumn", "referenced_column", "references_column", "foreign_column", "to_column"])
    const schema = firstString(u, ["schema", "referencedSchema", "referenced_schema", "foreign_schema"])
    return { columns: [column], referencedTable: table, ...(schema ? { referencedSchema: schema } : {}), referencedColumns: col ? [col] : [] }
  }
  return undefined
}

const parseColumn = (u: unknown, fallbackName?: string): ColumnParse | undefined => {
  if (typeof u === "string") {
    // "id integer" or just "id"
    const m = /^\s*([^\s]+)(?:\s+(.+?))?\s*$/.exec(u)
    if (!m) return undefined
    const name = fallbackName ?? m[1]!
    const type = fallbackName ? u.trim() : m[2]
    return { column: { name, ...(type ? { type } : {}) } }
  }
  if (!isObj(u)) return fallbackName ? { column: { name: fallbackName } } : undefined
  const name = firstString(u, NAME_KEYS) ?? fallbackName
  if (!name) return undefined
  const type = typeText(firstDefined(u, TYPE_KEYS))
  const nullableRaw = firstDefined(u, ["nullable", "is_nullable", "isNullable", "Null", "IS_NULLABLE"])
  const notNull = toBool(firstDefined(u, ["not_null", "notNull", "notnull", "required"]))
  const nullable = toBool(nullableRaw) ?? (notNull === undefined ? undefined : !notNull)
  const keyText = typeof u["key"] === "string" ? u["key"].toUpperCase() : typeof u["Key"] === "string" ? u["Key"].toUpperCase() : ""
  const primaryKey = toBool(firstDefined(u, ["primaryKey", "primary_key", "is_primary_key", "isPrimaryKey", "pk"])) ??
    (keyText === "PRI" || keyText === "PRIMARY" ? true : undefined)
  const refRaw = firstDefined(u, ["references", "foreign_key", "foreignKey", "fk", "reference"])
  const references = refRaw === undefined ? undefined : parseReference(name, refRaw)
  return {
    column: {
      name,
      ...(type !== undefined ? { type } : {}),
      ...(nullable !== undefined ? { nullable } : {}),
      ...(primaryKey !== undefined ? { primaryKey } : {})
    },
    ...(references ? { references } : {})
  }
}

const parseColumns = (u: unknown): { columns: Array<Column>; fks: Array<ForeignKey> } => {
  const columns: Array<Column> = []
  const fks: Array<ForeignKey> = []
  const push = (p: ColumnParse | undefined) => {
    if (!p) return
    columns.push(p.column)
    if (p.references) fks.push(p.references)
  }
  if (Array.isArray(u)) for (const c of u) push(parseColumn(c))
  else if (isObj(u)) {
    // a column map: { id: "integer" } or { id: { type: "integer" } }
    for (const [k, v] of Object.entries(u)) {
      push(typeof v === "string" ? { column: { name: k, type: v } } : parseColumn(v, k))
    }
  }
  return { columns, fks }
}

const parseForeignKeys = (u: unknown): Array<ForeignKey> => {
  if (!Array.isArray(u)) return []
  const out: Array<ForeignKey> = []
  for (const fk of u) {
    if (!isObj(fk)) continue
    const table = firstString(fk, ["referencedTable", "referenced_table", "references_table", "foreign_table", "to_table", "table"])
    if (!table) continue
    const cols = firstDefined(fk, ["columns", "column", "from_column", "column_name", "from"])
    const refCols = firstDefined(fk, ["referencedColumns", "referenced_columns", "references_column", "referenced_column", "foreign_column", "to_column", "to"])
    const schema = firstString(fk, ["referencedSchema", "referenced_schema", "foreign_schema"])
    const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [])
    out.push({ columns: list(cols), referencedTable: table, ...(schema ? { referencedSchema: schema } : {}), referencedColumns: list(refCols) })
  }
  return out
}

const parseTable = (name: string, u: unknown, schema?: string): Table | undefined => {
  let columnsRaw: unknown
  let fkRaw: unknown
  if (Array.isArray(u)) columnsRaw = u
  else if (isObj(u)) {
    columnsRaw = firstDefined(u, ["columns", "fields", "Columns"])
    fkRaw = firstDefined(u, ["foreignKeys", "foreign_keys", "fks", "relationships"])
    schema = firstString(u, ["schema", "schema_name", "table_schema"]) ?? schema
    name = firstString(u, ["name", "table_name", "tableName"]) ?? name
  } else return undefined
  if (name.trim() === "") return undefined
  const { columns, fks } = parseColumns(columnsRaw)
  const foreignKeys = [...parseForeignKeys(fkRaw), ...fks]
  return {
    name,
    ...(schema !== undefined ? { schema } : {}),
    columns,
    ...(foreignKeys.length > 0 ? { foreignKeys } : {})
  }
}

const looksLikeTable = (u: unknown): boolean =>
  Array.isArray(u) || (isObj(u) && ("columns" in u || "fields" in u || "column_count" in u))

const parseTableMap = (u: Obj, schema?: string): Array<Table> => {
  const out: Array<Table> = []
  for (const [k, v] of Object.entries(u)) {
    const t = parseTable(k, v, schema)
    if (t) out.push(t)
  }
  return out
}

const parseTableList = (u: ReadonlyArray<unknown>): Array<Table> => {
  const out: Array<Table> = []
  for (const v of u) {
    if (!isObj(v)) continue
    const name = firstString(v, ["name", "table_name", "tableName", "table"])
    const t = name ? parseTable(name, v) : undefined
    if (t) out.push(t)
  }
  return out
}

/**
 * Turns any schema shape DB Toolkit sends into a {@link SchemaContext}:
 *
 * - the canonical `{ tables: [...] }` (and `{ tables: {...} }`, the chat panel's shape);
 * - a bare table map `{ users: { columns } }` or `{ users: [columns] }`;
 * - the `schema:getTree` tree `{ schemas: { public: { tables: {...} } } }`;
 * - columns as objects (`name`/`column_name`, `type`/`data_type`, `is_nullable`, `primary_key` ...),
 *   as strings (`"id integer"`) or as a `{ column: type }` map;
 * - a string: JSON is parsed, anything else (for example DDL) is kept as free text.
 *
 * `null` and `undefined` give an empty context. Anything else fails with a message saying what
 * was expected.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const normalize = (input: unknown): Either.Either<SchemaContext, string> => {
  if (input === null || input === undefined) return Either.right(empty)
  if (typeof input === "string") {
    const text = input.trim()
    if (text === "") return Either.right(empty)
    if (text.startsWith("{") || text.startsWith("[")) {
      try {
        return normalize(JSON.parse(text))
      } catch {
        // not JSON: keep it as free text below
      }
    }
    return Either.right({ tables: [], text })
  }
  if (Array.isArray(input)) return Either.right({ tables: parseTableList(input) })
  if (!isObj(input)) {
    return Either.left(`expected a table map, a schema tree or { tables }, got ${typeof input}`)
  }
  const text = typeof input["text"] === "string" && input["text"].trim() !== "" ? { text: input["text"].trim() } : {}
  const schemas = input["schemas"]
  if (isObj(schemas)) {
    const tables: Array<Table> = []
    for (const [schemaName, s] of Object.entries(schemas)) {
      const ts = isObj(s) ? s["tables"] : undefined
      if (isObj(ts)) tables.push(...parseTableMap(ts, schemaName))
      else if (Array.isArray(ts)) tables.push(...parseTableList(ts).map((t) => ({ ...t, schema: t.schema ?? schemaName })))
    }
    return Either.right({ tables, ...text })
  }
  const tables = input["tables"]
  if (Array.isArray(tables)) return Either.right({ tables: parseTableList(tables), ...text })
  if (isObj(tables)) return Either.right({ tables: parseTableMap(tables), ...text })
  // a bare table map: every value that looks like a table
  const entries = Object.entries(input).filter(([k]) => k !== "text" && k !== "connection_id" && k !== "db_type")
  if (entries.length > 0 && !entries.some(([, v]) => looksLikeTable(v))) {
    return Either.left("expected a table map ({ table: { columns } }), a schema tree or { tables }, but no entry has columns")
  }
  return Either.right({ tables: parseTableMap(Object.fromEntries(entries.filter(([, v]) => looksLikeTable(v)))), ...text })
}

/**
 * A schema that decodes any shape {@link normalize} accepts into a {@link SchemaContext}, and
 * encodes to the canonical shape. Use it for requests that arrive as JSON.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const SchemaContextFromInput: Schema.Schema<SchemaContext, unknown> = Schema.transformOrFail(
  Schema.Unknown,
  SchemaContext,
  {
    strict: true,
    decode: (input, _, ast) =>
      Either.match(normalize(input), {
        onLeft: (message) => ParseResult.fail(new ParseResult.Type(ast, input, message)),
        onRight: (ctx) => ParseResult.succeed(ctx)
      }),
    encode: (ctx) => ParseResult.succeed(ctx)
  }
)

// ---------------------------------------------------------------------------
// Formatting for prompts
// ---------------------------------------------------------------------------

/**
 * Limits that keep a schema small enough for any model (DB Toolkit hit HTTP 413 without them).
 *
 * @since 0.1.0
 * @category Models
 */
export interface FormatOptions {
  readonly maxTables?: number
  readonly maxColumns?: number
}

/**
 * The default limits: 20 tables, 10 columns per table, as DB Toolkit has today.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultFormatOptions: Required<FormatOptions> = { maxTables: 20, maxColumns: 10 }

const qualified = (schema: string | undefined, name: string) =>
  schema && schema !== "" && schema !== "main" ? `${schema}.${name}` : name

const formatColumn = (c: Column, fk: ForeignKey | undefined): string => {
  let s = c.name
  if (c.type) s += ` ${c.type}`
  if (c.primaryKey) s += " PK"
  if (c.nullable === false && !c.primaryKey) s += " NOT NULL"
  if (fk) s += ` -> ${qualified(fk.referencedSchema, fk.referencedTable)}${fk.referencedColumns[0] ? `.${fk.referencedColumns[0]}` : ""}`
  return s
}

/**
 * Whether the context has nothing for the model to read.
 *
 * @since 0.1.0
 * @category Predicates
 */
export const isEmpty = (ctx: SchemaContext | undefined): boolean =>
  ctx === undefined || (ctx.tables.length === 0 && (ctx.text === undefined || ctx.text === ""))

/**
 * Formats a context as compact prompt text, one line per table:
 * `public.orders(id integer PK, user_id integer NOT NULL -> users.id, ...)`.
 * Multi-column foreign keys get their own `FK` line. Returns `"No schema available"` when empty.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const format = (ctx: SchemaContext | undefined, options: FormatOptions = {}): string => {
  if (ctx === undefined || isEmpty(ctx)) return "No schema available"
  const maxTables = Math.max(1, options.maxTables ?? defaultFormatOptions.maxTables)
  const maxColumns = Math.max(1, options.maxColumns ?? defaultFormatOptions.maxColumns)
  const lines: Array<string> = []
  for (const table of ctx.tables.slice(0, maxTables)) {
    const singleFk = new Map<string, ForeignKey>()
    const multiFk: Array<ForeignKey> = []
    for (const fk of table.foreignKeys ?? []) {
      if (fk.columns.length === 1) singleFk.set(fk.columns[0]!, fk)
      else multiFk.push(fk)
    }
    const cols = table.columns.slice(0, maxColumns).map((c) => formatColumn(c, singleFk.get(c.name)))
    const more = table.columns.length > maxColumns ? `, ... +${table.columns.length - maxColumns} more` : ""
    lines.push(`${qualified(table.schema, table.name)}(${cols.join(", ")}${more})`)
    for (const fk of multiFk) {
      lines.push(
        `  FK (${fk.columns.join(", ")}) -> ${qualified(fk.referencedSchema, fk.referencedTable)}(${fk.referencedColumns.join(", ")})`
      )
    }
  }
  if (ctx.tables.length > maxTables) lines.push(`... and ${ctx.tables.length - maxTables} more tables`)
  if (ctx.text !== undefined && ctx.text !== "") lines.push(ctx.text)
  return lines.join("\n")
}
