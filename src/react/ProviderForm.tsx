/**
 * One provider's settings form, generated from its field descriptions: test the connection, save
 * what changed, make it the active provider, remove it. Nothing is shown as saved until the
 * settings are read back.
 *
 * @since 0.1.0
 */
import { LoaderCircle, PlugZap, Save, Trash2 } from "lucide-react"
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from "react"
import type { ConnectionTestView, Failure, StoredProvider } from "../preload/types.js"
import type { CatalogEntryView } from "./AiBridge.js"
import { useAiBridge } from "./context.js"
import { FieldControl } from "./FieldControl.js"
import { changes, type Draft, type FieldErrors, fieldsOf, initialDraft, providerFieldOfFailure, type RawValue } from "./fields.js"
import { formatMs } from "./format.js"
import { ModelField } from "./ModelField.js"
import { type Outcome, OutcomeMessage } from "./Outcome.js"
import * as styles from "./styles.js"

type Busy = "test" | "save" | "remove" | "activate" | undefined

const testMessage = (t: ConnectionTestView): string => {
  const model = t.model_available === true
    ? `the model ${t.model} is available`
    : t.model_available === false
    ? `the model ${t.model} is not available to this key`
    : `the availability of ${t.model} could not be checked`
  return `Connected in ${formatMs(t.latency_ms)}; ${model}.`
}

const RemoveConfirm = ({ name, onCancel, onConfirm }: { readonly name: string; readonly onCancel: () => void; readonly onConfirm: () => void }) => {
  const id = useId()
  const cancel = useRef<HTMLButtonElement>(null)
  useEffect(() => cancel.current?.focus(), [])
  return (
    <div
      role="alertdialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      className={`${styles.alert} flex-col`}
      onKeyDown={(e) => {
        if (e.key === "Escape") onCancel()
      }}
    >
      <p id={`${id}-title`} className="font-semibold">Remove {name}?</p>
      <p id={`${id}-text`}>Its settings and stored keys are deleted from this computer.</p>
      <div className="flex gap-2">
        <button type="button" className={styles.buttons.danger} onClick={onConfirm}>Remove</button>
        <button type="button" ref={cancel} className={styles.buttons.secondary} onClick={onCancel}>Cancel</button>
      </div>
    </div>
  )
}

/**
 * The form of one provider of the catalogue, configured (`stored`) or not. `reload` reads the
 * settings again; it runs after every change, failed or not, so what shows is what is stored.
 *
 * @since 0.1.0
 * @category Components
 */
export const ProviderForm = ({ active, entry, noActive = false, reload, stored }: {
  readonly entry: CatalogEntryView
  readonly stored: StoredProvider | undefined
  readonly active: boolean
  /** No provider is active yet: the first one saved becomes it, as the user chose it. */
  readonly noActive?: boolean
  readonly reload: () => Promise<void>
}) => {
  const bridge = useAiBridge()
  const fields = useMemo(() => fieldsOf(entry, stored), [entry, stored])
  const secretsSet = stored?.secrets_set ?? []
  const initial = useMemo(() => initialDraft(fields, stored?.config ?? {}), [fields, stored])
  // Settings are read again after every call: only a new stored revision resets the form, so a
  // failed save keeps what was typed and the message by its field.
  const revision = `${entry.id}:${stored?.revision ?? 0}`
  const [draft, setDraft] = useState<Draft>(initial)
  const [errors, setErrors] = useState<FieldErrors>({})
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined)
  const [busy, setBusy] = useState<Busy>(undefined)
  const [confirming, setConfirming] = useState(false)
  const form = useRef<HTMLFormElement>(null)
  const removeButton = useRef<HTMLButtonElement>(null)

  // A new stored revision (a save, here or elsewhere) is the new starting point.
  useEffect(() => {
    setDraft(initial)
    setErrors({})
  }, [revision])

  // The first field in error takes the focus, so a keyboard user lands on what to fix.
  useEffect(() => {
    if (Object.keys(errors).length > 0) form.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus()
  }, [errors])

  const set = (name: string) => (value: RawValue) => {
    setDraft((d) => ({ ...d, [name]: value }))
    setErrors((current) => Object.fromEntries(Object.entries(current).filter(([k]) => k !== name)))
  }

  const failed = (failure: Failure, what: string): void => {
    const field = providerFieldOfFailure(failure, fields)
    if (field !== undefined) setErrors({ [field]: failure.error })
    const label = fields.find((f) => f.name === field)?.label
    setOutcome({ ok: false, message: label !== undefined ? `${what}: ${label} is not valid.` : `${what}: ${failure.error}` })
  }

  const run = async (kind: Exclude<Busy, undefined>, work: () => Promise<void>): Promise<void> => {
    setBusy(kind)
    setOutcome(undefined)
    try {
      await work()
    } finally {
      await reload()
      setBusy(undefined)
    }
  }

  // Every field is checked first; nothing is sent while one is wrong.
  const checked = (): Readonly<Record<string, unknown>> | undefined => {
    const result = changes(fields, draft, initial, secretsSet)
    setErrors(result.errors)
    if (Object.keys(result.errors).length === 0) return result.changed
    setOutcome({ ok: false, message: "Check the fields marked above." })
    return undefined
  }

  const save = (e?: FormEvent): void => {
    e?.preventDefault()
    const changed = checked()
    if (changed === undefined) return
    if (stored !== undefined && Object.keys(changed).length === 0) {
      setOutcome({ ok: true, message: "Nothing changed." })
      return
    }
    void run("save", async () => {
      const reply = await bridge.providers.save(entry.id, changed)
      if (!reply.success) return failed(reply, "Not saved")
      const activated = noActive && (await bridge.settings.update({ activeProvider: entry.id })).success
      setOutcome({ ok: true, message: activated ? `${entry.display_name} saved; it is the active provider.` : `${entry.display_name} saved.` })
    })
  }

  const test = (): void => {
    const changed = checked()
    if (changed === undefined) return
    void run("test", async () => {
      const reply = await bridge.providers.test(entry.id, changed)
      if (reply.success) setOutcome({ ok: true, message: testMessage(reply) })
      else failed(reply, "The connection test failed")
    })
  }

  const activate = (): void =>
    void run("activate", async () => {
      const reply = await bridge.settings.update({ activeProvider: entry.id })
      setOutcome(reply.success ? { ok: true, message: `${entry.display_name} is the active provider.` } : { ok: false, message: reply.error })
    })

  const remove = (): void => {
    setConfirming(false)
    void run("remove", async () => {
      const reply = await bridge.providers.remove(entry.id)
      setOutcome(reply.success ? { ok: true, message: `${entry.display_name} removed.` } : { ok: false, message: reply.error })
    })
  }

  const spinner = (kind: Busy) => busy === kind ? <LoaderCircle size={16} className="animate-spin" aria-hidden /> : null
  const disabled = busy !== undefined

  return (
    <form ref={form} noValidate aria-label={`${entry.display_name} settings`} className={styles.card} onSubmit={save}>
      <div className="mb-4 flex flex-wrap items-center gap-2">
        <h3 className={styles.heading}>{entry.display_name}</h3>
        {active ? <span className={`${styles.pill} bg-blue-100 text-blue-700 dark:bg-blue-900/40 dark:text-blue-300`}>Active</span> : null}
        <span className={`${styles.pill} bg-gray-100 text-gray-700 dark:bg-gray-700 dark:text-gray-300`}>{stored !== undefined ? "Configured" : "Not configured"}</span>
        {stored !== undefined && !stored.enabled ? <span className={`${styles.pill} bg-gray-100 text-gray-500 dark:bg-gray-700 dark:text-gray-400`}>Disabled</span> : null}
        {entry.limitations.keyUrl !== undefined
          ? (
            <a className="ml-auto text-sm text-blue-600 hover:underline dark:text-blue-400" href={entry.limitations.keyUrl} target="_blank" rel="noreferrer">
              Get a key
            </a>
          )
          : null}
      </div>
      {stored?.problem ? <p className={`${styles.alert} mb-4`}>{stored.problem}</p> : null}

      {fields.map((field) =>
        field.name === "model" && field.kind === "string"
          ? (
            <ModelField
              key={field.name}
              provider={entry.id}
              field={field}
              value={typeof draft[field.name] === "string" ? (draft[field.name] as string) : ""}
              onChange={set(field.name)}
              configured={stored !== undefined}
              revision={stored?.revision ?? 0}
              error={errors[field.name]}
              disabled={disabled}
            />
          )
          : (
            <FieldControl
              key={field.name}
              field={field}
              value={draft[field.name] ?? ""}
              onChange={set(field.name)}
              error={errors[field.name]}
              stored={field.kind === "secret" && secretsSet.includes(field.name)}
              disabled={disabled}
            />
          )
      )}

      <OutcomeMessage outcome={outcome} />

      {confirming
        ? (
          <RemoveConfirm
            name={entry.display_name}
            onConfirm={remove}
            onCancel={() => {
              setConfirming(false)
              removeButton.current?.focus()
            }}
          />
        )
        : null}

      <div className="flex flex-wrap gap-2">
        <button type="button" className={styles.buttons.secondary} disabled={disabled} onClick={test}>
          {spinner("test") ?? <PlugZap size={16} aria-hidden />}Test connection
        </button>
        <button type="submit" className={styles.buttons.primary} disabled={disabled}>
          {spinner("save") ?? <Save size={16} aria-hidden />}Save
        </button>
        {stored !== undefined && !active
          ? (
            <button type="button" className={styles.buttons.secondary} disabled={disabled} onClick={activate}>
              {spinner("activate")}Use as active provider
            </button>
          )
          : null}
        {stored !== undefined
          ? (
            <button type="button" ref={removeButton} className={`${styles.buttons.secondary} ml-auto`} disabled={disabled} onClick={() => setConfirming(true)}>
              {spinner("remove") ?? <Trash2 size={16} aria-hidden />}Remove
            </button>
          )
          : null}
      </div>
    </form>
  )
}
