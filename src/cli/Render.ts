/**
 * How the CLI shows things to a person (answers, who served them, provider tables, metrics
 * summaries) and as JSON for scripts. Pure functions from values to lines; the commands and
 * the demo share them.
 *
 * @since 0.1.0
 */
import type * as Metrics from "../domain/Metrics.js"
import type * as Pricing from "../domain/Pricing.js"
import { displayName, type ProviderId } from "../domain/ProviderId.js"
import * as SqlCheck from "../domain/SqlCheck.js"
import type * as SqlTask from "../domain/SqlTask.js"
import type { Attempt } from "../resilience/Fallback.js"
import type { ProviderStatus } from "../resilience/Health.js"
import type { ProviderView } from "../services/AiService.js"
import * as ExitCode from "./ExitCode.js"
import { styles, table } from "./Output.js"

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/**
 * US dollars with enough digits to see a fraction of a cent; `n/a` when unknown.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const usd = (value: number | undefined | null): string => {
  if (value === undefined || value === null) return "n/a"
  if (value === 0) return "$0"
  if (value < 0.01) return `$${value.toPrecision(2)}`
  return `$${value.toFixed(value < 1 ? 4 : 2)}`
}

/**
 * Milliseconds, rounded; `-` when unknown.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const ms = (value: number | undefined | null): string => (value === undefined || value === null ? "-" : `${Math.round(value)} ms`)

/**
 * A share as a percentage; `-` when unknown.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const percent = (value: number | undefined | null): string =>
  value === undefined || value === null ? "-" : `${Math.round(value * 1000) / 10}%`

/**
 * A cost with where it came from when it is not the bundled price table.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const cost = (c: Pricing.Cost): string =>
  c.usd === undefined ? "cost unknown" : c.source === "free" ? "free" : c.source === "cache" ? "cached, free" : c.source === "genai-prices" ? usd(c.usd) : `${usd(c.usd)} (${c.source})`

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/**
 * The operations, as the CLI names them.
 *
 * @since 0.1.0
 * @category Models
 */
export type Operation = "generate" | "explain" | "optimize" | "fix"

/**
 * The operation a task is.
 *
 * @since 0.1.0
 * @category Models
 */
export const operationOf: Readonly<Record<SqlTask.SqlTaskTag, Operation>> = {
  GenerateSql: "generate",
  ExplainSql: "explain",
  OptimizeSql: "optimize",
  FixSql: "fix"
}

const block = (sql: string) => sql.trim().split("\n").map((l) => styles.cyan(l))

/**
 * A result's content, without who served it.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const result = (r: SqlTask.SqlResult): Array<string> => {
  switch (r._tag) {
    case "GenerateSqlResult":
      return [
        ...(r.sql !== "" ? block(r.sql) : []),
        ...(r.explanation ? [r.sql !== "" ? styles.dim(r.explanation) : r.explanation] : [])
      ]
    case "ExplainSqlResult":
      return [r.explanation.trim()]
    case "OptimizeSqlResult":
      return [
        `${styles.bold("rating")}: ${r.rating ?? "n/a"}${r.changed ? "" : styles.dim(" (no change proposed)")}`,
        ...block(r.optimizedSql),
        ...r.suggestions.map((s) => `- ${s}`),
        ...r.indexRecommendations.map((i) => `${styles.bold("index")}: ${i.statement}${i.reason ? styles.dim(` -- ${i.reason}`) : ""}`)
      ]
    case "FixSqlResult":
      return [
        `${styles.bold("cause")}: ${r.cause}`,
        ...(r.fixedSql !== "" ? block(r.fixedSql) : []),
        ...r.changes.map((c) => `- ${c}`)
      ]
  }
}

/**
 * The main text of a result, for scripts that want only it: the SQL, or the explanation.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const mainText = (r: SqlTask.SqlResult): string => {
  switch (r._tag) {
    case "GenerateSqlResult":
      return r.sql !== "" ? r.sql : r.explanation ?? ""
    case "ExplainSqlResult":
      return r.explanation
    case "OptimizeSqlResult":
      return r.optimizedSql
    case "FixSqlResult":
      return r.fixedSql
  }
}

/**
 * Who served an answer, how fast and at what cost.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Served {
  readonly provider: ProviderId
  readonly model: string
  readonly latencyMs: number
  readonly usage: SqlTask.Usage
  readonly cost: Pricing.Cost
  readonly fallback: boolean
  readonly failed: ReadonlyArray<Attempt>
  /** Served from the response cache (nothing was sent). */
  readonly cached?: boolean | undefined
}

/**
 * One line saying who served an answer: provider, model, latency, tokens, cost, and the
 * providers that failed first.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const provenance = (s: Served): string => {
  const parts = [
    styles.bold(displayName[s.provider]),
    s.model,
    ms(s.latencyMs),
    `${s.usage.inputTokens} in / ${s.usage.outputTokens} out tokens`,
    cost(s.cost)
  ]
  const fallback = s.fallback
    ? styles.yellow(` fallback after ${s.failed.map((a) => `${displayName[a.provider]} (${a.error._tag})`).join(", ")}`)
    : ""
  return `${styles.dim("served by")} ${parts.join(styles.dim(" · "))}${fallback}`
}

const MAX_NAMES = 10
const names = (list: ReadonlyArray<string>) =>
  list.length > MAX_NAMES ? `${list.slice(0, MAX_NAMES).join(", ")} and ${list.length - MAX_NAMES} more` : list.join(", ")

/**
 * What the request path found about a result, for a person (on stderr, below who served it): the
 * repair round, a parse error or why the SQL was not checked, destructive statements, tables and
 * columns the schema lacks, and the tables left out of the prompt.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const findings = (r: SqlTask.SqlResult): Array<string> => {
  const lines: Array<string> = []
  const check = r.check
  if (r.repaired === true) lines.push(styles.dim("repaired: the first answer did not parse; the model was told why, once"))
  if (check?.parseError !== undefined) lines.push(styles.red(`! does not parse: ${check.parseError.message}`))
  else if (check !== undefined && !check.checked && check.note !== undefined) lines.push(styles.dim(check.note))
  for (const d of check?.flags.destructive ?? []) lines.push(styles.yellow(`! destructive: ${d.reason}`))
  if (check !== undefined && check.flags.unknownTables.length > 0) lines.push(styles.yellow(`! tables not in the schema: ${names(check.flags.unknownTables)}`))
  if (check !== undefined && check.flags.unknownColumns.length > 0) {
    const columns = check.flags.unknownColumns.map((c) => (c.table !== undefined ? `${c.table}.${c.column}` : c.column))
    lines.push(styles.yellow(`! columns not in the schema: ${names(columns)}`))
  }
  const sent = r.schemaSent ?? []
  const leftOut = r.schemaLeftOut ?? []
  if (leftOut.length > 0) {
    lines.push(styles.dim(`schema: ${sent.length} of ${sent.length + leftOut.length} tables sent to fit the model's context; left out: ${names(leftOut)}`))
  }
  if (r.schemaTextLeftOut === true) lines.push(styles.dim("schema: its free text (DDL) did not fit the model's context and was left out"))
  return lines
}

/**
 * What the request path found about a result, as JSON: `check` (`SqlCheck.SqlCheckResult`, null
 * for an explanation), `flagged` (a parse error, a destructive statement or a name the schema
 * lacks), `repaired`, and the tables the prompt's schema sent and left out.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const findingsJson = (r: SqlTask.SqlResult) => ({
  check: r.check ?? null,
  flagged: r.check !== undefined && SqlCheck.isFlagged(r.check),
  repaired: r.repaired ?? false,
  schemaSent: r.schemaSent ?? [],
  schemaLeftOut: r.schemaLeftOut ?? [],
  schemaTextLeftOut: r.schemaTextLeftOut ?? false
})

/**
 * An answer as JSON for scripts: who served it, the usage and cost, what the request path found
 * ({@link findingsJson}), and the result.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const answerJson = (operation: Operation, a: Served & { readonly result: SqlTask.SqlResult; readonly estimate?: unknown }) => ({
  operation,
  provider: a.provider,
  model: a.model,
  fallback: a.fallback,
  failed: a.failed.map((f) => ({ provider: f.provider, error: ExitCode.toJson(f.error) })),
  cached: a.cached ?? false,
  latencyMs: a.latencyMs,
  usage: a.usage,
  cost: a.cost,
  ...(a.estimate !== undefined ? { estimate: a.estimate } : {}),
  ...findingsJson(a.result),
  result: a.result
})

// ---------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------

const yesNo = (b: boolean) => (b ? styles.green("yes") : styles.dim("no"))

/**
 * A provider's health in a word or two.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const health = (h: ProviderStatus | undefined): string => {
  if (h === undefined) return styles.dim("-")
  switch (h.state) {
    case "healthy":
      return styles.green(`healthy${h.latencyMs !== undefined ? ` (${ms(h.latencyMs)})` : ""}`)
    case "degraded":
      return styles.yellow(`degraded${h.latencyMs !== undefined ? ` (${ms(h.latencyMs)})` : ""}`)
    case "down":
    case "disabled":
      return styles.red(h.state)
    case "unknown":
      return styles.dim("not checked yet")
  }
}

/**
 * The providers table: id, configured, enabled, active, model, health (and any problem with a
 * stored configuration, below it).
 *
 * @since 0.1.0
 * @category Rendering
 */
export const providers = (views: ReadonlyArray<ProviderView>, indent = ""): Array<string> => [
  ...table(
    ["id", "configured", "enabled", "active", "model", "health"],
    views.map((v) => [
      v.id,
      yesNo(v.configured),
      v.configured ? yesNo(v.enabled) : styles.dim("-"),
      v.active ? styles.green("yes") : styles.dim("no"),
      v.configured ? v.model ?? "-" : styles.dim(v.model ?? "-"),
      v.configured ? health(v.health) : styles.dim("-")
    ]),
    { indent }
  ),
  ...views.filter((v) => v.problem !== undefined).map((v) => `${indent}${styles.red("!")} ${v.id}: ${v.problem}`)
]

/**
 * A provider as JSON.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const providerJson = (v: ProviderView) => ({
  id: v.id,
  displayName: v.displayName,
  configured: v.configured,
  enabled: v.enabled,
  active: v.active,
  model: v.model ?? null,
  health: v.health?.state ?? null,
  healthLatencyMs: v.health?.latencyMs ?? null,
  problem: v.problem ?? null
})

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

/**
 * The metrics summary table: per provider requests, success rate, p50/p95 latency, tokens and
 * cost, then the total.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const summaries = (
  rows: ReadonlyArray<{ readonly provider: ProviderId; readonly summary: Metrics.Summary }>,
  total: Metrics.Summary | undefined,
  indent = ""
): Array<string> => {
  const cells = (name: string, s: Metrics.Summary) => [
    name,
    String(s.requests),
    percent(s.successRate),
    ms(s.latency.p50Ms),
    ms(s.latency.p95Ms),
    String(s.inputTokens),
    String(s.outputTokens),
    // Failed attempts have no cost; only answers whose price is unknown are worth a note.
    usd(s.costUsd) + (s.unknownCostCount > s.failures ? styles.dim(` (+${s.unknownCostCount - s.failures} unpriced)`) : "")
  ]
  const body = rows.map((r) => cells(r.provider, r.summary))
  if (total !== undefined && rows.length > 1) body.push(cells(styles.bold("total"), total))
  return table(["provider", "requests", "success", "p50", "p95", "tokens in", "tokens out", "cost"], body, {
    right: [1, 2, 3, 4, 5, 6],
    indent
  })
}
