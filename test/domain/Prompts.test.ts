import { Either } from "effect"
import { describe, expect, it } from "@effect/vitest"
import * as Prompts from "../../src/domain/Prompts.js"
import * as SchemaContext from "../../src/domain/SchemaContext.js"
import * as SqlTask from "../../src/domain/SqlTask.js"

const schema: SchemaContext.SchemaContext = {
  tables: [
    {
      name: "users",
      schema: "public",
      columns: [
        { name: "id", type: "integer", primaryKey: true },
        { name: "email", type: "text", nullable: false }
      ]
    },
    {
      name: "orders",
      schema: "public",
      columns: [
        { name: "id", type: "integer", primaryKey: true },
        { name: "user_id", type: "integer" },
        { name: "total", type: "numeric" }
      ],
      foreignKeys: [{ columns: ["user_id"], referencedTable: "users", referencedColumns: ["id"] }]
    }
  ]
}

const trickySql = "SELECT '$$' AS a, '$&' AS b, '$1' AS c, '$`' AS d, '{schema}' AS e FROM public.users WHERE id = $1"

describe("Prompts.fill", () => {
  it("replaces every occurrence of a placeholder, not just the first", () => {
    expect(Prompts.fill("{a} and {a} and {b}", { a: "x", b: "y" })).toBe("x and x and y")
  })

  it("keeps $ replacement patterns in values verbatim", () => {
    const value = "$$ $& $1 $` $' $<name>"
    expect(Prompts.fill("[{v}]", { v: value })).toBe(`[${value}]`)
    expect(Prompts.fill("{v}{v}", { v: "$&" })).toBe("$&$&")
  })

  it("does not fill placeholders that appear inside a value (single pass)", () => {
    expect(Prompts.fill("{request} / {schema}", { request: "show {schema} and {request}", schema: "S" }))
      .toBe("show {schema} and {request} / S")
  })

  it("leaves unknown placeholders and stray braces alone", () => {
    expect(Prompts.fill("{known} {unknown} { spaced } {1x} {} {", { known: "k" })).toBe("k {unknown} { spaced } {1x} {} {")
    expect(Prompts.fill("json: {\"a\": {b}}", { b: "1" })).toBe("json: {\"a\": 1}")
  })

  it("does not take values from Object.prototype", () => {
    expect(Prompts.fill("{toString} {constructor} {hasOwnProperty}", {})).toBe("{toString} {constructor} {hasOwnProperty}")
  })

  it("accepts an empty string as a value", () => {
    expect(Prompts.fill("<{a}>", { a: "" })).toBe("<>")
  })
})

describe("Prompts.system", () => {
  it("casts the DBAssist persona with DB Toolkit's rules", () => {
    expect(Prompts.system).toContain("DBAssist")
    expect(Prompts.system).toContain("DB Toolkit")
    expect(Prompts.system).toContain("I need more information about")
    expect(Prompts.system).toMatch(/exact/i)
    expect(Prompts.system).toMatch(/dialect/i)
    expect(Prompts.system).toMatch(/concise/i)
  })
})

describe("Prompts templates", () => {
  it("ask for the generate answer format", () => {
    expect(Prompts.generateTemplate).toContain("```sql fenced block")
    expect(Prompts.generateTemplate).toContain("at most one short sentence")
    expect(Prompts.generateTemplate).toContain("JOIN")
    expect(Prompts.generateTemplate).toContain("{row_limit}")
    expect(Prompts.generateTemplate).toContain("I need more information about")
  })

  it("ask for plain prose under 120 words when explaining", () => {
    expect(Prompts.explainTemplate).toContain("under 120 words")
    expect(Prompts.explainTemplate).toMatch(/purpose.*tables.*operations.*result/s)
  })

  it("ask for the optimize sections in order", () => {
    const t = Prompts.optimizeTemplate
    const order = ["RATING:", "OPTIMIZED SQL:", "INDEXES:", "CHANGES:"].map((h) => t.lastIndexOf(h))
    expect(order.every((i) => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(t).toContain("GOOD, FAIR or POOR")
    expect(t).toContain("- <CREATE INDEX statement> -- <reason>")
    expect(t).toContain("- none")
    expect(t).toContain("original query unchanged")
  })

  it("ask for the fix sections in order", () => {
    const t = Prompts.fixTemplate
    const order = ["CAUSE:", "FIXED SQL:", "CHANGES:"].map((h) => t.lastIndexOf(h))
    expect(order.every((i) => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(t).toContain("FIXED SQL:\n```sql")
  })
})

describe("Prompts.forTask", () => {
  const formatted = SchemaContext.format(schema)

  it("fills the generate prompt with dialect, schema lines and the request verbatim", () => {
    const request = "orders over $100 with $& and {schema} in the text"
    const p = Prompts.forTask(SqlTask.generate({ prompt: request, schema, dialect: "postgresql" }))
    expect(p.system).toBe(Prompts.system)
    expect(p.user).toContain("PostgreSQL")
    for (const line of formatted.split("\n")) expect(p.user).toContain(line)
    expect(p.user).toContain("public.orders(id integer PK, user_id integer -> users.id, total numeric)")
    expect(p.user).toContain(request)
    expect(p.user).toContain("LIMIT 100")
    expect(p.user).not.toMatch(/\{(dialect|schema|request|row_limit|sql|plan|error)\}(?! in the text)/)
  })

  it("asks for the dialect's own row limit", () => {
    const user = (dialect: "mssql" | "oracle" | "sqlite") =>
      Prompts.forTask(SqlTask.generate({ prompt: "all users", dialect })).user
    expect(user("mssql")).toContain("TOP 100")
    expect(user("mssql")).toContain("Microsoft SQL Server (T-SQL)")
    expect(user("mssql")).not.toContain("LIMIT 100")
    expect(user("oracle")).toContain("FETCH FIRST 100 ROWS ONLY")
    expect(user("sqlite")).toContain("LIMIT 100")
    expect(user("sqlite")).toContain("SQLite")
  })

  it("says no schema is available when there is none", () => {
    const p = Prompts.forTask(SqlTask.explain({ sql: "SELECT 1", dialect: "generic" }))
    expect(p.user).toContain("No schema available")
    expect(p.user).toContain("standard SQL")
  })

  it("puts the user's SQL verbatim inside a sql fence", () => {
    const p = Prompts.forTask(SqlTask.explain({ sql: trickySql, schema, dialect: "mysql" }))
    expect(p.user).toContain("```sql\n" + trickySql + "\n```")
    expect(p.user).toContain("MySQL")
    // the '{schema}' literal inside the SQL is not replaced by the schema text
    expect(p.user.split(formatted).length).toBe(2)
  })

  it("keeps a dollar-quoted function body verbatim", () => {
    const fn = "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.updated := now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;"
    const p = Prompts.forTask(SqlTask.fix({ sql: fn, errorMessage: "syntax error at or near \"$$\"", dialect: "postgresql" }))
    expect(p.user).toContain(fn)
    expect(p.user).toContain("syntax error at or near \"$$\"")
  })

  it("includes the execution plan, or says none was provided", () => {
    const withPlan = Prompts.forTask(
      SqlTask.optimize({ sql: "SELECT * FROM orders", executionPlan: "Seq Scan on orders (cost=0.00..$1)", schema, dialect: "postgresql" })
    )
    expect(withPlan.user).toContain("Seq Scan on orders (cost=0.00..$1)")
    expect(withPlan.user).not.toContain("No execution plan provided")
    const without = Prompts.forTask(SqlTask.optimize({ sql: "SELECT * FROM orders", schema, dialect: "postgresql" }))
    expect(without.user).toContain("No execution plan provided")
    const blank = Prompts.forTask(SqlTask.optimize({ sql: "SELECT 1", executionPlan: "  ", dialect: "postgresql" }))
    expect(blank.user).toContain("No execution plan provided")
    expect(without.user).toContain("RATING:")
  })

  it("includes the error message verbatim when fixing", () => {
    const p = Prompts.forTask(
      SqlTask.fix({ sql: "SELECT nme FROM users", errorMessage: "column \"nme\" does not exist ($&)", schema, dialect: "postgresql" })
    )
    expect(p.user).toContain("column \"nme\" does not exist ($&)")
    expect(p.user).toContain("```sql\nSELECT nme FROM users\n```")
    expect(p.user).toContain("CAUSE:")
    expect(p.user).toContain("FIXED SQL:")
  })

  it("fits the schema to the model's context window, reporting what it sent and left out", () => {
    const task = SqlTask.generate({ prompt: "total of each order", schema, dialect: "postgresql" })
    const all = Prompts.forTask(task)
    expect(all.schema).toEqual({ sent: ["public.users", "public.orders"], leftOut: [], textLeftOut: false })
    const budget = { provider: "openai" as const, model: "m", contextWindow: 1_000_000, maxOutputTokens: 2048 }
    const roomy = Either.getOrThrow(Prompts.forTask(task, budget))
    expect(roomy.user).toBe(all.user)
    const none = Either.getOrThrow(Prompts.forTask(task, { ...budget, contextWindow: 0 }))
    expect(none.schema).toEqual({ sent: [], leftOut: ["public.users", "public.orders"], textLeftOut: false })
    expect(none.user).toContain("Schema:\nNo schema available")
    // The first table that fits as the window grows (the longer one, orders, does not yet).
    const sentAt = (contextWindow: number) => Either.getOrThrow(Prompts.forTask(task, { ...budget, contextWindow })).schema
    let window = 2048
    while (sentAt(window).sent.length === 0) window++
    const one = Either.getOrThrow(Prompts.forTask(task, { ...budget, contextWindow: window }))
    expect(one.schema.sent).toEqual(["public.users"])
    expect(one.schema.leftOut).toEqual(["public.orders"])
    expect(one.user).toContain("public.users(")
    expect(one.user).not.toContain("public.orders(")
    expect(one.user).toContain("... and 1 more tables")
  })

  it("appends a follow-up (the repair round) within the budget", () => {
    const task = SqlTask.generate({ prompt: "x", schema, dialect: "postgresql" })
    const p = Prompts.forTask(task, undefined, "Your previous answer does not parse")
    expect(p.user.endsWith("\n\nYour previous answer does not parse")).toBe(true)
  })

  it("leaves no known placeholder unfilled in any task", () => {
    const tasks = [
      SqlTask.generate({ prompt: "count users", schema, dialect: "postgresql" }),
      SqlTask.explain({ sql: "SELECT 1", schema, dialect: "postgresql" }),
      SqlTask.optimize({ sql: "SELECT 1", schema, dialect: "postgresql" }),
      SqlTask.fix({ sql: "SELECT 1", errorMessage: "boom", schema, dialect: "postgresql" })
    ]
    for (const t of tasks) {
      const p = Prompts.forTask(t)
      expect(p.user).not.toMatch(/\{(dialect|schema|request|row_limit|sql|plan|error)\}/)
      expect(p.user).toContain("PostgreSQL")
      expect(p.user).toContain(formatted)
    }
  })
})
