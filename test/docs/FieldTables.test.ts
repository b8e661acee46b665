/**
 * The generated parts of the provider guides (docs/providers/<id>.md: the config field table, the
 * priced models, the error table) are what scripts/docs-fields.ts writes from the code today: a
 * changed Schema, default, price or error mapping fails here until the command is run again.
 */
import { describe, expect, it } from "vitest"
import * as Path from "node:path"
import { COMMAND, pages, regionNames } from "../../scripts/docs-fields.js"

describe("provider guides", () => {
  it("every generated region matches what the script writes", async () => {
    const stale: Array<string> = []
    for (const page of await pages()) {
      for (const name of regionNames) {
        expect(page.current, `${page.file} has no ${name} region`).toContain(`<!-- ${name}:begin -->`)
      }
      if (page.expected !== page.current) stale.push(Path.relative(Path.resolve(import.meta.dirname, "../.."), page.file))
    }
    expect(stale, `out of date: run \`${COMMAND}\` and commit the result`).toEqual([])
  }, 60_000)
})
