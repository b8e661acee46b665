/**
 * The largest inputs the default request limits accept (`Limits.defaultInputLimits`), one task per
 * kind, and a probe for the longest event-loop stall while one runs. Used by `bench/stall.ts`
 * (the "longest event-loop stall" figure of `npm run bench`) and by the event-loop test
 * (test/security/EventLoop.test.ts). Inputs are built from a fixed seed, so every run feeds the
 * same text. Imports only `node:` modules and the library's own types.
 */
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks"
import type { InputLimits } from "../src/domain/Limits.js"

const letters = "abcdefghijklmnopqrstuvwxyz"

// A small deterministic generator (an LCG), so inputs are the same on every run.
const random = (seed: number) => {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x80000000
  }
}

const word = (rnd: () => number, length: number): string => {
  let w = ""
  for (let i = 0; i < length; i++) w += letters[Math.floor(rnd() * 26)]
  return w
}

/** Words of 2 to 10 random letters with single spaces, exactly `chars` long. */
export const words = (chars: number, seed = 1): string => {
  const rnd = random(seed)
  const parts: Array<string> = []
  let length = 0
  while (length < chars) {
    const w = `${word(rnd, 2 + Math.floor(rnd() * 9))} `
    parts.push(w)
    length += w.length
  }
  return parts.join("").slice(0, chars)
}

/** Random letters with no space at all: the worst case of BPE (its merges are quadratic in a run). */
export const run = (chars: number, seed = 2): string => {
  const rnd = random(seed)
  const parts: Array<string> = []
  for (let length = 0; length < chars; length += 64) parts.push(word(rnd, 64))
  return parts.join("").slice(0, chars)
}

/** SQL exactly `chars` long: a statement around a string literal that is one unbroken run. */
export const sqlWithRun = (chars: number, seed = 2): string => {
  const head = "SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.note = '"
  const tail = "' AND o.total > 100 ORDER BY o.total DESC LIMIT 10;"
  return head + run(chars - head.length - tail.length, seed) + tail
}

/** A PostgreSQL-style execution plan whose `JSON.stringify(plan, null, 2)` is at most `chars` long. */
export const plan = (chars: number): unknown => {
  const node = (i: number) => ({
    "Node Type": "Seq Scan",
    "Relation Name": `table_${i}`,
    "Startup Cost": 0,
    "Total Cost": i * 1.5,
    "Plan Rows": i,
    Filter: `(id = ${i})`
  })
  // Each node takes about this much JSON text at its depth; the last ones are dropped to fit.
  const perNode = JSON.stringify([node(99999)], null, 2).length + 10
  const nodes = Array.from({ length: Math.floor(chars / perNode) }, (_, i) => node(i))
  const out = { Plan: { "Node Type": "Append", Plans: nodes } }
  // The most nodes that fit, by bisection (a dozen JSON.stringify calls, not one per node).
  const all = nodes.splice(0)
  let fits = 0
  let over = all.length + 1
  while (over - fits > 1) {
    const mid = (fits + over) >> 1
    nodes.splice(0, nodes.length, ...all.slice(0, mid))
    if (JSON.stringify(out, null, 2).length <= chars) fits = mid
    else over = mid
  }
  nodes.splice(0, nodes.length, ...all.slice(0, fits))
  return out
}

/** A schema of `tables` tables with `columns` columns each, in DB Toolkit's `{ tables: {...} }` shape. */
export const schema = (tables: number, columns: number): unknown => {
  const out: Record<string, unknown> = {}
  for (let t = 0; t < tables; t++) {
    const cols = []
    for (let c = 0; c < columns; c++) cols.push({ name: `col_${c}`, type: c === 0 ? "bigint" : "text", nullable: c > 1, primary_key: c === 0 })
    out[`table_${t}`] = { columns: cols }
  }
  return { tables: out }
}

/** A schema as JSON text (25 columns a table) of at most `chars` characters. */
export const schemaJson = (chars: number): string => {
  const perTable = JSON.stringify((schema(2, 25) as { tables: unknown }).tables).length / 2
  let tables = Math.floor(chars / perTable)
  let text = JSON.stringify(schema(tables, 25))
  while (text.length > chars) text = JSON.stringify(schema(--tables, 25))
  return text
}

/**
 * DDL text exactly `chars` long, as `pg_dump` writes a schema: per table a `CREATE TABLE` of 24
 * columns, an `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` and a `CREATE INDEX`, with a
 * comment. 5,000,000 characters hold about 5,000 tables and 120,000 columns, within the default
 * table and column limits.
 */
export const ddl = (chars: number): string => {
  const parts: Array<string> = []
  let length = 0
  for (let t = 0; length < chars; t++) {
    const columns = ["  id bigint NOT NULL", `  t${t === 0 ? 0 : t - 1}_id bigint`]
    for (let c = 2; c < 24; c++) columns.push(`  col_${c} ${c % 3 === 0 ? "text" : "varchar(64) NOT NULL"}`)
    const s = [
      `-- Name: t${t}; Type: TABLE; Schema: public`,
      `CREATE TABLE public.t${t} (\n${columns.join(",\n")},\n  CONSTRAINT t${t}_pkey PRIMARY KEY (id)\n);`,
      `ALTER TABLE ONLY public.t${t} ADD CONSTRAINT t${t}_fk FOREIGN KEY (t${t === 0 ? 0 : t - 1}_id) REFERENCES public.t${t === 0 ? 0 : t - 1}(id);`,
      `CREATE INDEX t${t}_col_2 ON public.t${t} USING btree (col_2);`,
      ""
    ].join("\n")
    parts.push(s)
    length += s.length
  }
  return parts.join("").slice(0, chars)
}

/**
 * One input of the largest accepted size, as a task an app would send. `run` picks other random
 * text for each repetition, so the tokenizer's cache of pieces it has seen does not flatter it.
 */
export interface Largest {
  readonly name: string
  readonly task: (run?: number) => Readonly<Record<string, unknown>>
}

/** The largest accepted input of every kind for these limits. */
export const largest = (limits: InputLimits): ReadonlyArray<Largest> => [
  { name: `prompt, ${fmt(limits.promptChars)} characters`, task: (n = 0) => ({ _tag: "GenerateSql", prompt: words(limits.promptChars, 10 + n), dialect: "postgresql" }) },
  { name: `sql, ${fmt(limits.sqlChars)} characters, one unbroken run`, task: (n = 0) => ({ _tag: "ExplainSql", sql: sqlWithRun(limits.sqlChars, 20 + n), dialect: "postgresql" }) },
  { name: `sql, ${fmt(limits.sqlChars)} characters of words`, task: (n = 0) => ({ _tag: "ExplainSql", sql: words(limits.sqlChars, 30 + n), dialect: "postgresql" }) },
  {
    name: `errorMessage, ${fmt(limits.errorMessageChars)} characters`,
    task: (n = 0) => ({ _tag: "FixSql", sql: "SELECT 1", errorMessage: words(limits.errorMessageChars, 40 + n), dialect: "postgresql" })
  },
  {
    name: `executionPlan, JSON of ${fmt(limits.executionPlanChars)} characters`,
    task: () => ({ _tag: "OptimizeSql", sql: "SELECT * FROM orders", executionPlan: plan(limits.executionPlanChars), dialect: "postgresql" })
  },
  {
    name: `schema, ${fmt(limits.schemaTables)} tables x ${fmt(limits.schemaColumns / limits.schemaTables)} columns`,
    task: () => ({ _tag: "GenerateSql", prompt: "list orders", schema: schema(limits.schemaTables, Math.floor(limits.schemaColumns / limits.schemaTables)), dialect: "postgresql" })
  },
  { name: `schema, DDL text of ${fmt(limits.schemaChars)} characters`, task: () => ({ _tag: "GenerateSql", prompt: "list orders", schema: ddl(limits.schemaChars), dialect: "postgresql" }) },
  // Parsed by JSON.parse in one native step: the one piece of the request path that is not sliced.
  { name: `schema, JSON text of up to ${fmt(limits.schemaChars)} characters`, task: () => ({ _tag: "GenerateSql", prompt: "list orders", schema: schemaJson(limits.schemaChars), dialect: "postgresql" }) }
]

const fmt = (n: number) => n.toLocaleString("en-US")

/** What {@link stallWhile} measured. */
export interface Stall {
  /** The longest gap between two ticks of a 1 ms interval, minus the interval (ms). */
  readonly longestMs: number
  /** The largest event-loop delay `monitorEventLoopDelay` saw (ms). */
  readonly monitorMaxMs: number
  /** Wall time of the whole run (ms). */
  readonly totalMs: number
  /** The longest garbage-collection pause in that time (ms): V8's, not this library's. */
  readonly gcMaxMs: number
}

/** Runs `f` while probing the event loop; the probe starts before and stops after it. */
export const stallWhile = async <A>(f: () => Promise<A>): Promise<{ readonly value: A; readonly stall: Stall }> => {
  const monitor = monitorEventLoopDelay({ resolution: 1 })
  let gcMaxMs = 0
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration)
  })
  let last = performance.now()
  let longest = 0
  const probe = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
  }, 1)
  await new Promise((resolve) => setTimeout(resolve, 10))
  monitor.enable()
  gc.observe({ entryTypes: ["gc"] })
  longest = 0
  last = performance.now()
  const start = performance.now()
  try {
    const value = await f()
    const totalMs = performance.now() - start
    // A stall at the very end is seen by the next tick.
    await new Promise((resolve) => setTimeout(resolve, 5))
    return { value, stall: { longestMs: Math.max(0, longest - 1), monitorMaxMs: monitor.max / 1e6, totalMs, gcMaxMs } }
  } finally {
    clearInterval(probe)
    monitor.disable()
    gc.disconnect()
  }
}
