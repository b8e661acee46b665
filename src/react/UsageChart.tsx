/**
 * One chart of the usage panel: a titled figure with a recharts line or bar chart, a one-line
 * summary, and the same numbers as a visually hidden table for screen readers.
 *
 * @since 0.1.0
 */
import { useId } from "react"
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts"

/**
 * One line or bar set of a chart (and one column of its table).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Series {
  readonly key: string
  readonly name: string
  readonly color: string
  readonly dashed?: boolean
  /** Bars with the same stack are stacked. */
  readonly stack?: string
}

/**
 * A table column the chart does not draw.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ExtraColumn<Row> {
  readonly name: string
  readonly value: (row: Row) => string
}

type Value = number | string | null | undefined

/**
 * A chart over rows, with its title, summary and hidden data table.
 *
 * @since 0.1.0
 * @category Components
 */
export const UsageChart = <Row extends object>({ extra = [], format, formatX, kind, rows, series, summary, title, xKey, xLabel }: {
  readonly title: string
  readonly summary: string
  readonly kind: "line" | "bar"
  readonly rows: ReadonlyArray<Row>
  readonly xKey: keyof Row & string
  readonly xLabel: string
  readonly formatX: (value: Value) => string
  readonly series: ReadonlyArray<Series>
  readonly format: (value: number | null) => string
  readonly extra?: ReadonlyArray<ExtraColumn<Row>>
}) => {
  const id = useId()
  const cell = (row: Row, key: string): Value => (row as Record<string, Value>)[key]
  // recharts reads rows by key; its row typing would only repeat `xKey` and the series keys.
  const data = rows as unknown as Array<Record<string, unknown>>
  const axes = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
      <XAxis dataKey={xKey as string} tickFormatter={formatX} tick={{ fill: "currentColor", fontSize: 11 }} stroke="currentColor" />
      <YAxis tickFormatter={(v: number) => format(v)} tick={{ fill: "currentColor", fontSize: 11 }} stroke="currentColor" width={56} />
      <Tooltip labelFormatter={(label) => formatX(typeof label === "number" || typeof label === "string" ? label : undefined)} formatter={(v) => format(typeof v === "number" ? v : null)} contentStyle={{ fontSize: 12, borderRadius: 8 }} />
      <Legend wrapperStyle={{ fontSize: 12 }} />
    </>
  )
  return (
    <figure aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} className="rounded-lg border border-gray-200 bg-white p-4 dark:border-gray-700 dark:bg-gray-800">
      <figcaption id={`${id}-title`} className="text-sm font-semibold text-gray-900 dark:text-gray-100">{title}</figcaption>
      <p id={`${id}-summary`} className="mb-2 text-xs text-gray-500 dark:text-gray-400">{summary}</p>
      <div className="h-48 text-gray-500 dark:text-gray-400">
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 480, height: 192 }}>
          {kind === "line"
            ? (
              <LineChart data={data} title={title} desc={summary}>
                {axes}
                {series.map((s) => (
                  <Line
                    key={s.key}
                    type="monotone"
                    dataKey={s.key}
                    name={s.name}
                    stroke={s.color}
                    {...(s.dashed ? { strokeDasharray: "4 3" } : {})}
                    dot={false}
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            )
            : (
              <BarChart data={data} title={title} desc={summary}>
                {axes}
                {series.map((s) => <Bar key={s.key} dataKey={s.key} name={s.name} fill={s.color} {...(s.stack !== undefined ? { stackId: s.stack } : {})} isAnimationActive={false} />)}
              </BarChart>
            )}
        </ResponsiveContainer>
      </div>
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{xLabel}</th>
            {series.map((s) => <th key={s.key} scope="col">{s.name}</th>)}
            {extra.map((c) => <th key={c.name} scope="col">{c.name}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={String(cell(row, xKey))}>
              <th scope="row">{formatX(cell(row, xKey))}</th>
              {series.map((s) => {
                const v = cell(row, s.key)
                return <td key={s.key}>{format(typeof v === "number" ? v : null)}</td>
              })}
              {extra.map((c) => <td key={c.name}>{c.value(row)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}
