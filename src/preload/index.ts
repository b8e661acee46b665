/**
 * `@db-toolkit/ai/preload`: the preload side of DB Toolkit's AI channels. `exposeAi` puts a typed
 * `window.dbtkAi` in the renderer with one method per channel of the library and nothing else:
 * an allow-list, where DB Toolkit's preload exposes a generic `ipcRenderer.invoke` today.
 *
 * ```js
 * // electron/preload.js
 * const { contextBridge, ipcRenderer } = require("electron")
 * const { exposeAi } = require("@db-toolkit/ai/preload")
 * exposeAi(contextBridge, ipcRenderer)
 * ```
 *
 * A preload runs in the renderer's isolated world, before the page: this entry loads no Effect
 * and nothing else of the library's runtime, only the IPC contract (channel names, the ceilings
 * on arguments, the error shapes; `ipc/contract.ts`). It is also built as CommonJS, so a preload
 * can `require` it. Arguments are checked against the same ceilings the main side applies: what
 * the main side would refuse is refused here, in the same shape, and never sent.
 *
 * @since 0.1.0
 */
import * as Contract from "../ipc/contract.js"
import type { AiEventView, DbtkAi, OnEventsOptions } from "./types.js"

/** The renderer's types: `DbtkAi` (`window.dbtkAi`) and what each method takes and answers. @since 0.1.0 */
export type * from "./types.js"

/**
 * What the bridge needs of Electron's `contextBridge`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ContextBridgeLike {
  exposeInMainWorld(apiKey: string, api: unknown): void
}

/**
 * What the bridge needs of Electron's `ipcRenderer`: `invoke`. Electron's also has `on` and
 * `removeListener`, listed here as optional: the bridge listens to no channel today (events are
 * polled, see `DbtkAi.onEvents`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface IpcRendererLike {
  invoke(channel: string, ...args: Array<unknown>): Promise<unknown>
  on?(channel: string, listener: (event: unknown, ...args: Array<unknown>) => void): unknown
  removeListener?(channel: string, listener: (...args: Array<unknown>) => void): unknown
}

/**
 * Options of {@link exposeAi}.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ExposeOptions {
  /** The key on `window` (default `dbtkAi`; the `Window` type declares only the default). */
  readonly key?: string | undefined
}

type Channel = Contract.LegacyChannel | Contract.SettingsChannel

const isResponse = (u: unknown): u is Contract.Response =>
  typeof u === "object" && u !== null && typeof (u as { readonly success?: unknown }).success === "boolean"

// One call: checked, then sent on its channel; whatever happens, an answer and never a rejection
// (`invoke` rejects when no handler is registered or an answer cannot be cloned).
const call = (ipcRenderer: IpcRendererLike, channel: Channel, args: ReadonlyArray<unknown>): Promise<Contract.Response> => {
  const refused = Contract.refuseArguments(channel, args)
  if (refused !== undefined) return Promise.resolve(refused)
  try {
    return Promise.resolve(ipcRenderer.invoke(channel, ...args)).then(
      (answer) => (isResponse(answer) ? answer : Contract.unavailable(channel, "the main process answered something that is not a response")),
      (error: unknown) => Contract.unavailable(channel, error)
    )
  } catch (error) {
    return Promise.resolve(Contract.unavailable(channel, error))
  }
}

// The method for one channel. Its channel is fixed here, and its type (the overloads in `DbtkAi`)
// comes from where it is placed: the run-time function forwards whatever arguments it is given,
// checked, as the main side reads every argument style itself.
const method = <F>(ipcRenderer: IpcRendererLike, channel: Channel): F =>
  ((...args: Array<unknown>) => call(ipcRenderer, channel, args)) as unknown as F

const DEFAULT_INTERVAL_MS = 2_000
const MIN_INTERVAL_MS = 100
const MAX_INTERVAL_MS = 60_000

const intervalOf = (options: OnEventsOptions | undefined): number => {
  const ms = options?.intervalMs
  return typeof ms === "number" && Number.isFinite(ms) ? Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, ms)) : DEFAULT_INTERVAL_MS
}

// An event's identity: events carry no id, so two polls are matched by content.
const keyOf = (event: unknown): string => {
  try {
    return JSON.stringify(event) ?? ""
  } catch {
    return ""
  }
}

/**
 * Where the new events start in `current`, the main side's buffer now, given `previous`, the
 * buffer at the last poll: the buffer only appends and drops its oldest, so `current` is a tail
 * of `previous` followed by the new events; the longest such tail is taken.
 */
const firstNew = (previous: ReadonlyArray<string>, current: ReadonlyArray<string>): number => {
  for (let skip = 0; skip < previous.length; skip++) {
    const overlap = previous.length - skip
    if (overlap > current.length) continue
    let same = true
    for (let i = 0; i < overlap && same; i++) same = previous[skip + i] === current[i]
    if (same) return overlap
  }
  return 0
}

const onEvents = (ipcRenderer: IpcRendererLike) => (callback: (event: AiEventView) => void, options?: OnEventsOptions): () => void => {
  if (typeof callback !== "function") throw new TypeError("dbtkAi.onEvents: the callback must be a function")
  const interval = intervalOf(options)
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  // The buffer at the last answered poll; the first answer is the baseline (events from before the
  // subscription are not delivered).
  let seen: ReadonlyArray<string> | undefined
  const poll = async (): Promise<void> => {
    const answer = await call(ipcRenderer, "ai:events:recent", [])
    if (stopped) return
    const events = answer.success && Array.isArray(answer["events"]) ? (answer["events"] as ReadonlyArray<AiEventView>) : undefined
    if (events !== undefined) {
      const keys = events.map(keyOf)
      const start = seen === undefined ? events.length : firstNew(seen, keys)
      seen = keys
      for (const event of events.slice(start)) {
        if (stopped) return
        try {
          callback(event)
        } catch (error) {
          // The renderer's callback failing must not stop the subscription.
          console.error("dbtkAi.onEvents: the callback threw", error)
        }
      }
    }
    if (!stopped) timer = setTimeout(() => void poll(), interval)
  }
  void poll()
  return () => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
  }
}

const deepFreeze = <A extends object>(value: A): A => {
  for (const v of Object.values(value)) if (typeof v === "object" && v !== null) deepFreeze(v)
  return Object.freeze(value)
}

/**
 * The object {@link exposeAi} exposes, for an app that puts it in its own bridge (under its
 * `window.electron`, say): every method bound to `ipcRenderer` and to its channel, frozen.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeAi = (ipcRenderer: IpcRendererLike): DbtkAi =>
  deepFreeze<DbtkAi>({
    generateQuery: method(ipcRenderer, "ai:generate-query"),
    generateSql: method(ipcRenderer, "ai:generate-sql"),
    explainQuery: method(ipcRenderer, "ai:explain-query"),
    optimizeQuery: method(ipcRenderer, "ai:optimize-query"),
    fixQuery: method(ipcRenderer, "ai:fix-query"),
    suggestCompletion: method(ipcRenderer, "ai:suggest-completion"),
    analyzeTable: method(ipcRenderer, "ai:analyze-table"),
    analyzeSchema: method(ipcRenderer, "ai:analyze-schema"),
    suggestIndexes: method(ipcRenderer, "ai:suggest-indexes"),
    analyzeRelationships: method(ipcRenderer, "ai:analyze-relationships"),
    generateCommonQueries: method(ipcRenderer, "ai:generate-common-queries"),
    settings: {
      get: method(ipcRenderer, "ai:settings:get"),
      update: method(ipcRenderer, "ai:settings:update")
    },
    providers: {
      save: method(ipcRenderer, "ai:providers:save"),
      test: method(ipcRenderer, "ai:providers:test"),
      models: method(ipcRenderer, "ai:providers:models"),
      status: method(ipcRenderer, "ai:providers:status"),
      remove: method(ipcRenderer, "ai:providers:remove")
    },
    metrics: {
      summary: method(ipcRenderer, "ai:metrics:summary"),
      timeline: method(ipcRenderer, "ai:metrics:timeline"),
      export: method(ipcRenderer, "ai:metrics:export")
    },
    cost: { estimate: method(ipcRenderer, "ai:cost:estimate") },
    events: { recent: method(ipcRenderer, "ai:events:recent") },
    cache: {
      stats: method(ipcRenderer, "ai:cache:stats"),
      clear: method(ipcRenderer, "ai:cache:clear")
    },
    onEvents: onEvents(ipcRenderer)
  })

/**
 * Exposes the AI bridge on `window` (as `window.dbtkAi` by default) through Electron's
 * `contextBridge`, and returns it.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const exposeAi = (contextBridge: ContextBridgeLike, ipcRenderer: IpcRendererLike, options: ExposeOptions = {}): DbtkAi => {
  const key = options.key ?? "dbtkAi"
  if (typeof key !== "string" || key === "") throw new TypeError("exposeAi: the key must be a non-empty string")
  const ai = makeAi(ipcRenderer)
  contextBridge.exposeInMainWorld(key, ai)
  return ai
}
