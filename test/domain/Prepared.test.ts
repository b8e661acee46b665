import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Prepared from "../../src/domain/Prepared.js"
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

  it.effect("promptFor builds the prompt once per schema limits", () =>
    Effect.gen(function*() {
      const request = yield* Prepared.prepare("openai", { _tag: "ExplainSql", sql: "SELECT * FROM orders", schema: shopSchema, dialect: "sqlite" })
      const a = request.promptFor(undefined)
      expect(a).toEqual(Prompts.forTask(request.task))
      expect(request.promptFor(undefined)).toBe(a)
      const capped = { maxTables: 1 }
      const b = request.promptFor(capped)
      expect(b).not.toBe(a)
      expect(b.user).toContain("... and 1 more tables")
      expect(request.promptFor(capped)).toBe(b)
    }))
})
