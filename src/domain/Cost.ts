/**
 * The cost of a request before it is sent: its input tokens counted, its output bounded by the
 * request's max tokens. A UI can show it before the user presses send; the result of the call
 * then carries the real cost from the provider's usage (`Pricing.price`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Pricing from "./Pricing.js"
import type { ProviderId } from "./ProviderId.js"

/**
 * A cost range: `minUsd` if the model answers with nothing, `maxUsd` if it writes all of
 * `maxOutputTokens`. Both are undefined when the model's price is unknown. `inputTokensExact`
 * says whether `inputTokens` came from the model's own tokenizer (a UI shows "≈" otherwise).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Estimate = Schema.Struct({
  inputTokens: Schema.NonNegativeInt,
  inputTokensExact: Schema.Boolean,
  maxOutputTokens: Schema.NonNegativeInt,
  minUsd: Schema.UndefinedOr(Schema.NonNegative),
  maxUsd: Schema.UndefinedOr(Schema.NonNegative),
  source: Pricing.CostSource
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Estimate = typeof Estimate.Type

/**
 * What an estimate needs. `inputTokens` is the counted prompt (`TokenCounter.countChat`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface EstimateRequest {
  readonly provider: ProviderId
  readonly model: string
  readonly inputTokens: number
  /** Whether `inputTokens` is an exact count; false when not given. */
  readonly inputTokensExact?: boolean | undefined
  readonly maxOutputTokens: number
  readonly overrides?: ReadonlyArray<Pricing.PriceOverride> | undefined
  /** The time whose prices apply; genai-prices uses the current time without it. */
  readonly at?: Date | undefined
}

/**
 * The cost range of a request. Each bound is priced as a whole call, so tiered prices (a long
 * prompt on Gemini 2.5 Pro or Claude) apply as they would.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const estimate = (request: EstimateRequest): Estimate => {
  const { at, inputTokens, inputTokensExact = false, maxOutputTokens, model, overrides, provider } = request
  const min = Pricing.price(provider, model, { inputTokens, outputTokens: 0 }, overrides, at)
  const max = Pricing.price(provider, model, { inputTokens, outputTokens: maxOutputTokens }, overrides, at)
  const known = Pricing.isKnown(min) && Pricing.isKnown(max)
  return {
    inputTokens,
    inputTokensExact,
    maxOutputTokens,
    minUsd: known ? min.usd : undefined,
    maxUsd: known ? max.usd : undefined,
    source: known ? max.source : "unknown"
  }
}
