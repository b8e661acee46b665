/**
 * The official `ollama` npm client (0.6) against the Ollama emulator: if the official client reads
 * the emulator's answers, streams, model list and errors, the emulator speaks Ollama's protocol.
 * The client has no retries to turn off. Its `ResponseError` is not exported, so errors are
 * checked by name, `status_code` and `error` text.
 */
import { Ollama } from "ollama"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as OllamaEmulator from "../../src/testing/emulators/OllamaEmulator.js"

const KEY = "ollama-cloud-key-0123456789"

const messages = [
  { role: "system", content: "You write SQL." },
  { role: "user", content: "Schema:\ncustomers(id integer, email text)\n\nRequest:\nlist customers with their email" }
]

interface SdkResponseError {
  readonly name: string
  readonly error: string
  readonly status_code: number
}

const rejection = async (promise: Promise<unknown>): Promise<SdkResponseError> => {
  try {
    await promise
  } catch (e) {
    return e as SdkResponseError
  }
  throw new Error("expected the SDK to throw")
}

describe("ollama SDK against the Ollama emulator", () => {
  let emu: Emulator.Emulator
  let client: Ollama

  beforeAll(async () => {
    emu = await OllamaEmulator.start()
    client = new Ollama({ host: emu.origin })
  })
  afterAll(() => emu.close())
  beforeEach(() => emu.reset())

  it("chat without streaming: the SDK reads the JSON answer, usage and done_reason", async () => {
    emu.script({ reply: "SELECT email FROM customers;", usage: { inputTokens: 26, outputTokens: 8 } })
    const res = await client.chat({ model: "llama3.2", messages, stream: false, options: { temperature: 0.2, num_predict: 256 } })
    expect(res.message.role).toBe("assistant")
    expect(res.message.content).toBe("SELECT email FROM customers;")
    expect(res.done).toBe(true)
    expect(res.done_reason).toBe("stop")
    expect(res.prompt_eval_count).toBe(26)
    expect(res.eval_count).toBe(8)
    expect(res.model).toBe("llama3.2")
    const req = emu.chatRequests()[0]!
    expect(req.path).toBe("/api/chat")
    expect((req.body as Record<string, unknown>).stream).toBe(false)
    expect((req.body as Record<string, unknown>).options).toEqual({ temperature: 0.2, num_predict: 256 })
  })

  it("chat with streaming: the SDK iterates the NDJSON lines up to done:true", async () => {
    const reply = "SELECT name AS \"Größe 😀\" FROM customers LIMIT 100;"
    emu.script({ reply, usage: { inputTokens: 30, outputTokens: 12 }, finishReason: "length" })
    const parts: Array<string> = []
    let last: { done: boolean; done_reason: string; prompt_eval_count: number; eval_count: number } | undefined
    for await (const part of await client.chat({ model: "llama3.2", messages, stream: true })) {
      parts.push(part.message.content)
      last = part
    }
    expect(parts.length).toBeGreaterThan(2)
    expect(parts.join("")).toBe(reply)
    expect(last?.done).toBe(true)
    expect(last?.done_reason).toBe("length")
    expect(last?.prompt_eval_count).toBe(30)
    expect(last?.eval_count).toBe(12)
  })

  it("streams split into tiny slices with CRLF endings still parse", async () => {
    const sliced = await OllamaEmulator.start({ byteChunkSize: 3, lineEndings: "crlf" })
    try {
      sliced.script({ reply: "Übersicht — ok." })
      const parts: Array<string> = []
      for await (const part of await new Ollama({ host: sliced.origin }).chat({ model: "llama3.2", messages, stream: true })) {
        parts.push(part.message.content)
      }
      expect(parts.join("")).toBe("Übersicht — ok.")
    } finally {
      await sliced.close()
    }
  })

  it("an error line after HTTP 200 makes the SDK throw its text", async () => {
    emu.script({ fault: { _tag: "InBandError", kind: "server", afterChunks: 1 } })
    const consume = async () => {
      for await (const _ of await client.chat({ model: "llama3.2", messages, stream: true })) void _
    }
    await expect(consume()).rejects.toThrow("llama runner process has terminated")
  })

  it("a stream cut before done:true makes the SDK throw", async () => {
    emu.script({ fault: { _tag: "CutStream", afterChunks: 2 } })
    const consume = async () => {
      for await (const _ of await client.chat({ model: "llama3.2", messages, stream: true })) void _
    }
    await expect(consume()).rejects.toThrow()
  })

  it("list: the SDK reads /api/tags with details", async () => {
    const res = await client.list()
    expect(res.models.map((m) => m.name)).toEqual(["llama3.2:latest", "qwen2.5-coder:7b", "sqlcoder:15b", "gpt-oss:20b"])
    expect(res.models[0]!.details.parameter_size).toBe("3.2B")
    expect(res.models[0]!.details.quantization_level).toBe("Q4_K_M")
    expect(res.models[0]!.size).toBeGreaterThan(0)
    expect(typeof res.models[0]!.digest).toBe("string")
  })

  it("show: the SDK reads model_info with the context length; a tag-less name means :latest", async () => {
    const res = await client.show({ model: "llama3.2" })
    expect(res.details.family).toBe("llama")
    expect(res.capabilities).toContain("completion")
    expect((res.model_info as unknown as Record<string, unknown>)["llama.context_length"]).toBe(OllamaEmulator.contextLength)
    expect(emu.requests[0]!.body).toEqual({ model: "llama3.2" })
  })

  it("version: the SDK reads /api/version", async () => {
    expect((await client.version()).version).toBe("0.12.6")
  })

  it("an unknown model: ResponseError 404 with Ollama's message, for chat and show", async () => {
    const chat = await rejection(client.chat({ model: "mistral", messages, stream: false }))
    expect(chat.name).toBe("ResponseError")
    expect(chat.status_code).toBe(404)
    expect(chat.error).toBe("model 'mistral' not found")
    const show = await rejection(client.show({ model: "mistral" }))
    expect(show.status_code).toBe(404)
    expect(show.error).toBe("model 'mistral' not found")
  })

  it("an unknown model on a streaming call fails before the stream: ResponseError 404", async () => {
    const error = await rejection(client.chat({ model: "mistral", messages, stream: true }))
    expect(error.name).toBe("ResponseError")
    expect(error.status_code).toBe(404)
  })

  const cases: ReadonlyArray<[Emulator.ErrorKind, number, string]> = [
    ["rate-limit", 429, "hourly usage limit"],
    ["quota", 429, "weekly usage limit"],
    ["server", 500, "llama runner process has terminated"],
    ["unavailable", 502, "no such host"],
    ["overloaded", 503, "Server overloaded"],
    ["context-too-long", 400, "context length"],
    ["bad-request", 400, "cannot unmarshal"],
    ["permission", 403, "ollama cloud is disabled"]
  ]
  for (const [kind, status, text] of cases) {
    it(`${kind}: ResponseError ${status} with the body's error text`, async () => {
      emu.script({ fault: { _tag: "Error", kind, retryAfterSeconds: 4 } })
      const error = await rejection(client.chat({ model: "llama3.2", messages, stream: false }))
      expect(error.name).toBe("ResponseError")
      expect(error.status_code).toBe(status)
      expect(error.error).toContain(text)
    })
  }

  describe("with a key (ollama.com)", () => {
    let cloud: Emulator.Emulator
    beforeAll(async () => {
      cloud = await OllamaEmulator.start({ apiKey: KEY })
    })
    afterAll(() => cloud.close())

    it("the key in Authorization: Bearer is accepted", async () => {
      const res = await new Ollama({ host: cloud.origin, headers: { Authorization: `Bearer ${KEY}` } }).chat({ model: "llama3.2", messages, stream: false })
      expect(res.message.content.length).toBeGreaterThan(0)
      expect(cloud.requests[cloud.requests.length - 1]!.headers["authorization"]).toBe(`Bearer ${KEY}`)
    })

    it("no key or a wrong key: ResponseError 401 unauthorized", async () => {
      const none = await rejection(new Ollama({ host: cloud.origin }).list())
      expect(none.name).toBe("ResponseError")
      expect(none.status_code).toBe(401)
      expect(none.error).toBe("unauthorized")
      const wrong = await rejection(new Ollama({ host: cloud.origin, headers: { Authorization: "Bearer nope" } }).chat({ model: "llama3.2", messages }))
      expect(wrong.status_code).toBe(401)
    })
  })
})
