import { describe, expect, it } from "@effect/vitest"
import * as Prompts from "../../src/domain/Prompts.js"
import * as SqlRule from "../../src/testing/SqlRule.js"

const prompt = (task: Parameters<typeof Prompts.forTask>[0]) => Prompts.forTask(task).user

describe("SqlRule", () => {
  const schema = { tables: [{ name: "orders", columns: [{ name: "id", type: "int" }, { name: "total", type: "numeric(12,2)" }, { name: "note", type: "varchar(20)" }] }] }

  it("reads the schema section back, sizes with commas included", () => {
    expect(SqlRule.tables(prompt({ _tag: "GenerateSql", prompt: "x", schema, dialect: "postgresql" }))).toEqual([
      { name: "orders", columns: ["id", "total", "note"] }
    ])
  })

  it("answers each task in the format its prompt asks for", () => {
    expect(SqlRule.answer({ user: prompt({ _tag: "GenerateSql", prompt: "list orders total", schema, dialect: "mssql" }) })).toBe(
      "```sql\nSELECT TOP 100 total FROM orders;\n```\nLists rows of orders."
    )
    expect(SqlRule.answer({ user: prompt({ _tag: "OptimizeSql", sql: "SELECT * FROM orders WHERE id = 1", schema, dialect: "sqlite" }) })).toMatch(/^RATING: FAIR\nOPTIMIZED SQL:\n```sql\nSELECT id, total, note FROM orders WHERE id = 1\n```/)
    expect(SqlRule.answer({ user: prompt({ _tag: "FixSql", sql: "SELECT id FROM order", errorMessage: "no such table", schema, dialect: "sqlite" }) })).toContain("FIXED SQL:\n```sql\nSELECT id FROM orders\n```")
    expect(SqlRule.answer({ user: prompt({ _tag: "ExplainSql", sql: "SELECT * FROM orders", dialect: "sqlite" }) })).toContain("It uses orders.")
    expect(SqlRule.answer({ user: prompt({ _tag: "GenerateSql", prompt: "x", dialect: "sqlite" }) })).toMatch(/^I need more information/)
  })
})
