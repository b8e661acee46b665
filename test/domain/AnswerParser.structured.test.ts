import { describe, expect, it } from "@effect/vitest"
import * as AnswerParser from "../../src/domain/AnswerParser.js"

describe("AnswerParser: structured answers", () => {
  it("generate: the SQL and its sentence; a fenced sql field is read out of its fence", () => {
    expect(AnswerParser.generateFromJson("{\"sql\":\" SELECT 1; \",\"explanation\":\"One.\"}")).toEqual({ sql: "SELECT 1;", explanation: "One." })
    expect(AnswerParser.generateFromJson("{\"sql\":\"```sql\\nSELECT 2;\\n```\",\"explanation\":\"\"}")).toEqual({ sql: "SELECT 2;" })
    expect(AnswerParser.generateFromJson("{\"sql\":\"\",\"explanation\":\"I need more information about shipments.\"}"))
      .toEqual({ sql: "", explanation: "I need more information about shipments." })
    expect(AnswerParser.generateFromJson("```sql\nSELECT 1\n```")).toBeUndefined()
  })

  it("explain: the prose, without an Explanation: label", () => {
    expect(AnswerParser.explainFromJson("{\"explanation\":\"Explanation: Reads users.\"}")).toEqual({ explanation: "Reads users." })
    expect(AnswerParser.explainFromJson("Reads users.")).toBeUndefined()
  })

  it("optimize: rating, changed, suggestions and indexes as the text parser gives them", () => {
    const o = AnswerParser.optimizeFromJson(JSON.stringify({
      rating: "FAIR",
      optimizedSql: "SELECT id FROM t WHERE a = 1",
      indexes: [{ statement: "CREATE INDEX i ON t (a);", reason: "the filter" }, { statement: "none", reason: "" }, "CREATE INDEX j ON t (b); -- sort"],
      suggestions: ["Select only id", "none"]
    }), "SELECT * FROM t WHERE a = 1")
    expect(o).toEqual({
      optimizedSql: "SELECT id FROM t WHERE a = 1",
      changed: true,
      rating: "fair",
      suggestions: ["Select only id"],
      indexRecommendations: [{ statement: "CREATE INDEX i ON t (a);", reason: "the filter" }, { statement: "CREATE INDEX j ON t (b);", reason: "sort" }]
    })
    const same = AnswerParser.optimizeFromJson("{\"rating\":\"good\",\"optimizedSql\":\"\",\"indexes\":[],\"suggestions\":[]}", "SELECT 1")
    expect(same).toMatchObject({ optimizedSql: "SELECT 1", changed: false, rating: "good" })
  })

  it("fix: cause, fixed SQL and changes", () => {
    expect(AnswerParser.fixFromJson("{\"cause\":\"Typo.\",\"fixedSql\":\"SELECT name FROM users\",\"changes\":[\"nme -> name\",\"none\"]}"))
      .toEqual({ fixedSql: "SELECT name FROM users", cause: "Typo.", changes: ["nme -> name"] })
    expect(AnswerParser.fixFromJson("CAUSE: x")).toBeUndefined()
  })

  it("a leading <think> block (R1-like models) is not the answer", () => {
    expect(AnswerParser.parseGenerate("<think>\nSELECT * FROM secrets;\n</think>\n```sql\nSELECT 1;\n```").sql).toBe("SELECT 1;")
    expect(AnswerParser.extractSql("<think>DROP TABLE x;</think>\nSELECT 2;")).toBe("SELECT 2;")
  })
})
