/**
 * `dbtk-ai ui`'s page in a real browser: Debian's Chromium driven by playwright-core, against the
 * page as `npm run build` builds it, the real server and stack in a temporary folder, and the
 * Cloudflare Workers AI and OpenAI emulators. The tests follow one user, in order: they open the
 * page, configure Cloudflare through the form, ask the assistant, watch a fallback, read the
 * usage, and do it again by keyboard alone. Each state is saved as a screenshot in light and dark
 * under test-results/screenshots/.
 */
import { Effect, Exit, ManagedRuntime, Scope } from "effect"
import * as Path from "node:path"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { buildPage } from "../../scripts/build-page.mjs"
import type * as AiStack from "../../src/layers/AiStack.js"
import { ProviderRegistry } from "../../src/services/ProviderRegistry.js"
import { Settings } from "../../src/services/Settings.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as CloudflareEmulator from "../../src/testing/emulators/CloudflareEmulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import * as Server from "../../src/ui/server/Server.js"
import { CLOUDFLARE_ACCOUNT, OPENAI_KEY } from "../cli/harness.js"
import { SECRET_KEY } from "../support/http.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"
import { send } from "../ui/http.js"
import { browserRequired, chromiumPath, launch, newContext, type Problems, screenshot } from "./chromium.js"

interface World {
  readonly server: Server.Server
  readonly runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>
  readonly cloudflare: Emulator.Emulator
  readonly openai: Emulator.Emulator
  readonly browser: Browser
}

const makeWorld = Effect.gen(function*() {
  const dir = yield* tempDir
  const pageDir = Path.join(dir, "page")
  yield* Effect.promise(() => buildPage(pageDir))
  const cloudflare = yield* CloudflareEmulator.make({ accountId: CLOUDFLARE_ACCOUNT, apiKey: SECRET_KEY, defaults: { latencyMs: 15 } })
  const openai = yield* OpenAiEmulator.make({ apiKey: OPENAI_KEY, defaults: { latencyMs: 15 } })
  const runtime = yield* Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(stackIn(dir))), (r) => Effect.promise(() => r.dispose()))
  const server = yield* Server.make({ runtime, pageDir })
  const browser = yield* launch
  return { server, runtime, cloudflare, openai, browser } satisfies World
})

const found = chromiumPath() !== undefined
if (!found && !browserRequired) console.warn("browser tests skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)")

describe.skipIf(!found && !browserRequired)("the local page in Chromium", { timeout: 60_000 }, () => {
  let scope: Scope.CloseableScope
  let world: World
  let context: BrowserContext
  let page: Page
  const problems: Problems = { all: [] }
  // The provider calls the page made, by path.
  const calls: Array<string> = []

  beforeAll(async () => {
    scope = Effect.runSync(Scope.make())
    world = await Effect.runPromise(Scope.extend(makeWorld, scope))
    context = await newContext(world.browser, problems)
    page = await context.newPage()
    page.setDefaultTimeout(20_000)
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname
      if (path.startsWith("/api/")) calls.push(path)
    })
  }, 180_000)

  afterAll(async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  })

  // The page updates by itself: a value is awaited for as long as the page may take on a busy machine.
  const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 })
  const run = <A, E>(effect: Effect.Effect<A, E, AiStack.Services>) => world.runtime.runPromise(effect)
  const storedIds = () => run(Effect.map(Effect.flatMap(Settings, (s) => s.snapshot), (snapshot) => snapshot.providers.map((p) => p.id)))
  const status = () => page.getByRole("status", { name: "AI status" })
  const section = (name: "Assistant" | "AI settings" | "Usage") => page.getByRole("tab", { name }).click()
  const field = (label: string) => page.getByLabel(label, { exact: true })
  // What a control's aria-describedby points at: its help and its error.
  const descriptionOf = (label: string) =>
    field(label).evaluate((el) =>
      (el.getAttribute("aria-describedby") ?? "").split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? "").join(" ")
    )
  const ask = async (question: string) => {
    const answers = page.getByRole("article", { name: "Answer" })
    const before = await answers.count()
    await field("Ask AI").fill(question)
    await page.getByRole("button", { name: "Generate SQL" }).click()
    await eventually(() => answers.count()).toBe(before + 1)
    return answers.nth(before)
  }

  it("serves nothing but the page without the token, and the page without it asks for it", async () => {
    const { server } = world
    for (const path of ["/api/settings/get", "/api/providers/status", "/api/stream", "/openapi.json"]) {
      const bare = await Effect.runPromise(send(server.port, { method: path === "/api/stream" || path === "/openapi.json" ? "GET" : "POST", path }))
      expect(bare.status, path).toBe(401)
      const wrong = await Effect.runPromise(send(server.port, { method: "POST", path, headers: { authorization: `Bearer ${"x".repeat(43)}` } }))
      expect(wrong.status, path).toBe(401)
    }
    const bare = await context.newPage()
    await bare.goto(`${server.origin}/`)
    await bare.getByRole("heading", { name: "This page needs its token" }).waitFor()
    await screenshot(bare, "01-no-token")
    await bare.close()
    expect(calls).toEqual([])
  })

  it("opens with the token, takes it out of the address and shows no provider yet", async () => {
    await page.goto(world.server.url)
    await eventually(() => status().textContent()).toMatch(/not configured|no provider/i)
    expect(page.url()).not.toContain("token")
    expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(false)
    await screenshot(page, "02-assistant-no-provider")
  })

  it("fills the chosen provider's form; a wrong key shows Cloudflare's own error by the field", async () => {
    await section("AI settings")
    await page.getByLabel("AI provider").selectOption("cloudflare")
    await page.getByRole("form", { name: "Cloudflare Workers AI settings" }).waitFor()
    await field("Account ID").fill(CLOUDFLARE_ACCOUNT)
    await field("API token").fill("a-wrong-token-0123456789")
    await field("Base URL").fill(world.cloudflare.baseUrl)
    const before = world.cloudflare.requests.length
    await page.getByRole("button", { name: "Test connection" }).click()
    await page.getByText(/The connection test failed/).waitFor()
    await screenshot(page, "03-settings-wrong-key")
    expect(await field("API token").getAttribute("aria-invalid")).toBe("true")
    // The emulator was asked, with the wrong token, and its answer is what the field says.
    expect(world.cloudflare.requests.slice(before).some((r) => r.headers.authorization === "Bearer a-wrong-token-0123456789")).toBe(true)
    expect(await descriptionOf("API token")).toMatch(/Invalid API Token \(HTTP 401/)
    expect(await descriptionOf("API token")).not.toContain("Redacted(")
    await eventually(() => page.getByText("The connection test failed: API token is not valid.").count()).toBe(1)
    // The first field in error has the focus.
    expect(await field("API token").evaluate((el) => el === document.activeElement)).toBe(true)
    await screenshot(page, "03-settings-wrong-key")
  })

  it("Test connection shows the response time and that the model is there", async () => {
    await field("API token").fill(SECRET_KEY)
    await page.getByRole("button", { name: "Test connection" }).click()
    const outcome = page.getByText(/\d+ ms/).first()
    await outcome.waitFor()
    expect(await outcome.textContent()).toMatch(/connect|ok|model/i)
    expect(await field("API token").getAttribute("aria-invalid")).toBeNull()
    // Tested, not saved.
    expect(await storedIds()).toEqual([])
    await screenshot(page, "04-settings-tested")
  })

  it("a value the Schema rejects never leaves the form", async () => {
    const before = calls.length
    await field("Temperature").fill("9")
    await page.getByRole("button", { name: "Save", exact: true }).click()
    await eventually(() => field("Temperature").getAttribute("aria-invalid")).toBe("true")
    expect(await descriptionOf("Temperature")).toMatch(/5/)
    expect(calls.slice(before)).not.toContain("/api/providers/save")
    expect(await storedIds()).toEqual([])
    await screenshot(page, "05-settings-invalid-value")
    await field("Temperature").fill("")
  })

  it("saves; after a reload the settings are kept and the key is not shown", async () => {
    await page.getByRole("button", { name: "Save", exact: true }).click()
    await page.getByText("Cloudflare Workers AI saved; it is the active provider.").waitFor()
    // The token went with the hash: the reload finds it in this tab's session storage.
    await page.reload()
    await section("AI settings")
    await page.getByRole("form", { name: "Cloudflare Workers AI settings" }).waitFor()
    expect(await page.getByLabel("AI provider").inputValue()).toBe("cloudflare")
    expect(await field("Account ID").inputValue()).toBe(CLOUDFLARE_ACCOUNT)
    expect(await field("Base URL").inputValue()).toBe(world.cloudflare.baseUrl)
    expect(await field("API token").inputValue()).toBe("")
    expect(await field("API token").getAttribute("placeholder")).toBe("stored")
    expect(await field("API token").getAttribute("type")).toBe("password")
    expect(await page.content()).not.toContain(SECRET_KEY)
    await page.getByRole("button", { name: "Show API token" }).click()
    expect(await field("API token").getAttribute("type")).toBe("text")
    expect(await field("API token").inputValue()).toBe("")
    await page.getByRole("button", { name: "Show API token" }).click()
    expect(await storedIds()).toEqual(["cloudflare"])
    await eventually(() => status().textContent()).toMatch(/Cloudflare Workers AI/)
    await screenshot(page, "06-settings-saved")
  })

  it("the assistant's answer carries the badge; when the primary fails the status bar shows the fallback serving", async () => {
    // OpenAI as the fallback, and no retry on Cloudflare so that the fallback comes at once.
    await run(Effect.gen(function*() {
      const registry = yield* ProviderRegistry
      const settings = yield* Settings
      yield* registry.save("openai", { apiKey: OPENAI_KEY, baseUrl: world.openai.baseUrl }, { enabled: true })
      yield* settings.setResilience("cloudflare", { retry: { maxRetries: 0 } })
      yield* settings.update({ activeProvider: "cloudflare", fallback: { order: ["cloudflare", "openai"] } })
    }))
    await section("Assistant")
    const first = await ask("How many customers are there?")
    expect(await first.textContent()).toContain("Cloudflare Workers AI")
    expect(await first.textContent()).not.toMatch(/fallback/i)
    await eventually(() => status().textContent()).toMatch(/Cloudflare Workers AI · healthy/)
    await screenshot(page, "07-assistant-answer")

    world.cloudflare.setDefaults({ latencyMs: 15, fault: { _tag: "Error", kind: "overloaded" } })
    const second = await ask("Top 5 customers by total order value")
    expect(await second.textContent()).toContain("OpenAI")
    expect(await second.textContent()).toMatch(/Fallback: Cloudflare Workers AI failed first/)
    // The status bar follows the server's events by itself.
    await eventually(() => status().textContent()).toMatch(/OpenAI serving \(fallback\)/)
    await status().getByRole("button").click()
    const popover = page.getByRole("dialog", { name: "AI providers" })
    await popover.waitFor()
    expect(await popover.textContent()).toMatch(/OpenAI is serving in place of Cloudflare Workers AI/)
    await screenshot(page, "08-status-fallback")
    await page.keyboard.press("Escape")
    await popover.waitFor({ state: "detached" })
    world.cloudflare.setDefaults({ latencyMs: 15 })
  })

  it("a destructive answer comes with an alert to review it before running", async () => {
    world.cloudflare.script({ reply: "```sql\nDELETE FROM orders;\n```\nRemoves every order." })
    const answer = await ask("Remove all orders")
    expect(await answer.getByRole("alert").textContent()).toBe("Review before running: DELETE without WHERE removes every row of orders.")
    expect(await answer.textContent()).toContain("Cloudflare Workers AI")
    // The primary served again: the status bar no longer shows the fallback.
    await eventually(() => status().textContent()).toBe("AI: Cloudflare Workers AI · healthy")
    // The newest answer is scrolled into view.
    expect(await answer.evaluate((el) => el.getBoundingClientRect().bottom <= window.innerHeight)).toBe(true)
    await screenshot(page, "09-assistant-destructive")
  })

  it("the usage panel draws its charts from the recorded requests", async () => {
    await section("Usage")
    const charts = page.locator("svg.recharts-surface")
    await eventually(() => charts.count()).toBeGreaterThanOrEqual(4)
    // Drawn: each chart has lines, bars or dots, not only its axes.
    const marks = await charts.evaluateAll((svgs) => svgs.map((svg) => svg.querySelectorAll(".recharts-line path, .recharts-bar-rectangle path, .recharts-dot, .recharts-area path").length))
    expect(marks.filter((n) => n > 0).length).toBeGreaterThanOrEqual(4)
    const requests = page.getByText("Requests", { exact: true }).first().locator("xpath=..")
    expect(Number((await requests.textContent())?.replace(/\D+/g, ""))).toBeGreaterThanOrEqual(3)
    await screenshot(page, "10-usage")
  })

  it("the answer cache section says what is cached and clears it", async () => {
    await section("AI settings")
    const card = page.getByRole("region", { name: "Answer cache" })
    await card.scrollIntoViewIfNeeded()
    // The assistant's clean answers above were stored.
    await eventually(() => card.textContent()).toMatch(/[1-9]\d* answers? cached/)
    await screenshot(page, "11-settings-cache")
    await card.getByRole("button", { name: "Clear cached answers" }).click()
    await eventually(() => card.getByRole("status").first().textContent()).toMatch(/^Cleared [1-9]\d* cached answers?\.$/)
    await eventually(() => card.textContent()).toMatch(/0 answers cached/)
  })

  it("keyboard alone reaches every control of every section, and opens and closes the status popover", async () => {
    await page.goto(`${world.server.origin}/`)
    const focusedRole = () => page.evaluate(() => document.activeElement?.getAttribute("role") ?? document.activeElement?.tagName ?? "")
    // Back to the selected tab: Shift+Tab until it has the focus (it comes before the panel).
    const toTabs = async () => {
      for (let i = 0; i < 100 && (await focusedRole()) !== "tab"; i++) await page.keyboard.press("Shift+Tab")
      expect(await focusedRole()).toBe("tab")
    }
    for (let i = 0; i < 10 && (await focusedRole()) !== "tab"; i++) await page.keyboard.press("Tab")
    await page.keyboard.press("Home")
    for (const name of ["Assistant", "AI settings", "Usage"]) {
      expect(await page.getByRole("tab", { name }).getAttribute("aria-selected")).toBe("true")
      await page.getByRole("tabpanel").waitFor()
      await page.waitForTimeout(300)
      // Every control that can take the focus, marked; then Tab through the page once around.
      const total = await page.evaluate(() => {
        const all = Array.from(document.querySelectorAll<HTMLElement>("a[href], button, input, select, textarea, [tabindex]"))
          .filter((el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0)
        all.forEach((el, i) => el.setAttribute("data-kb", String(i)))
        return all.length
      })
      expect(total, name).toBeGreaterThan(3)
      const reached = new Set<string>()
      for (let i = 0; i < total * 2 + 5 && reached.size < total; i++) {
        await page.keyboard.press("Tab")
        const mark = await page.evaluate(() => document.activeElement?.getAttribute("data-kb") ?? null)
        if (mark !== null) reached.add(mark)
      }
      const missed = await page.evaluate((seen) =>
        Array.from(document.querySelectorAll<HTMLElement>("[data-kb]")).filter((el) => !seen.includes(el.getAttribute("data-kb")!))
          .map((el) => `${el.tagName} ${el.getAttribute("aria-label") ?? el.textContent?.trim() ?? ""}`), [...reached])
      expect(missed, name).toEqual([])
      await toTabs()
      await page.keyboard.press("ArrowDown")
    }
    // The status bar's popover: Enter opens it, Escape closes it and gives the focus back.
    const trigger = status().getByRole("button")
    await trigger.focus()
    await page.keyboard.press("Enter")
    await page.getByRole("dialog", { name: "AI providers" }).waitFor()
    await page.keyboard.press("Escape")
    await page.getByRole("dialog", { name: "AI providers" }).waitFor({ state: "detached" })
    expect(await trigger.evaluate((el) => el === document.activeElement)).toBe(true)
  })

  it("follows the system's dark theme, and the theme toggle", async () => {
    const dark = await newContext(world.browser, problems, { colorScheme: "dark" })
    try {
      const tab = await dark.newPage()
      await tab.goto(`${world.server.url.replace("/#", "/?section=settings#")}`)
      await tab.getByRole("form", { name: "Cloudflare Workers AI settings" }).waitFor()
      expect(await tab.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true)
      const toggle = tab.getByRole("button", { name: "Dark theme" })
      expect(await toggle.getAttribute("aria-pressed")).toBe("true")
      await toggle.click()
      expect(await tab.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(false)
      await tab.reload()
      expect(await tab.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(false)
    } finally {
      await dark.close()
    }
  })

  it("logged no error and broke no content security policy on the way", () => {
    expect(problems.all).toEqual([])
  })
})
