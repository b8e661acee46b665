/**
 * The AI tab of DB Toolkit's settings modal: the provider dropdown and the chosen provider's
 * form, the fallback chain, the time limits and budgets. Everything shown is what
 * `settings.get` read: each change is sent, then the settings are read again.
 *
 * @since 0.1.0
 */
import { CircleAlert, LoaderCircle } from "lucide-react"
import { useCallback, useEffect, useId, useState } from "react"
import type { ProviderId } from "../domain/ProviderId.js"
import type { SettingsGetReply } from "../preload/types.js"
import type { CatalogEntryView } from "./AiBridge.js"
import { useAiBridge } from "./context.js"
import { FallbackOrder } from "./FallbackOrder.js"
import { CacheForm } from "./CacheForm.js"
import { LimitsForm } from "./LimitsForm.js"
import { ProviderForm } from "./ProviderForm.js"
import * as styles from "./styles.js"

type Loaded = Extract<SettingsGetReply, { readonly success: true }>

const stateOf = (entry: CatalogEntryView, data: Loaded): string =>
  data.settings.activeProvider === entry.id ? "active" : entry.configured ? "configured" : "not configured"

/**
 * The AI settings tab. It reads and writes through the bridge in use ({@link useAiBridge}).
 *
 * @since 0.1.0
 * @category Components
 */
export const AiSettings = () => {
  const bridge = useAiBridge()
  const selectId = useId()
  const [data, setData] = useState<Loaded | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [chosen, setChosen] = useState<ProviderId | undefined>(undefined)

  const reload = useCallback(async () => {
    const reply = await bridge.settings.get()
    if (reply.success) {
      setData(reply)
      setError(undefined)
    } else {
      setError(reply.error)
    }
  }, [bridge])

  useEffect(() => void reload(), [reload])

  if (data === undefined) {
    return error === undefined
      ? <p className="flex items-center gap-2 text-sm text-gray-500 dark:text-gray-400"><LoaderCircle size={16} className="animate-spin" aria-hidden />Loading the AI settings…</p>
      : (
        <div role="alert" className={styles.alert}>
          <CircleAlert size={16} aria-hidden />
          <span className="flex-1">The AI settings could not be read: {error}</span>
          <button type="button" className={styles.buttons.secondary} onClick={() => void reload()}>Retry</button>
        </div>
      )
  }

  const catalog = data.catalog as ReadonlyArray<CatalogEntryView>
  const selected = chosen ?? data.settings.activeProvider ?? data.providers[0]?.id ?? catalog[0]?.id
  const entry = catalog.find((c) => c.id === selected)

  return (
    <div className="space-y-6 text-sm">
      {error !== undefined
        ? <p role="alert" className={styles.alert}><CircleAlert size={16} aria-hidden />The AI settings could not be read again: {error}</p>
        : null}
      <div>
        <label htmlFor={selectId} className={`${styles.label} mb-1`}>AI provider</label>
        <select id={selectId} className={styles.input(false)} value={selected} onChange={(e) => setChosen(e.target.value as ProviderId)}>
          {catalog.map((c) => <option key={c.id} value={c.id}>{`${c.display_name} — ${stateOf(c, data)}`}</option>)}
        </select>
      </div>
      {entry !== undefined
        ? (
          <ProviderForm
            key={entry.id}
            entry={entry}
            stored={data.providers.find((p) => p.id === entry.id)}
            active={data.settings.activeProvider === entry.id}
            noActive={data.settings.activeProvider === undefined || data.settings.activeProvider === null}
            reload={reload}
          />
        )
        : null}
      <FallbackOrder settings={data.settings} providers={data.providers} reload={reload} />
      <LimitsForm settings={data.settings} reload={reload} />
      <CacheForm settings={data.settings} reload={reload} />
    </div>
  )
}
