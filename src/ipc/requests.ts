/**
 * Reading what DB Toolkit's renderer sends over `ipcRenderer.invoke`. Every channel has been
 * called in more than one way over the app's history (positional arguments, an object with
 * snake_case keys, camelCase keys in `ai:analyze-table`), so each reader accepts all of them and
 * returns one plain shape. Nothing here fails: missing fields are `undefined`, and the handlers
 * decide what a missing field means (with `invalid`, `isBlank` and `namedTable`). `dbTypeOf`
 * and `dialectOf` settle where a request runs.
 *
 * @since 0.1.0
 */
import { Effect, Either, Schema } from "effect"
import * as Dialect from "../domain/Dialect.js"
import * as Limits from "../domain/Limits.js"
import * as ProviderIdModule from "../domain/ProviderId.js"
import type { ProviderId } from "../domain/ProviderId.js"
import * as SchemaContext from "../domain/SchemaContext.js"
import { sectionNameProblem } from "../domain/SqlTask.js"

/**
 * An IPC payload the handlers cannot use; `field` names the argument.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidIpcInput extends Schema.TaggedError<InvalidIpcInput>("@db-toolkit/ai/InvalidIpcInput")("InvalidIpcInput", {
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * The arguments of one `invoke`, after the event.
 *
 * @since 0.1.0
 * @category Models
 */
export type Args = ReadonlyArray<unknown>

type Obj = Readonly<Record<string, unknown>>

/**
 * An `InvalidIpcInput` naming `field`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const invalid = (field: string, message: string): InvalidIpcInput => new InvalidIpcInput({ field, message })

/**
 * Whether a text argument is missing or only white space.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isBlank = (s: string | undefined): s is undefined => s === undefined || s.trim() === ""

/**
 * Whether a value is a plain object (the object argument style), not an array or a primitive.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isObject = (u: unknown): u is Obj => typeof u === "object" && u !== null && !Array.isArray(u)

const pick = (o: Obj, keys: ReadonlyArray<string>): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k]
  return undefined
}

/**
 * A string argument (numbers, such as numeric connection ids, become strings).
 *
 * @since 0.1.0
 * @category Constructors
 */
const text = (u: unknown): string | undefined =>
  typeof u === "string" ? u : typeof u === "number" && Number.isFinite(u) ? String(u) : undefined

const CONNECTION = ["connection_id", "connectionId"]
const DB_TYPE = ["db_type", "dbType"]
const SCHEMA = ["schema_context", "schemaContext", "schema"]
const QUERY = ["query", "sql"]
const TABLE_NAME = ["table_name", "tableName"]

/**
 * Where a request runs: the connection (to look its database type up) or an explicit type.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Target {
  readonly connectionId: string | undefined
  readonly dbType: string | undefined
}

const targetOf = (o: Obj): Target => ({ connectionId: text(pick(o, CONNECTION)), dbType: text(pick(o, DB_TYPE)) })

const DEFAULT_DB_TYPE = "postgres"

// How long the app's connection lookup may take before the request goes on as PostgreSQL.
const DB_TYPE_LOOKUP_MS = 5_000

/**
 * The app's connection lookup: a connection's database type as its connection manager names it.
 *
 * @since 0.1.0
 * @category Models
 */
export type DbTypeLookup = (connectionId: string) => string | undefined | PromiseLike<string | undefined>

/**
 * The database type a request runs on, as DB Toolkit names it (`postgresql`, `mongodb` ...): its
 * own, else its connection's as `lookup` (the app's connection manager) names it, else
 * PostgreSQL's, as DB Toolkit did. Kept as it is, so the SQL check can tell MongoDB apart.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const dbTypeOf = (target: Target, lookup: DbTypeLookup | undefined): Effect.Effect<string> => {
  if (!isBlank(target.dbType)) return Effect.succeed(target.dbType)
  if (target.connectionId === undefined || lookup === undefined) return Effect.succeed(DEFAULT_DB_TYPE)
  const id = target.connectionId
  // The app's lookup is outside code: a failure, a hang or a non-string answer is treated like an
  // unknown connection, as DB Toolkit did.
  return Effect.tryPromise(() => Promise.resolve(lookup(id))).pipe(
    Effect.timeout(DB_TYPE_LOOKUP_MS),
    Effect.map((dbType: unknown) => (typeof dbType === "string" && dbType.trim() !== "" && dbType.length <= 100 ? dbType : DEFAULT_DB_TYPE)),
    Effect.orElseSucceed(() => DEFAULT_DB_TYPE)
  )
}

/**
 * The dialect a request is written for: the dialect of its database type ({@link dbTypeOf}).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const dialectOf = (target: Target, lookup: DbTypeLookup | undefined): Effect.Effect<Dialect.Dialect> =>
  Effect.map(dbTypeOf(target, lookup), Dialect.fromDbType)

/**
 * `ai:generate-query` / `ai:generate-sql`: `{natural_language, connection_id, schema_context}`
 * (what the chat panel sends) or `(naturalLanguage, schemaContext, dbType)`.
 *
 * @since 0.1.0
 * @category Readers
 */
export const generate = (args: Args): Target & { readonly prompt: string | undefined; readonly schema: unknown } => {
  const [a0, a1, a2] = args
  if (isObject(a0)) {
    return { ...targetOf(a0), prompt: text(pick(a0, ["natural_language", "naturalLanguage", "prompt", "question"])), schema: pick(a0, SCHEMA) }
  }
  return { connectionId: undefined, dbType: text(a2), prompt: text(a0), schema: a1 }
}

/**
 * How a query channel's request uses the response cache: the object form's `cache` field
 * (`"use"`, the default; `"refresh"`; `"bypass"`), any other value refused by name.
 *
 * @since 0.1.0
 * @category Readers
 */
export const cacheMode = (args: Args): Effect.Effect<{ readonly cache?: "use" | "refresh" | "bypass" }, InvalidIpcInput> => {
  const mode = isObject(args[0]) ? args[0]["cache"] : undefined
  if (mode === undefined) return Effect.succeed({})
  return mode === "use" || mode === "refresh" || mode === "bypass"
    ? Effect.succeed({ cache: mode })
    : Effect.fail(invalid("cache", "cache must be \"use\", \"refresh\" or \"bypass\""))
}

/**
 * `ai:explain-query`: `{query, connection_id, schema_context}` or the older
 * `(query, dbType, schemaContext)`.
 *
 * @since 0.1.0
 * @category Readers
 */
export const explain = (args: Args): Target & { readonly query: string | undefined; readonly schema: unknown } => {
  const [a0, a1, a2] = args
  if (isObject(a0)) return { ...targetOf(a0), query: text(pick(a0, QUERY)), schema: pick(a0, SCHEMA) }
  return { connectionId: undefined, dbType: text(a1), query: text(a0), schema: a2 }
}

/**
 * `ai:optimize-query`: `{query, execution_plan, connection_id, schema_context}` or the older
 * `(query, executionPlan, dbType, schemaContext)`. The plan may be text or the driver's JSON.
 *
 * @since 0.1.0
 * @category Readers
 */
export const optimize = (
  args: Args
): Target & { readonly query: string | undefined; readonly plan: unknown; readonly schema: unknown } => {
  const [a0, a1, a2, a3] = args
  if (isObject(a0)) {
    return { ...targetOf(a0), query: text(pick(a0, QUERY)), plan: pick(a0, ["execution_plan", "executionPlan", "plan"]), schema: pick(a0, SCHEMA) }
  }
  return { connectionId: undefined, dbType: text(a2), query: text(a0), plan: a1, schema: a3 }
}

/**
 * `ai:fix-query`: `{query, error_message, connection_id, schema_context}` (what auto-fix sends) or
 * the older `(query, errorMessage, dbType, schemaContext)`.
 *
 * @since 0.1.0
 * @category Readers
 */
export const fix = (
  args: Args
): Target & { readonly query: string | undefined; readonly errorMessage: string | undefined; readonly schema: unknown } => {
  const [a0, a1, a2, a3] = args
  if (isObject(a0)) {
    return {
      ...targetOf(a0),
      query: text(pick(a0, QUERY)),
      errorMessage: text(pick(a0, ["error_message", "errorMessage", "error"])),
      schema: pick(a0, SCHEMA)
    }
  }
  return { connectionId: undefined, dbType: text(a2), query: text(a0), errorMessage: text(a1), schema: a3 }
}

/**
 * `ai:analyze-table`: `{connection_id | connectionId, table_name | tableName, columns, db_type?}`
 * (with an optional third argument as the type, as DB Toolkit read it) or
 * `(tableName, columns, dbType)`.
 *
 * @since 0.1.0
 * @category Readers
 */
export const table = (args: Args): Target & { readonly tableName: string | undefined; readonly columns: unknown } => {
  const [a0, a1, a2] = args
  if (isObject(a0)) {
    const t = targetOf(a0)
    return { ...t, dbType: t.dbType ?? text(a2), tableName: text(pick(a0, TABLE_NAME)), columns: pick(a0, ["columns"]) }
  }
  return { connectionId: undefined, dbType: text(a2), tableName: text(a0), columns: a1 }
}

/**
 * The most tables one `ai:analyze-table` or `ai:generate-common-queries` call may list.
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxTables = 200

/**
 * The list form of `ai:analyze-table` and `ai:generate-common-queries`:
 * `{connection_id | connectionId, tables: [{table_name | tableName | name, columns}], db_type?}`.
 * `undefined` for every single-table form (positional arguments, or an object naming a table),
 * which read as before.
 *
 * @since 0.1.0
 * @category Readers
 */
export const tableList = (args: Args): (Target & { readonly tables: unknown }) | undefined => {
  const [a0] = args
  if (!isObject(a0) || a0["tables"] === undefined || pick(a0, TABLE_NAME) !== undefined) return undefined
  return { ...targetOf(a0), tables: a0["tables"] }
}

/**
 * The name a listed table is answered under: qualified by its schema when it has one.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const tableKey = (table: SchemaContext.Table): string =>
  table.schema !== undefined && table.schema !== "" ? `${table.schema}.${table.name}` : table.name

/**
 * The tables of a list ({@link tableList}), each read as {@link namedTable} reads one within
 * `limits`: an `InvalidIpcInput` naming `tables` when it is not a list, is empty or holds more
 * than {@link maxTables}, and naming `tables[i].table_name` for an item with no usable name or one
 * named a second time.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const namedTables = (
  tables: unknown,
  limits?: Limits.InputLimits
): Effect.Effect<ReadonlyArray<SchemaContext.Table>, InvalidIpcInput> =>
  Effect.gen(function*() {
    if (!Array.isArray(tables)) return yield* invalid("tables", "tables must be a list of {table_name, columns}")
    if (tables.length === 0) return yield* invalid("tables", "Please provide at least one table")
    if (tables.length > maxTables) {
      return yield* invalid("tables", `tables lists ${tables.length} tables; at most ${maxTables} may be sent in one call`)
    }
    const read: Array<SchemaContext.Table> = []
    const seen = new Set<string>()
    for (const [i, item] of tables.entries()) {
      const field = `tables[${i}].table_name`
      const o: Obj = isObject(item) ? item : {}
      const table = yield* Effect.mapError(
        namedTable(text(pick(o, [...TABLE_NAME, "name"])), pick(o, ["columns"]), limits),
        () => invalid(field, `Please provide a table name for tables[${i}]`)
      )
      const key = tableKey(table)
      // The name heads the table's section of the model's answer.
      const problem = sectionNameProblem(key)
      if (problem !== undefined) return yield* invalid(field, `Invalid ${field}: ${problem}`)
      if (seen.has(key)) return yield* invalid(field, `tables[${i}] names ${key} a second time`)
      seen.add(key)
      read.push(table)
    }
    return read
  })

/**
 * `ai:suggest-indexes`: `(tableName, columns, queryPatterns, dbType)` or an object with those
 * fields.
 *
 * @since 0.1.0
 * @category Readers
 */
export const indexes = (
  args: Args
): Target & { readonly tableName: string | undefined; readonly columns: unknown; readonly queryPatterns: unknown } => {
  const [a0, a1, a2, a3] = args
  if (isObject(a0)) {
    return { ...targetOf(a0), tableName: text(pick(a0, TABLE_NAME)), columns: pick(a0, ["columns"]), queryPatterns: pick(a0, ["query_patterns", "queryPatterns"]) }
  }
  return { connectionId: undefined, dbType: text(a3), tableName: text(a0), columns: a1, queryPatterns: a2 }
}

/**
 * `ai:analyze-schema`: `(connectionId, schemaName, tables)` (tables as
 * `{[t]: [{name, type, primary_key}]}` or any shape `SchemaContext.normalize` reads), or an object
 * `{connection_id, schema_name, tables}`; an early version sent one table as
 * `{connection_id, table_name, columns}`.
 *
 * @since 0.1.0
 * @category Readers
 */
export const schemaAnalysis = (args: Args): Target & { readonly schemaName: string | undefined; readonly tables: unknown } => {
  const [a0, a1, a2] = args
  if (isObject(a0)) {
    const name = text(pick(a0, TABLE_NAME))
    const tables = pick(a0, ["tables"]) ?? (name !== undefined ? { [name]: pick(a0, ["columns"]) ?? [] } : undefined)
    return { ...targetOf(a0), schemaName: text(pick(a0, ["schema_name", "schemaName"])), tables }
  }
  return { connectionId: text(a0), dbType: undefined, schemaName: text(a1), tables: a2 }
}

/**
 * `ai:analyze-relationships`: `(tables, dbType)`; `tables` may also be `{tables, db_type}`.
 *
 * @since 0.1.0
 * @category Readers
 */
export const relationships = (args: Args): { readonly tables: unknown } => ({ tables: args[0] })

/**
 * `ai:generate-common-queries`: `(tableName, columns, dbType)` or an object with those fields.
 *
 * @since 0.1.0
 * @category Readers
 */
export const commonQueries = (args: Args): Target & { readonly tableName: string | undefined; readonly columns: unknown } => table(args)

/**
 * A table from a name and DB Toolkit's columns (`[{name, type}]`, `[{column_name, data_type}]`
 * ...), read in slices within `limits`. `undefined` without a name; columns that cannot be read
 * leave the table without columns.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const tableOf = (
  name: string | undefined,
  columns: unknown,
  limits: Limits.InputLimits = Limits.defaultInputLimits
): Effect.Effect<SchemaContext.Table | undefined> => {
  if (name === undefined || name.trim() === "") return Effect.succeed(undefined)
  const cols = Array.isArray(columns) || isObject(columns) ? columns : []
  return Effect.match(SchemaContext.fromInput({ tables: { [name]: { columns: cols } } }, limits, "columns"), {
    onFailure: (): SchemaContext.Table => ({ name, columns: [] }),
    onSuccess: (ctx): SchemaContext.Table => ctx.tables[0] ?? { name, columns: [] }
  })
}

/**
 * The table a request names, as `tableOf` reads it, or an `InvalidIpcInput` when it names none.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const namedTable = (
  name: string | undefined,
  columns: unknown,
  limits?: Limits.InputLimits
): Effect.Effect<SchemaContext.Table, InvalidIpcInput> =>
  Effect.flatMap(tableOf(name, columns, limits), (table) =>
    table === undefined ? Effect.fail(invalid("table_name", "Please provide a table name")) : Effect.succeed(table))

/**
 * A schema context from any shape DB Toolkit sends, read in slices within `limits`, or an
 * `InvalidIpcInput` naming `field`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const schemaOf = (
  input: unknown,
  field = "schema_context",
  limits: Limits.InputLimits = Limits.defaultInputLimits
): Effect.Effect<SchemaContext.SchemaContext, InvalidIpcInput> =>
  Effect.mapError(SchemaContext.fromInput(input, limits, field), (refusal) => {
    const reason = refusal.message.startsWith(`${field} `) ? refusal.message.slice(field.length + 1) : refusal.message
    return new InvalidIpcInput({ field, message: `Invalid ${field}: ${reason}` })
  })

// ---------------------------------------------------------------------------
// The settings panel's channels
// ---------------------------------------------------------------------------

/**
 * The options object a channel takes as its first argument (the metrics channels, the cost
 * estimate); `{}` when the first argument is not an object.
 *
 * @since 0.1.0
 * @category Readers
 */
export const optionsOf = (args: Args): Obj => (isObject(args[0]) ? args[0] : {})

/**
 * A provider id argument: the first argument itself, or its `provider` / `id` field.
 *
 * @since 0.1.0
 * @category Readers
 */
export const providerOf = (args: Args): Either.Either<ProviderId, InvalidIpcInput> => {
  const [a0] = args
  const raw = isObject(a0) ? pick(a0, ["provider", "id"]) : a0
  return ProviderIdModule.is(raw)
    ? Either.right(raw)
    : Either.left(
      new InvalidIpcInput({
        field: "provider",
        message: `Invalid provider: expected one of ${ProviderIdModule.all.join(", ")}, got ${typeof raw === "string" ? JSON.stringify(raw) : typeof raw}`
      })
    )
}

/**
 * `ai:providers:save` / `ai:providers:test`: `(id, config, options?)` or
 * `({provider, config, validate?, enabled?, resilience?})`.
 *
 * @since 0.1.0
 * @category Readers
 */
export const providerConfig = (
  args: Args
): {
  readonly config: Obj | undefined
  readonly validate: boolean
  readonly enabled: boolean | undefined
  readonly resilience: unknown
} => {
  const [a0, a1, a2] = args
  const source: Obj = isObject(a0) ? a0 : isObject(a2) ? a2 : {}
  const config = isObject(a0) ? pick(a0, ["config"]) : a1
  const enabled = source["enabled"]
  return {
    config: isObject(config) ? config : undefined,
    validate: source["validate"] === true,
    enabled: typeof enabled === "boolean" ? enabled : undefined,
    resilience: source["resilience"]
  }
}

/**
 * A count argument (`ai:events:recent`): the first argument or its `limit` field.
 *
 * @since 0.1.0
 * @category Readers
 */
export const limitOf = (args: Args): number | undefined => {
  const [a0] = args
  const raw = isObject(a0) ? a0["limit"] : a0
  return typeof raw === "number" && Number.isFinite(raw) && raw >= 0 ? Math.floor(raw) : undefined
}
