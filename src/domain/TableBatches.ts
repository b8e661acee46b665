/**
 * Several statements explained in as few provider calls as fit the model: the `CREATE TABLE`
 * statements of a list of tables grouped, in their order, into explain requests with one section
 * per table (`ExplainSqlRequest.sections`), each request's prompt within the model's context
 * window less the answer's budget, its SQL within the request limit, and at most as many tables
 * as the answer's budget can describe (so an answer is not cut off half-way).
 *
 * Pure: the planning needs only the model's `Prompts.Budget` and the request limits.
 *
 * @since 0.1.0
 */
import type { Dialect } from "./Dialect.js"
import type { InputLimits } from "./Limits.js"
import * as Prompts from "./Prompts.js"
import * as SqlTask from "./SqlTask.js"

/**
 * One statement to explain, under its section's name (a table's name and its DDL).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Item {
  readonly name: string
  readonly sql: string
}

/**
 * The most tables one request explains, whatever the window: past about twenty sections a model
 * shortens or drops them.
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxPerBatch = 20

/**
 * The answer tokens one section is given: the prompt asks for under 80 words (about 110 tokens),
 * plus its heading and some slack.
 *
 * @since 0.1.0
 * @category Constants
 */
export const sectionAnswerTokens = 160

/**
 * How many sections one answer at this model can hold: its answer budget over
 * {@link sectionAnswerTokens}, from 1 to {@link maxPerBatch}.
 *
 * @since 0.1.0
 * @category Functions
 */
export const perBatch = (budget: Prompts.Budget): number =>
  Math.max(1, Math.min(maxPerBatch, Math.floor(budget.maxOutputTokens / sectionAnswerTokens)))

/**
 * The explain request of one batch: the statements one after the other, one section per name.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const task = (items: ReadonlyArray<Item>, dialect: Dialect): SqlTask.TaskOf<"ExplainSql"> =>
  SqlTask.explain({ sql: items.map((i) => i.sql).join("\n\n"), sections: items.map((i) => i.name), dialect })

/**
 * What the planning needs: the model's budget, the request limits and the dialect; `maxPerBatch`
 * lowers the cap of {@link perBatch}.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly budget: Prompts.Budget
  readonly limits: InputLimits
  readonly dialect: Dialect
  readonly maxPerBatch?: number | undefined
}

/**
 * Groups items, in their order, into batches: an item joins the current batch while the batch's
 * request still fits (its prompt within `Prompts.promptRoom`, its SQL within `limits.sqlChars`)
 * and holds no more than the cap; otherwise it starts the next. An item too large to fit even
 * alone gets a batch of its own (the provider then says whether it fits).
 *
 * @since 0.1.0
 * @category Functions
 */
export const plan = (items: ReadonlyArray<Item>, options: Options): ReadonlyArray<ReadonlyArray<Item>> => {
  const cap = Math.max(1, Math.min(options.maxPerBatch ?? maxPerBatch, perBatch(options.budget)))
  const room = Prompts.promptRoom(options.budget)
  // The SQL is counted as the request limit counts it: the statements and their separators.
  const fits = (batch: ReadonlyArray<Item>) =>
    batch.reduce((n, i) => n + i.sql.length + 2, -2) <= options.limits.sqlChars &&
    Prompts.frameTokens(task(batch, options.dialect), options.budget) <= room
  const batches: Array<ReadonlyArray<Item>> = []
  let current: ReadonlyArray<Item> = []
  for (const item of items) {
    const next = [...current, item]
    if (current.length > 0 && (next.length > cap || !fits(next))) {
      batches.push(current)
      current = [item]
    } else {
      current = next
    }
  }
  if (current.length > 0) batches.push(current)
  return batches
}
