/**
 * How numbers read in the components: durations, money, counts and shares.
 *
 * @since 0.1.0
 */
import type { ProviderId } from "../domain/ProviderId.js"

/**
 * A duration: `850 ms`, `1.2 s`.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const formatMs = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? "—" : ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`

/**
 * US dollars, with enough digits for the fractions of a cent a request costs.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const formatUsd = (usd: number | null | undefined): string =>
  usd === null || usd === undefined ? "unknown" : usd === 0 ? "$0" : usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`

/**
 * A count with thousands separators.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const formatCount = (n: number): string => n.toLocaleString("en-US")

/**
 * A count with its noun, singular for one: `1 request`, `12 requests`.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const formatCountOf = (n: number, noun: string): string => `${formatCount(n)} ${n === 1 ? noun : `${noun}s`}`

/**
 * A size in bytes: `698 B`, `4.5 KB`, `1.2 MB`.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const formatBytes = (bytes: number): string =>
  bytes < 1_024 ? `${bytes} B` : bytes < 1_048_576 ? `${(bytes / 1_024).toFixed(1)} KB` : `${(bytes / 1_048_576).toFixed(1)} MB`

/**
 * A share as a percentage: `97.5%`.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const formatPercent = (share: number | null | undefined): string =>
  share === null || share === undefined ? "—" : `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)}%`

/**
 * Each provider's name as a person reads it: the main side's `displayName`, repeated here
 * because the renderer loads no runtime code of the library (a test keeps the two equal).
 *
 * @since 0.1.0
 * @category Formatting
 */
export const providerNames: Readonly<Record<ProviderId, string>> = {
  cloudflare: "Cloudflare Workers AI",
  openai: "OpenAI",
  ollama: "Ollama",
  anthropic: "Anthropic",
  "azure-openai": "Azure OpenAI",
  gemini: "Google Gemini"
}

/**
 * A provider's name, or its id when it is not one this version knows.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const providerName = (id: string): string => (providerNames as Readonly<Record<string, string>>)[id] ?? id
