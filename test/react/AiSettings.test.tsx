// @vitest-environment jsdom
import { screen, waitFor, within } from "@testing-library/react"
import { beforeEach, describe, expect, it } from "vitest"
import { AiSettings } from "../../src/react/index.js"
import { type FakeBridge, fakeBridge } from "./fakeBridge.js"
import { renderWith } from "./support.js"

const STORED_KEY = "sk-stored-secret-4242"

// What describes a control (its help text and its message), as a screen reader reads it.
const descriptionOf = (element: HTMLElement): string =>
  (element.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean).map((id) => document.getElementById(id)?.textContent ?? "").join(" ")

let fake: FakeBridge

beforeEach(() => {
  fake = fakeBridge()
  fake.configure("openai", { model: "gpt-4.1-mini" }, { apiKey: STORED_KEY })
  fake.configure("anthropic", {}, { apiKey: "sk-ant-stored" })
  fake.state.settings = { ...fake.state.settings, activeProvider: "openai", fallback: { ...fake.state.settings.fallback, order: ["openai", "anthropic"] } }
})

const renderSettings = async () => {
  const rendered = renderWith(fake.bridge, <AiSettings />)
  await screen.findByRole("combobox", { name: "AI provider" })
  return rendered
}

const form = (name: string) => screen.getByRole("form", { name: `${name} settings` })

describe("AiSettings: the provider dropdown and its form", () => {
  it("lists every provider with its state, starts on the active one and shows the chosen provider's form", async () => {
    const { user } = await renderSettings()
    const select = screen.getByRole("combobox", { name: "AI provider" })
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "OpenAI — active",
      "Anthropic — configured",
      "Ollama — not configured"
    ])
    expect(within(form("OpenAI")).getByLabelText("Base URL")).toBeTruthy()

    await user.selectOptions(select, "ollama")
    const ollama = form("Ollama")
    expect(screen.queryByRole("form", { name: "OpenAI settings" })).toBeNull()
    // Ollama's catalogue entry has no field descriptions: the model and the secret fields.
    const model = within(ollama).getByLabelText("Model") as HTMLInputElement
    expect(model.placeholder).toBe("llama3.2")
    expect(within(ollama).getByLabelText("API key")).toBeTruthy()
    expect(within(ollama).getByText("Not configured")).toBeTruthy()
  })

  it("blocks a save with a required field missing, says so by the field and sends nothing", async () => {
    fake.state.providers.delete("anthropic")
    const { user } = await renderSettings()
    await user.selectOptions(screen.getByRole("combobox", { name: "AI provider" }), "anthropic")
    await user.click(within(form("Anthropic")).getByRole("button", { name: "Save" }))

    const key = within(form("Anthropic")).getByLabelText("API key")
    expect(key.getAttribute("aria-invalid")).toBe("true")
    expect(descriptionOf(key)).toContain("API key is required")
    expect(document.activeElement).toBe(key)
    expect(fake.callsOf("providers.save")).toEqual([])
  })

  it("checks numbers against their range and whole numbers before sending", async () => {
    const { user } = await renderSettings()
    const openai = form("OpenAI")
    await user.type(within(openai).getByLabelText("Temperature"), "3")
    await user.type(within(openai).getByLabelText("Max tokens"), "1.5")
    await user.click(within(openai).getByRole("button", { name: "Save" }))
    expect(descriptionOf(within(openai).getByLabelText("Temperature"))).toContain("Temperature must be from 0 to 2")
    expect(descriptionOf(within(openai).getByLabelText("Max tokens"))).toContain("Max tokens must be a whole number")
    expect(fake.callsOf("providers.save")).toEqual([])
  })

  it("shows the library's ConfigInvalid by the field it names, keeps what was typed and stores nothing", async () => {
    const { user } = await renderSettings()
    const openai = form("OpenAI")
    const baseUrl = within(openai).getByLabelText("Base URL") as HTMLInputElement
    await user.type(baseUrl, "http://example.com/v1")
    const reads = fake.callsOf("settings.get").length
    await user.click(within(openai).getByRole("button", { name: "Save" }))

    await waitFor(() => expect(descriptionOf(baseUrl)).toContain("baseUrl must use https for a host other than this computer"))
    expect(baseUrl.getAttribute("aria-invalid")).toBe("true")
    expect(baseUrl.value).toBe("http://example.com/v1")
    expect(within(openai).getByRole("status").textContent).toContain("Not saved: Base URL is not valid.")
    // Sent as the only change; nothing stored; the settings were read again, not assumed.
    expect(fake.callsOf("providers.save").map((c) => c.args)).toEqual([["openai", { baseUrl: "http://example.com/v1" }]])
    expect(fake.state.providers.get("openai")!.config).toEqual({ model: "gpt-4.1-mini" })
    expect(fake.callsOf("settings.get").length).toBe(reads + 1)
  })

  it("sends only the changed fields, never the stored secret, and shows what is stored afterwards", async () => {
    const { container, user } = await renderSettings()
    const openai = form("OpenAI")
    await user.type(within(openai).getByLabelText("Temperature"), "0.5")
    await user.click(within(openai).getByRole("button", { name: "Save" }))

    await waitFor(() => expect(within(form("OpenAI")).getByRole("status").textContent).toContain("OpenAI saved."))
    expect(fake.callsOf("providers.save").map((c) => c.args)).toEqual([["openai", { temperature: 0.5 }]])
    expect(fake.state.providers.get("openai")!.secrets).toEqual({ apiKey: STORED_KEY })
    expect((within(form("OpenAI")).getByLabelText("Temperature") as HTMLInputElement).value).toBe("0.5")
    expect(container.innerHTML).not.toContain(STORED_KEY)
  })

  it("never renders a stored secret: the field is empty, says stored, and is masked until revealed", async () => {
    const { container, user } = await renderSettings()
    const key = within(form("OpenAI")).getByLabelText("API key") as HTMLInputElement
    expect(key.value).toBe("")
    expect(key.placeholder).toBe("stored")
    expect(descriptionOf(key)).toContain("A value is stored; leave this empty to keep it.")
    expect(container.innerHTML).not.toContain(STORED_KEY)

    const reveal = within(form("OpenAI")).getByRole("button", { name: "Show API key" })
    expect(key.type).toBe("password")
    expect(reveal.getAttribute("aria-pressed")).toBe("false")
    await user.type(key, "sk-new")
    await user.click(reveal)
    expect(key.type).toBe("text")
    expect(reveal.getAttribute("aria-pressed")).toBe("true")
    await user.click(reveal)
    expect(key.type).toBe("password")
  })

  it("tests the connection with the changes and shows the response time and the model's availability", async () => {
    const { user } = await renderSettings()
    await user.click(within(form("OpenAI")).getByRole("button", { name: "Test connection" }))
    await waitFor(() =>
      expect(within(form("OpenAI")).getByRole("status").textContent).toBe("Connected in 123 ms; the model gpt-4.1-mini is available.")
    )
    expect(fake.callsOf("providers.test").map((c) => c.args)).toEqual([["openai", {}]])
  })

  it("shows the provider's error when the test fails", async () => {
    const { user } = await renderSettings()
    await user.type(within(form("OpenAI")).getByLabelText("API key"), "sk-bad")
    await user.click(within(form("OpenAI")).getByRole("button", { name: "Test connection" }))
    // The provider's words go by the key's field, which takes the focus; the summary names the field.
    await waitFor(() => expect(within(form("OpenAI")).getByRole("status").textContent).toContain("The connection test failed: API key is not valid."))
    const key = within(form("OpenAI")).getByLabelText("API key")
    expect(key.getAttribute("aria-invalid")).toBe("true")
    expect(descriptionOf(key)).toContain("Incorrect API key provided (provider: OpenAI, status 401)")
    expect(document.activeElement).toBe(key)
    expect(fake.callsOf("providers.test").map((c) => c.args)).toEqual([["openai", { apiKey: "sk-bad" }]])
  })

  it("fills the model dropdown from the provider's list, and falls back to free text when the list fails", async () => {
    const { user } = await renderSettings()
    const model = await within(form("OpenAI")).findByRole("combobox", { name: "Model" })
    await waitFor(() => expect(within(model).getAllByRole("option").map((o) => o.getAttribute("value"))).toEqual(["", "gpt-4.1-mini", "gpt-4.1"]))
    await user.selectOptions(model, "gpt-4.1")
    await user.click(within(form("OpenAI")).getByRole("button", { name: "Save" }))
    await waitFor(() => expect(fake.callsOf("providers.save").map((c) => c.args)).toEqual([["openai", { model: "gpt-4.1" }]]))

    await user.selectOptions(screen.getByRole("combobox", { name: "AI provider" }), "anthropic")
    const free = await within(form("Anthropic")).findByRole("textbox", { name: "Model" })
    await waitFor(() => expect(descriptionOf(free)).toContain("The models could not be listed: The model list is not available"))
    await user.type(free, "claude-opus-5")
    expect((free as HTMLInputElement).value).toBe("claude-opus-5")
  })

  it("removes a provider only once confirmed", async () => {
    const { user } = await renderSettings()
    await user.selectOptions(screen.getByRole("combobox", { name: "AI provider" }), "anthropic")
    const remove = within(form("Anthropic")).getByRole("button", { name: "Remove" })
    await user.click(remove)
    const dialog = screen.getByRole("alertdialog", { name: "Remove Anthropic?" })
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }))
    expect(screen.queryByRole("alertdialog")).toBeNull()
    expect(document.activeElement).toBe(remove)
    expect(fake.callsOf("providers.remove")).toEqual([])

    await user.click(remove)
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Remove" }))
    await waitFor(() => expect(within(form("Anthropic")).getByText("Not configured")).toBeTruthy())
    expect(fake.callsOf("providers.remove").map((c) => c.args)).toEqual([["anthropic"]])
    expect(fake.state.providers.has("anthropic")).toBe(false)
  })

  it("makes a configured provider the active one", async () => {
    const { user } = await renderSettings()
    await user.selectOptions(screen.getByRole("combobox", { name: "AI provider" }), "anthropic")
    await user.click(within(form("Anthropic")).getByRole("button", { name: "Use as active provider" }))
    await waitFor(() => expect(screen.getByRole("option", { name: "Anthropic — active" })).toBeTruthy())
    expect(fake.callsOf("settings.update").map((c) => c.args)).toEqual([[{ activeProvider: "anthropic" }]])
  })
})

describe("AiSettings: the fallback chain", () => {
  const order = () => within(screen.getByRole("list", { name: "Fallback order" })).getAllByRole("listitem").map((li) => li.textContent)

  it("moves a provider up and sends the new order, keeping the focus on it", async () => {
    const { user } = await renderSettings()
    expect(order()).toEqual(["1.Use OpenAIUpDown", "2.Use AnthropicUpDown"])
    expect((screen.getByRole("button", { name: "Move OpenAI up" }) as HTMLButtonElement).disabled).toBe(true)
    await user.click(screen.getByRole("button", { name: "Move Anthropic up" }))

    await waitFor(() => expect(order()).toEqual(["1.Use AnthropicUpDown", "2.Use OpenAIUpDown"]))
    expect(fake.callsOf("settings.update").map((c) => c.args)).toEqual([[{ fallback: { enabled: true, order: ["anthropic", "openai"], triggers: ["timeout", "rate-limit"] } }]])
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Move Anthropic down" })))
  })

  it("shows a failed update in place and leaves the order as stored", async () => {
    const { user } = await renderSettings()
    fake.failNext("settings.update", { success: false, error: "The settings store is locked", error_kind: "Unavailable" })
    const reads = fake.callsOf("settings.get").length
    await user.click(screen.getByRole("button", { name: "Move OpenAI down" }))
    expect((await screen.findByRole("alert")).textContent).toContain("The settings store is locked")
    expect(order()).toEqual(["1.Use OpenAIUpDown", "2.Use AnthropicUpDown"])
    expect(fake.callsOf("settings.get").length).toBe(reads + 1)
  })

  it("disables a provider and turns fallback off", async () => {
    const { user } = await renderSettings()
    const use = screen.getByRole("checkbox", { name: "Use Anthropic" }) as HTMLInputElement
    expect(use.checked).toBe(true)
    await user.click(use)
    await waitFor(() => expect((screen.getByRole("checkbox", { name: "Use Anthropic" }) as HTMLInputElement).checked).toBe(false))
    expect(fake.callsOf("providers.save").map((c) => c.args)).toEqual([["anthropic", {}, { enabled: false }]])

    await user.click(screen.getByRole("checkbox", { name: "Fall back to the next provider when one fails" }))
    await waitFor(() => expect(fake.state.settings.fallback.enabled).toBe(false))
    expect((screen.getByRole("checkbox", { name: "Fall back to the next provider when one fails" }) as HTMLInputElement).checked).toBe(false)
  })
})

describe("AiSettings: time limits and budgets", () => {
  it("checks the limits, sends the budget whole with the change, and shows the library's message by its field", async () => {
    const { user } = await renderSettings()
    const daily = screen.getByLabelText("Daily budget (USD)") as HTMLInputElement
    const timeout = screen.getByLabelText("Request time limit (seconds)") as HTMLInputElement
    expect(timeout.value).toBe("55")
    expect(daily.placeholder).toBe("No limit")

    await user.clear(timeout)
    await user.type(timeout, "0")
    await user.click(screen.getByRole("button", { name: "Save limits" }))
    expect(descriptionOf(timeout)).toContain("must be from 1 to 3600")
    expect(fake.callsOf("settings.update")).toEqual([])

    await user.clear(timeout)
    await user.type(timeout, "30")
    await user.type(daily, "5")
    await user.click(screen.getByRole("button", { name: "Save limits" }))
    await waitFor(() => expect(fake.state.settings.budget.dailyUsd).toBe(5))
    expect(fake.callsOf("settings.update").map((c) => c.args)).toEqual([[{ requestTimeoutMs: 30_000, budget: { warnAtFraction: 0.8, dailyUsd: 5 } }]])

    // The fake refuses budgets over 1000, naming the field, as the library names `budget.dailyUsd`.
    await user.clear(screen.getByLabelText("Daily budget (USD)"))
    await user.type(screen.getByLabelText("Daily budget (USD)"), "5000")
    await user.click(screen.getByRole("button", { name: "Save limits" }))
    await waitFor(() => expect(descriptionOf(screen.getByLabelText("Daily budget (USD)"))).toContain("budget.dailyUsd is over what this test allows"))
    expect(fake.state.settings.budget.dailyUsd).toBe(5)
  })
})

describe("AiSettings: the answer cache", () => {
  it("shows what the cache holds, clears it, and saves its settings as one cache patch (hours in, milliseconds stored)", async () => {
    const { user } = await renderSettings()
    await waitFor(() => expect(screen.getByText(/3 answers cached \(4\.5 KB\); 3 requests answered from the cache/)).toBeTruthy())

    await user.click(screen.getByRole("button", { name: "Clear cached answers" }))
    await waitFor(() => expect(screen.getByText("Cleared 3 cached answers.")).toBeTruthy())
    await waitFor(() => expect(screen.getByText(/^0 answers cached/)).toBeTruthy())
    expect(fake.callsOf("cache.clear").map((c) => c.args)).toEqual([[]])

    const reuse = screen.getByRole("checkbox", { name: "Reuse answers to identical requests" }) as HTMLInputElement
    const hours = screen.getByLabelText("Keep answers for (hours)") as HTMLInputElement
    expect(reuse.checked).toBe(true)
    expect(hours.value).toBe("24")

    await user.clear(hours)
    await user.type(hours, "9000")
    await user.click(screen.getByRole("button", { name: "Save cache settings" }))
    expect(descriptionOf(hours)).toContain("must be from 0.001 to 8760")
    expect(fake.callsOf("settings.update")).toEqual([])

    await user.clear(hours)
    await user.type(hours, "2")
    await user.click(reuse)
    await user.click(screen.getByRole("button", { name: "Save cache settings" }))
    await waitFor(() => expect(fake.state.settings.cache.ttlMs).toBe(7_200_000))
    expect(fake.callsOf("settings.update").map((c) => c.args)).toEqual([[{
      cache: { enabled: false, ttlMs: 7_200_000, maxEntries: 500, maxBytes: 16_777_216, maxEntryBytes: 262_144 }
    }]])
    expect(fake.state.settings.cache.enabled).toBe(false)
  })
})
