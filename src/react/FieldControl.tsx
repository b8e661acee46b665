/**
 * One generated form field: its visible label, help text and message, and the control its kind
 * calls for (text, masked secret with a reveal toggle, number, URL, checkbox, options, JSON).
 *
 * @since 0.1.0
 */
import { Eye, EyeOff } from "lucide-react"
import { type ReactNode, useId, useState } from "react"
import type { FieldView } from "./AiBridge.js"
import type { RawValue } from "./fields.js"
import * as styles from "./styles.js"

/**
 * What a control gets from its {@link FieldShell}: its id and the ids that describe it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ControlProps {
  readonly id: string
  readonly describedBy: string | undefined
  readonly invalid: boolean
}

/**
 * A field's frame: the label above, the help text and the message below, wired to the control
 * by id (`aria-describedby`, `aria-invalid`). A checkbox puts its label beside it.
 *
 * @since 0.1.0
 * @category Components
 */
export const FieldShell = (props: {
  readonly label: string
  readonly help?: string | null | undefined
  readonly error?: string | undefined
  readonly inline?: boolean
  readonly children: (control: ControlProps) => ReactNode
}) => {
  const id = useId()
  const helpId = `${id}-help`
  const errorId = `${id}-error`
  const describedBy = [props.help ? helpId : "", props.error ? errorId : ""].filter((s) => s !== "").join(" ") || undefined
  const control = props.children({ id, describedBy, invalid: props.error !== undefined })
  const labelElement = (
    <label htmlFor={id} className={props.inline ? "text-sm text-gray-700 dark:text-gray-300" : `${styles.label} mb-1`}>
      {props.label}
    </label>
  )
  return (
    <div className="mb-4">
      {props.inline
        ? (
          <div className="flex items-center gap-2">
            {control}
            {labelElement}
          </div>
        )
        : (
          <>
            {labelElement}
            {control}
          </>
        )}
      {props.help ? <p id={helpId} className={styles.help}>{props.help}</p> : null}
      {props.error ? <p id={errorId} className={styles.fieldError}>{props.error}</p> : null}
    </div>
  )
}

/** What a field shows when empty: that a secret is stored, else the default, else a hint. */
const placeholderOf = (field: FieldView, stored: boolean): string | undefined =>
  stored ? "stored" : field.default !== null ? String(field.default) : field.placeholder ?? undefined

const SecretInput = ({ control, field, onChange, placeholder, value }: {
  readonly control: ControlProps
  readonly field: FieldView
  readonly value: string
  readonly placeholder: string | undefined
  readonly onChange: (value: string) => void
}) => {
  const [revealed, setRevealed] = useState(false)
  return (
    <div className="flex items-center gap-2">
      <input
        id={control.id}
        type={revealed ? "text" : "password"}
        className={styles.input(control.invalid)}
        value={value}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        required={field.required}
        aria-invalid={control.invalid || undefined}
        aria-describedby={control.describedBy}
        onChange={(e) => onChange(e.target.value)}
      />
      <button
        type="button"
        className={styles.buttons.secondary}
        aria-pressed={revealed}
        aria-controls={control.id}
        aria-label={`Show ${field.label}`}
        onClick={() => setRevealed((r) => !r)}
      >
        {revealed ? <EyeOff size={16} aria-hidden /> : <Eye size={16} aria-hidden />}
        Show
      </button>
    </div>
  )
}

/**
 * The control for one {@link FieldView}, in its {@link FieldShell}. `stored` says a secret is
 * stored (its value is never in the renderer): the field shows "stored" and, left empty, keeps it.
 *
 * @since 0.1.0
 * @category Components
 */
export const FieldControl = ({ disabled, error, field, onChange, stored = false, value }: {
  readonly field: FieldView
  readonly value: RawValue
  readonly onChange: (value: RawValue) => void
  readonly error?: string | undefined
  readonly stored?: boolean
  readonly disabled?: boolean
}) => {
  const help = stored ? [field.help, "A value is stored; leave this empty to keep it."].filter(Boolean).join(" ") : field.help
  const placeholder = placeholderOf(field, stored)
  const text = typeof value === "string" ? value : ""
  return (
    <FieldShell label={field.label} help={help} error={error} inline={field.kind === "boolean"}>
      {(control) => {
        const common = {
          id: control.id,
          disabled,
          required: field.required,
          "aria-invalid": control.invalid || undefined,
          "aria-describedby": control.describedBy
        }
        switch (field.kind) {
          case "boolean":
            return <input {...common} type="checkbox" className={styles.checkbox} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          case "secret":
            return <SecretInput control={control} field={field} value={text} placeholder={placeholder} onChange={onChange} />
          case "enum":
            return (
              <select {...common} className={styles.input(control.invalid)} value={text} onChange={(e) => onChange(e.target.value)}>
                <option value="">{field.default !== null ? `Default (${String(field.default)})` : "Choose…"}</option>
                {(field.options ?? []).map((o) => <option key={o} value={o}>{o}</option>)}
              </select>
            )
          case "json":
            return (
              <textarea
                {...common}
                rows={4}
                className={`${styles.input(control.invalid)} font-mono`}
                value={text}
                placeholder={placeholder}
                spellCheck={false}
                onChange={(e) => onChange(e.target.value)}
              />
            )
          case "number":
          case "integer":
            return (
              <input
                {...common}
                type="number"
                inputMode={field.kind === "integer" ? "numeric" : "decimal"}
                step={field.kind === "integer" ? 1 : "any"}
                min={field.min ?? undefined}
                max={field.max ?? undefined}
                className={styles.input(control.invalid)}
                value={text}
                placeholder={placeholder}
                onChange={(e) => onChange(e.target.value)}
              />
            )
          default:
            return (
              <input
                {...common}
                type={field.kind === "url" ? "url" : "text"}
                className={styles.input(control.invalid)}
                value={text}
                placeholder={placeholder}
                spellCheck={false}
                onChange={(e) => onChange(e.target.value)}
              />
            )
        }
      }}
    </FieldShell>
  )
}
