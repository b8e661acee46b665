/**
 * The model field: a dropdown of the models the provider lists (`providers.models`), or free
 * text when the list cannot be had (the provider is not saved yet, the key cannot list, the
 * provider is down) or the user wants a model the list lacks.
 *
 * @since 0.1.0
 */
import { useEffect, useState } from "react"
import type { ProviderId } from "../domain/ProviderId.js"
import type { FieldView } from "./AiBridge.js"
import { useAiBridge } from "./context.js"
import { FieldShell } from "./FieldControl.js"
import * as styles from "./styles.js"

type Models = ReadonlyArray<{ readonly id: string; readonly display_name: string }>

type ListState =
  | { readonly _tag: "Loading" }
  | { readonly _tag: "Listed"; readonly models: Models }
  | { readonly _tag: "Unlisted"; readonly reason: string }

/**
 * The model field of a provider's form. `revision` is the stored configuration's: the list is
 * asked for again after each save (a new key may list other models).
 *
 * @since 0.1.0
 * @category Components
 */
export const ModelField = ({ configured, disabled, error, field, onChange, provider, revision, value }: {
  readonly provider: ProviderId
  readonly field: FieldView
  readonly value: string
  readonly onChange: (value: string) => void
  readonly configured: boolean
  readonly revision: number
  readonly error?: string | undefined
  readonly disabled?: boolean
}) => {
  const bridge = useAiBridge()
  const [list, setList] = useState<ListState>({ _tag: "Loading" })
  const [typing, setTyping] = useState(false)

  useEffect(() => {
    if (!configured) {
      setList({ _tag: "Unlisted", reason: "Save the provider to choose from its models." })
      return
    }
    let current = true
    setList({ _tag: "Loading" })
    void bridge.providers.models(provider).then((reply) => {
      if (!current) return
      setList(reply.success ? { _tag: "Listed", models: reply.models } : { _tag: "Unlisted", reason: `The models could not be listed: ${reply.error}` })
    })
    return () => {
      current = false
    }
  }, [bridge, provider, configured, revision])

  const fallbackText = field.default !== null ? String(field.default) : undefined
  const note = list._tag === "Unlisted" ? list.reason : list._tag === "Loading" ? "Listing the models…" : null
  const help = [field.help, note].filter(Boolean).join(" ") || null
  const listed = list._tag === "Listed" && !typing ? list.models : undefined

  return (
    <FieldShell label={field.label} help={help} error={error}>
      {(control) => {
        const common = {
          id: control.id,
          disabled,
          "aria-invalid": control.invalid || undefined,
          "aria-describedby": control.describedBy,
          className: styles.input(control.invalid)
        }
        return (
          <div className="flex items-center gap-2">
            {listed !== undefined
              ? (
                <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
                  <option value="">{fallbackText !== undefined ? `Default (${fallbackText})` : "Choose…"}</option>
                  {value !== "" && !listed.some((m) => m.id === value) ? <option value={value}>{value}</option> : null}
                  {listed.map((m) => <option key={m.id} value={m.id}>{m.display_name === m.id ? m.id : `${m.display_name} (${m.id})`}</option>)}
                </select>
              )
              : <input {...common} type="text" spellCheck={false} value={value} placeholder={fallbackText} onChange={(e) => onChange(e.target.value)} />}
            {list._tag === "Listed"
              ? (
                <button type="button" className={styles.buttons.secondary} aria-pressed={typing} onClick={() => setTyping((t) => !t)}>
                  Type a name
                </button>
              )
              : null}
          </div>
        )
      }}
    </FieldShell>
  )
}
