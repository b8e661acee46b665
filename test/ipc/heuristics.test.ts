import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as SchemaContext from "../../src/domain/SchemaContext.js"
import * as SqlCheck from "../../src/domain/SqlCheck.js"
import * as H from "../../src/ipc/heuristics.js"

// Tables as DB Toolkit's schema screen sends them to `ai:analyze-schema`: `{[t]: [{name, type, primary_key}]}`.
const tablesOf = (input: unknown): ReadonlyArray<SchemaContext.Table> => Either.getOrThrow(SchemaContext.normalize(input)).tables

const shop = tablesOf({
  customers: [
    { name: "id", type: "integer", primary_key: true },
    { name: "email", type: "varchar(255)", primary_key: false },
    { name: "created_at", type: "timestamp", primary_key: false }
  ],
  categories: [{ name: "id", type: "integer", primary_key: true }, { name: "name", type: "text", primary_key: false }],
  products: [
    { name: "id", type: "integer", primary_key: true },
    { name: "category_id", type: "integer", primary_key: false },
    { name: "paid", type: "boolean", primary_key: false }
  ],
  orders: [
    { name: "id", type: "integer", primary_key: true },
    { name: "customer_id", type: "integer", primary_key: false },
    { name: "total", type: "numeric", primary_key: false }
  ],
  order_items: [
    { name: "order_id", type: "integer", primary_key: false },
    { name: "product_id", type: "integer", primary_key: false },
    { name: "quantity", type: "integer", primary_key: false }
  ]
})

const table = (name: string) => shop.find((t) => t.name === name)!

describe("relationships", () => {
  it("reads <name>_id columns as references to <name>, its -s and -ies plurals", () => {
    expect(H.relationships(shop).map(H.formatRelationship)).toEqual([
      "products.category_id → categories.id",
      "orders.customer_id → customers.id",
      "order_items.order_id → orders.id",
      "order_items.product_id → products.id"
    ])
    expect(H.relationships(shop).every((r) => r.relationship_type === "many_to_one" && r.confidence === "medium")).toBe(true)
  })

  it("takes declared foreign keys first, with high confidence, and does not repeat them", () => {
    const tables = tablesOf({
      tables: {
        users: { columns: [{ name: "id", type: "int", primary_key: true }] },
        posts: {
          columns: [{ name: "id" }, { name: "author", references: "users.id" }, { name: "user_id", references: "users.id" }]
        }
      }
    })
    expect(H.relationships(tables)).toEqual([
      { from_table: "posts", from_column: "author", to_table: "users", to_column: "id", relationship_type: "many_to_one", confidence: "high" },
      { from_table: "posts", from_column: "user_id", to_table: "users", to_column: "id", relationship_type: "many_to_one", confidence: "high" }
    ])
  })

  it("reads camelCase ids too, and nothing from a column merely containing 'id'", () => {
    const tables = tablesOf({ line_items: [{ name: "orderId" }, { name: "valid" }], orders: [{ name: "id" }] })
    expect(H.relationships(tables).map(H.formatRelationship)).toEqual(["line_items.orderId → orders.id"])
  })
})

describe("suggestIndexes", () => {
  it("suggests foreign keys, dates and e-mails, never the primary key or a column like 'paid'", () => {
    expect(H.suggestIndexes(table("customers"))).toEqual([
      { type: "btree", columns: ["email"], reason: "Email column email likely used for lookups" },
      { type: "btree", columns: ["created_at"], reason: "Date/time column created_at commonly used in WHERE clauses" }
    ])
    expect(H.suggestIndexes(table("products"))).toEqual([
      { type: "btree", columns: ["category_id"], reason: "Foreign key column category_id would benefit from an index" }
    ])
  })

  it("adds the columns the query patterns filter, join or sort on (not ones only selected or quoted)", () => {
    const patterns = [
      "SELECT total FROM orders WHERE total > 100 ORDER BY id",
      { query: "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.note = 'status'" }
    ]
    const t = tablesOf({ orders: [{ name: "id", primary_key: true }, { name: "customer_id" }, { name: "total" }, { name: "note" }, { name: "status" }] })[0]!
    expect(H.suggestIndexes(t, patterns).map((s) => s.columns[0])).toEqual(["customer_id", "total", "note"])
    expect(H.suggestIndexes(t, patterns)[1]!.reason).toBe("Column total is filtered, joined or sorted on in the given queries")
  })

  it("reads a clause keyword only as a whole word (a column named online or from_date is still read)", () => {
    const t = tablesOf({ events: [{ name: "id", primary_key: true }, { name: "online" }, { name: "from_date" }, { name: "kind" }] })[0]!
    expect(H.suggestIndexes(t, ["SELECT kind FROM events WHERE online = true AND from_date > 3"]).map((s) => s.columns[0]))
      .toEqual(["online", "from_date"])
  })

  // The columns of `orders`, none of them a foreign key, date or e-mail, so only the patterns suggest.
  const orders = tablesOf({
    orders: [{ name: "id", primary_key: true }, { name: "total" }, { name: "amount" }, { name: "status" }, { name: "region" }, { name: "note" }]
  })[0]!
  const suggested = (patterns: unknown) => H.suggestIndexes(orders, patterns).map((s) => s.columns[0])

  it.effect("with the parser: whose column a name is (an output alias, a subquery's, another table's), where the lexical rule guessed", () =>
    Effect.gen(function*() {
      const patterns = [
        // ORDER BY names the output alias `amount`: the sort is on total.
        "SELECT total AS amount FROM orders ORDER BY amount",
        // `region` and `status` here are the customers' columns.
        "SELECT * FROM orders WHERE id IN (SELECT order_id FROM customers WHERE region = 'EU')",
        "SELECT o.* FROM orders o JOIN customers c ON c.id = o.id WHERE c.status = 'vip'",
        // A comment with an apostrophe (the old rule read a string from it and lost the WHERE).
        "SELECT * FROM orders -- the customer's orders\nWHERE note = 'x'"
      ]
      expect(suggested(patterns)).toEqual(["amount", "status", "region", "note"])
      const read = yield* H.readQueryPatterns(patterns, "postgresql")
      expect(read.unread).toEqual([])
      expect(suggested(read)).toEqual(["total", "note"])
    }))

  it.effect("falls back to the lexical rule for what does not parse, and for MongoDB", () =>
    Effect.gen(function*() {
      const patterns = ["WHERE status = 'paid' AND", "SELECT * FROM orders WHERE region = 'EU'"]
      const read = yield* H.readQueryPatterns(patterns, "postgresql")
      expect(read.unread).toEqual(["WHERE status = 'paid' AND"])
      expect(read.shapes).toHaveLength(1)
      expect(suggested(read)).toEqual(["status", "region"])
      const mongo = yield* H.readQueryPatterns(["db.orders.find({ status: 'paid' })"], "mongodb")
      expect(mongo).toEqual({ _tag: "QueryPatterns", shapes: [], unread: ["db.orders.find({ status: 'paid' })"] })
    }))

  it("reads patterns as a string, strings or { query } / { sql } objects, bounded in count and length", () => {
    expect(H.patternTexts("SELECT 1")).toEqual(Either.right(["SELECT 1"]))
    expect(H.patternTexts(["a", { query: "b" }, { sql: "c" }, 4, null, { other: "d" }])).toEqual(Either.right(["a", "b", "c"]))
    expect(H.patternTexts(undefined)).toEqual(Either.right([]))
    expect(H.patternTexts(Array.from({ length: 101 }, () => "SELECT 1"))).toEqual(
      Either.left({ field: "queryPatterns", message: "queryPatterns has 101 queries; the limit is 100" })
    )
    expect(H.patternTexts(["SELECT 1", { query: "x".repeat(100_001) }])).toEqual(
      Either.left({ field: "queryPatterns[1]", message: "queryPatterns[1] is 100,001 characters; the limit is 100,000" })
    )
  })

  it("rates the impact: medium with suggestions, low without", () => {
    expect(H.performanceImpact(H.suggestIndexes(table("orders")))).toBe("medium")
    expect(H.performanceImpact(H.suggestIndexes(table("categories")))).toBe("low")
  })

  it("writes a suggestion as CREATE INDEX in the dialect", () => {
    const s = H.suggestIndexes(table("orders"))[0]!
    expect(H.createIndexStatement("orders", s, "postgresql")).toBe("CREATE INDEX idx_orders_customer_id ON orders (customer_id);")
    expect(H.createIndexStatement("user", { type: "btree", columns: ["e mail"], reason: "" }, "mysql")).toBe(
      "CREATE INDEX idx_user_e_mail ON `user` (`e mail`);"
    )
  })
})

describe("analyzeSchema", () => {
  it("summarizes, lists relationships and patterns, and suggests as DB Toolkit did", () => {
    const a = H.analyzeSchema("public", shop)!
    expect(a.schema_name).toBe("public")
    expect(a.summary).toBe("Schema \"public\" contains 5 tables. Detected 4 relationships between tables.")
    expect(a.table_count).toBe(5)
    expect(a.relationship_count).toBe(4)
    expect(a.relationships).toContain("orders.customer_id → customers.id")
    expect(a.design_patterns).toEqual([
      "Audit trail pattern with timestamp tracking",
      "Many-to-many relationships using junction tables"
    ])
    expect(a.optimization_suggestions).toEqual([
      "Consider adding indexes on foreign key columns for better join performance",
      "1 table(s) may be missing primary keys: order_items"
    ])
  })

  it("says 1 table and 1 relationship in the singular, and spots a user table and a normalized schema", () => {
    const a = H.analyzeSchema("app", tablesOf({ users: [{ name: "id" }, { name: "user_id" }] }))!
    expect(a.summary).toBe("Schema \"app\" contains 1 table. Detected 1 relationship between tables.")
    expect(a.design_patterns).toEqual(["User management pattern detected"])
    expect(H.analyzeSchema("app", tablesOf({ users: [{ name: "id" }, { name: "user_id" }, { name: "users_id" }] }))!.design_patterns)
      .toContain("Highly normalized schema with multiple relationships")
  })

  it("does not call a table with an underscore a junction table unless it references two tables", () => {
    const a = H.analyzeSchema("s", tablesOf({ user_settings: [{ name: "id" }, { name: "theme" }] }))!
    expect(a.design_patterns).not.toContain("Many-to-many relationships using junction tables")
  })

  it("caps the listed relationships at 10 and suggests partitioning past 20 tables", () => {
    const map: Record<string, unknown> = { hubs: [{ name: "id" }] }
    for (let i = 0; i < 24; i++) map[`t${i}`] = [{ name: "id" }, { name: "hub_id" }]
    const a = H.analyzeSchema("big", tablesOf(map))!
    expect(a.relationships).toHaveLength(10)
    expect(a.relationship_count).toBe(24)
    expect(a.optimization_suggestions).toContain("Large schema detected - consider table partitioning for frequently accessed tables")
  })

  it("reads the schema:getTree column aliases (column_name, data_type)", () => {
    const a = H.analyzeSchema("public", tablesOf({ accounts: [{ column_name: "id", data_type: "uuid" }, { column_name: "updated_at", data_type: "timestamptz" }] }))!
    expect(a.optimization_suggestions).toEqual([])
    expect(a.design_patterns).toEqual(["Audit trail pattern with timestamp tracking"])
  })

  it("has nothing to say about no tables", () => {
    expect(H.analyzeSchema("empty", [])).toBeUndefined()
  })
})

describe("commonQueries", () => {
  const events = tablesOf({ events: [{ name: "id" }, { name: "email", type: "text" }, { name: "created_at", type: "timestamp" }] })[0]!

  it("writes DB Toolkit's templates for PostgreSQL", () => {
    expect(H.commonQueries(events, "postgresql")).toEqual([
      { name: "Select All Records", query: "SELECT * FROM events LIMIT 10;", description: "Retrieve first 10 records from the table" },
      { name: "Count Records", query: "SELECT COUNT(*) FROM events;", description: "Count total number of records" },
      { name: "Find by email", query: "SELECT * FROM events WHERE email = 'example@email.com';", description: "Find records by email" },
      {
        name: "Recent Records by created_at",
        query: "SELECT * FROM events WHERE created_at >= NOW() - INTERVAL '7 days' ORDER BY created_at DESC;",
        description: "Find records from the last 7 days based on created_at"
      }
    ])
  })

  it("writes the row limit and date arithmetic in each dialect", () => {
    const q = (d: Parameters<typeof H.commonQueries>[1]) => H.commonQueries(events, d).map((x) => x.query)
    expect(q("mysql")[3]).toContain(">= NOW() - INTERVAL 7 DAY")
    expect(q("sqlite")[3]).toContain(">= datetime('now', '-7 days')")
    expect(q("mssql")[0]).toBe("SELECT TOP 10 * FROM events;")
    expect(q("mssql")[3]).toContain(">= DATEADD(day, -7, GETDATE())")
    expect(q("oracle")[0]).toBe("SELECT * FROM events FETCH FIRST 10 ROWS ONLY;")
    expect(q("generic")[3]).toContain(">= CURRENT_TIMESTAMP - INTERVAL '7' DAY")
  })

  it("quotes a reserved or unusual table name", () => {
    const user = { name: "user", columns: [] }
    expect(H.commonQueries(user, "postgresql")[1]!.query).toBe("SELECT COUNT(*) FROM \"user\";")
    expect(H.commonQueries(user, "mariadb")[1]!.query).toBe("SELECT COUNT(*) FROM `user`;")
    expect(H.commonQueries({ name: "order lines", columns: [] }, "mssql")[1]!.query).toBe("SELECT COUNT(*) FROM [order lines];")
  })
})

describe("rules for legacy fields", () => {
  it("writes a table as CREATE TABLE with keys, NOT NULL and references", () => {
    const t = tablesOf({
      tables: {
        orders: {
          columns: [
            { name: "id", type: "integer", primary_key: true },
            { name: "customer_id", type: "integer", is_nullable: "NO", references: "customers.id" },
            { name: "order", type: "text" },
            { name: "note" }
          ]
        }
      }
    })[0]!
    expect(H.createTableDdl(t, "postgresql")).toBe(
      "CREATE TABLE orders (\n  id integer PRIMARY KEY,\n  customer_id integer NOT NULL REFERENCES customers (id),\n  \"order\" text,\n  note\n);"
    )
    expect(H.createTableDdl(t, "postgresql", 2)).toContain("customer_id integer NOT NULL REFERENCES customers (id)\n  -- ... and 2 more columns\n);")
  })

  it("rates a statement's complexity by its structure, not by words in its strings", () => {
    expect(H.sqlComplexity("SELECT * FROM users WHERE name = 'JOIN UNION SELECT'")).toBe("low")
    expect(H.sqlComplexity("SELECT u.id, COUNT(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id")).toBe("medium")
    expect(
      H.sqlComplexity(
        "WITH t AS (SELECT * FROM a) SELECT *, ROW_NUMBER() OVER (PARTITION BY x) FROM t JOIN b ON b.id = t.id JOIN c ON c.id = b.id WHERE t.id IN (SELECT id FROM d)"
      )
    ).toBe("high")
  })

  it.effect("complexity reads the syntax tree where the statement parses, the lexical rule where it does not", () =>
    Effect.gen(function*() {
      // Keywords as quoted names, and in a MySQL string with a backslash-escaped quote.
      const quoted = "SELECT \"join\", \"union\", \"select\" FROM t"
      expect(H.sqlComplexity(quoted)).toBe("medium")
      expect(yield* H.complexity(quoted, "postgresql")).toBe("low")
      const escaped = "SELECT id FROM t WHERE note = 'it\\'s a JOIN, UNION SELECT' "
      expect(H.sqlComplexity(escaped)).toBe("medium")
      expect(yield* H.complexity(escaped, "mysql")).toBe("low")
      // The same bands as the lexical rule on what both read alike.
      for (const sql of ["SELECT u.id, COUNT(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id", "SELECT a FROM t UNION SELECT a FROM u"]) {
        expect(yield* H.complexity(sql, "postgresql")).toBe(H.sqlComplexity(sql))
      }
      expect(yield* H.complexity(
        "WITH t AS (SELECT * FROM a) SELECT *, ROW_NUMBER() OVER (PARTITION BY x) FROM t JOIN b ON b.id = t.id JOIN c ON c.id = b.id WHERE t.id IN (SELECT id FROM d)",
        "postgresql"
      )).toBe("high")
      // Unparsable: the lexical rule's answer.
      const broken = "SELECT * FROM a JOIN b JOIN c WHERE ("
      expect(yield* H.complexity(broken, "postgresql")).toBe(H.sqlComplexity(broken))
      expect(H.sqlComplexity(broken)).toBe("medium")
    }))

  it("reads the kind of a database error from PostgreSQL, MySQL, SQLite and SQL Server messages", () => {
    const cases: ReadonlyArray<readonly [string, ReturnType<typeof H.errorType>]> = [
      ["relation \"custmers\" does not exist", "missing_table"],
      ["Table 'shop.custmers' doesn't exist", "missing_table"],
      ["no such table: custmers", "missing_table"],
      ["Invalid object name 'custmers'.", "missing_table"],
      ["column \"emial\" does not exist", "missing_column"],
      ["Unknown column 'emial' in 'field list'", "missing_column"],
      ["no such column: emial", "missing_column"],
      ["column reference \"id\" is ambiguous", "ambiguous_column"],
      ["permission denied for table orders", "permission"],
      ["duplicate key value violates unique constraint \"users_email_key\"", "constraint"],
      ["invalid input syntax for type integer: \"abc\"", "type_mismatch"],
      ["syntax error at or near \"FORM\"", "syntax"],
      ["something else went wrong", "syntax"]
    ]
    expect(cases.map(([message]) => [message, H.errorType(message)])).toEqual(cases)
  })

  it("keeps DB Toolkit's completion list", () => {
    expect(H.completions).toEqual([
      { text: "SELECT * FROM ", type: "keyword" },
      { text: "WHERE ", type: "keyword" },
      { text: "ORDER BY ", type: "keyword" }
    ])
  })

  it("finds a text's first sentence", () => {
    expect(H.firstSentence("Stores orders. One row per order.")).toBe("Stores orders.")
    expect(H.firstSentence("  Stores orders\n of customers  ")).toBe("Stores orders of customers")
    expect(H.firstSentence("  ")).toBeUndefined()
  })

  it("warns about a table without a primary key and a very wide one", () => {
    expect(H.tableIssues(table("order_items"))).toEqual([
      "order_items may be missing a primary key: rows cannot be identified reliably for updates and joins"
    ])
    const wide = { name: "wide", columns: Array.from({ length: 51 }, (_, i) => ({ name: i === 0 ? "id" : `c${i}` })) }
    expect(H.tableIssues(wide)).toEqual(["wide has 51 columns: consider moving rarely used columns to a separate table"])
    expect(H.tableIssues(table("orders"))).toEqual([])
  })
})

afterAll(() => Effect.runPromise(SqlCheck.shutdown))
