/**
 * Grouping tables' DDL into explain requests: as few as fit the model's window less its answer
 * budget, in order, capped by what one answer can describe and by the request's SQL limit.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Limits from "../../src/domain/Limits.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as TableBatches from "../../src/domain/TableBatches.js"

const item = (name: string, columns = 3): TableBatches.Item => ({
  name,
  sql: `CREATE TABLE ${name} (\n${Array.from({ length: columns }, (_, i) => `  ${name}_column_${i} varchar(255)`).join(",\n")}\n);`
})
const names = (batches: ReadonlyArray<ReadonlyArray<TableBatches.Item>>) => batches.map((b) => b.map((i) => i.name))

const large = { provider: "openai", model: "gpt-4o-mini", contextWindow: 128_000, maxOutputTokens: 4_096 } as const
const options = (budget: Prompts.Budget, limits = Limits.defaultInputLimits) => ({ budget, limits, dialect: "postgresql" as const })

describe("TableBatches.plan", () => {
  it("puts tables that fit one request into one, in order", () => {
    const items = ["a", "b", "c"].map((n) => item(n))
    expect(names(TableBatches.plan(items, options(large)))).toEqual([["a", "b", "c"]])
    expect(TableBatches.plan([], options(large))).toEqual([])
  })

  it("caps a request at what its answer budget can describe, and at twenty tables", () => {
    const items = Array.from({ length: 45 }, (_, i) => item(`t${i}`, 1))
    expect(TableBatches.perBatch(large)).toBe(20)
    expect(TableBatches.plan(items, options(large)).map((b) => b.length)).toEqual([20, 20, 5])
    const shortAnswers = { ...large, maxOutputTokens: 500 }
    expect(TableBatches.perBatch(shortAnswers)).toBe(3)
    expect(TableBatches.plan(items.slice(0, 7), options(shortAnswers)).map((b) => b.length)).toEqual([3, 3, 1])
    expect(TableBatches.perBatch({ ...large, maxOutputTokens: 10 })).toBe(1)
    expect(TableBatches.plan(items.slice(0, 4), { ...options(large), maxPerBatch: 2 }).map((b) => b.length)).toEqual([2, 2])
  })

  it("splits where the next table would not fit the window, each request within it", () => {
    const small = { provider: "ollama", model: "llama3.2", contextWindow: 2_000, maxOutputTokens: 480 } as const
    const items = Array.from({ length: 9 }, (_, i) => item(`t${i}`, 12))
    const batches = TableBatches.plan(items, options(small))
    expect(batches.length).toBeGreaterThan(1)
    expect(batches.flat()).toEqual(items)
    for (const [i, batch] of batches.entries()) {
      expect(Prompts.frameTokens(TableBatches.task(batch, "postgresql"), small)).toBeLessThanOrEqual(Prompts.promptRoom(small))
      // As few requests as fit: the next table would not have fit this one.
      const next = batches[i + 1]?.[0]
      if (next !== undefined && batch.length < TableBatches.perBatch(small)) {
        expect(Prompts.frameTokens(TableBatches.task([...batch, next], "postgresql"), small)).toBeGreaterThan(Prompts.promptRoom(small))
      }
    }
  })

  it("gives a table too large for any request one of its own, and keeps each request's SQL within the limit", () => {
    const tiny = { ...large, contextWindow: 1_000, maxOutputTokens: 500 }
    const items = [item("a", 1), item("huge", 200), item("b", 1)]
    expect(names(TableBatches.plan(items, options(tiny)))).toEqual([["a"], ["huge"], ["b"]])
    const limits = { ...Limits.defaultInputLimits, sqlChars: 100 }
    const sized = [item("a", 2), item("b", 2), item("c", 2)]
    expect(sized[0]!.sql.length).toBeLessThanOrEqual(100)
    expect(sized[0]!.sql.length * 2 + 2).toBeGreaterThan(100)
    expect(names(TableBatches.plan(sized, options(large, limits)))).toEqual([["a"], ["b"], ["c"]])
  })

  it("builds one explain request per batch: the statements in order, one section per table", () => {
    const task = TableBatches.task([item("a", 1), item("b", 1)], "mysql")
    expect(task).toEqual({ _tag: "ExplainSql", sql: `${item("a", 1).sql}\n\n${item("b", 1).sql}`, sections: ["a", "b"], dialect: "mysql" })
  })
})
