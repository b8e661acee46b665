import { describe, expect, it } from "@effect/vitest"
import { calcPrice, findProvider } from "@pydantic/genai-prices"
import { Either, Schema } from "effect"
import * as Pricing from "../../src/domain/Pricing.js"
import type { ProviderId } from "../../src/domain/ProviderId.js"

// Prices are looked up as of a fixed date, so the tests do not move with the clock.
const at = new Date("2026-06-01T00:00:00Z")

// 100k tokens stays under every tier threshold (200k for Claude and Gemini 2.5 Pro).
const perMillion = (provider: ProviderId, model: string) => ({
  input: Pricing.price(provider, model, { inputTokens: 100_000, outputTokens: 0 }, [], at).usd! * 10,
  output: Pricing.price(provider, model, { inputTokens: 0, outputTokens: 100_000 }, [], at).usd! * 10
})

const override = (o: Partial<Pricing.PriceOverride> & { model: string }): Pricing.PriceOverride => ({
  inputPerMillion: 1,
  outputPerMillion: 2,
  ...o
})

describe("Pricing.price from genai-prices' bundled data", () => {
  // PROTOCOLS.md section 9 (USD per million tokens, input / output)
  it.each([
    ["openai", "gpt-4o", 2.5, 10],
    ["openai", "gpt-4o-mini", 0.15, 0.6],
    ["openai", "gpt-4.1", 2, 8],
    ["openai", "gpt-4.1-mini", 0.4, 1.6],
    ["openai", "gpt-4.1-nano", 0.1, 0.4],
    ["openai", "gpt-5", 1.25, 10],
    ["openai", "gpt-5-mini", 0.25, 2],
    ["openai", "o4-mini", 1.1, 4.4],
    ["anthropic", "claude-sonnet-4-5", 3, 15],
    ["anthropic", "claude-haiku-4-5", 1, 5],
    ["anthropic", "claude-opus-4-1", 15, 75],
    ["gemini", "gemini-2.5-flash", 0.3, 2.5],
    ["gemini", "gemini-2.5-flash-lite", 0.1, 0.4],
    ["gemini", "gemini-2.5-pro", 1.25, 10],
    ["gemini", "gemini-2.0-flash", 0.1, 0.4]
  ] as const)("%s %s costs %s / %s", (provider, model, input, output) => {
    const rates = perMillion(provider, model)
    expect(rates.input).toBeCloseTo(input, 9)
    expect(rates.output).toBeCloseTo(output, 9)
    expect(Pricing.price(provider, model, { inputTokens: 1000, outputTokens: 1000 }, [], at).source).toBe("genai-prices")
  })

  it("prices a typical call: gpt-4o, 1,200 in and 300 out", () => {
    expect(Pricing.price("openai", "gpt-4o", { inputTokens: 1200, outputTokens: 300 }, [], at)).toEqual({
      usd: expect.closeTo(1200 * 2.5e-6 + 300 * 10e-6, 12),
      source: "genai-prices"
    })
  })

  it.each([
    ["openai", "gpt-4o-2024-08-06", "gpt-4o"],
    ["openai", "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"],
    ["anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
    ["anthropic", "claude-sonnet-4-5@20250929", "claude-sonnet-4-5"],
    ["gemini", "models/gemini-2.5-flash", "gemini-2.5-flash"],
    ["gemini", "gemini-2.5-flash-2025-06-17", "gemini-2.5-flash"],
    ["gemini", "Gemini-2.5-Flash", "gemini-2.5-flash"],
    ["gemini", "gemini-2.0-flash-001", "gemini-2.0-flash"]
  ] as const)("%s %s is priced as %s", (provider, model, base) => {
    expect(perMillion(provider, model)).toEqual(perMillion(provider, base))
  })

  it("keeps a dated snapshot's own price when it differs (gpt-4o-2024-05-13)", () => {
    expect(perMillion("openai", "gpt-4o-2024-05-13")).toEqual({ input: 5, output: 15 })
  })

  it("applies tiers: a Gemini 2.5 Pro prompt over 200k tokens costs the higher rate", () => {
    const cost = Pricing.price("gemini", "gemini-2.5-pro", { inputTokens: 300_000, outputTokens: 0 }, [], at)
    expect(cost.usd).toBeCloseTo(300_000 * 2.5e-6, 12)
  })

  it("uses the price in force at the given time (o3 was cut on 2025-06-10)", () => {
    const usage = { inputTokens: 1_000, outputTokens: 1_000 }
    expect(Pricing.price("openai", "o3", usage, [], new Date("2025-01-01T00:00:00Z")).usd).toBeCloseTo(0.01 + 0.04, 12)
    expect(Pricing.price("openai", "o3", usage, [], at).usd).toBeCloseTo(0.002 + 0.008, 12)
  })

  it("prices Azure by the model the response reports, at OpenAI's list price", () => {
    expect(perMillion("azure-openai", "gpt-4.1-mini-2025-04-14")).toEqual(perMillion("openai", "gpt-4.1-mini"))
    expect(perMillion("azure-openai", "gpt-4o")).toEqual({ input: 2.5, output: 10 })
  })

  it("costs nothing for no tokens", () => {
    expect(Pricing.price("openai", "gpt-4o", { inputTokens: 0, outputTokens: 0 }, [], at)).toEqual({
      usd: 0,
      source: "genai-prices"
    })
  })
})

describe("Pricing.price: unknown is unknown, never zero", () => {
  it.each([
    ["openai", "my-fine-model"],
    ["azure-openai", "sql-assistant-prod"],
    ["anthropic", "claude-unreleased-9"],
    ["gemini", "text-bison-unknown"],
    ["cloudflare", "@cf/meta/llama-3.1-70b-instruct"],
    ["cloudflare", "@hf/thebloke/unknown-model"]
  ] as const)("%s %s", (provider, model) => {
    const cost = Pricing.price(provider, model, { inputTokens: 1000, outputTokens: 1000 }, [], at)
    expect(cost).toEqual({ usd: undefined, source: "unknown" })
    expect(Pricing.isKnown(cost)).toBe(false)
  })

  it("is unknown for usage that is not a count", () => {
    for (const usage of [{ inputTokens: -1, outputTokens: 0 }, { inputTokens: Number.NaN, outputTokens: 0 }]) {
      expect(Pricing.price("openai", "gpt-4o", usage, [], at)).toEqual(Pricing.unknown)
      expect(Pricing.price("ollama", "llama3.2", usage)).toEqual(Pricing.unknown)
    }
    expect(Pricing.price("openai", "gpt-4o", { inputTokens: 0, outputTokens: Number.POSITIVE_INFINITY }, [], at))
      .toEqual(Pricing.unknown)
  })
})

describe("Pricing.price: Ollama and Cloudflare", () => {
  it("Ollama is free, whatever the model", () => {
    for (const model of ["llama3.2", "gpt-oss:120b-cloud", "anything"]) {
      expect(Pricing.price("ollama", model, { inputTokens: 5000, outputTokens: 5000 })).toEqual({ usd: 0, source: "free" })
    }
  })

  it("Cloudflare costs the model's neurons at $0.011 per 1,000", () => {
    // llama-3.3-70b-instruct-fp8-fast: 26,668 neurons per million input tokens, 204,805 per million output
    const cost = Pricing.price("cloudflare", "@cf/meta/llama-3.3-70b-instruct-fp8-fast", {
      inputTokens: 1_000_000,
      outputTokens: 1_000_000
    })
    expect(cost.source).toBe("cloudflare-neurons")
    expect(cost.usd).toBeCloseTo((26_668 + 204_805) * 0.011 / 1000, 9)
    // Cloudflare's dollar column for it: $0.293 + $2.253
    expect(cost.usd).toBeCloseTo(0.293 + 2.253, 2)
    const small = Pricing.price("cloudflare", "@cf/meta/llama-3.2-1b-instruct", { inputTokens: 2000, outputTokens: 500 })
    expect(small.usd).toBeCloseTo((2000 * 2457 + 500 * 18252) / 1e6 * 0.011e-3, 15)
  })

  it("matches model ids case-insensitively and knows the -fast alias", () => {
    const usage = { inputTokens: 1000, outputTokens: 1000 }
    expect(Pricing.price("cloudflare", "@CF/Meta/Llama-3.1-8B-Instruct-FP8-Fast", usage))
      .toEqual(Pricing.price("cloudflare", "@cf/meta/llama-3.1-8b-instruct-fp8-fast", usage))
    expect(Pricing.price("cloudflare", "@cf/meta/llama-3.1-8b-instruct-fast", usage))
      .toEqual(Pricing.price("cloudflare", "@cf/meta/llama-3.1-8b-instruct-fp8-fast", usage))
  })

  it("agrees with the dollar rates genai-prices bundles for every model both know (within 1%)", () => {
    let compared = 0
    for (const [model, rate] of Object.entries(Pricing.cloudflareNeurons)) {
      const theirs = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, model, { providerId: "cloudflare" })
      if (theirs === null) continue
      compared++
      expect(theirs.input_price).toBeCloseTo(rate.inputPerMillion * Pricing.usdPerNeuron, 2)
      expect(theirs.output_price).toBeCloseTo(rate.outputPerMillion * Pricing.usdPerNeuron, 2)
    }
    expect(compared).toBeGreaterThan(20)
  })
})

describe("Pricing overrides", () => {
  const usage = { inputTokens: 2_000_000, outputTokens: 1_000_000 }

  it("win over genai-prices, free Ollama and Cloudflare neurons", () => {
    const mine = [override({ model: "gpt-4o" }), override({ model: "llama3.2" }), override({ model: "@cf/meta/llama-3.1-70b-instruct" })]
    for (const [provider, model] of [["openai", "gpt-4o"], ["ollama", "llama3.2"], ["cloudflare", "@cf/meta/llama-3.1-70b-instruct"]] as const) {
      expect(Pricing.price(provider, model, usage, mine, at)).toEqual({ usd: 2 * 1 + 1 * 2, source: "override" })
    }
  })

  it("price a model genai-prices does not know, such as an Azure deployment", () => {
    const mine = [override({ provider: "azure-openai", model: "sql-assistant-prod", inputPerMillion: 3, outputPerMillion: 12 })]
    expect(Pricing.price("azure-openai", "sql-assistant-prod", usage, mine, at)).toEqual({ usd: 18, source: "override" })
  })

  it("match date-suffixed, prefixed and differently cased ids", () => {
    const mine = [override({ model: "gpt-4.1-mini" }), override({ model: "gemini-2.5-flash" })]
    expect(Pricing.price("azure-openai", "gpt-4.1-mini-2025-04-14", usage, mine, at).source).toBe("override")
    expect(Pricing.price("openai", "GPT-4.1-MINI", usage, mine, at).source).toBe("override")
    expect(Pricing.price("gemini", "models/gemini-2.5-flash", usage, mine, at).source).toBe("override")
    // a different model of the same family is not matched
    expect(Pricing.price("openai", "gpt-4.1-mini-high", usage, mine, at).source).toBe("unknown")
    expect(Pricing.price("openai", "gpt-4.1", usage, mine, at).source).toBe("genai-prices")
  })

  it("for a provider apply only there, and before provider-less ones", () => {
    const mine = [
      override({ model: "gpt-4o", inputPerMillion: 1, outputPerMillion: 1 }),
      override({ provider: "azure-openai", model: "gpt-4o", inputPerMillion: 5, outputPerMillion: 5 })
    ]
    expect(Pricing.price("azure-openai", "gpt-4o", usage, mine, at).usd).toBe(15)
    expect(Pricing.price("openai", "gpt-4o", usage, mine, at).usd).toBe(3)
    expect(Pricing.price("openai", "gpt-4o", usage, [mine[1]!], at).source).toBe("genai-prices")
  })

  it("may be zero", () => {
    const mine = [override({ model: "gpt-4o", inputPerMillion: 0, outputPerMillion: 0 })]
    expect(Pricing.price("openai", "gpt-4o", usage, mine, at)).toEqual({ usd: 0, source: "override" })
  })
})

describe("PriceOverride decoding", () => {
  const valid = { provider: "openai", model: " gpt-4o ", inputPerMillion: 2, outputPerMillion: 8 }

  it("accepts a valid override (the model trimmed) and a list of them", () => {
    expect(Pricing.decodeOverride(valid)).toEqual(Either.right({ ...valid, model: "gpt-4o" }))
    expect(Pricing.decodeOverride({ model: "x", inputPerMillion: 0, outputPerMillion: 0 })).toEqual(
      Either.right({ model: "x", inputPerMillion: 0, outputPerMillion: 0 })
    )
    expect(Either.map(Pricing.decodeOverrides([valid, valid]), (list) => list.length)).toEqual(Either.right(2))
  })

  it.each([
    [{ ...valid, inputPerMillion: -1 }, "inputPerMillion", /non-negative/],
    [{ ...valid, outputPerMillion: Number.POSITIVE_INFINITY }, "outputPerMillion", /finite/],
    [{ ...valid, outputPerMillion: Number.NaN }, "outputPerMillion", /./],
    [{ ...valid, inputPerMillion: "2.5" }, "inputPerMillion", /number/],
    [{ ...valid, model: "   " }, "model", /must name a model/],
    [{ provider: "openai", inputPerMillion: 1, outputPerMillion: 1 }, "model", /missing/],
    [{ ...valid, provider: "bedrock" }, "provider", /./]
  ])("rejects %j naming %s", (input, field, reason) => {
    const error = Either.flip(Pricing.decodeOverride(input)).pipe(Either.getOrThrow)
    expect(error).toBeInstanceOf(Pricing.PriceOverrideInvalid)
    expect(error._tag).toBe("PriceOverrideInvalid")
    expect(error.field).toBe(field)
    expect(error.reason).toMatch(reason)
    expect(error.message).toContain(field)
  })

  it("names the bad override of a list by its index", () => {
    const result = Pricing.decodeOverrides([valid, { ...valid, outputPerMillion: -3 }])
    expect(Either.isLeft(result) && result.left).toMatchObject({ field: "outputPerMillion", index: 1 })
    expect(Either.isLeft(result) && result.left.message).toMatch(/^Price override #2: outputPerMillion must be a non-negative/)
  })

  it("rejects a list that is not a list", () => {
    expect(Either.isLeft(Pricing.decodeOverrides({ model: "gpt-4o" }))).toBe(true)
    expect(Pricing.decodeOverrides("nope")).toMatchObject({ left: { field: "overrides" } })
  })

  it("round-trips the error and a cost through their Schemas as plain JSON", () => {
    const error = new Pricing.PriceOverrideInvalid({ field: "model", reason: "must name a model", index: 0 })
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(Pricing.PriceOverrideInvalid)(error)))
    expect(Schema.decodeUnknownSync(Pricing.PriceOverrideInvalid)(json)).toEqual(error)
    const unknown = JSON.parse(JSON.stringify(Schema.encodeSync(Pricing.Cost)(Pricing.unknown)))
    expect(Schema.decodeUnknownSync(Pricing.Cost)(unknown)).toEqual({ usd: undefined, source: "unknown" })
  })
})

describe("Pricing.price looks a model's rates up once and prices exactly as genai-prices does", () => {
  const usage = { inputTokens: 123_457, outputTokens: 6_789 }
  const cases = (["openai", "anthropic", "gemini", "azure-openai"] as const).flatMap((provider) => {
    const data = findProvider({ providerId: Pricing.genaiPricesProvider[provider]! })
    return (data?.models ?? []).map((m) => [provider, m.id] as const)
  })

  it("every model of the four priced providers, at a fixed time", () => {
    expect(cases.length).toBeGreaterThan(100)
    const at = new Date("2026-06-01T12:00:00Z")
    for (const [provider, model] of cases) {
      const expected = calcPrice({ input_tokens: usage.inputTokens, output_tokens: usage.outputTokens }, model, {
        providerId: Pricing.genaiPricesProvider[provider]!,
        timestamp: at
      })
      // Twice: the first call looks the model up, the second uses what it found.
      for (let i = 0; i < 2; i++) {
        const cost = Pricing.price(provider, model, usage, [], at)
        if (expected === null) expect(cost.usd, `${provider} ${model}`).toBeUndefined()
        else expect(cost.usd, `${provider} ${model}`).toBeCloseTo(expected.total_price, 12)
      }
    }
  })
})

describe("Pricing.price: cached prompts at the cache rates", () => {
  it("cached input (OpenAI) and cache reads and writes (Anthropic) cost what genai-prices says, not the full input rate", () => {
    const openai = Pricing.price("openai", "gpt-4.1-mini", { inputTokens: 100_000, outputTokens: 1_000, cachedInputTokens: 80_000 }, [], at).usd!
    const plain = Pricing.price("openai", "gpt-4.1-mini", { inputTokens: 100_000, outputTokens: 1_000 }, [], at).usd!
    expect(openai).toBeCloseTo(calcPrice({ input_tokens: 100_000, output_tokens: 1_000, cache_read_tokens: 80_000 }, "gpt-4.1-mini", { providerId: "openai", timestamp: at })!.total_price, 12)
    // 80k of the 100k read from the cache at a quarter of the input rate.
    expect(openai).toBeLessThan(plain * 0.6)
    const anthropic = Pricing.price("anthropic", "claude-sonnet-4-5", { inputTokens: 100_000, outputTokens: 0, cachedInputTokens: 50_000, cacheWriteTokens: 20_000 }, [], at).usd!
    const expected = calcPrice({ input_tokens: 100_000, output_tokens: 0, cache_read_tokens: 50_000, cache_write_tokens: 20_000 }, "claude-sonnet-4-5", { providerId: "anthropic", timestamp: at })!.total_price
    expect(anthropic).toBeCloseTo(expected, 12)
    expect(anthropic).not.toBeCloseTo(Pricing.price("anthropic", "claude-sonnet-4-5", { inputTokens: 100_000, outputTokens: 0 }, [], at).usd!, 6)
  })
})
