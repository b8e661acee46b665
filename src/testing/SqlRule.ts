/**
 * The emulators' default answer rule: reads the task and schema from a prompt written by this
 * library and answers in the format the prompt asks for, with plausible SQL built from the
 * schema's real table and column names. Deterministic, so tests can assert on it.
 *
 * @since 0.1.0
 */
import type { ChatInput } from "./Emulator.js"

/**
 * A table parsed back out of a prompt's schema section.
 *
 * @since 0.1.0
 * @category Models
 */
export interface PromptTable {
  readonly name: string
  readonly columns: ReadonlyArray<string>
}

// Splits column lists on the commas between columns, not those inside `numeric(12,2)`.
const splitTopLevel = (list: string): Array<string> => {
  const out: Array<string> = []
  let depth = 0
  let start = 0
  for (let i = 0; i < list.length; i++) {
    const c = list[i]
    if (c === "(") depth++
    else if (c === ")") depth--
    else if (c === "," && depth === 0) {
      out.push(list.slice(start, i))
      start = i + 1
    }
  }
  out.push(list.slice(start))
  return out
}

/**
 * Reads the `Schema:` section of a prompt (`table(col type, ...)` lines).
 *
 * @since 0.1.0
 * @category Parsing
 */
export const tables = (prompt: string): Array<PromptTable> => {
  const section = /(?:^|\n)Schema:\n([\s\S]*?)(?:\n\n|$)/.exec(prompt)?.[1] ?? ""
  const out: Array<PromptTable> = []
  for (const line of section.split("\n")) {
    const m = /^([\w$."]+)\((.*)\)\s*$/.exec(line.trim())
    if (!m) continue
    const columns = splitTopLevel(m[2]!).map((c) => c.trim().split(/\s+/)[0] ?? "").filter((c) => c !== "" && c !== "...")
    out.push({ name: m[1]!, columns })
  }
  return out
}

/**
 * The statement a prompt asks about: its first ```sql block (explain, optimize, fix), or "".
 *
 * @since 0.1.0
 * @category Parsing
 */
export const fenced = (prompt: string): string => /```sql\n([\s\S]*?)\n```/.exec(prompt)?.[1]?.trim() ?? ""

const section = (prompt: string, header: string): string => {
  const m = new RegExp(`(?:^|\\n)${header}:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(prompt)
  return m?.[1]?.trim() ?? ""
}

const words = (s: string) => s.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []
const singular = (w: string) => w.replace(/ies$/, "y").replace(/s$/, "")

const distance = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
  }
  return d[a.length]![b.length]!
}

const limitClause = (prompt: string): string =>
  /Add (TOP 100|FETCH FIRST 100 ROWS ONLY|LIMIT 100)/.exec(prompt)?.[1] ?? "LIMIT 100"

const generate = (prompt: string): string => {
  const ts = tables(prompt)
  const request = section(prompt, "Request")
  if (ts.length === 0) return "I need more information about the tables and columns in this database."
  const ask = new Set(words(request).flatMap((w) => [w, singular(w)]))
  const bare = (n: string) => n.split(".").pop()!.replace(/"/g, "").toLowerCase()
  const table = ts.find((t) => ask.has(bare(t.name)) || ask.has(singular(bare(t.name)))) ?? ts[0]!
  const wanted = table.columns.filter((c) => ask.has(c.toLowerCase()))
  const cols = (wanted.length > 0 ? wanted : table.columns.slice(0, 4)).join(", ") || "*"
  const limit = limitClause(prompt)
  const counting = ask.has("count") || ask.has("how") && ask.has("many")
  const sql = counting
    ? `SELECT COUNT(*) AS total FROM ${table.name};`
    : limit === "TOP 100"
    ? `SELECT TOP 100 ${cols} FROM ${table.name};`
    : `SELECT ${cols} FROM ${table.name} ${limit};`
  return `\`\`\`sql\n${sql}\n\`\`\`\n${counting ? "Counts" : "Lists"} rows of ${table.name}.`
}

const explain = (prompt: string): string => {
  const sql = fenced(prompt)
  const from = [...sql.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE)\s+([\w$."]+)/gi)].map((m) => m[1]!)
  const verb = (/^\s*(\w+)/.exec(sql)?.[1] ?? "query").toUpperCase()
  const uses = from.length > 0 ? ` It uses ${[...new Set(from)].join(", ")}.` : ""
  return `This ${verb} statement ${verb === "SELECT" ? "reads rows" : "changes rows"}${/\bWHERE\b/i.test(sql) ? " matching a filter" : ""}.${uses} ${
    /\bJOIN\b/i.test(sql) ? "It joins the tables on their keys. " : ""
  }The result is ${verb === "SELECT" ? "the selected columns of each matching row" : "the number of rows affected"}.`
}

const optimize = (prompt: string): string => {
  const sql = fenced(prompt)
  const ts = tables(prompt)
  const star = /SELECT\s+\*\s+FROM\s+([\w$."]+)/i.exec(sql)
  const table = star ? ts.find((t) => t.name.toLowerCase() === star[1]!.toLowerCase()) : undefined
  const optimized = star && table && table.columns.length > 0
    ? sql.replace(/SELECT\s+\*/i, `SELECT ${table.columns.join(", ")}`)
    : sql
  const where = /WHERE\s+(?:[\w$"]+\.)?([\w$"]+)\s*=/i.exec(sql)
  const target = /FROM\s+([\w$."]+)/i.exec(sql)?.[1]
  const index = where && target ? `- CREATE INDEX idx_${target.replace(/\W/g, "_")}_${where[1]} ON ${target} (${where[1]}); -- speeds up the filter on ${where[1]}` : "- none"
  const changed = optimized !== sql
  return [
    `RATING: ${changed || where ? "FAIR" : "GOOD"}`,
    "OPTIMIZED SQL:",
    "```sql",
    optimized,
    "```",
    "INDEXES:",
    index,
    "CHANGES:",
    changed ? "- Select only the needed columns instead of *" : "- none"
  ].join("\n")
}

const fix = (prompt: string): string => {
  const sql = fenced(prompt)
  const ts = tables(prompt)
  const known = [...ts.map((t) => t.name), ...ts.flatMap((t) => t.columns)]
  let cause = "The statement has a syntax error."
  let fixed = sql
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+([\w$"]+)/gi)) {
    const name = m[1]!
    if (known.length === 0 || known.some((k) => k.toLowerCase() === name.toLowerCase())) continue
    const best = ts.map((t) => t.name).sort((a, b) => distance(name, a) - distance(name, b))[0]
    if (best) {
      cause = `The table ${name} does not exist; the schema has ${best}.`
      fixed = fixed.replace(new RegExp(`\\b${name}\\b`, "g"), () => best)
    }
  }
  if (fixed === sql) fixed = sql.replace(/\bFORM\b/gi, "FROM").replace(/\bSELEC\b/gi, "SELECT").replace(/,\s*FROM/gi, " FROM")
  return [`CAUSE: ${cause}`, "FIXED SQL:", "```sql", fixed, "```", "CHANGES:", fixed === sql ? "- none" : "- Corrected the statement to match the schema"].join("\n")
}

/**
 * A prompt's request: line endings normalized, and without the worked example a small model's
 * prompt carries (`<example>` and `<answer>` blocks, at the head of the user message where the
 * model takes no system prompt), which is not the task.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const request = (prompt: string): string =>
  prompt.replace(/\r\n?/g, "\n").replace(/Example of a request and its answer:\n<example>[\s\S]*?<\/answer>\n*/g, "")

/**
 * The task a library prompt asks for, read from its sections (the same in the text and JSON
 * variants, full or short), or `undefined` for a prompt this rule does not know.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const taskOf = (prompt: string): "GenerateSql" | "ExplainSql" | "OptimizeSql" | "FixSql" | undefined => {
  const p = request(prompt)
  if (/\nFIXED SQL:/.test(p) || /(?:^|\n)Error:\n/.test(p)) return "FixSql"
  if (/\nOPTIMIZED SQL:/.test(p) || /(?:^|\n)Execution plan:\n/.test(p)) return "OptimizeSql"
  if (/(?:^|\n)Request:\n/.test(p)) return "GenerateSql"
  if (/Explain this query/i.test(p)) return "ExplainSql"
  return undefined
}

/**
 * Answers a chat call as a model would, in the text format the library's prompt asks for (an
 * emulator renders it as the structured answer when the request asks for one).
 *
 * @since 0.1.0
 * @category Rules
 */
export const answer = (input: Pick<ChatInput, "user">): string => {
  const p = request(input.user)
  switch (taskOf(p)) {
    case "FixSql":
      return fix(p)
    case "OptimizeSql":
      return optimize(p)
    case "GenerateSql":
      return generate(p)
    case "ExplainSql":
      return explain(p)
    default:
      return "SELECT 1;"
  }
}
