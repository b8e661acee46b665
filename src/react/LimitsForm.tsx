/**
 * Time limits and budgets (`requestTimeoutMs` and `budget` of the app settings), as a form
 * generated from field descriptions like a provider's, saved through `settings.update`.
 *
 * @since 0.1.0
 */
import { type FormEvent, useEffect, useId, useMemo, useState } from "react"
import type { AppSettings, AppSettingsPatch } from "../domain/Settings.js"
import type { FieldView } from "./AiBridge.js"
import { useAiBridge } from "./context.js"
import { FieldControl } from "./FieldControl.js"
import { changes, type Draft, type FieldErrors, fieldOfFailure, initialDraft, plainField, type RawValue } from "./fields.js"
import { type Outcome, OutcomeMessage } from "./Outcome.js"
import * as styles from "./styles.js"

const DEFAULT_TIMEOUT_S = 55

// Named by their place in the settings, so a failure's `field` (`budget.dailyUsd`) finds them.
const usd = (name: string, label: string, help: string): FieldView => ({
  ...plainField(`budget.${name}`, "number"),
  label,
  help,
  min: 0,
  max: 1_000_000,
  placeholder: "No limit"
})

/**
 * The fields of the limits form.
 *
 * @since 0.1.0
 * @category Constants
 */
export const limitFields: ReadonlyArray<FieldView> = [
  {
    ...plainField("requestTimeoutMs", "integer", DEFAULT_TIMEOUT_S),
    label: "Request time limit (seconds)",
    help: "The longest one request may take, retries and fallbacks included.",
    min: 1,
    max: 3_600
  },
  usd("perRequestMaxUsd", "Most one request may cost (USD)", "A request whose estimate is higher is not sent."),
  usd("dailyUsd", "Daily budget (USD)", "Per calendar day, in UTC."),
  usd("monthlyUsd", "Monthly budget (USD)", "Per calendar month, in UTC."),
  {
    ...plainField("budget.warnAtFraction", "number", 0.8),
    label: "Warn at (share of a budget)",
    help: "From 0 to 1: the share of a daily or monthly budget from which it counts as nearly used up.",
    min: 0,
    max: 1
  }
]

const valuesOf = (s: AppSettings): Readonly<Record<string, unknown>> => ({
  requestTimeoutMs: s.requestTimeoutMs / 1_000,
  "budget.perRequestMaxUsd": s.budget.perRequestMaxUsd,
  "budget.dailyUsd": s.budget.dailyUsd,
  "budget.monthlyUsd": s.budget.monthlyUsd,
  "budget.warnAtFraction": s.budget.warnAtFraction
})

// A patch replaces a whole key: the budget is sent whole, with the changed limits (an emptied
// one removed: no limit; an emptied warning share: its default).
const patchOf = (s: AppSettings, changed: Readonly<Record<string, unknown>>): AppSettingsPatch => {
  const patch: { -readonly [K in keyof AppSettingsPatch]: AppSettingsPatch[K] } = {}
  if ("requestTimeoutMs" in changed) patch.requestTimeoutMs = Math.round(((changed["requestTimeoutMs"] as number | null) ?? DEFAULT_TIMEOUT_S) * 1_000)
  const budget: Record<string, unknown> = { ...s.budget }
  let budgetChanged = false
  for (const [key, value] of Object.entries(changed)) {
    if (!key.startsWith("budget.")) continue
    budgetChanged = true
    const name = key.slice("budget.".length)
    if (value === null) delete budget[name]
    else budget[name] = value
  }
  if (budgetChanged) patch.budget = budget as AppSettingsPatch["budget"]
  return patch
}

/**
 * The time limits and budgets section of the settings tab.
 *
 * @since 0.1.0
 * @category Components
 */
export const LimitsForm = ({ reload, settings }: { readonly settings: AppSettings; readonly reload: () => Promise<void> }) => {
  const bridge = useAiBridge()
  const headingId = useId()
  const initial = useMemo(() => initialDraft(limitFields, valuesOf(settings)), [settings])
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
    const result = changes(limitFields, draft, initial, [])
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
    void bridge.settings.update(patchOf(settings, result.changed)).then(async (reply) => {
      if (reply.success) {
        setOutcome({ ok: true, message: "Limits saved." })
      } else {
        const field = fieldOfFailure(reply, limitFields.map((f) => f.name))
        if (field !== undefined) setErrors({ [field]: reply.error })
        setOutcome({ ok: false, message: `Not saved: ${reply.error}` })
      }
      await reload()
      setBusy(false)
    })
  }

  return (
    <section aria-labelledby={headingId} className={styles.card}>
      <h3 id={headingId} className={`${styles.heading} mb-3`}>Time limits and budgets</h3>
      <form noValidate aria-labelledby={headingId} onSubmit={save}>
        {limitFields.map((field) => (
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
        <button type="submit" className={styles.buttons.primary} disabled={busy}>Save limits</button>
      </form>
    </section>
  )
}
