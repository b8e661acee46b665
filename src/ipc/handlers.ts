/**
 * Drop-in Electron IPC handlers for DB Toolkit: the eleven `ai:*` channels it registers today,
 * with every argument style they accept and every response field its screens read, served by
 * the `AiService` on the provider the user configured; plus the channels a settings panel needs.
 *
 * ```ts
 * import { ipcMain } from "electron"
 * const runtime = ManagedRuntime.make(
 *   AiStack.layer({ databasePath: join(app.getPath("userData"), "ai.db") }).pipe(Layer.provide(FetchHttpClient.layer))
 * )
 * const ai = registerAiHandlers(ipcMain, runtime, {
 *   dbTypeOf: async (id) => (await connectionManager.getConnection(id))?.db_type
 * })
 * app.on("will-quit", () => { ai.dispose(); void runtime.dispose() })
 * ```
 *
 * The channel names live in `contract.ts` (no dependency), where the preload bridge reads them
 * too; the settings panel's channels and what each answers are listed there.
 *
 * Every handler resolves with `{ success, error?, ... }` and never rejects: failures (no provider,
 * a provider error, a budget limit, bad input) become `success: false` with DB Toolkit's wording,
 * and so do defects and a runtime that failed to start.
 *
 * @since 0.1.0
 */
import type { ManagedRuntime } from "effect"
import type * as AiStack from "../layers/AiStack.js"
import * as Contract from "./contract.js"
import { followEvents, listeners } from "./listeners.js"
import { analyzeTable, explainQuery, fixQuery, generateQuery, optimizeQuery, suggestCompletion } from "./queryChannels.js"
import * as Requests from "./requests.js"
import { type HandlerContext, local, remote, type Route } from "./route.js"
import { analyzeRelationships, analyzeSchema, generateCommonQueries, suggestIndexes } from "./ruleChannels.js"
import {
  cacheClear,
  cacheStats,
  costEstimate,
  eventsRecent,
  metricsExport,
  metricsSummary,
  metricsTimeline,
  providersModels,
  providersRemove,
  providersSave,
  providersStatus,
  providersTest,
  settingsGet,
  settingsUpdate
} from "./settingsChannels.js"

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
  readonly dbTypeOf?: Requests.DbTypeLookup | undefined
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
 * Every channel {@link registerAiHandlers} registers.
 *
 * @since 0.1.0
 * @category Channels
 */
export const channels: ReadonlyArray<Channel> = Contract.allChannels

/**
 * A channel name.
 *
 * @since 0.1.0
 * @category Channels
 */
export type Channel = Contract.LegacyChannel | Contract.SettingsChannel

// Every channel and its handler, checked complete by its type.
const routes: { readonly [C in Channel]: Route } = {
  "ai:generate-query": remote(generateQuery("ai:generate-query")),
  "ai:generate-sql": remote(generateQuery("ai:generate-sql")),
  "ai:explain-query": remote(explainQuery),
  "ai:optimize-query": remote(optimizeQuery),
  "ai:fix-query": remote(fixQuery),
  "ai:suggest-completion": local(suggestCompletion),
  "ai:analyze-table": remote(analyzeTable),
  "ai:analyze-schema": local(analyzeSchema),
  "ai:suggest-indexes": local(suggestIndexes),
  "ai:analyze-relationships": local(analyzeRelationships),
  "ai:generate-common-queries": local(generateCommonQueries),
  "ai:settings:get": remote(settingsGet),
  "ai:settings:update": remote(settingsUpdate),
  "ai:providers:save": remote(providersSave),
  "ai:providers:test": remote(providersTest),
  "ai:providers:models": remote(providersModels),
  "ai:providers:status": remote(providersStatus),
  "ai:providers:remove": remote(providersRemove),
  "ai:metrics:summary": remote(metricsSummary),
  "ai:metrics:timeline": remote(metricsTimeline),
  "ai:metrics:export": remote(metricsExport),
  "ai:cost:estimate": remote(costEstimate),
  "ai:events:recent": remote(eventsRecent),
  "ai:cache:stats": remote(cacheStats),
  "ai:cache:clear": remote(cacheClear)
}

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
  const events = followEvents(runtime, options.eventBufferSize)
  const context: HandlerContext = {
    dialectOf: (target) => Requests.dialectOf(target, options.dbTypeOf),
    dbTypeOf: (target) => Requests.dbTypeOf(target, options.dbTypeOf),
    recentEvents: events.recent
  }
  const listenerOf = listeners(runtime, events, context)
  // Registered in DB Toolkit's order: its eleven channels, then the settings panel's.
  for (const channel of channels) ipcMain.handle(channel, listenerOf(channel, routes[channel]))
  return {
    channels,
    dispose: () => {
      for (const channel of channels) ipcMain.removeHandler?.(channel)
      events.stop()
    }
  }
}
