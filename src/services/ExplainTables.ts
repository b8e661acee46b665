/**
 * Several tables explained in as few provider calls as fit the active model (the library side of
 * `ai:analyze-table` with a list): the tables' `CREATE TABLE` statements grouped by
 * `TableBatches.plan` against the `AiService`'s capacity, each batch one explain request with one
 * section per table, run through the service (cache, fallback, budget and metrics as any
 * request), and every answer split back by table name. Each table gets its own outcome: its
 * section, `Skipped` when the model's answer had none for it (never another table's text), or
 * `Failed` with its batch's error. Only a service with no provider fails the whole call.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import * as Dialect from "../domain/Dialect.js"
import type * as SqlTask from "../domain/SqlTask.js"
import * as TableBatches from "../domain/TableBatches.js"
import { type AiNotConfigured, AiService, type AiServiceError, type Answer, type RequestOptions } from "./AiService.js"

/**
 * A table to explain: its name (the section's) and its `CREATE TABLE` statement.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Table {
  readonly name: string
  readonly ddl: string
}

/**
 * How the tables are explained: the request options of every batch (`pin`, `cache`), the dialect
 * (a DB Toolkit `db_type` is read as the other requests read it), how many batches run at once
 * (default {@link defaultConcurrency}) and a lower cap on tables per batch.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options extends RequestOptions {
  readonly dialect?: SqlTask.DialectInput | undefined
  readonly concurrency?: number | undefined
  readonly maxPerBatch?: number | undefined
}

/**
 * Batches run two at a time: a long list is done sooner without bursting a provider's rate limit.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultConcurrency = 2

/**
 * What became of one table; `batch` is its provider call (1-based, as `Result.batches` lists them).
 *
 * - `Explained`: its section of the answer;
 * - `Skipped`: the answer had no section for it;
 * - `Failed`: its batch failed (a provider error, a budget, a refused request).
 *
 * @since 0.1.0
 * @category Models
 */
export type Outcome =
  | { readonly _tag: "Explained"; readonly name: string; readonly batch: number; readonly explanation: string; readonly answer: Answer<SqlTask.ExplainSqlResult> }
  | { readonly _tag: "Skipped"; readonly name: string; readonly batch: number; readonly answer: Answer<SqlTask.ExplainSqlResult> }
  | { readonly _tag: "Failed"; readonly name: string; readonly batch: number; readonly error: AiServiceError }

/**
 * Every table's outcome in the order given, the table names of each provider call, and how long
 * it all took.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Result {
  readonly tables: ReadonlyArray<Outcome>
  readonly batches: ReadonlyArray<ReadonlyArray<string>>
  readonly latencyMs: number
}

// One batch's answer split back per table.
const outcomes = (
  batch: number,
  items: ReadonlyArray<TableBatches.Item>,
  answer: Answer<SqlTask.ExplainSqlResult>
): ReadonlyArray<Outcome> =>
  items.map((item): Outcome => {
    const sections = answer.result.sections ?? {}
    return Object.hasOwn(sections, item.name)
      ? { _tag: "Explained", name: item.name, batch, explanation: sections[item.name]!, answer }
      : { _tag: "Skipped", name: item.name, batch, answer }
  })

/**
 * Explains `tables` in as few provider calls as fit the active provider's model (see the module
 * notes). Fails only with `AiNotConfigured`; everything else is a table's outcome.
 *
 * @since 0.1.0
 * @category Functions
 */
export const explainTables = (
  tables: ReadonlyArray<Table>,
  options: Options = {}
): Effect.Effect<Result, AiNotConfigured, AiService> =>
  Effect.gen(function*() {
    const ai = yield* AiService
    const start = yield* Clock.currentTimeMillis
    const { budget, limits } = yield* ai.capacity(options)
    const dialect = Dialect.fromDbType(options.dialect)
    const batches = TableBatches.plan(tables.map((t) => ({ name: t.name, sql: t.ddl })), {
      budget,
      limits,
      dialect,
      maxPerBatch: options.maxPerBatch
    })
    const request: RequestOptions = { pin: options.pin, cache: options.cache }
    const answered = yield* Effect.forEach(batches, (items, i) =>
      Effect.match(ai.run(TableBatches.task(items, dialect), request), {
        onFailure: (error) => items.map((item): Outcome => ({ _tag: "Failed", name: item.name, batch: i + 1, error })),
        onSuccess: (answer) => outcomes(i + 1, items, answer)
      }), { concurrency: Math.max(1, options.concurrency ?? defaultConcurrency) })
    const end = yield* Clock.currentTimeMillis
    return { tables: answered.flat(), batches: batches.map((items) => items.map((i) => i.name)), latencyMs: end - start }
  })
