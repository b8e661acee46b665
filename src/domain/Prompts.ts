/**
 * The prompts sent to providers: a system prompt and one template per task, tailored to the
 * model's profile (`PromptProfiles`): full or short instructions, the system prompt as its own
 * message or at the head of the user's, one worked example per task for small models, and the
 * answer asked for as text or as JSON (the structured answer of `AnswerSchemas`). The text answer
 * formats are the contract `AnswerParser` (and the test emulators) rely on; the JSON ones are
 * the same fields.
 *
 * The schema in a prompt is chosen by `SchemaBudget`: the tables most relevant to the request,
 * as many as fit the model's context window less the answer's budget and the rest of the prompt.
 *
 * An explain request with `sections` (several tables' DDL in one call) asks for one section per
 * name, each under a `### <name>` heading line (or one item per name of the sectioned JSON
 * answer), which `AnswerParser.explainAnswer` splits back by name.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Tokens from "../internal/Tokens.js"
import { SECTION_MARK } from "./AnswerParser.js"
import * as AnswerSchemas from "./AnswerSchemas.js"
import * as Dialect from "./Dialect.js"
import * as Limits from "./Limits.js"
import * as PromptProfiles from "./PromptProfiles.js"
import type { ProviderId } from "./ProviderId.js"
import * as SchemaBudget from "./SchemaBudget.js"
import type { SqlTask, SqlTaskTag } from "./SqlTask.js"

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
 * The messages of one chat turn: the system message (empty when the profile puts its text at the
 * head of the user message) and the user message.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Messages {
  readonly system: string
  readonly user: string
}

/**
 * A filled prompt: the messages asking for a text answer, what its schema holds, and, when the
 * profile has structured output, the same request asking for the JSON answer (`structured`, with
 * the schema to send). Streams use the text messages: their text reaches the user as it arrives.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Prompt extends Messages {
  readonly schema: SchemaSent
  readonly structured?: (Messages & { readonly answer: AnswerSchemas.AnswerSchema }) | undefined
}

/**
 * The model a prompt is built for: whose token counts, its context window, the answer's budget
 * (the `maxTokens` each request asks for) and how it is prompted (`profile`; the table's row for
 * the provider and model when not given). `encoder` counts exactly instead of the provider's
 * calibrated estimate.
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
  readonly profile?: PromptProfiles.Profile | undefined
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

// ---------------------------------------------------------------------------
// The pieces
// ---------------------------------------------------------------------------

/**
 * The system prompt of a full (hosted model) prompt.
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
 * The system prompt of a short prompt (reasoning and small models): the same rules in fewer
 * words, since small models lose long rule lists and reasoning models need no coaching.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const shortSystem: string =
  "You are DBAssist, the SQL expert in DB Toolkit. Use only the schema's tables and columns, spelled exactly; never invent names. " +
  "Write valid SQL for the database you are told. Answer only in the format asked for."

type Length = "full" | "short"
type Format = "text" | "json"

// What a prompt is written for: a task, or an explain request that asks for one section per name
// (`ExplainSqlRequest.sections`: several tables explained in one call).
type Kind = SqlTaskTag | "ExplainSections"

const kindOf = (task: SqlTask): Kind =>
  task._tag === "ExplainSql" && task.sections !== undefined && task.sections.length > 0 ? "ExplainSections" : task._tag

// The data of each task, the same in every variant (the emulators read these sections back).
const explainFrame = "Database: {dialect}\n\nSchema:\n{schema}\n\nQuery:\n```sql\n{sql}\n```"
const frames: Readonly<Record<Kind, string>> = {
  GenerateSql: "Database: {dialect}\n\nSchema:\n{schema}\n\nRequest:\n{request}",
  ExplainSql: explainFrame,
  ExplainSections: explainFrame,
  OptimizeSql: "Database: {dialect}\n\nSchema:\n{schema}\n\nQuery:\n```sql\n{sql}\n```\n\nExecution plan:\n{plan}",
  FixSql: "Database: {dialect}\n\nSchema:\n{schema}\n\nQuery:\n```sql\n{sql}\n```\n\nError:\n{error}"
}

// What to do when the schema lacks something: no SQL, in the answer's own format.
const missing: Readonly<Record<Format, string>> = {
  text: "If the schema lacks something the request needs, answer only \"I need more information about <what is missing>.\" and write no SQL.",
  json: "If the schema lacks something the request needs, leave sql empty and write \"I need more information about <what is missing>.\" as the explanation."
}

// The task's instructions, by length (and, for generate, by format).
const instructions = (kind: Kind, length: Length, format: Format): string => {
  switch (kind) {
    case "GenerateSql":
      return length === "full"
        ? [
          "Write one SQL query for this request.",
          "- Use only tables and columns from the schema, with their exact names.",
          "- Use explicit JOIN ... ON clauses, never comma joins.",
          "- Add {row_limit} to a SELECT that could return an unbounded number of rows, unless the request asks for all rows.",
          `- ${missing[format]}`
        ].join("\n")
        : `Write one SQL query for this request with only the schema's tables and columns. Add {row_limit} to a SELECT that could return many rows. ${missing[format]}`
    case "ExplainSql":
      return length === "full"
        ? "Explain this query in plain prose, in under 120 words: its purpose, the tables it uses, its key operations (joins, filters, grouping, sorting, changes made) and the result it produces."
        : "Explain this query in plain prose, in under 80 words: what it does, the tables it uses and its result."
    case "ExplainSections":
      return length === "full"
        ? "Explain this query in sections, one per name listed below, in that order. Each section is about the statement (or the table) of that name, in plain prose and under 80 words: its purpose, what it holds or does, and how it relates to the others.\nNames:\n{sections}"
        : "Explain this query in sections, one per name listed below, in that order, each in plain prose and under 60 words.\nNames:\n{sections}"
    case "OptimizeSql":
      return length === "full"
        ? "Review this query's performance. The optimized query must return exactly the same result. Use only tables and columns from the schema."
        : "Make this query faster without changing its result. Use only the schema's tables and columns."
    case "FixSql":
      return length === "full"
        ? "Fix the query so it runs without this error and keeps its intent. Use only tables and columns from the schema, with their exact names."
        : "Fix the query so it runs without this error. Use only the schema's tables and columns."
  }
}

// The answer formats: the text ones are what AnswerParser reads; the JSON ones name the fields of
// AnswerSchemas (the provider enforces the schema; the words keep the model's intent on it).
const answerFormats: Readonly<Record<Format, Readonly<Record<Kind, string>>>> = {
  text: {
    GenerateSql:
      "Answer format: the SQL in one ```sql fenced block, then at most one short sentence of explanation after the block. Nothing before the block.",
    ExplainSql: "Answer format: plain prose only. Do not repeat the query and do not use a code block.",
    ExplainSections:
      `Answer format: for each name, a heading line "${SECTION_MARK}<name>" with the name exactly as listed, then that section in plain prose. ` +
      "No other headings, no code blocks, nothing before the first heading.",
    OptimizeSql: `Answer format: these four sections in this order, each header on its own line, nothing else:
RATING: GOOD, FAIR or POOR (one word)
OPTIMIZED SQL:
\`\`\`sql
<the optimized query, or the original query unchanged if it is already optimal>
\`\`\`
INDEXES:
- <CREATE INDEX statement> -- <reason>
(one line per index; write "- none" if no index would help)
CHANGES:
- <one change per line; write "- none" if the query is already optimal>`,
    FixSql: `Answer format: these three sections in this order, each header on its own line, nothing else:
CAUSE: <one sentence naming the cause of the error>
FIXED SQL:
\`\`\`sql
<the corrected query>
\`\`\`
CHANGES:
- <one change per line>`
  },
  json: {
    GenerateSql: "Answer format: one JSON object with \"sql\" (the query, or \"\" when you write none) and \"explanation\" (at most one short sentence).",
    ExplainSql: "Answer format: one JSON object with \"explanation\" (plain prose; do not repeat the query).",
    ExplainSections:
      "Answer format: one JSON object with \"sections\": one {\"name\", \"explanation\"} per name listed, in that order, each name exactly as listed (plain prose; do not repeat the query).",
    OptimizeSql:
      "Answer format: one JSON object with \"rating\" (\"good\", \"fair\" or \"poor\"), \"optimizedSql\" (the optimized query, or the original unchanged if it is already optimal), " +
      "\"indexes\" (one {\"statement\", \"reason\"} per CREATE INDEX that would help; [] if none) and \"suggestions\" (one change per item; [] if the query is already optimal).",
    FixSql: "Answer format: one JSON object with \"cause\" (one sentence naming the cause of the error), \"fixedSql\" (the corrected query) and \"changes\" (one change per item)."
  }
}

const template = (kind: Kind, length: Length, format: Format): string =>
  `${frames[kind]}\n\n${instructions(kind, length, format)}\n\n${answerFormats[format][kind]}`

/**
 * Natural language to SQL, full instructions, text answer. Placeholders: `{dialect}`,
 * `{schema}`, `{request}`, `{row_limit}`.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const generateTemplate: string = template("GenerateSql", "full", "text")

/**
 * Explain a statement, full instructions, text answer. Placeholders: `{dialect}`, `{schema}`, `{sql}`.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const explainTemplate: string = template("ExplainSql", "full", "text")

/**
 * Optimize a statement, full instructions, text answer. Placeholders: `{dialect}`, `{schema}`,
 * `{sql}`, `{plan}`.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const optimizeTemplate: string = template("OptimizeSql", "full", "text")

/**
 * Fix a statement that failed, full instructions, text answer. Placeholders: `{dialect}`,
 * `{schema}`, `{sql}`, `{error}`.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const fixTemplate: string = template("FixSql", "full", "text")

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

// ---------------------------------------------------------------------------
// Worked examples (small models)
// ---------------------------------------------------------------------------

// A tiny schema, in the format SchemaContext writes, and one short, dialect-neutral example per
// task: a small model copies the answer's shape from it. The example goes with the instructions
// (the system prompt), between <example> and <answer> tags, so the user message stays the request
// alone (what logs, spans and the emulators read) and the model cannot mistake it for the task.
const EXAMPLE_SCHEMA = "users(id integer PK, name text, created_at timestamp)\norders(id integer PK, user_id integer -> users.id, total numeric)"

interface Worked {
  readonly values: Readonly<Record<string, string>>
  readonly text: string
  readonly json: unknown
}

const worked: Readonly<Record<Kind, Worked>> = {
  GenerateSql: {
    values: { request: "How many users signed up in 2024?" },
    text: "```sql\nSELECT COUNT(*) AS users_2024 FROM users WHERE created_at >= '2024-01-01' AND created_at < '2025-01-01';\n```\nCounts the users created in 2024.",
    json: {
      sql: "SELECT COUNT(*) AS users_2024 FROM users WHERE created_at >= '2024-01-01' AND created_at < '2025-01-01';",
      explanation: "Counts the users created in 2024."
    }
  },
  ExplainSql: {
    values: { sql: "SELECT name FROM users WHERE id = 7;" },
    text: "Reads the name of the user whose id is 7 from the users table. The result is one row with one column, or no row if there is no such user.",
    json: {
      explanation: "Reads the name of the user whose id is 7 from the users table. The result is one row with one column, or no row if there is no such user."
    }
  },
  ExplainSections: {
    values: {
      sql: "CREATE TABLE users (\n  id integer PRIMARY KEY,\n  name text\n);\n\nCREATE TABLE orders (\n  id integer PRIMARY KEY,\n  user_id integer REFERENCES users (id)\n);",
      sections: "- users\n- orders"
    },
    text: `${SECTION_MARK}users\nStores the users, one row per user, with their name.\n\n${SECTION_MARK}orders\nStores the orders, one row per order; each belongs to a user through user_id.`,
    json: {
      sections: [
        { name: "users", explanation: "Stores the users, one row per user, with their name." },
        { name: "orders", explanation: "Stores the orders, one row per order; each belongs to a user through user_id." }
      ]
    }
  },
  OptimizeSql: {
    values: { sql: "SELECT * FROM orders WHERE user_id = 7;", plan: "No execution plan provided" },
    text: [
      "RATING: FAIR",
      "OPTIMIZED SQL:",
      "```sql",
      "SELECT id, user_id, total FROM orders WHERE user_id = 7;",
      "```",
      "INDEXES:",
      "- CREATE INDEX idx_orders_user_id ON orders (user_id); -- speeds up the filter on user_id",
      "CHANGES:",
      "- Select only the needed columns instead of *"
    ].join("\n"),
    json: {
      rating: "fair",
      optimizedSql: "SELECT id, user_id, total FROM orders WHERE user_id = 7;",
      indexes: [{ statement: "CREATE INDEX idx_orders_user_id ON orders (user_id);", reason: "speeds up the filter on user_id" }],
      suggestions: ["Select only the needed columns instead of *"]
    }
  },
  FixSql: {
    values: { sql: "SELECT nme FROM users;", error: "column \"nme\" does not exist" },
    text: ["CAUSE: The column nme does not exist; the users table has name.", "FIXED SQL:", "```sql", "SELECT name FROM users;", "```", "CHANGES:", "- Replaced nme with name"].join("\n"),
    json: { cause: "The column nme does not exist; the users table has name.", fixedSql: "SELECT name FROM users;", changes: ["Replaced nme with name"] }
  }
}

// ---------------------------------------------------------------------------
// Assembling
// ---------------------------------------------------------------------------

// The task's own values for its template.
const valuesOf = (task: SqlTask, schema: string): Record<string, string> => {
  const common = { dialect: Dialect.displayName[task.dialect], schema, row_limit: rowLimit(task.dialect) }
  switch (task._tag) {
    case "GenerateSql":
      return { ...common, request: task.prompt }
    case "ExplainSql":
      return { ...common, sql: task.sql, sections: (task.sections ?? []).map((name) => `- ${name}`).join("\n") }
    case "OptimizeSql": {
      const plan = task.executionPlan !== undefined && task.executionPlan.trim() !== ""
        ? task.executionPlan
        : "No execution plan provided"
      return { ...common, sql: task.sql, plan }
    }
    case "FixSql":
      return { ...common, sql: task.sql, error: task.errorMessage }
  }
}

// The worked example of a task, as the system prompt carries it.
const exampleBlock = (task: SqlTask, length: Length, format: Format): string => {
  const example = worked[kindOf(task)]
  const user = fill(template(kindOf(task), length, format), { ...valuesOf(task, EXAMPLE_SCHEMA), ...example.values })
  const answer = format === "json" ? JSON.stringify(example.json) : example.text
  return `Example of a request and its answer:\n<example>\n${user}\n</example>\n<answer>\n${answer}\n</answer>`
}

// One variant's messages: the profile's system prompt (alone, or at the head of the user
// message) with its worked example, the filled template and the repair round's follow-up.
const messages = (
  task: SqlTask,
  profile: PromptProfiles.Profile,
  format: Format,
  schema: string,
  followUp: string | undefined
): Messages => {
  const length: Length = profile.instructions
  const base = length === "full" ? system : shortSystem
  const lead = profile.fewShot ? `${base}\n\n${exampleBlock(task, length, format)}` : base
  const body = fill(template(kindOf(task), length, format), valuesOf(task, schema))
  const user = followUp === undefined ? body : `${body}\n\n${followUp}`
  return profile.layout === "user-only" ? { system: "", user: `${lead}\n\n${user}` } : { system: lead, user }
}

// Both variants a profile asks for: text always (streams, fallback), JSON where it has structured output.
const variants = (
  task: SqlTask,
  profile: PromptProfiles.Profile,
  schema: string,
  followUp: string | undefined
): { readonly text: Messages; readonly json: Messages | undefined } => ({
  text: messages(task, profile, "text", schema, followUp),
  json: profile.structured === "none" ? undefined : messages(task, profile, "json", schema, followUp)
})

// What two chat messages cost beyond their text (role markers, separators), with room for the
// estimate's error on the rest of the prompt.
const OVERHEAD_TOKENS = 32

const assemble = (
  task: SqlTask,
  profile: PromptProfiles.Profile,
  fitted: SchemaBudget.Fitted,
  followUp: string | undefined
): Prompt => {
  const { json, text } = variants(task, profile, fitted.text === "" ? "No schema available" : fitted.text, followUp)
  return {
    ...text,
    schema: { sent: fitted.sent, leftOut: fitted.leftOut, textLeftOut: fitted.textLeftOut },
    ...(json !== undefined ? { structured: { ...json, answer: AnswerSchemas.forTask(task) } } : {})
  }
}

const size = (m: Messages, count: (text: string) => number): number => count(m.system) + count(m.user)

// The profile a budget prompts with, and what its prompt costs without a schema: the larger of
// its text and JSON variants, worked examples and overhead included.
const frameOf = (task: SqlTask, budget: Budget, followUp?: string) => {
  const profile = budget.profile ?? PromptProfiles.profileFor(budget.provider, budget.model)
  const count = budget.encoder ?? ((text: string) => Tokens.estimate(budget.provider, text))
  const frame = variants(task, profile, "", followUp)
  return { profile, rest: Math.max(size(frame.text, count), frame.json === undefined ? 0 : size(frame.json, count)) + OVERHEAD_TOKENS }
}

/**
 * How many tokens a task's prompt takes at a model before any schema: its instructions, the
 * request's own text (the SQL of an explain request, all of it) and the worked example the
 * profile adds, in the larger of the text and JSON variants. A caller that groups several
 * statements into one request (several tables' DDL) sizes each group with it, so that every
 * request fits the model's window less the answer's budget.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const frameTokens = (task: SqlTask, budget: Budget): number => frameOf(task, budget).rest

/**
 * The tokens a model's window leaves for the prompt: its context window less the answer's budget.
 *
 * @since 0.1.0
 * @category Prompts
 */
export const promptRoom = (budget: Budget): number => Math.max(0, budget.contextWindow - budget.maxOutputTokens)

/**
 * Builds the prompt for a task: the dialect by its display name, the schema chosen by
 * `SchemaBudget` and the user's text verbatim, laid out as the model's profile says
 * (`PromptProfiles`); `followUp` (the repair round's message) is appended to the user message.
 *
 * With a {@link Budget}, the schema fills the model's context window less the answer's budget and
 * the rest of the prompt (the larger of its text and JSON variants, worked examples included),
 * never more, and the result fails with `NamedTablesDoNotFit` when the tables the SQL names
 * cannot all be sent. Without one (no model to fit: tests, tools) every table is sent, up to
 * `SchemaContext.formatCeiling`, in the full text prompt ({@link PromptProfiles.standard}), and
 * nothing can fail.
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
    const fitted = Either.getOrThrow(Limits.finish(SchemaBudget.fitTask(task, { budget: Number.POSITIVE_INFINITY, provider: "openai" })))
    return assemble(task, PromptProfiles.standard, fitted, followUp)
  }
  return Limits.finish(forTaskWork(task, budget, followUp))
}

/**
 * {@link forTask} with a budget, as work that may pause while the schema is fitted (run by
 * `Limits.sliced` on the request path, so a schema of many thousand tables never holds the event
 * loop).
 *
 * @since 0.1.0
 * @category Prompts
 */
export function* forTaskWork(
  task: SqlTask,
  budget: Budget,
  followUp?: string
): Limits.Work<Either.Either<Prompt, SchemaBudget.NamedTablesDoNotFit>> {
  const { profile, rest } = frameOf(task, budget, followUp)
  const schemaBudget = Math.max(0, promptRoom(budget) - rest)
  const fitted = yield* SchemaBudget.fitTask(task, { budget: schemaBudget, provider: budget.provider, encoder: budget.encoder })
  return Either.map(fitted, (f) => assemble(task, profile, f, followUp))
}
