/**
 * An explain request with sections (several tables' DDL explained in one call): validated on the
 * way in, asked for in the prompt under a fixed heading form (or as the sectioned JSON answer),
 * split back by name from text and from JSON, and keyed apart from the same SQL without sections.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as AnswerParser from "../../src/domain/AnswerParser.js"
import * as AnswerSchemas from "../../src/domain/AnswerSchemas.js"
import * as CacheKey from "../../src/domain/CacheKey.js"
import * as Limits from "../../src/domain/Limits.js"
import * as PromptProfiles from "../../src/domain/PromptProfiles.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as SqlTask from "../../src/domain/SqlTask.js"

const ddl = "CREATE TABLE orders (\n  id integer\n);\n\nCREATE TABLE order_items (\n  id integer\n);"
const names = ["orders", "order_items"]
const sectioned = SqlTask.explain({ sql: ddl, sections: names, dialect: "postgresql" })
const plain = SqlTask.explain({ sql: ddl, dialect: "postgresql" })

describe("AnswerParser.parseExplainSections", () => {
  it("splits by the heading form asked for, and by the headings models write instead", () => {
    const text = [
      "Here are the tables:",
      "### orders",
      "Stores orders.",
      "",
      "**order_items**",
      "Stores the lines of an order.",
      "It belongs to orders."
    ].join("\n")
    expect(AnswerParser.parseExplainSections(text, names)).toEqual({
      orders: "Stores orders.",
      order_items: "Stores the lines of an order.\nIt belongs to orders."
    })
    expect(AnswerParser.parseExplainSections("## ORDERS:\nA.\nOrder_Items:\nB.", names)).toEqual({ orders: "A.", order_items: "B." })
    expect(AnswerParser.parseExplainSections("<think>### orders\ndraft</think>\n### `orders`\nA.", names)).toEqual({ orders: "A." })
  })

  it("leaves a skipped name out, never giving it another's text; drops a second section and an empty one", () => {
    expect(AnswerParser.parseExplainSections("### order_items\nB.", names)).toEqual({ order_items: "B." })
    // A prefix of another name, or a line that mentions a name, is not its heading.
    expect(AnswerParser.parseExplainSections("### order_items\nThe orders table holds orders.\norders table:\nB.", names))
      .toEqual({ order_items: "The orders table holds orders.\norders table:\nB." })
    expect(AnswerParser.parseExplainSections("### orders\nA.\n### orders\nAgain.\n### order_items\n", names)).toEqual({ orders: "A." })
    expect(AnswerParser.parseExplainSections("no headings at all", names)).toEqual({})
  })
})

describe("AnswerParser.explainSectionsFromJson and explainAnswer", () => {
  it("matches items by name (case aside), drops names not asked for, and is undefined for other JSON", () => {
    const json = JSON.stringify({
      sections: [{ name: "Order_Items", explanation: "B." }, { name: "ghosts", explanation: "G." }, { name: "orders", explanation: " A. " }]
    })
    expect(AnswerParser.explainSectionsFromJson(json, names)).toEqual({ orders: "A.", order_items: "B." })
    expect(AnswerParser.explainSectionsFromJson(JSON.stringify({ explanation: "x" }), names)).toBeUndefined()
    expect(AnswerParser.explainSectionsFromJson("### orders\nA.", names)).toBeUndefined()
  })

  it("reads a sectioned answer from JSON, or from text when JSON was not honoured; a plain one as before", () => {
    const json = JSON.stringify({ sections: [{ name: "orders", explanation: "A." }] })
    expect(AnswerParser.explainAnswer(json, true, names)).toEqual({ explanation: "### orders\nA.", sections: { orders: "A." } })
    expect(AnswerParser.explainAnswer("### order_items\nB.", true, names)).toEqual({ explanation: "### order_items\nB.", sections: { order_items: "B." } })
    // Nothing split: the text is still the explanation, and no section is claimed.
    expect(AnswerParser.explainAnswer("Just prose.", false, names)).toEqual({ explanation: "Just prose.", sections: {} })
    expect(AnswerParser.explainAnswer("Explanation: Just prose.", false)).toEqual({ explanation: "Just prose." })
    expect(AnswerParser.explainAnswer(JSON.stringify({ explanation: "J." }), true)).toEqual({ explanation: "J." })
  })
})

describe("Prompts for a sectioned explain request", () => {
  it("asks for one section per name under the heading form, and the sectioned JSON answer where structured", () => {
    const prompt = Prompts.forTask(sectioned)
    expect(prompt.user).toContain("Names:\n- orders\n- order_items")
    expect(prompt.user).toContain(`"### <name>"`)
    expect(prompt.user).toContain(ddl)
    const budget = { provider: "openai", model: "gpt-4o-mini", contextWindow: 128_000, maxOutputTokens: 2_048 } as const
    const structured = Either.getOrThrow(Prompts.forTask(sectioned, budget)).structured
    expect(structured?.answer).toBe(AnswerSchemas.sectionedExplain)
    expect(structured?.user).toContain("\"sections\"")
    // A small model's worked example is sectioned too, in the format it is asked for.
    const small = { ...budget, profile: PromptProfiles.table.ollama.small }
    const smallPrompt = Either.getOrThrow(Prompts.forTask(sectioned, small))
    expect(smallPrompt.system).toContain("### users\nStores the users")
    expect(smallPrompt.structured?.system).toContain("{\"sections\":[{\"name\":\"users\"")
  })

  it("leaves the prompt of a request without sections as it was", () => {
    expect(Prompts.forTask(plain)).toEqual(Prompts.forTask({ ...plain, sections: [] }))
    expect(Prompts.forTask(plain).user).toBe(Prompts.fill(Prompts.explainTemplate, { dialect: "PostgreSQL", schema: "No schema available", sql: ddl }))
    expect(AnswerSchemas.forTask(plain)).toBe(AnswerSchemas.answerSchemas.ExplainSql)
  })

  it("sizes a task's frame against the room a model leaves for the prompt", () => {
    const budget = { provider: "openai", model: "gpt-4o-mini", contextWindow: 10_000, maxOutputTokens: 2_000 } as const
    expect(Prompts.promptRoom(budget)).toBe(8_000)
    expect(Prompts.promptRoom({ ...budget, maxOutputTokens: 20_000 })).toBe(0)
    const one = Prompts.frameTokens(SqlTask.explain({ sql: "CREATE TABLE a (id integer);", sections: ["a"], dialect: "generic" }), budget)
    expect(Prompts.frameTokens(sectioned, budget)).toBeGreaterThan(one)
  })
})

describe("SqlTask sections", () => {
  const decode = (sections: unknown) =>
    Effect.runSync(Effect.either(SqlTask.decodeWithin({ _tag: "ExplainSql", sql: ddl, sections } as SqlTask.SqlTaskInput, Limits.defaultInputLimits)))

  it("are kept through validation, and refused by name when one is blank, multi-line, too long or repeated, or too many", () => {
    expect(decode(names)).toEqual(Either.right({ _tag: "ExplainSql", sql: ddl, sections: names, dialect: "generic" }))
    expect(Either.getOrThrow(decode(undefined))).toMatchObject({ _tag: "ExplainSql", sql: ddl, sections: undefined })
    const refusal = (sections: unknown) => Either.getLeft(decode(sections))
    expect(refusal(["orders", " "])).toMatchObject({ _tag: "Some", value: { field: "sections.1", message: "sections.1 must not be empty" } })
    expect(refusal(["a\n### b"])).toMatchObject({ value: { field: "sections.0", message: "sections.0 must be one line with no control characters" } })
    expect(refusal(["x".repeat(257)])).toMatchObject({ value: { field: "sections.0" } })
    expect(refusal(["a", "a"])).toMatchObject({ value: { field: "sections", message: "sections must not name a section twice" } })
    expect(refusal(Array.from({ length: 101 }, (_, i) => `t${i}`))).toMatchObject({ value: { field: "sections" } })
    expect(SqlTask.sectionNameProblem("orders")).toBeUndefined()
  })
})

describe("CacheKey with sections", () => {
  it("keys a sectioned request apart from the same SQL without sections, and by the names and their order", () => {
    const key = (task: CacheKey.TaskLike) => CacheKey.fromTask("openai", "gpt-4o-mini", task).digest
    expect(key(sectioned)).not.toBe(key(plain))
    expect(key({ ...sectioned, sections: ["order_items", "orders"] })).not.toBe(key(sectioned))
    expect(key({ ...sectioned, sections: ["orders", "Order_Items"] })).not.toBe(key(sectioned))
    // No sections, or none: the key every request had before.
    expect(key({ ...plain, sections: [] })).toBe(key(plain))
    expect(key(plain)).toBe(CacheKey.make({ provider: "openai", model: "gpt-4o-mini", task: "ExplainSql", request: { sql: ddl }, dialect: "postgresql" }).digest)
  })
})
