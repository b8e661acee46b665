import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as Limits from "../../src/domain/Limits.js"
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

  it("reads JSON strings, and DDL text into tables (what it does not model kept as text)", () => {
    expect(ok("{\"users\": {\"columns\": [{\"name\": \"id\"}]}}").tables[0]!.name).toBe("users")
    const ddl = "CREATE TABLE users (id int primary key, team_id int REFERENCES teams (id));\nCREATE INDEX users_team ON users (team_id);"
    expect(ok(ddl)).toEqual({
      tables: [{
        name: "users",
        columns: [{ name: "id", type: "int", primaryKey: true }, { name: "team_id", type: "int" }],
        foreignKeys: [{ columns: ["team_id"], referencedTable: "teams", referencedColumns: ["id"] }]
      }],
      text: "CREATE INDEX users_team ON users (team_id);"
    })
    expect(SchemaContext.format(ok(ddl))).toBe("users(id int PK, team_id int -> teams.id)\nCREATE INDEX users_team ON users (team_id);")
  })

  it("keeps text with no table definition in it as it is (a view, a description, DDL it cannot read)", () => {
    for (const text of ["CREATE VIEW v AS SELECT 1;", "users(id, name) and orders(id, user_id)", "CREATE TABLE ("]) {
      expect(ok(text)).toEqual({ tables: [], text })
    }
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

describe("SchemaContext limits", () => {
  const limits = Limits.InputLimits.make({ schemaTables: 3, schemaColumns: 5, schemaChars: 200 })
  const cols = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}` }))

  it("counts tables, columns and text as it reads, in every shape, and names the limit", () => {
    const tables = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, { columns: [] }]))
    expect(SchemaContext.normalize({ tables: tables(4) }, limits)).toEqual(
      Either.left("schema has at least 4 tables; the limit is 3 (settings.limits.schemaTables)")
    )
    expect(Either.isLeft(SchemaContext.normalize(tables(4), limits))).toBe(true)
    expect(Either.isLeft(SchemaContext.normalize({ schemas: { a: { tables: tables(2) }, b: { tables: tables(2) } } }, limits))).toBe(true)
    expect(Either.isLeft(SchemaContext.normalize([{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }], limits))).toBe(true)
    expect(SchemaContext.normalize({ a: { columns: cols(3) }, b: { columns: { x: "int", y: "int", z: "int" } } }, limits)).toEqual(
      Either.left("schema has at least 6 columns; the limit is 5 (settings.limits.schemaColumns)")
    )
    expect(SchemaContext.normalize({ a: { columns: [{ name: "id", type: "x".repeat(300) }] } }, limits)).toEqual(
      Either.left("schema has at least 303 characters of text; the limit is 200 (settings.limits.schemaChars)")
    )
    expect(SchemaContext.normalize("x".repeat(201), limits)).toEqual(
      Either.left("schema is 201 characters; the limit is 200 (settings.limits.schemaChars)")
    )
    // DDL text: its tables and columns as they are read, and its statements.
    expect(SchemaContext.normalize("CREATE TABLE a (x int); CREATE TABLE b (x int); CREATE TABLE c (x int); CREATE TABLE d (x int);", limits)).toEqual(
      Either.left("schema has at least 4 tables; the limit is 3 (settings.limits.schemaTables)")
    )
    expect(SchemaContext.normalize("CREATE TABLE a (a int, b int, c int, d int, e int, f int);", limits)).toEqual(
      Either.left("schema has at least 6 columns; the limit is 5 (settings.limits.schemaColumns)")
    )
    expect(SchemaContext.normalize("CREATE TABLE a (x int);" + " SET x = 1;".repeat(3), Limits.InputLimits.make({ schemaStatements: 3 }))).toEqual(
      Either.left("schema has at least 4 statements; the limit is 3 (settings.limits.schemaStatements)")
    )
    expect(Either.isRight(SchemaContext.normalize({ a: { columns: cols(5) }, b: [], c: [] }, limits))).toBe(true)
  })

  it("refuses names with lone surrogates, as they cannot be sent", () => {
    expect(SchemaContext.normalize({ t: { columns: [{ name: "\uDC00" }] } })).toEqual(
      Either.left("schema is not well-formed text: it holds a lone UTF-16 surrogate")
    )
  })

  it("reads a JSON text's strings once (the text's own length is checked first)", () => {
    const json = JSON.stringify({ t: { columns: cols(5) } })
    expect(json.length).toBeLessThan(200)
    expect(SchemaContext.normalize(json, limits).pipe(Either.map((c) => c.tables[0]!.columns.length))).toEqual(Either.right(5))
  })

  it("reads a column string in linear time whatever its blanks (the old regex backtracked quadratically)", () => {
    const start = performance.now()
    const ctx = SchemaContext.normalize({ t: { columns: [`id ${" ".repeat(200_000)}x`, `name${" ".repeat(100_000)}`] } })
    expect(performance.now() - start).toBeLessThan(1_000)
    expect(Either.map(ctx, (c) => c.tables[0]!.columns)).toEqual(Either.right([{ name: "id", type: "x" }, { name: "name" }]))
  })

  it.live("fromInput lets the event loop in while it reads a large schema, and refuses the same way", () =>
    Effect.gen(function*() {
      const big = { tables: Array.from({ length: 5_000 }, (_, t) => ({ name: `t${t}`, columns: cols(40) })) }
      let ticks = 0
      const timer = setInterval(() => ticks++, 0)
      const ctx = yield* SchemaContext.fromInput(big, Limits.defaultInputLimits).pipe(Effect.ensuring(Effect.sync(() => clearInterval(timer))))
      expect(ctx.tables).toHaveLength(5_000)
      expect(ticks).toBeGreaterThan(0)
      const refused = yield* Effect.flip(SchemaContext.fromInput(big, limits))
      expect(refused).toEqual({ field: "schema", message: "schema has at least 5,000 tables; the limit is 3 (settings.limits.schemaTables)" })
      // DDL the same way: read in slices, refused by the field's name.
      const ddl = Array.from({ length: 5_000 }, (_, t) => `CREATE TABLE t${t} (${cols(40).map((c) => `${c.name} int`).join(", ")});`).join("\n")
      ticks = 0
      const timer2 = setInterval(() => ticks++, 0)
      const fromDdl = yield* SchemaContext.fromInput(ddl, Limits.defaultInputLimits).pipe(Effect.ensuring(Effect.sync(() => clearInterval(timer2))))
      expect(fromDdl.tables).toHaveLength(5_000)
      expect(fromDdl.tables[4_999]!.columns).toHaveLength(40)
      expect(ticks).toBeGreaterThan(0)
      expect(yield* Effect.flip(SchemaContext.fromInput(ddl, Limits.InputLimits.make({ schemaTables: 10 }), "tables"))).toEqual({
        field: "tables",
        message: "tables has at least 11 tables; the limit is 10 (settings.limits.schemaTables)"
      })
      const shape = yield* Effect.flip(SchemaContext.fromInput(true, limits))
      expect(shape).toEqual({ field: "schema", message: "schema expected a table map, a schema tree or { tables }, got boolean" })
    }))

  it("formats at most formatCeiling tables and columns, whatever the options ask", () => {
    const ctx = { tables: Array.from({ length: 600 }, (_, t) => ({ name: `t${t}`, columns: cols(150) })) }
    const lines = SchemaContext.format(ctx, { maxTables: 1e9, maxColumns: Number.NaN }).split("\n")
    expect(lines).toHaveLength(SchemaContext.formatCeiling.maxTables + 1)
    expect(lines.at(-1)).toBe("... and 100 more tables")
    expect(lines[0]).toMatch(/, \.\.\. \+140 more\)$/)
    const wide = SchemaContext.format(ctx, { maxTables: 1, maxColumns: 1e6 })
    expect(wide).toContain("... +50 more")
  })
})
