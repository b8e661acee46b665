/**
 * Provider-tailored prompts and parameters (issue 15, part 3), over real loopback HTTP against
 * each provider's emulator: what each request carries for its model's family (temperature,
 * structured output, worked example, layout), that the structured answer is what gets parsed,
 * and that a plain-text reply to a structured request still parses through the text parser.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as AnswerSchemas from "../../src/domain/AnswerSchemas.js"
import * as Prompts from "../../src/domain/Prompts.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { fixtures, withFixture as withProvider } from "../support/fixtures/index.js"
import type { ProviderFixture } from "../support/fixtures/types.js"
import { shopSchema } from "../support/http.js"


const fx = (id: string): ProviderFixture => fixtures.find((f) => f.id === id)!
const body = (emu: Emulator.Emulator, i = 0) => emu.chatRequests()[i]!.body as Record<string, any>

const TEXT_REPLY = "```sql\nSELECT id, total FROM orders LIMIT 100;\n```\nLists the orders."
const generate = (p: AiProvider.Service) => p.generateSql({ prompt: "list orders", schema: shopSchema, dialect: "postgresql" })

// The model each provider is tested with, and whether its whole answers are structured.
const structuredProviders = ["openai", "azure-openai", "anthropic", "gemini", "ollama", "cloudflare"] as const

describe("structured answers, per provider", () => {
  for (const id of structuredProviders) {
    it.live(`${id}: the emulator answers in the requested shape, the JSON is what gets parsed, for every task`, () =>
      withProvider(fx(id), (emu, provider) =>
        Effect.gen(function*() {
          const g = yield* generate(provider)
          // The answer came back as the structured answer, and was read as JSON.
          expect(JSON.parse(g.raw)).toEqual({ sql: g.sql, explanation: g.explanation ?? "" })
          expect(g.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
          expect(emu.chatRequests()[0]!.chat?.structured?.schema).toEqual(AnswerSchemas.answerSchemas.GenerateSql.schema)

          const o = yield* provider.optimizeSql({ sql: "SELECT * FROM orders WHERE customer_id = 7", schema: shopSchema, dialect: "postgresql" })
          expect(Object.keys(JSON.parse(o.raw)).sort()).toEqual(["indexes", "optimizedSql", "rating", "suggestions"])
          expect(o.rating).toBe("fair")
          expect(o.changed).toBe(true)
          expect(o.indexRecommendations[0]).toMatchObject({ statement: expect.stringMatching(/^CREATE INDEX .* ON orders \(customer_id\);$/), reason: expect.stringContaining("customer_id") })
          expect(emu.chatRequests()[1]!.chat?.structured?.schema).toEqual(AnswerSchemas.answerSchemas.OptimizeSql.schema)

          const f = yield* provider.fixSql({ sql: "SELECT id FROM order", errorMessage: "no such table: order", schema: shopSchema, dialect: "sqlite" })
          expect(JSON.parse(f.raw)).toMatchObject({ fixedSql: "SELECT id FROM orders" })
          expect(f.cause).toContain("order")
          expect(f.changes).toHaveLength(1)

          const e = yield* provider.explainSql({ sql: "SELECT * FROM orders", schema: shopSchema, dialect: "postgresql" })
          expect(Object.keys(JSON.parse(e.raw))).toEqual(["explanation"])
          expect(e.explanation).toContain("orders")
        })))

    it.live(`${id}: a plain-text reply to a structured request parses through the text parser`, () =>
      withProvider(fx(id), (emu, provider) =>
        Effect.gen(function*() {
          emu.script({ reply: TEXT_REPLY })
          const g = yield* generate(provider)
          expect(emu.chatRequests()[0]!.chat?.structured).toBeDefined()
          expect(g.raw).toBe(TEXT_REPLY)
          expect(g.sql).toBe("SELECT id, total FROM orders LIMIT 100;")
          expect(g.explanation).toBe("Lists the orders.")
        })))

    it.live(`${id}: JSON of another shape falls back to the text parser too`, () =>
      withProvider(fx(id), (emu, provider) =>
        Effect.gen(function*() {
          const odd = "{\"query\": \"SELECT 1\"}"
          emu.script({ reply: odd })
          const g = yield* generate(provider)
          // Not the generate answer's shape: the text parser finds no SQL and keeps the words.
          expect(g.sql).toBe("")
          expect(JSON.parse(g.explanation!)).toEqual({ query: "SELECT 1" })
        })))

    it.live(`${id}: a stream asks for text, never for the structured answer`, () =>
      withProvider(fx(id), (emu, provider) =>
        Effect.gen(function*() {
          const events = Chunk.toArray(yield* Stream.runCollect(provider.stream({ _tag: "GenerateSql", prompt: "list orders", schema: shopSchema, dialect: "postgresql" })))
          const last = events[events.length - 1]!
          if (last._tag !== "Completed" || last.result._tag !== "GenerateSqlResult") throw new Error("no Completed event")
          expect(last.result.raw.startsWith("```sql")).toBe(true)
          expect(emu.chatRequests()[0]!.chat?.structured).toBeUndefined()
          expect(emu.chatRequests()[0]!.chat?.user).toContain("```sql fenced block")
        })))
  }
})

describe("parameters per family", () => {
  it.live("OpenAI reasoning model: the short prompt, no temperature, the structured answer", () =>
    withProvider(fx("openai"), (emu, provider) =>
      Effect.gen(function*() {
        yield* generate(provider)
        const b = body(emu)
        expect(b.temperature).toBeUndefined()
        expect(b.messages[0]).toEqual({ role: "developer", content: Prompts.shortSystem })
        expect(b.response_format.json_schema.name).toBe("sql_answer")
        expect(provider.profile?.family).toBe("reasoning")
      }), { overrides: { model: "gpt-5-mini" } }))

  it.live("a temperature the user set wins over the profile's (OpenAI 0.7, Workers AI 0.9)", () =>
    Effect.gen(function*() {
      yield* withProvider(fx("openai"), (emu, provider) =>
        Effect.map(generate(provider), () => expect(body(emu).temperature).toBe(0.7)), { overrides: { temperature: 0.7 } })
      yield* withProvider(fx("cloudflare"), (emu, provider) =>
        Effect.map(generate(provider), () => {
          expect(body(emu).temperature).toBe(0.9)
          expect(provider.temperature).toBe(0.9)
        }), { overrides: { temperature: 0.9 } })
    }))

  it.live("Ollama small model: short instructions, one worked example in the system prompt, format, temperature 0", () =>
    withProvider(fx("ollama"), (emu, provider) =>
      Effect.gen(function*() {
        yield* generate(provider)
        const b = body(emu)
        expect(b.options.temperature).toBe(0)
        expect(b.format).toEqual(AnswerSchemas.answerSchemas.GenerateSql.schema)
        const system: string = b.messages[0].content
        expect(system.startsWith(Prompts.shortSystem)).toBe(true)
        // The example asks in the JSON variant and answers with the structured answer.
        expect(system).toContain("How many users signed up in 2024?")
        const answer = /<answer>\n([\s\S]*?)\n<\/answer>/.exec(system)![1]!
        expect(Object.keys(JSON.parse(answer))).toEqual(["sql", "explanation"])
        // The request itself stays the user message, with the short instructions.
        expect(b.messages[1].content).toContain("list orders")
        expect(b.messages[1].content).not.toContain("Use explicit JOIN")
      }), { overrides: { model: "qwen2.5-coder:7b" }, emulator: { models: ["qwen2.5-coder:7b"] } }))

  it.live("Ollama large model: the full prompt, no example", () =>
    withProvider(fx("ollama"), (emu, provider) =>
      Effect.gen(function*() {
        yield* generate(provider)
        const b = body(emu)
        expect(b.messages[0]).toEqual({ role: "system", content: Prompts.system })
        expect(b.messages[1].content).toContain("Use explicit JOIN")
        expect(b.format).toBeDefined()
      }), { overrides: { model: "sqlcoder:15b" }, emulator: { models: ["sqlcoder:15b"] } }))

  it.live("Ollama DeepSeek-R1: no system prompt, temperature 0.6, no format; its <think> block is not the answer", () =>
    withProvider(fx("ollama"), (emu, provider) =>
      Effect.gen(function*() {
        emu.script({ reply: "<think>\nMaybe SELECT * FROM secrets;\n</think>\n\n```sql\nSELECT id FROM orders LIMIT 100;\n```" })
        const g = yield* generate(provider)
        const b = body(emu)
        expect(b.messages.map((m: { role: string }) => m.role)).toEqual(["user"])
        expect(b.messages[0].content.startsWith(`${Prompts.shortSystem}\n\n`)).toBe(true)
        expect(b.options.temperature).toBe(0.6)
        expect(b.format).toBeUndefined()
        expect(g.sql).toBe("SELECT id FROM orders LIMIT 100;")
      }), { overrides: { model: "deepseek-r1:7b" }, emulator: { models: ["deepseek-r1:7b"] } }))

  it.live("Workers AI: a model outside the JSON-mode list gets no response_format", () =>
    withProvider(fx("cloudflare"), (emu, provider) =>
      Effect.gen(function*() {
        const g = yield* generate(provider)
        expect(body(emu).response_format).toBeUndefined()
        expect(g.raw.startsWith("```sql")).toBe(true)
      }), { overrides: { model: "@cf/qwen/qwen2.5-coder-32b-instruct" }, emulator: { models: ["@cf/qwen/qwen2.5-coder-32b-instruct"] } }))

  it.live("Workers AI small model in JSON mode: worked example, response_format, result.response read as the answer", () =>
    withProvider(fx("cloudflare"), (emu, provider) =>
      Effect.gen(function*() {
        const g = yield* generate(provider)
        const b = body(emu)
        expect(b.response_format).toEqual({ type: "json_schema", json_schema: AnswerSchemas.answerSchemas.GenerateSql.schema })
        expect(b.messages[0].content).toContain("<example>")
        expect(b.temperature).toBe(0)
        expect(g.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
      }), { overrides: { model: "@cf/meta/llama-3.1-8b-instruct-fp8-fast" }, emulator: { models: ["@cf/meta/llama-3.1-8b-instruct-fp8-fast"] } }))

  it.live("Anthropic: the forced tool's input is the answer; its tool_use stop is a normal stop", () =>
    withProvider(fx("anthropic"), (emu, provider) =>
      Effect.gen(function*() {
        const g = yield* generate(provider)
        expect(g.meta.finishReason).toBe("stop")
        expect(g.sql).toBe("SELECT id, customer_id, total FROM orders LIMIT 100;")
        expect(emu.chatRequests()[0]!.chat?.structured).toMatchObject({ via: "tool_use", name: "sql_answer" })
      })))

  it.live("Gemini thinking off (thinkingBudget 0): prompted as a hosted model, temperature 0", () =>
    withProvider(fx("gemini"), (emu, provider) =>
      Effect.gen(function*() {
        yield* generate(provider)
        const b = body(emu)
        expect(b.systemInstruction).toEqual({ parts: [{ text: Prompts.system }] })
        expect(b.generationConfig.temperature).toBe(0)
        expect(b.generationConfig.responseJsonSchema).toEqual(AnswerSchemas.answerSchemas.GenerateSql.schema)
      }), { overrides: { thinkingBudget: 0 } }))
})

describe("the emulators hold requests to the real APIs' rules", () => {
  it("OpenAI strict mode refuses a schema without additionalProperties: false", async () => {
    const emu = await OpenAiEmulator.start()
    try {
      const post = (schema: unknown) =>
        fetch(`${emu.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { authorization: "Bearer k", "content-type": "application/json" },
          body: JSON.stringify({
            model: "gpt-4.1-mini",
            messages: [{ role: "user", content: "hi" }],
            response_format: { type: "json_schema", json_schema: { name: "x", strict: true, schema } }
          })
        })
      const bad = await post({ type: "object", properties: { a: { type: "string" } }, required: ["a"] })
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("additionalProperties")
      for (const answer of Object.values(AnswerSchemas.answerSchemas)) expect((await post(answer.schema)).status).toBe(200)
    } finally {
      await emu.close()
    }
  })
})
