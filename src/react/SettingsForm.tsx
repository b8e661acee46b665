/**
 * A section of the app settings as a form generated from field descriptions, like a provider's:
 * it shows the stored values, checks what changed, saves it through `settings.update` as one
 * patch, and marks the field a refusal names. The limits and the cache sections are two of them.
 *
 * @since 0.1.0
 */
import { type FormEvent, type ReactNode, useEffect, useId, useMemo, useState } from "react"
import type { AppSettings, AppSettingsPatch } from "../domain/Settings.js"
import type { FieldView } from "./AiBridge.js"
import { useAiBridge } from "./context.js"
import { FieldControl } from "./FieldControl.js"
import { changes, type Draft, type FieldErrors, fieldOfFailure, initialDraft, type RawValue } from "./fields.js"
import { type Outcome, OutcomeMessage } from "./Outcome.js"
import * as styles from "./styles.js"

/**
 * What makes one settings section: its fields (named by their place in the settings, such as
 * `budget.dailyUsd`, so a refusal's `field` finds them), how the stored settings fill them, and
 * how the changed values become a patch.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SectionSpec {
  readonly title: string
  readonly fields: ReadonlyArray<FieldView>
  readonly valuesOf: (settings: AppSettings) => Readonly<Record<string, unknown>>
  readonly patchOf: (settings: AppSettings, changed: Readonly<Record<string, unknown>>) => AppSettingsPatch
  /** The button's label and what a save says, e.g. "Save limits" and "Limits saved." */
  readonly submit: string
  readonly saved: string
}

/**
 * A patch for one object of the settings (`budget`, `cache`): the stored object with the changed
 * `<key>.<name>` fields, an emptied one removed (its default, or no limit). `undefined` when none
 * of its fields changed. A patch replaces a whole key, hence the stored object as the base.
 *
 * @since 0.1.0
 * @category Functions
 */
export const groupPatch = (
  stored: object,
  key: string,
  changed: Readonly<Record<string, unknown>>,
  convert: (name: string, value: unknown) => unknown = (_, value) => value
): Record<string, unknown> | undefined => {
  const next: Record<string, unknown> = { ...stored }
  let any = false
  for (const [path, value] of Object.entries(changed)) {
    if (!path.startsWith(`${key}.`)) continue
    any = true
    const name = path.slice(key.length + 1)
    if (value === null) delete next[name]
    else next[name] = convert(name, value)
  }
  return any ? next : undefined
}

/**
 * One settings section as a form card; `children` go under the heading, before the fields.
 *
 * @since 0.1.0
 * @category Components
 */
export const SettingsForm = ({ children, reload, settings, spec }: {
  readonly spec: SectionSpec
  readonly settings: AppSettings
  readonly reload: () => Promise<void>
  readonly children?: ReactNode
}) => {
  const bridge = useAiBridge()
  const headingId = useId()
  const initial = useMemo(() => initialDraft(spec.fields, spec.valuesOf(settings)), [settings, spec])
  const [draft, setDraft] = useState<Draft>(initial)
  const [errors, setErrors] = useState<FieldErrors>({})
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const stored = JSON.stringify(initial)

  // What is stored changed (a save read back): the form starts from it.
  useEffect(() => setDraft(initial), [stored])

  const set = (name: string) => (value: RawValue) => setDraft((d) => ({ ...d, [name]: value }))

  const save = (e: FormEvent): void => {
    e.preventDefault()
    const result = changes(spec.fields, draft, initial, [])
    setErrors(result.errors)
    if (Object.keys(result.errors).length > 0) {
      setOutcome({ ok: false, message: "Check the fields marked above." })
      return
    }
    if (Object.keys(result.changed).length === 0) {
      setOutcome({ ok: true, message: "Nothing changed." })
      return
    }
    setBusy(true)
    setOutcome(undefined)
    void bridge.settings.update(spec.patchOf(settings, result.changed)).then(async (reply) => {
      if (reply.success) {
        setOutcome({ ok: true, message: spec.saved })
      } else {
        const field = fieldOfFailure(reply, spec.fields.map((f) => f.name))
        if (field !== undefined) setErrors({ [field]: reply.error })
        setOutcome({ ok: false, message: `Not saved: ${reply.error}` })
      }
      await reload()
      setBusy(false)
    })
  }

  return (
    <section aria-labelledby={headingId} className={styles.card}>
      <h3 id={headingId} className={`${styles.heading} mb-3`}>{spec.title}</h3>
      {children}
      <form noValidate aria-labelledby={headingId} onSubmit={save}>
        {spec.fields.map((field) => (
          <FieldControl
            key={field.name}
            field={field}
            value={draft[field.name] ?? ""}
            onChange={set(field.name)}
            error={errors[field.name]}
            disabled={busy}
          />
        ))}
        <OutcomeMessage outcome={outcome} />
        <button type="submit" className={styles.buttons.primary} disabled={busy}>{spec.submit}</button>
      </form>
    </section>
  )
}
