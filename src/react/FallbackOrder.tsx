/**
 * The fallback chain: on or off, the configured providers in the order they are tried (moved up
 * and down), each enabled or not. Each change is sent at once and shown once read back.
 *
 * @since 0.1.0
 */
import { ArrowDown, ArrowUp, CircleAlert } from "lucide-react"
import { useEffect, useId, useRef, useState } from "react"
import type { AppSettings } from "../domain/Settings.js"
import type { ProviderId } from "../domain/ProviderId.js"
import type { Reply, StoredProvider } from "../preload/types.js"
import { useAiBridge } from "./context.js"
import * as styles from "./styles.js"

/**
 * The order the chain tries the configured providers in: the saved order first, then the rest,
 * as the main side builds it (the active provider is tried first whatever its place here).
 *
 * @since 0.1.0
 * @category Functions
 */
export const chainOrder = (order: ReadonlyArray<ProviderId>, configured: ReadonlyArray<ProviderId>): ReadonlyArray<ProviderId> => [
  ...order.filter((id) => configured.includes(id)),
  ...configured.filter((id) => !order.includes(id))
]

const moved = (order: ReadonlyArray<ProviderId>, index: number, by: -1 | 1): ReadonlyArray<ProviderId> => {
  const next = [...order]
  const [item] = next.splice(index, 1)
  next.splice(index + by, 0, item!)
  return next
}

/**
 * The fallback section of the settings tab.
 *
 * @since 0.1.0
 * @category Components
 */
export const FallbackOrder = ({ providers, reload, settings }: {
  readonly settings: AppSettings
  readonly providers: ReadonlyArray<StoredProvider>
  readonly reload: () => Promise<void>
}) => {
  const bridge = useAiBridge()
  const headingId = useId()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  // After a move, the focus follows the provider to its new place.
  const [focus, setFocus] = useState<{ readonly id: ProviderId; readonly by: -1 | 1 } | undefined>(undefined)
  const list = useRef<HTMLOListElement>(null)
  const order = chainOrder(settings.fallback.order, providers.map((p) => p.id))

  useEffect(() => {
    if (focus === undefined || busy) return
    const item = list.current?.querySelector(`[data-provider="${focus.id}"]`)
    const buttons = item?.querySelectorAll<HTMLButtonElement>("button") ?? []
    const wanted = focus.by === -1 ? buttons[0] : buttons[1]
    const other = focus.by === -1 ? buttons[1] : buttons[0]
    ;(wanted !== undefined && !wanted.disabled ? wanted : other)?.focus()
    setFocus(undefined)
  }, [focus, busy, order.join()])

  const send = async (call: () => Promise<Reply<unknown>>): Promise<void> => {
    setBusy(true)
    setError(undefined)
    try {
      const reply = await call()
      if (!reply.success) setError(reply.error)
    } finally {
      await reload()
      setBusy(false)
    }
  }

  const move = (index: number, by: -1 | 1): void => {
    setFocus({ id: order[index]!, by })
    void send(() => bridge.settings.update({ fallback: { ...settings.fallback, order: moved(order, index, by) } }))
  }

  return (
    <section aria-labelledby={headingId} className={styles.card}>
      <h3 id={headingId} className={`${styles.heading} mb-3`}>Fallback</h3>
      <div className="mb-3 flex items-center gap-2">
        <input
          id={`${headingId}-enabled`}
          type="checkbox"
          className={styles.checkbox}
          checked={settings.fallback.enabled}
          disabled={busy}
          onChange={(e) => void send(() => bridge.settings.update({ fallback: { ...settings.fallback, enabled: e.target.checked } }))}
        />
        <label htmlFor={`${headingId}-enabled`} className="text-sm text-gray-700 dark:text-gray-300">
          Fall back to the next provider when one fails
        </label>
      </div>
      {order.length === 0
        ? <p className={styles.help}>No provider is configured yet.</p>
        : (
          <ol ref={list} aria-label="Fallback order" className="space-y-2">
            {order.map((id, index) => {
              const provider = providers.find((p) => p.id === id)!
              const checkboxId = `${headingId}-${id}`
              return (
                <li
                  key={id}
                  data-provider={id}
                  className="flex items-center gap-3 rounded-lg border border-gray-200 px-3 py-2 text-sm dark:border-gray-700"
                >
                  <span className="w-5 text-gray-500 dark:text-gray-400" aria-hidden>{index + 1}.</span>
                  <input
                    id={checkboxId}
                    type="checkbox"
                    className={styles.checkbox}
                    checked={provider.enabled}
                    disabled={busy}
                    onChange={(e) => void send(() => bridge.providers.save(id, {}, { enabled: e.target.checked }))}
                  />
                  <label htmlFor={checkboxId} className="flex-1 text-gray-900 dark:text-gray-100">Use {provider.display_name}</label>
                  <button type="button" className={styles.buttons.icon} disabled={busy || index === 0} aria-label={`Move ${provider.display_name} up`} onClick={() => move(index, -1)}>
                    <ArrowUp size={14} aria-hidden />Up
                  </button>
                  <button
                    type="button"
                    className={styles.buttons.icon}
                    disabled={busy || index === order.length - 1}
                    aria-label={`Move ${provider.display_name} down`}
                    onClick={() => move(index, 1)}
                  >
                    <ArrowDown size={14} aria-hidden />Down
                  </button>
                </li>
              )
            })}
          </ol>
        )}
      {error !== undefined ? <p role="alert" className={`${styles.alert} mt-3`}><CircleAlert size={16} aria-hidden />{error}</p> : null}
    </section>
  )
}
