/**
 * AI usage over a chosen range (24 h, 7 d, 30 d): requests, success rate, latency, tokens and
 * cost, over time and per provider, with CSV and JSON exports.
 *
 * @since 0.1.0
 */
import { CircleAlert, FileDown, LoaderCircle } from "lucide-react"
import { useEffect, useId, useState } from "react"
import type * as Metrics from "../domain/Metrics.js"
import type { ExportFormat, MetricsTimelineReply } from "./AiBridge.js"
import { useAiBridge } from "./context.js"
import { download } from "./download.js"
import { formatCount, formatCountOf, formatMs, formatPercent, formatUsd, providerName } from "./format.js"
import { type Outcome, OutcomeMessage } from "./Outcome.js"
import * as styles from "./styles.js"
import { type Series, UsageChart } from "./UsageChart.js"
import { type BucketRow, byBucket, byProvider, type ProviderRow, providersOf, ranges, type UsageRange } from "./usageData.js"

type Timeline = Extract<MetricsTimelineReply, { readonly success: true }>["timeline"]

interface Loaded {
  readonly timeline: Timeline
  readonly summary: Metrics.Summary | undefined
}

const palette = ["#3b82f6", "#8b5cf6", "#f59e0b", "#06b6d4", "#ec4899", "#10b981"]
const colorOf = (i: number): string => palette[i % palette.length]!

const mime: Readonly<Record<ExportFormat, string>> = { csv: "text/csv", json: "application/json" }

const count = (v: number | null): string => (v === null ? "—" : formatCount(v))

/**
 * The usage panel. `now` gives the end of the range (the clock by default).
 *
 * @since 0.1.0
 * @category Components
 */
export const AiUsagePanel = ({ initialRange = "7d", now = Date.now }: { readonly initialRange?: UsageRange; readonly now?: () => number }) => {
  const bridge = useAiBridge()
  const headingId = useId()
  const [range, setRange] = useState<UsageRange>(initialRange)
  const [span, setSpan] = useState<{ readonly from: number; readonly to: number } | undefined>(undefined)
  const [data, setData] = useState<Loaded | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [exported, setExported] = useState<Outcome | undefined>(undefined)
  const [exporting, setExporting] = useState(false)
  const choice = ranges.find((r) => r.id === range)!

  useEffect(() => {
    let current = true
    const to = now()
    const from = to - choice.ms
    setSpan({ from, to })
    setData(undefined)
    setError(undefined)
    void Promise.all([bridge.metrics.timeline({ from, to, bucket: choice.bucket }), bridge.metrics.summary({ from, to })]).then(([timeline, summary]) => {
      if (!current) return
      if (!timeline.success) setError(timeline.error)
      else setData({ timeline: timeline.timeline, summary: summary.success ? summary.summary : undefined })
      if (timeline.success && !summary.success) setError(`The totals could not be read: ${summary.error}`)
    })
    return () => {
      current = false
    }
  }, [bridge, range])

  const exportAs = (format: ExportFormat): void => {
    if (span === undefined) return
    setExporting(true)
    setExported(undefined)
    void bridge.metrics.export({ format, ...span }).then((reply) => {
      if (reply.success) {
        download(reply.filename, reply.content, mime[format])
        setExported({ ok: true, message: `Exported ${reply.filename}.` })
      } else {
        setExported({ ok: false, message: `The export failed: ${reply.error}` })
      }
      setExporting(false)
    })
  }

  return (
    <section aria-labelledby={headingId} className="space-y-4 text-sm">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id={headingId} className="mr-auto text-base font-semibold text-gray-900 dark:text-gray-100">AI usage</h2>
        <div role="group" aria-label="Range" className="inline-flex overflow-hidden rounded-lg border border-gray-300 dark:border-gray-600">
          {ranges.map((r) => (
            <button
              key={r.id}
              type="button"
              aria-pressed={r.id === range}
              className={`px-3 py-1.5 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-blue-500 ${
                r.id === range ? "bg-blue-600 text-white dark:bg-blue-500" : "text-gray-700 hover:bg-gray-50 dark:text-gray-300 dark:hover:bg-gray-700"
              }`}
              onClick={() => setRange(r.id)}
            >
              {r.label}
            </button>
          ))}
        </div>
        <button type="button" className={styles.buttons.secondary} disabled={exporting || span === undefined} onClick={() => exportAs("csv")}>
          <FileDown size={16} aria-hidden />Export CSV
        </button>
        <button type="button" className={styles.buttons.secondary} disabled={exporting || span === undefined} onClick={() => exportAs("json")}>
          <FileDown size={16} aria-hidden />Export JSON
        </button>
      </div>
      <OutcomeMessage outcome={exported} />
      {error !== undefined ? <p role="alert" className={styles.alert}><CircleAlert size={16} aria-hidden />{error}</p> : null}
      {data === undefined
        ? error === undefined
          ? <p className="flex items-center gap-2 text-gray-500 dark:text-gray-400"><LoaderCircle size={16} className="animate-spin" aria-hidden />Loading the usage…</p>
          : null
        : <UsageCharts data={data} rangeLabel={choice.label} />}
    </section>
  )
}

const Totals = ({ rows, summary }: { readonly rows: ReadonlyArray<ProviderRow>; readonly summary: Metrics.Summary | undefined }) => {
  const sum = (f: (r: ProviderRow) => number) => rows.reduce((n, r) => n + f(r), 0)
  const requests = summary?.requests ?? sum((r) => r.requests)
  const successes = summary?.successes ?? sum((r) => r.successes)
  const stats: ReadonlyArray<readonly [string, string]> = [
    ["Requests", formatCount(requests)],
    ["Success rate", formatPercent(requests === 0 ? null : successes / requests)],
    ["Latency p50", formatMs(summary?.latency.p50Ms)],
    ["Latency p95", formatMs(summary?.latency.p95Ms)],
    ["Tokens", `${formatCount(summary?.inputTokens ?? sum((r) => r.inputTokens))} in / ${formatCount(summary?.outputTokens ?? sum((r) => r.outputTokens))} out`],
    ["Cost", formatUsd(summary?.costUsd ?? sum((r) => r.costUsd))]
  ]
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3">
      {stats.map(([k, v]) => (
        <div key={k} className={styles.card}>
          <dt className="text-xs text-gray-500 dark:text-gray-400">{k}</dt>
          <dd className="text-lg font-semibold text-gray-900 dark:text-gray-100">{v}</dd>
        </div>
      ))}
    </dl>
  )
}

const UsageCharts = ({ data, rangeLabel }: { readonly data: Loaded; readonly rangeLabel: string }) => {
  const { points } = data.timeline
  const providers = providersOf(points)
  const rows = byBucket(points, data.timeline.bucket)
  const perProvider = byProvider(points)
  if (points.length === 0) {
    return <p className="text-gray-500 dark:text-gray-400">No AI requests in the last {rangeLabel}.</p>
  }
  const day = data.timeline.bucket === "day"
  const formatX = (v: unknown): string =>
    typeof v === "number"
      ? new Date(v).toLocaleString(undefined, day ? { month: "short", day: "numeric" } : { day: "numeric", hour: "2-digit", minute: "2-digit" })
      : String(v)
  const total = (f: (r: ProviderRow) => number) => perProvider.reduce((n, r) => n + f(r), 0)
  const requests = total((r) => r.requests)
  const unknown = total((r) => r.unknownCostCount)
  const latency = (p: "p50" | "p95"): ReadonlyArray<Series> =>
    providers.map((id, i) => ({ key: `${p}:${id}`, name: `${providerName(id)} ${p}`, color: colorOf(i), dashed: p === "p95" }))
  const busiest = perProvider[0]!
  // What the four charts over time share: the buckets along the x axis.
  const overTime = { rows, xKey: "at", xLabel: "Time", formatX } as const

  return (
    <div className="space-y-4">
      <Totals rows={perProvider} summary={data.summary} />
      <div className="grid gap-4 lg:grid-cols-2">
        <UsageChart<BucketRow>
          title="Requests over time"
          summary={`${formatCountOf(requests, "request")} in the last ${rangeLabel}, ${formatPercent(total((r) => r.successes) / requests)} succeeded.`}
          kind="line"
          {...overTime}
          format={count}
          series={[
            { key: "requests", name: "Requests", color: "#3b82f6" },
            { key: "successes", name: "Successes", color: "#22c55e" },
            { key: "failures", name: "Failures", color: "#ef4444" }
          ]}
          extra={[{ name: "Success rate", value: (r) => formatPercent(r.successRate) }]}
        />
        <UsageChart<BucketRow>
          title="Latency over time"
          summary={`Response time per provider (p50 solid, p95 dashed)${
            data.summary !== undefined ? `; over the range p50 ${formatMs(data.summary.latency.p50Ms)}, p95 ${formatMs(data.summary.latency.p95Ms)}` : ""
          }.`}
          kind="line"
          {...overTime}
          format={formatMs}
          series={[...latency("p50"), ...latency("p95")]}
        />
        <UsageChart<BucketRow>
          title="Tokens over time"
          summary={`${formatCount(total((r) => r.inputTokens))} input and ${formatCount(total((r) => r.outputTokens))} output tokens.`}
          kind="bar"
          {...overTime}
          format={count}
          series={[
            { key: "inputTokens", name: "Input tokens", color: "#3b82f6", stack: "tokens" },
            { key: "outputTokens", name: "Output tokens", color: "#8b5cf6", stack: "tokens" }
          ]}
        />
        <UsageChart<BucketRow>
          title="Cost over time"
          summary={`${formatUsd(total((r) => r.costUsd))} in total${unknown > 0 ? `, plus ${formatCountOf(unknown, "request")} of unknown cost` : ""}.`}
          kind="bar"
          {...overTime}
          format={formatUsd}
          series={providers.map((id, i) => ({ key: `cost:${id}`, name: providerName(id), color: colorOf(i), stack: "cost" }))}
        />
      </div>
      <UsageChart<ProviderRow>
        title="Usage per provider"
        summary={`${providerName(busiest.provider)} served the most requests (${formatCount(busiest.requests)}).`}
        kind="bar"
        rows={perProvider}
        xKey="provider"
        xLabel="Provider"
        formatX={(v) => providerName(String(v))}
        format={count}
        series={[
          { key: "successes", name: "Successes", color: "#22c55e", stack: "requests" },
          { key: "failures", name: "Failures", color: "#ef4444", stack: "requests" }
        ]}
        extra={[
          { name: "Success rate", value: (r) => formatPercent(r.successRate) },
          { name: "Tokens", value: (r) => `${formatCount(r.inputTokens)} in / ${formatCount(r.outputTokens)} out` },
          { name: "Cost", value: (r) => formatUsd(r.costUsd) }
        ]}
      />
    </div>
  )
}
