/**
 * DB Toolkit's AI channels: generate, explain, optimize and fix a query and analyze a table, each
 * answered by the `AiService` in DB Toolkit's response shape (the database type passed on as the
 * app names it, so a MongoDB query is checked as one); and `ai:suggest-completion`, a
 * fixed list that needs no provider. `sqlTaskOf` reads the same four requests for the cost
 * estimate.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type * as AiError from "../domain/AiError.js"
import * as SqlTask from "../domain/SqlTask.js"
import * as Untrusted from "../internal/Untrusted.js"
import { AiService, type RequestOptions } from "../services/AiService.js"
import * as ExplainTables from "../services/ExplainTables.js"
import { ProviderRegistry } from "../services/ProviderRegistry.js"
import { Settings } from "../services/Settings.js"
import * as Heuristics from "./heuristics.js"
import * as Legacy from "./legacy.js"
import * as Requests from "./requests.js"
import type { Handler, HandlerContext, LocalHandler } from "./route.js"

const PROMPT_MISSING = "Please provide a query description"

// The schema context as DB Toolkit sent it: the service reads it once, when it prepares the request.
const schemaField = (input: unknown) => (input === undefined ? {} : { schema: input as SqlTask.SchemaInput })

// The request limits the user set (the settings are in memory).
const limitsNow = Effect.map(Effect.flatMap(Settings, (s) => s.snapshot), (snapshot) => snapshot.settings.limits)

/**
 * A request read and validated once, by the service that will run it; a schema it refuses is
 * named as DB Toolkit names the argument.
 *
 * @since 0.1.0
 * @category Requests
 */
export const prepared = <I extends SqlTask.SqlTaskInput>(input: I, options?: RequestOptions) =>
  Effect.flatMap(AiService, (ai) => ai.prepare(input, options)).pipe(
    Effect.catchTag("InvalidRequest", (e): Effect.Effect<never, AiError.InvalidRequest | Requests.InvalidIpcInput> =>
      e.field === "schema"
        ? Effect.fail(Requests.invalid("schema_context", `Invalid schema_context: ${e.reason ?? e.message}`))
        : Effect.fail(e))
  )

// ---------------------------------------------------------------------------
// The four requests, read from either argument style; shared by the channels and the cost
// estimate, which takes the same payloads.
// ---------------------------------------------------------------------------

const generateRequest = (args: Requests.Args, context: HandlerContext) =>
  Effect.gen(function*() {
    const req = Requests.generate(args)
    if (Requests.isBlank(req.prompt)) return yield* Requests.invalid("natural_language", PROMPT_MISSING)
    return SqlTask.input("GenerateSql", { prompt: req.prompt, dialect: yield* context.dbTypeOf(req), ...schemaField(req.schema) })
  })

const sqlRequest = (
  operation: string,
  req: Requests.Target & { readonly query: string | undefined; readonly schema: unknown },
  context: HandlerContext
) =>
  Effect.gen(function*() {
    if (Requests.isBlank(req.query)) return yield* Requests.invalid("query", `Please provide a query to ${operation}`)
    return { sql: req.query, dialect: yield* context.dbTypeOf(req), ...schemaField(req.schema) }
  })

const explainRequest = (args: Requests.Args, context: HandlerContext) =>
  Effect.map(sqlRequest("explain", Requests.explain(args), context), (request) => SqlTask.input("ExplainSql", request))

const optimizeRequest = (args: Requests.Args, context: HandlerContext) =>
  Effect.gen(function*() {
    const req = Requests.optimize(args)
    const base = yield* sqlRequest("optimize", req, context)
    // DB Toolkit stringified the driver's plan; text is passed as it is.
    const plan = typeof req.plan === "string" ? req.plan : req.plan === undefined ? undefined : Untrusted.stringify(req.plan, 2)
    return SqlTask.input("OptimizeSql", plan === undefined ? base : { ...base, executionPlan: plan })
  })

const fixRequest = (args: Requests.Args, context: HandlerContext) =>
  Effect.gen(function*() {
    const req = Requests.fix(args)
    const base = yield* sqlRequest("fix", req, context)
    if (Requests.isBlank(req.errorMessage)) return yield* Requests.invalid("error_message", "Please provide the error message of the query")
    return SqlTask.input("FixSql", { ...base, errorMessage: req.errorMessage })
  })

/**
 * The request of a cost estimate's `operation` (`generate`, `explain`, `optimize` or `fix`),
 * read from `payload` as that operation's channel reads it.
 *
 * @since 0.1.0
 * @category Requests
 */
export const sqlTaskOf = (
  operation: unknown,
  payload: Readonly<Record<string, unknown>>,
  context: HandlerContext
): Effect.Effect<SqlTask.SqlTaskInput, Requests.InvalidIpcInput> => {
  switch (operation) {
    case "generate":
      return generateRequest([payload], context)
    case "explain":
      return explainRequest([payload], context)
    case "optimize":
      return optimizeRequest([payload], context)
    case "fix":
      return fixRequest([payload], context)
    default:
      return Effect.fail(Requests.invalid("operation", "Invalid operation: expected generate, explain, optimize or fix"))
  }
}

// ---------------------------------------------------------------------------
// The channels
// ---------------------------------------------------------------------------

/**
 * `ai:generate-query` and `ai:generate-sql`: SQL for a description, in `channel`'s response shape.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const generateQuery = (channel: Legacy.Channel): Handler => (args, context) =>
  Effect.gen(function*() {
    // DB Toolkit checks for a provider before it checks the prompt, and answers an empty
    // prompt with its bare error shape.
    if (Requests.isBlank(Requests.generate(args).prompt)) {
      const available = yield* Effect.flatMap(ProviderRegistry, (r) => r.available)
      return Legacy.failure(channel, available.length === 0 ? Legacy.notConfiguredMessage(channel) : PROMPT_MISSING)
    }
    const request = yield* prepared(yield* generateRequest(args, context))
    const options = yield* Requests.cacheMode(args)
    return Legacy.generated(channel, yield* Effect.flatMap(AiService, (ai) => ai.run(request, options)))
  })

/**
 * `ai:explain-query`: a query explained.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const explainQuery: Handler = (args, context) =>
  Effect.gen(function*() {
    const request = yield* prepared(yield* explainRequest(args, context))
    const options = yield* Requests.cacheMode(args)
    const answer = yield* Effect.flatMap(AiService, (ai) => ai.run(request, options))
    // Scored from the statement's syntax tree, in its dialect (the lexical rule when it does not parse).
    return Legacy.explained(answer, yield* Heuristics.complexity(request.task.sql, request.target))
  })

/**
 * `ai:optimize-query`: a query optimized, given its plan when there is one.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const optimizeQuery: Handler = (args, context) =>
  Effect.gen(function*() {
    const request = yield* prepared(yield* optimizeRequest(args, context))
    const options = yield* Requests.cacheMode(args)
    return Legacy.optimized(yield* Effect.flatMap(AiService, (ai) => ai.run(request, options)))
  })

/**
 * `ai:fix-query`: a query fixed, given the database's error.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const fixQuery: Handler = (args, context) =>
  Effect.gen(function*() {
    const request = yield* prepared(yield* fixRequest(args, context))
    const options = yield* Requests.cacheMode(args)
    return Legacy.fixed(yield* Effect.flatMap(AiService, (ai) => ai.run(request, options)), request.task.errorMessage)
  })

/**
 * `ai:suggest-completion`: the fixed list of completions DB Toolkit answered with.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const suggestCompletion: LocalHandler = () => Effect.succeed(Legacy.completion())

/**
 * `ai:analyze-table`: a table described. DB Toolkit had a model summarize the table's columns;
 * here the model explains the table's `CREATE TABLE` statement: explaining a table's DDL is
 * describing the table, so the one explain operation (its prompt, parser, fallback and metrics)
 * serves it. Every failure is answered with the table's name.
 *
 * Given a list (`{tables: [{table_name, columns}], connection_id?, db_type?, cache?}`), the
 * tables are explained in as few provider calls as fit the active model (`ExplainTables`), and
 * each is answered in the single-table shape (`Legacy.tableAnalyses`).
 *
 * @since 0.1.0
 * @category Handlers
 */
export const analyzeTable: Handler = (args, context) => {
  const list = Requests.tableList(args)
  if (list !== undefined) return analyzeTables(list, args, context)
  const req = Requests.table(args)
  const tableName = req.tableName ?? ""
  return Effect.gen(function*() {
    const table = yield* Requests.namedTable(req.tableName, req.columns, yield* limitsNow)
    const dialect = yield* context.dialectOf(req)
    const answer = yield* Effect.flatMap(AiService, (ai) => ai.explainSql({ sql: Heuristics.createTableDdl(table, dialect), dialect }))
    return Legacy.tableAnalysis(table, dialect, answer)
  }).pipe(Effect.catchAll((e) => Effect.succeed(Legacy.fromError("ai:analyze-table", e, { table_name: tableName }))))
}

// `ai:analyze-table` with a list: every table read as the single form reads one, then batched.
const analyzeTables = (list: Requests.Target & { readonly tables: unknown }, args: Requests.Args, context: HandlerContext) =>
  Effect.gen(function*() {
    const tables = yield* Requests.namedTables(list.tables, yield* limitsNow)
    const dialect = yield* context.dialectOf(list)
    const options = yield* Requests.cacheMode(args)
    const result = yield* ExplainTables.explainTables(
      tables.map((table) => ({ name: Requests.tableKey(table), ddl: Heuristics.createTableDdl(table, dialect) })),
      { ...options, dialect }
    )
    return Legacy.tableAnalyses(tables, dialect, result)
  }).pipe(Effect.catchAll((e) => Effect.succeed(Legacy.fromError("ai:analyze-table", e, { tables: [], batches: 0 }))))
