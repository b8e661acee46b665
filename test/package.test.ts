import { execFileSync } from "node:child_process"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"

describe("the published package", () => {
  it("builds, packs, installs into a scratch project and answers through both entry points", () => {
    const out = execFileSync("node", [resolve(import.meta.dirname, "../scripts/pack-check.mjs")], { encoding: "utf8", timeout: 240_000 })
    expect(out).toMatch(/^pack-check: ok/m)
  }, 240_000)
})
