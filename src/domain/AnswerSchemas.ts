/**
 * The structured answer of each task: the JSON Schema sent to providers that can hold a model to
 * one (OpenAI/Azure `response_format`, Gemini `responseJsonSchema`, Anthropic tool input, Ollama
 * `format`, Workers AI JSON mode), and the Schema that decodes the reply.
 *
 * The fields mirror the task results (`SqlTask`) and what `AnswerParser` reads from text:
 * generate `sql` + `explanation`; explain `explanation`; optimize `rating`, `optimizedSql`,
 * `indexes` (`statement` + `reason`) and `suggestions`; fix `cause`, `fixedSql` and `changes`.
 * Each JSON Schema is in the subset every one of those APIs accepts: every property required,
 * `additionalProperties: false` (OpenAI's strict mode demands both), `enum` for the rating, no
 * `$ref`, no formats.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import type { SqlTask, SqlTaskTag } from "./SqlTask.js"

/**
 * A JSON Schema, as plain JSON.
 *
 * @since 0.1.0
 * @category Models
 */
export type JsonSchema = Readonly<Record<string, unknown>>

/**
 * What a provider is sent to ask for a task's structured answer: a name (OpenAI's
 * `json_schema.name`, Anthropic's tool name), one line saying what it is, and the schema.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AnswerSchema {
  readonly task: SqlTaskTag
  readonly name: string
  readonly description: string
  readonly schema: JsonSchema
}

const str = (description: string) => ({ type: "string", description })
const strings = (description: string) => ({ type: "array", description, items: { type: "string" } })
const object = (properties: Record<string, unknown>): JsonSchema => ({
  type: "object",
  properties,
  required: Object.keys(properties),
  additionalProperties: false
})

/**
 * The structured answer of each task.
 *
 * @since 0.1.0
 * @category Constants
 */
export const answerSchemas: Readonly<Record<SqlTaskTag, AnswerSchema>> = {
  GenerateSql: {
    task: "GenerateSql",
    name: "sql_answer",
    description: "The SQL query that answers the request, and one short sentence about it.",
    schema: object({
      sql: str("The SQL query, or \"\" when the schema lacks what the request needs."),
      explanation: str("At most one short sentence; or what is missing when sql is \"\".")
    })
  },
  ExplainSql: {
    task: "ExplainSql",
    name: "sql_explanation",
    description: "A plain-prose explanation of the query.",
    schema: object({
      explanation: str("Plain prose: the query's purpose, tables, key operations and result.")
    })
  },
  OptimizeSql: {
    task: "OptimizeSql",
    name: "sql_optimization",
    description: "A review of the query's performance with an optimized query.",
    schema: object({
      rating: { type: "string", enum: ["good", "fair", "poor"], description: "How good the original query is." },
      optimizedSql: str("The optimized query, returning exactly the same result; the original unchanged if it is already optimal."),
      indexes: {
        type: "array",
        description: "Indexes that would help; [] if none.",
        items: object({ statement: str("A CREATE INDEX statement."), reason: str("Why it helps.") })
      },
      suggestions: strings("One change per item; [] if the query is already optimal.")
    })
  },
  FixSql: {
    task: "FixSql",
    name: "sql_fix",
    description: "The cause of the error and the corrected query.",
    schema: object({
      cause: str("One sentence naming the cause of the error."),
      fixedSql: str("The corrected query."),
      changes: strings("One change per item.")
    })
  }
}

/**
 * The structured answer of an explain request that asks for sections (`ExplainSqlRequest.sections`):
 * one `{ name, explanation }` per name. An array rather than one property per name: the schema
 * stays the same whatever the names are, and no name has to be a valid property key.
 *
 * @since 0.1.0
 * @category Constants
 */
export const sectionedExplain: AnswerSchema = {
  task: "ExplainSql",
  name: "sql_explanations",
  description: "One plain-prose explanation per section name, in the order the names are listed.",
  schema: object({
    sections: {
      type: "array",
      description: "One item per section name listed in the request, in that order.",
      items: object({
        name: str("The section's name, exactly as listed."),
        explanation: str("Plain prose about that section's statement.")
      })
    }
  })
}

/**
 * The structured answer a task is asked for: {@link sectionedExplain} for an explain request
 * with sections, the task's own (`answerSchemas`) otherwise.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const forTask = (task: SqlTask): AnswerSchema =>
  task._tag === "ExplainSql" && task.sections !== undefined && task.sections.length > 0 ? sectionedExplain : answerSchemas[task._tag]

// The replies, as decoded. Lenient where a model drifts without harm (a missing list is empty, a
// rating in capitals), strict on the one field an answer cannot do without.
const Text = Schema.optionalWith(Schema.String, { default: () => "" })
const List = Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })

/**
 * A decoded generate answer.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const GenerateJson = Schema.Struct({ sql: Schema.String, explanation: Text })

/**
 * A decoded explain answer.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ExplainJson = Schema.Struct({ explanation: Schema.String })

/**
 * A decoded optimize answer.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const OptimizeJson = Schema.Struct({
  rating: Schema.optional(Schema.String),
  optimizedSql: Schema.String,
  indexes: Schema.optionalWith(
    Schema.Array(Schema.Union(Schema.String, Schema.Struct({ statement: Schema.String, reason: Schema.optional(Schema.String) }))),
    { default: () => [] }
  ),
  suggestions: List
})

/**
 * A decoded fix answer.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const FixJson = Schema.Struct({ cause: Text, fixedSql: Schema.String, changes: List })

/**
 * The decoded answer of each task.
 *
 * @since 0.1.0
 * @category Schemas
 */
export interface Decoded {
  readonly GenerateSql: typeof GenerateJson.Type
  readonly ExplainSql: typeof ExplainJson.Type
  readonly OptimizeSql: typeof OptimizeJson.Type
  readonly FixSql: typeof FixJson.Type
}

/**
 * A decoded sectioned explain answer ({@link sectionedExplain}).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const SectionsJson = Schema.Struct({
  sections: Schema.Array(Schema.Struct({ name: Schema.String, explanation: Text }))
})

const decodeSectionsJson = Schema.decodeUnknownEither(Schema.parseJson(SectionsJson))

const decoders = {
  GenerateSql: Schema.decodeUnknownEither(Schema.parseJson(GenerateJson)),
  ExplainSql: Schema.decodeUnknownEither(Schema.parseJson(ExplainJson)),
  OptimizeSql: Schema.decodeUnknownEither(Schema.parseJson(OptimizeJson)),
  FixSql: Schema.decodeUnknownEither(Schema.parseJson(FixJson))
} as const

// A model that wraps its JSON in a ```json fence (JSON mode without a grammar) is still answering
// in the shape asked for.
const unfenced = (text: string): string => {
  const t = text.trim()
  const m = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/.exec(t)
  return m ? m[1]!.trim() : t
}

/**
 * Decodes a reply as the task's structured answer; `undefined` when it is not JSON of that shape
 * (a model or server that ignored the format), so the caller falls back to the text parser.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const decode = <T extends SqlTaskTag>(task: T, text: string): Decoded[T] | undefined =>
  viaJson(decoders[task] as (u: unknown) => Either.Either<Decoded[T], unknown>, text)

// A reply read as one JSON object of a decoder's shape, or undefined.
const viaJson = <A>(decoder: (u: unknown) => Either.Either<A, unknown>, text: string): A | undefined => {
  const t = unfenced(text)
  if (!t.startsWith("{")) return undefined
  const decoded = decoder(t)
  return Either.isRight(decoded) ? decoded.right : undefined
}

/**
 * Decodes a reply as the sectioned explain answer ({@link sectionedExplain}); `undefined` when it
 * is not JSON of that shape, so the caller falls back to splitting the text by its headings.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const decodeSections = (text: string): typeof SectionsJson.Type | undefined => viaJson(decodeSectionsJson, text)
