/**
 * An in-memory AiBridge that behaves like the real one where the components can tell: saving
 * changes what `settings.get` returns (fields merged over the stored ones, `null` removes, an
 * absent secret stays), bad configurations fail with `ConfigInvalid` naming the field and store
 * nothing, every reply is a fresh copy, nothing ever rejects. Tests can make the next call of a
 * method fail, push events, and read every call made.
 */
import type { AiBridge, CatalogEntryView, FieldView, TimelinePoint } from "../../src/react/index.js"
import type { AppSettings } from "../../src/domain/Settings.js"
import type { ProviderId } from "../../src/domain/ProviderId.js"
import type { AiEventView, CatalogEntry, Failure } from "../../src/preload/types.js"
import type { ProviderView } from "../../src/services/AiService.js"

const field = (f: Partial<FieldView> & Pick<FieldView, "name" | "label" | "kind">): FieldView => ({
  help: null,
  required: false,
  default: null,
  options: null,
  min: null,
  max: null,
  placeholder: null,
  endpoint: false,
  ...f
})

const limitations = (keyUrl: string | undefined) => ({ streaming: true, costsMoney: keyUrl !== undefined, local: keyUrl === undefined, keyUrl })

/** The catalogue: OpenAI and Anthropic describe their fields; Ollama does not (the fallback form). */
export const catalog: ReadonlyArray<Omit<CatalogEntryView, "configured">> = [
  {
    id: "openai",
    display_name: "OpenAI",
    secret_fields: ["apiKey"],
    default_model: "gpt-4.1-mini",
    limitations: limitations("https://platform.openai.com/api-keys"),
    fields: [
      field({ name: "apiKey", label: "API key", kind: "secret", required: true, help: "From platform.openai.com/api-keys." }),
      field({ name: "model", label: "Model", kind: "string", default: "gpt-4.1-mini" }),
      field({ name: "baseUrl", label: "Base URL", kind: "url", default: "https://api.openai.com/v1", endpoint: true }),
      field({ name: "temperature", label: "Temperature", kind: "number", default: 0.2, min: 0, max: 2 }),
      field({ name: "maxTokens", label: "Max tokens", kind: "integer", default: 2048, min: 1, max: 128_000 })
    ]
  },
  {
    id: "anthropic",
    display_name: "Anthropic",
    secret_fields: ["apiKey"],
    default_model: "claude-sonnet-5",
    limitations: limitations("https://console.anthropic.com/settings/keys"),
    fields: [
      field({ name: "apiKey", label: "API key", kind: "secret", required: true }),
      field({ name: "model", label: "Model", kind: "string", default: "claude-sonnet-5" }),
      field({ name: "apiVersion", label: "API version", kind: "enum", default: "2023-06-01", options: ["2023-06-01", "2026-10-21"] })
    ]
  },
  { id: "ollama", display_name: "Ollama", secret_fields: ["apiKey"], default_model: "llama3.2", limitations: limitations(undefined) }
]

interface Stored {
  config: Record<string, unknown>
  secrets: Record<string, string>
  enabled: boolean
  revision: number
}

type Call = { readonly method: string; readonly args: ReadonlyArray<unknown> }

const names: Record<string, string> = { openai: "OpenAI", anthropic: "Anthropic", ollama: "Ollama" }

const defaultSettings = (): AppSettings =>
  ({
    fallback: { enabled: true, order: [], triggers: ["timeout", "rate-limit"] },
    health: { enabled: true, intervalMs: 300_000, disableAfter: 3, degradedLatencyMs: 5_000 },
    telemetry: { captureContent: false },
    budget: { warnAtFraction: 0.8 },
    priceOverrides: [],
    limits: {},
    requestTimeoutMs: 55_000,
    cache: { enabled: true, ttlMs: 86_400_000, maxEntries: 500, maxBytes: 16_777_216, maxEntryBytes: 262_144 }
  }) as unknown as AppSettings

const configInvalid = (provider: ProviderId, fieldName: string, reason: string): Failure => ({
  success: false,
  error: `Invalid ${provider} configuration: ${fieldName} ${reason} (provider: ${names[provider]})`,
  error_kind: "ConfigInvalid",
  provider,
  field: fieldName
})

const isLoopback = (url: string): boolean => /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(url)

/** A fake bridge and its state. */
export const fakeBridge = (options: { readonly pushStatus?: boolean } = {}) => {
  const state = {
    settings: defaultSettings(),
    providers: new Map<ProviderId, Stored>(),
    fallbackServing: null as ProviderId | null,
    health: {} as Partial<Record<ProviderId, Partial<NonNullable<ProviderView["health"]>>>>,
    guard: {} as Partial<Record<ProviderId, ProviderView["guard"]>>,
    events: [] as Array<AiEventView>,
    timeline: [] as Array<TimelinePoint>,
    modelsFail: new Set<ProviderId>(["anthropic"]),
    /** Cached answers by provider, and this session's hits. */
    cached: { openai: 2, anthropic: 1 } as Partial<Record<ProviderId, number>>,
    cacheHits: 3
  }
  const calls: Array<Call> = []
  const failing = new Map<string, Failure>()
  const eventListeners = new Set<(e: AiEventView) => void>()
  const statusListeners = new Set<(s: unknown) => void>()

  // Every answer is a copy, as what crosses IPC or HTTP is.
  const reply = <A>(method: string, args: ReadonlyArray<unknown>, answer: () => A): Promise<A> => {
    calls.push({ method, args: structuredClone(args) })
    const failure = failing.get(method)
    if (failure !== undefined) {
      failing.delete(method)
      return Promise.resolve(structuredClone(failure) as A)
    }
    return Promise.resolve(structuredClone(answer()))
  }

  // What saving `input` over the stored entry gives, validated as the library does; nothing stored.
  const merged = (id: ProviderId, input: Readonly<Record<string, unknown>>): Failure | Stored => {
    const entry = catalog.find((c) => c.id === id)!
    const existing = state.providers.get(id)
    const next: Stored = { config: { ...existing?.config }, secrets: { ...existing?.secrets }, enabled: existing?.enabled ?? true, revision: (existing?.revision ?? 0) + 1 }
    for (const [k, v] of Object.entries(input)) {
      if (entry.secret_fields.includes(k)) {
        if (typeof v === "string" && v !== "") next.secrets[k] = v
      } else if (v === null) delete next.config[k]
      else next.config[k] = v
    }
    for (const f of entry.fields ?? []) {
      if (f.required && f.kind === "secret" && next.secrets[f.name] === undefined) return configInvalid(id, f.name, "is required")
    }
    const baseUrl = next.config["baseUrl"]
    if (typeof baseUrl === "string" && !baseUrl.startsWith("https://") && !isLoopback(baseUrl)) {
      return configInvalid(id, "baseUrl", "must use https for a host other than this computer")
    }
    return next
  }

  const providerViews = (): ReadonlyArray<ProviderView> =>
    catalog.map((c) => {
      const stored = state.providers.get(c.id)
      return {
        id: c.id,
        displayName: c.display_name,
        configured: stored !== undefined,
        enabled: stored?.enabled ?? false,
        active: state.settings.activeProvider === c.id,
        model: (stored?.config["model"] as string | undefined) ?? c.default_model ?? undefined,
        problem: undefined,
        health: stored === undefined
          ? undefined
          : { provider: c.id, state: "healthy", lastCheckedAt: 0, latencyMs: 210, lastError: undefined, consecutiveFailures: 0, ...state.health[c.id] },
        guard: state.guard[c.id],
        limitations: { ...c.limitations, contextWindow: undefined }
      } as ProviderView
    })

  const status = () => ({
    success: true as const,
    active_provider: state.settings.activeProvider ?? null,
    fallback_serving: state.fallbackServing,
    last_served_by: state.fallbackServing ?? state.settings.activeProvider ?? null,
    providers: providerViews(),
    budget: null
  })

  const bridge: AiBridge = {
    settings: {
      get: () =>
        reply("settings.get", [], () => ({
          success: true as const,
          settings: state.settings,
          providers: [...state.providers].map(([id, p]) => ({
            id,
            display_name: names[id]!,
            enabled: p.enabled,
            config: p.config,
            secrets_set: Object.keys(p.secrets),
            problem: null,
            revision: p.revision
          })),
          // Ollama's entry has no `fields`, as a main side of an older version sends none.
          catalog: catalog.map((c) => ({ ...c, configured: state.providers.has(c.id) }) as CatalogEntry)
        })),
      update: (patch) =>
        reply("settings.update", [patch], () => {
          const timeout = patch.requestTimeoutMs
          if (timeout !== undefined && (timeout < 1_000 || timeout > 3_600_000)) {
            return { success: false as const, error: "Invalid settings: requestTimeoutMs must be a whole number of milliseconds from 1000 to 3600000", error_kind: "SettingsInvalid", field: "requestTimeoutMs" }
          }
          for (const [k, v] of Object.entries(patch.budget ?? {})) {
            if (typeof v === "number" && v > 1_000) {
              return { success: false as const, error: `Invalid settings: budget.${k} is over what this test allows`, error_kind: "SettingsInvalid", field: `budget.${k}` }
            }
          }
          const next = { ...state.settings } as Record<string, unknown>
          for (const [k, v] of Object.entries(patch)) {
            if (v === null) delete next[k]
            else next[k] = v
          }
          state.settings = next as unknown as AppSettings
          return { success: true as const, settings: state.settings }
        })
    },
    providers: {
      save: ((id: ProviderId, config: Readonly<Record<string, unknown>>, opts?: { readonly enabled?: boolean }) =>
        reply("providers.save", opts === undefined ? [id, config] : [id, config, opts], () => {
          const next = merged(id, config)
          if ("success" in next) return next
          if (opts?.enabled !== undefined) next.enabled = opts.enabled
          state.providers.set(id, next)
          return { success: true as const, provider: id, test: null }
        })) as AiBridge["providers"]["save"],
      test: ((id: ProviderId, config?: Readonly<Record<string, unknown>>) =>
        reply("providers.test", config === undefined ? [id] : [id, config], () => {
          const next = merged(id, config ?? {})
          if ("success" in next) return next
          const model = (next.config["model"] as string | undefined) ?? catalog.find((c) => c.id === id)!.default_model!
          if (next.secrets["apiKey"] === "sk-bad") {
            return { success: false as const, error: "Incorrect API key provided (provider: OpenAI, status 401)", error_kind: "AuthenticationError", provider: id, status: 401, ok: false, latency_ms: 80 }
          }
          return { success: true as const, ok: true, provider: id, model, latency_ms: 123, model_available: true, details: "ok" }
        })) as AiBridge["providers"]["test"],
      models: (id) =>
        reply("providers.models", [id], () =>
          state.providers.has(id) && !state.modelsFail.has(id)
            ? {
              success: true as const,
              provider: id,
              models: ["gpt-4.1-mini", "gpt-4.1"].map((m) => ({ id: m, display_name: m, context_window: null, owned_by: null }))
            }
            : { success: false as const, error: "The model list is not available (provider: Anthropic, status 503)", error_kind: "ProviderUnavailable" }),
      status: () => reply("providers.status", [], status),
      remove: (id) =>
        reply("providers.remove", [id], () => {
          state.providers.delete(id)
          return { success: true as const, provider: id }
        })
    },
    metrics: {
      summary: (request) =>
        reply("metrics.summary", [request], () => {
          const points = state.timeline
          const sum = (f: (p: TimelinePoint) => number) => points.reduce((n, p) => n + f(p), 0)
          const requests = sum((p) => p.requests)
          return {
            success: true as const,
            summary: {
              requests,
              successes: sum((p) => p.successes),
              failures: sum((p) => p.failures),
              successRate: requests === 0 ? null : sum((p) => p.successes) / requests,
              cached: 0,
              fallbacks: 0,
              latency: { count: requests, avgMs: 900, p50Ms: 850, p95Ms: 2_400 },
              timeToFirstToken: { count: 0, avgMs: null, p50Ms: null, p95Ms: null },
              errors: [],
              inputTokens: sum((p) => p.inputTokens),
              outputTokens: sum((p) => p.outputTokens),
              cachedInputTokens: 0,
              cacheWriteTokens: 0,
              reasoningTokens: 0,
              costUsd: sum((p) => p.costUsd),
              unknownCostCount: sum((p) => p.unknownCostCount)
            },
            costs: { period: "day", from: 0, to: null, requests, costUsd: 0, unknownCostCount: 0, byProvider: [], byModel: [] }
          }
        }),
      timeline: (request) =>
        reply("metrics.timeline", [request], () => ({
          success: true as const,
          timeline: {
            from: request?.from ?? 0,
            to: request?.to ?? 0,
            bucket: request?.bucket ?? "day",
            points: state.timeline.filter((p) => (request?.from === undefined || p.at >= request.from) && (request?.to === undefined || p.at < request.to))
          }
        })),
      export: (request) =>
        reply("metrics.export", [request], () => ({
          success: true as const,
          format: request.format,
          filename: `dbtk-ai-usage.${request.format}`,
          content: request.format === "csv" ? "at,provider,requests\n1,openai,3\n" : JSON.stringify({ points: state.timeline.length })
        }))
    },
    events: { recent: (limit) => reply("events.recent", [limit], () => ({ success: true as const, events: state.events.slice(-(limit ?? 100)) })) },
    cache: {
      stats: () =>
        reply("cache.stats", [], () => {
          const entries = Object.values(state.cached).reduce((n, c) => n + c, 0)
          return {
            success: true as const,
            stats: { entries, bytes: entries * 1_536, hits: state.cacheHits, misses: 0, stored: entries, skipped: 0, corrupt: 0, expired: 0, evicted: 0 },
            policy: state.settings.cache
          }
        }),
      clear: (options) =>
        reply("cache.clear", options === undefined ? [] : [options], () => {
          const ids = options?.provider !== undefined ? [options.provider] : (Object.keys(state.cached) as Array<ProviderId>)
          const cleared = ids.reduce((n, id) => n + (state.cached[id] ?? 0), 0)
          for (const id of ids) delete state.cached[id]
          return { success: true as const, cleared, provider: options?.provider ?? null }
        })
    },
    onEvents: (callback) => {
      eventListeners.add(callback)
      return () => eventListeners.delete(callback)
    },
    ...(options.pushStatus
      ? {
        onStatus: (callback: (s: never) => void) => {
          statusListeners.add(callback as (s: unknown) => void)
          return () => statusListeners.delete(callback as (s: unknown) => void)
        }
      }
      : {})
  }

  return {
    bridge,
    state,
    calls,
    /** The calls made to one method. */
    callsOf: (method: string) => calls.filter((c) => c.method === method),
    /** The next call of `method` answers `failure`. */
    failNext: (method: string, failure: Failure) => failing.set(method, failure),
    /** Stores a provider as a save would have. */
    configure: (id: ProviderId, config: Record<string, unknown>, secrets: Record<string, string> = {}, enabled = true) =>
      state.providers.set(id, { config, secrets, enabled, revision: (state.providers.get(id)?.revision ?? 0) + 1 }),
    /** An event, as the main side publishes it. */
    emit: (event: AiEventView) => {
      state.events.push(event)
      for (const listener of [...eventListeners]) listener(structuredClone(event))
    },
    /** A status pushed by the server (a bridge made with `pushStatus`). */
    pushStatus: () => {
      for (const listener of [...statusListeners]) listener(structuredClone(status()))
    }
  }
}

/** A fake bridge's handle. */
export type FakeBridge = ReturnType<typeof fakeBridge>
