/**
 * The prompts sent to every provider, one system prompt and one template per task. The answer
 * formats they ask for are the contract `AnswerParser` (and the test emulator) rely on.
 *
 * @since 0.1.0
 */
import * as Dialect from "./Dialect.js"
import * as SchemaContext from "./SchemaContext.js"
import type { SqlTask } from "./SqlTask.js"

/**
 * A filled prompt: the system message and the user message.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Prompt {
  readonly system: string
  readonly user: string
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

/**
 * Builds the prompt for a task: the dialect by its display name, the schema through
 * `SchemaContext.format` (so `options` caps tables and columns) and the user's text verbatim.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const forTask = (task: SqlTask, options?: SchemaContext.FormatOptions): Prompt => {
  const common = {
    dialect: Dialect.displayName[task.dialect],
    schema: SchemaContext.format(task.schema, options)
  }
  switch (task._tag) {
    case "GenerateSql":
      return {
        system,
        user: fill(generateTemplate, { ...common, request: task.prompt, row_limit: rowLimit(task.dialect) })
      }
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
