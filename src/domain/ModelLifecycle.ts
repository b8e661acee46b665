/**
 * Which model ids the providers have retired, and when the defaults were last reviewed.
 *
 * A retired id only ever gets a 404 from the real API, so a configuration naming one is refused
 * when it is entered (or loaded: a stored row then disables its provider with the reason), and
 * the emulators refuse it as the real APIs do. Ollama serves whatever the user pulled and Azure
 * names deployments, so neither has a table.
 *
 * @since 0.1.0
 */
import type { ProviderId } from "./ProviderId.js"

/**
 * The day the default models and the retirement table were last checked against each
 * provider's published model list and deprecation page (README "Default models" says the same).
 *
 * @since 0.1.0
 * @category Constants
 */
export const reviewed = "2026-12-05"

/**
 * A retired model id, or a family of them.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Retirement {
  /** The exact ids retired. */
  readonly ids: ReadonlyArray<string>
  /** Id prefixes retired as a family (`gemini-1.` covers every Gemini 1.0 and 1.5 id). */
  readonly prefixes?: ReadonlyArray<string>
  /** The shutdown date the provider published, when known (`YYYY-MM-DD`). */
  readonly on: string | undefined
  /** What to use instead. */
  readonly replacement: string
}

/**
 * The retired ids per provider, from each provider's deprecation page (and, for Anthropic, the
 * end-of-life dates its SDK publishes).
 *
 * @since 0.1.0
 * @category Constants
 */
export const retired: Readonly<Record<ProviderId, ReadonlyArray<Retirement>>> = {
  openai: [
    { ids: ["gpt-4-vision-preview", "gpt-4-1106-vision-preview"], on: "2024-12-06", replacement: "gpt-4.1-mini" },
    { ids: [], prefixes: ["gpt-4-32k"], on: "2025-06-06", replacement: "gpt-4.1" },
    { ids: ["gpt-4.5-preview", "gpt-4.5-preview-2025-02-27"], on: "2025-07-14", replacement: "gpt-4.1" }
  ],
  anthropic: [
    { ids: ["claude-2.0", "claude-2.1", "claude-3-sonnet-20240229"], prefixes: ["claude-instant-"], on: "2025-07-21", replacement: "claude-sonnet-5" },
    { ids: ["claude-3-opus-20240229", "claude-3-opus-latest"], on: "2026-01-05", replacement: "claude-opus-5" },
    { ids: ["claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest"], on: "2026-02-19", replacement: "claude-sonnet-5" },
    { ids: ["claude-sonnet-4-5", "claude-sonnet-4-5-20250929"], on: "2026-11-30", replacement: "claude-sonnet-5" }
  ],
  // Google routes 2.5 Flash and Pro to 3.x models since 2026-12-01 rather than refusing them (the
  // answer's model says which served), so they are not listed.
  gemini: [
    { ids: ["gemini-pro", "gemini-pro-vision"], prefixes: ["gemini-1."], on: undefined, replacement: "gemini-3.5-flash" },
    { ids: [], prefixes: ["gemini-2.0-"], on: "2026-06-01", replacement: "gemini-3.5-flash" }
  ],
  // Cloudflare's 2026-05-08 changelog; `@cf/moonshotai/kimi-k2.5` is aliased to k2.6, not refused.
  cloudflare: [
    {
      ids: [
        "@hf/meta-llama/meta-llama-3-8b-instruct",
        "@cf/meta/llama-3-8b-instruct",
        "@cf/meta/llama-3-8b-instruct-awq",
        "@cf/meta/llama-3.1-8b-instruct",
        "@cf/meta/llama-3.1-8b-instruct-awq",
        "@cf/meta/llama-2-7b-chat-int8",
        "@cf/meta/llama-2-7b-chat-fp16",
        "@cf/mistral/mistral-7b-instruct-v0.1",
        "@hf/mistral/mistral-7b-instruct-v0.2",
        "@hf/google/gemma-7b-it",
        "@cf/google/gemma-3-12b-it",
        "@hf/nousresearch/hermes-2-pro-mistral-7b",
        "@cf/microsoft/phi-2",
        "@cf/defog/sqlcoder-7b-2"
      ],
      on: "2026-05-30",
      replacement: "@cf/zai-org/glm-4.7-flash"
    },
    // DB Toolkit's own default until then.
    { ids: ["@cf/meta/llama-3.1-70b-instruct"], on: "2026-05-30", replacement: "@cf/meta/llama-3.3-70b-instruct-fp8-fast" }
  ],
  ollama: [],
  "azure-openai": []
}

/**
 * The retirement covering a model id, if any.
 *
 * @since 0.1.0
 * @category Functions
 */
export const retirement = (provider: ProviderId, model: string): Retirement | undefined =>
  retired[provider].find((r) => r.ids.includes(model) || (r.prefixes ?? []).some((p) => model.startsWith(p)))

/**
 * Why a retired id cannot be used, for a `ConfigInvalid` on `model`.
 *
 * @since 0.1.0
 * @category Functions
 */
export const retiredReason = (model: string, r: Retirement): string =>
  `names ${model}, which the provider retired${r.on === undefined ? "" : ` on ${r.on}`}; use ${r.replacement} or another current model`
