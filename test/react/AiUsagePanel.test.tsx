// @vitest-environment jsdom
import { screen, waitFor, within } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { TimelinePoint } from "../../src/react/index.js"
import { AiUsagePanel } from "../../src/react/index.js"
import { type FakeBridge, fakeBridge } from "./fakeBridge.js"
import { renderWith } from "./support.js"

const DAY = 86_400_000
const NOW = Date.UTC(2026, 11, 5)
const point = (days: number, provider: TimelinePoint["provider"], requests: number, failures: number, costUsd: number): TimelinePoint => ({
  at: NOW - days * DAY,
  provider,
  requests,
  successes: requests - failures,
  failures,
  latencyP50Ms: 800,
  latencyP95Ms: 2_000,
  inputTokens: requests * 100,
  outputTokens: requests * 10,
  costUsd,
  unknownCostCount: 0
})

const stat = (name: string) => screen.getByText(name, { selector: "dt" }).nextElementSibling
const table = (name: string) => screen.getByRole("table", { name })
const rowsOf = (name: string) => within(table(name)).getAllByRole("row").slice(1).map((r) => [...r.querySelectorAll("th, td")].map((c) => c.textContent))

// jsdom's Blob has no text(): read it as a page would have before text() existed.
const textOf = (blob: Blob): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(reader.result as string)
    reader.onerror = () => reject(reader.error)
    reader.readAsText(blob)
  })

let fake: FakeBridge
beforeEach(() => {
  fake = fakeBridge()
  // Three days: openai busy on two of them, anthropic on one; the middle day is quiet.
  fake.state.timeline = [point(4, "openai", 10, 1, 0.5), point(4, "anthropic", 2, 2, 0), point(2, "openai", 6, 0, 0.25)]
})

describe("AiUsagePanel", () => {
  it("charts the timeline with an accessible title, summary and data table for each chart", async () => {
    renderWith(fake.bridge, <AiUsagePanel now={() => NOW} />)
    await screen.findByRole("figure", { name: "Requests over time" })
    for (const name of ["Requests over time", "Latency over time", "Tokens over time", "Cost over time", "Usage per provider"]) {
      expect(screen.getByRole("figure", { name })).toBeTruthy()
      expect(table(name)).toBeTruthy()
    }
    // Every day from the first to the last, the quiet one as zeros.
    expect(rowsOf("Requests over time").map((r) => r.slice(1))).toEqual([
      ["12", "9", "3", "75.0%"],
      ["0", "0", "0", "—"],
      ["6", "6", "0", "100%"]
    ])
    expect(rowsOf("Usage per provider")).toEqual([
      ["OpenAI", "15", "1", "93.8%", "1,600 in / 160 out", "$0.75"],
      ["Anthropic", "0", "2", "0%", "200 in / 20 out", "$0"]
    ])
    const figure = screen.getByRole("figure", { name: "Requests over time" })
    expect(document.getElementById(figure.getAttribute("aria-describedby")!)?.textContent).toBe("18 requests in the last 7 d, 83.3% succeeded.")
    // The chart itself is drawn (jsdom has no layout: at its initial size) and titled.
    expect([...figure.querySelectorAll("svg title")].map((t) => t.textContent)).toContain("Requests over time")
    expect(figure.querySelectorAll(".recharts-line").length).toBe(3)
    expect(stat("Requests")?.textContent).toBe("18")
    expect(stat("Latency p95")?.textContent).toBe("2.4 s")
    expect(stat("Cost")?.textContent).toBe("$0.75")
  })

  it("asks for the chosen range with hourly buckets for 24 h", async () => {
    const { user } = renderWith(fake.bridge, <AiUsagePanel now={() => NOW} />)
    await screen.findByRole("figure", { name: "Requests over time" })
    expect(fake.callsOf("metrics.timeline").map((c) => c.args)).toEqual([[{ from: NOW - 7 * DAY, to: NOW, bucket: "day" }]])

    await user.click(screen.getByRole("button", { name: "24 h" }))
    expect(screen.getByRole("button", { name: "24 h" }).getAttribute("aria-pressed")).toBe("true")
    await screen.findByText("No AI requests in the last 24 h.")
    expect(fake.callsOf("metrics.timeline").at(-1)?.args).toEqual([{ from: NOW - DAY, to: NOW, bucket: "hour" }])
    expect(fake.callsOf("metrics.summary").at(-1)?.args).toEqual([{ from: NOW - DAY, to: NOW }])
  })

  it("shows a failed read in place", async () => {
    fake.failNext("metrics.timeline", { success: false, error: "The metrics database is busy", error_kind: "Unavailable" })
    renderWith(fake.bridge, <AiUsagePanel now={() => NOW} />)
    expect((await screen.findByRole("alert")).textContent).toBe("The metrics database is busy")
  })

  describe("exports", () => {
    const created: Array<Blob> = []
    const clicked: Array<{ readonly download: string; readonly href: string }> = []
    beforeEach(() => {
      created.length = 0
      clicked.length = 0
      URL.createObjectURL = (blob: Blob) => {
        created.push(blob)
        return `blob:test/${created.length}`
      }
      URL.revokeObjectURL = () => undefined
      vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function(this: HTMLAnchorElement) {
        clicked.push({ download: this.download, href: this.href })
      })
    })
    afterEach(() => vi.restoreAllMocks())

    it("downloads the export under the filename the bridge gives", async () => {
      const { user } = renderWith(fake.bridge, <AiUsagePanel now={() => NOW} />)
      await screen.findByRole("figure", { name: "Requests over time" })
      await user.click(screen.getByRole("button", { name: "Export CSV" }))

      await waitFor(() => expect(clicked).toEqual([{ download: "dbtk-ai-usage.csv", href: "blob:test/1" }]))
      expect(created[0]!.type).toBe("text/csv")
      expect(await textOf(created[0]!)).toBe("at,provider,requests\n1,openai,3\n")
      expect(fake.callsOf("metrics.export").map((c) => c.args)).toEqual([[{ format: "csv", from: NOW - 7 * DAY, to: NOW }]])
      expect(screen.getByText("Exported dbtk-ai-usage.csv.")).toBeTruthy()
      // Nothing is left in the page.
      expect(document.querySelector("a[download]")).toBeNull()

      await user.click(screen.getByRole("button", { name: "Export JSON" }))
      await waitFor(() => expect(clicked.at(-1)?.download).toBe("dbtk-ai-usage.json"))
      expect(created[1]!.type).toBe("application/json")
    })

    it("shows a failed export and downloads nothing", async () => {
      const { user } = renderWith(fake.bridge, <AiUsagePanel now={() => NOW} />)
      await screen.findByRole("figure", { name: "Requests over time" })
      fake.failNext("metrics.export", { success: false, error: "Nothing to export", error_kind: "InvalidIpcInput" })
      await user.click(screen.getByRole("button", { name: "Export JSON" }))
      await screen.findByText("The export failed: Nothing to export")
      expect(clicked).toEqual([])
    })
  })
})
