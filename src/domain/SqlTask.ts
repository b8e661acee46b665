/**
 * The four SQL tasks (generate, explain, optimize, fix): their requests and their results.
 *
 * @since 0.1.0
 */
import { Effect, ParseResult, Schema } from "effect"
import { type Dialect, DialectFromDbType } from "./Dialect.js"
import * as Limits from "./Limits.js"
import { ProviderId } from "./ProviderId.js"
import * as SchemaContext from "./SchemaContext.js"
import * as SqlCheck from "./SqlCheck.js"

const NonBlank = Schema.String.pipe(
  Schema.filter((s) => s.trim().length > 0, { message: () => "must not be empty" })
)

// The execution plan arrives as text or as the JSON a driver returned; either way the prompt wants text.
const PlanText = Schema.transform(Schema.Unknown, Schema.String, {
  strict: true,
  decode: (u) => (typeof u === "string" ? u : JSON.stringify(u, null, 2) ?? ""),
  encode: (s) => s
})

// Lenient on the way in (any DB Toolkit db_type), canonical on the way out.
const DialectField = Schema.optionalWith(DialectFromDbType, { default: (): Dialect => "generic" })
const SchemaField = Schema.optional(SchemaContext.SchemaContextFromInput)

/**
 * Generate SQL from a natural-language request.
 *
 * @since 0.1.0
 * @category Requests
 */
export const GenerateSqlRequest = Schema.Struct({
  prompt: NonBlank,
  schema: SchemaField,
  dialect: DialectField
})

/**
 * @since 0.1.0
 * @category Requests
 */
export type GenerateSqlRequest = typeof GenerateSqlRequest.Type

/**
 * The most sections one explain request may ask for (`ExplainSqlRequest.sections`).
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxSections = 100

/**
 * The longest a section's name may be, in characters.
 *
 * @since 0.1.0
 * @category Constants
 */
export const sectionNameChars = 256

/**
 * What is wrong with a section name, or `undefined` when it may be used. A name is written into
 * the prompt as a heading line: it must be one line with no control characters, so it can never
 * start a heading (or an instruction) of its own, and at most {@link sectionNameChars} long.
 *
 * @since 0.1.0
 * @category Requests
 */
export const sectionNameProblem = (name: string): string | undefined =>
  name.trim() === ""
    ? "must not be empty"
    : name.length > sectionNameChars
    ? `must be at most ${sectionNameChars} characters`
    : /[\u0000-\u001f\u007f]/.test(name)
    ? "must be one line with no control characters"
    : undefined

const SectionName = Schema.String.pipe(Schema.filter((name) => sectionNameProblem(name)))

/**
 * The names of an explain request's sections: at most {@link maxSections}, each one line, no two
 * alike.
 *
 * @since 0.1.0
 * @category Requests
 */
export const Sections = Schema.Array(SectionName).pipe(
  Schema.filter((names) => names.length <= maxSections, { message: () => `must name at most ${maxSections} sections` }),
  Schema.filter((names) => new Set(names).size === names.length, { message: () => "must not name a section twice" })
)

/**
 * Explain what a SQL statement does. With `sections` (names, such as the tables whose
 * `CREATE TABLE` statements the SQL holds), the answer has one section per name, split back by
 * name into the result's `sections`: several tables explained in one provider call.
 *
 * @since 0.1.0
 * @category Requests
 */
export const ExplainSqlRequest = Schema.Struct({
  sql: NonBlank,
  sections: Schema.optional(Sections),
  schema: SchemaField,
  dialect: DialectField
})

/**
 * @since 0.1.0
 * @category Requests
 */
export type ExplainSqlRequest = typeof ExplainSqlRequest.Type

/**
 * Optimize a SQL statement, optionally with its execution plan.
 *
 * @since 0.1.0
 * @category Requests
 */
export const OptimizeSqlRequest = Schema.Struct({
  sql: NonBlank,
  executionPlan: Schema.optional(PlanText),
  schema: SchemaField,
  dialect: DialectField
})

/**
 * @since 0.1.0
 * @category Requests
 */
export type OptimizeSqlRequest = typeof OptimizeSqlRequest.Type

/**
 * Fix a SQL statement that failed with an error.
 *
 * @since 0.1.0
 * @category Requests
 */
export const FixSqlRequest = Schema.Struct({
  sql: NonBlank,
  errorMessage: NonBlank,
  schema: SchemaField,
  dialect: DialectField
})

/**
 * @since 0.1.0
 * @category Requests
 */
export type FixSqlRequest = typeof FixSqlRequest.Type

/**
 * Any of the four tasks, tagged, for generic use (streaming, queues, logs).
 *
 * @since 0.1.0
 * @category Requests
 */
export const SqlTask = Schema.Union(
  Schema.TaggedStruct("GenerateSql", GenerateSqlRequest.fields),
  Schema.TaggedStruct("ExplainSql", ExplainSqlRequest.fields),
  Schema.TaggedStruct("OptimizeSql", OptimizeSqlRequest.fields),
  Schema.TaggedStruct("FixSql", FixSqlRequest.fields)
)

/**
 * @since 0.1.0
 * @category Requests
 */
export type SqlTask = typeof SqlTask.Type

/**
 * The tag of a task: `GenerateSql`, `ExplainSql`, `OptimizeSql` or `FixSql`.
 *
 * @since 0.1.0
 * @category Requests
 */
export type SqlTaskTag = SqlTask["_tag"]

/**
 * The task of one kind.
 *
 * @since 0.1.0
 * @category Requests
 */
export type TaskOf<Tag extends SqlTaskTag> = Extract<SqlTask, { readonly _tag: Tag }>

// ---------------------------------------------------------------------------
// What callers pass
// ---------------------------------------------------------------------------

/**
 * A schema in any shape DB Toolkit sends: `{ tables: { ... } }`, a bare table map, the
 * `schema:getTree` tree, columns with `column_name`/`data_type` aliases, arrays of columns, DDL or
 * JSON text, or an already normalized `SchemaContext`.
 *
 * @since 0.1.0
 * @category Inputs
 */
export type SchemaInput = SchemaContext.SchemaContext | string | Readonly<Record<string, unknown>> | ReadonlyArray<unknown>

/**
 * A dialect, or a database type as DB Toolkit names it (`db_type`: `postgres`, `mysql`, `sqlite3`,
 * `mongodb` ...); anything unknown is written as standard SQL.
 *
 * @since 0.1.0
 * @category Inputs
 */
export type DialectInput = Dialect | DbType | (string & {})

/**
 * The database types DB Toolkit's connections carry.
 *
 * @since 0.1.0
 * @category Inputs
 */
export type DbType = "postgres" | "postgresql" | "mysql" | "mariadb" | "sqlite" | "sqlite3" | "mssql" | "sqlserver" | "oracle" | "mongodb"

/**
 * What a caller passes to generate SQL (validated and normalized on the way in).
 *
 * @since 0.1.0
 * @category Inputs
 */
export interface GenerateSqlInput {
  readonly prompt: string
  readonly schema?: SchemaInput | undefined
  readonly dialect?: DialectInput | undefined
}

/**
 * What a caller passes to explain SQL.
 *
 * @since 0.1.0
 * @category Inputs
 */
export interface ExplainSqlInput {
  readonly sql: string
  /** One section of the answer per name, in this order (see {@link ExplainSqlRequest}). */
  readonly sections?: ReadonlyArray<string> | undefined
  readonly schema?: SchemaInput | undefined
  readonly dialect?: DialectInput | undefined
}

/**
 * What a caller passes to optimize SQL; the plan as text or as the JSON a driver returned.
 *
 * @since 0.1.0
 * @category Inputs
 */
export interface OptimizeSqlInput {
  readonly sql: string
  readonly executionPlan?: unknown
  readonly schema?: SchemaInput | undefined
  readonly dialect?: DialectInput | undefined
}

/**
 * What a caller passes to fix SQL.
 *
 * @since 0.1.0
 * @category Inputs
 */
export interface FixSqlInput {
  readonly sql: string
  readonly errorMessage: string
  readonly schema?: SchemaInput | undefined
  readonly dialect?: DialectInput | undefined
}

/**
 * Any of the four tasks as a caller passes it, tagged. A validated {@link SqlTask} is one too.
 *
 * @since 0.1.0
 * @category Inputs
 */
export type SqlTaskInput =
  | ({ readonly _tag: "GenerateSql" } & GenerateSqlInput)
  | ({ readonly _tag: "ExplainSql" } & ExplainSqlInput)
  | ({ readonly _tag: "OptimizeSql" } & OptimizeSqlInput)
  | ({ readonly _tag: "FixSql" } & FixSqlInput)

/**
 * The input task of one kind.
 *
 * @since 0.1.0
 * @category Inputs
 */
export type InputOf<Tag extends SqlTaskTag> = Extract<SqlTaskInput, { readonly _tag: Tag }>

/**
 * Task constructors: a validated request, tagged.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const generate = (request: GenerateSqlRequest): TaskOf<"GenerateSql"> => ({ ...request, _tag: "GenerateSql" })
/** @since 0.1.0 @category Constructors */
export const explain = (request: ExplainSqlRequest): TaskOf<"ExplainSql"> => ({ ...request, _tag: "ExplainSql" })
/** @since 0.1.0 @category Constructors */
export const optimize = (request: OptimizeSqlRequest): TaskOf<"OptimizeSql"> => ({ ...request, _tag: "OptimizeSql" })
/** @since 0.1.0 @category Constructors */
export const fix = (request: FixSqlRequest): TaskOf<"FixSql"> => ({ ...request, _tag: "FixSql" })

/**
 * Tags a request as a caller passes it (validated later, once).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const input = <Tag extends SqlTaskTag>(tag: Tag, request: Omit<InputOf<Tag>, "_tag">): InputOf<Tag> =>
  ({ ...request, _tag: tag }) as InputOf<Tag>

// ---------------------------------------------------------------------------
// Checking a task against the request limits
// ---------------------------------------------------------------------------

// The text fields of each task and the limit of each, checked in this order.
const textFields: Readonly<Record<SqlTaskTag, ReadonlyArray<readonly [string, Limits.CharLimit]>>> = {
  GenerateSql: [["prompt", "promptChars"]],
  ExplainSql: [["sql", "sqlChars"]],
  OptimizeSql: [["sql", "sqlChars"]],
  FixSql: [["sql", "sqlChars"], ["errorMessage", "errorMessageChars"]]
}

// Everything but the schema and the execution plan, which are read (and counted) separately.
const cores = {
  GenerateSql: Schema.decodeUnknownEither(Schema.Struct({ prompt: NonBlank, dialect: DialectField })),
  ExplainSql: Schema.decodeUnknownEither(Schema.Struct({ sql: NonBlank, sections: Schema.optional(Sections), dialect: DialectField })),
  OptimizeSql: Schema.decodeUnknownEither(Schema.Struct({ sql: NonBlank, dialect: DialectField })),
  FixSql: Schema.decodeUnknownEither(Schema.Struct({ sql: NonBlank, errorMessage: NonBlank, dialect: DialectField }))
} as const

const isTag = (u: unknown): u is SqlTaskTag => typeof u === "string" && Object.prototype.hasOwnProperty.call(textFields, u)

const firstIssue = (error: ParseResult.ParseError): Limits.Refusal => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  const field = issue?.path.map(String).join(".") ?? ""
  return { field, message: `${field !== "" ? `${field} ` : ""}${issue?.message ?? "is malformed"}` }
}

type Plain = Record<string, unknown>

type Frame =
  | { readonly kind: "array"; readonly items: ReadonlyArray<unknown>; readonly indent: string; next: number }
  | { readonly kind: "object"; readonly obj: Plain; readonly keys: ReadonlyArray<string>; readonly indent: string; next: number; written: boolean }

// What JSON.stringify does before it writes a value: `toJSON` (dates); nothing it can write is undefined.
const jsonValue = (v: unknown, key: string): unknown => {
  const w = typeof v === "object" && v !== null && typeof (v as { toJSON?: unknown }).toJSON === "function"
    ? (v as { toJSON: (key: string) => unknown }).toJSON(key)
    : v
  return typeof w === "function" || typeof w === "symbol" ? undefined : w
}

const PLAN_STEPS = 256
const JOIN_PIECES = 4_096

/**
 * The execution plan's JSON text as `JSON.stringify(plan, null, 2)` writes it, written piece by
 * piece and counted as it grows: a plan is refused as soon as its text passes
 * `executionPlanChars`, so an enormous (or cyclic) object costs no more than the limit. Iterative,
 * so any depth is safe; it pauses every few hundred values.
 */
function* planJson(plan: unknown, limits: Limits.InputLimits): Limits.Work<string> {
  const limit = limits.executionPlanChars
  const out: Array<string> = []
  let size = 0
  const refuse = (seen: number): never => {
    throw new Limits.Refused(Limits.tooMany("executionPlan", seen, "characters as JSON", "executionPlanChars", limits))
  }
  // Pieces are joined a few thousand at a time: one join of hundreds of thousands of pieces
  // would hold the loop for longer than a slice.
  const chunks: Array<string> = []
  const write = (s: string): void => {
    size += s.length
    if (size > limit) refuse(size)
    out.push(s)
    if (out.length >= JOIN_PIECES) chunks.push(out.splice(0).join(""))
  }
  // A string's JSON is at least two characters longer than it: refuse before escaping a huge one.
  const quoted = (s: string): string => (size + s.length + 2 > limit ? refuse(size + s.length + 2) : JSON.stringify(s))
  const stack: Array<Frame> = []
  const open = (v: unknown, indent: string): void => {
    if (typeof v === "string") return write(quoted(v))
    if (typeof v === "number") return write(Number.isFinite(v) ? String(v) : "null")
    if (typeof v === "boolean" || typeof v === "bigint") return write(String(v))
    if (v === null || v === undefined) return write("null")
    if (Array.isArray(v)) {
      if (v.length === 0) return write("[]")
      write("[")
      stack.push({ kind: "array", items: v, indent, next: 0 })
      return
    }
    stack.push({ kind: "object", obj: v as Plain, keys: Object.keys(v), indent, next: 0, written: false })
  }
  open(jsonValue(plan, ""), "")
  let steps = 0
  while (stack.length > 0) {
    if (++steps % PLAN_STEPS === 0) yield
    const frame = stack[stack.length - 1]!
    const inner = `${frame.indent}  `
    if (frame.kind === "array") {
      if (frame.next >= frame.items.length) {
        stack.pop()
        write(`\n${frame.indent}]`)
        continue
      }
      const i = frame.next++
      write(i === 0 ? `\n${inner}` : `,\n${inner}`)
      open(jsonValue(frame.items[i], String(i)), inner)
    } else {
      if (frame.next >= frame.keys.length) {
        stack.pop()
        write(frame.written ? `\n${frame.indent}}` : "{}")
        continue
      }
      const key = frame.keys[frame.next++]!
      const v = jsonValue(frame.obj[key], key)
      if (v === undefined) continue
      write(`${frame.written ? "," : "{"}\n${inner}${quoted(key)}: `)
      frame.written = true
      open(v, inner)
    }
  }
  chunks.push(out.join(""))
  return chunks.join("")
}

/**
 * Checks a task, which may come from JavaScript (IPC) in any shape, against the request limits,
 * and decodes it to its canonical form: the schema context normalized, the execution plan as text,
 * the dialect from DB Toolkit's `db_type`. Each field is checked against its limit before any
 * other work is done on it: text by its length (constant time) and then for lone UTF-16
 * surrogates; the execution plan by its JSON text and the schema by its tables, columns and text,
 * both counted as they are read and refused as soon as a limit is passed. The work runs in slices
 * of a few milliseconds with the event loop let in between, so no input holds the main process.
 * Fails with the first refusal, naming the field.
 *
 * @since 0.1.0
 * @category Requests
 */
export const decodeWithin = (task: SqlTaskInput, limits: Limits.InputLimits): Effect.Effect<SqlTask, Limits.Refusal> =>
  Effect.suspend(() => {
    const input: unknown = task
    if (typeof input !== "object" || input === null) {
      return Effect.fail({ field: "", message: "a task must be an object with a _tag" })
    }
    const raw = input as Plain
    const tag = raw["_tag"]
    if (!isTag(tag)) return Effect.fail({ field: "_tag", message: "_tag must be GenerateSql, ExplainSql, OptimizeSql or FixSql" })
    for (const [field, key] of textFields[tag]) {
      const value = raw[field]
      const refused = typeof value === "string" ? Limits.checkText(field, value, key, limits) : undefined
      if (refused !== undefined) return Effect.fail(refused)
    }
    const core = cores[tag](raw)
    if (core._tag === "Left") return Effect.fail(firstIssue(core.left))
    return Effect.gen(function*() {
      const plan = tag === "OptimizeSql" ? yield* executionPlan(raw["executionPlan"], limits) : undefined
      const schema = raw["schema"] === undefined ? undefined : yield* SchemaContext.fromInput(raw["schema"], limits)
      return {
        ...core.right,
        ...(plan !== undefined ? { executionPlan: plan } : {}),
        ...(schema !== undefined ? { schema } : {}),
        _tag: tag
      } as SqlTask
    })
  })

const executionPlan = (plan: unknown, limits: Limits.InputLimits): Effect.Effect<string | undefined, Limits.Refusal> => {
  if (plan === undefined) return Effect.succeed(undefined)
  if (typeof plan === "string") {
    const refused = Limits.checkText("executionPlan", plan, "executionPlanChars", limits)
    return refused === undefined ? Effect.succeed(plan) : Effect.fail(refused)
  }
  return Limits.sliced(planJson(plan, limits))
}

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/**
 * Token usage as the provider reported it.
 *
 * @since 0.1.0
 * @category Results
 */
export const Usage = Schema.Struct({
  /** Every input token, cached ones included. */
  inputTokens: Schema.NonNegativeInt,
  /** Every output token, reasoning included. */
  outputTokens: Schema.NonNegativeInt,
  /** Input tokens read from the provider's prompt cache (billed at its cache rate), when any. */
  cachedInputTokens: Schema.optional(Schema.NonNegativeInt),
  /** Input tokens written to the prompt cache (Anthropic; billed at its cache-write rate), when any. */
  cacheWriteTokens: Schema.optional(Schema.NonNegativeInt),
  /** Output tokens spent reasoning before the answer, when the provider says. */
  reasoningTokens: Schema.optional(Schema.NonNegativeInt)
})

/**
 * @since 0.1.0
 * @category Results
 */
export type Usage = typeof Usage.Type

/**
 * A usage with its details left out where the provider reported none (or zero), so a plain
 * answer's usage stays `{ inputTokens, outputTokens }`.
 *
 * @since 0.1.0
 * @category Results
 */
export const usage = (
  inputTokens: number,
  outputTokens: number,
  details: { readonly cachedInputTokens?: number | undefined; readonly cacheWriteTokens?: number | undefined; readonly reasoningTokens?: number | undefined } = {}
): Usage => {
  const u: { -readonly [K in keyof Usage]: Usage[K] } = { inputTokens, outputTokens }
  if (details.cachedInputTokens) u.cachedInputTokens = details.cachedInputTokens
  if (details.cacheWriteTokens) u.cacheWriteTokens = details.cacheWriteTokens
  if (details.reasoningTokens) u.reasoningTokens = details.reasoningTokens
  return u
}

/**
 * Two calls' usage together (an answer that took a repair round).
 *
 * @since 0.1.0
 * @category Results
 */
export const addUsage = (a: Usage, b: Usage): Usage =>
  usage(a.inputTokens + b.inputTokens, a.outputTokens + b.outputTokens, {
    cachedInputTokens: (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0),
    cacheWriteTokens: (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0),
    reasoningTokens: (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0)
  })

/**
 * Why the model stopped, normalized across providers.
 *
 * @since 0.1.0
 * @category Results
 */
export const FinishReason = Schema.Literal("stop", "length", "content-filter", "tool-calls", "other")

/**
 * @since 0.1.0
 * @category Results
 */
export type FinishReason = typeof FinishReason.Type

/**
 * What every result carries about the call that produced it.
 *
 * @since 0.1.0
 * @category Results
 */
export const ResultMeta = Schema.Struct({
  provider: ProviderId,
  model: Schema.String,
  usage: Usage,
  finishReason: FinishReason,
  latencyMs: Schema.NonNegative,
  requestId: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category Results
 */
export type ResultMeta = typeof ResultMeta.Type

/**
 * What the request path found about an answer, on every result a provider builds (a result made
 * elsewhere, by a test double, may lack them):
 *
 * - `schemaSent` / `schemaLeftOut`: the tables the prompt's schema sent and those left out to fit
 *   the model's context window (qualified as the prompt writes them); `schemaTextLeftOut`: the
 *   schema's free text (DDL) did not fit;
 * - `check`: the SQL of a generate, optimize or fix answer checked by a parser in the dialect of
 *   the connection (`SqlCheck`): whether it parses, destructive statements, tables and columns the
 *   schema does not have; none on an explain answer;
 * - `repaired`: this answer is the repair round's (the first did not parse).
 *
 * @since 0.1.0
 * @category Results
 */
export const Findings = {
  schemaSent: Schema.optional(Schema.Array(Schema.String)),
  schemaLeftOut: Schema.optional(Schema.Array(Schema.String)),
  schemaTextLeftOut: Schema.optional(Schema.Boolean),
  check: Schema.optional(SqlCheck.SqlCheckResult),
  repaired: Schema.optional(Schema.Boolean)
}

/**
 * The answer to a generate request. `sql` is empty when the model answered without SQL (for
 * example to ask for more information); its words are then in `explanation`.
 *
 * @since 0.1.0
 * @category Results
 */
export const GenerateSqlResult = Schema.TaggedStruct("GenerateSqlResult", {
  sql: Schema.String,
  explanation: Schema.optional(Schema.String),
  raw: Schema.String,
  meta: ResultMeta,
  ...Findings
})

/**
 * @since 0.1.0
 * @category Results
 */
export type GenerateSqlResult = typeof GenerateSqlResult.Type

/**
 * The answer to an explain request. `sections`, for a request that asked for them, holds each
 * section the answer had, by name; a name the model skipped is absent.
 *
 * @since 0.1.0
 * @category Results
 */
export const ExplainSqlResult = Schema.TaggedStruct("ExplainSqlResult", {
  explanation: Schema.String,
  sections: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  raw: Schema.String,
  meta: ResultMeta,
  ...Findings
})

/**
 * @since 0.1.0
 * @category Results
 */
export type ExplainSqlResult = typeof ExplainSqlResult.Type

/**
 * How good the model judged the original query.
 *
 * @since 0.1.0
 * @category Results
 */
export const Rating = Schema.Literal("good", "fair", "poor")

/**
 * @since 0.1.0
 * @category Results
 */
export type Rating = typeof Rating.Type

/**
 * An index the model recommends: the statement (or its description) and why.
 *
 * @since 0.1.0
 * @category Results
 */
export const IndexRecommendation = Schema.Struct({
  statement: Schema.String,
  reason: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category Results
 */
export type IndexRecommendation = typeof IndexRecommendation.Type

/**
 * The answer to an optimize request. When the model proposes no change (or ignores the answer
 * format), `optimizedSql` is the original statement and `changed` is false.
 *
 * @since 0.1.0
 * @category Results
 */
export const OptimizeSqlResult = Schema.TaggedStruct("OptimizeSqlResult", {
  optimizedSql: Schema.String,
  changed: Schema.Boolean,
  rating: Schema.optional(Rating),
  suggestions: Schema.Array(Schema.String),
  indexRecommendations: Schema.Array(IndexRecommendation),
  raw: Schema.String,
  meta: ResultMeta,
  ...Findings
})

/**
 * @since 0.1.0
 * @category Results
 */
export type OptimizeSqlResult = typeof OptimizeSqlResult.Type

/**
 * The answer to a fix request. `fixedSql` is empty when the model found nothing to return.
 *
 * @since 0.1.0
 * @category Results
 */
export const FixSqlResult = Schema.TaggedStruct("FixSqlResult", {
  fixedSql: Schema.String,
  cause: Schema.String,
  changes: Schema.Array(Schema.String),
  raw: Schema.String,
  meta: ResultMeta,
  ...Findings
})

/**
 * @since 0.1.0
 * @category Results
 */
export type FixSqlResult = typeof FixSqlResult.Type

/**
 * Any of the four results.
 *
 * @since 0.1.0
 * @category Results
 */
export const SqlResult = Schema.Union(GenerateSqlResult, ExplainSqlResult, OptimizeSqlResult, FixSqlResult)

/**
 * @since 0.1.0
 * @category Results
 */
export type SqlResult = typeof SqlResult.Type

/**
 * The result type that answers a given task.
 *
 * @since 0.1.0
 * @category Results
 */
export type ResultFor<T extends { readonly _tag: SqlTaskTag }> = T extends { readonly _tag: "GenerateSql" } ? GenerateSqlResult
  : T extends { readonly _tag: "ExplainSql" } ? ExplainSqlResult
  : T extends { readonly _tag: "OptimizeSql" } ? OptimizeSqlResult
  : FixSqlResult

/**
 * The SQL an answer proposes (the generated, optimized or fixed statement, empty when the model
 * wrote none); `undefined` for an explanation, which proposes none.
 *
 * @since 0.1.0
 * @category Results
 */
export const sqlOf = (result: SqlResult): string | undefined => {
  switch (result._tag) {
    case "GenerateSqlResult":
      return result.sql
    case "ExplainSqlResult":
      return undefined
    case "OptimizeSqlResult":
      return result.optimizedSql
    case "FixSqlResult":
      return result.fixedSql
  }
}

/**
 * What `AiProvider.stream` emits: text as it arrives, then the parsed result once.
 *
 * @since 0.1.0
 * @category Results
 */
export type StreamEvent =
  | { readonly _tag: "TextDelta"; readonly text: string }
  | { readonly _tag: "Completed"; readonly result: SqlResult }
