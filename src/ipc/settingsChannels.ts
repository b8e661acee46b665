/**
 * The settings panel's channels (see `settingsChannels` in `handlers.ts` for what each answers):
 * settings, providers, metrics, cost estimates and recent events.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import * as Metrics from "../domain/Metrics.js"
import * as ProviderIdModule from "../domain/ProviderId.js"
import { catalog } from "../providers/Catalog.js"
import type * as AiProvider from "../services/AiProvider.js"
import { AiService } from "../services/AiService.js"
import { MetricsRepo } from "../services/MetricsRepo.js"
import { ProviderRegistry } from "../services/ProviderRegistry.js"
import { ResponseCache } from "../services/ResponseCache.js"
import { Settings } from "../services/Settings.js"
import * as Legacy from "./legacy.js"
import { prepared, sqlTaskOf } from "./queryChannels.js"
import * as Requests from "./requests.js"
import type { Handler } from "./route.js"

const testView = (t: AiProvider.ConnectionTest) => ({
  ok: t.ok,
  provider: t.provider,
  model: t.model,
  latency_ms: t.latencyMs,
  model_available: t.modelAvailable ?? null,
  details: t.details
})

const testFailure = (channel: string, t: AiProvider.ConnectionTest, extra: Readonly<Record<string, unknown>>): Legacy.Response =>
  t.error !== undefined ? Legacy.fromError(channel, t.error, extra) : Legacy.failure(channel, t.details, extra)

/**
 * `ai:settings:get`: the settings, the stored providers and the catalog of all providers.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const settingsGet: Handler = () =>
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
        fields: catalog[id].fields,
        configured: snapshot.providers.some((p) => p.id === id)
      }))
    }
  })

/**
 * `ai:settings:update`: a patch of the settings applied.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const settingsUpdate: Handler = (args) =>
  Effect.gen(function*() {
    const patch = args[0]
    if (!Requests.isObject(patch)) return yield* Requests.invalid("settings", "Invalid settings: expected an object of settings to change")
    const settings = yield* Effect.flatMap(Settings, (s) => s.update(patch))
    return { success: true, settings }
  })

/**
 * `ai:providers:save`: a provider's configuration stored, tested first when asked.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const providersSave: Handler = (args) =>
  Effect.gen(function*() {
    const id = yield* Requests.providerOf(args)
    const { config, enabled, resilience, validate } = Requests.providerConfig(args)
    if (config === undefined) return yield* Requests.invalid("config", "Invalid config: expected the provider's settings as an object")
    const registry = yield* ProviderRegistry
    // A form may send only what changed: the registry tests it over the stored configuration.
    const tested = validate ? yield* registry.test(id, config) : undefined
    if (tested !== undefined && !tested.ok) return testFailure("ai:providers:save", tested, { provider: id, test: testView(tested) })
    yield* registry.save(id, config, { enabled, resilience })
    return { success: true, provider: id, test: tested === undefined ? null : testView(tested) }
  })

/**
 * `ai:providers:test`: a provider's connection tested; fields not given are the stored ones.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const providersTest: Handler = (args) =>
  Effect.gen(function*() {
    const id = yield* Requests.providerOf(args)
    const { config } = Requests.providerConfig(args)
    const registry = yield* ProviderRegistry
    const t = yield* registry.test(id, config)
    return t.ok ? { success: true, ...testView(t) } : testFailure("ai:providers:test", t, testView(t))
  })

/**
 * `ai:providers:models`: the models a provider offers.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const providersModels: Handler = (args) =>
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

/**
 * `ai:providers:status`: which provider serves, the providers' health and the budget.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const providersStatus: Handler = () =>
  Effect.map(Effect.flatMap(AiService, (ai) => ai.status), (s) => ({
    success: true,
    active_provider: s.activeProvider ?? null,
    fallback_serving: s.fallbackServing ?? null,
    last_served_by: s.lastServedBy ?? null,
    providers: s.providers,
    budget: s.budget ?? null
  }))

/**
 * `ai:providers:remove`: a provider's configuration removed.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const providersRemove: Handler = (args) =>
  Effect.gen(function*() {
    const id = yield* Requests.providerOf(args)
    yield* Effect.flatMap(Settings, (s) => s.removeProvider(id))
    return { success: true, provider: id }
  })

/**
 * `ai:metrics:summary`: the usage summary and the costs per period.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const metricsSummary: Handler = (args) =>
  Effect.gen(function*() {
    const { period = "day", ...filter } = Requests.optionsOf(args)
    const repo = yield* MetricsRepo
    const summary = yield* repo.summary(filter as Metrics.SummaryFilter)
    const costs = yield* repo.costs(period as Metrics.CostPeriod)
    return { success: true, summary, costs }
  })

/**
 * `ai:metrics:timeline`: requests, success, latency, tokens and cost per hour or day and provider.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const metricsTimeline: Handler = (args) =>
  Effect.gen(function*() {
    const repo = yield* MetricsRepo
    const timeline = yield* repo.timeline(Requests.optionsOf(args) as Metrics.TimelineOptions)
    return { success: true, timeline }
  })

const decodeExport = Metrics.decodeQuery(Metrics.ExportRequest, "export request")

/**
 * `ai:metrics:export`: the usage report as CSV or JSON text, with a file name dated by `to` (or
 * today), for the renderer to save.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const metricsExport: Handler = (args) =>
  Effect.gen(function*() {
    const { format, ...range } = yield* decodeExport(Requests.optionsOf(args))
    const content = yield* Effect.flatMap(MetricsRepo, (repo) => repo.exportUsage(format, range))
    const day = range.to ?? (yield* Clock.currentTimeMillis)
    return { success: true, format, filename: Metrics.exportFilename(format, day), content }
  })

/**
 * `ai:cache:stats`: what the response cache holds (answers, bytes) and has done since the app
 * started (hits, misses, stored ...), and its policy.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const cacheStats: Handler = () =>
  Effect.gen(function*() {
    const cache = yield* ResponseCache
    return { success: true, stats: yield* cache.stats, policy: yield* cache.policy }
  })

/**
 * `ai:cache:clear ({ provider? })`: deletes the cached answers, all of them or one provider's;
 * answers `{ cleared }`, how many.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const cacheClear: Handler = (args) =>
  Effect.gen(function*() {
    const [a0] = args
    const all = a0 === undefined || a0 === null || (typeof a0 === "object" && !("provider" in a0) && !("id" in a0))
    const provider = all ? undefined : yield* Requests.providerOf(args)
    const cleared = yield* Effect.flatMap(ResponseCache, (cache) => cache.clear(provider === undefined ? undefined : { provider }))
    return { success: true, cleared, provider: provider ?? null }
  })

/**
 * `ai:cost:estimate`: what a request would cost, on a given provider or the active one.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const costEstimate: Handler = (args, context) =>
  Effect.gen(function*() {
    const payload = Requests.optionsOf(args)
    const operation = payload["operation"]
    const pinned = ProviderIdModule.is(payload["provider"]) ? payload["provider"] : undefined
    const request = yield* prepared(yield* sqlTaskOf(operation, payload, context), { pin: pinned })
    const ai = yield* AiService
    const estimate = yield* ai.estimate(request, { pin: pinned })
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

/**
 * `ai:events:recent`: the last events, oldest first.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const eventsRecent: Handler = (args, context) =>
  Effect.sync(() => ({ success: true, events: context.recentEvents(Requests.limitOf(args)) }))
