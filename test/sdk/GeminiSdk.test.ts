/**
 * The official `@google/genai` SDK against the Gemini emulator: the emulator speaks the real
 * protocol only if the SDK parses its answers, its SSE stream (CRLF-separated, no end marker) and
 * its paged model list, and raises `ApiError` with the right status for its error bodies.
 */
import { ApiError, GoogleGenAI } from "@google/genai"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as GeminiEmulator from "../../src/testing/emulators/GeminiEmulator.js"

const KEY = "AIzaSdkTest00000000000000000000000000000"
let emu: Emulator.Emulator
let client: GoogleGenAI

// No SDK retries: every scripted fault must reach the assertion.
const sdk = (origin: string, apiKey = KEY) => new GoogleGenAI({ apiKey, httpOptions: { baseUrl: origin, retryOptions: { attempts: 1 } } })

beforeAll(async () => {
  emu = await GeminiEmulator.start({ apiKey: KEY })
  client = sdk(emu.origin)
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const request = {
  model: "gemini-2.5-flash",
  contents: "Request:\nlist customers\n\nSchema:\ncustomers(id integer, email text)",
  config: { systemInstruction: "You are terse.", temperature: 0.2, maxOutputTokens: 256 }
}

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e)

describe("@google/genai SDK against the Gemini emulator", () => {
  it("parses a whole answer: text, finish reason, usage, model version, response id", async () => {
    emu.script({ reply: "SELECT 1;", usage: { inputTokens: 12, outputTokens: 3 } })
    const r = await client.models.generateContent(request)
    expect(r.text).toBe("SELECT 1;")
    expect(r.candidates?.[0]?.finishReason).toBe("STOP")
    expect(r.usageMetadata).toMatchObject({ promptTokenCount: 12, candidatesTokenCount: 3, totalTokenCount: 15 })
    expect(r.modelVersion).toBe("gemini-2.5-flash")
    expect(r.responseId).toMatch(/^req_emu_/)
    const [req] = emu.chatRequests()
    expect(req!.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent")
    expect(req!.headers["x-goog-api-key"]).toBe(KEY)
    expect(req!.query["key"]).toBeUndefined()
    // The emulator read the SDK's body the way Google does.
    const body = req!.body as Record<string, any>
    expect(body.systemInstruction.parts[0].text).toBe("You are terse.")
    expect(body.contents[0]).toMatchObject({ role: "user" })
    expect(body.generationConfig).toMatchObject({ temperature: 0.2, maxOutputTokens: 256 })
  })

  it("serves the default model, gemini-3.5-flash, and reports it as modelVersion", async () => {
    emu.script({ reply: "SELECT 4;" })
    const r = await client.models.generateContent({ ...request, model: "gemini-3.5-flash" })
    expect(r.text).toBe("SELECT 4;")
    expect(r.modelVersion).toBe("gemini-3.5-flash")
    expect(emu.chatRequests()[0]!.path).toBe("/v1beta/models/gemini-3.5-flash:generateContent")
    const m = await client.models.get({ model: "gemini-3.5-flash" })
    expect(m).toMatchObject({ name: "models/gemini-3.5-flash", displayName: "Gemini 3.5 Flash", thinking: true })
  })

  it("serves tuned models at tunedModels/{id}: get, generateContent and streams; 404 for unknown ones", async () => {
    const tuned = await GeminiEmulator.start({
      apiKey: KEY,
      tunedModels: [{ id: "shop-sql-7", baseModel: "gemini-2.0-flash-001" }, { id: "half-done", baseModel: "gemini-2.0-flash-001", state: "CREATING" }]
    })
    try {
      const c = sdk(tuned.origin)
      const m = await c.models.get({ model: "tunedModels/shop-sql-7" })
      expect(m.name).toBe("tunedModels/shop-sql-7")
      expect(tuned.requests[0]!.path).toBe("/v1beta/tunedModels/shop-sql-7")

      tuned.script({ reply: "SELECT 5;" }, { reply: "SELECT 6 FROM orders;" })
      const r = await c.models.generateContent({ ...request, model: "tunedModels/shop-sql-7" })
      expect(r.text).toBe("SELECT 5;")
      let text = ""
      for await (const chunk of await c.models.generateContentStream({ ...request, model: "tunedModels/shop-sql-7" })) text += chunk.text ?? ""
      expect(text).toBe("SELECT 6 FROM orders;")
      expect(tuned.chatRequests().map((q) => `${q.path}?${new URLSearchParams(q.query)}`)).toEqual([
        "/v1beta/tunedModels/shop-sql-7:generateContent?",
        "/v1beta/tunedModels/shop-sql-7:streamGenerateContent?alt=sse"
      ])

      for (const missing of [c.models.get({ model: "tunedModels/nope" }), c.models.generateContent({ ...request, model: "tunedModels/nope" })]) {
        const error = await failure(missing)
        expect(error).toBeInstanceOf(ApiError)
        expect((error as ApiError).status).toBe(404)
        expect((error as ApiError).message).toContain("NOT_FOUND")
      }
      // Not ACTIVE yet: its resource says so, and it takes no chats.
      expect((await c.models.get({ model: "tunedModels/half-done" })).name).toBe("tunedModels/half-done")
      expect(((await failure(c.models.generateContent({ ...request, model: "tunedModels/half-done" }))) as ApiError).status).toBe(404)
    } finally {
      await tuned.close()
    }
  })

  it("streams CRLF-separated SSE events that end with the socket, usage on the last", async () => {
    emu.script({ reply: "SELECT name FROM customers LIMIT 100;", usage: { inputTokens: 20, outputTokens: 9 } })
    const stream = await client.models.generateContentStream(request)
    let text = ""
    let events = 0
    let finish: string | undefined
    let usage: unknown
    for await (const chunk of stream) {
      events++
      text += chunk.text ?? ""
      finish = chunk.candidates?.[0]?.finishReason ?? finish
      usage = chunk.usageMetadata ?? usage
    }
    expect(events).toBeGreaterThan(1)
    expect(text).toBe("SELECT name FROM customers LIMIT 100;")
    expect(finish).toBe("STOP")
    expect(usage).toMatchObject({ promptTokenCount: 20, candidatesTokenCount: 9, totalTokenCount: 29 })
    const [req] = emu.chatRequests()
    expect(req!.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent")
    expect(req!.query["alt"]).toBe("sse")
  })

  it("skips thought parts and reports thoughtsTokenCount, whole and streamed", async () => {
    const thinking = await GeminiEmulator.start({ apiKey: KEY, thoughts: "**Planning** the query", thoughtsTokens: 40 })
    try {
      const c = sdk(thinking.origin)
      thinking.script({ reply: "SELECT 2;", usage: { inputTokens: 10, outputTokens: 45 } })
      const r = await c.models.generateContent(request)
      expect(r.text).toBe("SELECT 2;")
      expect(r.candidates?.[0]?.content?.parts?.[0]).toMatchObject({ thought: true })
      expect(r.usageMetadata).toMatchObject({ candidatesTokenCount: 5, thoughtsTokenCount: 40, totalTokenCount: 55 })

      thinking.script({ reply: "SELECT 3 FROM customers;", usage: { inputTokens: 10, outputTokens: 45 } })
      let text = ""
      let sawThought = false
      for await (const chunk of await c.models.generateContentStream(request)) {
        if (chunk.candidates?.[0]?.content?.parts?.some((p) => p.thought === true)) sawThought = true
        text += chunk.text ?? ""
      }
      expect(sawThought).toBe(true)
      expect(text).toBe("SELECT 3 FROM customers;")
    } finally {
      await thinking.close()
    }
  })

  it("a blocked prompt is HTTP 200 with promptFeedback and no text", async () => {
    emu.script({ fault: { _tag: "Error", kind: "content-filter" } })
    const r = await client.models.generateContent(request)
    expect(r.candidates).toBeUndefined()
    expect(r.promptFeedback?.blockReason).toBe("SAFETY")
    expect(r.text).toBeUndefined()
  })

  it("a filtered answer mid-stream ends with finishReason SAFETY", async () => {
    emu.script({ fault: { _tag: "InBandError", kind: "content-filter", afterChunks: 1 } })
    const reasons: Array<string | undefined> = []
    for await (const chunk of await client.models.generateContentStream(request)) reasons.push(chunk.candidates?.[0]?.finishReason)
    expect(reasons[reasons.length - 1]).toBe("SAFETY")
  })

  it("lists models page by page and gets one", async () => {
    const pager = await client.models.list({ config: { pageSize: 2 } })
    const names: Array<string> = []
    for await (const m of pager) names.push(m.name ?? "")
    expect(names).toContain("models/gemini-2.5-flash")
    expect(names).toContain("models/gemini-embedding-001")
    expect(names.length).toBe(GeminiEmulator.protocol.defaultModels.length + 1)
    // The SDK followed nextPageToken: one request per page of two.
    expect(emu.requests.filter((r) => r.kind === "models").length).toBe(Math.ceil(names.length / 2))
    const flash = (await client.models.list()).page.find((m) => m.name === "models/gemini-2.5-flash")
    expect(flash?.supportedActions).toContain("generateContent")
    expect(flash?.inputTokenLimit).toBe(1_048_576)

    const m = await client.models.get({ model: "gemini-2.5-pro" })
    expect(m.name).toBe("models/gemini-2.5-pro")
    const missing = await failure(client.models.get({ model: "gemini-0-nano" }))
    expect(missing).toBeInstanceOf(ApiError)
    expect((missing as ApiError).status).toBe(404)
  })

  const errors: ReadonlyArray<[Emulator.ErrorKind, number, string]> = [
    ["auth", 400, "API_KEY_INVALID"],
    ["permission", 403, "PERMISSION_DENIED"],
    ["rate-limit", 429, "\"retryDelay\":\"3s\""],
    ["quota", 429, "PerDay"],
    ["model-not-found", 404, "NOT_FOUND"],
    ["context-too-long", 400, "exceeds the maximum"],
    ["bad-request", 400, "generation_config.temperature"],
    ["server", 500, "INTERNAL"],
    ["unavailable", 503, "UNAVAILABLE"],
    ["overloaded", 503, "overloaded"]
  ]
  for (const [kind, status, said] of errors) {
    it(`raises ApiError ${status} for ${kind}`, async () => {
      emu.script({ fault: { _tag: "Error", kind, retryAfterSeconds: 3 } })
      const error = await failure(client.models.generateContent(request))
      expect(error).toBeInstanceOf(ApiError)
      expect((error as ApiError).status).toBe(status)
      // The message is the error body the SDK parsed as JSON.
      const parsed = JSON.parse((error as ApiError).message) as { error: { code: number } }
      expect(parsed.error.code).toBe(status)
      expect((error as ApiError).message).toContain(said)
    })
  }

  it("rejects a wrong key with ApiError 400 API_KEY_INVALID", async () => {
    const error = await failure(sdk(emu.origin, "AIzaWrong").models.generateContent(request))
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(400)
    expect((error as ApiError).message).toContain("API_KEY_INVALID")
  })

  it("a model the emulator lacks is ApiError 404 naming it", async () => {
    const error = await failure(client.models.generateContent({ ...request, model: "gemini-9-ultra" }))
    expect((error as ApiError).status).toBe(404)
    expect((error as ApiError).message).toContain("models/gemini-9-ultra is not found")
  })

  it("throws ApiError on an error object in the stream", async () => {
    emu.script({ fault: { _tag: "InBandError", kind: "overloaded", afterChunks: 2 } })
    const consume = async () => {
      for await (const _ of await client.models.generateContentStream(request)) void _
    }
    const error = await failure(consume())
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(503)
  })
})
