import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Prompts from "../../src/domain/Prompts.js"
import * as AiProvider from "../../src/services/AiProvider.js"
import { shopSchema } from "../support/http.js"

describe("AiProvider task helpers", () => {
  it.effect("validateTask normalizes once; a validated task passes through as is", () =>
    Effect.gen(function*() {
      const raw = { _tag: "GenerateSql" as const, prompt: "list orders", schema: shopSchema, dialect: "postgres" as never }
      const valid = yield* AiProvider.validateTask("openai", raw)
      expect(valid).not.toBe(raw)
      expect(valid.dialect).toBe("postgresql")
      expect(Array.isArray((valid.schema as { tables?: unknown } | undefined)?.tables)).toBe(true)
      expect(yield* AiProvider.validateTask("openai", valid)).toBe(valid)
      const error = yield* Effect.flip(AiProvider.validateTask("openai", { ...raw, prompt: "" }))
      expect(error.field).toBe("prompt")
    }))

  it.effect("promptFor builds a validated task's prompt once per schema limits", () =>
    Effect.gen(function*() {
      const valid = yield* AiProvider.validateTask("openai", { _tag: "ExplainSql" as const, sql: "SELECT * FROM orders", schema: shopSchema, dialect: "sqlite" as const })
      const a = AiProvider.promptFor(valid, undefined)
      expect(a).toEqual(Prompts.forTask(valid))
      expect(AiProvider.promptFor(valid, undefined)).toBe(a)
      const capped = { maxTables: 1 }
      const b = AiProvider.promptFor(valid, capped)
      expect(b).not.toBe(a)
      expect(b.user).toContain("... and 1 more tables")
    }))
})
