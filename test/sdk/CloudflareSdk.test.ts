/**
 * The official `cloudflare` SDK (7.3) against the Workers AI emulator: the emulator speaks the
 * real protocol only if the SDK parses its envelopes and raises its documented errors.
 *
 * Two SDK faults are documented here rather than worked around (PROTOCOLS.md section 5):
 * - `client.ai.run(model, …)` percent-encodes the model path (`@cf%2Fmeta%2F…`), which the live
 *   API answers with 400, code 7000 "No route for that URI": so does the emulator. Model ids
 *   without slashes pass the encoder unchanged and work, as does the SDK's own untemplated
 *   `client.post(path)` with the path written out.
 * - `ai.run` cannot stream: it reads a `text/event-stream` body as text and unwraps `.result`
 *   from it, which leaves nothing. Its transport still carries the SSE body (`asResponse()`).
 */
import Cloudflare from "cloudflare"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as CloudflareEmulator from "../../src/testing/emulators/CloudflareEmulator.js"

const TOKEN = "cf-sdk-test-token-0000000000000000"
const ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
// A model id with no slash: the only kind `ai.run` can reach through its path encoder.
const FLAT_MODEL = "sqlcoder-emu"
const LLAMA = "@cf/meta/llama-3.3-70b-instruct-fp8-fast"
const many = Array.from({ length: 23 }, (_, i) => `@cf/emu/model-${String(i).padStart(2, "0")}`)

let emu: Emulator.Emulator
let client: Cloudflare

beforeAll(async () => {
  emu = await CloudflareEmulator.start({
    apiKey: TOKEN,
    accountId: ACCOUNT,
    perPage: 10,
    models: [LLAMA, "@cf/openai/gpt-oss-20b", FLAT_MODEL, ...many]
  })
  client = new Cloudflare({ apiToken: TOKEN, baseURL: emu.baseUrl, maxRetries: 0 })
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const messages = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Request:\nlist customers\n\nSchema:\ncustomers(id integer, email text)" }
]

const runBody = { account_id: ACCOUNT, messages, max_tokens: 256 } as unknown as Cloudflare.AI.AIRunParams

interface RunResult {
  readonly response?: string
  readonly usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
  readonly choices?: ReadonlyArray<{ message: { content: string }; finish_reason: string }>
}

const rejection = async (p: Promise<unknown>): Promise<InstanceType<typeof Cloudflare.APIError>> => {
  try {
    await p
  } catch (e) {
    if (e instanceof Cloudflare.APIError) return e
    throw e
  }
  throw new Error("expected the SDK to raise an APIError")
}

describe("cloudflare SDK against the Workers AI emulator", () => {
  it("ai.run with an @cf/… model: the SDK encodes the path and the API has no route for it (400, 7000)", async () => {
    const error = await rejection(client.ai.run(LLAMA, runBody))
    expect(error).toBeInstanceOf(Cloudflare.BadRequestError)
    expect(error.status).toBe(400)
    expect(error.errors).toEqual([{ code: 7000, message: "No route for that URI" }])
    const [req] = emu.requests
    expect(req!.path).toBe(`/client/v4/accounts/${ACCOUNT}/ai/run/@cf%2Fmeta%2Fllama-3.3-70b-instruct-fp8-fast`)
    expect(emu.chatRequests()).toHaveLength(0)
  })

  it("ai.run with a model id without slashes: the SDK unwraps result.response and usage", async () => {
    emu.script({ reply: "SELECT email FROM customers LIMIT 100;", usage: { inputTokens: 21, outputTokens: 9 } })
    const result = (await client.ai.run(FLAT_MODEL, runBody)) as RunResult
    expect(result.response).toBe("SELECT email FROM customers LIMIT 100;")
    expect(result.usage).toEqual({ prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 })
    const req = emu.chatRequests()[0]!
    expect(req.path).toBe(`/client/v4/accounts/${ACCOUNT}/ai/run/${FLAT_MODEL}`)
    expect(req.headers["authorization"]).toBe(`Bearer ${TOKEN}`)
    expect(req.body).toEqual({ messages, max_tokens: 256 })
  })

  it("the SDK's untemplated client.post reaches the unencoded @cf/… path and parses the envelope", async () => {
    emu.script({ reply: "SELECT 1;", usage: { inputTokens: 4, outputTokens: 2 } })
    const envelope = await client.post<{ success: boolean; errors: Array<unknown>; result: RunResult }>(
      `/accounts/${ACCOUNT}/ai/run/${LLAMA}`,
      { body: { messages, max_tokens: 64 } }
    )
    expect(envelope.success).toBe(true)
    expect(envelope.errors).toEqual([])
    expect(envelope.result.response).toBe("SELECT 1;")
    expect(envelope.result.usage?.completion_tokens).toBe(2)
    expect(emu.chatRequests()[0]!.path).toBe(`/client/v4/accounts/${ACCOUNT}/ai/run/${LLAMA}`)
  })

  it("an @cf/openai/… model answers in the OpenAI shape inside the envelope", async () => {
    emu.script({ reply: "SELECT 2;", finishReason: "length" })
    const envelope = await client.post<{ result: RunResult }>(`/accounts/${ACCOUNT}/ai/run/@cf/openai/gpt-oss-20b`, { body: { messages } })
    expect(envelope.result.choices?.[0]?.message.content).toBe("SELECT 2;")
    expect(envelope.result.choices?.[0]?.finish_reason).toBe("length")
  })

  it("ai.run cannot stream: the parsed value is lost, but the raw response is the SSE body ending in [DONE]", async () => {
    const streamBody = { ...runBody, stream: true } as unknown as Cloudflare.AI.AIRunParams
    emu.script({ reply: "SELECT name FROM customers LIMIT 100;", usage: { inputTokens: 20, outputTokens: 9 } })
    expect(await client.ai.run(FLAT_MODEL, streamBody)).toBeUndefined()

    emu.script({ reply: "SELECT name FROM customers LIMIT 100;", usage: { inputTokens: 20, outputTokens: 9 } })
    const response = await client.ai.run(FLAT_MODEL, streamBody).asResponse()
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const data = (await response.text()).split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6))
    expect(data[data.length - 1]).toBe("[DONE]")
    const events = data.slice(0, -1).map((d) => JSON.parse(d) as { response: string; usage?: unknown })
    expect(events.map((e) => e.response).join("")).toBe("SELECT name FROM customers LIMIT 100;")
    expect(events[events.length - 1]!.usage).toEqual({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 })
  })

  it("user.tokens.verify unwraps the token status", async () => {
    const verified = await client.user.tokens.verify()
    expect(verified.status).toBe("active")
    expect(emu.requests[0]!.path).toBe("/client/v4/user/tokens/verify")
  })

  it("ai.models.list auto-paginates the v4 search until an empty page", async () => {
    const names: Array<string> = []
    for await (const m of client.ai.models.list({ account_id: ACCOUNT, task: "Text Generation" })) names.push((m as { name: string }).name)
    expect(names).toEqual([LLAMA, "@cf/openai/gpt-oss-20b", FLAT_MODEL, ...many])
    // 26 models at 10 a page: three full-or-partial pages, then the empty page that stops the SDK.
    expect(emu.requests.map((r) => r.query["page"] ?? "1")).toEqual(["1", "2", "3", "4"])
    expect(emu.requests[0]!.query["task"]).toBe("Text Generation")
  })

  it("ai.models.list finds a model by search", async () => {
    const page = await client.ai.models.list({ account_id: ACCOUNT, search: "gpt-oss" })
    expect(page.result.map((m) => (m as { name: string }).name)).toEqual(["@cf/openai/gpt-oss-20b"])
  })

  const errors: ReadonlyArray<[Emulator.ErrorKind, new(...args: Array<any>) => Error, number, number]> = [
    ["auth", Cloudflare.AuthenticationError, 401, 10000],
    ["permission", Cloudflare.PermissionDeniedError, 403, 5016],
    ["rate-limit", Cloudflare.RateLimitError, 429, 971],
    ["quota", Cloudflare.RateLimitError, 429, 3036],
    ["unavailable", Cloudflare.RateLimitError, 429, 3040],
    ["model-not-found", Cloudflare.BadRequestError, 400, 5007],
    ["bad-request", Cloudflare.BadRequestError, 400, 5006],
    ["server", Cloudflare.InternalServerError, 500, 3043],
    ["overloaded", Cloudflare.InternalServerError, 503, 3040]
  ]
  for (const [kind, cls, status, code] of errors) {
    it(`raises ${cls.name} (${status}) with errors[0].code ${code} for ${kind}`, async () => {
      emu.script({ fault: { _tag: "Error", kind, retryAfterSeconds: 3 } })
      const error = await rejection(client.ai.run(FLAT_MODEL, runBody))
      expect(error).toBeInstanceOf(cls)
      expect(error.status).toBe(status)
      expect(error.errors[0]).toMatchObject({ code })
      expect(error.headers?.get("retry-after")).toBe("3")
      expect(error.headers?.get("cf-ray")).toMatch(/^req_emu_/)
    })
  }

  it("raises APIError 413 for a context that does not fit (5021)", async () => {
    emu.script({ fault: { _tag: "Error", kind: "context-too-long" } })
    const error = await rejection(client.ai.run(FLAT_MODEL, runBody))
    expect(error.status).toBe(413)
    expect(error.errors[0]).toMatchObject({ code: 5021 })
    expect(error.message).toContain("context window limit")
  })

  it("a chat for a model the account lacks is BadRequestError 5007 naming it", async () => {
    const error = await rejection(client.ai.run("no-such-model", runBody))
    expect(error).toBeInstanceOf(Cloudflare.BadRequestError)
    expect(error.errors[0]).toEqual({ code: 5007, message: "No such model no-such-model or task" })
  })

  it("a wrong token: AuthenticationError on the AI routes (10000) and on token verify (1000)", async () => {
    const wrong = new Cloudflare({ apiToken: "cf-wrong-token-0000000000", baseURL: emu.baseUrl, maxRetries: 0 })
    const run = await rejection(wrong.ai.run(FLAT_MODEL, runBody))
    expect(run).toBeInstanceOf(Cloudflare.AuthenticationError)
    expect(run.errors[0]).toMatchObject({ code: 10000 })
    const verify = await rejection(wrong.user.tokens.verify())
    expect(verify).toBeInstanceOf(Cloudflare.AuthenticationError)
    expect(verify.errors[0]).toMatchObject({ code: 1000 })
    const models = await rejection(wrong.ai.models.list({ account_id: ACCOUNT }))
    expect(models).toBeInstanceOf(Cloudflare.AuthenticationError)
  })

  it("an account id the emulator does not serve: BadRequestError with 7003 and 7000", async () => {
    const error = await rejection(client.ai.models.list({ account_id: "ffffffffffffffffffffffffffffffff" }))
    expect(error).toBeInstanceOf(Cloudflare.BadRequestError)
    expect(error.errors.map((e) => e.code)).toEqual([7003, 7000])
  })
})
