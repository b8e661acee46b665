/**
 * The official Anthropic SDK (1.x: `Authorization: Bearer`, `anthropic-version: 2026-10-21`)
 * against the emulator: the emulator is right only when the official client agrees with it.
 */
import Anthropic from "@anthropic-ai/sdk"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as AnthropicEmulator from "../../src/testing/emulators/AnthropicEmulator.js"

const KEY = "sk-ant-sdk-test-0123456789"

let emu: Emulator.Emulator
let client: Anthropic

beforeAll(async () => {
  emu = await AnthropicEmulator.start({ apiKey: KEY })
  client = new Anthropic({ apiKey: KEY, baseURL: emu.origin, maxRetries: 0 })
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const params = { model: "claude-sonnet-5", max_tokens: 256, system: "You are terse.", messages: [{ role: "user" as const, content: "Hello" }] }

describe("@anthropic-ai/sdk 1.x against the Anthropic emulator", () => {
  it("messages.create: parses the Message, its usage and request id; the SDK's own headers are accepted", async () => {
    emu.script({ reply: "Hi there!", usage: { inputTokens: 12, outputTokens: 4 } })
    const { data: message, response } = await client.messages.create(params).withResponse()
    expect(message.type).toBe("message")
    expect(message.role).toBe("assistant")
    expect(message.model).toBe("claude-sonnet-5")
    expect(message.content).toEqual([{ type: "text", text: "Hi there!" }])
    expect(message.stop_reason).toBe("end_turn")
    expect(message.usage.input_tokens).toBe(12)
    expect(message.usage.output_tokens).toBe(4)
    expect(response.headers.get("request-id")).toMatch(/^req_emu_/)
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("49")
    const [req] = emu.chatRequests()
    expect(req!.headers["authorization"]).toBe(`Bearer ${KEY}`)
    expect(req!.headers["anthropic-version"]).toBe("2026-10-21")
    expect(req!.body).toEqual(params)
  })

  it("messages.create({ stream: true }): the raw event sequence, ping skipped", async () => {
    emu.script({ reply: "SELECT 1 FROM dual; -- größe 😀", usage: { inputTokens: 30, outputTokens: 9 } })
    const stream = await client.messages.create({ ...params, stream: true })
    const types: Array<string> = []
    let text = ""
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text
      if (event.type === "message_delta") expect(event.usage.output_tokens).toBe(9)
    }
    expect(text).toBe("SELECT 1 FROM dual; -- größe 😀")
    expect(types[0]).toBe("message_start")
    expect(types[types.length - 1]).toBe("message_stop")
    expect(types).not.toContain("ping")
  })

  it("messages.stream: the accumulated final message, with cumulative usage, through keep-alive pings and CRLF", async () => {
    const ka = await AnthropicEmulator.start({ apiKey: KEY, keepAlive: true, lineEndings: "crlf", byteChunkSize: 5 })
    try {
      ka.script({ reply: "SELECT name FROM customers LIMIT 100;", usage: { inputTokens: 40, outputTokens: 11 } })
      const sdk = new Anthropic({ apiKey: KEY, baseURL: ka.origin, maxRetries: 0 })
      const stream = sdk.messages.stream(params)
      let deltas = ""
      stream.on("text", (t) => {
        deltas += t
      })
      const final = await stream.finalMessage()
      expect(deltas).toBe("SELECT name FROM customers LIMIT 100;")
      expect(final.content).toHaveLength(1)
      expect(final.content[0]).toMatchObject({ type: "text", text: "SELECT name FROM customers LIMIT 100;" })
      expect(final.stop_reason).toBe("end_turn")
      expect(final.usage.input_tokens).toBe(40)
      expect(final.usage.output_tokens).toBe(11)
    } finally {
      await ka.close()
    }
  })

  it("a finish reason from the script reaches the SDK (max_tokens)", async () => {
    emu.script({ reply: "SELECT", finishReason: "max_tokens" })
    const message = await client.messages.create(params)
    expect(message.stop_reason).toBe("max_tokens")
  })

  it("an error event mid-stream is raised as an APIError with its type", async () => {
    emu.script({ fault: { _tag: "InBandError", kind: "overloaded", afterChunks: 4 } })
    const stream = await client.messages.create({ ...params, stream: true })
    const error = await (async () => {
      try {
        for await (const _ of stream) { /* drain */ }
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error")
  })

  it("models.list: pages with has_more / last_id / after_id, and models.retrieve", async () => {
    const many = Array.from({ length: 45 }, (_, i) => `claude-test-${String(i).padStart(2, "0")}`)
    const big = await AnthropicEmulator.start({ apiKey: KEY, models: many })
    try {
      const sdk = new Anthropic({ apiKey: KEY, baseURL: big.origin, maxRetries: 0 })
      const ids: Array<string> = []
      for await (const m of sdk.models.list({ limit: 20 })) ids.push(m.id)
      expect(ids).toEqual(many)
      expect(big.requests.map((r) => r.query.after_id ?? null)).toEqual([null, "claude-test-19", "claude-test-39"])
      const first = await sdk.models.list()
      expect(first.data).toHaveLength(20)
      expect(first.has_more).toBe(true)
      const one = await sdk.models.retrieve("claude-test-07")
      expect(one.id).toBe("claude-test-07")
      expect(one.type).toBe("model")
      expect(one.max_input_tokens).toBe(200_000)
    } finally {
      await big.close()
    }
    const info = await client.models.retrieve("claude-sonnet-4-6")
    expect(info.display_name).toBe("Claude Sonnet 4.6")
  })

  it("a wrong key is AuthenticationError (401) with the request id", async () => {
    const bad = new Anthropic({ apiKey: "sk-ant-wrong", baseURL: emu.origin, maxRetries: 0 })
    const error = await bad.messages.create(params).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError)
    const e = error as InstanceType<typeof Anthropic.AuthenticationError>
    expect(e.status).toBe(401)
    expect(e.type).toBe("authentication_error")
    expect(e.requestID).toMatch(/^req_emu_/)
    expect((e.error as { request_id?: string }).request_id).toBe(e.requestID)
  })

  it("a 429 is RateLimitError with retry-after and the rate-limit headers", async () => {
    emu.script({ fault: { _tag: "Error", kind: "rate-limit", retryAfterSeconds: 13 } })
    const error = await client.messages.create(params).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    const e = error as InstanceType<typeof Anthropic.RateLimitError>
    expect(e.status).toBe(429)
    expect(e.type).toBe("rate_limit_error")
    expect(e.headers.get("retry-after")).toBe("13")
    expect(e.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0")
    expect(e.headers.get("anthropic-ratelimit-requests-reset")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  })

  it("an unknown model is NotFoundError (404), on messages and on models.retrieve", async () => {
    const error = await client.messages.create({ ...params, model: "claude-9-imaginary" }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.NotFoundError)
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).type).toBe("not_found_error")
    const error2 = await client.models.retrieve("claude-9-imaginary").catch((e: unknown) => e)
    expect(error2).toBeInstanceOf(Anthropic.NotFoundError)
  })

  it("500 api_error is InternalServerError; 529 overloaded_error is an InternalServerError with status 529", async () => {
    emu.script({ fault: { _tag: "Error", kind: "server" } })
    const server = await client.messages.create(params).catch((e: unknown) => e)
    expect(server).toBeInstanceOf(Anthropic.InternalServerError)
    expect((server as InstanceType<typeof Anthropic.APIError>).status).toBe(500)
    expect((server as InstanceType<typeof Anthropic.APIError>).type).toBe("api_error")
    emu.script({ fault: { _tag: "Error", kind: "overloaded" } })
    const overloaded = await client.messages.create(params).catch((e: unknown) => e)
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError)
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529)
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error")
  })

  it("the emulator refuses temperature under 2026-10-21 as the real API does: BadRequestError", async () => {
    const error = await client.messages.create({ ...params, temperature: 0.2 } as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    const e = error as InstanceType<typeof Anthropic.BadRequestError>
    expect(e.type).toBe("invalid_request_error")
    expect(e.apiMessage).toBe("temperature: Extra inputs are not permitted")
  })

  it("under 2026-10-21 a role: system message is accepted, and read as the system prompt", async () => {
    emu.script({ reply: (input) => `system=${input.system}` })
    const message = await client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 64,
      messages: [{ role: "system", content: "Answer in SQL." }, { role: "user", content: "Hello" }]
    })
    expect(message.content[0]).toMatchObject({ type: "text", text: "system=Answer in SQL." })
  })

  it("an empty credit balance is a 400 BadRequestError, as the real API sends it", async () => {
    emu.script({ fault: { _tag: "Error", kind: "quota" } })
    const error = await client.messages.create(params).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).apiMessage).toMatch(/credit balance is too low/)
  })
})
