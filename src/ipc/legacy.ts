/**
 * The responses of DB Toolkit's `ai:*` channels, field for field: every field its screens read
 * (even the ones DB Toolkit filled with constants), the empty fields of its error shapes, and its
 * error wording. Where the library knows better than the constants (the parsed explanation, the
 * optimize rating, the kind of a database error) the fields carry that instead; new fields
 * (`provider`, `model`, `usage`, `cost`, `latency_ms`, `fallback` ..., and what the request path
 * found: `check`, `destructive`, `unknown_tables`, `schema_left_out` ...) are added, none removed.
 *
 * @since 0.1.0
 */
import * as AiErrorModule from "../domain/AiError.js"
import type { Dialect } from "../domain/Dialect.js"
import { reply } from "../domain/Limits.js"
import * as Pricing from "../domain/Pricing.js"
import { displayName } from "../domain/ProviderId.js"
import type * as SchemaContext from "../domain/SchemaContext.js"
import * as SqlCheck from "../domain/SqlCheck.js"
import * as SqlTask from "../domain/SqlTask.js"
import * as Untrusted from "../internal/Untrusted.js"
import type { Attempt } from "../resilience/Fallback.js"
import type { AiEvent } from "../services/AiEvents.js"
import type { Answer } from "../services/AiService.js"
import type * as ExplainTables from "../services/ExplainTables.js"
import * as Contract from "./contract.js"
import * as Heuristics from "./heuristics.js"

/**
 * The eleven channels DB Toolkit registers today.
 *
 * @since 0.1.0
 * @category Channels
 */
export const channels = Contract.legacyChannels

/**
 * A legacy channel name.
 *
 * @since 0.1.0
 * @category Channels
 */
export type Channel = Contract.LegacyChannel

/**
 * What every handler resolves with: `success`, an `error` message when it is false, and the
 * channel's fields.
 *
 * @since 0.1.0
 * @category Models
 */
export type Response = Contract.Response

/**
 * DB Toolkit's words for "no provider": the generate channels name its `.env` keys, the others
 * say only "AI not configured".
 *
 * @since 0.1.0
 * @category Errors
 */
export const notConfiguredMessage = (channel: string): string =>
  channel === "ai:generate-query" || channel === "ai:generate-sql"
    ? "AI not configured. Set CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN in .env"
    : "AI not configured"

/**
 * A failure in the channel's error shape: `{success: false, error, ...the channel's empty fields}`
 * plus `extra` (the preload bridge builds its refusals with the same function).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const failure = Contract.failure

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * An error message with the provider and its HTTP status:
 * `Incorrect API key (provider: OpenAI, status 401)`. Provider messages never contain a key.
 *
 * @since 0.1.0
 * @category Errors
 */
const aiErrorMessage = (error: AiErrorModule.AiError): string =>
  `${Untrusted.truncate(error.message, reply.messageChars)} (provider: ${displayName[error.provider]}${error.status !== undefined ? `, status ${error.status}` : ""})`

const attemptView = (a: Attempt) => ({
  provider: a.provider,
  error: aiErrorMessage(a.error),
  error_kind: a.error._tag,
  ...(a.error.status !== undefined ? { status: a.error.status } : {})
})

/**
 * Anything a handler can fail with: a tagged error with a message.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Failure {
  readonly _tag: string
  readonly message: string
}

/**
 * The message and the structured fields of a failure, as a channel answers it:
 *
 * - `AiNotConfigured`: DB Toolkit's wording for the channel;
 * - a provider error: its message with the provider and status, plus `provider` and `status`
 *   (and `field` for a configuration or request it names, `tables` for the tables the SQL names
 *   that do not fit the model's context window);
 * - `AllProvidersFailed`: every attempt's message in order, plus `attempts`;
 * - `BudgetExceeded`: its message, plus the limit;
 * - anything else (bad input, settings): its message, plus `field` when it names one.
 *
 * `error_kind` is the error's tag (not `error_type`, which `ai:fix-query` uses for the database
 * error it was asked to fix).
 *
 * @since 0.1.0
 * @category Errors
 */
const describe = (channel: string, error: Failure): { readonly message: string; readonly fields: Record<string, unknown> } => {
  const kind = { error_kind: error._tag }
  if (error._tag === "AiNotConfigured") return { message: notConfiguredMessage(channel), fields: kind }
  const e = error as Failure & Record<string, unknown>
  const field = typeof e["field"] === "string" ? { field: e["field"] } : {}
  if (AiErrorModule.isAiError(error)) {
    // The tables the SQL names that do not fit the model's context window, for a UI to show.
    const tables = error._tag === "ContextTooLong" && error.tables !== undefined ? { tables: error.tables } : {}
    return {
      message: aiErrorMessage(error),
      fields: { ...kind, provider: error.provider, ...(error.status !== undefined ? { status: error.status } : {}), ...field, ...tables }
    }
  }
  if (error._tag === "AllProvidersFailed" && Array.isArray(e["attempts"])) {
    const attempts = (e["attempts"] as ReadonlyArray<Attempt>).map(attemptView)
    return {
      message: attempts.length === 0 ? error.message : `All AI providers failed: ${attempts.map((a) => a.error).join("; ")}`,
      fields: { ...kind, attempts }
    }
  }
  if (error._tag === "BudgetExceeded") {
    return {
      message: error.message,
      fields: { ...kind, budget: { kind: e["kind"], limit_usd: e["limitUsd"], spent_usd: e["spentUsd"], estimate_usd: e["estimateUsd"] ?? null } }
    }
  }
  return { message: error.message, fields: { ...kind, ...field } }
}

/**
 * A failure as the channel answers it (see {@link describe}).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromError = (channel: string, error: Failure, extra: Readonly<Record<string, unknown>> = {}): Response => {
  const { fields, message } = describe(channel, error)
  return failure(channel, message, { ...fields, ...extra })
}

/**
 * What a handler answers for a defect (a bug, never an expected failure): still a response.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromDefect = (channel: string, defect: unknown): Response => {
  const detail = defect instanceof Error ? defect.message : typeof defect === "string" ? defect : "unknown error"
  return failure(channel, `Internal error in the AI service: ${detail}`, { error_kind: "Defect" })
}

/**
 * What a handler answers when the runtime cannot run it: the AI stack failed to start (its
 * database or key store) or was shut down.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const unavailable = Contract.unavailable

// ---------------------------------------------------------------------------
// Served answers
// ---------------------------------------------------------------------------

/**
 * Who served an answer and what it took: provider, model, token usage, cost (`usd` null when the
 * price is unknown), latency, whether a fallback served it and the providers that failed first,
 * and whether the response cache served it (`cached`: no provider asked, cost 0).
 *
 * @since 0.1.0
 * @category Constructors
 */
const servedBy = (answer: Answer<unknown>): Record<string, unknown> => ({
  provider: answer.provider,
  provider_name: displayName[answer.provider],
  model: answer.model,
  usage: { input_tokens: answer.usage.inputTokens, output_tokens: answer.usage.outputTokens },
  cost: { usd: answer.cost.usd ?? null, source: answer.cost.source },
  latency_ms: answer.latencyMs,
  fallback: answer.fallback,
  failed_providers: answer.failed.map(attemptView),
  cached: answer.cached
})

/**
 * What the request path found about an answer, on the four query channels' answers (their
 * failures with an answer too):
 *
 * - `check`: the SQL's check (`SqlCheck.SqlCheckResult`, its own camelCase fields), `null` for an
 *   explanation;
 * - `destructive` (`[{kind, reason}]`), `unknown_tables` (`[name]`), `unknown_columns`
 *   (`[{table?, column}]`): its flags, so a UI can ask before running the SQL; `flagged`: any of
 *   them, or a parse error;
 * - `repaired`: the SQL is the repair round's (the first answer did not parse);
 * - `schema_sent` / `schema_left_out`: the tables the prompt's schema sent and left out to fit
 *   the model's context window; `schema_text_left_out`: its free text (DDL) was left out.
 *
 * @since 0.1.0
 * @category Constructors
 */
const findings = (answer: Answer<unknown>): Record<string, unknown> => {
  const check = answer.check
  return {
    check: check ?? null,
    destructive: check?.flags.destructive ?? [],
    unknown_tables: check?.flags.unknownTables ?? [],
    unknown_columns: check?.flags.unknownColumns ?? [],
    flagged: check !== undefined && SqlCheck.isFlagged(check),
    repaired: answer.repaired,
    schema_sent: answer.schemaSent,
    schema_left_out: answer.schemaLeftOut,
    schema_text_left_out: answer.schemaTextLeftOut
  }
}

/**
 * `ai:generate-query` / `ai:generate-sql`. The explanation is the model's sentence about its SQL
 * (DB Toolkit's constant when it wrote none). An answer without SQL (the model asked for more
 * information) is a failure whose error is the model's words.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const generated = (channel: string, answer: Answer<SqlTask.GenerateSqlResult>): Response => {
  const r = answer.result
  if (r.sql.trim() === "") {
    const words = (r.explanation ?? r.raw).trim()
    return failure(channel, words === "" ? "The AI model returned no SQL" : words, { error_kind: "NoSql", ...servedBy(answer), ...findings(answer) })
  }
  return {
    success: true,
    sql: r.sql,
    explanation: r.explanation ?? "Query generated from natural language",
    confidence: "high",
    ...servedBy(answer),
    ...findings(answer)
  }
}

/**
 * `ai:explain-query`: the explanation, and the statement's complexity from its structure (DB
 * Toolkit always said `medium`).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const explained = (answer: Answer<SqlTask.ExplainSqlResult>, complexity: "low" | "medium" | "high"): Response => ({
  success: true,
  explanation: answer.result.explanation,
  complexity,
  ...servedBy(answer),
  ...findings(answer)
})

const assessment = { good: "Good", fair: "Fair", poor: "Poor" } as const

/**
 * `ai:optimize-query`: the parsed suggestions (DB Toolkit sent the raw answer as the only one),
 * the optimized statement (the original when nothing changed), the rating as the assessment
 * (`Analyzed` without one), and the recommended indexes as improvements.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const optimized = (answer: Answer<SqlTask.OptimizeSqlResult>): Response => {
  const r = answer.result
  return {
    success: true,
    suggestions: r.suggestions,
    optimized_query: r.optimizedSql,
    performance_assessment: r.rating ? assessment[r.rating] : "Analyzed",
    improvements: r.indexRecommendations.map((i) => (i.reason ? `${i.statement} -- ${i.reason}` : i.statement)),
    rating: r.rating ?? null,
    changed: r.changed,
    index_recommendations: r.indexRecommendations.map((i) => ({ statement: i.statement, reason: i.reason ?? null })),
    ...servedBy(answer),
    ...findings(answer)
  }
}

/**
 * `ai:fix-query`: the cause as the explanation (the raw answer when the model named none), the
 * fixed statement, and the kind of the database error (DB Toolkit always said `syntax`). An
 * answer without SQL is a failure: accepting an empty fix would empty the editor.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fixed = (answer: Answer<SqlTask.FixSqlResult>, errorMessage: string): Response => {
  const r = answer.result
  const explanation = r.cause.trim() !== "" ? r.cause : r.raw.trim()
  if (r.fixedSql.trim() === "") {
    return failure("ai:fix-query", explanation === "" ? "The AI model returned no fixed query" : explanation, {
      error_kind: "NoSql",
      ...servedBy(answer),
      ...findings(answer)
    })
  }
  return {
    success: true,
    explanation,
    fixed_query: r.fixedSql,
    error_type: Heuristics.errorType(errorMessage),
    changes: r.changes,
    ...servedBy(answer),
    ...findings(answer)
  }
}

/**
 * `ai:analyze-table`: the model's description of the table as `summary` and its first sentence
 * as `purpose`, with the rule-based parts DB Toolkit left empty filled in: index recommendations
 * (as statements), common queries (as SQL text, which its table screen renders), likely
 * relationships, and the `index_suggestions` and `potential_issues` that screen expects.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const tableAnalysis = (
  table: SchemaContext.Table,
  dialect: Dialect,
  answer: Answer<SqlTask.ExplainSqlResult>
): Response => ({ success: true, ...tableParts(table, dialect, answer.result.explanation), ...servedBy(answer) })

// The fields of a table's analysis: `summary` (the model's words) and the rule-based parts.
const tableParts = (table: SchemaContext.Table, dialect: Dialect, summary: string): Record<string, unknown> => {
  const indexes = Heuristics.suggestIndexes(table)
  const issues = Heuristics.tableIssues(table)
  const related = Heuristics.relationships([table])
    .map(Heuristics.formatRelationship)
  const guessed = table.columns
    .filter((c) => /_id$/i.test(c.name) && !related.some((r) => r.startsWith(`${table.name}.${c.name} `)))
    .map((c) => `${table.name}.${c.name} likely references the id of a ${c.name.slice(0, -3)} table`)
  return {
    table_name: table.name,
    summary,
    purpose: Heuristics.firstSentence(summary) ?? "Data storage and retrieval",
    suggestions: [...indexes.map((i) => i.reason), ...issues],
    common_queries: Heuristics.commonQueries(table, dialect).slice(0, 5).map((q) => q.query),
    index_recommendations: indexes.map((i) => Heuristics.createIndexStatement(table.name, i, dialect)),
    relationship_suggestions: [...related, ...guessed],
    index_suggestions: indexes.map((i) => i.reason),
    potential_issues: issues
  }
}

/**
 * What a listed table's entry says when the model's answer had no section for it.
 *
 * @since 0.1.0
 * @category Constants
 */
export const skippedNote = "The AI model's answer had no section for this table: only the rule-based parts are given"

// Who served a list's answers, together: the first answer's provider and model, every call's
// usage and cost added up, the whole list's time, and whether any call fell back or all were cached.
const servedByAll = (answers: ReadonlyArray<Answer<unknown>>, latencyMs: number): Record<string, unknown> => {
  const first = servedBy(answers[0]!)
  const usage = answers.map((a) => a.usage).reduce(SqlTask.addUsage)
  const cost = answers.map((a) => a.cost).reduce(Pricing.add)
  return {
    ...first,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    cost: { usd: cost.usd ?? null, source: cost.source },
    latency_ms: latencyMs,
    fallback: answers.some((a) => a.fallback),
    failed_providers: answers.flatMap((a) => a.failed.map(attemptView)),
    cached: answers.every((a) => a.cached)
  }
}

/**
 * `ai:analyze-table` with a list of tables: one entry per table, in the order given, each in the
 * single-table answer's shape with what its provider call found (`findings`), `batch` (its
 * provider call, 1-based) and `analyzed` (false, with `note`, when the model's answer skipped it:
 * the rule-based parts only); a table whose call failed is that call's failure. Beside them, who
 * served the calls (added up, see `servedByAll`) and `batches`, how many calls were made. When
 * every call failed, the list is a failure: the first error, with the entries.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const tableAnalyses = (tables: ReadonlyArray<SchemaContext.Table>, dialect: Dialect, result: ExplainTables.Result): Response => {
  const answers: Array<Answer<SqlTask.ExplainSqlResult>> = []
  const entries = result.tables.map((outcome, i): Response => {
    const table = tables[i]!
    const batch = { batch: outcome.batch }
    if (outcome._tag === "Failed") return fromError("ai:analyze-table", outcome.error, { table_name: table.name, analyzed: false, ...batch })
    if (!answers.includes(outcome.answer)) answers.push(outcome.answer)
    const found = { ...servedBy(outcome.answer), ...findings(outcome.answer), ...batch }
    return outcome._tag === "Explained"
      ? { success: true, ...tableParts(table, dialect, outcome.explanation), ...found, analyzed: true }
      : { success: true, ...tableParts(table, dialect, ""), ...found, analyzed: false, note: skippedNote }
  })
  const list = { tables: entries, batches: result.batches.length }
  const failed = result.tables.find((o) => o._tag === "Failed")
  if (answers.length === 0 && failed?._tag === "Failed") return fromError("ai:analyze-table", failed.error, list)
  return { success: true, ...list, ...servedByAll(answers, result.latencyMs) }
}

// ---------------------------------------------------------------------------
// Rule-based channels
// ---------------------------------------------------------------------------

/**
 * `ai:analyze-schema`, or its "No tables found in schema" failure.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const schemaAnalysis = (schemaName: string, tables: ReadonlyArray<SchemaContext.Table>): Response => {
  const analysis = Heuristics.analyzeSchema(schemaName, tables)
  return analysis === undefined
    ? failure("ai:analyze-schema", "No tables found in schema", { schema_name: schemaName })
    : { success: true, ...analysis }
}

/**
 * `ai:suggest-indexes`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const indexSuggestions = (table: SchemaContext.Table, queryPatterns: unknown, dialect: Dialect): Response => {
  const suggestions = Heuristics.suggestIndexes(table, queryPatterns)
  return {
    success: true,
    table_name: table.name,
    index_suggestions: suggestions,
    performance_impact: Heuristics.performanceImpact(suggestions),
    statements: suggestions.map((s) => Heuristics.createIndexStatement(table.name, s, dialect))
  }
}

/**
 * `ai:analyze-relationships`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const relationshipAnalysis = (tables: ReadonlyArray<SchemaContext.Table>): Response => {
  const relationships = Heuristics.relationships(tables)
  return { success: true, relationships, total_suggestions: relationships.length }
}

/**
 * `ai:generate-common-queries`: the first five templates and how many there were.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const commonQueries = (table: SchemaContext.Table, dialect: Dialect): Response => {
  const queries = Heuristics.commonQueries(table, dialect)
  return { success: true, table_name: table.name, queries: queries.slice(0, 5), total_generated: queries.length }
}

/**
 * `ai:generate-common-queries` with a list of tables: each table's answer ({@link commonQueries}),
 * in the order given, and how many templates there were in all. Rule-based: no provider is asked.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const commonQueriesList = (tables: ReadonlyArray<SchemaContext.Table>, dialect: Dialect): Response => {
  const entries = tables.map((t) => commonQueries(t, dialect))
  return { success: true, tables: entries, total_generated: entries.reduce((n, e) => n + (e["total_generated"] as number), 0) }
}

/**
 * `ai:suggest-completion`: DB Toolkit's fixed list.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const completion = (): Response => ({ success: true, suggestions: Heuristics.completions, context: "basic" })

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

/**
 * An event as `ai:events:recent` lists it: plain data (an error becomes its message).
 *
 * @since 0.1.0
 * @category Models
 */
export type EventView = Readonly<Record<string, unknown>> & { readonly type: AiEvent["_tag"]; readonly at: number }

/**
 * Turns an event into plain data a renderer can receive.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const eventView = (event: AiEvent): EventView => {
  switch (event._tag) {
    case "FallbackTaken":
      return {
        type: event._tag,
        at: event.at,
        from: event.from,
        to: event.to,
        error: aiErrorMessage(event.error),
        error_kind: event.error._tag,
        ...(event.error.status !== undefined ? { status: event.error.status } : {})
      }
    case "ProviderDown":
      return { type: event._tag, at: event.at, provider: event.provider, error: event.error }
    case "ProviderDisabled":
      return { type: event._tag, at: event.at, provider: event.provider, reason: event.reason }
    case "ProviderRecovered":
    case "ProviderEnabled":
      return { type: event._tag, at: event.at, provider: event.provider }
    case "BudgetNearLimit":
      return { type: event._tag, at: event.at, kind: event.kind, spent_usd: event.spentUsd, limit_usd: event.limitUsd }
  }
}

