import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { extractSql, parseExplain, parseFix, parseGenerate, parseOptimize } from "../../src/domain/AnswerParser.js"

const fence = (lang: string, body: string) => "```" + lang + "\n" + body + "\n```"

const plpgsql = [
  "CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$",
  "BEGIN",
  "  NEW.updated_at := now();",
  "  RETURN NEW;",
  "END;",
  "$$ LANGUAGE plpgsql;"
].join("\n")

describe("extractSql", () => {
  it("takes the content of a sql fence, trimmed", () => {
    expect(extractSql("Here you go:\n```sql\n  SELECT * FROM users LIMIT 100;  \n```\nDone.")).toBe("SELECT * FROM users LIMIT 100;")
  })

  it("accepts upper-case and dialect fence languages", () => {
    expect(extractSql(fence("SQL", "SELECT 1"))).toBe("SELECT 1")
    expect(extractSql(fence("postgresql", "SELECT now()"))).toBe("SELECT now()")
    expect(extractSql(fence("mysql", "SELECT `name` FROM `users`"))).toBe("SELECT `name` FROM `users`")
    expect(extractSql(fence("sqlite", "PRAGMA table_info(users)"))).toBe("PRAGMA table_info(users)")
    expect(extractSql(fence("tsql", "SELECT TOP 100 * FROM users"))).toBe("SELECT TOP 100 * FROM users")
  })

  it("prefers the first SQL-tagged fence over earlier fences of other languages", () => {
    const text = [fence("text", "SELECT this is not it"), fence("sql", "SELECT 2"), fence("sql", "SELECT 3")].join("\n")
    expect(extractSql(text)).toBe("SELECT 2")
  })

  it("falls back to the first fence of any language whose content is SQL", () => {
    const text = ["Run this:", fence("python", "print('hello')"), fence("", "SELECT id FROM orders"), fence("", "SELECT 9")].join("\n")
    expect(extractSql(text)).toBe("SELECT id FROM orders")
  })

  it("skips a fence whose content is prose", () => {
    expect(extractSql(fence("", "Select the rows you need from the table."))).toBeUndefined()
    expect(extractSql(fence("sql", "I need more information about the orders table."))).toBeUndefined()
    expect(extractSql(fence("sql", "-- nothing to change"))).toBeUndefined()
  })

  it("takes the rest of an unterminated fence", () => {
    expect(extractSql("```sql\nSELECT *\nFROM users\nWHERE id = 1")).toBe("SELECT *\nFROM users\nWHERE id = 1")
  })

  it("handles a fence glued to a header or to the last line of code", () => {
    expect(extractSql("FIXED SQL: ```sql\nSELECT 1;```")).toBe("SELECT 1;")
    expect(extractSql("```sql SELECT 3```")).toBe("SELECT 3")
  })

  it("reads unfenced SQL up to the first line ending in a semicolon", () => {
    const text = "Sure.\nSELECT u.name,\n       COUNT(o.id)\nFROM users u\nJOIN orders o ON o.user_id = u.id\nGROUP BY u.name;\nSELECT 2;"
    expect(extractSql(text)).toBe("SELECT u.name,\n       COUNT(o.id)\nFROM users u\nJOIN orders o ON o.user_id = u.id\nGROUP BY u.name;")
  })

  it("stops unfenced SQL at a blank line followed by prose, and at a prose line", () => {
    expect(extractSql("SELECT *\nFROM users\n\nThis returns every user.")).toBe("SELECT *\nFROM users")
    expect(extractSql("select id from users\nThis returns the ids.")).toBe("select id from users")
    expect(extractSql("SELECT *\n\nFROM users")).toBe("SELECT *\n\nFROM users")
  })

  it("drops a SQL: prefix and inline-code backticks", () => {
    expect(extractSql("SQL: SELECT id FROM users;")).toBe("SELECT id FROM users;")
    expect(extractSql("**SQL:** DELETE FROM sessions WHERE expired;")).toBe("DELETE FROM sessions WHERE expired;")
    expect(extractSql("`SELECT 1;`")).toBe("SELECT 1;")
  })

  it("keeps a dollar-quoted function body whole, unfenced and fenced", () => {
    expect(extractSql(plpgsql + "\nThis trigger function stamps rows.")).toBe(plpgsql)
    expect(extractSql(fence("postgresql", plpgsql))).toBe(plpgsql)
    const tagged = "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$body$ LANGUAGE plpgsql;"
    expect(extractSql(tagged)).toBe(tagged)
  })

  it("keeps a semicolon inside a string or a BEGIN ... END block", () => {
    expect(extractSql("SELECT 'a;\nb' AS x;\nMore.")).toBe("SELECT 'a;\nb' AS x;")
    const block = "BEGIN\n  UPDATE a SET x = 1;\n  UPDATE b SET y = 2;\nEND;"
    expect(extractSql(block + "\nThat is all.")).toBe(block)
  })

  it("keeps a transaction together", () => {
    expect(extractSql("BEGIN;\nUPDATE a SET x = 1;\nCOMMIT;\n\nDone.")).toBe("BEGIN;\nUPDATE a SET x = 1;\nCOMMIT;")
  })

  it("keeps $$, $& and $1 in SQL verbatim", () => {
    const sql = "SELECT '$$' AS a, '$&' AS b FROM t WHERE id = $1;"
    expect(extractSql(fence("sql", sql))).toBe(sql)
    expect(extractSql(sql)).toBe(sql)
  })

  it("normalizes CRLF and CR line endings", () => {
    expect(extractSql("```sql\r\nSELECT *\r\nFROM users\r\n```\r\n")).toBe("SELECT *\nFROM users")
    expect(extractSql("Text\rSELECT *\r\nFROM t\rWHERE a = 1;\nbye")).toBe("SELECT *\nFROM t\nWHERE a = 1;")
  })

  it("returns undefined for prose, even prose that opens with a SQL verb", () => {
    for (const text of [
      "I need more information about the orders table",
      "Select all columns from the users table.",
      "With this change, the query uses the index.",
      "Update the statistics regularly.",
      "Set the timeout to a higher value.",
      "Show me the schema first.",
      "Describe the table you want to query.",
      "Create an index on the email column.",
      "Begin by checking the error log.",
      "Drop me a note if it fails.",
      "Replace the comma join with an explicit JOIN.",
      "",
      "   \n\n  "
    ]) expect(extractSql(text), text).toBeUndefined()
  })

  it("recognises the other statement keywords", () => {
    for (const sql of [
      "INSERT INTO users (email) VALUES ('a@b.c');",
      "UPDATE users SET email = 'x' WHERE id = 1;",
      "WITH t AS (SELECT 1) SELECT * FROM t;",
      "CREATE INDEX idx ON users (email);",
      "ALTER TABLE users ADD COLUMN age int;",
      "DROP TABLE IF EXISTS tmp;",
      "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;",
      "REPLACE INTO kv (k, v) VALUES ('a', 'b');",
      "EXPLAIN ANALYZE SELECT 1;",
      "TRUNCATE TABLE logs;",
      "GRANT SELECT ON users TO reporter;",
      "REVOKE SELECT ON users FROM reporter;",
      "DECLARE @n INT = 1;",
      "SET search_path TO public;",
      "SHOW TABLES;",
      "DESCRIBE users;",
      "PRAGMA foreign_keys = ON;"
    ]) expect(extractSql(`Answer:\n${sql}\nThat is the statement.`), sql).toBe(sql)
  })
})

describe("parseGenerate", () => {
  it("splits the SQL from a one-sentence explanation", () => {
    const r = parseGenerate("```sql\nSELECT * FROM users LIMIT 100;\n```\nLists the first 100 users.")
    expect(r).toEqual({ sql: "SELECT * FROM users LIMIT 100;", explanation: "Lists the first 100 users." })
  })

  it("omits the explanation when there is none", () => {
    const r = parseGenerate("```sql\nSELECT 1\n```")
    expect(r).toEqual({ sql: "SELECT 1" })
    expect("explanation" in r).toBe(false)
  })

  it("returns an empty sql and the whole text when the model asks for more information", () => {
    const text = "  I need more information about the orders table: which column holds the total?  "
    expect(parseGenerate(text)).toEqual({ sql: "", explanation: text.trim() })
  })

  it("gives nothing at all for an empty answer", () => {
    expect(parseGenerate("   ")).toEqual({ sql: "" })
  })

  it("keeps prose before and after the SQL, without SQL: labels", () => {
    const r = parseGenerate("This joins users to orders.\r\n\r\nSQL:\r\n```sql\r\nSELECT 1\r\n```\r\nLimited to 100 rows.")
    expect(r.sql).toBe("SELECT 1")
    expect(r.explanation).toBe("This joins users to orders.\n\nLimited to 100 rows.")
  })

  it("reads an unfenced answer", () => {
    const r = parseGenerate("SELECT name FROM users WHERE note = '$&';\nThis finds users by note.")
    expect(r).toEqual({ sql: "SELECT name FROM users WHERE note = '$&';", explanation: "This finds users by note." })
  })

  it("takes the first of several SQL fences and keeps the rest as explanation", () => {
    const r = parseGenerate([fence("sql", "SELECT 1"), "Or, alternatively:", fence("sql", "SELECT 2")].join("\n"))
    expect(r.sql).toBe("SELECT 1")
    expect(r.explanation).toContain("Or, alternatively:")
    expect(r.explanation).toContain("SELECT 2")
  })
})

describe("parseExplain", () => {
  it("trims and drops a leading Explanation: label", () => {
    expect(parseExplain("  Explanation: It counts the orders per user.\n")).toEqual({ explanation: "It counts the orders per user." })
    expect(parseExplain("**Explanation:** It counts rows.")).toEqual({ explanation: "It counts rows." })
    expect(parseExplain("## Explanation\r\nIt counts rows.")).toEqual({ explanation: "It counts rows." })
  })

  it("keeps text that merely starts with the word", () => {
    expect(parseExplain("Explanation of the query: it counts rows.")).toEqual({
      explanation: "Explanation of the query: it counts rows."
    })
  })

  it("normalizes line endings", () => {
    expect(parseExplain("Line one.\r\nLine two.\rLine three.").explanation).toBe("Line one.\nLine two.\nLine three.")
  })
})

describe("parseOptimize", () => {
  const original = "SELECT * FROM orders WHERE user_id IN (SELECT id FROM users WHERE email = 'a@b.c')"

  it("reads the exact format the prompt asks for", () => {
    const text = [
      "RATING: POOR",
      "OPTIMIZED SQL:",
      fence("sql", "SELECT o.* FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'a@b.c';"),
      "INDEXES:",
      "- CREATE INDEX idx_users_email ON users (email); -- speeds up the email lookup",
      "- CREATE INDEX idx_orders_user_id ON orders (user_id) -- supports the join",
      "CHANGES:",
      "- Replaced the IN subquery with a JOIN",
      "- Selected from orders through an alias"
    ].join("\n")
    expect(parseOptimize(text, original)).toEqual({
      optimizedSql: "SELECT o.* FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'a@b.c';",
      changed: true,
      rating: "poor",
      suggestions: ["Replaced the IN subquery with a JOIN", "Selected from orders through an alias"],
      indexRecommendations: [
        { statement: "CREATE INDEX idx_users_email ON users (email);", reason: "speeds up the email lookup" },
        { statement: "CREATE INDEX idx_orders_user_id ON orders (user_id)", reason: "supports the join" }
      ]
    })
  })

  it("tolerates markdown-decorated headers and CRLF", () => {
    const text = [
      "**RATING:** Good",
      "### Optimized SQL",
      fence("postgresql", "SELECT id FROM orders WHERE total > 100"),
      "**Indexes**:",
      "* CREATE INDEX idx_total ON orders (total) -- range filter",
      "## Changes",
      "1. Selected only the id column",
      "   instead of every column"
    ].join("\r\n")
    const r = parseOptimize(text, "SELECT * FROM orders WHERE total > 100")
    expect(r.rating).toBe("good")
    expect(r.optimizedSql).toBe("SELECT id FROM orders WHERE total > 100")
    expect(r.changed).toBe(true)
    expect(r.indexRecommendations).toEqual([{ statement: "CREATE INDEX idx_total ON orders (total)", reason: "range filter" }])
    expect(r.suggestions).toEqual(["Selected only the id column instead of every column"])
  })

  it("reads 'Rating - poor' style headers", () => {
    expect(parseOptimize("Rating - poor\nOPTIMIZED SQL:\n" + fence("sql", "SELECT 1"), "SELECT 1").rating).toBe("poor")
    expect(parseOptimize("rating: Fair", "SELECT 1").rating).toBe("fair")
  })

  it("treats 'No optimization needed' as the original, unchanged", () => {
    const r = parseOptimize("No optimization needed", original)
    expect(r.optimizedSql).toBe(original)
    expect(r.changed).toBe(false)
    expect(r.suggestions).toEqual(["No optimization needed"])
    expect(r.indexRecommendations).toEqual([])
    expect(r.rating).toBeUndefined()
  })

  it("reports no change when the optimized SQL differs only in case, whitespace and semicolon", () => {
    const text = ["RATING: GOOD", "OPTIMIZED SQL:", fence("sql", "select *\n  from ORDERS where user_id in (select id from users where email = 'A@B.C');"), "INDEXES:", "- none", "CHANGES:", "- none"].join("\n")
    const r = parseOptimize(text, original)
    expect(r.changed).toBe(false)
    expect(r.rating).toBe("good")
    expect(r.indexRecommendations).toEqual([])
    expect(r.suggestions).toEqual([])
  })

  it("falls back to the original when the OPTIMIZED SQL section has no SQL", () => {
    const r = parseOptimize("RATING: GOOD\nOPTIMIZED SQL: No changes needed; the query is already optimal.\nINDEXES:\n- none\nCHANGES:\n- No changes needed", original)
    expect(r.optimizedSql).toBe(original)
    expect(r.changed).toBe(false)
    expect(r.suggestions).toEqual(["No changes needed"])
  })

  it("does not take index DDL for the optimized query", () => {
    const r = parseOptimize("Rating: poor\nYou should add an index:\n" + fence("sql", "CREATE INDEX i ON t (a);"), "SELECT * FROM t WHERE a = 1")
    expect(r.optimizedSql).toBe("SELECT * FROM t WHERE a = 1")
    expect(r.changed).toBe(false)
    expect(r.indexRecommendations).toEqual([{ statement: "CREATE INDEX i ON t (a);" }])
    expect(r.suggestions).toEqual(["You should add an index:"])
  })

  it("finds SQL anywhere when the format is ignored, preferring SQL that differs from the original", () => {
    const text = "Your query:\n" + fence("sql", original) + "\nA join is faster:\n" + fence("sql", "SELECT o.* FROM orders o JOIN users u ON u.id = o.user_id")
    const r = parseOptimize(text, original)
    expect(r.optimizedSql).toBe("SELECT o.* FROM orders o JOIN users u ON u.id = o.user_id")
    expect(r.changed).toBe(true)
    expect(r.suggestions).toEqual(["Your query:\n\nA join is faster:"])
  })

  it("keeps $$ and $& in the optimized SQL", () => {
    const sql = "SELECT '$$' || '$&' AS x FROM t WHERE id = $1"
    const r = parseOptimize("RATING: FAIR\nOPTIMIZED SQL:\n" + fence("sql", sql) + "\nINDEXES:\n- none\nCHANGES:\n- Kept it", "SELECT 1")
    expect(r.optimizedSql).toBe(sql)
  })

  it("reads index statements written in a fence with comment reasons", () => {
    const text = "RATING: FAIR\nOPTIMIZED SQL:\n" + fence("sql", "SELECT 1") + "\nINDEXES:\n" +
      fence("sql", "-- speeds up lookups by email\nCREATE INDEX idx_email ON users (email);") + "\nCHANGES:\n- Added an index"
    expect(parseOptimize(text, "SELECT 1").indexRecommendations).toEqual([
      { statement: "CREATE INDEX idx_email ON users (email);", reason: "speeds up lookups by email" }
    ])
  })

  it("does not split a reason at -- inside a string literal", () => {
    const text = "INDEXES:\n- CREATE INDEX i ON t (a) WHERE b <> '--' -- partial index"
    expect(parseOptimize(text, "SELECT 1").indexRecommendations).toEqual([
      { statement: "CREATE INDEX i ON t (a) WHERE b <> '--'", reason: "partial index" }
    ])
  })

  it("gives no suggestions for an empty answer", () => {
    expect(parseOptimize("", "SELECT 1")).toEqual({ optimizedSql: "SELECT 1", changed: false, suggestions: [], indexRecommendations: [] })
  })
})

describe("parseFix", () => {
  const original = "SELECT nme FROM users"

  it("reads the exact format the prompt asks for", () => {
    const text = "CAUSE: The column nme does not exist; it is called name.\nFIXED SQL:\n" + fence("sql", "SELECT name FROM users;") +
      "\nCHANGES:\n- Renamed nme to name"
    expect(parseFix(text, original)).toEqual({
      fixedSql: "SELECT name FROM users;",
      cause: "The column nme does not exist; it is called name.",
      changes: ["Renamed nme to name"]
    })
  })

  it("lets the cause span lines until the next header, with markdown headers", () => {
    const text = "**Cause:** The column\nis misspelled.\n\n### Fixed SQL\n" + fence("postgresql", "SELECT name FROM users") + "\n**Changes:**\n- Fixed the name"
    const r = parseFix(text, original)
    expect(r.cause).toBe("The column is misspelled.")
    expect(r.fixedSql).toBe("SELECT name FROM users")
    expect(r.changes).toEqual(["Fixed the name"])
  })

  it("reads dash-separated headers", () => {
    const text = "Cause - The table name is wrong.\nFixed SQL -\n" + fence("sql", "SELECT name FROM users") + "\nChanges -\n- Renamed the table"
    expect(parseFix(text, original)).toEqual({ fixedSql: "SELECT name FROM users", cause: "The table name is wrong.", changes: ["Renamed the table"] })
  })

  it("accepts the legacy singular CHANGE: header and CRLF", () => {
    const text = "CAUSE: Typo.\r\nFIXED SQL:\r\n```sql\r\nSELECT name FROM users\r\n```\r\nCHANGE:\r\n- nme -> name"
    expect(parseFix(text, original)).toEqual({ fixedSql: "SELECT name FROM users", cause: "Typo.", changes: ["nme -> name"] })
  })

  it("keeps the SQL when the only SQL in the answer is the original", () => {
    const r = parseFix("The query itself is fine; the table is missing.\n" + fence("sql", original), original)
    expect(r.fixedSql).toBe(original)
    expect(r.cause).toBe("The query itself is fine; the table is missing.")
  })

  it("prefers SQL that differs from a quoted original when the format is ignored", () => {
    const r = parseFix("Your query:\n" + fence("sql", original) + "\nThe column is misspelled. Use:\n" + fence("sql", "SELECT name FROM users"), original)
    expect(r.fixedSql).toBe("SELECT name FROM users")
    expect(r.cause).toContain("The column is misspelled.")
    expect(r.cause).not.toContain("SELECT")
    expect(r.changes).toEqual([])
  })

  it("returns an empty fixedSql and the words as cause when there is no SQL", () => {
    expect(parseFix("I need more information about the orders table.", original)).toEqual({
      fixedSql: "",
      cause: "I need more information about the orders table.",
      changes: []
    })
    expect(parseFix("", original)).toEqual({ fixedSql: "", cause: "", changes: [] })
  })

  it("keeps a dollar-quoted function body in the fix", () => {
    const r = parseFix("CAUSE: The body was not quoted.\nFIXED SQL:\n" + fence("sql", plpgsql) + "\nCHANGES:\n- Quoted the body with $$", "CREATE FUNCTION touch()")
    expect(r.fixedSql).toBe(plpgsql)
    expect(r.changes).toEqual(["Quoted the body with $$"])
  })

  it("takes the SQL after FIXED SQL even when the cause quotes other SQL", () => {
    const text = "CAUSE: `SELECT nme` names a missing column.\nFIXED SQL: SELECT name FROM users;\nCHANGES:\n- Renamed the column"
    const r = parseFix(text, original)
    expect(r.fixedSql).toBe("SELECT name FROM users;")
    expect(r.cause).toBe("`SELECT nme` names a missing column.")
  })
})

describe("robustness", () => {
  it("never throws on arbitrary text", () => {
    const pieces = FastCheck.constantFrom(
      "```", "```sql", "~~~", "\n", "\r\n", "\r", "$$", "$tag$", "'", "\"", "`", "--", "/*", "*/", ";", "BEGIN", "END",
      "CASE", "SELECT", "RATING:", "OPTIMIZED SQL:", "INDEXES:", "CHANGES:", "CAUSE:", "FIXED SQL:", "- ", "**", "#", " ",
      "none", "the", "{schema}", "$&", "SQL:", "CREATE INDEX i ON t(a)", "."
    )
    const text = FastCheck.oneof(FastCheck.string(), FastCheck.array(pieces, { maxLength: 40 }).map((a) => a.join("")))
    FastCheck.assert(
      FastCheck.property(text, (t) => {
        const sql = extractSql(t)
        if (sql !== undefined) expect(sql).toBe(sql.trim())
        expect(typeof parseGenerate(t).sql).toBe("string")
        expect(typeof parseExplain(t).explanation).toBe("string")
        expect(typeof parseOptimize(t, "SELECT 1").optimizedSql).toBe("string")
        expect(typeof parseFix(t, "SELECT 1").fixedSql).toBe("string")
      }),
      { numRuns: 500, seed: 42 }
    )
  })

  it("reads a long answer of alternating prose and SQL lines", () => {
    const text = Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? "Select the next rows." : `SELECT ${i} FROM t`)).join("\n")
    expect(extractSql(text)).toBe("SELECT 1 FROM t\nSELECT 2 FROM t")
  })
})
