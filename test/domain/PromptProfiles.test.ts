import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as AnswerSchemas from "../../src/domain/AnswerSchemas.js"
import * as PromptProfiles from "../../src/domain/PromptProfiles.js"
import * as Prompts from "../../src/domain/Prompts.js"
import { ProviderId } from "../../src/domain/ProviderId.js"
import * as SqlTask from "../../src/domain/SqlTask.js"

describe("PromptProfiles.familyOf", () => {
  const cases: ReadonlyArray<readonly [ProviderId, string, PromptProfiles.Family]> = [
    ["openai", "gpt-4.1-mini", "hosted"],
    ["openai", "gpt-4o", "hosted"],
    ["openai", "o4-mini", "reasoning"],
    ["openai", "o3", "reasoning"],
    ["openai", "gpt-5-mini", "reasoning"],
    ["openai", "ft:o4-mini:acme::abc", "reasoning"],
    ["openai", "gpt-5-chat-latest", "hosted"],
    ["openai", "llama3.2:3b", "small"],
    ["openai", "some-unknown-model", "hosted"],
    ["azure-openai", "o4-mini", "reasoning"],
    ["anthropic", "claude-sonnet-5", "hosted"],
    ["anthropic", "claude-haiku-4-5", "hosted"],
    ["gemini", "gemini-3.5-flash", "reasoning"],
    ["gemini", "gemini-2.5-pro", "reasoning"],
    ["gemini", "gemini-flash-latest", "reasoning"],
    ["gemini", "gemini-2.0-flash", "hosted"],
    ["gemini", "tunedModels/my-model", "hosted"],
    ["gemini", "gemma-3-27b-it", "small"],
    ["ollama", "llama3.2", "small"],
    ["ollama", "llama3.2:latest", "small"],
    ["ollama", "qwen2.5-coder:7b-instruct-q4_K_M", "small"],
    ["ollama", "phi3:3.8b", "small"],
    ["ollama", "smollm2:135m", "small"],
    ["ollama", "gemma3n:e4b", "small"],
    ["ollama", "llama3.1:8b", "small"],
    ["ollama", "llama3.1:70b", "hosted"],
    ["ollama", "mixtral:8x7b", "hosted"],
    ["ollama", "sqlcoder", "hosted"],
    ["ollama", "gpt-oss:120b-cloud", "hosted"],
    ["ollama", "deepseek-r1:7b", "reasoning"],
    ["ollama", "qwq", "reasoning"],
    ["ollama", "my-own-finetune", "small"],
    ["cloudflare", "@cf/meta/llama-3.3-70b-instruct-fp8-fast", "hosted"],
    ["cloudflare", "@cf/meta/llama-3.2-1b-instruct", "small"],
    ["cloudflare", "@cf/meta/llama-3.1-8b-instruct-fp8-fast", "small"],
    ["cloudflare", "@cf/deepseek-ai/deepseek-r1-distill-qwen-32b", "reasoning"],
    ["cloudflare", "@cf/meta/llama-4-scout-17b-16e-instruct", "hosted"],
    ["cloudflare", "@cf/zai-org/glm-4.7-flash", "hosted"]
  ]
  for (const [provider, model, family] of cases) {
    it(`${provider} ${model} is ${family}`, () => expect(PromptProfiles.familyOf(provider, model)).toBe(family))
  }

  it("a provider setting overrides the name rules", () => {
    expect(PromptProfiles.familyOf("openai", "my-proxy-model", true)).toBe("reasoning")
    expect(PromptProfiles.familyOf("openai", "o4-mini", false)).toBe("hosted")
    expect(PromptProfiles.familyOf("gemini", "gemini-3.5-flash", false)).toBe("hosted")
    expect(PromptProfiles.familyOf("ollama", "deepseek-r1:7b", false)).toBe("small")
    // false on a model that is not reasoning changes nothing
    expect(PromptProfiles.familyOf("ollama", "llama3.2", false)).toBe("small")
  })

  it("reads parameter counts from ids", () => {
    expect(PromptProfiles.parameterBillions("qwen2.5-coder:7b")).toBe(7)
    expect(PromptProfiles.parameterBillions("mixtral:8x7b")).toBe(56)
    expect(PromptProfiles.parameterBillions("smollm:135m")).toBe(0.135)
    expect(PromptProfiles.parameterBillions("@cf/qwen/qwen1.5-0.5b-chat")).toBe(0.5)
    expect(PromptProfiles.parameterBillions("gpt-4.1-mini")).toBeUndefined()
    expect(PromptProfiles.parameterBillions("llama3.2")).toBeUndefined()
  })
})

describe("PromptProfiles.table", () => {
  it("has a row for every provider and family", () => {
    for (const provider of ProviderId.literals) {
      for (const family of ["hosted", "reasoning", "small"] as const) {
        expect(PromptProfiles.table[provider][family].family).toBe(family)
      }
    }
  })

  it("SQL runs near 0 except where a family must not: reasoning models that refuse sampling get none, R1-like 0.6", () => {
    for (const provider of ProviderId.literals) {
      expect(PromptProfiles.table[provider].hosted.temperature).toBe(0)
      expect(PromptProfiles.table[provider].small.temperature).toBe(0)
    }
    expect(PromptProfiles.table.openai.reasoning.temperature).toBeUndefined()
    expect(PromptProfiles.table["azure-openai"].reasoning.temperature).toBeUndefined()
    expect(PromptProfiles.table.gemini.reasoning.temperature).toBeUndefined()
    expect(PromptProfiles.table.ollama.reasoning).toMatchObject({ temperature: 0.6, layout: "user-only", structured: "none" })
  })

  it("small models get short instructions and a worked example; reasoning models short ones and none", () => {
    for (const provider of ProviderId.literals) {
      expect(PromptProfiles.table[provider].small).toMatchObject({ instructions: "short", fewShot: true })
      expect(PromptProfiles.table[provider].reasoning).toMatchObject({ instructions: "short", fewShot: false })
      expect(PromptProfiles.table[provider].hosted).toMatchObject({ instructions: "full", fewShot: false, layout: "system+user" })
    }
  })

  it("each provider's structured output is its own wire field", () => {
    expect(PromptProfiles.table.openai.hosted.structured).toBe("response_format")
    expect(PromptProfiles.table["azure-openai"].hosted.structured).toBe("response_format")
    expect(PromptProfiles.table.anthropic.hosted.structured).toBe("tool_use")
    expect(PromptProfiles.table.gemini.hosted.structured).toBe("responseJsonSchema")
    expect(PromptProfiles.table.ollama.small.structured).toBe("format")
    expect(PromptProfiles.table.cloudflare.hosted.structured).toBe("response_format")
    // Forcing a tool is refused with extended thinking.
    expect(PromptProfiles.table.anthropic.reasoning.structured).toBe("none")
  })

  it("profileFor turns Workers AI JSON mode off for models outside its list", () => {
    expect(PromptProfiles.profileFor("cloudflare", "@cf/meta/llama-3.3-70b-instruct-fp8-fast").structured).toBe("response_format")
    expect(PromptProfiles.profileFor("cloudflare", "@cf/qwen/qwen2.5-coder-32b-instruct").structured).toBe("none")
  })

  it("the user's temperature wins; without one the profile's", () => {
    const hosted = PromptProfiles.table.openai.hosted
    expect(PromptProfiles.temperatureFor(hosted, 0.7)).toBe(0.7)
    expect(PromptProfiles.temperatureFor(hosted, undefined)).toBe(0)
    expect(PromptProfiles.temperatureFor(PromptProfiles.table.openai.reasoning, undefined)).toBeUndefined()
  })
})

describe("prompts per profile", () => {
  const task = SqlTask.generate({ prompt: "list users", dialect: "postgresql", schema: undefined })
  const budget = (provider: ProviderId, model: string): Prompts.Budget => ({ provider, model, contextWindow: 100_000, maxOutputTokens: 2048 })
  const prompt = (provider: ProviderId, model: string) => Either.getOrThrow(Prompts.forTask(task, budget(provider, model)))

  it("hosted: the full text prompt, and a JSON variant with the task's answer schema", () => {
    const p = prompt("openai", "gpt-4.1-mini")
    expect(p.system).toBe(Prompts.system)
    expect(p.user).toContain("```sql fenced block")
    expect(p.structured?.system).toBe(Prompts.system)
    expect(p.structured?.user).toContain("one JSON object with \"sql\"")
    expect(p.structured?.user).not.toContain("fenced block")
    expect(p.structured?.answer).toBe(AnswerSchemas.answerSchemas.GenerateSql)
  })

  it("small: short instructions and a worked example in the system prompt, in each variant's format", () => {
    const p = prompt("ollama", "llama3.2")
    expect(p.system.startsWith(Prompts.shortSystem)).toBe(true)
    expect(p.system).toContain("<answer>\n```sql\nSELECT COUNT(*)")
    expect(p.structured?.system).toContain("<answer>\n{\"sql\":\"SELECT COUNT(*)")
    expect(p.user).not.toContain("<example>")
    expect(p.user).not.toContain("Use explicit JOIN")
  })

  it("R1-like: no system message, its text at the head of the user message, text only", () => {
    const p = prompt("ollama", "deepseek-r1:14b")
    expect(p.system).toBe("")
    expect(p.user.startsWith(`${Prompts.shortSystem}\n\n`)).toBe(true)
    expect(p.structured).toBeUndefined()
  })

  it("without a budget: the standard full text prompt, no structured variant", () => {
    const p = Prompts.forTask(task)
    expect(p.system).toBe(Prompts.system)
    expect(p.structured).toBeUndefined()
  })

  it("the worked examples are answers the text parser and the JSON decoder read", () => {
    for (const tag of ["GenerateSql", "ExplainSql", "OptimizeSql", "FixSql"] as const) {
      const t = tag === "GenerateSql" ? task : tag === "ExplainSql"
        ? SqlTask.explain({ sql: "SELECT 1", dialect: "sqlite", schema: undefined })
        : tag === "OptimizeSql"
        ? SqlTask.optimize({ sql: "SELECT 1", dialect: "sqlite", schema: undefined })
        : SqlTask.fix({ sql: "SELECT 1", errorMessage: "x", dialect: "sqlite", schema: undefined })
      const p = Either.getOrThrow(Prompts.forTask(t, budget("ollama", "llama3.2")))
      const json = /<answer>\n([\s\S]*?)\n<\/answer>/.exec(p.structured!.system)![1]!
      expect(AnswerSchemas.decode(tag, json), tag).toBeDefined()
      // Every property the schema requires is in the example.
      const required = (AnswerSchemas.answerSchemas[tag].schema as { required: Array<string> }).required
      expect(Object.keys(JSON.parse(json)).sort()).toEqual([...required].sort())
    }
  })
})

describe("AnswerSchemas", () => {
  it("every schema is strict-mode shaped: all properties required, no additional ones", () => {
    const strict = (node: any): void => {
      if (node.type === "object") {
        expect(node.additionalProperties).toBe(false)
        expect([...node.required].sort()).toEqual(Object.keys(node.properties).sort())
        for (const v of Object.values(node.properties)) strict(v)
      }
      if (node.type === "array") strict(node.items)
    }
    for (const a of Object.values(AnswerSchemas.answerSchemas)) {
      strict(a.schema)
      expect(a.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
    }
  })

  it("decodes replies of the shape, tolerates a ```json fence, refuses others", () => {
    expect(AnswerSchemas.decode("GenerateSql", "{\"sql\":\"SELECT 1\",\"explanation\":\"x\"}")).toEqual({ sql: "SELECT 1", explanation: "x" })
    expect(AnswerSchemas.decode("GenerateSql", "```json\n{\"sql\":\"SELECT 1\"}\n```")).toEqual({ sql: "SELECT 1", explanation: "" })
    expect(AnswerSchemas.decode("GenerateSql", "```sql\nSELECT 1\n```")).toBeUndefined()
    expect(AnswerSchemas.decode("GenerateSql", "{\"query\":\"SELECT 1\"}")).toBeUndefined()
    expect(AnswerSchemas.decode("GenerateSql", "{\"sql\":")).toBeUndefined()
    expect(AnswerSchemas.decode("FixSql", "{\"sql\":\"SELECT 1\"}")).toBeUndefined()
    expect(Schema.is(AnswerSchemas.OptimizeJson)({ optimizedSql: "x", indexes: [], suggestions: [] })).toBe(true)
  })
})
