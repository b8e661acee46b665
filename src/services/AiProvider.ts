/**
 * The contract every provider fulfils, and the one place that turns a provider's chat call into
 * the four SQL operations: prompt (its schema fitted to the model's context window), call, parse,
 * check the SQL, measure.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Option, Stream } from "effect"
import * as AiError from "../domain/AiError.js"
import * as AnswerParser from "../domain/AnswerParser.js"
import type * as AnswerSchemas from "../domain/AnswerSchemas.js"
import * as ContextWindow from "../domain/ContextWindow.js"
import * as Prepared from "../domain/Prepared.js"
import type * as PromptProfiles from "../domain/PromptProfiles.js"
import type * as Prompts from "../domain/Prompts.js"
import type { ProviderId } from "../domain/ProviderId.js"
import * as SqlCheck from "../domain/SqlCheck.js"
import * as SqlTask from "../domain/SqlTask.js"

/**
 * One chat turn: a system prompt (empty: none is sent) and a user message; `answer` asks for the
 * task's structured answer, which a provider sends in its own wire field (and one that has none
 * ignores: the text parser reads its answer).
 *
 * @since 0.1.0
 * @category Chat
 */
export interface ChatRequest {
  readonly system: string
  readonly user: string
  readonly answer?: AnswerSchemas.AnswerSchema | undefined
}

/**
 * A provider's whole answer to a chat turn.
 *
 * @since 0.1.0
 * @category Chat
 */
export interface ChatCompletion {
  readonly text: string
  /** The model that answered, as the provider reports it (may carry a version suffix). */
  readonly model: string
  readonly usage: SqlTask.Usage
  readonly finishReason: SqlTask.FinishReason
  readonly requestId?: string | undefined
}

/**
 * A piece of a streamed chat answer: text as it arrives, then exactly one `Finish`.
 * A provider's stream either ends with `Finish` or fails.
 *
 * @since 0.1.0
 * @category Chat
 */
export type ChatChunk =
  | { readonly _tag: "Delta"; readonly text: string }
  | {
    readonly _tag: "Finish"
    readonly model: string
    readonly usage: SqlTask.Usage
    readonly finishReason: SqlTask.FinishReason
    readonly requestId?: string | undefined
  }

/**
 * A model a provider offers.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ModelInfo {
  readonly id: string
  readonly displayName?: string | undefined
  readonly contextWindow?: number | undefined
  readonly ownedBy?: string | undefined
}

/**
 * The outcome of a connection test. It never fails: a failed test is `ok: false` with the error.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ConnectionTest {
  readonly ok: boolean
  readonly provider: ProviderId
  readonly model: string
  readonly latencyMs: number
  /** Whether the configured model is available to this key; undefined when the check could not tell. */
  readonly modelAvailable: boolean | undefined
  readonly details: string
  readonly error?: AiError.AiError | undefined
}

/**
 * The provider-specific part of a provider: one chat call (whole and streamed), its checks and
 * its model list. {@link make} builds the SQL operations on top of it.
 *
 * @since 0.1.0
 * @category Chat
 */
export interface ChatModel {
  readonly provider: ProviderId
  readonly model: string
  readonly complete: (request: ChatRequest) => Effect.Effect<ChatCompletion, AiError.AiError>
  readonly completeStream: (request: ChatRequest) => Stream.Stream<ChatChunk, AiError.AiError>
  readonly testConnection: Effect.Effect<ConnectionTest>
  readonly listModels: Effect.Effect<ReadonlyArray<ModelInfo>, AiError.AiError>
  /**
   * The context window the model runs with, when the provider's settings set one (Ollama's
   * `num_ctx`); otherwise `ContextWindow`'s table says.
   */
  readonly contextWindow?: number | undefined
  /** The chat endpoint's URL; spans report its host and port (`server.address`, `server.port`). */
  readonly endpoint?: string | undefined
  /** The sampling temperature each chat request carries (undefined when none is sent). */
  readonly temperature?: number | undefined
  /** The most tokens an answer may use, as each chat request says. */
  readonly maxTokens?: number | undefined
  /**
   * How the model is prompted (`PromptProfiles`): the provider's row for its model and settings.
   * Without one, the table's row for the provider and model id.
   */
  readonly profile?: PromptProfiles.Profile | undefined
  /**
   * Cleans text the provider sent back in a successful answer before it is reported (model names,
   * request ids, model lists): keys removed, length bounded. Errors are cleaned where they are built.
   */
  readonly clean?: ((text: string, maxChars: number) => string) | undefined
}

/**
 * What a provider offers: the four SQL operations, streaming, and its checks.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly provider: ProviderId
  readonly model: string
  readonly generateSql: (request: SqlTask.GenerateSqlInput) => Effect.Effect<SqlTask.GenerateSqlResult, AiError.AiError>
  readonly explainSql: (request: SqlTask.ExplainSqlInput) => Effect.Effect<SqlTask.ExplainSqlResult, AiError.AiError>
  readonly optimizeSql: (request: SqlTask.OptimizeSqlInput) => Effect.Effect<SqlTask.OptimizeSqlResult, AiError.AiError>
  readonly fixSql: (request: SqlTask.FixSqlInput) => Effect.Effect<SqlTask.FixSqlResult, AiError.AiError>
  /** Any task, for generic callers: as passed, or prepared (`Prepared.prepare`). */
  readonly run: <I extends Prepared.Input>(task: I) => Effect.Effect<SqlTask.ResultFor<I>, AiError.AiError>
  /** Text deltas as the model writes, then one `Completed` with the parsed result. */
  readonly stream: (task: Prepared.Input) => Stream.Stream<SqlTask.StreamEvent, AiError.AiError>
  readonly testConnection: Effect.Effect<ConnectionTest>
  readonly listModels: Effect.Effect<ReadonlyArray<ModelInfo>, AiError.AiError>
  /** As the chat model says ({@link ChatModel}): for spans and estimates. */
  readonly endpoint?: string | undefined
  readonly temperature?: number | undefined
  readonly maxTokens?: number | undefined
  readonly contextWindow?: number | undefined
  readonly profile?: PromptProfiles.Profile | undefined
}

/**
 * The provider in use.
 *
 * @since 0.1.0
 * @category Context
 */
export class AiProvider extends Context.Tag("@db-toolkit/ai/AiProvider")<AiProvider, Service>() {}

/**
 * The answer's budget when a provider does not say (the `maxTokens` most providers default to).
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultMaxTokens = 2048

/**
 * What a provider's prompts are fitted to: its model, context window, answer budget and profile.
 *
 * @since 0.1.0
 * @category Functions
 */
export const budgetOf = (
  p: Pick<Service, "provider" | "model" | "maxTokens" | "contextWindow" | "profile">
): Prompts.Budget => ({
  provider: p.provider,
  model: p.model,
  contextWindow: ContextWindow.of(p.provider, p.model, p.contextWindow),
  maxOutputTokens: p.maxTokens ?? defaultMaxTokens,
  ...(p.profile !== undefined ? { profile: p.profile } : {})
})

// ---------------------------------------------------------------------------
// Building the SQL operations on a chat model
// ---------------------------------------------------------------------------

// A structured answer is read as JSON first; a reply that is not JSON of the task's shape (a
// model or server that ignored the format) goes to the text parser, as every answer did before.
const parse = (
  task: SqlTask.SqlTask,
  text: string,
  meta: SqlTask.ResultMeta,
  structured: boolean
): SqlTask.SqlResult => {
  switch (task._tag) {
    case "GenerateSql":
      return {
        _tag: "GenerateSqlResult",
        ...((structured ? AnswerParser.generateFromJson(text) : undefined) ?? AnswerParser.parseGenerate(text)),
        raw: text,
        meta
      }
    case "ExplainSql":
      return {
        _tag: "ExplainSqlResult",
        ...AnswerParser.explainAnswer(text, structured, task.sections),
        raw: text,
        meta
      }
    case "OptimizeSql": {
      const p = (structured ? AnswerParser.optimizeFromJson(text, task.sql) : undefined) ?? AnswerParser.parseOptimize(text, task.sql)
      return {
        _tag: "OptimizeSqlResult",
        optimizedSql: p.optimizedSql,
        changed: p.changed,
        ...(p.rating ? { rating: p.rating } : {}),
        suggestions: p.suggestions,
        indexRecommendations: p.indexRecommendations,
        raw: text,
        meta
      }
    }
    case "FixSql":
      return {
        _tag: "FixSqlResult",
        ...((structured ? AnswerParser.fixFromJson(text) : undefined) ?? AnswerParser.parseFix(text, task.sql)),
        raw: text,
        meta
      }
  }
}

/**
 * A parsed answer with what the request path found about it: the schema its prompt sent and left
 * out, whether it is a repair round's, and its SQL checked in the connection's dialect against the
 * request's whole schema (an explanation has no SQL to check). Never fails.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const withFindings = <R extends SqlTask.SqlResult>(
  request: Prepared.Prepared,
  prompt: Prompts.Prompt,
  result: R
): Effect.Effect<R> => {
  const found: R = {
    ...result,
    schemaSent: prompt.schema.sent,
    schemaLeftOut: prompt.schema.leftOut,
    schemaTextLeftOut: prompt.schema.textLeftOut,
    repaired: request.repair !== undefined
  }
  const sql = SqlTask.sqlOf(result)
  return sql === undefined
    ? Effect.succeed(found)
    : Effect.map(SqlCheck.check(sql, request.target, request.task.schema), (check): R => ({ ...found, check }))
}

// An empty answer is useless: say why, so fallback can act (or not, for a filtered answer).
const checkText = (
  chat: ChatModel,
  text: string,
  finishReason: SqlTask.FinishReason,
  requestId: string | undefined,
  usage: SqlTask.Usage
): Effect.Effect<void, AiError.AiError> => {
  if (text.trim() !== "") return Effect.void
  const common = { provider: chat.provider, ...(requestId ? { requestId } : {}) }
  return Effect.fail(
    finishReason === "content-filter"
      ? new AiError.ContentFiltered({ ...common, message: `${chat.provider}: the answer was withheld by the provider's content filter` })
      : finishReason === "length"
      // A reasoning model can spend the whole budget thinking: say so, and what to change.
      ? new AiError.InvalidResponse({
        ...common,
        message: `${chat.provider}: the model spent its whole token budget${
          chat.maxTokens !== undefined ? ` (maxTokens ${chat.maxTokens})` : ""
        } before writing any answer${
          usage.reasoningTokens ? `, ${usage.reasoningTokens} of it on reasoning` : " (a reasoning model spends it thinking first)"
        }; raise maxTokens in the provider's settings`
      })
      : new AiError.InvalidResponse({
        ...common,
        message: `${chat.provider}: the model returned no text (finish reason: ${finishReason})`
      })
  )
}

// What a provider says about itself (its model name, a request id) reaches spans, metrics and
// IPC answers: a hostile server could put a key there too.
const NAME_CHARS = 200
const cleanOf = (chat: ChatModel) => (text: string) => chat.clean ? chat.clean(text, NAME_CHARS) : text.slice(0, NAME_CHARS)

const meta = (chat: ChatModel, c: Omit<ChatCompletion, "text">, latencyMs: number): SqlTask.ResultMeta => {
  const clean = cleanOf(chat)
  return {
    provider: chat.provider,
    model: c.model ? clean(c.model) : chat.model,
    usage: c.usage,
    finishReason: c.finishReason,
    latencyMs,
    ...(c.requestId ? { requestId: clean(c.requestId) } : {})
  }
}

const cleanModels = (chat: ChatModel) => {
  const clean = cleanOf(chat)
  return (models: ReadonlyArray<ModelInfo>): ReadonlyArray<ModelInfo> =>
    models.map((m) => ({
      ...m,
      id: clean(m.id),
      ...(m.displayName !== undefined ? { displayName: clean(m.displayName) } : {}),
      ...(m.ownedBy !== undefined ? { ownedBy: clean(m.ownedBy) } : {})
    }))
}

/**
 * Builds a provider's {@link Service} from its chat model: every provider gets the same request
 * validation and answer parsing, and prompts tailored to its profile. A whole answer is asked
 * for as the task's structured answer where the profile has structured output (the text parser
 * reads any reply that is not); a stream always asks for text, which reaches the caller as it
 * arrives.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (chat: ChatModel): Service => {
  const prepare = <I extends Prepared.Input>(task: I) => Prepared.prepare(chat.provider, task)
  const budget = budgetOf(chat)

  const run = <I extends Prepared.Input>(task: I): Effect.Effect<SqlTask.ResultFor<I>, AiError.AiError> =>
    Effect.gen(function*() {
      const request = yield* prepare(task)
      const prompt = yield* request.prompt(budget)
      const start = yield* Clock.currentTimeMillis
      const structured = prompt.structured
      const c = yield* chat.complete(structured ?? prompt)
      yield* checkText(chat, c.text, c.finishReason, c.requestId, c.usage)
      const end = yield* Clock.currentTimeMillis
      const result = parse(request.task, c.text, meta(chat, c, end - start), structured !== undefined)
      return (yield* withFindings(request, prompt, result)) as SqlTask.ResultFor<I>
    })

  // A streamed answer is checked too, never repaired: its text has reached the caller.
  const stream = (task: Prepared.Input): Stream.Stream<SqlTask.StreamEvent, AiError.AiError> =>
    Stream.unwrap(
      Effect.gen(function*() {
        const request = yield* prepare(task)
        const prompt = yield* request.prompt(budget)
        const start = yield* Clock.currentTimeMillis
        let text = ""
        let finish: Extract<ChatChunk, { _tag: "Finish" }> | undefined
        const deltas = chat.completeStream({ system: prompt.system, user: prompt.user }).pipe(
          Stream.filterMap((chunk): Option.Option<SqlTask.StreamEvent> => {
            if (chunk._tag === "Finish") {
              finish = chunk
              return Option.none()
            }
            if (chunk.text === "") return Option.none()
            text += chunk.text
            return Option.some({ _tag: "TextDelta", text: chunk.text })
          })
        )
        const completed = Effect.suspend(() => {
          if (finish === undefined) {
            return Effect.fail(
              new AiError.InvalidResponse({ provider: chat.provider, message: `${chat.provider}: the stream ended before the answer was complete` })
            )
          }
          const f = finish
          return Effect.flatMap(checkText(chat, text, f.finishReason, f.requestId, f.usage), () =>
            Effect.flatMap(Clock.currentTimeMillis, (end) =>
              Effect.map(
                withFindings(request, prompt, parse(request.task, text, meta(chat, f, end - start), false)),
                (result): SqlTask.StreamEvent => ({ _tag: "Completed", result })
              )))
        })
        return Stream.concat(deltas, Stream.fromEffect(completed))
      })
    )

  return {
    provider: chat.provider,
    model: chat.model,
    generateSql: (request) => run(SqlTask.input("GenerateSql", request)),
    explainSql: (request) => run(SqlTask.input("ExplainSql", request)),
    optimizeSql: (request) => run(SqlTask.input("OptimizeSql", request)),
    fixSql: (request) => run(SqlTask.input("FixSql", request)),
    run,
    stream,
    testConnection: chat.testConnection,
    listModels: withCheckTimeout(chat.provider, "model list", Effect.map(chat.listModels, cleanModels(chat))),
    endpoint: chat.endpoint,
    temperature: chat.temperature,
    maxTokens: chat.maxTokens,
    contextWindow: chat.contextWindow,
    profile: chat.profile
  }
}

/**
 * How long a connection test or a model list may take: a server that accepts and never answers
 * must not leave a settings screen, a save or the health checks waiting.
 *
 * @since 0.1.0
 * @category Constants
 */
export const checkTimeoutMs = 15_000

// Bounds a check (connection test, model list) by `checkTimeoutMs`; past it, `Timeout`.
const withCheckTimeout = <A>(
  provider: ProviderId,
  what: string,
  check: Effect.Effect<A, AiError.AiError>
): Effect.Effect<A, AiError.AiError> =>
  Effect.timeoutFail(check, {
    duration: checkTimeoutMs,
    onTimeout: () =>
      new AiError.Timeout({ provider, phase: "request", message: `${provider}: no answer to the ${what} within ${checkTimeoutMs / 1000} s` })
  })

/**
 * Runs a provider's cheap check and reports it as a {@link ConnectionTest}: latency measured,
 * failures caught into `ok: false` with the error.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const connectionTest = (
  provider: ProviderId,
  model: string,
  check: Effect.Effect<{ readonly modelAvailable: boolean | undefined; readonly details: string }, AiError.AiError>
): Effect.Effect<ConnectionTest> =>
  Effect.flatMap(Clock.currentTimeMillis, (start) =>
    Effect.flatMap(Effect.either(withCheckTimeout(provider, "connection test", check)), (outcome) =>
      Effect.map(Clock.currentTimeMillis, (end): ConnectionTest => {
        const latencyMs = end - start
        if (outcome._tag === "Left") {
          return { ok: false, provider, model, latencyMs, modelAvailable: undefined, details: outcome.left.message, error: outcome.left }
        }
        return { ok: true, provider, model, latencyMs, ...outcome.right }
      })))

/**
 * A connection test that lists the models and looks for the configured one.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const connectionTestByModelList = (
  provider: ProviderId,
  model: string,
  listModels: Effect.Effect<ReadonlyArray<ModelInfo>, AiError.AiError>,
  matches: (info: ModelInfo, model: string) => boolean = (info, m) => info.id === m
): Effect.Effect<ConnectionTest> =>
  connectionTest(
    provider,
    model,
    Effect.map(listModels, (models) => {
      const modelAvailable = models.some((info) => matches(info, model))
      return {
        modelAvailable,
        details: modelAvailable
          ? `Connected; ${models.length} models available, including ${model}`
          : `Connected, but the model ${model} is not among the ${models.length} models this key can use`
      }
    })
  )
