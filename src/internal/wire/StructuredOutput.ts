/**
 * How each wire format asks for a task's structured answer (`AnswerSchemas`), one function per
 * format, next to each other so the differences show:
 *
 * | provider | field |
 * |---|---|
 * | OpenAI, Azure | `response_format: {type: "json_schema", json_schema: {name, description, strict: true, schema}}` |
 * | Workers AI | `response_format: {type: "json_schema", json_schema: <schema>}` (the schema itself) |
 * | Gemini | `generationConfig.responseMimeType: "application/json"` + `responseJsonSchema` |
 * | Anthropic | `tools: [{name, description, input_schema}]` + `tool_choice: {type: "tool", name}` |
 * | Ollama | `format: <schema>` |
 *
 * @since 0.1.0
 * @internal
 */
import type { AnswerSchema } from "../../domain/AnswerSchemas.js"

/**
 * OpenAI's and Azure's `response_format`, strict: the model's output is held to the schema.
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export const openAiResponseFormat = (answer: AnswerSchema) => ({
  type: "json_schema",
  json_schema: { name: answer.name, description: answer.description, strict: true, schema: answer.schema }
})

/**
 * Workers AI's `response_format` (JSON mode): `json_schema` is the schema itself.
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export const cloudflareResponseFormat = (answer: AnswerSchema) => ({ type: "json_schema", json_schema: answer.schema })

/**
 * Gemini's `generationConfig` fields: the v1beta `responseJsonSchema` takes JSON Schema as it is
 * (`responseSchema` would want the OpenAPI subset with upper-case types).
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export const geminiGenerationConfig = (answer: AnswerSchema) => ({ responseMimeType: "application/json", responseJsonSchema: answer.schema })

/**
 * Anthropic's forced tool: the answer comes back as the `tool_use` block's `input`. Forcing a
 * tool is refused together with extended thinking, which this library never turns on.
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export const anthropicTool = (answer: AnswerSchema) => ({
  tools: [{ name: answer.name, description: answer.description, input_schema: answer.schema }],
  tool_choice: { type: "tool", name: answer.name }
})

/**
 * Ollama's `format`: a JSON Schema the server turns into a grammar for the model.
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export const ollamaFormat = (answer: AnswerSchema) => answer.schema
