/**
 * The AiService on the settings store, the provider registry, the metrics repository and the
 * budget guard.
 *
 * @since 0.1.0
 */
import { Clock, Deferred, Effect, Fiber, Layer, Option, Ref, type Scope, ScopedRef, Stream } from "effect"
import * as AiError from "../domain/AiError.js"
import * as CacheKey from "../domain/CacheKey.js"
import * as ContextWindow from "../domain/ContextWindow.js"
import type * as Cost from "../domain/Cost.js"
import * as Prepared from "../domain/Prepared.js"
import { displayName, ProviderId } from "../domain/ProviderId.js"
import type { FallbackPolicy } from "../domain/Resilience.js"
import type { AppSettings } from "../domain/Settings.js"
import * as SqlCheck from "../domain/SqlCheck.js"
import * as SqlTask from "../domain/SqlTask.js"
import { AiEvents } from "../services/AiEvents.js"
import * as AiProvider from "../services/AiProvider.js"
import { AiNotConfigured, AiService, type Answer, type ProviderView, type RequestOptions, type Service, type Status } from "../services/AiService.js"
import { Budget } from "../services/Budget.js"
import { MetricsRepo } from "../services/MetricsRepo.js"
import { ProviderRegistry } from "../services/ProviderRegistry.js"
import { ResponseCache } from "../services/ResponseCache.js"
import { Settings, type Snapshot } from "../services/Settings.js"
import { catalog } from "../providers/Catalog.js"
import * as Chain from "../resilience/Chain.js"
import type * as Fallback from "../resilience/Fallback.js"
import * as InFlight from "../resilience/InFlight.js"
import type * as Timeouts from "../resilience/Timeouts.js"
import { tapEach } from "../internal/StreamTaps.js"
import type { ProviderStatus } from "../resilience/Health.js"
import * as TokenCounter from "../internal/TokenCounter.js"

// How long closing the service waits for requests in flight before it interrupts them.
const SHUTDOWN_GRACE_MS = 1_000

const notConfigured = new AiNotConfigured({ message: "AI not configured" })

// The order the chain tries providers in: the active one, the fallback order, then the rest.
const orderOf = (settings: AppSettings, ids: ReadonlyArray<ProviderId>): FallbackPolicy => {
  const active = settings.activeProvider && ids.includes(settings.activeProvider) ? [settings.activeProvider] : []
  const listed = settings.fallback.order.filter((id) => ids.includes(id) && !active.includes(id))
  const rest = ids.filter((id) => !active.includes(id) && !listed.includes(id))
  return { ...settings.fallback, order: [...active, ...listed, ...rest] }
}

interface Built {
  readonly key: number
  readonly chain: Chain.Chain
  readonly members: ReadonlyMap<ProviderId, AiProvider.Service>
}

// What an answer says about its schema, check and repair, lifted from its result (a result from a
// test double may have none of it).
const findingsOf = (result: SqlTask.SqlResult): Pick<Answer<unknown>, "schemaSent" | "schemaLeftOut" | "schemaTextLeftOut" | "check" | "repaired"> => ({
  schemaSent: result.schemaSent ?? [],
  schemaLeftOut: result.schemaLeftOut ?? [],
  schemaTextLeftOut: result.schemaTextLeftOut ?? false,
  check: result.check,
  repaired: result.repaired ?? false
})

/**
 * Builds the service. The chain (guards, health checks) is built from the settings and rebuilt
 * when they change; its health-check fiber lives in the service's scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make: Effect.Effect<Service, never, Settings | ProviderRegistry | MetricsRepo | Budget | AiEvents | ResponseCache | Scope.Scope> = Effect.gen(
  function*() {
    const settings = yield* Settings
    const registry = yield* ProviderRegistry
    const metrics = yield* MetricsRepo
    const budget = yield* Budget
    const events = yield* AiEvents
    const cache = yield* ResponseCache
    const inFlight = yield* InFlight.make<string>()
    const lastServed = yield* Ref.make<ProviderId | undefined>(undefined)
    const current = yield* ScopedRef.make((): Built | undefined => undefined)
    const building = yield* Effect.makeSemaphore(1)

    const build = (snapshot: Snapshot, key: number) =>
      Effect.gen(function*() {
        const usable = snapshot.providers.filter((p) => p.enabled && p.problem === undefined)
        const members: Array<Chain.Member> = []
        const byId = new Map<ProviderId, AiProvider.Service>()
        for (const p of usable) {
          const built = yield* Effect.either(registry.get(p.id))
          if (built._tag === "Left") {
            yield* Effect.logWarning(`AI provider ${displayName[p.id]} is left out of the chain: ${built.left.message}`)
            continue
          }
          members.push({ service: built.right, policy: p.resilience })
          byId.set(p.id, built.right)
        }
        const chain = yield* Chain.make({
          members,
          fallback: orderOf(snapshot.settings, [...byId.keys()]),
          health: snapshot.settings.health,
          priceOverrides: snapshot.settings.priceOverrides
        })
        return { key, chain, members: byId } satisfies Built
      }).pipe(Effect.provideService(AiEvents, events), Effect.provideService(MetricsRepo, metrics))

    // The chain for the current settings: rebuilt (old one released) when they changed.
    const chain = Effect.flatMap(settings.snapshot, (snapshot) => {
      const key = snapshot.version
      return Effect.flatMap(ScopedRef.get(current), (built) =>
        built?.key === key
          ? Effect.succeed({ built, snapshot })
          : building.withPermits(1)(Effect.gen(function*() {
            const again = yield* ScopedRef.get(current)
            if (again?.key === key) return { built: again, snapshot }
            yield* budget.setPolicy(snapshot.settings.budget)
            yield* Effect.ignoreLogged(cache.setPolicy(snapshot.settings.cache))
            yield* ScopedRef.set(current, build(snapshot, key))
            return { built: (yield* ScopedRef.get(current))!, snapshot }
          })))
    })

    const ready = (pin: ProviderId | undefined) =>
      Effect.flatMap(chain, ({ built, snapshot }) => {
        const first = pin ?? built.chain.order[0]
        const service = first === undefined ? undefined : built.members.get(first)
        return service === undefined ? Effect.fail(notConfigured) : Effect.succeed({ built, snapshot, service })
      })

    // Exact counts (the tokenizer) where a budget depends on them or a UI asks for an estimate;
    // otherwise the cheap estimate is enough for the answer's `estimate`. The prompt is the one
    // the provider will send: a request whose named tables cannot fit its model fails here,
    // before anything is sent.
    const estimateWith = (
      service: AiProvider.Service,
      request: Prepared.Prepared,
      settings: AppSettings,
      exact: boolean
    ): Effect.Effect<Cost.Estimate, AiError.ContextTooLong> =>
      Effect.flatMap(Effect.zip(request.prompt(AiProvider.budgetOf(service)), Clock.currentTimeMillis), ([messages, now]) => {
        const chat = {
          provider: service.provider,
          model: service.model,
          messages,
          maxOutputTokens: service.maxTokens ?? AiProvider.defaultMaxTokens,
          overrides: settings.priceOverrides,
          at: new Date(now)
        }
        // Counted a few milliseconds at a time, estimate or not: a prompt may be megabytes.
        return TokenCounter.estimateChat(chat, { exact })
      })
    const budgeted = (s: AppSettings) =>
      s.budget.perRequestMaxUsd !== undefined || s.budget.dailyUsd !== undefined || s.budget.monthlyUsd !== undefined

    // The longest a request may take across retries and fallbacks (settings.requestTimeoutMs).
    const deadlineOf = (provider: ProviderId, settings: AppSettings, start: number): Timeouts.Deadline => ({
      at: start + settings.requestTimeoutMs,
      error: () =>
        new AiError.Timeout({
          provider,
          phase: "deadline",
          message: `No answer within ${settings.requestTimeoutMs / 1000} s (settings.requestTimeoutMs), retries and fallbacks included`
        })
    })

    // A request read once, where it enters: validated, normalized, estimated and checked against
    // the budget. What it prepares travels down to the provider's call.
    const admit = <I extends Prepared.Input>(input: I, options: RequestOptions) =>
      Effect.flatMap(ready(options.pin), ({ built, service, snapshot }) =>
        Effect.flatMap(Prepared.prepare(service.provider, input, snapshot.settings.limits), (request) =>
          Effect.map(estimateWith(service, request, snapshot.settings, budgeted(snapshot.settings)), (estimate) => ({
            built,
            service,
            snapshot,
            request,
            estimate,
            // Checked only when a provider is to be asked: a cached answer costs nothing.
            checkBudget: budget.check({ provider: service.provider, model: service.model, estimateMaxUsd: estimate.maxUsd })
          }))))

    // Requests in flight, so that closing the service settles them: it waits a moment for them
    // to finish, then interrupts the rest, so every attempt that was sent is recorded (as
    // interrupted if need be) before the metrics writer closes after this service.
    const inflight = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
    let drained: Deferred.Deferred<void> | undefined
    const enter = Effect.withFiberRuntime<Fiber.RuntimeFiber<unknown, unknown>>((fiber) => {
      inflight.add(fiber)
      return Effect.succeed(fiber)
    })
    const leave = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
      Effect.suspend(() => {
        inflight.delete(fiber)
        return drained !== undefined && inflight.size === 0 ? Deferred.succeed(drained, undefined) : Effect.void
      })
    const tracked = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.acquireUseRelease(enter, () => effect, leave)
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (inflight.size === 0) return
        drained = yield* Deferred.make<void>()
        // Finalizers run uninterruptibly, and the race's fibers would inherit that (the losing
        // wait could then never be stopped): the wait itself is made interruptible.
        yield* Effect.interruptible(Effect.raceFirst(Deferred.await(drained), Effect.sleep(SHUTDOWN_GRACE_MS)))
        yield* Fiber.interruptAll([...inflight])
      })
    )

    // The response cache, for a request at the first provider of its plan. Only a clean answer
    // of that provider is stored: not a fallback's (another provider's answer under this one's
    // key), not a truncated, flagged or repaired one, nor one missing a section it was asked for
    // (asking again may fill it).
    const everySection = (task: SqlTask.SqlTask, result: SqlTask.SqlResult) =>
      task._tag !== "ExplainSql" || task.sections === undefined || result._tag !== "ExplainSqlResult" ||
      task.sections.every((name) => result.sections !== undefined && Object.hasOwn(result.sections, name))
    const cacheOf = (request: Prepared.Prepared, service: AiProvider.Service, settings: AppSettings, options: RequestOptions) => {
      const mode = settings.cache.enabled ? options.cache ?? "use" : "bypass"
      const key = CacheKey.fromTask(service.provider, service.model, request.task, { dialect: request.target })
      const cacheable = (served: Fallback.Served<Chain.Priced<SqlTask.SqlResult>>) => {
        const { result } = served.value
        return served.failed.length === 0 && result.meta.finishReason === "stop" && result.repaired !== true &&
          !(result.check !== undefined && SqlCheck.isFlagged(result.check)) && everySection(request.task, result)
      }
      return {
        key,
        lookup: mode === "use" ? cache.get(key, SqlTask.SqlResult) : Effect.succeedNone,
        store: (served: Fallback.Served<Chain.Priced<SqlTask.SqlResult>>) =>
          mode === "bypass" ? Effect.void : Effect.asVoid(cache.set(key, served.value.result, SqlTask.SqlResult, { cacheable: cacheable(served) }))
      }
    }

    // A cached answer: nothing was sent, so one metrics row says so (cached, cost 0).
    const fromCache = <I extends Prepared.Input>(request: Prepared.Prepared, key: CacheKey.CacheKey, result: SqlTask.SqlResult, estimate: Cost.Estimate, start: number) =>
      Effect.gen(function*() {
        const end = yield* Clock.currentTimeMillis
        yield* metrics.record({
          at: start,
          provider: key.provider,
          model: result.meta.model,
          operation: request.operation,
          latencyMs: end - start,
          outcome: "success",
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          fallback: false,
          cached: true,
          attempt: 1,
          promptChars: request.promptChars
        })
        yield* Ref.set(lastServed, key.provider)
        const answer: Answer<SqlTask.ResultFor<I>> = {
          result: result as SqlTask.ResultFor<I>,
          provider: key.provider,
          model: result.meta.model,
          fallback: false,
          failed: [],
          latencyMs: end - start,
          usage: SqlTask.usage(0, 0),
          cost: { usd: 0, source: "cache" },
          estimate,
          ...findingsOf(result),
          cached: true
        }
        return answer
      })

    const run = <I extends Prepared.Input>(input: I, options: RequestOptions = {}) =>
      Effect.gen(function*() {
        const { built, checkBudget, estimate, request, service, snapshot } = yield* admit(input, options)
        const start = yield* Clock.currentTimeMillis
        const { key, lookup, store } = cacheOf(request, service, snapshot.settings, options)
        const hit = yield* lookup
        if (Option.isSome(hit)) return yield* fromCache<I>(request, key, hit.value.value, estimate, start)
        // Identical requests in flight share one call (and one store); the budget is checked by
        // the caller that makes it. A pinned request never falls back, so it shares only with
        // requests pinned alike.
        const served = yield* inFlight.run(
          options.pin === undefined ? key.digest : `${key.digest}/${options.pin}`,
          checkBudget.pipe(
            Effect.zipRight(built.chain.run(request, { pin: options.pin, deadline: deadlineOf(service.provider, snapshot.settings, start) })),
            Effect.tap(store)
          )
        )
        const end = yield* Clock.currentTimeMillis
        yield* Ref.set(lastServed, served.provider)
        const { cost, result, usage } = served.value
        const answer: Answer<SqlTask.ResultFor<I>> = {
          // The prepared request has the input's tag, so its result is the input's result.
          result: result as SqlTask.ResultFor<I>,
          provider: served.provider,
          model: result.meta.model,
          fallback: served.failed.length > 0,
          failed: served.failed,
          latencyMs: end - start,
          usage,
          cost,
          estimate,
          ...findingsOf(result),
          cached: false
        }
        yield* Effect.whenLogLevel(Effect.logDebug("AI request served").pipe(Effect.annotateLogs({
          operation: request._tag,
          provider: served.provider,
          model: result.meta.model,
          latencyMs: answer.latencyMs,
          fallback: answer.fallback
        })), "Debug")
        return answer
      }).pipe(
        Effect.tapError((error) =>
          Effect.whenLogLevel(
            Effect.logDebug("AI request failed").pipe(Effect.annotateLogs({ operation: input._tag, outcome: error._tag })),
            "Debug"
          )
        ),
        tracked
      )

    const stream = (input: Prepared.Input, options: RequestOptions = {}) =>
      Stream.unwrapScoped(Effect.gen(function*() {
        // The stream runs in the fiber that consumes it: that is the request in flight.
        yield* Effect.acquireRelease(enter, leave)
        const { built, checkBudget, request, service, snapshot } = yield* admit(input, options)
        yield* checkBudget
        const start = yield* Clock.currentTimeMillis
        return built.chain.stream(request, { pin: options.pin, deadline: deadlineOf(service.provider, snapshot.settings, start) }).pipe(
          tapEach((e: SqlTask.StreamEvent) => (e._tag === "Completed" ? Ref.set(lastServed, e.result.meta.provider) : undefined))
        )
      }))

    const status = Effect.gen(function*() {
      const snapshot = yield* settings.snapshot
      const built = Option.fromNullable(yield* ScopedRef.get(current))
      const healths = Option.isSome(built) ? yield* built.value.chain.health.statuses : new Map<ProviderId, ProviderStatus>()
      const last = yield* Ref.get(lastServed)
      const active = snapshot.settings.activeProvider ?? (Option.isSome(built) ? built.value.chain.order[0] : undefined)
      const providers: Array<ProviderView> = []
      for (const id of ProviderId.literals) {
        const entry = snapshot.providers.find((p) => p.id === id)
        const guard = Option.isSome(built) ? built.value.chain.guards.get(id) : undefined
        const member = Option.isSome(built) ? built.value.members.get(id) : undefined
        providers.push({
          id,
          displayName: displayName[id],
          configured: entry !== undefined,
          enabled: entry?.enabled ?? false,
          active: id === active,
          model: member?.model ?? (entry?.config.model as string | undefined) ?? catalog[id].defaultModel,
          problem: entry?.problem?.message,
          health: healths.get(id),
          guard: guard ? yield* guard.state : undefined,
          limitations: { ...catalog[id].limitations, contextWindow: member && ContextWindow.of(id, member.model, member.contextWindow) }
        })
      }
      const budgetStatus = yield* Effect.option(budget.status)
      return {
        activeProvider: active,
        lastServedBy: last,
        fallbackServing: last !== undefined && last !== active ? last : undefined,
        providers,
        budget: Option.getOrUndefined(budgetStatus)
      } satisfies Status
    })

    // Build the chain at start (in the background) so health checks and status are there before
    // the first request.
    yield* Effect.forkScoped(Effect.ignore(chain))

    return {
      generateSql: (request, options) => run(SqlTask.input("GenerateSql", request), options),
      explainSql: (request, options) => run(SqlTask.input("ExplainSql", request), options),
      optimizeSql: (request, options) => run(SqlTask.input("OptimizeSql", request), options),
      fixSql: (request, options) => run(SqlTask.input("FixSql", request), options),
      run,
      stream,
      prepare: (input, options = {}) =>
        Effect.flatMap(ready(options.pin), ({ service, snapshot }) => Prepared.prepare(service.provider, input, snapshot.settings.limits)),
      capacity: (options = {}) =>
        Effect.map(ready(options.pin), ({ service, snapshot }) => ({ budget: AiProvider.budgetOf(service), limits: snapshot.settings.limits })),
      estimate: (input, options = {}) =>
        Effect.flatMap(ready(options.pin), ({ service, snapshot }) =>
          Effect.flatMap(Prepared.prepare(service.provider, input, snapshot.settings.limits), (request) =>
            estimateWith(service, request, snapshot.settings, true))),
      status,
      events: events.stream
    }
  }
)

/**
 * The service as a Layer.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<AiService, never, Settings | ProviderRegistry | MetricsRepo | Budget | AiEvents | ResponseCache> = Layer.scoped(AiService, make)
