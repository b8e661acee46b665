import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as O200k from "gpt-tokenizer/encoding/o200k_base"
import { run, words } from "../../bench/largest.js"
import * as Tokens from "../../src/internal/Tokens.js"
import * as TokenCounter from "../../src/internal/TokenCounter.js"

const chinese = "列出过去九十天内消费最多的前十位客户，以及他们的电子邮件和订单数量" // o200k 22, cl100k 32

// One process per test file (vitest forks), so the load state starts empty here; the tests run in
// order and the first ones check what is loaded.
describe("TokenCounter", () => {
  it.live("loads nothing on import, nor for providers that are estimated", () =>
    Effect.gen(function*() {
      expect(yield* TokenCounter.loadedEncodings).toEqual([])
      const claude = yield* TokenCounter.count("anthropic", "claude-sonnet-4-5", "SELECT 1")
      expect(claude).toEqual({ tokens: Tokens.estimate("anthropic", "SELECT 1"), exact: false })
      expect(yield* TokenCounter.loadedEncodings).toEqual([])
    }))

  it.live("loads only the encoding a model needs, once, even for concurrent first counts", () =>
    Effect.gen(function*() {
      const counts = yield* Effect.all(
        Array.from({ length: 5 }, () => TokenCounter.count("openai", "gpt-4", chinese)),
        { concurrency: "unbounded" }
      )
      expect(counts).toEqual(Array.from({ length: 5 }, () => ({ tokens: 32, exact: true })))
      expect(yield* TokenCounter.loadedEncodings).toEqual(["cl100k_base"])
    }))

  it.live("counts OpenAI and Azure OpenAI models exactly", () =>
    Effect.gen(function*() {
      expect(yield* TokenCounter.count("openai", "gpt-4o", chinese)).toEqual({ tokens: 22, exact: true })
      expect(yield* TokenCounter.count("azure-openai", "gpt-4.1-mini", chinese)).toEqual({ tokens: 22, exact: true })
      expect(yield* TokenCounter.count("azure-openai", "sql-prod", chinese)).toEqual({ tokens: 22, exact: false })
      expect([...(yield* TokenCounter.loadedEncodings)].sort()).toEqual(["cl100k_base", "o200k_base"])
    }))

  it.live("counts a chat turn with OpenAI's framing", () =>
    Effect.gen(function*() {
      const messages = { system: "You are a SQL expert.", user: "List all users." }
      expect(yield* TokenCounter.countChat("openai", "gpt-4o", messages)).toEqual({ tokens: 21, exact: true })
      expect(yield* TokenCounter.countChat("gemini", "gemini-2.5-flash", messages)).toEqual(
        Tokens.estimator.countChat("gemini", "gemini-2.5-flash", messages)
      )
    }))

  it.live("counts user text holding special-token markers without failing", () =>
    Effect.gen(function*() {
      expect(yield* TokenCounter.count("openai", "gpt-4o", "<|endoftext|><|im_start|>")).toMatchObject({ exact: true })
    }))

  it.live("preloads an encoding ahead of the first count", () =>
    Effect.gen(function*() {
      yield* TokenCounter.preload("ollama", "llama3.2")
      yield* TokenCounter.preload("openai", "gpt-5")
      expect(yield* TokenCounter.encoder("o200k_base")).toBeTypeOf("function")
    }))

  it.live("estimates a chat turn's cost before it is sent", () =>
    Effect.gen(function*() {
      const messages = { system: "You are a SQL expert.", user: "List all users." } // 21 tokens on gpt-4o
      const at = new Date("2026-06-01T00:00:00Z")
      expect(yield* TokenCounter.estimateChat({ provider: "openai", model: "gpt-4o", messages, maxOutputTokens: 100, at }))
        .toEqual({
          inputTokens: 21,
          inputTokensExact: true,
          maxOutputTokens: 100,
          minUsd: expect.closeTo(21 * 2.5e-6, 12),
          maxUsd: expect.closeTo(21 * 2.5e-6 + 100 * 10e-6, 12),
          source: "genai-prices"
        })
      const cloudflare = yield* TokenCounter.estimateChat({
        provider: "cloudflare",
        model: "@cf/meta/llama-3.1-70b-instruct",
        messages,
        maxOutputTokens: 256
      })
      expect(cloudflare).toMatchObject({ inputTokensExact: false, minUsd: undefined, maxUsd: undefined, source: "unknown" })
    }))

  it.live("counts a long text piece by piece to the same exact count, letting the event loop in", () =>
    Effect.gen(function*() {
      const text = words(200_000)
      let ticks = 0
      const timer = setInterval(() => ticks++, 0)
      const counted = yield* TokenCounter.count("openai", "gpt-4o", text).pipe(Effect.ensuring(Effect.sync(() => clearInterval(timer))))
      expect(counted).toEqual({ tokens: O200k.countTokens(text), exact: true })
      expect(ticks).toBeGreaterThan(0)
    }))

  it.live("counts a long run with no space in linear time, and says the count is not exact", () =>
    Effect.gen(function*() {
      const sql = `SELECT '${run(300_000)}'`
      const start = performance.now()
      const counted = yield* TokenCounter.count("openai", "gpt-4o", sql)
      // One call to the tokenizer would take minutes (its merges are quadratic in a run).
      expect(performance.now() - start).toBeLessThan(20_000)
      expect(counted.exact).toBe(false)
      expect(counted.tokens).toBeGreaterThan(sql.length / 4)
    }), 60_000)

  it.live("estimates on request, even where the tokenizer could count", () =>
    Effect.gen(function*() {
      const messages = { system: "You are a SQL expert.", user: "Списки всех пользователей 😀 ".repeat(20_000) }
      const estimate = yield* TokenCounter.estimateChat({ provider: "openai", model: "gpt-4o", messages, maxOutputTokens: 100 }, { exact: false })
      expect(estimate.inputTokensExact).toBe(false)
      expect(estimate.inputTokens).toBe(Tokens.estimator.countChat("openai", "gpt-4o", messages).tokens)
      expect(yield* TokenCounter.countChat("anthropic", "claude-sonnet-4-5", messages)).toEqual(Tokens.estimator.countChat("anthropic", "claude-sonnet-4-5", messages))
    }))
})
