import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as CacheKey from "../../src/domain/CacheKey.js"
import type { SchemaContext } from "../../src/domain/SchemaContext.js"

const schema: SchemaContext = {
  tables: [
    {
      name: "users",
      columns: [{ name: "id", type: "INTEGER", primaryKey: true }, { name: "email", type: "varchar(255)" }]
    },
    {
      name: "orders",
      schema: "public",
      columns: [{ name: "id", type: "integer" }, { name: "user_id", type: "integer" }, { name: "total", type: "numeric(10, 2)" }],
      foreignKeys: [
        { columns: ["user_id"], referencedTable: "users", referencedColumns: ["id"] },
        { columns: ["id"], referencedTable: "audit", referencedColumns: ["order_id"] }
      ]
    }
  ]
}

const base: CacheKey.KeyInput = {
  provider: "openai",
  model: "gpt-4o-mini",
  task: "GenerateSql",
  request: { prompt: "Show every user with more than 3 orders" },
  dialect: "postgresql",
  schema
}

const digest = (over: Partial<CacheKey.KeyInput> = {}) => CacheKey.make({ ...base, ...over }).digest

describe("CacheKey.normalize", () => {
  const lower = { lowercase: true }

  it("collapses white space and lower-cases outside quotes", () => {
    expect(CacheKey.normalize("  SELECT  *\n\t FROM Users\n", lower)).toBe("select * from users")
    expect(CacheKey.normalize("SELECT 'Bob  X', \"Name\", `T` FROM t", lower)).toBe("select 'Bob  X', \"Name\", `T` from t")
  })

  it("keeps the case when asked to", () => {
    expect(CacheKey.normalize("  relation \"Users\"   does NOT exist ", { lowercase: false })).toBe("relation \"Users\" does NOT exist")
  })

  it("keeps comments exactly, and never joins a line comment to the next line", () => {
    expect(CacheKey.normalize("-- Find X\nSELECT 1", lower)).toBe("-- Find X\nselect 1")
    expect(CacheKey.normalize("-- Find X select 1", lower)).toBe("-- Find X select 1")
    expect(CacheKey.normalize("SELECT /* Keep  This */ 1", lower)).toBe("select /* Keep  This */ 1")
  })

  it("stops normalizing at what dialects disagree on", () => {
    // MySQL reads \' as an escaped quote: 'it\'s A' is one literal there
    expect(CacheKey.normalize("SELECT 'it\\'s A' FROM T", lower)).toBe("select 'it\\'s A' FROM T")
    expect(CacheKey.normalize("SELECT $$A$$ FROM T", lower)).toBe("select $$A$$ FROM T")
    expect(CacheKey.normalize("SELECT 1 # Note\nFROM T", lower)).toBe("select 1 # Note\nFROM T")
    expect(CacheKey.normalize("SELECT [My Col] FROM T", lower)).toBe("select [My Col] FROM T")
    expect(CacheKey.normalize("SELECT 1--'A\nFROM T", lower)).toBe("select 1--'A\nFROM T")
    expect(CacheKey.normalize("SELECT 'unterminated A", lower)).toBe("select 'unterminated A")
  })
})

describe("CacheKey.make", () => {
  it("is a SHA-256 digest, the same for the same request", () => {
    expect(digest()).toMatch(/^[0-9a-f]{64}$/)
    expect(digest()).toBe(digest())
    const key = CacheKey.make(base)
    expect({ provider: key.provider, model: key.model, task: key.task }).toEqual({ provider: "openai", model: "gpt-4o-mini", task: "GenerateSql" })
  })

  it("the same request written differently (white space, case) is the same key", () => {
    expect(digest({ request: { prompt: "  show EVERY user with   more than 3 orders\n" } })).toBe(digest())
    const sql = (text: string) => digest({ task: "ExplainSql", request: { sql: text } })
    expect(sql("SELECT *\n  FROM orders\n WHERE total > 10")).toBe(sql("select * from orders where total > 10"))
  })

  it("quoted values keep their case", () => {
    const sql = (text: string) => digest({ task: "ExplainSql", request: { sql: text } })
    expect(sql("SELECT * FROM users WHERE name = 'Bob'")).not.toBe(sql("SELECT * FROM users WHERE name = 'bob'"))
  })

  it("every part of the key changes it", () => {
    const all = [
      digest(),
      digest({ provider: "anthropic" }),
      digest({ model: "gpt-4o" }),
      digest({ task: "ExplainSql" }),
      digest({ dialect: "mysql" }),
      digest({ request: { prompt: "Show every user with more than 4 orders" } }),
      digest({ schema: undefined }),
      digest({ promptVersion: "previous" }),
      digest({ params: { temperature: 0 } }),
      digest({ task: "FixSql", request: { sql: "select 1", errorMessage: "Bad" } }),
      digest({ task: "FixSql", request: { sql: "select 1", errorMessage: "bad" } }),
      digest({ task: "OptimizeSql", request: { sql: "select 1", executionPlan: "Seq Scan" } }),
      digest({ task: "OptimizeSql", request: { sql: "select 1" } })
    ]
    expect(new Set(all).size).toBe(all.length)
  })

  it("a prompt moved to another field is another key", () => {
    expect(digest({ request: { sql: "Show every user with more than 3 orders" } })).not.toBe(digest())
  })

  it("fields outside the key's parts (an API key passed by mistake) change nothing", () => {
    const withSecret = { ...base, apiKey: "sk-live-secret", config: { apiKey: "sk-live-secret" } } as CacheKey.KeyInput
    expect(CacheKey.make(withSecret).digest).toBe(digest())
    expect(JSON.stringify(CacheKey.make(withSecret))).not.toContain("sk-live")
  })

  it("params are read in name order; undefined ones are left out", () => {
    expect(digest({ params: { a: 1, b: "x" } })).toBe(digest({ params: { b: "x", a: 1 } }))
    expect(digest({ params: { a: 1, b: undefined } })).toBe(digest({ params: { a: 1 } }))
    expect(digest({ params: { a: 1 } })).not.toBe(digest({ params: { a: "1" } }))
  })

  it("fromTask reads a decoded task; the dialect given wins over the task's", () => {
    const task = { _tag: "GenerateSql" as const, prompt: base.request.prompt!, schema, dialect: "postgresql" as const }
    expect(CacheKey.fromTask("openai", "gpt-4o-mini", task).digest).toBe(digest())
    expect(CacheKey.fromTask("openai", "gpt-4o-mini", task, { dialect: "mongodb" }).digest).toBe(digest({ dialect: "mongodb" }))
  })
})

describe("CacheKey.schemaFingerprint", () => {
  const fp = CacheKey.schemaFingerprint

  it("ignores the order of tables and of foreign keys, and the case and spacing of types", () => {
    const reordered: SchemaContext = {
      tables: [
        { ...schema.tables[1]!, foreignKeys: [...schema.tables[1]!.foreignKeys!].reverse() },
        { ...schema.tables[0]!, columns: schema.tables[0]!.columns.map((c) => ({ ...c, type: c.type?.toUpperCase() })) }
      ]
    }
    expect(fp(reordered)).toBe(fp(schema))
    const spaced: SchemaContext = {
      tables: [schema.tables[0]!, { ...schema.tables[1]!, columns: schema.tables[1]!.columns.map((c) => ({ ...c, type: c.type?.replace(", ", ",   ") })) }]
    }
    expect(fp(spaced)).toBe(fp(schema))
  })

  it("sees every change that matters", () => {
    const users = schema.tables[0]!
    const orders = schema.tables[1]!
    const variants: Array<SchemaContext> = [
      schema,
      { tables: [users] },
      { tables: [users, { ...orders, name: "Orders" }] },
      { tables: [users, { ...orders, schema: "sales" }] },
      { tables: [users, { ...orders, columns: [...orders.columns].reverse() }] },
      { tables: [users, { ...orders, columns: orders.columns.map((c, i) => (i === 0 ? { ...c, type: "bigint" } : c)) }] },
      { tables: [users, { ...orders, columns: orders.columns.map((c, i) => (i === 0 ? { ...c, nullable: false } : c)) }] },
      { tables: [users, { ...orders, columns: orders.columns.map((c, i) => (i === 0 ? { ...c, primaryKey: true } : c)) }] },
      { tables: [users, { ...orders, foreignKeys: orders.foreignKeys!.slice(0, 1) }] },
      { tables: [users, { ...orders, foreignKeys: [{ ...orders.foreignKeys![0]!, referencedColumns: ["email"] }, orders.foreignKeys![1]!] }] },
      { ...schema, text: "CREATE TABLE x (a int)" },
      { ...schema, text: "CREATE TABLE x (A int)" }
    ]
    const prints = variants.map(fp)
    expect(new Set(prints).size).toBe(prints.length)
    expect(fp(undefined)).toBe("none")
    expect(fp({ tables: [] })).not.toBe("none")
  })

  it("is remembered per schema object, and equal for an equal copy", () => {
    expect(fp({ tables: schema.tables.map((t) => ({ ...t })) })).toBe(fp(schema))
    expect(fp(schema)).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe("CacheKey digests are pinned", () => {
  // Computed once. A change to how keys are built makes every stored answer a miss: when it is
  // meant, bump PROMPT_VERSION (or the layout) and update this value.
  it("the same input gives the same digest across releases", () => {
    const key = CacheKey.make({
      provider: "openai",
      model: "m",
      task: "GenerateSql",
      request: { prompt: "List users" },
      dialect: "sqlite",
      schema: { tables: [{ name: "users", columns: [{ name: "id", type: "integer" }] }] }
    })
    expect(key.digest).toBe("4b4835564d8ce98441b13b5e5d16812203e13771b20a63b4d6ec972d2aa649b6")
  })
})

describe("CacheKey.CachePolicy", () => {
  it("defaults: on, 24 h, 500 answers", () => {
    expect(CacheKey.defaultPolicy).toEqual({ enabled: true, ttlMs: 86_400_000, maxEntries: 500, maxBytes: 16_777_216, maxEntryBytes: 262_144 })
  })

  it("refuses impossible bounds", () => {
    expect(() => Schema.decodeUnknownSync(CacheKey.CachePolicy)({ maxEntries: 0 })).toThrow(/maxEntries/)
    expect(() => Schema.decodeUnknownSync(CacheKey.CachePolicy)({ ttlMs: -1 })).toThrow(/ttlMs/)
  })
})
