import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Cost from "../../src/domain/Cost.js"

const at = new Date("2026-06-01T00:00:00Z")

describe("Cost.estimate", () => {
  it("bounds a request: input only at the least, input and all max tokens at the most", () => {
    const estimate = Cost.estimate({ provider: "openai", model: "gpt-4o", inputTokens: 1200, maxOutputTokens: 1000, at })
    expect(estimate).toEqual({
      inputTokens: 1200,
      inputTokensExact: false,
      maxOutputTokens: 1000,
      minUsd: expect.closeTo(1200 * 2.5e-6, 12),
      maxUsd: expect.closeTo(1200 * 2.5e-6 + 1000 * 10e-6, 12),
      source: "genai-prices"
    })
  })

  it("is unknown, not zero, for a model without a price", () => {
    expect(Cost.estimate({ provider: "azure-openai", model: "sql-prod", inputTokens: 500, maxOutputTokens: 256, at }))
      .toEqual({
        inputTokens: 500,
        inputTokensExact: false,
        maxOutputTokens: 256,
        minUsd: undefined,
        maxUsd: undefined,
        source: "unknown"
      })
  })

  it("is free on Ollama and uses neurons on Cloudflare", () => {
    expect(Cost.estimate({ provider: "ollama", model: "llama3.2", inputTokens: 500, maxOutputTokens: 256 }))
      .toMatchObject({ minUsd: 0, maxUsd: 0, source: "free" })
    const cf = Cost.estimate({
      provider: "cloudflare",
      model: "@cf/meta/llama-3.2-1b-instruct",
      inputTokens: 1_000_000,
      maxOutputTokens: 1_000_000
    })
    expect(cf.source).toBe("cloudflare-neurons")
    expect(cf.minUsd).toBeCloseTo(2457 * 0.011e-3, 9)
    expect(cf.maxUsd).toBeCloseTo((2457 + 18252) * 0.011e-3, 9)
  })

  it("uses overrides", () => {
    const overrides = [{ model: "sql-prod", inputPerMillion: 1, outputPerMillion: 4 }]
    const request = { provider: "azure-openai", model: "sql-prod", inputTokens: 1_000_000, maxOutputTokens: 500_000 } as const
    expect(Cost.estimate({ ...request, overrides, inputTokensExact: true })).toEqual({
      inputTokens: 1_000_000,
      inputTokensExact: true,
      maxOutputTokens: 500_000,
      minUsd: 1,
      maxUsd: 3,
      source: "override"
    })
  })

  it("prices each bound as a whole call, so a long prompt's tier applies", () => {
    const estimate = Cost.estimate({ provider: "gemini", model: "gemini-2.5-pro", inputTokens: 250_000, maxOutputTokens: 1000, at })
    expect(estimate.minUsd).toBeCloseTo(250_000 * 2.5e-6, 12)
    expect(estimate.maxUsd).toBeCloseTo(250_000 * 2.5e-6 + 1000 * 15e-6, 12)
  })

  it("with no output budget, min equals max", () => {
    const estimate = Cost.estimate({ provider: "anthropic", model: "claude-haiku-4-5", inputTokens: 10_000, maxOutputTokens: 0, at })
    expect(estimate.minUsd).toBeCloseTo(0.01, 12)
    expect(estimate.maxUsd).toBe(estimate.minUsd)
  })

  it("survives IPC as plain JSON", () => {
    const unknown = Cost.estimate({ provider: "openai", model: "nope", inputTokens: 10, maxOutputTokens: 10, at })
    const known = Cost.estimate({ provider: "openai", model: "gpt-4o", inputTokens: 10, maxOutputTokens: 10, at })
    for (const estimate of [unknown, known]) {
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(Cost.Estimate)(estimate)))
      expect(Schema.decodeUnknownSync(Cost.Estimate)(json)).toEqual(estimate)
    }
  })
})
