/**
 * What the emulators do with a request for a structured answer (OpenAI/Azure/Workers AI
 * `response_format`, Gemini `responseJsonSchema`, Anthropic's forced tool, Ollama `format`): read
 * it from the body, and render an answer as the JSON the real APIs would hold the model to.
 *
 * An answer is rendered from its text form: the text is read with `AnswerParser` for the task the
 * prompt asks for, and written as the task's structured answer (`AnswerSchemas`), keeping only
 * the properties the requested schema has. A reply that already is a JSON object is kept as it is.
 *
 * @since 0.1.0
 */
import * as AnswerParser from "../domain/AnswerParser.js"
import type { ChatInput, StructuredRequest } from "./Emulator.js"
import * as SqlRule from "./SqlRule.js"

const record = (u: unknown): Record<string, unknown> | undefined =>
  typeof u === "object" && u !== null && !Array.isArray(u) ? (u as Record<string, unknown>) : undefined

/**
 * The structured answer an OpenAI-shaped body asks for: `response_format` of type `json_schema`,
 * either OpenAI's `{name, schema, strict}` or Workers AI's schema itself; `json_object` asks for
 * JSON with no schema.
 *
 * @since 0.1.0
 * @category Requests
 */
export const fromResponseFormat = (body: unknown): StructuredRequest | undefined => {
  const format = record(record(body)?.response_format)
  if (format?.type === "json_object") return { via: "response_format", schema: undefined }
  if (format?.type !== "json_schema") return undefined
  const spec = record(format.json_schema)
  const wrapped = record(spec?.schema)
  return wrapped !== undefined
    ? { via: "response_format", name: typeof spec?.name === "string" ? spec.name : undefined, schema: wrapped }
    : { via: "response_format", schema: spec }
}

/**
 * What OpenAI's strict mode refuses in a `json_schema` (its 400 "Invalid schema for
 * response_format"): a name outside `[a-zA-Z0-9_-]{1,64}`, an object without
 * `additionalProperties: false`, or a property missing from `required`. `undefined` when the
 * schema passes.
 *
 * @since 0.1.0
 * @category Requests
 */
export const strictProblem = (request: StructuredRequest): string | undefined => {
  if (request.name !== undefined && !/^[a-zA-Z0-9_-]{1,64}$/.test(request.name)) {
    return `Invalid 'response_format.json_schema.name': string does not match pattern '^[a-zA-Z0-9_-]+$'.`
  }
  const check = (node: unknown, path: string): string | undefined => {
    const n = record(node)
    if (n === undefined) return undefined
    if (n.type === "object") {
      const properties = record(n.properties) ?? {}
      if (n.additionalProperties !== false) return `In context=(${path}), 'additionalProperties' is required to be supplied and to be false.`
      const required = Array.isArray(n.required) ? n.required : []
      const missing = Object.keys(properties).find((k) => !required.includes(k))
      if (missing !== undefined) return `In context=(${path}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`
      for (const [k, v] of Object.entries(properties)) {
        const problem = check(v, path === "" ? `'properties', '${k}'` : `${path}, 'properties', '${k}'`)
        if (problem !== undefined) return problem
      }
    }
    return n.type === "array" ? check(n.items, `${path}${path === "" ? "" : ", "}'items'`) : undefined
  }
  const problem = check(request.schema, "")
  return problem === undefined ? undefined : `Invalid schema for response_format '${request.name ?? ""}': ${problem}`
}

/**
 * Whether a reply is a JSON object (a structured answer, or a scripted one given as JSON).
 *
 * @since 0.1.0
 * @category Rendering
 */
export const isJsonObject = (text: string): boolean => {
  try {
    return record(JSON.parse(text)) !== undefined
  } catch {
    return false
  }
}

// The properties a schema asks for, or undefined for any.
const propertiesOf = (schema: unknown): ReadonlyArray<string> | undefined => {
  const properties = record(record(schema)?.properties)
  return properties === undefined ? undefined : Object.keys(properties)
}

// The text answer of a task as its structured answer.
const fields = (task: ReturnType<typeof SqlRule.taskOf>, text: string, prompt: string): Record<string, unknown> => {
  const original = SqlRule.fenced(prompt)
  switch (task) {
    case "GenerateSql": {
      const g = AnswerParser.parseGenerate(text)
      return { sql: g.sql, explanation: g.explanation ?? "" }
    }
    case "OptimizeSql": {
      const o = AnswerParser.parseOptimize(text, original)
      return {
        rating: o.rating ?? "fair",
        optimizedSql: o.optimizedSql,
        indexes: o.indexRecommendations.map((i) => ({ statement: i.statement, reason: i.reason ?? "" })),
        suggestions: o.suggestions
      }
    }
    case "FixSql": {
      const f = AnswerParser.parseFix(text, original)
      return { cause: f.cause, fixedSql: f.fixedSql, changes: f.changes }
    }
    default:
      return { explanation: AnswerParser.parseExplain(text).explanation }
  }
}

/**
 * Renders an answer as the structured answer a request asked for (see the module notes).
 *
 * @since 0.1.0
 * @category Rendering
 */
export const render = (text: string, input: Pick<ChatInput, "user" | "structured">): string => {
  if (isJsonObject(text)) return text
  const prompt = SqlRule.request(input.user)
  const all = fields(SqlRule.taskOf(prompt), text, prompt)
  const wanted = propertiesOf(input.structured?.schema)
  return JSON.stringify(wanted === undefined ? all : Object.fromEntries(wanted.map((k) => [k, all[k] ?? ""])))
}
