/**
 * Under an assistant's answer: which provider and model wrote it, how long it took, the tokens
 * and the cost, whether a fallback served it, and whether it came from the response cache.
 *
 * @since 0.1.0
 */
import { Archive, Bot, Coins, Shuffle, Timer } from "lucide-react"
import type { ServedBy } from "../preload/types.js"
import { formatCount, formatMs, formatUsd, providerName } from "./format.js"

const item = "inline-flex items-center gap-1"

/**
 * The badge of one answer. It takes a reply of any AI channel as it is: a failed reply (no
 * provider or model) renders nothing.
 *
 * @since 0.1.0
 * @category Components
 */
export const AiAnswerBadge = ({ answer }: { readonly answer: Partial<ServedBy> | null | undefined }) => {
  if (answer?.provider === undefined || answer.model === undefined) return null
  const name = answer.provider_name ?? answer.provider
  const failed = answer.failed_providers ?? []
  return (
    <p role="group" aria-label="Answer details" className="mt-2 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-gray-500 dark:text-gray-400">
      <span className={item}>
        <Bot size={12} aria-hidden />
        <span className="font-medium text-gray-700 dark:text-gray-300">{name}</span>
        <span>{answer.model}</span>
      </span>
      {answer.latency_ms !== undefined
        ? <span className={item}><Timer size={12} aria-hidden /><span className="sr-only">Latency</span>{formatMs(answer.latency_ms)}</span>
        : null}
      {answer.usage !== undefined
        ? <span className={item}>{formatCount(answer.usage.input_tokens)} in / {formatCount(answer.usage.output_tokens)} out tokens</span>
        : null}
      {answer.cost !== undefined
        ? <span className={item}><Coins size={12} aria-hidden /><span className="sr-only">Cost</span>{answer.cost.usd === null ? "cost unknown" : formatUsd(answer.cost.usd)}</span>
        : null}
      {answer.cached === true
        ? <span className="inline-flex items-center gap-1 rounded-full bg-gray-100 px-2 py-0.5 font-medium text-gray-700 dark:bg-gray-700 dark:text-gray-300"><Archive size={12} aria-hidden />Cached: no provider asked</span>
        : null}
      {answer.fallback === true
        ? (
          <span
            className="inline-flex items-center gap-1 rounded-full bg-yellow-100 px-2 py-0.5 font-medium text-yellow-800 dark:bg-yellow-900/40 dark:text-yellow-200"
            title={failed.map((f) => f.error).join("\n") || undefined}
          >
            <Shuffle size={12} aria-hidden />
            Fallback{failed.length > 0 ? `: ${failed.map((f) => providerName(f.provider)).join(", ")} failed first` : ""}
          </span>
        )
        : null}
    </p>
  )
}
