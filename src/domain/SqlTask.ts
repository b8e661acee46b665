/**
 * The four SQL tasks (generate, explain, optimize, fix): their requests and their results.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { type Dialect, DialectFromDbType } from "./Dialect.js"
import { ProviderId } from "./ProviderId.js"
import { SchemaContextFromInput } from "./SchemaContext.js"

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
const SchemaField = Schema.optional(SchemaContextFromInput)

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
 * Explain what a SQL statement does.
 *
 * @since 0.1.0
 * @category Requests
 */
export const ExplainSqlRequest = Schema.Struct({
  sql: NonBlank,
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

/**
 * Task constructors.
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
  inputTokens: Schema.NonNegativeInt,
  outputTokens: Schema.NonNegativeInt
})

/**
 * @since 0.1.0
 * @category Results
 */
export type Usage = typeof Usage.Type

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
  meta: ResultMeta
})

/**
 * @since 0.1.0
 * @category Results
 */
export type GenerateSqlResult = typeof GenerateSqlResult.Type

/**
 * The answer to an explain request.
 *
 * @since 0.1.0
 * @category Results
 */
export const ExplainSqlResult = Schema.TaggedStruct("ExplainSqlResult", {
  explanation: Schema.String,
  raw: Schema.String,
  meta: ResultMeta
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
  meta: ResultMeta
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
  meta: ResultMeta
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
export type ResultFor<T extends SqlTask> = T extends { readonly _tag: "GenerateSql" } ? GenerateSqlResult
  : T extends { readonly _tag: "ExplainSql" } ? ExplainSqlResult
  : T extends { readonly _tag: "OptimizeSql" } ? OptimizeSqlResult
  : FixSqlResult

/**
 * What `AiProvider.stream` emits: text as it arrives, then the parsed result once.
 *
 * @since 0.1.0
 * @category Results
 */
export type StreamEvent =
  | { readonly _tag: "TextDelta"; readonly text: string }
  | { readonly _tag: "Completed"; readonly result: SqlResult }
