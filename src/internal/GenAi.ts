/**
 * The OpenTelemetry GenAI semantic conventions as this library speaks them: the provider and
 * operation names, and the one function that turns typed annotations into span attributes.
 * Pure: the spans themselves are made in `layers/Telemetry.ts`.
 *
 * Attribute keys follow `@opentelemetry/semantic-conventions` 1.45 (incubating GenAI keys).
 * Keys of this library's own live under `db_toolkit.ai.*`.
 *
 * @since 0.1.0
 */
import type * as Prompts from "../domain/Prompts.js"
import type { ProviderId } from "../domain/ProviderId.js"
import type { FinishReason, SqlTaskTag } from "../domain/SqlTask.js"

/**
 * A span attribute value, as OpenTelemetry accepts it.
 *
 * @since 0.1.0
 * @category Models
 */
export type AttributeValue = string | number | boolean | ReadonlyArray<string>

/**
 * What a span may say about a GenAI call, grouped as the conventions group their keys. Each
 * group becomes a key prefix and each camelCase field a snake_case suffix:
 * `request.maxTokens` is `gen_ai.request.max_tokens`, `usage.inputTokens` is
 * `gen_ai.usage.input_tokens`, `systemInstructions` is `gen_ai.system_instructions`. `server` and
 * `error` are the general keys (`server.address`, `error.type`), `dbToolkit` this library's own
 * (`db_toolkit.ai.*`). Undefined values are left out.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Annotations {
  readonly operation?: { readonly name?: string | undefined } | undefined
  readonly provider?: { readonly name?: string | undefined } | undefined
  readonly request?: {
    readonly model?: string | undefined
    readonly temperature?: number | undefined
    readonly maxTokens?: number | undefined
    readonly stream?: boolean | undefined
  } | undefined
  readonly response?: {
    readonly model?: string | undefined
    readonly finishReasons?: ReadonlyArray<string> | undefined
    /** Seconds from the request to the first streamed text. */
    readonly timeToFirstChunk?: number | undefined
  } | undefined
  readonly usage?: { readonly inputTokens?: number | undefined; readonly outputTokens?: number | undefined } | undefined
  /** Content: recorded only when the user opted in (JSON, as the conventions' schemas say). */
  readonly systemInstructions?: string | undefined
  readonly input?: { readonly messages?: string | undefined } | undefined
  readonly output?: { readonly messages?: string | undefined } | undefined
  readonly server?: { readonly address?: string | undefined; readonly port?: number | undefined } | undefined
  readonly error?: { readonly type?: string | undefined } | undefined
  readonly dbToolkit?: {
    /** The library operation (`generate_sql` ...). */
    readonly operation?: Operation | undefined
    /** This library's provider id (the key of settings, metrics and errors). */
    readonly provider?: ProviderId | undefined
    readonly stream?: boolean | undefined
    /** The provider the request was pinned to (no fallback). */
    readonly pinned?: ProviderId | undefined
    /** How many providers failed before the one that served. */
    readonly fallbacks?: number | undefined
    /** The provider's request id, for support tickets. */
    readonly requestId?: string | undefined
    /** The call is the repair round: the previous answer's SQL did not parse. */
    readonly repair?: boolean | undefined
  } | undefined
}

// Groups whose keys are not under `gen_ai.`.
const roots: Readonly<Record<string, string>> = { server: "server", error: "error", dbToolkit: "db_toolkit.ai" }

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * Turns annotations into span attributes with the conventions' keys, skipping undefined values.
 *
 * @since 0.1.0
 * @category Attributes
 */
export const toAttributes = (annotations: Annotations): Record<string, AttributeValue> => {
  const out: Record<string, AttributeValue> = {}
  for (const [group, value] of Object.entries(annotations) as Array<[string, unknown]>) {
    if (value === undefined) continue
    if (typeof value === "object" && value !== null) {
      const prefix = roots[group] ?? `gen_ai.${snake(group)}`
      for (const [key, v] of Object.entries(value) as Array<[string, AttributeValue | undefined]>) {
        if (v !== undefined) out[`${prefix}.${snake(key)}`] = v
      }
    } else {
      out[`gen_ai.${snake(group)}`] = value as AttributeValue
    }
  }
  return out
}

/**
 * `gen_ai.provider.name` for each provider: the conventions' well-known value where there is one
 * (`openai`, `anthropic`, `azure.ai.openai`, `gcp.gemini`), otherwise a name in the same style
 * (`cloudflare.workers_ai`, `ollama`).
 *
 * @since 0.1.0
 * @category Constants
 */
export const providerName: Readonly<Record<ProviderId, string>> = {
  openai: "openai",
  anthropic: "anthropic",
  "azure-openai": "azure.ai.openai",
  gemini: "gcp.gemini",
  cloudflare: "cloudflare.workers_ai",
  ollama: "ollama"
}

/**
 * `gen_ai.operation.name` of a provider call: every provider is asked through its chat API.
 *
 * @since 0.1.0
 * @category Constants
 */
export const chatOperation = "chat"

/**
 * The library operations, as `db_toolkit.ai.operation` and operation span names say them.
 *
 * @since 0.1.0
 * @category Models
 */
type Operation = "generate_sql" | "explain_sql" | "optimize_sql" | "fix_sql"

/**
 * The library operation of each task.
 *
 * @since 0.1.0
 * @category Constants
 */
export const operationOf: Readonly<Record<SqlTaskTag, Operation>> = {
  GenerateSql: "generate_sql",
  ExplainSql: "explain_sql",
  OptimizeSql: "optimize_sql",
  FixSql: "fix_sql"
}

/**
 * A finish reason as the conventions spell it (`content_filter`, `tool_call`).
 *
 * @since 0.1.0
 * @category Constants
 */
const finishReasonName: Readonly<Record<FinishReason, string>> = {
  stop: "stop",
  length: "length",
  "content-filter": "content_filter",
  "tool-calls": "tool_call",
  other: "other"
}

/**
 * The span name of a provider call: `{gen_ai.operation.name} {gen_ai.request.model}`.
 *
 * @since 0.1.0
 * @category Attributes
 */
export const chatSpanName = (model: string): string => `${chatOperation} ${model}`

/**
 * `server.address` and `server.port` of an endpoint URL; the port is the scheme's default when the
 * URL names none. Undefined for a URL that does not parse.
 *
 * @since 0.1.0
 * @category Attributes
 */
export const serverOf = (endpoint: string | undefined): Annotations["server"] => {
  if (endpoint === undefined) return undefined
  try {
    const url = new URL(endpoint)
    const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : undefined
    return { address: url.hostname.replace(/^\[|\]$/g, ""), port }
  } catch {
    return undefined
  }
}

/**
 * What a finished call says: the answering model, why it stopped, the tokens it used.
 *
 * @since 0.1.0
 * @category Attributes
 */
export const responseOf = (meta: {
  readonly model: string
  readonly finishReason: FinishReason
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number }
  readonly requestId?: string | undefined
}): Annotations => ({
  response: { model: meta.model, finishReasons: [finishReasonName[meta.finishReason]] },
  usage: { inputTokens: meta.usage.inputTokens, outputTokens: meta.usage.outputTokens },
  dbToolkit: { requestId: meta.requestId }
})

/**
 * The prompt a request is sent as, in the conventions' content attributes
 * (`gen_ai.system_instructions`, `gen_ai.input.messages`). Only for users who opted in to content
 * capture.
 *
 * @since 0.1.0
 * @category Content
 */
export const promptContent = (prompt: Pick<Prompts.Prompt, "system" | "user">): Annotations => ({
  systemInstructions: JSON.stringify([{ type: "text", content: prompt.system }]),
  input: { messages: JSON.stringify([{ role: "user", parts: [{ type: "text", content: prompt.user }] }]) }
})

/**
 * The model's answer in the conventions' `gen_ai.output.messages`. Only for users who opted in
 * to content capture.
 *
 * @since 0.1.0
 * @category Content
 */
export const answerContent = (text: string, finishReason: FinishReason): Annotations => ({
  output: {
    messages: JSON.stringify([
      { role: "assistant", parts: [{ type: "text", content: text }], finish_reason: finishReasonName[finishReason] }
    ])
  }
})
