/**
 * The official `openai` SDK against the Azure OpenAI emulator, its `AzureOpenAI` client on the dated
 * routes and the plain `OpenAI` client on the v1 ones (`/openai/v1/`): the emulator
 * speaks the real protocol only if the SDK routes to it, parses its answers (including the
 * prompt-filter chunk) and raises its documented errors.
 */
import { AzureOpenAI } from "openai"
import OpenAI from "openai"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as AzureOpenAiEmulator from "../../src/testing/emulators/AzureOpenAiEmulator.js"

const KEY = "0123456789abcdef0123456789abcdef"
const PREVIEW = "2025-04-01-preview"
let emu: Emulator.Emulator
let client: AzureOpenAI

const azure = (options: { apiVersion?: string; deployment?: string; apiKey?: string } = {}) =>
  new AzureOpenAI({ endpoint: emu.origin, apiKey: KEY, deployment: "gpt-4.1-mini", apiVersion: PREVIEW, maxRetries: 0, ...options })

beforeAll(async () => {
  emu = await AzureOpenAiEmulator.start({ apiKey: KEY })
  client = azure()
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const messages = [
  { role: "system" as const, content: "You are terse." },
  { role: "user" as const, content: "Request:\nlist customers\n\nSchema:\ncustomers(id integer, email text)" }
]

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)

describe("openai SDK's AzureOpenAI client against the emulator", () => {
  it("parses a chat completion, sending api-key and api-version to the deployment", async () => {
    emu.script({ reply: "SELECT 1;", usage: { inputTokens: 12, outputTokens: 3 } })
    const r = await client.chat.completions.create({ model: "ignored-by-azure", messages, max_tokens: 50 })
    expect(r.choices[0]!.message.content).toBe("SELECT 1;")
    expect(r.choices[0]!.finish_reason).toBe("stop")
    expect(r.model).toBe("gpt-4.1-mini-2025-04-14")
    expect(r.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 })
    expect((r as unknown as { prompt_filter_results: Array<unknown> }).prompt_filter_results).toHaveLength(1)
    const req = emu.chatRequests()[0]!
    expect(req.path).toBe("/openai/deployments/gpt-4.1-mini/chat/completions")
    expect(req.query).toEqual({ "api-version": PREVIEW })
    expect(req.headers["api-key"]).toBe(KEY)
    expect(req.headers["authorization"]).toBeUndefined()
  })

  it("streams past the prompt-filter chunk to the content, the usage chunk and [DONE]", async () => {
    emu.script({ reply: "SELECT name FROM customers LIMIT 100;", usage: { inputTokens: 20, outputTokens: 9 } })
    const stream = await client.chat.completions.create({ model: "gpt-4.1-mini", messages, stream: true, stream_options: { include_usage: true } })
    let text = ""
    let usage: OpenAI.CompletionUsage | null | undefined
    let finish: string | null | undefined
    const models: Array<string> = []
    let emptyChoices = 0
    for await (const chunk of stream) {
      models.push(chunk.model)
      if (chunk.choices.length === 0) emptyChoices++
      text += chunk.choices[0]?.delta.content ?? ""
      finish = chunk.choices[0]?.finish_reason ?? finish
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe("SELECT name FROM customers LIMIT 100;")
    expect(finish).toBe("stop")
    expect(usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 9 })
    expect(models[0]).toBe("")
    expect(emptyChoices).toBe(2) // the prompt-filter chunk and the usage chunk
  })

  it("its stream helper accumulates the final message over the prompt-filter chunk", async () => {
    emu.script({ reply: "SELECT 2;" })
    const final = await client.chat.completions.stream({ model: "gpt-4.1-mini", messages }).finalChatCompletion()
    expect(final.choices[0]!.message.content).toBe("SELECT 2;")
    expect(final.model).toBe("gpt-4.1-mini-2025-04-14")
  })

  it("a reasoning deployment accepts max_completion_tokens on a preview", async () => {
    emu.script({ reply: "SELECT 3;" })
    const r = await azure({ deployment: "sql-reasoner" }).chat.completions.create({ model: "x", messages, max_completion_tokens: 100 })
    expect(r.choices[0]!.message.content).toBe("SELECT 3;")
    expect(r.model).toBe("o4-mini-2025-04-16")
  })

  it("GA 2024-10-21 refuses stream_options with a BadRequestError naming it", async () => {
    const ga = azure({ apiVersion: "2024-10-21" })
    const error = await failure(ga.chat.completions.create({ model: "x", messages, stream: true, stream_options: { include_usage: true } }))
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("stream_options")
    const ok = await ga.chat.completions.create({ model: "x", messages, max_tokens: 10 })
    expect(ok.choices[0]!.message.content).toBeTypeOf("string")
  })

  it("lists the base models", async () => {
    const ids: Array<string> = []
    for await (const m of client.models.list()) ids.push(m.id)
    expect(ids).toContain("gpt-4.1-mini-2025-04-14")
    expect(emu.requests[0]!.path).toBe("/openai/models")
    expect(emu.requests[0]!.query).toEqual({ "api-version": PREVIEW })
    expect(emu.requests[0]!.headers["api-key"]).toBe(KEY)
  })

  const errors: ReadonlyArray<[Emulator.ErrorKind, new(...args: Array<any>) => Error, number, string]> = [
    ["auth", OpenAI.AuthenticationError, 401, "401"],
    ["permission", OpenAI.PermissionDeniedError, 403, "403"],
    ["rate-limit", OpenAI.RateLimitError, 429, "429"],
    ["model-not-found", OpenAI.NotFoundError, 404, "DeploymentNotFound"],
    ["context-too-long", OpenAI.BadRequestError, 400, "context_length_exceeded"],
    ["content-filter", OpenAI.BadRequestError, 400, "content_filter"],
    ["server", OpenAI.InternalServerError, 500, ""],
    ["unavailable", OpenAI.InternalServerError, 503, "ServiceUnavailable"]
  ]
  for (const [kind, cls, status, code] of errors) {
    it(`raises ${cls.name} for ${kind}`, async () => {
      emu.script({ fault: { _tag: "Error", kind, retryAfterSeconds: 3 } })
      const error = await failure(client.chat.completions.create({ model: "gpt-4.1-mini", messages }))
      expect(error).toBeInstanceOf(cls)
      const api = error as InstanceType<typeof OpenAI.APIError>
      expect(api.status).toBe(status)
      expect(api.code ?? "").toBe(code)
      expect(api.headers?.get("apim-request-id")).toMatch(/^req_emu_/)
      if (kind === "rate-limit") {
        expect(api.headers?.get("retry-after")).toBe("3")
        expect(api.headers?.get("retry-after-ms")).toBe("3000")
        expect(api.message).toContain("Please retry after 3 seconds")
      }
      if (kind === "content-filter") {
        expect((api.error as { innererror?: { code?: string } }).innererror?.code).toBe("ResponsibleAIPolicyViolation")
      }
    })
  }

  it("raises NotFoundError for a deployment the resource lacks, and AuthenticationError for a wrong key", async () => {
    await expect(azure({ deployment: "nope" }).chat.completions.create({ model: "x", messages })).rejects.toBeInstanceOf(OpenAI.NotFoundError)
    await expect(azure({ apiKey: "wrong" }).chat.completions.create({ model: "x", messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
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

// Microsoft's v1 samples use the plain client: `new OpenAI({ baseURL: "https://<res>.openai.azure.com/openai/v1/", apiKey })`.
describe("the plain openai SDK (OpenAI) against the emulator's v1 API", () => {
  const v1 = (options: ConstructorParameters<typeof OpenAI>[0] = {}) =>
    new OpenAI({ baseURL: `${emu.origin}/openai/v1/`, apiKey: KEY, defaultHeaders: { "api-key": KEY }, maxRetries: 0, ...options })

  it("chats with the deployment as model, sending the key as api-key and bearer, and no api-version", async () => {
    emu.script({ reply: "SELECT 1;", usage: { inputTokens: 12, outputTokens: 3 } })
    const r = await v1().chat.completions.create({ model: "gpt-4.1-mini", messages, max_completion_tokens: 50 })
    expect(r.choices[0]!.message.content).toBe("SELECT 1;")
    expect(r.model).toBe("gpt-4.1-mini-2025-04-14")
    expect(r.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 })
    const req = emu.chatRequests()[0]!
    expect(`${req.method} ${req.path}`).toBe("POST /openai/v1/chat/completions")
    expect(req.query).toEqual({})
    expect(req.headers["api-key"]).toBe(KEY)
    expect(req.headers["authorization"]).toBe(`Bearer ${KEY}`)
    expect((req.body as Record<string, unknown>).model).toBe("gpt-4.1-mini")
  })

  it("a key sent only as a bearer token (no api-key header) is accepted", async () => {
    emu.script({ reply: "SELECT 4;" })
    const r = await v1({ defaultHeaders: {} }).chat.completions.create({ model: "gpt-4o", messages })
    expect(r.choices[0]!.message.content).toBe("SELECT 4;")
    expect(emu.chatRequests()[0]!.headers["api-key"]).toBeUndefined()
  })

  it("streams past the prompt-filter chunk to the content and the usage chunk", async () => {
    emu.script({ reply: "SELECT name FROM customers LIMIT 100;", usage: { inputTokens: 20, outputTokens: 9 } })
    const stream = await v1().chat.completions.create({ model: "gpt-4.1-mini", messages, stream: true, stream_options: { include_usage: true } })
    let text = ""
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ""
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe("SELECT name FROM customers LIMIT 100;")
    expect(usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 9 })
  })

  it("a reasoning deployment takes max_completion_tokens and refuses max_tokens", async () => {
    emu.script({ reply: "SELECT 3;" })
    const r = await v1().chat.completions.create({ model: "sql-reasoner", messages, max_completion_tokens: 100 })
    expect(r.model).toBe("o4-mini-2025-04-16")
    const error = await failure(v1().chat.completions.create({ model: "sql-reasoner", messages, max_tokens: 100 }))
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("max_tokens")
  })

  it("lists the base models from /openai/v1/models", async () => {
    const ids: Array<string> = []
    for await (const m of v1().models.list()) ids.push(m.id)
    expect(ids).toContain("gpt-4.1-mini-2025-04-14")
    expect(`${emu.requests[0]!.method} ${emu.requests[0]!.path}`).toBe("GET /openai/v1/models")
    expect(emu.requests[0]!.query).toEqual({})
  })

  it("api-version=preview is accepted; a dated api-version is a BadRequestError", async () => {
    const preview = await v1({ defaultQuery: { "api-version": "preview" } }).chat.completions.create({ model: "gpt-4o", messages })
    expect(preview.choices[0]!.message.content).toBeTypeOf("string")
    expect(emu.chatRequests()[0]!.query).toEqual({ "api-version": "preview" })
    const error = await failure(v1({ defaultQuery: { "api-version": PREVIEW } }).chat.completions.create({ model: "gpt-4o", messages }))
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("API version not supported")
  })

  it("raises NotFoundError (DeploymentNotFound) for a model that is no deployment, and AuthenticationError for a wrong key", async () => {
    const missing = await failure(v1().chat.completions.create({ model: "gpt-9", messages }))
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError)
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("DeploymentNotFound")
    const wrong = new OpenAI({ baseURL: `${emu.origin}/openai/v1/`, apiKey: "wrong", maxRetries: 0 })
    await expect(wrong.chat.completions.create({ model: "gpt-4o", messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })
})
