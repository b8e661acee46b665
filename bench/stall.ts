/**
 * `node bench/results/build/bench/stall.js [--reps N]` (run by `bench/run.ts`; `npx tsx
 * bench/stall.ts` works too): the longest event-loop stall while the largest inputs the default
 * limits accept go through the request path: `Prepared.prepare` (limits, schema
 * normalization, plan text), the prompt fitted to the model (`prompt`, in slices) and the exact token count a budget triggers
 * (`TokenCounter.estimateChat` for gpt-4.1-mini, the o200k_base tokenizer). First, loading that
 * tokenizer's table (`Bpe.load`), `reps` times; then each input `reps` times, in this one process
 * after a warm-up that loads the tokenizer, with a full garbage collection before each run when
 * `--expose-gc` is on. It prints one `BENCH_RESULT {json}` line.
 */
import { Effect } from "effect"
import { defaultInputLimits } from "../src/domain/Limits.js"
import type * as SqlTask from "../src/domain/SqlTask.js"
import * as Bpe from "../src/internal/Bpe.js"
import * as TokenCounter from "../src/internal/TokenCounter.js"
import * as Prepared from "../src/domain/Prepared.js"
import * as AiProvider from "../src/services/AiProvider.js"
import { parseArgs, RESULT_MARKER } from "./harness.js"
import { largest, stallWhile } from "./largest.js"

/** One input's figures. */
export interface StallResult {
  readonly name: string
  /** Longest stall of each repetition (ms). */
  readonly stallsMs: ReadonlyArray<number>
  /** Wall time of each repetition (ms). */
  readonly totalsMs: ReadonlyArray<number>
  /** The longest garbage-collection pause of each repetition (ms). */
  readonly gcMaxMs: ReadonlyArray<number>
  readonly inputTokens: number
  readonly inputTokensExact: boolean
}

const requestPath = (task: Readonly<Record<string, unknown>>) =>
  Effect.runPromise(Effect.gen(function*() {
    const request = yield* Prepared.prepare("openai", task as unknown as SqlTask.SqlTaskInput, defaultInputLimits)
    // As a provider builds it: fitted to gpt-4.1-mini's window, in slices.
    const messages = yield* request.prompt(AiProvider.budgetOf({ provider: "openai", model: "gpt-4.1-mini", maxTokens: 2048 }))
    return yield* TokenCounter.estimateChat({ provider: "openai", model: "gpt-4.1-mini", messages, maxOutputTokens: 2048 })
  }))

type Estimate = { readonly inputTokens: number; readonly inputTokensExact: boolean }

// `reps` runs of one case, each from a fresh input, with its garbage collected first (building
// the input leaves garbage that is not the library's).
const measure = async (name: string, reps: number, runOf: (i: number) => () => Promise<Estimate>): Promise<StallResult> => {
  const stallsMs: Array<number> = []
  const totalsMs: Array<number> = []
  const gcMaxMs: Array<number> = []
  let estimate: Estimate = { inputTokens: 0, inputTokensExact: false }
  for (let i = 0; i < reps; i++) {
    const run = runOf(i)
    ;(globalThis as { gc?: () => void }).gc?.()
    const { stall, value } = await stallWhile(run)
    stallsMs.push(stall.longestMs)
    totalsMs.push(stall.totalMs)
    gcMaxMs.push(stall.gcMaxMs)
    estimate = value
  }
  process.stderr.write(`  stall: ${name}: ${stallsMs.map((s) => s.toFixed(1)).join(", ")} ms (GC pauses up to ${gcMaxMs.map((s) => s.toFixed(1)).join(", ")} ms)\n`)
  return { name, stallsMs, totalsMs, gcMaxMs, ...estimate }
}

const main = async () => {
  const args = parseArgs(process.argv.slice(2))
  const reps = Math.max(1, Number(args.reps ?? 3))
  const results: Array<StallResult> = [
    await measure("loading the o200k_base table", reps, () => () =>
      Effect.runPromise(Bpe.load("o200k_base")).then((count) => ({ inputTokens: count("SELECT 1"), inputTokensExact: true })))
  ]
  await requestPath({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "postgresql" })
  for (const input of largest(defaultInputLimits)) {
    results.push(await measure(input.name, reps, (i) => {
      const task = input.task(i)
      return () => requestPath(task)
    }))
  }
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(results)}\n`)
}

await main()
