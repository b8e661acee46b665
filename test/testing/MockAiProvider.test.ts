import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream, TestClock } from "effect"
import * as AiError from "../../src/domain/AiError.js"
import { AiProvider } from "../../src/services/AiProvider.js"
import * as MockAiProvider from "../../src/testing/MockAiProvider.js"
import { shopSchema } from "../support/http.js"

describe("MockAiProvider", () => {
  it.effect("answers with the SQL rule by default, through the real prompts and parser", () =>
    Effect.gen(function*() {
      const provider = yield* AiProvider
      const r = yield* provider.generateSql({ prompt: "list orders", schema: shopSchema, dialect: "postgresql" })
      expect(r.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
      expect(r.meta.provider).toBe("anthropic")
      expect(r.meta.model).toBe("mock-model")
    }).pipe(Effect.provide(MockAiProvider.layer({ provider: "anthropic" }))))

  it.effect("follows its script: replies, errors, and records calls", () =>
    Effect.gen(function*() {
      const mock = MockAiProvider.make({
        script: [
          { reply: "```sql\nSELECT 42;\n```" },
          { error: new AiError.RateLimited({ provider: "openai", message: "slow down" }) }
        ]
      })
      const first = yield* mock.service.generateSql({ prompt: "answer", dialect: "generic" })
      expect(first.sql).toBe("SELECT 42;")
      const second = yield* Effect.flip(mock.service.explainSql({ sql: "SELECT 1", dialect: "generic" }))
      expect(second._tag).toBe("RateLimited")
      expect(mock.calls).toHaveLength(2)
      expect(mock.calls[1]!.user).toContain("SELECT 1")
    }))

  it.effect("delays on the Effect clock, so TestClock drives it", () =>
    Effect.gen(function*() {
      const mock = MockAiProvider.make({ script: [{ reply: "ok", delay: "10 seconds" }] })
      const fiber = yield* Effect.fork(mock.service.explainSql({ sql: "SELECT 1", dialect: "generic" }))
      yield* TestClock.adjust("9 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      const r = yield* Fiber.join(fiber)
      expect(r.explanation).toBe("ok")
    }))

  it.effect("streams deltas then a result, or fails after some deltas", () =>
    Effect.gen(function*() {
      const mock = MockAiProvider.make({
        script: [{ reply: "The query counts rows in the orders table." }, { reply: "partial text here and more", error: new AiError.ProviderUnavailable({ provider: "openai", message: "down" }), errorAfterDeltas: 1 }]
      })
      const events = Chunk.toArray(yield* Stream.runCollect(mock.service.stream({ _tag: "ExplainSql", sql: "SELECT count(*) FROM orders", dialect: "generic" })))
      expect(events.at(-1)!._tag).toBe("Completed")
      const seen: Array<string> = []
      const error = yield* Stream.runForEach(mock.service.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" }), (e) => Effect.sync(() => seen.push(e._tag))).pipe(Effect.flip)
      expect(error._tag).toBe("ProviderUnavailable")
      expect(seen).toEqual(["TextDelta"])
    }))

  it.effect("testConnection and listModels report its models", () =>
    Effect.gen(function*() {
      const mock = MockAiProvider.make({ model: "m1", models: ["m1", "m2"] })
      expect((yield* mock.service.testConnection).modelAvailable).toBe(true)
      expect((yield* mock.service.listModels).map((m) => m.id)).toEqual(["m1", "m2"])
    }))
})
