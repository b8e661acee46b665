// @vitest-environment jsdom
import { screen } from "@testing-library/react"
import { describe, expect, it } from "vitest"
import type { GenerateQueryReply, ServedBy } from "../../src/preload/types.js"
import { AiAnswerBadge } from "../../src/react/index.js"
import { fakeBridge } from "./fakeBridge.js"
import { renderWith } from "./support.js"

const served: ServedBy = {
  provider: "anthropic",
  provider_name: "Anthropic",
  model: "claude-sonnet-5",
  usage: { input_tokens: 1_200, output_tokens: 80 },
  cost: { usd: 0.0012, source: "genai-prices" },
  latency_ms: 1_234,
  fallback: false,
  failed_providers: []
}

const badge = () => screen.getByRole("group", { name: "Answer details" })

describe("AiAnswerBadge", () => {
  it("shows who answered, the model, the latency, the tokens and the cost", () => {
    renderWith(fakeBridge().bridge, <AiAnswerBadge answer={served} />)
    const text = badge().textContent
    expect(text).toContain("Anthropic")
    expect(text).toContain("claude-sonnet-5")
    expect(text).toContain("Latency1.2 s")
    expect(text).toContain("1,200 in / 80 out tokens")
    expect(text).toContain("Cost$0.0012")
    expect(text).not.toContain("Fallback")
  })

  it("says a fallback served, and which providers failed first", () => {
    const reply: GenerateQueryReply = {
      success: true,
      ...served,
      fallback: true,
      failed_providers: [{ provider: "openai", error: "Rate limited (provider: OpenAI, status 429)", error_kind: "RateLimited", status: 429 }],
      sql: "SELECT 1",
      explanation: "",
      confidence: "high"
    }
    renderWith(fakeBridge().bridge, <AiAnswerBadge answer={reply} />)
    const fallback = screen.getByText(/^Fallback/)
    expect(fallback.textContent).toBe("Fallback: OpenAI failed first")
    expect(fallback.getAttribute("title")).toBe("Rate limited (provider: OpenAI, status 429)")
  })

  it("says when the response cache served the answer", () => {
    renderWith(fakeBridge().bridge, <AiAnswerBadge answer={{ ...served, cached: true, cost: { usd: 0, source: "cache" } }} />)
    expect(badge().textContent).toContain("Cached: no provider asked")
    expect(badge().textContent).toContain("Cost$0")
  })

  it("says when the cost is unknown", () => {
    renderWith(fakeBridge().bridge, <AiAnswerBadge answer={{ ...served, cost: { usd: null, source: served.cost.source } }} />)
    expect(badge().textContent).toContain("cost unknown")
  })

  it("renders nothing for a failed reply", () => {
    const failed: GenerateQueryReply = { success: false, error: "AI not configured", sql: "", explanation: "" }
    const { container } = renderWith(fakeBridge().bridge, <AiAnswerBadge answer={failed} />)
    expect(container.innerHTML).toBe("")
  })
})
