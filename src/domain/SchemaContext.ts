/**
 * The database schema a prompt is written against, and the normalizer that turns every
 * shape DB Toolkit sends into it.
 *
 * @since 0.1.0
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import * as Ddl from "../internal/Ddl.js"
import * as Limits from "./Limits.js"

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

// The walk counts what it reads against the request limits and stops as soon as one is passed, so
// an oversized schema costs no more than the part read up to the limit (arrays are counted by
// their length before they are read; an object's keys must be listed to be counted). It pauses
// after every table and every COLUMNS_PER_STEP columns, so `fromInput` can let the event loop in.
//
// What counts: every table entry read (`schemaTables`), every column entry read
// (`schemaColumns`), and every string read, at least one character each (`schemaChars`): names,
// types, keys, free text, foreign-key entries. A schema given as DDL text is counted by its length
// (`schemaChars`, before it is read), its statements (`schemaStatements`), tables and columns.

type Obj = Record<string, unknown>
const isObj = (u: unknown): u is Obj => typeof u === "object" && u !== null && !Array.isArray(u)

const COLUMNS_PER_STEP = 256
const STEP_MASK = COLUMNS_PER_STEP - 1

class Meter {
  tables = 0
  columns = 0
  statements = 0
  chars = 0
  constructor(readonly limits: Limits.InputLimits, readonly field: string) {}
  addTables(n: number): void {
    this.tables += n
    if (this.tables > this.limits.schemaTables) this.refuse(this.tables, "tables", "schemaTables")
  }
  addColumns(n: number): void {
    this.columns += n
    if (this.columns > this.limits.schemaColumns) this.refuse(this.columns, "columns", "schemaColumns")
  }
  addStatements(n: number): void {
    this.statements += n
    if (this.statements > this.limits.schemaStatements) this.refuse(this.statements, "statements", "schemaStatements")
  }
  addChars(n: number): void {
    this.chars += Math.max(1, n)
    if (this.chars > this.limits.schemaChars) this.refuse(this.chars, "characters of text", "schemaChars")
  }
  /** A string read from the input: counted, and refused if it is not well-formed. */
  text(s: string): string {
    this.addChars(s.length)
    if (!Limits.isWellFormed(s)) throw new Limits.Refused(Limits.malformed(this.field))
    return s
  }
  private refuse(count: number, what: string, key: keyof Limits.InputLimits): never {
    throw new Limits.Refused(Limits.tooMany(this.field, count, what, key, this.limits))
  }
}

const firstString = (m: Meter, o: Obj, keys: ReadonlyArray<string>): string | undefined => {
  for (const k of keys) {
    const v = o[k]
    if (typeof v !== "string") continue
    const t = m.text(v).trim()
    if (t !== "") return t
  }
  return undefined
}

const firstDefined = (o: Obj, keys: ReadonlyArray<string>): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k]
  return undefined
}

const BOOL_WORDS: ReadonlyMap<string, boolean> = new Map([
  ["yes", true], ["y", true], ["true", true], ["1", true], ["t", true],
  ["no", false], ["n", false], ["false", false], ["0", false], ["f", false]
])

const toBool = (m: Meter, u: unknown): boolean | undefined => {
  if (typeof u === "boolean") return u
  if (typeof u === "number") return u !== 0
  if (typeof u === "string") return BOOL_WORDS.get(m.text(u).trim().toLowerCase())
  return undefined
}

// A type may arrive as a string or as something odd (an object from a driver); never "[object Object]".
const typeText = (m: Meter, u: unknown): string | undefined => {
  if (typeof u === "string") {
    const t = m.text(u).trim()
    return t === "" ? undefined : t
  }
  if (typeof u === "number" || typeof u === "boolean") return String(u)
  if (isObj(u)) return firstString(m, u, ["name", "type", "data_type", "dataType"])
  return undefined
}

const NAME_KEYS = ["name", "column_name", "columnName", "column", "field", "Field", "COLUMN_NAME"]
const TYPE_KEYS = ["type", "data_type", "dataType", "column_type", "columnType", "udt_name", "Type", "DATA_TYPE"]
const NULLABLE_KEYS = ["nullable", "is_nullable", "isNullable", "Null", "IS_NULLABLE"]
const NOT_NULL_KEYS = ["not_null", "notNull", "notnull", "required"]
const PRIMARY_KEYS = ["primaryKey", "primary_key", "is_primary_key", "isPrimaryKey", "pk"]
const REFERENCE_KEYS = ["references", "foreign_key", "foreignKey", "fk", "reference"]

interface ColumnParse {
  readonly column: Column
  readonly references?: ForeignKey
}

// "table(column)", anchored at both ends and with no nested quantifiers: linear on any input.
const PAREN_REFERENCE = /^\s*([\w$."]+)\s*\(\s*([\w$"]+)\s*\)\s*$/

const parseReference = (m: Meter, column: string, u: unknown): ForeignKey | undefined => {
  if (typeof u === "string") {
    // "table.column", "schema.table.column" or "table(column)"
    const paren = PAREN_REFERENCE.exec(m.text(u))
    const parts = paren ? [...paren[1]!.split("."), paren[2]!] : u.trim().split(".")
    if (parts.length < 2 || parts.some((p) => p === "")) return undefined
    const col = parts[parts.length - 1]!
    const table = parts[parts.length - 2]!
    const schema = parts.length > 2 ? parts[parts.length - 3] : undefined
    return { columns: [column], referencedTable: table, ...(schema ? { referencedSchema: schema } : {}), referencedColumns: [col] }
  }
  if (isObj(u)) {
    const table = firstString(m, u, ["table", "referencedTable", "referenced_table", "references_table", "foreign_table", "to_table"])
    if (!table) return undefined
    const col = firstString(m, u, ["column", "referencedColumn", "referenced_column", "references_column", "foreign_column", "to_column"])
    const schema = firstString(m, u, ["schema", "referencedSchema", "referenced_schema", "foreign_schema"])
    return { columns: [column], referencedTable: table, ...(schema ? { referencedSchema: schema } : {}), referencedColumns: col ? [col] : [] }
  }
  return undefined
}

// "id integer" or just "id": the first word is the name, the rest (whitespace folded) the type.
// Split by hand: a regex with a lazy group before `\s*$` backtracks quadratically on long blanks.
const parseColumnText = (m: Meter, u: string): ColumnParse | undefined => {
  const t = m.text(u).trim()
  if (t === "") return undefined
  const gap = t.search(/\s/)
  if (gap < 0) return { column: { name: t } }
  const type = t.slice(gap).trim().replace(/\s+/g, " ")
  return { column: { name: t.slice(0, gap), ...(type !== "" ? { type } : {}) } }
}

const keyText = (m: Meter, u: Obj): string => {
  const v = typeof u["key"] === "string" ? u["key"] : u["Key"]
  return typeof v === "string" ? m.text(v).toUpperCase() : ""
}

const parseColumn = (m: Meter, u: unknown, fallbackName?: string): ColumnParse | undefined => {
  if (typeof u === "string") return parseColumnText(m, u)
  if (!isObj(u)) return fallbackName ? { column: { name: fallbackName } } : undefined
  const name = firstString(m, u, NAME_KEYS) ?? fallbackName
  if (!name) return undefined
  const type = typeText(m, firstDefined(u, TYPE_KEYS))
  const notNull = toBool(m, firstDefined(u, NOT_NULL_KEYS))
  const nullable = toBool(m, firstDefined(u, NULLABLE_KEYS)) ?? (notNull === undefined ? undefined : !notNull)
  const key = keyText(m, u)
  const primaryKey = toBool(m, firstDefined(u, PRIMARY_KEYS)) ?? (key === "PRI" || key === "PRIMARY" ? true : undefined)
  const refRaw = firstDefined(u, REFERENCE_KEYS)
  const references = refRaw === undefined ? undefined : parseReference(m, name, refRaw)
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

interface Columns {
  readonly columns: Array<Column>
  readonly fks: Array<ForeignKey>
}

function* parseColumns(m: Meter, u: unknown): Limits.Work<Columns> {
  const out: Columns = { columns: [], fks: [] }
  const push = (p: ColumnParse | undefined) => {
    if (!p) return
    out.columns.push(p.column)
    if (p.references) out.fks.push(p.references)
  }
  if (Array.isArray(u)) {
    m.addColumns(u.length)
    for (let i = 0; i < u.length; i++) {
      push(parseColumn(m, u[i]))
      if ((i & STEP_MASK) === STEP_MASK) yield
    }
  } else if (isObj(u)) {
    // a column map: { id: "integer" } or { id: { type: "integer" } }
    const keys = Object.keys(u)
    m.addColumns(keys.length)
    for (let i = 0; i < keys.length; i++) {
      const name = m.text(keys[i]!)
      const v = u[name]
      push(typeof v === "string" ? { column: { name, type: m.text(v) } } : parseColumn(m, v, name))
      if ((i & STEP_MASK) === STEP_MASK) yield
    }
  }
  return out
}

const FK_TABLE_KEYS = ["referencedTable", "referenced_table", "references_table", "foreign_table", "to_table", "table"]
const FK_COLUMN_KEYS = ["columns", "column", "from_column", "column_name", "from"]
const FK_REFERENCED_KEYS = ["referencedColumns", "referenced_columns", "references_column", "referenced_column", "foreign_column", "to_column", "to"]

// A list of names (or one name); each entry read counts as text, so a long list is bounded too.
function* names(m: Meter, v: unknown): Limits.Work<Array<string>> {
  if (typeof v === "string") return [m.text(v)]
  if (!Array.isArray(v)) return []
  const out: Array<string> = []
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i]
    if (typeof x === "string") out.push(m.text(x))
    else m.addChars(1)
    if ((i & STEP_MASK) === STEP_MASK) yield
  }
  return out
}

function* parseForeignKeys(m: Meter, u: unknown): Limits.Work<Array<ForeignKey>> {
  const out: Array<ForeignKey> = []
  if (!Array.isArray(u)) return out
  for (let i = 0; i < u.length; i++) {
    const fk: unknown = u[i]
    m.addChars(1)
    if ((i & STEP_MASK) === STEP_MASK) yield
    if (!isObj(fk)) continue
    const table = firstString(m, fk, FK_TABLE_KEYS)
    if (!table) continue
    const columns = yield* names(m, firstDefined(fk, FK_COLUMN_KEYS))
    const referencedColumns = yield* names(m, firstDefined(fk, FK_REFERENCED_KEYS))
    const schema = firstString(m, fk, ["referencedSchema", "referenced_schema", "foreign_schema"])
    out.push({ columns, referencedTable: table, ...(schema ? { referencedSchema: schema } : {}), referencedColumns })
  }
  return out
}

function* parseTable(m: Meter, name: string, u: unknown, schema?: string): Limits.Work<Table | undefined> {
  let columnsRaw: unknown
  let fkRaw: unknown
  if (Array.isArray(u)) columnsRaw = u
  else if (isObj(u)) {
    columnsRaw = firstDefined(u, ["columns", "fields", "Columns"])
    fkRaw = firstDefined(u, ["foreignKeys", "foreign_keys", "fks", "relationships"])
    schema = firstString(m, u, ["schema", "schema_name", "table_schema"]) ?? schema
    name = firstString(m, u, ["name", "table_name", "tableName"]) ?? name
  } else return undefined
  if (name.trim() === "") return undefined
  const { columns, fks } = yield* parseColumns(m, columnsRaw)
  const foreignKeys = yield* parseForeignKeys(m, fkRaw)
  for (const fk of fks) foreignKeys.push(fk)
  return {
    name,
    ...(schema !== undefined ? { schema } : {}),
    columns,
    ...(foreignKeys.length > 0 ? { foreignKeys } : {})
  }
}

const looksLikeTable = (u: unknown): boolean =>
  Array.isArray(u) || (isObj(u) && ("columns" in u || "fields" in u || "column_count" in u))

function* parseTableMap(m: Meter, u: Obj, tables: Array<Table>, schema?: string): Limits.Work<void> {
  const keys = Object.keys(u)
  m.addTables(keys.length)
  for (const key of keys) {
    const t = yield* parseTable(m, m.text(key), u[key], schema)
    if (t) tables.push(t)
    yield
  }
}

function* parseTableList(m: Meter, u: ReadonlyArray<unknown>, tables: Array<Table>, schema?: string): Limits.Work<void> {
  m.addTables(u.length)
  for (let i = 0; i < u.length; i++) {
    const v = u[i]
    if (!isObj(v)) continue
    const name = firstString(m, v, ["name", "table_name", "tableName", "table"])
    const t = name ? yield* parseTable(m, name, v, schema) : undefined
    if (t) tables.push(t)
    yield
  }
}

// The schema:getTree tree: { schemas: { public: { tables } } }, each namespace's name counted as text.
function* parseTree(m: Meter, schemas: Obj, tables: Array<Table>): Limits.Work<void> {
  for (const schemaName of Object.keys(schemas)) {
    m.text(schemaName)
    const s = schemas[schemaName]
    const ts = isObj(s) ? s["tables"] : undefined
    if (isObj(ts)) yield* parseTableMap(m, ts, tables, schemaName)
    else if (Array.isArray(ts)) yield* parseTableList(m, ts, tables, schemaName)
    yield
  }
}

const SKIPPED_KEYS: ReadonlySet<string> = new Set(["text", "connection_id", "db_type"])

// A bare table map: every value that looks like a table. Fails when no entry does.
function* parseBareMap(m: Meter, input: Obj, tables: Array<Table>): Limits.Work<string | undefined> {
  const keys = Object.keys(input)
  m.addTables(keys.length)
  let entries = 0
  let tableLike = 0
  for (const key of keys) {
    if (SKIPPED_KEYS.has(key)) continue
    entries++
    const v = input[key]
    if (!looksLikeTable(v)) continue
    tableLike++
    const t = yield* parseTable(m, m.text(key), v)
    if (t) tables.push(t)
    yield
  }
  return entries > 0 && tableLike === 0
    ? "expected a table map ({ table: { columns } }), a schema tree or { tables }, but no entry has columns"
    : undefined
}

// Either a context or why the input is not a schema; limits stop it with `Limits.Refused`.
function* walk(m: Meter, input: unknown): Limits.Work<Either.Either<SchemaContext, string>> {
  if (input === null || input === undefined) return Either.right(empty)
  if (typeof input === "string") {
    // Its length is checked before this (see `fromInput`); a JSON text is parsed in slices and
    // its strings counted as they are read; DDL is read in slices into tables (so they get the
    // same checks and fitting as any other), counted as it is read; text with no table in it is
    // kept as it is.
    const text = input.trim()
    if (text === "") return Either.right(empty)
    if (text.startsWith("{") || text.startsWith("[")) {
      const parsed = yield* Limits.parseJson(text)
      if (parsed !== undefined) return yield* walk(m, parsed.value)
    }
    const ddl = yield* Ddl.read(text, {
      statement: () => m.addStatements(1),
      table: () => m.addTables(1),
      column: () => m.addColumns(1)
    })
    return Either.right(ddl.tables.length > 0 ? ddl : { tables: [], text: m.text(text) })
  }
  const tables: Array<Table> = []
  if (Array.isArray(input)) {
    yield* parseTableList(m, input, tables)
    return Either.right({ tables })
  }
  if (!isObj(input)) return Either.left(`expected a table map, a schema tree or { tables }, got ${typeof input}`)
  const rawText = input["text"]
  const trimmed = typeof rawText === "string" ? m.text(rawText).trim() : ""
  const text = trimmed !== "" ? { text: trimmed } : {}
  const schemas = input["schemas"]
  const list = input["tables"]
  if (isObj(schemas)) yield* parseTree(m, schemas, tables)
  else if (Array.isArray(list)) yield* parseTableList(m, list, tables)
  else if (isObj(list)) yield* parseTableMap(m, list, tables)
  else {
    const problem = yield* parseBareMap(m, input, tables)
    if (problem !== undefined) return Either.left(problem)
  }
  return Either.right({ tables, ...text })
}

// A schema given as text is refused by its length before anything reads it.
const precheck = (input: unknown, limits: Limits.InputLimits, field: string): Limits.Refusal | undefined =>
  typeof input === "string" ? Limits.checkText(field, input, "schemaChars", limits) : undefined

/**
 * Turns any schema shape DB Toolkit sends into a {@link SchemaContext}:
 *
 * - the canonical `{ tables: [...] }` (and `{ tables: {...} }`, the chat panel's shape);
 * - a bare table map `{ users: { columns } }` or `{ users: [columns] }`;
 * - the `schema:getTree` tree `{ schemas: { public: { tables: {...} } } }`;
 * - columns as objects (`name`/`column_name`, `type`/`data_type`, `is_nullable`, `primary_key` ...),
 *   as strings (`"id integer"`) or as a `{ column: type }` map;
 * - a string: JSON is parsed; DDL (`CREATE TABLE`, `ALTER TABLE ... ADD CONSTRAINT`) is read into
 *   tables, with the statements it does not model (indexes, views) kept as free text; text with no
 *   table definition is kept as free text.
 *
 * `null` and `undefined` give an empty context. Anything else fails with a message saying what
 * was expected, and so does a schema past the `limits` (tables, columns, characters of text; see
 * {@link fromInput}), counted as it is read. This runs at once: for requests on the main
 * process use {@link fromInput}, which pauses for the event loop.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const normalize = (
  input: unknown,
  limits: Limits.InputLimits = Limits.defaultInputLimits
): Either.Either<SchemaContext, string> => {
  const refused = precheck(input, limits, "schema")
  if (refused !== undefined) return Either.left(refused.message)
  return Either.flatMap(Either.mapLeft(Limits.runSync(walk(new Meter(limits, "schema"), input)), (r) => r.message), (r) => r)
}

/**
 * {@link normalize} for the request path: the schema is read in slices of a few milliseconds with
 * the event loop let in between, and counted as it is read, stopping at the first limit passed:
 * tables (`schemaTables`), columns of all tables together (`schemaColumns`), characters of text
 * (`schemaChars`: a schema given as text by its length; otherwise every string read, names and
 * types included, at least one character each), and the statements of a DDL text
 * (`schemaStatements`). Fails with a refusal naming `field`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromInput = (
  input: unknown,
  limits: Limits.InputLimits,
  field = "schema"
): Effect.Effect<SchemaContext, Limits.Refusal> => {
  const refused = precheck(input, limits, field)
  if (refused !== undefined) return Effect.fail(refused)
  return Effect.flatMap(Limits.sliced(walk(new Meter(limits, field), input)), (result) =>
    Either.match(result, {
      onLeft: (why) => Effect.fail({ field, message: `${field} ${why}` }),
      onRight: Effect.succeed
    }))
}

/**
 * A schema that decodes any shape {@link normalize} accepts into a {@link SchemaContext} (within
 * the default limits), and encodes to the canonical shape. Use it for requests that arrive as JSON.
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
const defaultFormatOptions: Required<FormatOptions> = { maxTables: 20, maxColumns: 10 }

/**
 * The most a prompt's schema ever holds, whatever the options say: formatting is synchronous, and
 * these keep it to a few milliseconds on the largest schema the limits accept.
 *
 * @since 0.1.0
 * @category Constants
 */
export const formatCeiling: Required<FormatOptions> = { maxTables: 500, maxColumns: 100 }

const clamp = (value: number | undefined, fallback: number, ceiling: number): number =>
  Math.min(ceiling, Math.max(1, Math.floor(value !== undefined && Number.isFinite(value) ? value : fallback)))

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
const isEmpty = (ctx: SchemaContext | undefined): boolean =>
  ctx === undefined || (ctx.tables.length === 0 && (ctx.text === undefined || ctx.text === ""))

/**
 * Formats a context as compact prompt text, one line per table:
 * `public.orders(id integer PK, user_id integer NOT NULL -> users.id, ...)`.
 * Multi-column foreign keys get their own `FK` line. Returns `"No schema available"` when empty.
 * At most {@link formatCeiling} tables and columns per table, so the work is bounded whatever the
 * context holds; the free text is appended as it is (its size is bounded by the request limits).
 *
 * @since 0.1.0
 * @category Formatting
 */
export const format = (ctx: SchemaContext | undefined, options: FormatOptions = {}): string => {
  if (ctx === undefined || isEmpty(ctx)) return "No schema available"
  const maxTables = clamp(options.maxTables, defaultFormatOptions.maxTables, formatCeiling.maxTables)
  const maxColumns = clamp(options.maxColumns, defaultFormatOptions.maxColumns, formatCeiling.maxColumns)
  const lines: Array<string> = []
  for (const table of ctx.tables.slice(0, maxTables)) {
    // One map per table, so each column finds its foreign key in constant time.
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
