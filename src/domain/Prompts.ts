/**
 * The prompts sent to every provider, one system prompt and one template per task. The answer
 * formats they ask for are the contract `AnswerParser` (and the test emulator) rely on.
 *
 * The schema in a prompt is chosen by `SchemaBudget`: the tables most relevant to the request,
 * as many as fit the model's context window less the answer's budget and the rest of the prompt.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Tokens from "../internal/Tokens.js"
import * as Dialect from "./Dialect.js"
import type { ProviderId } from "./ProviderId.js"
import * as SchemaBudget from "./SchemaBudget.js"
import type { SqlTask } from "./SqlTask.js"

/**
 * What a prompt's schema holds: the tables sent and those left out (qualified as the prompt
 * writes them), and whether the schema's free text (DDL) was left out.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SchemaSent {
  readonly sent: ReadonlyArray<string>
  readonly leftOut: ReadonlyArray<string>
  readonly textLeftOut: boolean
}

/**
 * A filled prompt: the system message, the user message, and what its schema holds.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Prompt {
  readonly system: string
  readonly user: string
  readonly schema: SchemaSent
}

/**
 * The model a prompt is built for: whose token counts, its context window and the answer's
 * budget (the `maxTokens` each request asks for). `encoder` counts exactly instead of the
 * provider's calibrated estimate.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Budget {
  readonly provider: ProviderId
  readonly model: string
  readonly contextWindow: number
  readonly maxOutputTokens: number
  readonly encoder?: Tokens.Encoder | undefined
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/**
 * Fills `{name}` placeholders in one pass. A replacer function keeps `$$`, `$&` and `$1` in user
 * SQL verbatim (DB Toolkit's `str.replace('{x}', value)` mangled them and filled only the first
 * match), and a single pass keeps a value that contains `{schema}` from being filled again.
 * Unknown placeholders are left as they are.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const fill = (template: string, values: Readonly<Record<string, string>>): string =>
  template.replace(PLACEHOLDER, (match: string, name: string) =>
    Object.prototype.hasOwnProperty.call(values, name) ? values[name] ?? match : match)

/**
 * The system prompt sent with every task.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const system: string = [
  "You are DBAssist, the SQL expert built into DB Toolkit, a desktop database manager.",
  "Rules:",
  "- Use only the tables and columns in the schema you are given, spelled exactly as they appear there. Never invent names.",
  "- Write valid SQL for the database dialect you are told.",
  "- If the schema lacks a table or column the request needs, do not guess: answer \"I need more information about ...\" and name what is missing.",
  "- Be concise. Answer in exactly the format the request asks for, with no greeting and no extra sections."
].join("\n")

/**
 * Natural language to SQL. Placeholders: `{dialect}`, `{schema}`, `{request}`, `{row_limit}`.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const generateTemplate: string = `Database: {dialect}

Schema:
{schema}

Request:
{request}

Write one SQL query for this request.
- Use only tables and columns from the schema, with their exact names.
- Use explicit JOIN ... ON clauses, never comma joins.
- Add {row_limit} to a SELECT that could return an unbounded number of rows, unless the request asks for all rows.
- If the schema lacks something the request needs, answer only "I need more information about <what is missing>." and write no SQL.

Answer format: the SQL in one \`\`\`sql fenced block, then at most one short sentence of explanation after the block. Nothing before the block.`

/**
 * Explain a statement. Placeholders: `{dialect}`, `{schema}`, `{sql}`.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const explainTemplate: string = `Database: {dialect}

Schema:
{schema}

Query:
\`\`\`sql
{sql}
\`\`\`

Explain this query in plain prose, in under 120 words: its purpose, the tables it uses, its key operations (joins, filters, grouping, sorting, changes made) and the result it produces.

Answer format: plain prose only. Do not repeat the query and do not use a code block.`

/**
 * Optimize a statement. Placeholders: `{dialect}`, `{schema}`, `{sql}`, `{plan}`.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const optimizeTemplate: string = `Database: {dialect}

Schema:
{schema}

Query:
\`\`\`sql
{sql}
\`\`\`

Execution plan:
{plan}

Review this query's performance. The optimized query must return exactly the same result. Use only tables and columns from the schema.

Answer format: these four sections in this order, each header on its own line, nothing else:
RATING: GOOD, FAIR or POOR (one word)
OPTIMIZED SQL:
\`\`\`sql
<the optimized query, or the original query unchanged if it is already optimal>
\`\`\`
INDEXES:
- <CREATE INDEX statement> -- <reason>
(one line per index; write "- none" if no index would help)
CHANGES:
- <one change per line; write "- none" if the query is already optimal>`

/**
 * Fix a statement that failed. Placeholders: `{dialect}`, `{schema}`, `{sql}`, `{error}`.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const fixTemplate: string = `Database: {dialect}

Schema:
{schema}

Query:
\`\`\`sql
{sql}
\`\`\`

Error:
{error}

Fix the query so it runs without this error and keeps its intent. Use only tables and columns from the schema, with their exact names.

Answer format: these three sections in this order, each header on its own line, nothing else:
CAUSE: <one sentence naming the cause of the error>
FIXED SQL:
\`\`\`sql
<the corrected query>
\`\`\`
CHANGES:
- <one change per line>`

// The row cap the generate prompt asks for, in the dialect's own syntax.
const rowLimit = (dialect: Dialect.Dialect): string => {
  switch (dialect) {
    case "mssql":
      return "TOP 100"
    case "oracle":
      return "FETCH FIRST 100 ROWS ONLY"
    default:
      return "LIMIT 100"
  }
}

// The task's messages around a schema text.
const render = (task: SqlTask, schema: string): { readonly system: string; readonly user: string } => {
  const common = { dialect: Dialect.displayName[task.dialect], schema }
  switch (task._tag) {
    case "GenerateSql":
      return { system, user: fill(generateTemplate, { ...common, request: task.prompt, row_limit: rowLimit(task.dialect) }) }
    case "ExplainSql":
      return { system, user: fill(explainTemplate, { ...common, sql: task.sql }) }
    case "OptimizeSql": {
      const plan = task.executionPlan !== undefined && task.executionPlan.trim() !== ""
        ? task.executionPlan
        : "No execution plan provided"
      return { system, user: fill(optimizeTemplate, { ...common, sql: task.sql, plan }) }
    }
    case "FixSql":
      return { system, user: fill(fixTemplate, { ...common, sql: task.sql, error: task.errorMessage }) }
  }
}

// What two chat messages cost beyond their text (role markers, separators), with room for the
// estimate's error on the rest of the prompt.
const OVERHEAD_TOKENS = 32

const assemble = (task: SqlTask, fitted: SchemaBudget.Fitted, followUp: string | undefined): Prompt => {
  const { system, user } = render(task, fitted.text === "" ? "No schema available" : fitted.text)
  return {
    system,
    user: followUp === undefined ? user : `${user}\n\n${followUp}`,
    schema: { sent: fitted.sent, leftOut: fitted.leftOut, textLeftOut: fitted.textLeftOut }
  }
}

/**
 * Builds the prompt for a task: the dialect by its display name, the schema chosen by
 * `SchemaBudget` and the user's text verbatim; `followUp` (the repair round's message) is
 * appended to the user message.
 *
 * With a {@link Budget}, the schema fills the model's context window less the answer's budget and
 * the rest of the prompt, never more, and the result fails with `NamedTablesDoNotFit` when the
 * tables the SQL names cannot all be sent. Without one (no model to fit: tests, tools) every
 * table is sent, up to `SchemaContext.formatCeiling`, and nothing can fail.
 *
 * @since 0.1.0
 * @category Prompts
 */
export function forTask(task: SqlTask, budget?: undefined, followUp?: string): Prompt
export function forTask(
  task: SqlTask,
  budget: Budget,
  followUp?: string
): Either.Either<Prompt, SchemaBudget.NamedTablesDoNotFit>
export function forTask(
  task: SqlTask,
  budget?: Budget,
  followUp?: string
): Prompt | Either.Either<Prompt, SchemaBudget.NamedTablesDoNotFit> {
  if (budget === undefined) {
    // An infinite budget fits every table the ceiling allows: this never fails.
    const fitted = Either.getOrThrow(SchemaBudget.fitTask(task, { budget: Number.POSITIVE_INFINITY, provider: "openai" }))
    return assemble(task, fitted, followUp)
  }
  const count = budget.encoder ?? ((text: string) => Tokens.estimate(budget.provider, text))
  const frame = render(task, "")
  const rest = count(frame.system) + count(frame.user) + (followUp === undefined ? 0 : count(followUp)) + OVERHEAD_TOKENS
  const schemaBudget = Math.max(0, budget.contextWindow - budget.maxOutputTokens - rest)
  return Either.map(
    SchemaBudget.fitTask(task, { budget: schemaBudget, provider: budget.provider, encoder: budget.encoder }),
    (fitted) => assemble(task, fitted, followUp)
  )
}
