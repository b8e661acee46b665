import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as Ddl from "../../src/internal/Ddl.js"
import * as SchemaContext from "../../src/domain/SchemaContext.js"

const table = (ctx: SchemaContext.SchemaContext, name: string) => {
  const t = ctx.tables.find((x) => x.name === name)
  if (t === undefined) throw new Error(`no table ${name} in ${ctx.tables.map((x) => x.name).join(", ")}`)
  return t
}

describe("Ddl.parse", () => {
  it("reads columns, types, NOT NULL, column and table primary keys, REFERENCES and FOREIGN KEY", () => {
    const ctx = Ddl.parse(`
      CREATE TABLE customers (
        id SERIAL PRIMARY KEY,
        email VARCHAR(255) NOT NULL UNIQUE,
        nickname text NULL
      );
      CREATE TABLE orders (
        id integer,
        customer_id integer NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        total numeric( 10 , 2 ) CHECK (total >= 0),
        CONSTRAINT orders_pk PRIMARY KEY (id)
      );
      CREATE TABLE order_items (
        order_id int, product_id int, qty int NOT NULL,
        PRIMARY KEY (order_id, product_id),
        CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES orders(id)
      );`)
    expect(ctx.tables.map((t) => t.name)).toEqual(["customers", "orders", "order_items"])
    expect(table(ctx, "customers").columns).toEqual([
      { name: "id", type: "SERIAL", primaryKey: true },
      { name: "email", type: "VARCHAR(255)", nullable: false },
      { name: "nickname", type: "text", nullable: true }
    ])
    const orders = table(ctx, "orders")
    expect(orders.columns).toEqual([
      { name: "id", type: "integer", primaryKey: true },
      { name: "customer_id", type: "integer", nullable: false },
      { name: "total", type: "numeric(10,2)" }
    ])
    expect(orders.foreignKeys).toEqual([{ columns: ["customer_id"], referencedTable: "customers", referencedColumns: ["id"] }])
    const items = table(ctx, "order_items")
    expect(items.columns.filter((c) => c.primaryKey).map((c) => c.name)).toEqual(["order_id", "product_id"])
    expect(items.foreignKeys).toEqual([{ columns: ["order_id"], referencedTable: "orders", referencedColumns: ["id"] }])
    expect(ctx.text).toBeUndefined()
  })

  it("keeps multi-word and array types, and stops the type at its constraints", () => {
    const ctx = Ddl.parse(`CREATE TABLE t (
      a timestamp with time zone DEFAULT now() NOT NULL,
      b character varying(50) COLLATE "C",
      c double precision,
      d text[],
      e int unsigned AUTO_INCREMENT,
      f bigint GENERATED ALWAYS AS IDENTITY,
      g varchar(10) CHARACTER SET utf8mb4 DEFAULT 'x, y'
    )`)
    expect(table(ctx, "t").columns.map((c) => [c.name, c.type])).toEqual([
      ["a", "timestamp with time zone"],
      ["b", "character varying(50)"],
      ["c", "double precision"],
      ["d", "text[]"],
      ["e", "int unsigned"],
      ["f", "bigint"],
      ["g", "varchar(10)"]
    ])
  })

  it("reads quoted and qualified names in every dialect's quotes", () => {
    const ctx = Ddl.parse(`
      CREATE TABLE IF NOT EXISTS "public"."Order Items" ("Id" INT NOT NULL, "Order Id" INT REFERENCES "public"."Orders" ("Id"));
      CREATE TABLE \`shop\`.\`carts\` (\`id\` INT PRIMARY KEY) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE [dbo].[Invoices] ([Id] INT IDENTITY(1,1) NOT NULL, CONSTRAINT [PK_Invoices] PRIMARY KEY CLUSTERED ([Id] ASC))
      GO
    `)
    const items = table(ctx, "Order Items")
    expect(items.schema).toBe("public")
    expect(items.columns.map((c) => c.name)).toEqual(["Id", "Order Id"])
    expect(items.foreignKeys).toEqual([{ columns: ["Order Id"], referencedTable: "Orders", referencedSchema: "public", referencedColumns: ["Id"] }])
    expect(table(ctx, "carts")).toMatchObject({ schema: "shop", columns: [{ name: "id", type: "INT", primaryKey: true }] })
    expect(table(ctx, "Invoices")).toMatchObject({ schema: "dbo", columns: [{ name: "Id", type: "INT", nullable: false, primaryKey: true }] })
  })

  it("ignores comments and semicolons inside strings, comments and quoted names", () => {
    const ctx = Ddl.parse(`
      -- CREATE TABLE commented_out (x int);
      /* CREATE TABLE also_out (y int); */
      CREATE TABLE notes (
        body text DEFAULT 'a; b -- not a comment', -- a real comment; with a semicolon
        "odd;name" int
      );`)
    expect(ctx.tables.map((t) => t.name)).toEqual(["notes"])
    expect(table(ctx, "notes").columns.map((c) => c.name)).toEqual(["body", "odd;name"])
  })

  it("tells MySQL index lines from columns, and skips table-level UNIQUE and CHECK", () => {
    const ctx = Ddl.parse(`CREATE TABLE t (
      id int,
      \`key\` varchar(10),
      KEY idx_key (\`key\`),
      INDEX (id) USING BTREE,
      UNIQUE KEY uk (id),
      CHECK (id > 0)
    )`)
    expect(table(ctx, "t").columns.map((c) => c.name)).toEqual(["id", "key"])
  })

  it("applies pg_dump's ALTER TABLE ... ADD CONSTRAINT primary and foreign keys", () => {
    const ctx = Ddl.parse(`
      SET statement_timeout = 0;
      SELECT pg_catalog.set_config('search_path', '', false);
      CREATE TABLE public.users (id integer NOT NULL, team_id integer);
      CREATE TABLE public.teams (id integer NOT NULL);
      ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
      ALTER TABLE ONLY public.users ADD CONSTRAINT users_team_fk FOREIGN KEY (team_id) REFERENCES public.teams(id);
      ALTER TABLE ONLY public.users ADD CONSTRAINT users_team_uq UNIQUE (team_id);
      CREATE INDEX users_team ON public.users USING btree (team_id);`)
    const users = table(ctx, "users")
    expect(users.columns).toEqual([
      { name: "id", type: "integer", nullable: false, primaryKey: true },
      { name: "team_id", type: "integer" }
    ])
    expect(users.foreignKeys).toEqual([{ columns: ["team_id"], referencedTable: "teams", referencedSchema: "public", referencedColumns: ["id"] }])
    // What it does not model stays as text for the model to read; session noise is dropped.
    expect(ctx.text).toBe(
      "ALTER TABLE ONLY public.users ADD CONSTRAINT users_team_uq UNIQUE (team_id);\nCREATE INDEX users_team ON public.users USING btree (team_id);"
    )
  })

  it("keeps statements it cannot read as free text and never fails", () => {
    const ctx = Ddl.parse(`CREATE VIEW v AS SELECT 1; CREATE TABLE copy AS SELECT * FROM t; this is not SQL at all`)
    expect(ctx.tables).toEqual([])
    expect(ctx.text).toBe("CREATE VIEW v AS SELECT 1;\nCREATE TABLE copy AS SELECT * FROM t;\nthis is not SQL at all;")
    expect(Ddl.parse("")).toEqual({ tables: [] })
    expect(Ddl.parse("CREATE TABLE (")).toEqual({ tables: [], text: "CREATE TABLE (;" })
  })

  it("produces a context the normalizer accepts unchanged and the prompt formatter prints", () => {
    const ctx = Ddl.parse("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int, a_id int NOT NULL REFERENCES a(id));")
    expect(Either.getOrThrow(SchemaContext.normalize(ctx))).toEqual(ctx)
    expect(SchemaContext.format(ctx)).toBe("a(id int PK)\nb(id int, a_id int NOT NULL -> a.id)")
  })

  it("looksLikeDdl spots CREATE TABLE, not other text", () => {
    expect(Ddl.looksLikeDdl("create temporary table x (a int)")).toBe(true)
    expect(Ddl.looksLikeDdl("CREATE TABLE IF NOT EXISTS x (a int)")).toBe(true)
    expect(Ddl.looksLikeDdl("-- CREATE TABLE x\nSELECT 1")).toBe(false)
    expect(Ddl.looksLikeDdl("{\"tables\": []}")).toBe(false)
  })

  it("cuts SQL Server's GO batches and keeps a dollar-quoted body (semicolons and all) as one statement", () => {
    const ctx = Ddl.parse("GO\nCREATE TABLE [dbo].[a] ([id] INT NOT NULL)\nGO\nCREATE TABLE b (x int)\n  go  \n" +
      "CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN; RETURN 1; END; $fn$ LANGUAGE plpgsql;\nCREATE TABLE c (price$usd$ int);")
    expect(ctx.tables.map((t) => t.name)).toEqual(["a", "b", "c"])
    expect(table(ctx, "c").columns.map((c) => c.name)).toEqual(["price$usd$"])
    expect(ctx.text).toBe("CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN; RETURN 1; END; $fn$ LANGUAGE plpgsql;")
  })
})

describe("Ddl.read", () => {
  const steps = <A>(work: Ddl.Work<A>): { readonly value: A; readonly pauses: number } => {
    let pauses = 0
    for (;;) {
      const next = work.next()
      if (next.done === true) return { value: next.value, pauses }
      pauses++
    }
  }
  const script = (tables: number) =>
    Array.from({ length: tables }, (_, t) => `CREATE TABLE t${t} (id int PRIMARY KEY, a text, b text);\nCREATE INDEX i${t} ON t${t} (a);`).join("\n")

  it("reads the same context as parse, pausing as it goes: many statements, and one huge statement", () => {
    const text = script(2_000)
    const { pauses, value } = steps(Ddl.read(text))
    expect(value).toEqual(Ddl.parse(text))
    expect(value.tables).toHaveLength(2_000)
    expect(pauses).toBeGreaterThan(10)
    const wide = `CREATE TABLE w (${Array.from({ length: 20_000 }, (_, c) => `c${c} varchar(10) DEFAULT 'x, y'`).join(", ")})`
    const one = steps(Ddl.read(wide))
    expect(one.value.tables[0]!.columns).toHaveLength(20_000)
    expect(one.pauses).toBeGreaterThan(10)
  })

  it("reports every statement, table and column to its meter, which may stop the read", () => {
    const seen = { statement: 0, table: 0, column: 0 }
    steps(Ddl.read(`SET x = 1; ${script(3)}`, {
      statement: () => seen.statement++,
      table: () => seen.table++,
      column: () => seen.column++
    }))
    expect(seen).toEqual({ statement: 7, table: 3, column: 9 })
    const stop = new Error("limit")
    expect(() => steps(Ddl.read(script(3), { statement: () => {}, table: () => {}, column: () => { throw stop } }))).toThrow(stop)
  })
})
