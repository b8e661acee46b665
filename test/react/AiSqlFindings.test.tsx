// @vitest-environment jsdom
import { screen } from "@testing-library/react"
import { describe, expect, it } from "vitest"
import type { SqlCheckResult } from "../../src/domain/SqlCheck.js"
import type { SqlFindings } from "../../src/preload/types.js"
import { AiSqlFindings } from "../../src/react/index.js"
import { fakeBridge } from "./fakeBridge.js"
import { renderWith } from "./support.js"

const clean: SqlCheckResult = {
  checked: true,
  dialect: "postgresql",
  grammar: "PostgresQL",
  statements: [{ kind: "select" }],
  flags: { destructive: [], unknownTables: [], unknownColumns: [] }
}

const findings = (over: Partial<SqlFindings> = {}): SqlFindings => ({
  check: clean,
  destructive: [],
  unknown_tables: [],
  unknown_columns: [],
  flagged: false,
  repaired: false,
  schema_sent: ["customers", "orders"],
  schema_left_out: [],
  schema_text_left_out: false,
  ...over
})

const render = (answer: SqlFindings | null) => renderWith(fakeBridge().bridge, <AiSqlFindings answer={answer} />)

describe("AiSqlFindings", () => {
  it("says nothing about a clean answer, or about none", () => {
    expect(render(findings()).container.innerHTML).toBe("")
    expect(render(null).container.innerHTML).toBe("")
  })

  it("puts a destructive statement first, as an alert asking for a review", () => {
    render(findings({
      flagged: true,
      destructive: [{ kind: "delete", reason: "DELETE without WHERE removes every row of orders" }],
      unknown_tables: ["invoices"]
    }))
    const items = screen.getByRole("list", { name: "SQL checks" }).querySelectorAll("li")
    expect(items[0]!.getAttribute("role")).toBe("alert")
    expect(screen.getByRole("alert").textContent).toBe("Review before running: DELETE without WHERE removes every row of orders.")
    expect(items[1]!.textContent).toBe("Not in the schema: table invoices.")
  })

  it("names the columns the schema lacks, a parse error and a repair", () => {
    render(findings({
      check: { ...clean, parseError: { message: "Expected FROM but \"FORM\" found.", line: 1, column: 10 } },
      unknown_columns: [{ table: "orders", column: "totl" }, { column: "nme" }],
      repaired: true
    }))
    const text = screen.getByRole("list", { name: "SQL checks" }).textContent
    expect(text).toContain("This SQL does not parse as PostgresQL: Expected FROM but \"FORM\" found.")
    expect(text).toContain("Not in the schema: columns orders.totl, nme.")
    expect(text).toContain("The first answer did not parse; the model corrected it once.")
    expect(screen.queryByRole("alert")).toBeNull()
  })

  it("tells which tables were left out to fit the context, a long list shortened", () => {
    const leftOut = Array.from({ length: 12 }, (_, i) => `t${i + 1}`)
    render(findings({ schema_sent: ["customers"], schema_left_out: leftOut }))
    expect(screen.getByRole("list", { name: "SQL checks" }).textContent)
      .toBe("The model saw 1 table of 13 to fit its context; left out: t1, t2, t3, t4, t5, t6, t7, t8 and 4 more.")
  })

  it("passes on why a statement was not checked", () => {
    render(findings({ check: { ...clean, checked: false, dialect: "mongodb", note: "not checked: a MongoDB query is read as a shape" } }))
    expect(screen.getByRole("list", { name: "SQL checks" }).textContent).toBe("not checked: a MongoDB query is read as a shape")
  })
})
