// @vitest-environment jsdom
import { act, screen, waitFor, within } from "@testing-library/react"
import { beforeEach, describe, expect, it } from "vitest"
import { AiStatusIndicator } from "../../src/react/index.js"
import { type FakeBridge, fakeBridge } from "./fakeBridge.js"
import { renderWith } from "./support.js"

const region = () => screen.getByRole("status", { name: "AI status" })

const setUp = (fake: FakeBridge) => {
  fake.configure("openai", {}, { apiKey: "sk-1" })
  fake.configure("anthropic", {}, { apiKey: "sk-2" })
  fake.state.settings = { ...fake.state.settings, activeProvider: "openai" }
}

describe("AiStatusIndicator", () => {
  let fake: FakeBridge
  beforeEach(() => {
    fake = fakeBridge()
    setUp(fake)
  })

  it("shows the active provider and its health", async () => {
    renderWith(fake.bridge, <AiStatusIndicator />)
    await waitFor(() => expect(region().textContent).toBe("AI: OpenAI · healthy"))
  })

  it("says so when no provider is configured", async () => {
    const empty = fakeBridge()
    renderWith(empty.bridge, <AiStatusIndicator />)
    await waitFor(() => expect(region().textContent).toBe("AI: not configured"))
  })

  it("shows the fallback serving as soon as a FallbackTaken event arrives, and reads the status again", async () => {
    renderWith(fake.bridge, <AiStatusIndicator />)
    await waitFor(() => expect(region().textContent).toBe("AI: OpenAI · healthy"))
    const reads = fake.callsOf("providers.status").length

    // The fallback has not answered yet: the status does not name it, the event does.
    act(() => fake.emit({ type: "FallbackTaken", at: 1, from: "openai", to: "anthropic", error: "Rate limited (provider: OpenAI, status 429)", error_kind: "RateLimited", status: 429 }))
    expect(region().textContent).toBe("AI: OpenAI · healthy · Anthropic serving (fallback)")
    await waitFor(() => expect(fake.callsOf("providers.status").length).toBe(reads + 1))
    expect(region().textContent).toContain("Anthropic serving (fallback)")
  })

  it("drops an event's fallback once its time is up, when the status does not name one", async () => {
    renderWith(fake.bridge, <AiStatusIndicator settleMs={50} />)
    await waitFor(() => expect(region().textContent).toBe("AI: OpenAI · healthy"))
    act(() => fake.emit({ type: "FallbackTaken", at: 1, from: "openai", to: "anthropic", error: "timeout", error_kind: "Timeout" }))
    expect(region().textContent).toContain("Anthropic serving (fallback)")
    await waitFor(() => expect(region().textContent).toBe("AI: OpenAI · healthy"))
  })

  it("drops the fallback as soon as the status, having named it, says the primary serves again", async () => {
    const pushed = fakeBridge({ pushStatus: true })
    setUp(pushed)
    renderWith(pushed.bridge, <AiStatusIndicator settleMs={60_000} />)
    await waitFor(() => expect(region().textContent).toBe("AI: OpenAI · healthy"))
    act(() => pushed.emit({ type: "FallbackTaken", at: 1, from: "openai", to: "anthropic", error: "timeout", error_kind: "Timeout" }))
    pushed.state.fallbackServing = "anthropic"
    act(() => pushed.pushStatus())
    expect(region().textContent).toBe("AI: OpenAI · healthy · Anthropic serving (fallback)")
    pushed.state.fallbackServing = null
    act(() => pushed.pushStatus())
    expect(region().textContent).toBe("AI: OpenAI · healthy")
  })

  it("follows the status the server pushes (the local page's stream)", async () => {
    const pushed = fakeBridge({ pushStatus: true })
    setUp(pushed)
    renderWith(pushed.bridge, <AiStatusIndicator />)
    await waitFor(() => expect(region().textContent).toBe("AI: OpenAI · healthy"))

    pushed.state.health.openai = { state: "down", lastError: "connection refused" }
    pushed.state.fallbackServing = "anthropic"
    act(() => pushed.pushStatus())
    expect(region().textContent).toBe("AI: OpenAI · down · Anthropic serving (fallback)")
    // Pushed, not asked for: an event does not make it read the status again.
    const reads = pushed.callsOf("providers.status").length
    act(() => pushed.emit({ type: "ProviderDown", at: 2, provider: "openai", error: "connection refused" }))
    expect(pushed.callsOf("providers.status").length).toBe(reads)
  })

  it("opens its popover with Enter and closes it with Escape, moving the focus in and back", async () => {
    fake.state.health.anthropic = { state: "degraded", latencyMs: 6_400, lastError: "slow answer" }
    fake.state.guard.openai = {
      provider: "openai",
      circuit: { _tag: "Open", openedAt: 0, retryAt: Date.UTC(2030, 0, 1, 12), lastError: "503 from OpenAI" },
      rateLimit: { requestsPerMinute: 60, availableRequests: 12, tokensPerMinute: undefined, availableTokens: undefined, maxConcurrent: undefined, inFlight: 2, queued: 1, lastWaitMs: 0 }
    }
    const { user } = renderWith(fake.bridge, <AiStatusIndicator />)
    const trigger = within(region()).getByRole("button")
    await waitFor(() => expect(trigger.textContent).toBe("AI: OpenAI · down"))
    expect(trigger.getAttribute("aria-expanded")).toBe("false")

    trigger.focus()
    await user.keyboard("{Enter}")
    const dialog = screen.getByRole("dialog", { name: "AI providers" })
    expect(trigger.getAttribute("aria-expanded")).toBe("true")
    expect(dialog.contains(document.activeElement)).toBe(true)
    const items = within(dialog).getAllByRole("listitem").map((li) => li.textContent ?? "")
    expect(items[0]).toContain("OpenAI (active): down")
    expect(items[0]).toContain("Last error503 from OpenAI")
    expect(items[0]).toContain("Circuitopen: skipped until")
    expect(items[0]).toContain("Rate limit12 of 60 requests/min free, 2 in flight, 1 waiting")
    expect(items[1]).toContain("Anthropic: degraded")
    expect(items[1]).toContain("Check latency6.4 s")
    expect(items[1]).toContain("Last errorslow answer")

    await user.keyboard("{Escape}")
    expect(screen.queryByRole("dialog")).toBeNull()
    expect(document.activeElement).toBe(trigger)
    expect(trigger.getAttribute("aria-expanded")).toBe("false")

    // The close button and a click outside close it too.
    await user.click(trigger)
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Close" }))
    expect(screen.queryByRole("dialog")).toBeNull()
    await user.click(trigger)
    await user.click(document.body)
    expect(screen.queryByRole("dialog")).toBeNull()
  })
})
