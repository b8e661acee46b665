/**
 * A request prepared once: the caller's input read, validated against the request limits and
 * normalized (`SqlTask.decodeWithin`), its prompt built at most once per model, what its answers
 * are checked against, and its size for metrics. The AiService (or the IPC handler, or a provider
 * called directly) prepares a request where it enters, and the prepared value travels down the
 * path to the chat call: nothing below reads the caller's input again.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import * as AiError from "./AiError.js"
import * as Limits from "./Limits.js"
import * as Metrics from "./Metrics.js"
import * as Prompts from "./Prompts.js"
import type { ProviderId } from "./ProviderId.js"
import type * as SchemaBudget from "./SchemaBudget.js"
import * as SqlCheck from "./SqlCheck.js"
import * as SqlTask from "./SqlTask.js"

/**
 * The repair round of a request: the SQL of the answer that did not parse and the parser's
 * message, sent back to the model once.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Repair {
  readonly sql: string
  readonly error: SqlCheck.ParseError
}

const count = (n: number) => n.toLocaleString("en-US")

// The named tables that cannot fit, as the one error union says it.
const doesNotFit = (budget: Prompts.Budget, e: SchemaBudget.NamedTablesDoNotFit): AiError.ContextTooLong =>
  new AiError.ContextTooLong({
    provider: budget.provider,
    code: AiError.NAMED_TABLES_DO_NOT_FIT,
    tables: e.tables,
    message: `The tables the SQL names do not fit the context window of ${budget.model} (${count(budget.contextWindow)} tokens, ` +
      `${count(budget.maxOutputTokens)} of them kept for the answer): ${e.tables.join(", ")}. They need ${count(e.needed)} tokens of ` +
      `schema and ${count(e.budget)} are left; use a model with a larger window, or send fewer columns of these tables`
  })

// The profile is part of the key: a provider whose settings change its family (`reasoning`)
// prompts the same model id differently.
const profileKey = (p: Prompts.Budget["profile"]) =>
  p === undefined ? "" : `${p.family}/${p.layout}/${p.instructions}/${p.fewShot}/${p.structured}`

const budgetKey = (b: Prompts.Budget) =>
  `${b.provider}\u0000${b.model}\u0000${b.contextWindow}\u0000${b.maxOutputTokens}\u0000${profileKey(b.profile)}`

// The statement the caller sent (explain, optimize, fix), if any.
const ownSql = (task: SqlTask.SqlTask): string | undefined => (task._tag === "GenerateSql" ? undefined : task.sql)

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
  /**
   * What the answers' SQL is checked against: the connection's dialect, or `mongodb` (kept from
   * the database type the caller gave, which the task's dialect cannot say).
   */
  readonly target: SqlCheck.Target
  // One prompt per model (providers of a fallback chain may differ), built on first use.
  private readonly prompts = new Map<string, Either.Either<Prompts.Prompt, AiError.ContextTooLong>>()
  private unbounded: Prompts.Prompt | undefined

  constructor(
    readonly task: T,
    target?: SqlCheck.Target,
    /** Set on the request of a repair round (see {@link repairFor}). */
    readonly repair?: Repair | undefined
  ) {
    this._tag = task._tag
    const described = Metrics.describeTask(task)
    this.operation = described.operation
    this.promptChars = described.promptChars
    this.target = target ?? SqlCheck.targetFromDbType(task.dialect)
  }

  /**
   * The prompt for a model ({@link Prompts.Budget}): its schema fills what the context window
   * leaves, or it fails with `ContextTooLong` naming the tables the SQL names that cannot fit.
   * Without a budget, the prompt with every table (see `Prompts.forTask`). A repair round's
   * prompt ends with the parser's message. Built once per model.
   */
  promptFor(budget?: undefined): Prompts.Prompt
  promptFor(budget: Prompts.Budget): Either.Either<Prompts.Prompt, AiError.ContextTooLong>
  promptFor(budget?: Prompts.Budget): Prompts.Prompt | Either.Either<Prompts.Prompt, AiError.ContextTooLong> {
    if (budget === undefined) return (this.unbounded ??= Prompts.forTask(this.task, undefined, this.followUp()))
    const key = budgetKey(budget)
    let prompt = this.prompts.get(key)
    if (prompt === undefined) {
      prompt = this.settle(budget, Limits.finish(Prompts.forTaskWork(this.task, budget, this.followUp())))
      this.prompts.set(key, prompt)
    }
    return prompt
  }

  /**
   * {@link promptFor} on the request path: the schema is fitted in slices that let the event loop
   * in (a schema of many thousand tables never holds the main process), then the prompt is kept
   * for the model like `promptFor`'s.
   */
  prompt(budget: Prompts.Budget): Effect.Effect<Prompts.Prompt, AiError.ContextTooLong> {
    const key = budgetKey(budget)
    const built = this.prompts.get(key)
    if (built !== undefined) return built
    return Effect.flatMap(
      Effect.orDie(Limits.sliced(Prompts.forTaskWork(this.task, budget, this.followUp()))),
      (fitted) => {
        const prompt = this.prompts.get(key) ?? this.settle(budget, fitted)
        this.prompts.set(key, prompt)
        return prompt
      }
    )
  }

  // The repair round's message, appended to its prompt.
  private followUp(): string | undefined {
    return this.repair && SqlCheck.repairPrompt(this.repair.sql, this.repair.error, this.target)
  }

  private settle(
    budget: Prompts.Budget,
    fitted: Either.Either<Prompts.Prompt, SchemaBudget.NamedTablesDoNotFit>
  ): Either.Either<Prompts.Prompt, AiError.ContextTooLong> {
    return Either.mapLeft(fitted, (e) => doesNotFit(budget, e))
  }

  /**
   * The request of the one repair round an answer calls for: its SQL did not parse (the check
   * says `needsRepair`), and this request is not itself a repair round. `undefined` otherwise, and
   * when the SQL is the caller's own statement handed back (an optimize that changed nothing):
   * what fails to parse then is the caller's SQL, which asking the model again would not mend.
   */
  repairFor(result: SqlTask.SqlResult): Prepared<T> | undefined {
    const check = result.check
    if (this.repair !== undefined || check?.parseError === undefined || !SqlCheck.needsRepair(check)) return undefined
    const sql = SqlTask.sqlOf(result)
    if (sql === undefined || sql.trim() === "" || sql.trim() === ownSql(this.task)?.trim()) return undefined
    return new Prepared(this.task, this.target, { sql, error: check.parseError })
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

// The database type as the caller wrote it (`mongodb` survives here, not in the task's dialect).
const dbTypeOf = (input: SqlTask.SqlTaskInput): string | undefined =>
  typeof input.dialect === "string" ? input.dialect : undefined

/**
 * Prepares a request: checks it against the limits and normalizes it (the schema context to its
 * canonical form, the execution plan to text, the dialect from DB Toolkit's `db_type`, and the
 * check target from the same type, `mongodb` included). A field past its limit, or holding a lone
 * UTF-16 surrogate, is an `InvalidRequest` naming the field and the limit, before any other work
 * is done on it. A request that is already prepared is returned as it is.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const prepare = <I extends Input>(
  provider: ProviderId,
  input: I,
  limits: Limits.InputLimits = Limits.defaultInputLimits
): Effect.Effect<PreparedOf<I>, AiError.InvalidRequest> => {
  if (input instanceof Prepared) return Effect.succeed(input as PreparedOf<I>)
  const raw = input as SqlTask.SqlTaskInput
  return Effect.mapBoth(SqlTask.decodeWithin(raw, limits), {
    onFailure: (refusal) =>
      new AiError.InvalidRequest({
        provider,
        message: `Invalid ${refusal.field === "_tag" || refusal.field === "" ? "SQL" : input._tag} request: ${refusal.message}`,
        ...(refusal.field !== "" ? { field: refusal.field } : {}),
        reason: refusal.message.startsWith(`${refusal.field} `) ? refusal.message.slice(refusal.field.length + 1) : refusal.message
      }),
    onSuccess: (task) => new Prepared(task, SqlCheck.targetFromDbType(dbTypeOf(raw) ?? task.dialect)) as PreparedOf<I>
  })
}
