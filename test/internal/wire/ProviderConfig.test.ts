/**
 * Base URLs as people write them, through each provider's config Schema: with or without the
 * version segment, `OLLAMA_HOST`'s forms, a pasted suffix the client appends itself; each read
 * to one normalized form, and what is no URL refused with a message saying what is.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as Anthropic from "../../../src/providers/anthropic/Anthropic.js"
import * as AzureOpenAi from "../../../src/providers/azure-openai/AzureOpenAi.js"
import * as Gemini from "../../../src/providers/gemini/Gemini.js"
import * as Ollama from "../../../src/providers/ollama/Ollama.js"
import * as OpenAi from "../../../src/providers/openai/OpenAi.js"

const baseUrlOf = <A extends { readonly baseUrl: string }, I>(schema: Schema.Schema<A, I>, input: Record<string, unknown>) =>
  Either.map(Schema.decodeUnknownEither(schema)(input), (c) => c.baseUrl)

const key = { apiKey: "sk-x" }

describe("base URLs as people write them", () => {
  it("OpenAI and Anthropic: /v1 added when no version is there, kept when one is", () => {
    const readers = [
      (baseUrl: string) => Either.getOrThrow(baseUrlOf(OpenAi.Config, { ...key, baseUrl })),
      (baseUrl: string) => Either.getOrThrow(baseUrlOf(Anthropic.Config, { ...key, baseUrl }))
    ]
    for (const read of readers) {
      expect(read("https://api.example.com")).toBe("https://api.example.com/v1")
      expect(read("https://api.example.com/")).toBe("https://api.example.com/v1")
      expect(read(" https://api.example.com/v1/ ")).toBe("https://api.example.com/v1")
      expect(read("https://openrouter.ai/api/v1")).toBe("https://openrouter.ai/api/v1")
      expect(read("https://proxy.example.com/openai")).toBe("https://proxy.example.com/openai/v1")
      expect(read("https://api.example.com/v2")).toBe("https://api.example.com/v2")
      expect(read("http://localhost:1234")).toBe("http://localhost:1234/v1")
    }
  })

  it("Gemini: /v1beta added when no version is there; /v1 and /v1alpha kept", () => {
    const read = (baseUrl: string) => Either.getOrThrow(baseUrlOf(Gemini.Config, { ...key, baseUrl }))
    expect(read("https://generativelanguage.googleapis.com")).toBe("https://generativelanguage.googleapis.com/v1beta")
    expect(read("https://generativelanguage.googleapis.com/v1")).toBe("https://generativelanguage.googleapis.com/v1")
    expect(read("https://generativelanguage.googleapis.com/v1alpha/")).toBe("https://generativelanguage.googleapis.com/v1alpha")
  })

  it("Ollama: OLLAMA_HOST's forms (http, port 11434, host 127.0.0.1 by default) and a pasted /api", () => {
    const read = (baseUrl: string) => baseUrlOf(Ollama.Config, { baseUrl })
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["localhost:11434", "http://localhost:11434"],
      ["127.0.0.1:11434", "http://127.0.0.1:11434"],
      [":11434", "http://127.0.0.1:11434"],
      ["myhost", "http://myhost:11434"],
      ["myhost:8080", "http://myhost:8080"],
      ["[::1]:11434", "http://[::1]:11434"],
      ["[::1]", "http://[::1]:11434"],
      ["0.0.0.0", "http://0.0.0.0:11434"],
      ["http://localhost:11434/api/", "http://localhost:11434"],
      ["https://ollama.example.com", "https://ollama.example.com"],
      ["http://gpu-box:11434", "http://gpu-box:11434"]
    ]
    for (const [input, normalized] of cases) expect([input, Either.getOrThrow(read(input))]).toEqual([input, normalized])
    for (const input of ["ftp://host", "http://user:pw@host", ":x", "http://host:11434?x=1"]) {
      expect([input, Either.isLeft(read(input))]).toEqual([input, true])
    }
    expect(String(Either.flip(read("::not a host")).pipe(Either.getOrThrow))).toMatch(/must be a URL such as http:\/\/host:11434, or host:port/)
  })

  it("Azure OpenAI: the endpoint with a pasted /openai, read to the resource's root", () => {
    const config = { apiKey: "0123456789abcdef0123456789abcdef", deployment: "gpt-4o-mini", apiVersion: "2024-10-21" }
    for (const endpoint of ["https://myres.openai.azure.com/openai/", "https://myres.openai.azure.com/OpenAI", "https://myres.openai.azure.com"]) {
      const decoded = Either.getOrThrow(Schema.decodeUnknownEither(AzureOpenAi.Config)({ ...config, endpoint }))
      expect(decoded.endpoint).toBe("https://myres.openai.azure.com")
    }
  })
})
