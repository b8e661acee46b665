/**
 * Time limits and budgets (`requestTimeoutMs` and `budget` of the app settings), as a form
 * generated from field descriptions like a provider's, saved through `settings.update`.
 *
 * @since 0.1.0
 */
import type { AppSettings, AppSettingsPatch } from "../domain/Settings.js"
import type { FieldView } from "./AiBridge.js"
import { plainField } from "./fields.js"
import { groupPatch, type SectionSpec, SettingsForm } from "./SettingsForm.js"

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

// The budget is sent whole, with the changed limits (an emptied one removed: no limit; an emptied
// warning share: its default).
const patchOf = (s: AppSettings, changed: Readonly<Record<string, unknown>>): AppSettingsPatch => {
  const patch: { -readonly [K in keyof AppSettingsPatch]: AppSettingsPatch[K] } = {}
  if ("requestTimeoutMs" in changed) patch.requestTimeoutMs = Math.round(((changed["requestTimeoutMs"] as number | null) ?? DEFAULT_TIMEOUT_S) * 1_000)
  const budget = groupPatch(s.budget, "budget", changed)
  if (budget !== undefined) patch.budget = budget as AppSettingsPatch["budget"]
  return patch
}

const spec: SectionSpec = {
  title: "Time limits and budgets",
  fields: limitFields,
  valuesOf,
  patchOf,
  submit: "Save limits",
  saved: "Limits saved."
}

/**
 * The time limits and budgets section of the settings tab.
 *
 * @since 0.1.0
 * @category Components
 */
export const LimitsForm = ({ reload, settings }: { readonly settings: AppSettings; readonly reload: () => Promise<void> }) => (
  <SettingsForm spec={spec} settings={settings} reload={reload} />
)
