/**
 * What a call costs, in US dollars, from its token usage. Sources, in order:
 *
 * 1. the user's overrides per model (settings), which win over everything;
 * 2. Ollama: free (local models; Ollama's cloud models are billed by subscription, not per token);
 * 3. Cloudflare Workers AI: the model's neuron rates ({@link cloudflareNeurons}) at
 *    {@link usdPerNeuron}; the free daily allocation is not subtracted;
 * 4. OpenAI, Anthropic, Gemini, Azure OpenAI: the data bundled with `@pydantic/genai-prices`.
 *    Only the bundled data is used: this library never calls its `updatePrices`, so pricing works
 *    offline and does not change under a running app.
 *
 * A model none of them knows costs `undefined` (source `"unknown"`), never 0.
 *
 * Azure: a deployment name is not a model id. Price with the model the response reports (for
 * example `gpt-4.1-mini-2025-04-14`); genai-prices then uses Azure's global standard rates (the
 * OpenAI list prices); regional and provisioned deployments differ, so set an override for them.
 * A deployment named after its model (`gpt-4o`) is priced before the call as that model; any
 * other name is unknown until the response tells the model.
 *
 * Importing this module parses genai-prices' bundled table (~30 ms, a few MB), the price of a
 * synchronous `price`.
 *
 * @since 0.1.0
 */
import { calcPrice } from "@pydantic/genai-prices"
import { Either, ParseResult, Schema } from "effect"
import { ProviderId } from "./ProviderId.js"
import type { Usage } from "./SqlTask.js"

// ---------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------

/**
 * Where a cost came from; `cache`: an answer the response cache served, which cost nothing.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const CostSource = Schema.Literal("override", "genai-prices", "cloudflare-neurons", "free", "cache", "unknown")

/**
 * @since 0.1.0
 * @category Models
 */
export type CostSource = typeof CostSource.Type

/**
 * A cost in US dollars. `usd` is undefined exactly when the price is unknown.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Cost = Schema.Struct({
  usd: Schema.UndefinedOr(Schema.NonNegative),
  source: CostSource
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Cost = typeof Cost.Type

/**
 * The cost of a model nobody has a price for.
 *
 * @since 0.1.0
 * @category Constants
 */
export const unknown: Cost = { usd: undefined, source: "unknown" }

// ---------------------------------------------------------------------------
// Overrides
// ---------------------------------------------------------------------------

const Rate = Schema.Number.pipe(
  Schema.finite({ message: () => "must be a finite number" }),
  Schema.nonNegative({ message: () => "must be a non-negative number (USD per million tokens)" })
)

/**
 * A user's price for a model, in USD per million tokens. Without `provider` it applies to the
 * model on any provider; with it, only there (and before a provider-less override). `model`
 * matches case-insensitively, with or without a `models/` prefix or a date suffix.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const PriceOverride = Schema.Struct({
  provider: Schema.optional(ProviderId),
  model: Schema.Trim.pipe(Schema.nonEmptyString({ message: () => "must name a model" })),
  inputPerMillion: Rate,
  outputPerMillion: Rate
})

/**
 * @since 0.1.0
 * @category Models
 */
export type PriceOverride = typeof PriceOverride.Type

/**
 * A price override is invalid: `field` names the field, `index` the override in a list.
 *
 * @since 0.1.0
 * @category Errors
 */
export class PriceOverrideInvalid extends Schema.TaggedError<PriceOverrideInvalid>(
  "@db-toolkit/ai/PriceOverrideInvalid"
)("PriceOverrideInvalid", {
  field: Schema.String,
  reason: Schema.String,
  index: Schema.optional(Schema.NonNegativeInt)
}) {
  override get message(): string {
    const where = this.index === undefined ? "" : ` #${this.index + 1}`
    return `Price override${where}: ${this.field} ${this.reason}`
  }
}

const toInvalid = (error: ParseResult.ParseError, list: boolean): PriceOverrideInvalid => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  const path = issue?.path ?? []
  const [head, ...rest] = list ? path : [undefined, ...path]
  const index = typeof head === "number" ? head : undefined
  const field = rest.map(String).join(".")
  return new PriceOverrideInvalid({
    field: field === "" ? (list && index === undefined ? "overrides" : "override") : field,
    reason: issue?.message ?? "is malformed",
    ...(index === undefined ? {} : { index })
  })
}

const decodeOne = Schema.decodeUnknownEither(PriceOverride)
const decodeList = Schema.decodeUnknownEither(Schema.Array(PriceOverride))

/**
 * Checks one override, typically a settings row or a form.
 *
 * @since 0.1.0
 * @category Overrides
 */
export const decodeOverride = (input: unknown): Either.Either<PriceOverride, PriceOverrideInvalid> =>
  Either.mapLeft(decodeOne(input), (error) => toInvalid(error, false))

/**
 * Checks a list of overrides; the error names the first bad one and its field.
 *
 * @since 0.1.0
 * @category Overrides
 */
export const decodeOverrides = (input: unknown): Either.Either<ReadonlyArray<PriceOverride>, PriceOverrideInvalid> =>
  Either.mapLeft(decodeList(input), (error) => toInvalid(error, true))

// ---------------------------------------------------------------------------
// Model ids
// ---------------------------------------------------------------------------

const DATE_SUFFIX = /[-@](?:\d{4}-\d{2}-\d{2}|\d{8})$/

/**
 * A model id as prices are looked up: trimmed, lower-case, without Gemini's `models/` prefix.
 *
 * @since 0.1.0
 * @category Models ids
 */
export const normalizeModel = (model: string): string => model.trim().toLowerCase().replace(/^models\//, "")

/**
 * A model id without its date snapshot suffix (`-2024-08-06`, `-20250929`, `@20250929`).
 *
 * @since 0.1.0
 * @category Models ids
 */
export const withoutDate = (model: string): string => model.replace(DATE_SUFFIX, "")

const sameModel = (a: string, b: string): boolean => {
  const x = normalizeModel(a)
  const y = normalizeModel(b)
  return x === y || withoutDate(x) === withoutDate(y)
}

/**
 * The override that prices a model on a provider: one for that provider first, then one for any
 * provider; the first in the list wins among equals.
 *
 * @since 0.1.0
 * @category Overrides
 */
export const findOverride = (
  provider: ProviderId,
  model: string,
  overrides: ReadonlyArray<PriceOverride>
): PriceOverride | undefined => {
  const matching = overrides.filter((o) => sameModel(o.model, model))
  return matching.find((o) => o.provider === provider) ?? matching.find((o) => o.provider === undefined)
}

// ---------------------------------------------------------------------------
// Cloudflare neurons
// ---------------------------------------------------------------------------

/**
 * Cloudflare's price of a neuron: $0.011 per 1,000 neurons (Workers Paid, above the free 10,000
 * neurons a day).
 *
 * @since 0.1.0
 * @category Cloudflare
 */
export const usdPerNeuron = 0.011 / 1000

/**
 * Neurons per million tokens of one Workers AI model.
 *
 * @since 0.1.0
 * @category Cloudflare
 */
export interface NeuronRate {
  readonly inputPerMillion: number
  readonly outputPerMillion: number
}

const rate = (inputPerMillion: number, outputPerMillion: number): NeuronRate => ({ inputPerMillion, outputPerMillion })

/**
 * The Workers AI text-generation models and their neuron rates, from the "LLM model pricing"
 * table of developers.cloudflare.com/workers-ai/platform/pricing (2026; the dollar column there
 * is these rates times {@link usdPerNeuron}). Cached-input rates are left out: usage here has no
 * cached tokens. `@cf/meta/llama-3.1-8b-instruct-fast` is the catalogue's name for the table's
 * `-fp8-fast`.
 *
 * `@cf/meta/llama-3.1-70b-instruct` (DB Toolkit's old default, retired on 2026-05-30) is on
 * neither the page nor genai-prices: its cost is unknown unless the user sets an override.
 *
 * @since 0.1.0
 * @category Cloudflare
 */
export const cloudflareNeurons: Readonly<Record<string, NeuronRate>> = {
  "@cf/meta/llama-3.2-1b-instruct": rate(2457, 18252),
  "@cf/meta/llama-3.2-3b-instruct": rate(4625, 30475),
  "@cf/meta/llama-3.1-8b-instruct-fp8-fast": rate(4119, 34868),
  "@cf/meta/llama-3.1-8b-instruct-fast": rate(4119, 34868),
  "@cf/meta/llama-3.2-11b-vision-instruct": rate(4410, 61493),
  "@cf/meta/llama-3.1-70b-instruct-fp8-fast": rate(26668, 204805),
  "@cf/meta/llama-3.3-70b-instruct-fp8-fast": rate(26668, 204805),
  "@cf/deepseek-ai/deepseek-r1-distill-qwen-32b": rate(45170, 443756),
  "@cf/deepseek-ai/deepseek-v4-flash-0731": rate(40000, 120000),
  "@cf/deepseek-ai/deepseek-v4-pro-0813": rate(120000, 360000),
  "@cf/mistral/mistral-7b-instruct-v0.1": rate(10000, 17300),
  "@cf/mistralai/mistral-small-3.1-24b-instruct": rate(31876, 50488),
  "@cf/meta/llama-3.1-8b-instruct": rate(25608, 75147),
  "@cf/meta/llama-3.1-8b-instruct-fp8": rate(13778, 26128),
  "@cf/meta/llama-3.1-8b-instruct-awq": rate(11161, 24215),
  "@cf/meta/llama-3-8b-instruct": rate(25608, 75147),
  "@cf/meta/llama-3-8b-instruct-awq": rate(11161, 24215),
  "@cf/meta/llama-2-7b-chat-fp16": rate(50505, 606061),
  "@cf/meta/llama-guard-3-8b": rate(44003, 2730),
  "@cf/meta/llama-4-scout-17b-16e-instruct": rate(24545, 77273),
  "@cf/google/gemma-3-12b-it": rate(31371, 50560),
  "@cf/google/gemma-4-26b-a4b-it": rate(9091, 27273),
  "@cf/qwen/qwq-32b": rate(60000, 90909),
  "@cf/qwen/qwen2.5-coder-32b-instruct": rate(60000, 90909),
  "@cf/qwen/qwen3-30b-a3b-fp8": rate(4625, 30475),
  "@cf/qwen/qwen3.8-27b": rate(40909, 290909),
  "@cf/openai/gpt-oss-120b": rate(31818, 68182),
  "@cf/openai/gpt-oss-20b": rate(18182, 27273),
  "@cf/aisingapore/gemma-sea-lion-v4-27b-it": rate(31876, 50488),
  "@cf/ibm-granite/granite-4.0-h-micro": rate(1542, 10158),
  "@cf/zai-org/glm-4.7-flash": rate(5500, 36400),
  "@cf/zai-org/glm-5.2": rate(127273, 400000),
  "@cf/zai-org/glm-5.3": rate(127273, 400000),
  "@cf/zai-org/glm-5.3-flash": rate(13636, 45455),
  "@cf/nvidia/nemotron-3-120b-a12b": rate(45455, 136364),
  "@cf/moonshotai/kimi-k2.5": rate(54545, 272727),
  "@cf/moonshotai/kimi-k2.6": rate(86364, 363636),
  "@cf/moonshotai/kimi-k2.7-code": rate(86364, 363636)
}

const neuronRates: ReadonlyMap<string, NeuronRate> = new Map(
  Object.entries(cloudflareNeurons).map(([model, r]) => [model.toLowerCase(), r])
)

/**
 * The neuron rate of a Workers AI model, if the table has it.
 *
 * @since 0.1.0
 * @category Cloudflare
 */
export const neuronRate = (model: string): NeuronRate | undefined => neuronRates.get(normalizeModel(model))

// ---------------------------------------------------------------------------
// Pricing
// ---------------------------------------------------------------------------

/**
 * The genai-prices provider id for each provider priced from its data.
 *
 * @since 0.1.0
 * @category Pricing
 */
export const genaiPricesProvider: Readonly<Record<ProviderId, string | undefined>> = {
  openai: "openai",
  anthropic: "anthropic",
  gemini: "google",
  "azure-openai": "azure",
  cloudflare: undefined,
  ollama: undefined
}

const isCount = (n: number): boolean => Number.isFinite(n) && n >= 0

const perMillion = (usage: Usage, input: number, output: number): number =>
  (usage.inputTokens * input + usage.outputTokens * output) / 1_000_000

// genai-prices throws on usage it cannot price; a price we cannot work out is unknown.
const calc = (providerId: string, id: string, usage: Usage, at: Date | undefined) => {
  // genai-prices counts cache reads and writes inside input_tokens, as Usage does, and prices them at their rates.
  const tokens = {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    ...(usage.cachedInputTokens ? { cache_read_tokens: usage.cachedInputTokens } : {}),
    ...(usage.cacheWriteTokens ? { cache_write_tokens: usage.cacheWriteTokens } : {})
  }
  const options = at === undefined ? { providerId } : { providerId, timestamp: at }
  try {
    return calcPrice(tokens, id, options) ?? (withoutDate(id) === id ? null : calcPrice(tokens, withoutDate(id), options))
  } catch {
    return null
  }
}

// A model's rates in dollars per million tokens, when genai-prices gives it one plain price per
// unit: no tiers, no per-request fee, no price that depends on the date or the time of day. Usage
// with cached tokens is priced by genai-prices itself; audio and web searches never occur here.
interface Rates {
  readonly input: number
  readonly output: number
}
type Lookup = Rates | "unknown" | "other"

const plainRates = (found: ReturnType<typeof calc>): Lookup => {
  if (found === null) return "unknown"
  const prices = found.model.prices
  if (Array.isArray(prices)) return "other"
  for (const [key, value] of Object.entries(prices)) {
    if (value !== undefined && (typeof value !== "number" || !(key.endsWith("_mtok") || key.endsWith("_kcount")))) return "other"
  }
  const { input_mtok: input = 0, output_mtok: output = 0 } = prices as Record<string, number | undefined>
  return { input, output }
}

// Looking a model up matches its name against every model of the provider: done once per provider
// and model name (a bounded table), and repeated per call only for prices that vary.
const MAX_LOOKUPS = 512
const lookups = new Map<string, Lookup>()
const lookup = (providerId: string, id: string): Lookup => {
  const key = `${providerId}\u0000${id}`
  let found = lookups.get(key)
  if (found === undefined) {
    found = plainRates(calc(providerId, id, { inputTokens: 0, outputTokens: 0 }, undefined))
    if (lookups.size >= MAX_LOOKUPS) lookups.clear()
    lookups.set(key, found)
  }
  return found
}

const fromGenaiPrices = (providerId: string, model: string, usage: Usage, at: Date | undefined): number | undefined => {
  const id = normalizeModel(model)
  const rates = lookup(providerId, id)
  if (rates === "unknown") return undefined
  // Cached tokens have rates of their own: genai-prices prices those.
  const cached = (usage.cachedInputTokens ?? 0) > 0 || (usage.cacheWriteTokens ?? 0) > 0
  if (rates !== "other" && !cached) return perMillion(usage, rates.input, rates.output)
  return calc(providerId, id, usage, at)?.total_price
}

/**
 * The cost of a call from its usage (the provider's reported usage after the call). `at` picks
 * the price in force at that time for models whose price changed; without it, genai-prices uses
 * the current time. Usage that is negative or not a number is unknown.
 *
 * @since 0.1.0
 * @category Pricing
 */
export const price = (
  provider: ProviderId,
  model: string,
  usage: Usage,
  overrides: ReadonlyArray<PriceOverride> = [],
  at?: Date
): Cost => {
  if (!isCount(usage.inputTokens) || !isCount(usage.outputTokens)) return unknown
  const override = findOverride(provider, model, overrides)
  if (override !== undefined) {
    return { usd: perMillion(usage, override.inputPerMillion, override.outputPerMillion), source: "override" }
  }
  if (provider === "ollama") return { usd: 0, source: "free" }
  if (provider === "cloudflare") {
    const neurons = neuronRate(model)
    return neurons === undefined
      ? unknown
      : { usd: perMillion(usage, neurons.inputPerMillion, neurons.outputPerMillion) * usdPerNeuron, source: "cloudflare-neurons" }
  }
  const providerId = genaiPricesProvider[provider]
  const usd = providerId === undefined ? undefined : fromGenaiPrices(providerId, model, usage, at)
  return usd === undefined ? unknown : { usd, source: "genai-prices" }
}

/**
 * Whether a cost is known.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isKnown = (cost: Cost): cost is Cost & { readonly usd: number } => cost.usd !== undefined

/**
 * Two costs together (an answer that took two calls): unknown when either is, else from the
 * second's source.
 *
 * @since 0.1.0
 * @category Functions
 */
export const add = (a: Cost, b: Cost): Cost =>
  a.usd === undefined || b.usd === undefined ? unknown : { usd: a.usd + b.usd, source: b.source }
