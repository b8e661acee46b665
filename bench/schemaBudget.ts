/**
 * `npx tsx bench/schemaBudget.ts [--quick]` (also printed at the end of `npm run bench`): the time
 * `SchemaBudget.fit` takes to choose and render the schema of a prompt, for schemas of 500, 1,000
 * and 2,000 tables of 25 columns each (the largest: 50,000 columns), each table with a foreign key
 * or two. Two cases per size: a generate request within a budget of 8,000 tokens, and an explain
 * request whose SQL names three tables within 100,000 tokens (so the fill runs up to the 500-table
 * ceiling); and the whole prompt of a generate request as the request path builds it
 * (`Prompts.forTask` for gpt-4.1-mini's window, less its answer budget). Prints the median of
 * several runs, in milliseconds, and the time per table so the linearity can be read off. Figures only: nothing is asserted (the target is < 20 ms at
 * 2,000 tables).
 */
import { Either } from "effect"
import { pathToFileURL } from "node:url"
import * as ContextWindow from "../src/domain/ContextWindow.js"
import * as Prompts from "../src/domain/Prompts.js"
import * as SchemaBudget from "../src/domain/SchemaBudget.js"
import type * as SchemaContext from "../src/domain/SchemaContext.js"
import * as SqlTask from "../src/domain/SqlTask.js"
import { median } from "./stats.js"

const ENTITIES = [
  "customer", "order", "invoice", "payment", "product", "category", "shipment", "warehouse", "supplier", "employee",
  "department", "ticket", "campaign", "subscription", "refund", "address", "review", "coupon", "session", "event"
]
const COLUMN_WORDS = [
  "name", "status", "created_at", "updated_at", "amount_cents", "currency", "email", "phone", "notes", "code", "quantity",
  "price", "discount", "region", "country", "city", "postal_code", "priority", "score", "due_date", "paid_at", "channel"
]

/** A schema of `tables` tables of 25 columns each, with one or two foreign keys per table. */
export const makeSchema = (tables: number): SchemaContext.SchemaContext => {
  const out: Array<SchemaContext.Table> = []
  const nameOf = (i: number) => `${ENTITIES[i % ENTITIES.length]}_${Math.floor(i / ENTITIES.length)}`
  for (let i = 0; i < tables; i++) {
    const a = (i * 7 + 3) % tables
    const b = (i * 13 + 5) % tables
    const columns: Array<SchemaContext.Column> = [
      { name: "id", type: "bigint", primaryKey: true },
      { name: `${nameOf(a)}_id`, type: "bigint", nullable: false },
      { name: `${nameOf(b)}_id`, type: "bigint" }
    ]
    for (let c = 0; columns.length < 25; c++) columns.push({ name: `${COLUMN_WORDS[(c + i) % COLUMN_WORDS.length]}_${i}_${c}`, type: c % 3 === 0 ? "text" : "integer" })
    out.push({
      name: nameOf(i),
      schema: "public",
      columns,
      foreignKeys: [
        { columns: [`${nameOf(a)}_id`], referencedTable: nameOf(a), referencedColumns: ["id"] },
        { columns: [`${nameOf(b)}_id`], referencedTable: nameOf(b), referencedColumns: ["id"] }
      ]
    })
  }
  return { tables: out }
}

interface Row {
  readonly tables: number
  readonly columns: number
  readonly case: string
  readonly medianMs: number
  readonly sent: number
  readonly tokens: number
}

// One case: what it builds, and how many tables and tokens its schema took.
type Case = () => Either.Either<{ readonly sent: number; readonly tokens: number }, SchemaBudget.NamedTablesDoNotFit>

const fitCase = (request: SchemaBudget.FitRequest): Case => () =>
  Either.map(SchemaBudget.fit(request), (f) => ({ sent: f.sent.length, tokens: f.tokens }))

const REQUEST = "total refund amount per customer for invoices paid last month, by region"

// The prompt as the request path builds it for OpenAI's default model: window less the answer.
const promptCase = (schema: SchemaContext.SchemaContext): Case => {
  const task = SqlTask.generate({ prompt: REQUEST, schema, dialect: "postgresql" })
  const budget = { provider: "openai" as const, model: "gpt-4.1-mini", contextWindow: ContextWindow.of("openai", "gpt-4.1-mini"), maxOutputTokens: 2048 }
  return () => Either.map(Prompts.forTask(task, budget), (p) => ({ sent: p.schema.sent.length, tokens: p.user.length }))
}

const cases = (schema: SchemaContext.SchemaContext): ReadonlyArray<readonly [string, Case]> => {
  const n = schema.tables.length
  const named = [schema.tables[n - 1]!.name, schema.tables[n >> 1]!.name, schema.tables[7]!.name]
  return [
    ["generate, 8k tokens", fitCase({
      schema,
      request: REQUEST,
      budget: 8_000,
      provider: "openai"
    })],
    ["explain 3 named tables, 100k tokens", fitCase({
      schema,
      request: "",
      sql: `SELECT a.name, SUM(b.amount_cents) FROM ${named[0]} a JOIN ${named[1]} b ON b.id = a.id LEFT JOIN public.${named[2]} c ON c.id = b.id GROUP BY a.name`,
      budget: 100_000,
      provider: "anthropic"
    })],
    ["whole generate prompt, gpt-4.1-mini (chars)", promptCase(schema)]
  ]
}

/** Measures every size and case; `runs` timed runs after two warm-ups. */
export const measure = (runs: number): ReadonlyArray<Row> => {
  const rows: Array<Row> = []
  for (const size of [500, 1_000, 2_000]) {
    const schema = makeSchema(size)
    for (const [name, build] of cases(schema)) {
      const times: Array<number> = []
      let last: { readonly sent: number; readonly tokens: number } | undefined
      for (let i = 0; i < runs + 2; i++) {
        const t = performance.now()
        const result = build()
        const ms = performance.now() - t
        if (Either.isLeft(result)) throw new Error(`${name}: ${result.left.message}`)
        last = result.right
        if (i >= 2) times.push(ms)
      }
      rows.push({ tables: size, columns: size * 25, case: name, medianMs: median(times), sent: last!.sent, tokens: last!.tokens })
    }
  }
  return rows
}

/** The figures as a table, for `bench/run.ts` and for a direct run. */
export const report = (quick: boolean): string => {
  const runs = quick ? 5 : 15
  const rows = measure(runs)
  const lines = [
    "",
    `SchemaBudget.fit and Prompts.forTask: choosing and rendering a prompt's schema (median of ${runs} runs after 2 warm-ups, one process)`,
    "",
    "| tables | columns | case | median ms | µs per table | tables sent | tokens (chars) |",
    "|---:|---:|---|---:|---:|---:|---:|",
    ...rows.map((r) =>
      `| ${r.tables.toLocaleString("en-US")} | ${r.columns.toLocaleString("en-US")} | ${r.case} | ${r.medianMs.toFixed(2)} | ${((r.medianMs * 1000) / r.tables).toFixed(1)} | ${r.sent} | ${r.tokens.toLocaleString("en-US")} |`
    ),
    "",
    "- Target (issue 15): under 20 ms at 2,000 tables, and linear in the schema's size (µs per table flat)."
  ]
  return lines.join("\n")
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${report(process.argv.includes("--quick"))}\n`)
}
