/**
 * Drop-in Electron IPC handlers for DB Toolkit: the eleven `ai:*` channels it registers today,
 * with every argument style they accept and every response field its screens read, served by
 * the `AiService` on the provider the user configured; plus the channels a settings panel needs.
 *
 * ```ts
 * import { ipcMain } from "electron"
 * const runtime = ManagedRuntime.make(
 *   AiStack.layer({ databasePath: join(app.getPath("userData"), "ai.db") }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 * )
 * const ai = registerAiHandlers(ipcMain, runtime, {
 *   dbTypeOf: async (id) => (await connectionManager.getConnection(id))?.db_type
 * })
 * app.on("will-quit", () => { ai.dispose(); void runtime.dispose() })
 * ```
 *
 * Every handler resolves with `{ success, error?, ... }` and never rejects: failures (no provider,
 * a provider error, a budget limit, bad input) become `success: false` with DB Toolkit's wording,
 * and so do defects and a runtime that failed to start.
 *
 * @since 0.1.0
 */
import { Cause, Deferred, Effect, Exit, Fiber, FiberId, type ManagedRuntime, Stream } from "effect"
import * as Dialect from "../domain/Dialect.js"
import * as Limits from "../domain/Limits.js"
import type * as Metrics from "../domain/Metrics.js"
import * as ProviderIdModule from "../domain/ProviderId.js"
import * as SchemaContext from "../domain/SchemaContext.js"
import * as SqlTask from "../domain/SqlTask.js"
import * as Untrusted from "../domain/Untrusted.js"
import type * as AiStack from "../layers/AiStack.js"
import { catalog } from "../layers/providers/Catalog.js"
import { AiEvents } from "../services/AiEvents.js"
import type * as AiProvider from "../services/AiProvider.js"
import { AiService } from "../services/AiService.js"
import { MetricsRepo } from "../services/MetricsRepo.js"
import { ProviderRegistry } from "../services/ProviderRegistry.js"
import { Settings } from "../services/Settings.js"
import * as Heuristics from "./heuristics.js"
import * as Legacy from "./legacy.js"
import * as Requests from "./requests.js"

/**
 * What the handlers need of Electron's `ipcMain`: `handle`, and `removeHandler` for `dispose`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface IpcMainLike {
  handle(channel: string, listener: (event: unknown, ...args: Array<unknown>) => unknown): void
  removeHandler?(channel: string): void
}

/**
 * Options.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /**
   * The database type of a connection as DB Toolkit's connection manager names it
   * (`connectionManager.getConnection(id).db_type`); it may answer asynchronously. Requests
   * without a type or a known connection are written for PostgreSQL, as DB Toolkit does.
   */
  readonly dbTypeOf?: ((connectionId: string) => string | undefined | PromiseLike<string | undefined>) | undefined
  /** How many recent events `ai:events:recent` keeps (default 100). */
  readonly eventBufferSize?: number | undefined
}

/**
 * The registered channels, and a way to remove them.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Registration {
  readonly channels: ReadonlyArray<string>
  /** Removes the handlers (when `ipcMain` has `removeHandler`) and stops following events. */
  readonly dispose: () => void
}

/**
 * The settings panel's channels.
 *
 * - `ai:settings:get` → `{ settings, providers: [{ id, display_name, enabled, config, secrets_set, problem, revision }], catalog }`
 *   (which secrets are stored, never their values);
 * - `ai:settings:update (patch)` → `{ settings }`;
 * - `ai:providers:save (id, config, { validate?, enabled?, resilience? })` → `{ provider, test }`
 *   (`resilience`: the provider's time limits, retries, rate limits and circuit breaker);
 * - `ai:providers:test (id, config?)` → `{ success: ok, ok, provider, model, latency_ms, model_available, details }`;
 * - `ai:providers:models (id)` → `{ provider, models: [{ id, display_name, context_window, owned_by }] }`;
 * - `ai:providers:status` → `{ active_provider, fallback_serving, last_served_by, providers, budget }`;
 * - `ai:providers:remove (id)` → `{ provider }`;
 * - `ai:metrics:summary ({ provider?, model?, operation?, from?, to?, period? })` → `{ summary, costs }`;
 * - `ai:cost:estimate ({ operation, ...the operation's legacy payload, provider? })` →
 *   `{ input_tokens, input_tokens_exact, max_output_tokens, min_usd, max_usd, source, provider }`;
 * - `ai:events:recent (limit?)` → `{ events }`, oldest first.
 *
 * Objects the library defines (settings, summaries, provider views) keep its camelCase field
 * names, so what `ai:settings:get` returns can be edited and sent back to `ai:settings:update`.
 *
 * @since 0.1.0
 * @category Channels
 */
export const settingsChannels = [
  "ai:settings:get",
  "ai:settings:update",
  "ai:providers:save",
  "ai:providers:test",
  "ai:providers:models",
  "ai:providers:status",
  "ai:providers:remove",
  "ai:metrics:summary",
  "ai:cost:estimate",
  "ai:events:recent"
] as const

/**
 * Every channel {@link registerAiHandlers} registers.
 *
 * @since 0.1.0
 * @category Channels
 */
export const channels: ReadonlyArray<Channel> = [...Legacy.channels, ...settingsChannels]

/**
 * A channel name.
 *
 * @since 0.1.0
 * @category Channels
 */
export type Channel = Legacy.Channel | typeof settingsChannels[number]

type Body = (args: Requests.Args) => Effect.Effect<Legacy.Response, Legacy.Failure, AiStack.Services>

// A rule-based channel: no service, so it answers even when the AI stack cannot start.
type LocalBody = (args: Requests.Args) => Effect.Effect<Legacy.Response, Legacy.Failure>

type Route = { readonly _tag: "Remote"; readonly body: Body } | { readonly _tag: "Local"; readonly body: LocalBody }
const remote = (body: Body): Route => ({ _tag: "Remote", body })
const local = (body: LocalBody): Route => ({ _tag: "Local", body })

const DEFAULT_DB_TYPE = "postgres"

// What the renderer may send at all, before any channel reads it: plain data, well-formed strings,
// bounded. The per-field limits (settings.limits) are checked where each field is used; these are
// the ceilings no setting can lift (the largest text any limit may allow, 20 million characters).
const IPC_BOUNDS: Untrusted.Bounds = { maxStringChars: 20_000_000, maxDepth: 64, maxNodes: 5_000_000, allowBigIntAndDate: true }

// How long the app's connection lookup may take before the request goes on as PostgreSQL.
const DB_TYPE_LOOKUP_MS = 5_000

// "0.natural_language" -> "natural_language"; "1" -> "argument 2".
const argumentName = (path: string): string => {
  const [index = "0", ...rest] = path === "" ? [] : path.split(".")
  return rest.length > 0 ? rest.join(".") : `argument ${Number(index) + 1}`
}

const checkArgs = (args: Requests.Args): Effect.Effect<void, Requests.InvalidIpcInput> =>
  Effect.mapError(Untrusted.checkYielding(args, IPC_BOUNDS), (problem) => {
    const field = argumentName(problem.path)
    return new Requests.InvalidIpcInput({ field, message: `Invalid ${field}: ${problem.reason}` })
  })

const PROMPT_MISSING = "Please provide a query description"

const isBlank = (s: string | undefined): s is undefined => s === undefined || s.trim() === ""

const invalid = (field: string, message: string) => new Requests.InvalidIpcInput({ field, message })

// An empty context is left out, so the prompt says "No schema available" as DB Toolkit's did.
const schemaField = (input: unknown, limits: Limits.InputLimits) =>
  Effect.map(Requests.schemaOf(input, "schema_context", limits), (schema) => (SchemaContext.isEmpty(schema) ? {} : { schema }))

// The request limits the user set (the settings are in memory).
const limitsNow = Effect.map(Effect.flatMap(Settings, (s) => s.snapshot), (snapshot) => snapshot.settings.limits)

const testView = (t: AiProvider.ConnectionTest) => ({
  ok: t.ok,
  provider: t.provider,
  model: t.model,
  latency_ms: t.latencyMs,
  model_available: t.modelAvailable ?? null,
  details: t.details
})

/**
 * Registers DB Toolkit's eleven `ai:*` channels and the settings panel's channels on `ipcMain`,
 * each running on `runtime`. The four rule-based channels and `ai:suggest-completion` need no
 * provider and no runtime: they answer even when the AI stack cannot start.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const registerAiHandlers = (
  ipcMain: IpcMainLike,
  runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>,
  options: Options = {}
): Registration => {
  const bufferSize = Math.max(1, Math.floor(options.eventBufferSize ?? 100))
  const recent: Array<Legacy.EventView> = []

  // Subscribe to the event hub (the one behind `AiService.events`) through `AiEvents.subscribe`,
  // which tells when the subscription exists: handlers wait for it, so no event a request causes
  // is missed. Also released when the runtime cannot start, so nothing waits forever.
  const subscribed = Deferred.unsafeMake<void>(FiberId.none)
  const follower = runtime.runFork(
    Effect.scoped(Effect.gen(function*() {
      const events = yield* (yield* AiEvents).subscribe
      yield* Deferred.succeed(subscribed, undefined)
      yield* Stream.runForEach(events, (event) =>
        Effect.sync(() => {
          recent.push(Legacy.eventView(event))
          if (recent.length > bufferSize) recent.splice(0, recent.length - bufferSize)
        }))
    })).pipe(Effect.ensuring(Deferred.succeed(subscribed, undefined)))
  )

  const dialectOf = (target: Requests.Target): Effect.Effect<Dialect.Dialect> => {
    if (!isBlank(target.dbType)) return Effect.succeed(Dialect.fromDbType(target.dbType))
    const lookup = options.dbTypeOf
    if (target.connectionId === undefined || lookup === undefined) return Effect.succeed(Dialect.fromDbType(DEFAULT_DB_TYPE))
    const id = target.connectionId
    // A failing lookup is treated like an unknown connection, as DB Toolkit did.
    // The app's lookup is outside code too: a failure, a hang or a non-string answer is treated
    // like an unknown connection, as DB Toolkit did.
    return Effect.tryPromise(() => Promise.resolve(lookup(id))).pipe(
      Effect.timeout(DB_TYPE_LOOKUP_MS),
      Effect.map((dbType: unknown) => (typeof dbType === "string" && dbType.trim() !== "" && dbType.length <= 100 ? dbType : DEFAULT_DB_TYPE)),
      Effect.orElseSucceed(() => DEFAULT_DB_TYPE),
      Effect.map(Dialect.fromDbType)
    )
  }

  // ---------------------------------------------------------------------------
  // The eleven legacy channels
  // ---------------------------------------------------------------------------

  // The four requests, read from either argument style; shared by the legacy channels and the
  // cost estimate, which takes the same payloads.
  const generateRequest = (args: Requests.Args) =>
    Effect.gen(function*() {
      const req = Requests.generate(args)
      if (isBlank(req.prompt)) return yield* invalid("natural_language", PROMPT_MISSING)
      return { prompt: req.prompt, dialect: yield* dialectOf(req), ...(yield* schemaField(req.schema, yield* limitsNow)) }
    })

  const sqlRequest = (operation: string, req: Requests.Target & { readonly query: string | undefined; readonly schema: unknown }) =>
    Effect.gen(function*() {
      if (isBlank(req.query)) return yield* invalid("query", `Please provide a query to ${operation}`)
      return { sql: req.query, dialect: yield* dialectOf(req), ...(yield* schemaField(req.schema, yield* limitsNow)) }
    })

  const explainRequest = (args: Requests.Args) => sqlRequest("explain", Requests.explain(args))

  const optimizeRequest = (args: Requests.Args) =>
    Effect.gen(function*() {
      const req = Requests.optimize(args)
      const base = yield* sqlRequest("optimize", req)
      // DB Toolkit stringified the driver's plan; text is passed as it is.
      const plan = typeof req.plan === "string" ? req.plan : req.plan === undefined ? undefined : Untrusted.stringify(req.plan, 2)
      return plan === undefined ? base : { ...base, executionPlan: plan }
    })

  const fixRequest = (args: Requests.Args) =>
    Effect.gen(function*() {
      const req = Requests.fix(args)
      const base = yield* sqlRequest("fix", req)
      if (isBlank(req.errorMessage)) return yield* invalid("error_message", "Please provide the error message of the query")
      return { ...base, errorMessage: req.errorMessage }
    })

  const generate = (channel: Legacy.Channel): Body => (args) =>
    Effect.gen(function*() {
      // DB Toolkit checks for a provider before it checks the prompt, and answers an empty
      // prompt with its bare error shape.
      if (isBlank(Requests.generate(args).prompt)) {
        const available = yield* Effect.flatMap(ProviderRegistry, (r) => r.available)
        return Legacy.failure(channel, available.length === 0 ? Legacy.notConfiguredMessage(channel) : PROMPT_MISSING)
      }
      const request = yield* generateRequest(args)
      return Legacy.generated(channel, yield* Effect.flatMap(AiService, (ai) => ai.generateSql(request)))
    })

  const explain: Body = (args) =>
    Effect.gen(function*() {
      const request = yield* explainRequest(args)
      return Legacy.explained(yield* Effect.flatMap(AiService, (ai) => ai.explainSql(request)), request.sql)
    })

  const optimize: Body = (args) =>
    Effect.flatMap(optimizeRequest(args), (request) => Effect.map(Effect.flatMap(AiService, (ai) => ai.optimizeSql(request)), Legacy.optimized))

  const fix: Body = (args) =>
    Effect.gen(function*() {
      const request = yield* fixRequest(args)
      return Legacy.fixed(yield* Effect.flatMap(AiService, (ai) => ai.fixSql(request)), request.errorMessage)
    })

  // DB Toolkit had a model summarize the table's columns. Here the model explains the table's
  // `CREATE TABLE` statement: explaining a table's DDL is describing the table, so the one
  // explain operation (its prompt, parser, fallback and metrics) serves it.
  const analyzeTable: Body = (args) => {
    const req = Requests.table(args)
    const tableName = req.tableName ?? ""
    return Effect.gen(function*() {
      const table = yield* Requests.tableOf(req.tableName, req.columns, yield* limitsNow)
      if (table === undefined) return yield* invalid("table_name", "Please provide a table name")
      const dialect = yield* dialectOf(req)
      const answer = yield* Effect.flatMap(AiService, (ai) => ai.explainSql({ sql: Heuristics.createTableDdl(table, dialect), dialect }))
      return Legacy.tableAnalysis(table, dialect, answer)
    }).pipe(Effect.catchAll((e) => Effect.succeed(Legacy.fromError("ai:analyze-table", e, { table_name: tableName }))))
  }

  const analyzeSchema: LocalBody = (args) =>
    Effect.gen(function*() {
      const req = Requests.schemaAnalysis(args)
      const ctx = yield* Requests.schemaOf(req.tables ?? {}, "tables")
      return Legacy.schemaAnalysis(req.schemaName ?? "", ctx.tables)
    })

  const suggestIndexes: LocalBody = (args) =>
    Effect.gen(function*() {
      const req = Requests.indexes(args)
      const table = yield* Requests.tableOf(req.tableName, req.columns)
      if (table === undefined) return yield* invalid("table_name", "Please provide a table name")
      return Legacy.indexSuggestions(table, req.queryPatterns, yield* dialectOf(req))
    })

  const analyzeRelationships: LocalBody = (args) =>
    Effect.map(Requests.schemaOf(Requests.relationships(args).tables ?? {}, "tables"), (ctx) => Legacy.relationshipAnalysis(ctx.tables))

  const commonQueries: LocalBody = (args) =>
    Effect.gen(function*() {
      const req = Requests.commonQueries(args)
      const table = yield* Requests.tableOf(req.tableName, req.columns)
      if (table === undefined) return yield* invalid("table_name", "Please provide a table name")
      return Legacy.commonQueries(table, yield* dialectOf(req))
    })

  // ---------------------------------------------------------------------------
  // The settings panel's channels
  // ---------------------------------------------------------------------------

  const settingsGet: Body = () =>
    Effect.gen(function*() {
      const snapshot = yield* Effect.flatMap(Settings, (s) => s.snapshot)
      return {
        success: true,
        settings: snapshot.settings,
        providers: snapshot.providers.map((p) => ({
          id: p.id,
          display_name: ProviderIdModule.displayName[p.id],
          enabled: p.enabled,
          // The stored configuration holds no secrets; only which ones are stored is said.
          config: p.config,
          secrets_set: p.secrets,
          problem: p.problem?.message ?? null,
          revision: p.revision
        })),
        catalog: ProviderIdModule.all.map((id) => ({
          id,
          display_name: catalog[id].displayName,
          secret_fields: catalog[id].secretFields,
          default_model: catalog[id].defaultModel ?? null,
          limitations: catalog[id].limitations,
          configured: snapshot.providers.some((p) => p.id === id)
        }))
      }
    })

  const settingsUpdate: Body = (args) =>
    Effect.gen(function*() {
      const patch = args[0]
      if (!Requests.isObject(patch)) return yield* invalid("settings", "Invalid settings: expected an object of settings to change")
      const settings = yield* Effect.flatMap(Settings, (s) => s.update(patch))
      return { success: true, settings }
    })

  const testFailure = (channel: string, t: AiProvider.ConnectionTest, extra: Readonly<Record<string, unknown>>): Legacy.Response =>
    t.error !== undefined ? Legacy.fromError(channel, t.error, extra) : Legacy.failure(channel, t.details, extra)

  const providersSave: Body = (args) =>
    Effect.gen(function*() {
      const id = yield* Requests.providerOf(args)
      const { config, enabled, resilience, validate } = Requests.providerConfig(args)
      if (config === undefined) return yield* invalid("config", "Invalid config: expected the provider's settings as an object")
      const registry = yield* ProviderRegistry
      // A form may send only what changed: the registry tests it over the stored configuration.
      const tested = validate ? yield* registry.test(id, config) : undefined
      if (tested !== undefined && !tested.ok) return testFailure("ai:providers:save", tested, { provider: id, test: testView(tested) })
      yield* registry.save(id, config, { enabled, resilience })
      return { success: true, provider: id, test: tested === undefined ? null : testView(tested) }
    })

  const providersTest: Body = (args) =>
    Effect.gen(function*() {
      const id = yield* Requests.providerOf(args)
      const { config } = Requests.providerConfig(args)
      const registry = yield* ProviderRegistry
      const t = yield* registry.test(id, config)
      return t.ok ? { success: true, ...testView(t) } : testFailure("ai:providers:test", t, testView(t))
    })

  const providersModels: Body = (args) =>
    Effect.gen(function*() {
      const id = yield* Requests.providerOf(args)
      const provider = yield* Effect.flatMap(ProviderRegistry, (r) => r.get(id))
      const models = yield* provider.listModels
      return {
        success: true,
        provider: id,
        models: models.map((m) => ({
          id: m.id,
          display_name: m.displayName ?? m.id,
          context_window: m.contextWindow ?? null,
          owned_by: m.ownedBy ?? null
        }))
      }
    })

  const providersStatus: Body = () =>
    Effect.map(Effect.flatMap(AiService, (ai) => ai.status), (s) => ({
      success: true,
      active_provider: s.activeProvider ?? null,
      fallback_serving: s.fallbackServing ?? null,
      last_served_by: s.lastServedBy ?? null,
      providers: s.providers,
      budget: s.budget ?? null
    }))

  const providersRemove: Body = (args) =>
    Effect.gen(function*() {
      const id = yield* Requests.providerOf(args)
      yield* Effect.flatMap(Settings, (s) => s.removeProvider(id))
      return { success: true, provider: id }
    })

  const metricsSummary: Body = (args) =>
    Effect.gen(function*() {
      const input = Requests.isObject(args[0]) ? args[0] : {}
      const { period = "day", ...filter } = input
      const repo = yield* MetricsRepo
      const summary = yield* repo.summary(filter as Metrics.SummaryFilter)
      const costs = yield* repo.costs(period as Metrics.CostPeriod)
      return { success: true, summary, costs }
    })

  const costEstimate: Body = (args) =>
    Effect.gen(function*() {
      const payload = Requests.isObject(args[0]) ? args[0] : {}
      const operation = payload["operation"]
      const task = yield* taskOf(operation, payload)
      const pinned = ProviderIdModule.is(payload["provider"]) ? payload["provider"] : undefined
      const ai = yield* AiService
      const estimate = yield* ai.estimate(task, { pin: pinned })
      const provider = pinned ?? (yield* ai.status).activeProvider
      return {
        success: true,
        operation,
        provider: provider ?? null,
        input_tokens: estimate.inputTokens,
        input_tokens_exact: estimate.inputTokensExact,
        max_output_tokens: estimate.maxOutputTokens,
        min_usd: estimate.minUsd ?? null,
        max_usd: estimate.maxUsd ?? null,
        source: estimate.source
      }
    })

  const taskOf = (
    operation: unknown,
    payload: Readonly<Record<string, unknown>>
  ): Effect.Effect<SqlTask.SqlTask, Requests.InvalidIpcInput, Settings> => {
    switch (operation) {
      case "generate":
        return Effect.map(generateRequest([payload]), SqlTask.generate)
      case "explain":
        return Effect.map(explainRequest([payload]), SqlTask.explain)
      case "optimize":
        return Effect.map(optimizeRequest([payload]), SqlTask.optimize)
      case "fix":
        return Effect.map(fixRequest([payload]), SqlTask.fix)
      default:
        return Effect.fail(invalid("operation", "Invalid operation: expected generate, explain, optimize or fix"))
    }
  }

  const eventsRecent: Body = (args) =>
    Effect.sync(() => {
      const limit = Requests.limitOf(args) ?? bufferSize
      return { success: true, events: limit === 0 ? [] : recent.slice(-limit) }
    })

  // Every channel, checked complete by its type.
  const routes: { readonly [C in Channel]: Route } = {
    "ai:generate-query": remote(generate("ai:generate-query")),
    "ai:generate-sql": remote(generate("ai:generate-sql")),
    "ai:explain-query": remote(explain),
    "ai:optimize-query": remote(optimize),
    "ai:fix-query": remote(fix),
    "ai:suggest-completion": local(() => Effect.succeed(Legacy.completion())),
    "ai:analyze-table": remote(analyzeTable),
    "ai:analyze-schema": local(analyzeSchema),
    "ai:suggest-indexes": local(suggestIndexes),
    "ai:analyze-relationships": local(analyzeRelationships),
    "ai:generate-common-queries": local(commonQueries),
    "ai:settings:get": remote(settingsGet),
    "ai:settings:update": remote(settingsUpdate),
    "ai:providers:save": remote(providersSave),
    "ai:providers:test": remote(providersTest),
    "ai:providers:models": remote(providersModels),
    "ai:providers:status": remote(providersStatus),
    "ai:providers:remove": remote(providersRemove),
    "ai:metrics:summary": remote(metricsSummary),
    "ai:cost:estimate": remote(costEstimate),
    "ai:events:recent": remote(eventsRecent)
  }

  // Failures become the channel's error shape, defects too (logged: they are bugs).
  const answer = <R>(channel: string, effect: Effect.Effect<Legacy.Response, Legacy.Failure, R>) =>
    effect.pipe(
      Effect.catchAll((error) => Effect.succeed(Legacy.fromError(channel, error))),
      Effect.catchAllCause((cause) =>
        Effect.as(
          Effect.logError("An AI IPC handler failed unexpectedly", cause).pipe(Effect.annotateLogs({ channel })),
          Legacy.fromDefect(channel, Cause.squash(cause))
        )
      )
    )

  const listener = (channel: string, body: Body) => (_event: unknown, ...args: Array<unknown>): Promise<Legacy.Response> => {
    const program = answer(channel, Effect.zipRight(Effect.zipRight(checkArgs(args), Deferred.await(subscribed)), Effect.suspend(() => body(args))))
    // runPromise rejects only when the runtime itself cannot run (it failed to start, or was
    // disposed); that too is answered, never thrown at the renderer.
    return Promise.resolve()
      .then(() => runtime.runPromise(program))
      .catch((error: unknown) => Legacy.unavailable(channel, error))
  }

  const localListener = (channel: string, body: LocalBody) => (_event: unknown, ...args: Array<unknown>): Promise<Legacy.Response> =>
    Promise.resolve()
      .then(() => Effect.runPromise(answer(channel, Effect.zipRight(checkArgs(args), Effect.suspend(() => body(args))))))
      .catch((error: unknown) => Legacy.fromDefect(channel, error))

  // Registered in DB Toolkit's order: its eleven channels, then the settings panel's.
  for (const channel of channels) {
    const route = routes[channel]
    ipcMain.handle(channel, route._tag === "Local" ? localListener(channel, route.body) : listener(channel, route.body))
  }

  return {
    channels,
    dispose: () => {
      for (const channel of channels) ipcMain.removeHandler?.(channel)
      // A call still waiting for the subscription must not wait forever once it is gone.
      Deferred.unsafeDone(subscribed, Exit.void)
      Effect.runFork(Fiber.interrupt(follower))
    }
  }
}
