/**
 * The AI item of DB Toolkit's status bar: the active provider and its health, the fallback
 * serving when there is one, live; it opens a popover with every provider's state, last error,
 * circuit and rate limit.
 *
 * @since 0.1.0
 */
import { X } from "lucide-react"
import { useEffect, useId, useRef, useState } from "react"
import type { BudgetStatus } from "../domain/Budget.js"
import type { ProviderView } from "../services/AiService.js"
import { formatMs, formatUsd } from "./format.js"
import { type AiStatusSnapshot, type StatusOptions, useAiStatus } from "./status.js"

/**
 * A provider's health as the indicator says it.
 *
 * @since 0.1.0
 * @category Models
 */
export type Health = "healthy" | "degraded" | "down" | "disabled" | "unknown"

/**
 * A provider's health: disabled (by the user or by failed checks), down (failed checks, or its
 * circuit is open and it is skipped), degraded (slow), healthy, or unknown (not checked yet).
 *
 * @since 0.1.0
 * @category Functions
 */
export const healthOf = (view: ProviderView): Health => {
  if (!view.enabled || view.health?.state === "disabled") return "disabled"
  if (view.guard?.circuit._tag === "Open") return "down"
  return view.health?.state ?? "unknown"
}

const dot: Readonly<Record<Health, string>> = {
  healthy: "bg-green-500",
  degraded: "bg-yellow-500",
  down: "bg-red-500",
  disabled: "bg-gray-400",
  unknown: "bg-gray-400"
}

const healthWords: Readonly<Record<Health, string>> = {
  healthy: "healthy",
  degraded: "degraded",
  down: "down",
  disabled: "disabled",
  unknown: "not checked yet"
}

const summary = ({ error, fallback, status }: AiStatusSnapshot): { readonly text: string; readonly health: Health } => {
  if (status === undefined) return { text: error === undefined ? "AI: …" : "AI: unavailable", health: "unknown" }
  const active = status.providers.find((p) => p.id === status.active_provider)
  if (active === undefined) return { text: "AI: not configured", health: "disabled" }
  const health = healthOf(active)
  const serving = fallback !== undefined ? ` · ${nameOf(status, fallback.provider)} serving (fallback)` : ""
  return { text: `AI: ${active.displayName} · ${healthWords[health]}${serving}`, health }
}

const nameOf = (status: NonNullable<AiStatusSnapshot["status"]>, id: string): string => status.providers.find((p) => p.id === id)?.displayName ?? id

const circuitText = (view: ProviderView): string | undefined => {
  const circuit = view.guard?.circuit
  if (circuit === undefined) return undefined
  switch (circuit._tag) {
    case "Closed":
      return circuit.consecutiveFailures > 0 ? `closed (${circuit.consecutiveFailures} failures in a row)` : "closed"
    case "Open":
      return `open: skipped until ${new Date(circuit.retryAt).toLocaleTimeString()}`
    case "HalfOpen":
      return "half-open: one trial request decides"
  }
}

const rateText = (view: ProviderView): string | undefined => {
  const rate = view.guard?.rateLimit
  if (rate === undefined) return undefined
  const parts = [
    rate.requestsPerMinute !== undefined ? `${rate.availableRequests ?? 0} of ${rate.requestsPerMinute} requests/min free` : "no request limit",
    `${rate.inFlight} in flight`,
    rate.queued > 0 ? `${rate.queued} waiting` : undefined
  ]
  return parts.filter(Boolean).join(", ")
}

const budgetText = (budget: BudgetStatus | null): string | undefined => {
  const parts = [
    budget?.daily !== undefined ? `Today ${formatUsd(budget.daily.spentUsd)} of ${formatUsd(budget.daily.limitUsd)}` : undefined,
    budget?.monthly !== undefined ? `This month ${formatUsd(budget.monthly.spentUsd)} of ${formatUsd(budget.monthly.limitUsd)}` : undefined
  ].filter((p) => p !== undefined)
  return parts.length > 0 ? parts.join(" · ") : undefined
}

const ProviderDetails = ({ view }: { readonly view: ProviderView }) => {
  const health = healthOf(view)
  const lastError = view.health?.lastError ?? (view.guard?.circuit._tag === "Open" ? view.guard.circuit.lastError : undefined)
  const rows: ReadonlyArray<readonly [string, string | undefined]> = [
    ["Model", view.model],
    ["Check latency", view.health?.latencyMs !== undefined ? formatMs(view.health.latencyMs) : undefined],
    ["Last error", lastError ?? view.problem],
    ["Circuit", circuitText(view)],
    ["Rate limit", rateText(view)]
  ]
  return (
    <li className="border-t border-gray-700 pt-2 first:border-t-0 first:pt-0">
      <p className="flex items-center gap-2 font-semibold">
        <span className={`inline-block h-2 w-2 rounded-full ${dot[health]}`} aria-hidden />
        {view.displayName}
        {view.active ? " (active)" : ""}: {healthWords[health]}
      </p>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-gray-300">
        {rows.filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-gray-400">{k}</dt>
            <dd className="break-words">{v}</dd>
          </div>
        ))}
      </dl>
    </li>
  )
}

/**
 * The status bar item. It follows the bridge in use ({@link useAiStatus}); the popover opens
 * with Enter or Space on the item, and closes with Escape, its close button or a click outside,
 * giving the focus back to the item.
 *
 * @since 0.1.0
 * @category Components
 */
export const AiStatusIndicator = (options: StatusOptions) => {
  const snapshot = useAiStatus(options)
  const { error, fallback, status } = snapshot
  const [open, setOpen] = useState(false)
  const popoverId = useId()
  const root = useRef<HTMLDivElement>(null)
  const trigger = useRef<HTMLButtonElement>(null)
  const dialog = useRef<HTMLDivElement>(null)
  const { health, text } = summary(snapshot)

  const close = (): void => {
    setOpen(false)
    trigger.current?.focus()
  }

  useEffect(() => {
    if (!open) return
    dialog.current?.focus()
    const outside = (e: MouseEvent): void => {
      if (root.current !== null && !root.current.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener("mousedown", outside)
    return () => document.removeEventListener("mousedown", outside)
  }, [open])

  const configured = status?.providers.filter((p) => p.configured) ?? []
  const spending = budgetText(status?.budget ?? null)

  return (
    <div
      ref={root}
      className="relative inline-flex text-xs text-gray-600 dark:text-gray-400"
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          e.stopPropagation()
          close()
        }
      }}
    >
      <div role="status" aria-label="AI status">
        <button
          ref={trigger}
          type="button"
          className="inline-flex items-center gap-1.5 rounded px-1 hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500 dark:hover:text-gray-200"
          aria-haspopup="dialog"
          aria-expanded={open}
          aria-controls={open ? popoverId : undefined}
          onClick={() => setOpen((o) => !o)}
        >
          <span className={`inline-block h-2 w-2 rounded-full ${dot[health]}`} aria-hidden />
          {text}
        </button>
      </div>
      {open
        ? (
          <div
            ref={dialog}
            id={popoverId}
            role="dialog"
            aria-label="AI providers"
            tabIndex={-1}
            className="absolute bottom-full left-0 z-50 mb-2 w-80 rounded-lg bg-gray-800 p-3 text-xs text-white shadow-lg focus:outline-none dark:bg-gray-950"
          >
            <div className="mb-2 flex items-center justify-between">
              <p className="font-semibold">AI providers</p>
              <button type="button" className="rounded p-0.5 hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500" aria-label="Close" onClick={close}>
                <X size={14} aria-hidden />
              </button>
            </div>
            {error !== undefined ? <p className="mb-2 text-red-300">The status could not be read: {error}</p> : null}
            {fallback !== undefined && status !== undefined
              ? (
                <p className="mb-2 text-yellow-200">
                  {nameOf(status, fallback.provider)} is serving
                  {fallback.instead !== null ? ` in place of ${nameOf(status, fallback.instead)}` : ""}
                  {fallback.reason !== null ? `: ${fallback.reason}` : ""}
                </p>
              )
              : null}
            {configured.length === 0
              ? <p>No provider is configured.</p>
              : <ul className="space-y-2">{configured.map((view) => <ProviderDetails key={view.id} view={view} />)}</ul>}
            {spending !== undefined ? <p className="mt-2 border-t border-gray-700 pt-2 text-gray-300">{spending}</p> : null}
          </div>
        )
        : null}
    </div>
  )
}
