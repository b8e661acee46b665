/**
 * `npx tsx bench/ddl.ts [--quick]` (also printed at the end of `npm run bench`): reading a schema
 * given as 5,000,000 characters of DDL (`bench/largest.ts`'s `pg_dump`-like script: ~5,000 tables,
 * ~120,000 columns, a foreign key and an index per table). Two figures per run: `Ddl.parse` at once
 * (what the CLI does with a schema file: the main thread held for the whole read), and the request
 * path's `SchemaContext.fromInput`, which reads it in slices within the request limits, with the
 * longest event-loop stall meanwhile (a 1 ms interval and `monitorEventLoopDelay` probe the loop).
 * Figures only: nothing is asserted (the issue's stall target is 20 ms).
 */
import { Effect } from "effect"
import { pathToFileURL } from "node:url"
import { defaultInputLimits } from "../src/domain/Limits.js"
import * as SchemaContext from "../src/domain/SchemaContext.js"
import * as Ddl from "../src/internal/Ddl.js"
import { ddl, stallWhile } from "./largest.js"
import { median } from "./stats.js"

interface Figures {
  readonly chars: number
  readonly tables: number
  readonly columns: number
  /** `Ddl.parse` at once: each run's wall time, which is also its stall (ms). */
  readonly atOnceMs: ReadonlyArray<number>
  /** `SchemaContext.fromInput`: each run's wall time (ms). */
  readonly slicedMs: ReadonlyArray<number>
  /** `SchemaContext.fromInput`: each run's longest event-loop stall (ms). */
  readonly stallMs: ReadonlyArray<number>
  /** The longest garbage-collection pause of each sliced run (ms): V8's, not the reader's. */
  readonly gcMs: ReadonlyArray<number>
}

/** Measures `runs` runs of each way after one warm-up. */
export const measure = async (runs: number): Promise<Figures> => {
  const text = ddl(defaultInputLimits.schemaChars)
  const atOnceMs: Array<number> = []
  const slicedMs: Array<number> = []
  const stallMs: Array<number> = []
  const gcMs: Array<number> = []
  let read: SchemaContext.SchemaContext = SchemaContext.empty
  for (let i = 0; i <= runs; i++) {
    ;(globalThis as { gc?: () => void }).gc?.()
    const start = performance.now()
    Ddl.parse(text)
    const ms = performance.now() - start
    ;(globalThis as { gc?: () => void }).gc?.()
    const { stall, value } = await stallWhile(() => Effect.runPromise(SchemaContext.fromInput(text, defaultInputLimits)))
    read = value
    if (i === 0) continue
    atOnceMs.push(ms)
    slicedMs.push(stall.totalMs)
    stallMs.push(stall.longestMs)
    gcMs.push(stall.gcMaxMs)
  }
  const columns = read.tables.reduce((n, t) => n + t.columns.length, 0)
  return { chars: text.length, tables: read.tables.length, columns, atOnceMs, slicedMs, stallMs, gcMs }
}

/** The figures as a table, for `bench/run.ts` and for a direct run. */
export const report = async (quick: boolean): Promise<string> => {
  const runs = quick ? 1 : 3
  const f = await measure(runs)
  const fmt = (n: number) => n.toLocaleString("en-US")
  const ms = (xs: ReadonlyArray<number>) => `${median(xs).toFixed(1)} (max ${Math.max(...xs).toFixed(1)})`
  return [
    "",
    `A schema as DDL text: ${fmt(f.chars)} characters, ${fmt(f.tables)} tables, ${fmt(f.columns)} columns (median of ${runs} run(s) after a warm-up, one process)`,
    "",
    "| read | wall ms | longest event-loop stall ms | max GC pause ms |",
    "|---|---:|---:|---:|",
    `| Ddl.parse at once (CLI schema files) | ${ms(f.atOnceMs)} | ${ms(f.atOnceMs)} | |`,
    `| SchemaContext.fromInput, in slices (request path) | ${ms(f.slicedMs)} | ${ms(f.stallMs)} | ${ms(f.gcMs)} |`,
    "",
    "- Target (issue 15): no stall over 20 ms on the request path."
  ].join("\n")
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await report(process.argv.includes("--quick"))}\n`)
}
