/**
 * A request prepared once: the caller's input read, validated against the request limits and
 * normalized (`SqlTask.decodeWithin`), its prompt built at most once per provider, and its size
 * for metrics. The AiService (or the IPC handler, or a provider called directly) prepares a
 * request where it enters, and the prepared value travels down the path to the chat call:
 * nothing below reads the caller's input again.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as AiError from "./AiError.js"
import { defaultInputLimits, type InputLimits } from "./Limits.js"
import * as Metrics from "./Metrics.js"
import * as Prompts from "./Prompts.js"
import type { ProviderId } from "./ProviderId.js"
import type { FormatOptions } from "./SchemaContext.js"
import * as SqlTask from "./SqlTask.js"

/**
 * A validated task with its prompts. It carries its task's `_tag`, so `SqlTask.ResultFor` types
 * its answer as it does the task's.
 *
 * @since 0.1.0
 * @category Models
 */
export class Prepared<T extends SqlTask.SqlTask = SqlTask.SqlTask> {
  /** The task's tag: `ResultFor<Prepared<T>>` is `ResultFor<T>`. */
  readonly _tag: T["_tag"]
  /** The operation, as metrics name it. */
  readonly operation: Metrics.Operation
  /** How many characters of the user's own text the task carries (metrics' `promptChars`). */
  readonly promptChars: number
  // One prompt per schema-limits object: providers share their options object, so a request
  // that falls back builds one prompt per provider that may serve it, and no more.
  private readonly prompts = new Map<FormatOptions | undefined, Prompts.Prompt>()

  constructor(readonly task: T) {
    this._tag = task._tag
    const described = Metrics.describeTask(task)
    this.operation = described.operation
    this.promptChars = described.promptChars
  }

  /** The prompt for a provider's schema limits, built on first use. */
  promptFor(options: FormatOptions | undefined): Prompts.Prompt {
    let prompt = this.prompts.get(options)
    if (prompt === undefined) {
      prompt = Prompts.forTask(this.task, options)
      this.prompts.set(options, prompt)
    }
    return prompt
  }
}

/**
 * What a request may be given as: the caller's input, or a request already prepared.
 *
 * @since 0.1.0
 * @category Models
 */
export type Input = SqlTask.SqlTaskInput | Prepared

/**
 * The prepared request for an input's operation.
 *
 * @since 0.1.0
 * @category Models
 */
export type PreparedOf<I extends Input> = Prepared<SqlTask.TaskOf<I["_tag"]>>

/**
 * Prepares a request: checks it against the limits and normalizes it (the schema context to its
 * canonical form, the execution plan to text, the dialect from DB Toolkit's `db_type`). A field
 * past its limit, or holding a lone UTF-16 surrogate, is an `InvalidRequest` naming the field and
 * the limit, before any other work is done on it. A request that is already prepared is returned
 * as it is.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const prepare = <I extends Input>(
  provider: ProviderId,
  input: I,
  limits: InputLimits = defaultInputLimits
): Effect.Effect<PreparedOf<I>, AiError.InvalidRequest> => {
  if (input instanceof Prepared) return Effect.succeed(input as PreparedOf<I>)
  return Effect.mapBoth(SqlTask.decodeWithin(input as SqlTask.SqlTaskInput, limits), {
    onFailure: (refusal) =>
      new AiError.InvalidRequest({
        provider,
        message: `Invalid ${refusal.field === "_tag" || refusal.field === "" ? "SQL" : input._tag} request: ${refusal.message}`,
        ...(refusal.field !== "" ? { field: refusal.field } : {}),
        reason: refusal.message.startsWith(`${refusal.field} `) ? refusal.message.slice(refusal.field.length + 1) : refusal.message
      }),
    onSuccess: (task) => new Prepared(task) as PreparedOf<I>
  })
}
