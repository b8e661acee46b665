/**
 * The providers this library speaks to.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The id of a provider: the key used in settings, metrics, spans and errors.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ProviderId = Schema.Literal("cloudflare", "openai", "ollama", "anthropic", "azure-openai", "gemini").annotations({
  message: () => ({ message: "must be one of cloudflare, openai, ollama, anthropic, azure-openai, gemini", override: true })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type ProviderId = typeof ProviderId.Type

/**
 * Every provider id, in the order a settings screen lists them.
 *
 * @since 0.1.0
 * @category Constants
 */
export const all: ReadonlyArray<ProviderId> = ProviderId.literals

/**
 * A provider's name as a person reads it.
 *
 * @since 0.1.0
 * @category Constants
 */
export const displayName: Readonly<Record<ProviderId, string>> = {
  cloudflare: "Cloudflare Workers AI",
  openai: "OpenAI",
  ollama: "Ollama",
  anthropic: "Anthropic",
  "azure-openai": "Azure OpenAI",
  gemini: "Google Gemini"
}

/**
 * Whether a string is a provider id.
 *
 * @since 0.1.0
 * @category Guards
 */
export const is: (u: unknown) => u is ProviderId = Schema.is(ProviderId)
