/**
 * Above an assistant's SQL: what the library found about it — a destructive statement to confirm
 * before running, tables or columns the schema lacks, SQL that does not parse, a repair round —
 * and which tables the prompt's schema left out to fit the model's context window.
 *
 * @since 0.1.0
 */
import { CircleAlert, Info, TriangleAlert, Wrench } from "lucide-react"
import type { ReactNode } from "react"
import type { SqlFindings } from "../preload/types.js"
import { formatCountOf } from "./format.js"

const note = "flex items-start gap-1.5 text-xs"
const tone = {
  danger: "text-red-700 dark:text-red-300",
  warning: "text-yellow-800 dark:text-yellow-200",
  info: "text-gray-500 dark:text-gray-400"
} as const

const Line = ({ children, icon, kind }: { readonly kind: keyof typeof tone; readonly icon: ReactNode; readonly children: ReactNode }) => (
  <li className={`${note} ${tone[kind]}`}>{icon}<span>{children}</span></li>
)

const list = (names: ReadonlyArray<string>, most = 8): string =>
  names.length <= most ? names.join(", ") : `${names.slice(0, most).join(", ")} and ${names.length - most} more`

/**
 * The findings of one answer (a reply of `generateQuery`, `optimizeQuery` or `fixQuery` as it
 * is). Nothing to say renders nothing. A destructive statement comes first, as an alert: the
 * app should ask before it runs the SQL (`flagged` on the reply says so too).
 *
 * @since 0.1.0
 * @category Components
 */
export const AiSqlFindings = ({ answer }: { readonly answer: SqlFindings | null | undefined }) => {
  if (answer === null || answer === undefined) return null
  const check = answer.check ?? undefined
  const destructive = answer.destructive ?? []
  const unknownTables = answer.unknown_tables ?? []
  const unknownColumns = answer.unknown_columns ?? []
  const leftOut = answer.schema_left_out ?? []
  const lines: Array<ReactNode> = []
  if (destructive.length > 0) {
    lines.push(
      <li key="destructive" role="alert" className={`${note} ${tone.danger} font-medium`}>
        <TriangleAlert size={14} aria-hidden />
        <span>Review before running: {destructive.map((d) => d.reason).join("; ")}.</span>
      </li>
    )
  }
  if (check?.parseError !== undefined) {
    lines.push(
      <Line key="parse" kind="danger" icon={<CircleAlert size={14} aria-hidden />}>
        This SQL does not parse as {check.grammar ?? check.dialect}: {check.parseError.message}
      </Line>
    )
  }
  if (unknownTables.length > 0) {
    lines.push(<Line key="tables" kind="warning" icon={<CircleAlert size={14} aria-hidden />}>Not in the schema: {unknownTables.length === 1 ? "table" : "tables"} {list(unknownTables)}.</Line>)
  }
  if (unknownColumns.length > 0) {
    const names = unknownColumns.map((c) => (c.table !== undefined ? `${c.table}.${c.column}` : c.column))
    lines.push(<Line key="columns" kind="warning" icon={<CircleAlert size={14} aria-hidden />}>Not in the schema: {unknownColumns.length === 1 ? "column" : "columns"} {list(names)}.</Line>)
  }
  if (answer.repaired === true) {
    lines.push(<Line key="repaired" kind="info" icon={<Wrench size={14} aria-hidden />}>The first answer did not parse; the model corrected it once.</Line>)
  }
  if (leftOut.length > 0 || answer.schema_text_left_out === true) {
    const sent = answer.schema_sent?.length ?? 0
    lines.push(
      <Line key="schema" kind="info" icon={<Info size={14} aria-hidden />}>
        {leftOut.length > 0
          ? `The model saw ${formatCountOf(sent, "table")} of ${sent + leftOut.length} to fit its context; left out: ${list(leftOut)}.`
          : "The schema's text was left out to fit the model's context."}
      </Line>
    )
  }
  if (check !== undefined && !check.checked && check.note !== undefined) {
    lines.push(<Line key="unchecked" kind="info" icon={<Info size={14} aria-hidden />}>{check.note}</Line>)
  }
  return lines.length === 0 ? null : <ul aria-label="SQL checks" className="mt-2 space-y-1">{lines}</ul>
}
