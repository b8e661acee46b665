/**
 * The rule-based channels' handlers called as a registration calls them, with a stub of the
 * connection lookup: index suggestions read the query patterns with the parser in the
 * connection's dialect, and schemas given as DDL text are read into tables.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Dialect from "../../src/domain/Dialect.js"
import * as SqlCheck from "../../src/domain/SqlCheck.js"
import type { HandlerContext } from "../../src/ipc/route.js"
import * as RuleChannels from "../../src/ipc/ruleChannels.js"

afterAll(() => Effect.runPromise(SqlCheck.shutdown))

// The database type each connection has; a request may also name its own `db_type`.
const dbTypes: Record<string, string> = { "conn-pg": "postgresql", "conn-mongo": "mongodb" }
const context: HandlerContext = {
  dbTypeOf: (t) => Effect.succeed(t.dbType ?? dbTypes[t.connectionId ?? ""] ?? "generic"),
  dialectOf: (t) => Effect.succeed(Dialect.fromDbType(t.dbType ?? dbTypes[t.connectionId ?? ""])),
  recentEvents: () => []
}

const columns = ["id", "total", "amount", "status"].map((name) => ({ name, type: "integer", primary_key: name === "id" }))
const patterns = ["SELECT total AS amount FROM orders ORDER BY amount", "SELECT o.* FROM orders o JOIN customers c ON c.id = o.id WHERE c.status = 1"]

describe("ai:suggest-indexes", () => {
  it.effect("reads the patterns with the parser in the connection's dialect, the lexical rule for MongoDB", () =>
    Effect.gen(function*() {
      const pg = yield* RuleChannels.suggestIndexes([{ connection_id: "conn-pg", table_name: "orders", columns, query_patterns: patterns }], context)
      expect(pg).toMatchObject({ success: true, statements: ["CREATE INDEX idx_orders_total ON orders (total);"] })
      const mongo = yield* RuleChannels.suggestIndexes([{ connection_id: "conn-mongo", table_name: "orders", columns, query_patterns: patterns }], context)
      expect(mongo["index_suggestions"]).toMatchObject([{ columns: ["amount"] }, { columns: ["status"] }])
    }))

  it.effect("refuses more patterns than it reads, naming the field", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(RuleChannels.suggestIndexes(["orders", columns, Array.from({ length: 101 }, () => "SELECT 1"), "postgresql"], context))
      expect(refused).toMatchObject({ _tag: "InvalidIpcInput", field: "queryPatterns", message: "queryPatterns has 101 queries; the limit is 100" })
    }))
})

describe("schemas given as DDL text", () => {
  const ddl = `
    CREATE TABLE customers (id integer PRIMARY KEY, email text);
    CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers (id), created_at timestamp);`

  it.effect("ai:analyze-schema and ai:analyze-relationships read its tables and keys", () =>
    Effect.gen(function*() {
      expect(yield* RuleChannels.analyzeSchema(["conn-pg", "public", ddl], context)).toMatchObject({
        success: true,
        table_count: 2,
        relationships: ["orders.customer_id → customers.id"]
      })
      expect(yield* RuleChannels.analyzeRelationships([ddl, "postgresql"], context)).toMatchObject({
        success: true,
        relationships: [{ from_table: "orders", from_column: "customer_id", to_table: "customers", to_column: "id", confidence: "high" }]
      })
    }))
})
