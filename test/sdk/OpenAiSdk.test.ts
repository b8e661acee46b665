/**
 * The official `openai` SDK against the OpenAI emulator: the emulator speaks the real protocol only
 * if the SDK parses its answers and raises its documented errors.
 */
import OpenAI from "openai"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"

const KEY = "sk-sdk-test-000000000000"
let emu: Emulator.Emulator
let client: OpenAI

beforeAll(async () => {
  emu = await OpenAiEmulator.start({ apiKey: KEY })
  client = new OpenAI({ apiKey: KEY, baseURL: emu.baseUrl, maxRetries: 0 })
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const messages = [
  { role: "system" as const, content: "You are terse." },
  { role: "user" as const, content: "Request:\nlist customers\n\nSchema:\ncustomers(id integer, email text)" }
]

describe("openai SDK against the emulator", () => {
  it("parses a chat completion with usage", async () => {
    emu.script({ reply: "SELECT 1;", usage: { inputTokens: 12, outputTokens: 3 } })
    const r = await client.chat.completions.create({ model: "gpt-4.1-mini", messages })
    expect(r.object).toBe("chat.completion")
    expect(r.choices[0]!.message.content).toBe("SELECT 1;")
    expect(r.choices[0]!.finish_reason).toBe("stop")
    expect(r.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 })
    expect(emu.chatRequests()[0]!.headers["authorization"]).toBe(`Bearer ${KEY}`)
  })

  it("streams chunks, the usage chunk and [DONE]", async () => {
    emu.script({ reply: "SELECT name FROM customers LIMIT 100;", usage: { inputTokens: 20, outputTokens: 9 } })
    const stream = await client.chat.completions.create({ model: "gpt-4.1-mini", messages, stream: true, stream_options: { include_usage: true } })
    let text = ""
    let usage: OpenAI.CompletionUsage | null | undefined
    let finish: string | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ""
      finish = chunk.choices[0]?.finish_reason ?? finish
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe("SELECT name FROM customers LIMIT 100;")
    expect(finish).toBe("stop")
    expect(usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 9 })
  })

  it("its stream helper accumulates the final message", async () => {
    emu.script({ reply: "SELECT 2;" })
    const runner = client.chat.completions.stream({ model: "gpt-4.1-mini", messages })
    const final = await runner.finalChatCompletion()
    expect(final.choices[0]!.message.content).toBe("SELECT 2;")
  })

  it("lists and retrieves models", async () => {
    const ids: Array<string> = []
    for await (const m of client.models.list()) ids.push(m.id)
    expect(ids).toContain("gpt-4o")
    const m = await client.models.retrieve("gpt-4o")
    expect(m.id).toBe("gpt-4o")
    await expect(client.models.retrieve("gpt-0")).rejects.toBeInstanceOf(OpenAI.NotFoundError)
  })

  const errors: ReadonlyArray<[Emulator.ErrorKind, new(...args: Array<any>) => Error, number]> = [
    ["auth", OpenAI.AuthenticationError, 401],
    ["permission", OpenAI.PermissionDeniedError, 403],
    ["rate-limit", OpenAI.RateLimitError, 429],
    ["quota", OpenAI.RateLimitError, 429],
    ["model-not-found", OpenAI.NotFoundError, 404],
    ["context-too-long", OpenAI.BadRequestError, 400],
    ["server", OpenAI.InternalServerError, 500],
    ["unavailable", OpenAI.InternalServerError, 503]
  ]
  for (const [kind, cls, status] of errors) {
    it(`raises ${cls.name} for ${kind}`, async () => {
      emu.script({ fault: { _tag: "Error", kind, retryAfterSeconds: 3 } })
      const error = await client.chat.completions.create({ model: "gpt-4.1-mini", messages }).then(
        () => undefined,
        (e: unknown) => e
      )
      expect(error).toBeInstanceOf(cls)
      const api = error as InstanceType<typeof OpenAI.APIError>
      expect(api.status).toBe(status)
      expect(api.requestID).toMatch(/^req_emu_/)
      expect(typeof api.message).toBe("string")
      if (kind === "quota") expect(api.code).toBe("insufficient_quota")
      if (kind === "context-too-long") expect(api.code).toBe("context_length_exceeded")
      if (kind === "rate-limit") expect(api.headers?.get("retry-after")).toBe("3")
    })
  }

  it("rejects a wrong key with AuthenticationError", async () => {
    const wrong = new OpenAI({ apiKey: "sk-wrong", baseURL: emu.baseUrl, maxRetries: 0 })
    await expect(wrong.chat.completions.create({ model: "gpt-4.1-mini", messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })

  it("throws on an error event in a stream", async () => {
    emu.script({ fault: { _tag: "InBandError", kind: "server", afterChunks: 2 } })
    const stream = await client.chat.completions.create({ model: "gpt-4.1-mini", messages, stream: true })
    const consume = async () => {
      for await (const _ of stream) void _
    }
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError)
  })
})
