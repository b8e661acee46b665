import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as fc from "fast-check"
import * as Limits from "../../src/domain/Limits.js"
import * as SchemaBudget from "../../src/domain/SchemaBudget.js"
import * as SchemaContext from "../../src/domain/SchemaContext.js"
import * as SqlTask from "../../src/domain/SqlTask.js"
import * as Tokens from "../../src/internal/Tokens.js"

const col = (name: string, extra: Partial<SchemaContext.Column> = {}): SchemaContext.Column => ({ name, type: "integer", ...extra })

// 30 filler tables with ten columns each, then `invoices` (31st) referencing `customers` (2nd).
const filler = Array.from({ length: 30 }, (_, i): SchemaContext.Table => ({
  name: i === 1 ? "customers" : `filler_${i}`,
  schema: "public",
  columns: [col("id", { primaryKey: true }), ...Array.from({ length: 9 }, (_, c) => col(`attr_${c}`, { type: "text" }))]
}))
const invoices: SchemaContext.Table = {
  name: "invoices",
  schema: "public",
  columns: [col("id", { primaryKey: true }), col("customer_id", { nullable: false }), col("amount_cents"), col("paid_at", { type: "timestamp" })],
  foreignKeys: [{ columns: ["customer_id"], referencedTable: "customers", referencedColumns: ["id"] }]
}
const big: SchemaContext.SchemaContext = { tables: [...filler, invoices] }

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${String(e.left)}`)
  return e.right
}

const estimate = (text: string) => Tokens.estimate("openai", text)

describe("SchemaBudget.fit", () => {
  it("sends the relevant 31st table, which today's 20-table cut never sent", () => {
    expect(SchemaContext.format(big)).not.toContain("invoices(")
    const r = right(SchemaBudget.fit({ schema: big, request: "unpaid invoices over 100 dollars", budget: 300, provider: "openai" }))
    expect(r.sent).toContain("public.invoices")
    expect(r.text).toContain("public.invoices(id integer PK, customer_id integer NOT NULL -> customers.id, amount_cents integer, paid_at timestamp)")
    expect(r.leftOut.length).toBeGreaterThan(0)
    expect(r.text).toContain(`... and ${r.leftOut.length} more tables`)
    expect(r.tokens).toBeLessThanOrEqual(300)
  })

  it("brings the foreign-key neighbours of the chosen tables, in either direction", () => {
    // Room for exactly two tables (each line counted with its newline) and the closing line.
    const cost = (t: SchemaContext.Table) => estimate(`${SchemaContext.format({ tables: [t] })}\n`)
    const budget = cost(invoices) + cost(filler[1]!) + estimate("... and 31 more tables\n")
    const r = right(SchemaBudget.fit({ schema: big, request: "unpaid invoices", budget, provider: "openai" }))
    expect(r.sent).toEqual(["public.customers", "public.invoices"])
    // From the other side: asking about customers brings the invoices that reference them.
    const back = right(SchemaBudget.fit({ schema: big, request: "customers by signup", budget: 300, provider: "openai" }))
    expect(back.sent).toContain("public.invoices")
  })

  it("sent and leftOut together are every table, each once, and the text lists them in schema order", () => {
    const r = right(SchemaBudget.fit({ schema: big, request: "invoices", budget: 500, provider: "anthropic" }))
    expect([...r.sent, ...r.leftOut].sort()).toEqual(big.tables.map((t) => `public.${t.name}`).sort())
    const positions = r.sent.map((name) => r.text.indexOf(`${name}(`))
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
  })

  it("keeps SchemaContext.format's layout: with room for everything, the same text", () => {
    const r = right(SchemaBudget.fit({ schema: big, request: "anything", budget: 100_000, provider: "openai" }))
    expect(r.leftOut).toEqual([])
    expect(r.text).toBe(SchemaContext.format(big, { maxTables: 500, maxColumns: 100 }))
    expect(r.tokens).toBeGreaterThanOrEqual(estimate(r.text))
  })

  it("a table too big to send in full is sent with its key and relevant columns", () => {
    const wide: SchemaContext.Table = {
      name: "events",
      columns: [col("id", { primaryKey: true }), ...Array.from({ length: 60 }, (_, i) => col(`payload_field_${i}`)), col("occurred_at")],
      foreignKeys: [{ columns: ["user_id"], referencedTable: "users", referencedColumns: ["id"] }]
    }
    const r = right(SchemaBudget.fit({ schema: { tables: [wide] }, request: "events by occurred time", budget: 60, provider: "openai" }))
    expect(r.text).toBe("events(id integer PK, occurred_at integer, ... +60 more)")
  })

  it("the tables the SQL names are sent first, whatever the request's words", () => {
    const task = SqlTask.explain({ sql: "SELECT f.attr_1 FROM public.filler_17 f JOIN filler_3 ON filler_3.id = f.id", dialect: "postgresql", schema: big })
    const r = right(Limits.finish(SchemaBudget.fitTask(task, { budget: 120, provider: "openai" })))
    expect(r.sent).toEqual(expect.arrayContaining(["public.filler_17", "public.filler_3"]))
  })

  it("fails, naming them, when the tables the SQL names cannot fit", () => {
    const r = SchemaBudget.fit({ schema: big, request: "", sql: "SELECT * FROM invoices JOIN customers USING (id) JOIN filler_9 ON true", budget: 25, provider: "openai" })
    expect(Either.isLeft(r)).toBe(true)
    const error = Either.getLeft(r).pipe((o) => (o._tag === "Some" ? o.value : undefined))!
    expect(error).toBeInstanceOf(SchemaBudget.NamedTablesDoNotFit)
    expect(error._tag).toBe("NamedTablesDoNotFit")
    expect(error.tables.length).toBeGreaterThan(0)
    for (const t of error.tables) expect(["public.invoices", "public.customers", "public.filler_9"]).toContain(t)
    expect(error.needed).toBeGreaterThan(25)
    expect(error.message).toContain("do not fit")
    // It is plain data: it encodes for IPC.
    expect(Schema.encodeSync(SchemaBudget.NamedTablesDoNotFit)(error)).toMatchObject({ _tag: "NamedTablesDoNotFit", budget: 25 })
  })

  it("an empty schema is `No schema available`; free text goes in when it fits and is reported when it does not", () => {
    expect(right(SchemaBudget.fit({ schema: undefined, request: "x", budget: 100, provider: "openai" })).text).toBe("No schema available")
    const ddl = { tables: [], text: "CREATE TABLE t (id int);" }
    expect(right(SchemaBudget.fit({ schema: ddl, request: "x", budget: 100, provider: "openai" }))).toMatchObject({ text: ddl.text, textLeftOut: false })
    expect(right(SchemaBudget.fit({ schema: ddl, request: "x", budget: 3, provider: "openai" }))).toMatchObject({ text: "", tokens: 0, textLeftOut: true })
  })

  it("fitWork pauses between tables (so a huge schema can be fitted in slices) and ends where fit does", () => {
    const many: SchemaContext.SchemaContext = {
      tables: Array.from({ length: 5_000 }, (_, i): SchemaContext.Table => ({ name: `t_${i}`, columns: [col("id", { primaryKey: true }), col("invoice_total")] }))
    }
    const req = { schema: many, request: "invoice totals", budget: 4_000, provider: "openai" as const }
    const work = SchemaBudget.fitWork(req)
    let pauses = 0
    let next = work.next()
    for (; next.done !== true; next = work.next()) pauses++
    // Every pass over the tables pauses every 256 of them.
    expect(pauses).toBeGreaterThanOrEqual(4 * Math.floor(5_000 / 256))
    expect(next.value).toEqual(SchemaBudget.fit(req))
    expect(Either.isRight(next.value) && next.value.right.sent.length).toBeGreaterThan(0)
  })

  it("counts with an exact encoder when one is given", () => {
    const encoder = (text: string) => text.length // one token per character
    const r = right(SchemaBudget.fit({ schema: big, request: "invoices", budget: 200, provider: "openai", encoder }))
    expect(r.tokens).toBeLessThanOrEqual(200)
    expect(r.tokens).toBeGreaterThanOrEqual(r.text.length)
  })

  it("never exceeds the budget, and sent + leftOut is the whole schema (property)", () => {
    const name = fc.stringMatching(/^[a-z][a-z_]{0,11}$/)
    const table = fc.record({
      name,
      schema: fc.option(fc.constantFrom("public", "sales", "main"), { nil: undefined }),
      columns: fc.array(fc.record({ name, type: fc.constantFrom("int", "text", "timestamp with time zone"), primaryKey: fc.boolean() }), { maxLength: 40 }),
      fkTo: fc.array(fc.nat(), { maxLength: 3 })
    })
    fc.assert(
      fc.property(
        fc.array(table, { minLength: 1, maxLength: 60 }),
        fc.nat({ max: 3_000 }),
        fc.array(name, { maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.constantFrom("openai", "anthropic", "gemini") as fc.Arbitrary<"openai" | "anthropic" | "gemini">,
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        (raw, budget, words, sqlTable, provider, text) => {
          const tables: Array<SchemaContext.Table> = raw.map((t) => ({
            name: t.name,
            ...(t.schema !== undefined ? { schema: t.schema } : {}),
            columns: t.columns,
            foreignKeys: t.fkTo.map((j) => ({ columns: [t.columns[0]?.name ?? "id"], referencedTable: raw[j % raw.length]!.name, referencedColumns: ["id"] }))
          }))
          const schema: SchemaContext.SchemaContext = { tables, ...(text ? { text } : {}) }
          const sql = sqlTable === undefined ? undefined : `SELECT * FROM ${tables[sqlTable % tables.length]!.name}`
          const r = SchemaBudget.fit({ schema, request: words.join(" "), sql, budget, provider })
          if (Either.isLeft(r)) {
            // Only a named table may make it fail, and then it is named.
            expect(sql).toBeDefined()
            expect(r.left.tables.length).toBeGreaterThan(0)
            return
          }
          const f = r.right
          expect(f.tokens).toBeLessThanOrEqual(budget)
          expect(Tokens.estimate(provider, f.text)).toBeLessThanOrEqual(Math.max(f.tokens, 0))
          const qualified = tables.map((t) => (t.schema !== undefined && t.schema !== "main" ? `${t.schema}.${t.name}` : t.name))
          expect([...f.sent, ...f.leftOut].sort()).toEqual(qualified.sort())
        }
      ),
      { numRuns: 300 * Number(process.env["FUZZ_SCALE"] ?? 1) }
    )
  })
})

describe("SchemaBudget.namedTables", () => {
  it("reads FROM lists, joins, subqueries, quoted and qualified names, and DML targets", () => {
    expect(SchemaBudget.namedTables(
      "SELECT * FROM a x, \"Sales\".\"B\" AS y JOIN c ON c.id = x.id LEFT JOIN (SELECT id FROM d) z ON true WHERE x.v IN (SELECT v FROM e) -- FROM f\n"
    )).toEqual([{ name: "a" }, { schema: "sales", name: "b" }, { name: "c" }, { name: "d" }, { name: "e" }])
    expect(SchemaBudget.namedTables("INSERT INTO logs (id) SELECT id FROM `shop`.`users`; UPDATE accounts SET x = 'FROM g'; DELETE FROM sessions"))
      .toEqual([{ name: "logs" }, { schema: "shop", name: "users" }, { name: "accounts" }, { name: "sessions" }])
    expect(SchemaBudget.namedTables("DROP TABLE IF EXISTS [dbo].[old]; TRUNCATE t2")).toEqual([{ schema: "dbo", name: "old" }, { name: "t2" }])
  })
})
