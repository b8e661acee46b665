import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Prepared from "../../src/domain/Prepared.js"
import * as PromptProfiles from "../../src/domain/PromptProfiles.js"
import * as Prompts from "../../src/domain/Prompts.js"
import { shopSchema } from "../support/http.js"

describe("Prepared", () => {
  it.effect("prepare normalizes once; a prepared request passes through as is", () =>
    Effect.gen(function*() {
      const raw = { _tag: "GenerateSql" as const, prompt: "list orders", schema: shopSchema, dialect: "postgres" }
      const request = yield* Prepared.prepare("openai", raw)
      expect(request._tag).toBe("GenerateSql")
      expect(request.task.dialect).toBe("postgresql")
      expect(Array.isArray(request.task.schema?.tables)).toBe(true)
      expect(request.operation).toBe("generate")
      expect(request.promptChars).toBe("list orders".length)
      expect(yield* Prepared.prepare("openai", request)).toBe(request)
      const error = yield* Effect.flip(Prepared.prepare("openai", { ...raw, prompt: "" }))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.field).toBe("prompt")
      expect(error.message).toContain("Invalid GenerateSql request")
    }))

  it.effect("a plain object shaped like a validated task is still validated", () =>
    Effect.gen(function*() {
      const lookalike = { _tag: "GenerateSql" as const, prompt: "x".repeat(200_001), dialect: "postgresql" }
      const error = yield* Effect.flip(Prepared.prepare("openai", lookalike))
      expect(error.field).toBe("prompt")
    }))

  it.effect("promptFor builds the prompt once per model; without one, with every table", () =>
    Effect.gen(function*() {
      const request = yield* Prepared.prepare("openai", { _tag: "ExplainSql", sql: "SELECT * FROM orders", schema: shopSchema, dialect: "sqlite" })
      const a = request.promptFor(undefined)
      expect(a).toEqual(Prompts.forTask(request.task))
      expect(request.promptFor(undefined)).toBe(a)
      const big = { provider: "openai" as const, model: "gpt-4.1-mini", contextWindow: 1_000_000, maxOutputTokens: 2048 }
      const b = yield* request.promptFor(big)
      expect(b.schema.leftOut).toEqual([])
      expect(yield* request.promptFor(big)).toBe(b)
      // The smallest window the named table fits: the other table is left out, and the prompt says so.
      let window = 2048
      while (Either.isLeft(request.promptFor({ ...big, model: `w${window}`, contextWindow: window }))) window++
      const c = yield* request.promptFor({ ...big, model: "small", contextWindow: window })
      expect(c.schema).toEqual({ sent: ["orders"], leftOut: ["customers"], textLeftOut: false })
      expect(c.user).toContain("orders(id integer")
      expect(c.user).toContain("... and 1 more tables")
    }))

  it.effect("a profile of the same model (reasoning turned on in the settings) gets its own prompt", () =>
    Effect.gen(function*() {
      const request = yield* Prepared.prepare("openai", { _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "sqlite" })
      const budget = { provider: "openai" as const, model: "my-proxy-model", contextWindow: 128_000, maxOutputTokens: 2048 }
      const hosted = yield* request.promptFor({ ...budget, profile: PromptProfiles.profileFor("openai", "my-proxy-model", false) })
      const reasoning = yield* request.promptFor({ ...budget, profile: PromptProfiles.profileFor("openai", "my-proxy-model", true) })
      expect(reasoning).not.toBe(hosted)
      expect(reasoning.system.length).toBeLessThan(hosted.system.length)
      expect(yield* request.promptFor({ ...budget, profile: PromptProfiles.profileFor("openai", "my-proxy-model", true) })).toBe(reasoning)
    }))

  it.effect("prompt (in slices, on the request path) builds what promptFor builds, once per model", () =>
    Effect.gen(function*() {
      const request = yield* Prepared.prepare("openai", { _tag: "ExplainSql", sql: "SELECT * FROM orders", schema: shopSchema, dialect: "sqlite" })
      const budget = { provider: "openai" as const, model: "gpt-4.1-mini", contextWindow: 1_000_000, maxOutputTokens: 2048 }
      const sliced = yield* request.prompt(budget)
      expect(yield* request.promptFor(budget)).toBe(sliced)
      expect(yield* request.prompt(budget)).toBe(sliced)
      // Built apart, in slices or at once, the two are the same prompt.
      const [a, b] = [yield* Prepared.prepare("openai", request.task), yield* Prepared.prepare("openai", request.task)]
      expect(yield* a.prompt(budget)).toEqual(yield* b.promptFor(budget))
      // A window too small for the named table: the same ContextTooLong as promptFor's.
      const tiny = { ...budget, model: "tiny", contextWindow: 2100 }
      const error = yield* Effect.flip(a.prompt(tiny))
      expect(error).toEqual(yield* Effect.flip(b.promptFor(tiny)))
      expect(error.code).toBe("named_tables_do_not_fit")
    }))

  it.effect("named tables that cannot fit are a ContextTooLong naming them, not a guess", () =>
    Effect.gen(function*() {
      const request = yield* Prepared.prepare("ollama", { _tag: "ExplainSql", sql: "SELECT * FROM orders", schema: shopSchema, dialect: "postgres" })
      const error = yield* Effect.flip(request.promptFor({ provider: "ollama", model: "tiny", contextWindow: 2100, maxOutputTokens: 2048 }))
      expect(error._tag).toBe("ContextTooLong")
      expect(error.code).toBe("named_tables_do_not_fit")
      expect(error.tables).toEqual(["orders"])
      expect(error.message).toContain("orders")
      expect(error.message).toContain("tiny")
    }))

  it.effect("the check target keeps MongoDB, which the task's dialect cannot say", () =>
    Effect.gen(function*() {
      const mongo = yield* Prepared.prepare("openai", { _tag: "GenerateSql", prompt: "all users", dialect: "mongodb" })
      expect(mongo.task.dialect).toBe("generic")
      expect(mongo.target).toBe("mongodb")
      const pg = yield* Prepared.prepare("openai", { _tag: "GenerateSql", prompt: "all users", dialect: "postgres" })
      expect(pg.target).toBe("postgresql")
    }))

  it.effect("repairFor: one round for an answer that does not parse, none for a repair or the caller's own SQL", () =>
    Effect.gen(function*() {
      const request = yield* Prepared.prepare("openai", { _tag: "OptimizeSql", sql: "SELECT * FROM orders", schema: shopSchema, dialect: "postgres" })
      const meta = { provider: "openai" as const, model: "m", usage: { inputTokens: 1, outputTokens: 1 }, finishReason: "stop" as const, latencyMs: 1 }
      const broken = { checked: true, dialect: "postgresql" as const, parseError: { message: "Expected FROM", line: 1, column: 8 }, statements: [], flags: { destructive: [], unknownTables: [], unknownColumns: [] } }
      const result = { _tag: "OptimizeSqlResult" as const, optimizedSql: "SELEC id FROM orders", changed: true, suggestions: [], indexRecommendations: [], raw: "", meta, check: broken }
      const repair = request.repairFor(result)
      expect(repair?.repair).toEqual({ sql: "SELEC id FROM orders", error: broken.parseError })
      expect(repair?.promptFor(undefined).user).toContain("Your previous answer does not parse as PostgreSQL at line 1, column 8")
      expect(repair?.repairFor(result)).toBeUndefined()
      expect(request.repairFor({ ...result, optimizedSql: "SELECT * FROM orders", changed: false })).toBeUndefined()
      expect(request.repairFor({ ...result, check: { ...broken, parseError: undefined } })).toBeUndefined()
    }))
})
