/**
 * How each provider and model family is prompted: the prompt's layout, the instructions' length,
 * few-shot examples, the temperature for SQL and the structured-output mode, in one table
 * ({@link table}) a reader can see at once, and the one function that decides a model's family
 * ({@link familyOf}).
 *
 * Why families: a large hosted model follows long, precise instructions and a JSON schema; a
 * reasoning model does better with short, direct instructions and refuses sampling parameters
 * (OpenAI) or loops below its default temperature (Gemini 3); a small local model (up to ~8B
 * parameters) drifts from long rule lists and copies the shape of a worked example far more
 * reliably than it follows a description of that shape; DeepSeek-R1-style models want no system
 * prompt and a temperature near 0.6 (DeepSeek's own usage notes), and a JSON grammar would cut
 * their thinking off.
 *
 * @since 0.1.0
 */
import type { ProviderId } from "./ProviderId.js"

/**
 * A model family: `hosted` (large hosted models, the default of the cloud APIs), `reasoning`
 * (models that think before they answer: OpenAI o-series and GPT-5, Gemini 2.5+ thinking models,
 * DeepSeek-R1-like local models) or `small` (up to ~8B parameters: most Ollama models people pull,
 * the small Workers AI models; Gemma on the Gemini API).
 *
 * @since 0.1.0
 * @category Models
 */
export type Family = "hosted" | "reasoning" | "small"

/**
 * How a structured answer is asked for, named after the wire field that carries it:
 *
 * - `response_format`: OpenAI and Azure `{type: "json_schema", json_schema: {name, strict, schema}}`;
 *   Workers AI `{type: "json_schema", json_schema: schema}`;
 * - `responseJsonSchema`: Gemini `generationConfig.responseMimeType: "application/json"` plus the
 *   JSON Schema (the v1beta field that takes JSON Schema as is, not the OpenAPI subset);
 * - `tool_use`: Anthropic, one tool whose `input_schema` is the answer's schema, forced with
 *   `tool_choice`; the answer is the `tool_use` block's `input`;
 * - `format`: Ollama `format: <JSON Schema>`;
 * - `none`: text only, read by `AnswerParser`.
 *
 * @since 0.1.0
 * @category Models
 */
export type StructuredMode = "response_format" | "responseJsonSchema" | "tool_use" | "format" | "none"

/**
 * How one family is prompted on one provider.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Profile {
  readonly family: Family
  /** `system+user`, or `user-only` for models that ignore or refuse a system prompt (its text then opens the user message). */
  readonly layout: "system+user" | "user-only"
  /** `full` rules, or `short` ones for reasoning and small models. */
  readonly instructions: "full" | "short"
  /** Whether one worked example per task (over a tiny schema) follows the instructions, in the system prompt (or the user message's head, `user-only`). */
  readonly fewShot: boolean
  /** The temperature for SQL when the user set none in the provider's config; `undefined` sends none (the model's default). */
  readonly temperature: number | undefined
  /** How the structured answer is asked for on whole (not streamed) calls. */
  readonly structured: StructuredMode
}

const row = (
  family: Family,
  layout: Profile["layout"],
  instructions: Profile["instructions"],
  fewShot: boolean,
  temperature: number | undefined,
  structured: StructuredMode
): Profile => ({ family, layout, instructions, fewShot, temperature, structured })

const S = "system+user"
const U = "user-only"
const none = undefined

/**
 * The table. Columns: family, layout, instructions, few-shot, temperature for SQL (`none`: not
 * sent), structured output. Notes on the cells that are not obvious:
 *
 * - OpenAI / Azure `reasoning`: sampling parameters are rejected (400), so no temperature.
 *   `small` is reached through an OpenAI-compatible server (`baseUrl`) running a small model.
 * - Anthropic `reasoning`: not reached today (the provider never turns extended thinking on);
 *   if it were, a forced `tool_choice` is refused alongside thinking, hence `none`. Anthropic's
 *   temperature is further limited by the API version and model (`Anthropic.sendsTemperature`).
 * - Gemini `reasoning`: Google advises keeping Gemini 3's default temperature (1.0): lower values
 *   can make it loop. Gemini `small` is Gemma served by the Gemini API, which refuses both a
 *   system instruction and JSON mode.
 * - Ollama / Workers AI `reasoning` (DeepSeek-R1-like): no system prompt, temperature 0.6, no
 *   grammar-constrained output (it would suppress the thinking the answer depends on).
 * - Workers AI `response_format`: only for the models Workers AI lists for JSON mode
 *   ({@link cloudflareJsonMode}); others get `none` (see {@link profileFor}).
 *
 * @since 0.1.0
 * @category Constants
 */
export const table: Readonly<Record<ProviderId, Readonly<Record<Family, Profile>>>> = {
  //                          family       layout instr.    few-shot temp  structured
  openai: {
    hosted: /*            */ row("hosted", S, "full", false, 0, "response_format"),
    reasoning: /*         */ row("reasoning", S, "short", false, none, "response_format"),
    small: /*             */ row("small", S, "short", true, 0, "response_format")
  },
  "azure-openai": {
    hosted: /*            */ row("hosted", S, "full", false, 0, "response_format"),
    reasoning: /*         */ row("reasoning", S, "short", false, none, "response_format"),
    small: /*             */ row("small", S, "short", true, 0, "response_format")
  },
  anthropic: {
    hosted: /*            */ row("hosted", S, "full", false, 0, "tool_use"),
    reasoning: /*         */ row("reasoning", S, "short", false, none, "none"),
    small: /*             */ row("small", S, "short", true, 0, "tool_use")
  },
  gemini: {
    hosted: /*            */ row("hosted", S, "full", false, 0, "responseJsonSchema"),
    reasoning: /*         */ row("reasoning", S, "short", false, none, "responseJsonSchema"),
    small: /*             */ row("small", U, "short", true, 0, "none")
  },
  ollama: {
    hosted: /*            */ row("hosted", S, "full", false, 0, "format"),
    reasoning: /*         */ row("reasoning", U, "short", false, 0.6, "none"),
    small: /*             */ row("small", S, "short", true, 0, "format")
  },
  cloudflare: {
    hosted: /*            */ row("hosted", S, "full", false, 0, "response_format"),
    reasoning: /*         */ row("reasoning", U, "short", false, 0.6, "none"),
    small: /*             */ row("small", S, "short", true, 0, "response_format")
  }
}

/**
 * The profile used where no model is known (a prompt built without a budget: tests, tools): the
 * full text prompt of a hosted model, with no structured output.
 *
 * @since 0.1.0
 * @category Constants
 */
export const standard: Profile = { ...table.openai.hosted, structured: "none" }

// ---------------------------------------------------------------------------
// Families
// ---------------------------------------------------------------------------

/**
 * OpenAI's reasoning models: the o-series and GPT-5, except GPT-5's chat variants (which take a
 * temperature like GPT-4). Fine-tuned ids (`ft:o4-mini:...`) count as their base.
 *
 * @since 0.1.0
 * @category Families
 */
export const isOpenAiReasoning = (model: string): boolean => {
  const m = model.trim().toLowerCase().replace(/^ft:/, "")
  return /^o\d/.test(m) || (/^gpt-5/.test(m) && !/chat/.test(m))
}

/**
 * Gemini models that think by default: 2.5, 3.x and later, and the `-latest` aliases (which point
 * at current, thinking, models). Tuned models (`tunedModels/...`) do not count: their base is
 * unknown.
 *
 * @since 0.1.0
 * @category Families
 */
export const isGeminiThinking = (model: string): boolean => {
  const m = model.trim().toLowerCase()
  return /^gemini-(?:2\.5|[3-9]|\d{2,})/.test(m) || /^gemini-[a-z-]*latest$/.test(m)
}

// DeepSeek-R1 and its distills, QwQ and other "think first" open models, as local tags and
// Workers AI ids name them.
const LOCAL_REASONING = /deepseek-r1|(?:^|[/:_-])r1(?:[:_.-]|$)|(?:^|[/:_-])qwq(?:[:_.-]|$)|reasoning|openthinker|marco-o1|magistral/

/**
 * Whether an open model (Ollama tag, Workers AI id) is a DeepSeek-R1-like reasoning model.
 *
 * @since 0.1.0
 * @category Families
 */
export const isLocalReasoning = (model: string): boolean => LOCAL_REASONING.test(model.trim().toLowerCase())

// Parameter counts written into ids: `:3b`, `-8b-`, `:8x7b` (a mixture: 56), `:e4b` (Gemma 3n's
// effective size), `:135m`. The first one counts (`llama-4-scout-17b-16e`: 17).
const SIZE = /(?<=^|[/:_-])e?(\d+(?:\.\d+)?)(?:x(\d+(?:\.\d+)?))?([bm])(?=$|[/:_.-])/

/**
 * The parameter count, in billions, an id spells (`qwen2.5-coder:7b` → 7,
 * `@cf/meta/llama-3.2-1b-instruct` → 1, `mixtral:8x7b` → 56, `smollm:135m` → 0.135), or
 * `undefined` when it spells none.
 *
 * @since 0.1.0
 * @category Families
 */
export const parameterBillions = (model: string): number | undefined => {
  const m = SIZE.exec(model.trim().toLowerCase())
  if (m === null) return undefined
  const n = Number(m[1]) * (m[2] === undefined ? 1 : Number(m[2]))
  return m[3] === "m" ? n / 1000 : n
}

/**
 * The size Ollama's library pulls for a name without a size tag (`llama3.2` and
 * `llama3.2:latest` are the 3B model). Names not listed here are of unknown size.
 *
 * @since 0.1.0
 * @category Families
 */
export const ollamaDefaultSizes: Readonly<Record<string, number>> = {
  "llama3.2": 3,
  "llama3.1": 8,
  llama3: 8,
  llama2: 7,
  "llama3.3": 70,
  mistral: 7,
  "mistral-nemo": 12,
  "mistral-small": 24,
  mixtral: 47,
  phi3: 3.8,
  "phi3.5": 3.8,
  "phi4-mini": 3.8,
  phi4: 14,
  gemma: 7,
  gemma2: 9,
  gemma3: 4,
  codegemma: 7,
  qwen2: 7,
  "qwen2.5": 7,
  "qwen2.5-coder": 7,
  qwen3: 8,
  codellama: 7,
  "deepseek-coder": 1.3,
  starcoder2: 3,
  sqlcoder: 15,
  "duckdb-nsql": 7,
  tinyllama: 1.1,
  smollm2: 1.7,
  "granite3.3": 8,
  "command-r": 35,
  "gpt-oss": 20
}

/** The largest model that counts as small. */
const SMALL_MAX_BILLIONS = 8

const bySize = (billions: number | undefined, unknown: Family): Family =>
  billions === undefined ? unknown : billions <= SMALL_MAX_BILLIONS ? "small" : "hosted"

const ollamaSize = (model: string): number | undefined => {
  const m = model.trim().toLowerCase()
  const spelled = parameterBillions(m)
  if (spelled !== undefined) return spelled
  const [name = "", tag = "latest"] = m.split(":")
  // A size-less tag other than `latest` (`:instruct`, `:q4_K_M`) is still the default size.
  return tag === "latest" || !/\d+(?:\.\d+)?[bm]/.test(tag) ? ollamaDefaultSizes[name.split("/").pop() ?? name] : undefined
}

/**
 * The family of a model, from its provider and id, by these rules in order:
 *
 * - `openai`, `azure-openai`: o-series and GPT-5 (not `*-chat*`) are `reasoning`
 *   ({@link isOpenAiReasoning}); an id that spells ≤ 8B parameters (a small model behind an
 *   OpenAI-compatible `baseUrl`) is `small`; anything else is `hosted`.
 * - `anthropic`: always `hosted` (Haiku included: it follows long instructions and tool schemas;
 *   the provider never turns extended thinking on).
 * - `gemini`: Gemma (`gemma-*`) is `small`; 2.5+ thinking models are `reasoning`
 *   ({@link isGeminiThinking}); others (2.0, tuned models) are `hosted`.
 * - `ollama`: DeepSeek-R1-like tags are `reasoning` ({@link isLocalReasoning}); `*-cloud` tags
 *   (run on ollama.com) are `hosted`; otherwise by size, spelled in the tag or the library's
 *   default for the name ({@link ollamaDefaultSizes}): ≤ 8B `small`, larger `hosted`; unknown
 *   names are `small` (most models pulled to a laptop are).
 * - `cloudflare`: R1-like ids are `reasoning`; otherwise by the size in the id (≤ 8B `small`);
 *   ids without one are `hosted` (the catalogue's large models).
 *
 * `reasoning` (a provider setting: OpenAI's and Azure's `reasoning`, Gemini's
 * `thinkingBudget: 0`) overrides the name rules where given.
 *
 * @since 0.1.0
 * @category Families
 */
export const familyOf = (provider: ProviderId, model: string, reasoning?: boolean | undefined): Family => {
  const m = model.trim().toLowerCase()
  const named = ((): Family => {
    switch (provider) {
      case "openai":
      case "azure-openai":
        return isOpenAiReasoning(m) ? "reasoning" : bySize(parameterBillions(m), "hosted")
      case "anthropic":
        return "hosted"
      case "gemini":
        return /^(?:models\/)?gemma/.test(m) ? "small" : isGeminiThinking(m) ? "reasoning" : "hosted"
      case "ollama":
        return isLocalReasoning(m) ? "reasoning" : /-cloud$/.test(m) ? "hosted" : bySize(ollamaSize(m), "small")
      case "cloudflare":
        return isLocalReasoning(m) ? "reasoning" : bySize(parameterBillions(m), "hosted")
    }
  })()
  if (reasoning === true) return "reasoning"
  if (reasoning === false && named === "reasoning") return provider === "ollama" || provider === "cloudflare" ? "small" : "hosted"
  return named
}

/**
 * The Workers AI models that take `response_format` (Cloudflare's "JSON Mode" page, less the ids
 * retired on 2026-05-30, see `ModelLifecycle`). Others answer such a request with an error or
 * ignore it, so they get text prompts.
 *
 * @since 0.1.0
 * @category Constants
 */
export const cloudflareJsonModels: ReadonlyArray<string> = [
  "@cf/meta/llama-3.1-8b-instruct-fast",
  "@cf/meta/llama-3.1-8b-instruct-fp8-fast",
  "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
  "@cf/meta/llama-3.2-11b-vision-instruct",
  "@hf/thebloke/deepseek-coder-6.7b-instruct-awq",
  "@cf/deepseek-ai/deepseek-r1-distill-qwen-32b"
]

/**
 * Whether a Workers AI model takes `response_format` ({@link cloudflareJsonModels}).
 *
 * @since 0.1.0
 * @category Families
 */
export const cloudflareJsonMode = (model: string): boolean => cloudflareJsonModels.includes(model.trim().toLowerCase())

/**
 * The profile of a model: its family's row of {@link table}, with the structured output turned
 * off where the model cannot take it (a Workers AI model outside the JSON-mode list).
 *
 * @since 0.1.0
 * @category Functions
 */
export const profileFor = (provider: ProviderId, model: string, reasoning?: boolean | undefined): Profile => {
  const profile = table[provider][familyOf(provider, model, reasoning)]
  return provider === "cloudflare" && profile.structured !== "none" && !cloudflareJsonMode(model)
    ? { ...profile, structured: "none" }
    : profile
}

/**
 * The temperature a chat request carries: the user's, when their config sets one explicitly
 * (a Schema default is not the user's choice), else the profile's; `undefined` sends none.
 *
 * @since 0.1.0
 * @category Functions
 */
export const temperatureFor = (profile: Profile, userSet: number | undefined): number | undefined =>
  userSet ?? profile.temperature
