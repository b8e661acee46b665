/**
 * The answer cache section of the settings tab: whether identical requests are answered from the
 * cache, for how long and how many answers are kept (`cache` of the app settings), what it holds
 * now, and a button that clears it.
 *
 * @since 0.1.0
 */
import { useCallback, useEffect, useState } from "react"
import type { AppSettings, AppSettingsPatch } from "../domain/Settings.js"
import type { CacheStatsReply } from "../preload/types.js"
import type { FieldView } from "./AiBridge.js"
import { useAiBridge } from "./context.js"
import { plainField } from "./fields.js"
import { formatBytes, formatCountOf } from "./format.js"
import { type Outcome, OutcomeMessage } from "./Outcome.js"
import { groupPatch, type SectionSpec, SettingsForm } from "./SettingsForm.js"
import * as styles from "./styles.js"

const HOUR_MS = 3_600_000

/**
 * The fields of the cache form.
 *
 * @since 0.1.0
 * @category Constants
 */
export const cacheFields: ReadonlyArray<FieldView> = [
  {
    ...plainField("cache.enabled", "boolean", true),
    label: "Reuse answers to identical requests",
    help: "The same request, schema and model within the time below is answered from this computer, free and at once."
  },
  {
    ...plainField("cache.ttlMs", "number", 24),
    label: "Keep answers for (hours)",
    help: "After this an identical request asks the provider again.",
    min: 0.001,
    max: 8_760
  },
  {
    ...plainField("cache.maxEntries", "integer", 500),
    label: "Most answers kept",
    help: "The oldest go first.",
    min: 1,
    max: 100_000
  }
]

// Settings from a main side of an older version have no `cache`: the fields show their defaults.
const valuesOf = (s: AppSettings): Readonly<Record<string, unknown>> =>
  (s.cache as AppSettings["cache"] | undefined) === undefined ? {} : {
    "cache.enabled": s.cache.enabled,
    "cache.ttlMs": s.cache.ttlMs / HOUR_MS,
    "cache.maxEntries": s.cache.maxEntries
  }

const patchOf = (s: AppSettings, changed: Readonly<Record<string, unknown>>): AppSettingsPatch => {
  const cache = groupPatch(s.cache ?? {}, "cache", changed, (name, value) => (name === "ttlMs" ? Math.round((value as number) * HOUR_MS) : value))
  return cache === undefined ? {} : { cache: cache as AppSettingsPatch["cache"] }
}

const spec: SectionSpec = {
  title: "Answer cache",
  fields: cacheFields,
  valuesOf,
  patchOf,
  submit: "Save cache settings",
  saved: "Cache settings saved."
}

/**
 * What the cache holds, in words: answers and size, and this session's hits.
 *
 * @since 0.1.0
 * @category Functions
 */
export const describeStats = (stats: Extract<CacheStatsReply, { success: true }>["stats"]): string =>
  `${formatCountOf(stats.entries, "answer")} cached (${formatBytes(stats.bytes)}); ${formatCountOf(stats.hits, "request")} answered from the cache since the app started.`

/**
 * The answer cache section. Without the cache channels (a main side of an older version) it is
 * not shown.
 *
 * @since 0.1.0
 * @category Components
 */
export const CacheForm = ({ reload, settings }: { readonly settings: AppSettings; readonly reload: () => Promise<void> }) => {
  const bridge = useAiBridge()
  const [stats, setStats] = useState<string | undefined>(undefined)
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const cache = bridge.cache

  const refresh = useCallback(async () => {
    if (cache === undefined) return
    const reply = await cache.stats()
    setStats(reply.success ? describeStats(reply.stats) : `The cache could not be read: ${reply.error}`)
  }, [cache])

  useEffect(() => void refresh(), [refresh, settings])

  if (cache === undefined) return null

  const clear = (): void => {
    setBusy(true)
    setOutcome(undefined)
    void cache.clear().then(async (reply) => {
      setOutcome(reply.success ? { ok: true, message: `Cleared ${formatCountOf(reply.cleared, "cached answer")}.` } : { ok: false, message: `Not cleared: ${reply.error}` })
      await refresh()
      setBusy(false)
    })
  }

  return (
    <SettingsForm spec={spec} settings={settings} reload={reload}>
      <p className="mb-2 text-gray-600 dark:text-gray-400">{stats ?? "Reading the cache..."}</p>
      <OutcomeMessage outcome={outcome} />
      <button type="button" className={`${styles.buttons.secondary} mb-4`} disabled={busy} onClick={clear}>Clear cached answers</button>
    </SettingsForm>
  )
}
