/**
 * `@db-toolkit/ai/react`: the React components DB Toolkit drops into its renderer — the AI tab of
 * the settings modal ({@link AiSettings}), the status bar item ({@link AiStatusIndicator}), the
 * badge under an assistant's answer ({@link AiAnswerBadge}) with the checks of its SQL
 * ({@link AiSqlFindings}) and the usage panel
 * ({@link AiUsagePanel}). They talk only to an {@link AiBridge}: `window.dbtkAi` (the Electron
 * preload's, used by default) or {@link httpBridge} for the local page, given by an
 * {@link AiBridgeProvider}.
 *
 * ```jsx
 * import { AiSettings, AiStatusIndicator } from "@db-toolkit/ai/react"
 * // in SettingsModal's tabs:  {activeTab === "ai" && <AiSettings />}
 * // in StatusBar:             <AiStatusIndicator />
 * ```
 *
 * Runs in the renderer: it loads React, recharts and lucide-react (optional peer dependencies:
 * the app's own) and nothing of the library's runtime (no Effect), only its types.
 *
 * Styling is the app's Tailwind (3.x, `darkMode: "class"`, with `dark:` variants): its `content`
 * must include this package's built files, or the classes are purged:
 *
 * ```js
 * // tailwind.config.js
 * content: ["./src/**\/*.{js,jsx}", "./node_modules/@db-toolkit/ai/dist/react/**\/*.js"]
 * ```
 *
 * @since 0.1.0
 */
export type {
  AiBridge,
  CatalogEntryView,
  ExportFormat,
  FieldKind,
  FieldView,
  MetricsExportReply,
  MetricsExportRequest,
  MetricsTimelineReply,
  MetricsTimelineRequest,
  TimelineBucket,
  TimelinePoint
} from "./AiBridge.js"
export { AiAnswerBadge } from "./AiAnswerBadge.js"
export { AiSettings } from "./AiSettings.js"
export { AiSqlFindings } from "./AiSqlFindings.js"
export { AiStatusIndicator, type Health, healthOf } from "./AiStatusIndicator.js"
export { AiUsagePanel } from "./AiUsagePanel.js"
export { AiBridgeProvider, useAiBridge } from "./context.js"
export { channelPath, type HttpBridge, httpBridge, type HttpBridgeOptions } from "./httpBridge.js"
export { type AiStatusSnapshot, type FallbackServing, type ProvidersStatus, type StatusOptions, subscribeStatus, useAiStatus } from "./status.js"
export type { UsageRange } from "./usageData.js"
