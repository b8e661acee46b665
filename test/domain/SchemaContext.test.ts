import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as SchemaContext from "../../src/domain/SchemaContext.js"

const ok = (input: unknown) => {
  const r = SchemaContext.normalize(input)
  if (Either.isLeft(r)) throw new Error(r.left)
  return r.right
}

describe("SchemaContext.normalize", () => {
  it("reads the chat panel's { tables: {...} } shape (today's [object Object] bug)", () => {
    const ctx = ok({ tables: { users: { columns: [{ name: "id", type: "integer" }, { name: "email", type: "text" }], sample_data: [] } } })
    expect(ctx.tables).toEqual([{ name: "users", columns: [{ name: "id", type: "integer" }, { name: "email", type: "text" }] }])
    expect(SchemaContext.format(ctx)).toBe("users(id integer, email text)")
  })

  it("reads auto-fix's bare table map", () => {
    const ctx = ok({ orders: { columns: [{ name: "id", type: "int" }] }, items: { columns: [] } })
    expect(ctx.tables.map((t) => t.name)).toEqual(["orders", "items"])
  })

  it("reads ai:analyze-schema's { table: [columns with primary_key] }", () => {
    const ctx = ok({ users: [{ name: "id", type: "integer", primary_key: true }, { name: "name", type: "text", primary_key: false }] })
    expect(ctx.tables[0]!.columns).toEqual([{ name: "id", type: "integer", primaryKey: true }, { name: "name", type: "text", primaryKey: false }])
    expect(SchemaContext.format(ctx)).toBe("users(id integer PK, name text)")
  })

  it("reads the schema:getTree tree with column_name / data_type / is_nullable", () => {
    const tree = {
      connection_id: "c1",
      db_type: "postgresql",
      schemas: {
        public: {
          table_count: 1,
          tables: {
            users: { column_count: 2, columns: [{ column_name: "id", data_type: "integer", is_nullable: "NO", column_default: null }, { column_name: "bio", data_type: "text", is_nullable: "YES" }] }
          }
        },
        audit: { table_count: 1, tables: { log: { columns: [{ column_name: "at", data_type: "timestamp" }] } } }
      }
    }
    const ctx = ok(tree)
    expect(ctx.tables).toEqual([
      { name: "users", schema: "public", columns: [{ name: "id", type: "integer", nullable: false }, { name: "bio", type: "text", nullable: true }] },
      { name: "log", schema: "audit", columns: [{ name: "at", type: "timestamp" }] }
    ])
    expect(SchemaContext.format(ctx)).toBe("public.users(id integer NOT NULL, bio text)\naudit.log(at timestamp)")
  })

  it("reads the canonical shape back unchanged", () => {
    const canonical: SchemaContext.SchemaContext = {
      tables: [{
        name: "orders",
        schema: "sales",
        columns: [{ name: "id", type: "bigint", primaryKey: true }, { name: "user_id", type: "bigint", nullable: false }],
        foreignKeys: [{ columns: ["user_id"], referencedTable: "users", referencedColumns: ["id"] }]
      }],
      text: "-- extra notes"
    }
    expect(ok(canonical)).toEqual(canonical)
    expect(SchemaContext.format(canonical)).toBe("sales.orders(id bigint PK, user_id bigint NOT NULL -> users.id)\n-- extra notes")
  })

  it("accepts arrays of columns as strings and as a { column: type } map", () => {
    expect(ok({ t: { columns: ["id integer", "name"] } }).tables[0]!.columns).toEqual([{ name: "id", type: "integer" }, { name: "name" }])
    expect(ok({ t: { columns: { id: "integer", meta: { type: "jsonb" } } } }).tables[0]!.columns).toEqual([
      { name: "id", type: "integer" },
      { name: "meta", type: "jsonb" }
    ])
  })

  it("never yields [object Object], whatever the type field holds", () => {
    const ctx = ok({ t: { columns: [{ name: "a", type: { name: "varchar", length: 20 } }, { name: "b", type: { weird: true } }, { name: "c", type: 42 }] } })
    const text = SchemaContext.format(ctx)
    expect(text).not.toContain("[object Object]")
    expect(text).toBe("t(a varchar, b, c 42)")
  })

  it("reads foreign keys from column references and table lists", () => {
    const ctx = ok({
      orders: {
        columns: [{ name: "user_id", type: "int", references: "users.id" }, { name: "sku", type: "text" }],
        foreign_keys: [{ columns: ["sku", "region"], referenced_table: "products", referenced_columns: ["sku", "region"] }]
      }
    })
    const text = SchemaContext.format(ctx)
    expect(text).toBe("orders(user_id int -> users.id, sku text)\n  FK (sku, region) -> products(sku, region)")
  })

  it("keeps JSON strings and DDL text", () => {
    expect(ok("{\"users\": {\"columns\": [{\"name\": \"id\"}]}}").tables[0]!.name).toBe("users")
    const ddl = "CREATE TABLE users (id int primary key);"
    expect(ok(ddl)).toEqual({ tables: [], text: ddl })
    expect(SchemaContext.format(ok(ddl))).toBe(ddl)
  })

  it("treats null, undefined and empty strings as no schema", () => {
    for (const input of [null, undefined, "", "   "]) expect(ok(input)).toEqual(SchemaContext.empty)
    expect(SchemaContext.format(undefined)).toBe("No schema available")
    expect(SchemaContext.format(SchemaContext.empty)).toBe("No schema available")
  })

  it("rejects what is not a schema with a message saying what was expected", () => {
    expect(SchemaContext.normalize(42)).toEqual(Either.left("expected a table map, a schema tree or { tables }, got number"))
    const r = SchemaContext.normalize({ a: 1, b: "x" })
    expect(Either.isLeft(r) && r.left).toMatch(/no entry has columns/)
  })

  it("caps tables and columns, saying how many were left out", () => {
    const tables = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`t${i}`, { columns: Array.from({ length: 12 }, (_, j) => ({ name: `c${j}` })) }]))
    const text = SchemaContext.format(ok(tables))
    const lines = text.split("\n")
    expect(lines).toHaveLength(21)
    expect(lines[0]).toBe("t0(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, ... +2 more)")
    expect(lines[20]).toBe("... and 5 more tables")
    expect(SchemaContext.format(ok(tables), { maxTables: 2, maxColumns: 1 }).split("\n")).toEqual(["t0(c0, ... +11 more)", "t1(c0, ... +11 more)", "... and 23 more tables"])
  })

  it("SchemaContextFromInput decodes any accepted shape and fails with a ParseError otherwise", () => {
    const decode = Schema.decodeUnknownEither(SchemaContext.SchemaContextFromInput)
    expect(Either.isRight(decode({ users: { columns: [] } }))).toBe(true)
    expect(Either.isLeft(decode(true))).toBe(true)
  })
})
