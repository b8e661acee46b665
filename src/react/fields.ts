/**
 * Forms generated from field descriptions ({@link FieldView}): what each field shows first, the
 * checks made before anything is sent, what is sent (only what changed), and which field a
 * failure names. Pure functions: the components only render them.
 *
 * @since 0.1.0
 */
import type { Failure, StoredProvider } from "../preload/types.js"
import type { CatalogEntryView, FieldView } from "./AiBridge.js"

/**
 * What a control holds: a checkbox's state, or the text typed.
 *
 * @since 0.1.0
 * @category Models
 */
export type RawValue = string | boolean

/**
 * A form's values by field name.
 *
 * @since 0.1.0
 * @category Models
 */
export type Draft = Readonly<Record<string, RawValue>>

/**
 * Messages by field name.
 *
 * @since 0.1.0
 * @category Models
 */
export type FieldErrors = Readonly<Record<string, string>>

const ACRONYMS: Readonly<Record<string, string>> = { api: "API", url: "URL", id: "ID" }

/** `apiKey` → `API key`, `baseUrl` → `Base URL`, as the main side labels its fields. */
const labelOf = (name: string): string =>
  name
    .split(/(?<=[a-z0-9])(?=[A-Z])/)
    .map((word, i) => {
      const lower = word.toLowerCase()
      return ACRONYMS[lower] ?? (i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower)
    })
    .join(" ")

const kindOfValue = (value: unknown): FieldView["kind"] =>
  typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : typeof value === "object" && value !== null ? "json" : "string"

/**
 * A field description for a config key the main side did not describe.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const plainField = (name: string, kind: FieldView["kind"], defaultValue: FieldView["default"] = null): FieldView => ({
  name,
  label: labelOf(name),
  help: null,
  kind,
  required: false,
  default: defaultValue,
  options: null,
  min: null,
  max: null,
  placeholder: null,
  endpoint: false
})

/**
 * The fields of a provider's form: the catalogue's descriptions when the main side sends them;
 * otherwise one field per stored config key (typed from its value), the secrets, and the model.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fieldsOf = (entry: CatalogEntryView, stored: StoredProvider | undefined): ReadonlyArray<FieldView> => {
  if (entry.fields !== undefined && entry.fields.length > 0) return entry.fields
  const config = stored?.config ?? {}
  const names = [...Object.keys(config).filter((k) => !entry.secret_fields.includes(k)), ...entry.secret_fields]
  if (entry.default_model !== null && !names.includes("model")) names.unshift("model")
  return names.map((name) =>
    entry.secret_fields.includes(name)
      ? plainField(name, "secret")
      : plainField(name, kindOfValue(config[name]), name === "model" ? entry.default_model : null)
  )
}

/**
 * What a field shows at first: its stored value; never a secret's (the reply has none).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const initialValue = (field: FieldView, config: Readonly<Record<string, unknown>>): RawValue => {
  const stored = config[field.name]
  switch (field.kind) {
    case "secret":
      return ""
    case "boolean":
      return typeof stored === "boolean" ? stored : field.default === true
    case "json":
      return stored === undefined || stored === null ? "" : JSON.stringify(stored, null, 2)
    default:
      return stored === undefined || stored === null ? "" : String(stored)
  }
}

/**
 * The values a form starts from.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const initialDraft = (fields: ReadonlyArray<FieldView>, config: Readonly<Record<string, unknown>>): Draft =>
  Object.fromEntries(fields.map((f) => [f.name, initialValue(f, config)]))

const blank = (raw: RawValue): boolean => typeof raw === "string" && raw.trim() === ""

// `https://host/path`, or what people type for a local server: `localhost:11434`, `:11434`, `myhost`.
const urlShaped = (text: string): boolean => {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text)
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== ""
    } catch {
      return false
    }
  }
  return /^(\[[0-9a-f:.]+\]|[a-z0-9.-]*)(:\d{1,5})?(\/\S*)?$/i.test(text)
}

const range = (field: FieldView): string =>
  field.min !== null && field.max !== null
    ? `from ${field.min} to ${field.max}`
    : field.min !== null
    ? `at least ${field.min}`
    : `at most ${field.max}`

/**
 * What is wrong with a field's value, checked as the description says (required, number and its
 * range, whole number, one of the options, URL shape, JSON), or undefined. A secret already
 * stored counts as given.
 *
 * @since 0.1.0
 * @category Checks
 */
export const checkField = (field: FieldView, raw: RawValue, secretStored = false): string | undefined => {
  if (typeof raw === "boolean") return undefined
  const text = raw.trim()
  if (text === "") return field.required && field.default === null && !secretStored ? `${field.label} is required` : undefined
  switch (field.kind) {
    case "number":
    case "integer": {
      const n = Number(text)
      if (!Number.isFinite(n)) return `${field.label} must be a number`
      if (field.kind === "integer" && !Number.isInteger(n)) return `${field.label} must be a whole number`
      if ((field.min !== null && n < field.min) || (field.max !== null && n > field.max)) return `${field.label} must be ${range(field)}`
      return undefined
    }
    case "enum":
      return field.options !== null && !field.options.includes(text) ? `${field.label} must be one of ${field.options.join(", ")}` : undefined
    case "url":
      return urlShaped(text) ? undefined : `${field.label} must be a URL such as https://host or host:port`
    case "json":
      try {
        JSON.parse(text)
        return undefined
      } catch {
        return `${field.label} must be valid JSON`
      }
    default:
      return undefined
  }
}

/**
 * The value sent for a field: a number, a boolean, parsed JSON or trimmed text; `null` for an
 * emptied field (the stored value is removed and the default applies).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const toValue = (field: FieldView, raw: RawValue): unknown => {
  if (typeof raw === "boolean") return raw
  const text = raw.trim()
  if (text === "") return null
  switch (field.kind) {
    case "number":
    case "integer":
      return Number(text)
    case "json":
      return JSON.parse(text) as unknown
    default:
      return text
  }
}

/**
 * A form checked and reduced to what changed: every field is checked (a required one left empty
 * blocks), and only the fields whose value differs from where they started are sent; an
 * untouched secret is never sent, so the stored one stays.
 *
 * @since 0.1.0
 * @category Checks
 */
export const changes = (
  fields: ReadonlyArray<FieldView>,
  draft: Draft,
  initial: Draft,
  secretsSet: ReadonlyArray<string>
): { readonly changed: Readonly<Record<string, unknown>>; readonly errors: FieldErrors } => {
  const changed: Record<string, unknown> = {}
  const errors: Record<string, string> = {}
  for (const field of fields) {
    const raw = draft[field.name] ?? initial[field.name] ?? ""
    const error = checkField(field, raw, secretsSet.includes(field.name))
    if (error !== undefined) errors[field.name] = error
    else if (raw !== initial[field.name] && !(field.kind === "secret" && blank(raw))) changed[field.name] = toValue(field, raw)
  }
  return { changed, errors }
}

/**
 * The field a failure names (`field`: a config key, or a path such as `budget.dailyUsd` or
 * `safetySettings.0`), among `names`: the longest name the path starts with.
 *
 * @since 0.1.0
 * @category Functions
 */
export const fieldOfFailure = (failure: Failure, names: ReadonlyArray<string>): string | undefined => {
  const parts = failure.field?.split(".") ?? []
  for (let n = parts.length; n > 0; n--) {
    const candidate = parts.slice(0, n).join(".")
    if (names.includes(candidate)) return candidate
  }
  return undefined
}

/**
 * The field of a provider's form a failed test or save belongs by: the one it names, else, for
 * the provider's own refusals that name none, the field the user has to change — the key (the
 * form's secret field) when the provider refused the credentials, the model when it does not
 * know the model.
 *
 * @since 0.1.0
 * @category Functions
 */
export const providerFieldOfFailure = (failure: Failure, fields: ReadonlyArray<FieldView>): string | undefined => {
  const named = fieldOfFailure(failure, fields.map((f) => f.name))
  if (named !== undefined) return named
  switch (failure.error_kind) {
    case "AuthenticationError":
      return fields.find((f) => f.kind === "secret")?.name
    case "ModelNotFound":
      return fields.find((f) => f.name === "model")?.name
    default:
      return undefined
  }
}
