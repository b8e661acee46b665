/**
 * How many tokens a model reads at once, prompt and answer together: one table for every
 * provider, so the schema a prompt carries can fill what is left of the window and never more.
 *
 * The values are the providers' published windows for the models this library defaults to and
 * their close relatives (matched by the start of the model id); anything else gets its provider's
 * fallback, and a provider without one {@link defaultContextWindow}, small enough for any model a
 * user may name. A configured window (Ollama's `num_ctx`) wins over the table.
 *
 * @since 0.1.0
 */
import type { ProviderId } from "./ProviderId.js"

/**
 * The window assumed for a model the table does not know: 8,192 tokens, which every chat model
 * still served has.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultContextWindow = 8_192

interface Windows {
  /** Model id prefixes (lowercased) and their windows, the first match wins. */
  readonly models: ReadonlyArray<readonly [prefix: string, tokens: number]>
  /** The window of any other model of the provider. */
  readonly otherwise: number
}

const openAiModels: Windows["models"] = [
  ["gpt-4.1", 1_047_576],
  ["gpt-5", 400_000],
  ["o1", 200_000],
  ["o3", 200_000],
  ["o4", 200_000],
  ["gpt-4o", 128_000],
  ["chatgpt-4o", 128_000],
  ["gpt-4-turbo", 128_000],
  ["gpt-3.5-turbo", 16_385]
]

/**
 * Every provider's windows. Azure deployments are matched by their name, which is usually the
 * model's id; Ollama runs every model with the server's `num_ctx` (4,096 by default) unless the
 * provider's `contextWindow` setting says otherwise, whatever the model could take.
 *
 * @since 0.1.0
 * @category Constants
 */
export const windows: Readonly<Record<ProviderId, Windows>> = {
  openai: { models: openAiModels, otherwise: defaultContextWindow },
  "azure-openai": { models: openAiModels, otherwise: defaultContextWindow },
  anthropic: { models: [["claude", 200_000]], otherwise: 200_000 },
  gemini: {
    models: [["gemini-1.0", 32_768], ["gemini-", 1_048_576], ["models/gemini-", 1_048_576]],
    otherwise: defaultContextWindow
  },
  cloudflare: {
    models: [
      ["@cf/meta/llama-3.3-70b-instruct", 24_000],
      ["@cf/meta/llama-4-scout", 131_000],
      ["@cf/meta/llama-3.1-8b-instruct", 7_968]
    ],
    otherwise: defaultContextWindow
  },
  ollama: { models: [], otherwise: 4_096 }
}

/**
 * The context window of a provider's model, in tokens: `configured` when the provider's settings
 * set one, else the table's value.
 *
 * @since 0.1.0
 * @category Functions
 */
export const of = (provider: ProviderId, model: string, configured?: number | undefined): number => {
  if (configured !== undefined && Number.isFinite(configured) && configured > 0) return Math.floor(configured)
  const w = windows[provider]
  const id = model.trim().toLowerCase()
  for (const [prefix, tokens] of w.models) if (id.startsWith(prefix)) return tokens
  return w.otherwise
}
