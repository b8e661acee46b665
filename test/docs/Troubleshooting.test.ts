/**
 * docs/troubleshooting.md has a section for every error a request can fail with: each `AiError`
 * member (read from the union's Schema, so a new member fails here until it is documented) and
 * the service's own three.
 */
import { describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as AiError from "../../src/domain/AiError.js"

const page = Fs.readFileSync(Path.resolve(import.meta.dirname, "../../docs/troubleshooting.md"), "utf8")
const sections = [...page.matchAll(/^### `(\w+)`\s*$/gm)].map((m) => m[1]!)

describe("troubleshooting", () => {
  const tags: ReadonlyArray<string> = AiError.AiError.members.map((m) => m._tag)

  it("reads the union's tags", () => {
    expect(tags).toContain("AuthenticationError")
    expect(tags.length).toBeGreaterThanOrEqual(12)
  })

  it("has a section for every AiError tag and the service's errors", () => {
    const missing = [...tags, "AllProvidersFailed", "AiNotConfigured", "BudgetExceeded"].filter((t) => !sections.includes(t))
    expect(missing).toEqual([])
  })
})
