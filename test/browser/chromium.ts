/**
 * Debian's Chromium, driven by playwright-core: found on this machine (never downloaded),
 * launched headless for the length of a scope, with what each page logged kept for the tests.
 */
import { Effect, type Scope } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"

/** The Chromium binary: `CHROMIUM_PATH`, else Debian's. */
export const chromiumPath = (): string | undefined =>
  [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p !== undefined && p !== "" && Fs.existsSync(p))

/**
 * Whether a missing Chromium fails the run: `.ci/run` installs it and sets
 * `DBTK_BROWSER_TESTS=required`; elsewhere the browser tests are skipped, and say so.
 */
export const browserRequired = process.env.DBTK_BROWSER_TESTS === "required"

// Headless, and quiet: no first-run work, no calls home, no QUIC to anything.
const args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions"
]

/** Chromium for the length of the scope. */
export const launch: Effect.Effect<Browser, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => {
    const executablePath = chromiumPath()
    if (executablePath === undefined) throw new Error("Chromium not found: apt-get install chromium, or set CHROMIUM_PATH")
    return chromium.launch({ executablePath, args, headless: true, timeout: 60_000 })
  }),
  (browser) => Effect.promise(() => browser.close())
)

/** What the pages logged: console errors, uncaught exceptions and content-security-policy violations. */
export interface Problems {
  readonly all: Array<string>
}

/**
 * A browser context whose pages report their problems into `problems`. Content-security-policy
 * violations are not console messages a page can see, so a script added to every page listens
 * for them and logs them as errors.
 */
export const newContext = async (browser: Browser, problems: Problems, options: { readonly colorScheme?: "light" | "dark" } = {}): Promise<BrowserContext> => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 }, colorScheme: options.colorScheme ?? "light" })
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
  })
  context.on("page", (page) => watch(page, problems))
  return context
}

const watch = (page: Page, problems: Problems) => {
  page.on("console", (message) => {
    if (message.type() === "error") problems.all.push(`console: ${message.text()}`)
  })
  page.on("pageerror", (error) => problems.all.push(`uncaught: ${error.message}`))
}

const screenshots = Path.join(import.meta.dirname, "..", "..", "test-results", "screenshots")

/**
 * Saves the page as it is in light and in dark (the `dark` class on the root, as the page's own
 * toggle sets it), as `test-results/screenshots/<name>-light.png` and `-dark.png`; the theme is
 * left as it was.
 */
export const screenshot = async (page: Page, name: string): Promise<void> => {
  Fs.mkdirSync(screenshots, { recursive: true })
  const wasDark = await page.evaluate(() => document.documentElement.classList.contains("dark"))
  for (const theme of ["light", "dark"] as const) {
    await page.evaluate((dark) => document.documentElement.classList.toggle("dark", dark), theme === "dark")
    await page.screenshot({ path: Path.join(screenshots, `${name}-${theme}.png`), animations: "disabled" })
  }
  await page.evaluate((dark) => document.documentElement.classList.toggle("dark", dark), wasDark)
}
