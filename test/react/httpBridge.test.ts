// The HTTP bridge against a real server on loopback (Node's own fetch and streams).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import type { AiEventView } from "../../src/preload/types.js"
import { channelPath, httpBridge } from "../../src/react/index.js"

interface Seen {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly authorization: string | undefined
  readonly contentType: string | undefined
  readonly body: string
}

const servers: Array<Server> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => {
    s.closeAllConnections()
    s.close(done)
  })))
})

const serve = async (handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void) => {
  const seen: Array<Seen> = []
  const server = createServer((req, res) => {
    let body = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => (body += chunk))
    req.on("end", () => {
      const s = { method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers["content-type"], body }
      seen.push(s)
      handler(req, res, s)
    })
  })
  servers.push(server)
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  return { seen, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const json = (res: ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { "Content-Type": "application/json" })
  res.end(JSON.stringify(value))
}

const until = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting")
    await new Promise((r) => setTimeout(r, 10))
  }
}

const fallbackEvent: AiEventView = {
  type: "FallbackTaken",
  at: 1_765_000_000_000,
  from: "openai",
  to: "anthropic",
  error: "Zeitüberschreitung — 🚀 (provider: OpenAI)",
  error_kind: "Timeout"
}

describe("httpBridge: calls", () => {
  it("maps each channel to its path", () => {
    expect(channelPath("ai:providers:save")).toBe("/api/providers/save")
    expect(channelPath("ai:settings:get")).toBe("/api/settings/get")
    expect(channelPath("ai:metrics:timeline")).toBe("/api/metrics/timeline")
  })

  it("POSTs the IPC arguments with the token and resolves with the server's reply", async () => {
    const { baseUrl, seen } = await serve((req, res, s) => json(res, 200, { success: true, path: req.url, args: JSON.parse(s.body).args }))
    const ai = httpBridge({ token: "t0k3n", baseUrl: `${baseUrl}/` })

    const saved = await ai.providers.save("openai", { apiKey: "sk-1" }, { validate: true })
    expect(saved).toEqual({ success: true, path: "/api/providers/save", args: ["openai", { apiKey: "sk-1" }, { validate: true }] })
    await ai.settings.get()
    await ai.providers.test("openai", undefined)
    await ai.metrics.timeline({ from: 1, bucket: "hour" })
    await ai.metrics.export({ format: "csv" })

    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ["POST", "/api/providers/save", JSON.stringify({ args: ["openai", { apiKey: "sk-1" }, { validate: true }] })],
      ["POST", "/api/settings/get", JSON.stringify({ args: [] })],
      // A trailing undefined is not sent (JSON would make it null, another argument).
      ["POST", "/api/providers/test", JSON.stringify({ args: ["openai"] })],
      ["POST", "/api/metrics/timeline", JSON.stringify({ args: [{ from: 1, bucket: "hour" }] })],
      ["POST", "/api/metrics/export", JSON.stringify({ args: [{ format: "csv" }] })]
    ])
    expect(new Set(seen.map((s) => s.authorization))).toEqual(new Set(["Bearer t0k3n"]))
    expect(seen[0]!.contentType).toBe("application/json")
  })

  it("passes a failure reply through whatever its HTTP status", async () => {
    const { baseUrl } = await serve((_req, res) => json(res, 401, { success: false, error: "Wrong token", error_kind: "Unauthorized" }))
    expect(await httpBridge({ token: "x", baseUrl }).providers.status()).toEqual({ success: false, error: "Wrong token", error_kind: "Unauthorized" })
  })

  it("resolves, never rejects, when the answer is not a reply, the server is gone or too slow", async () => {
    const html = await serve((_req, res) => {
      res.writeHead(502, { "Content-Type": "text/html" })
      res.end("<h1>Bad gateway</h1>")
    })
    expect(await httpBridge({ token: "x", baseUrl: html.baseUrl }).settings.get()).toEqual({
      success: false,
      error: "The AI service is not available: the server answered HTTP 502 with no reply",
      error_kind: "Unavailable"
    })

    const array = await serve((_req, res) => json(res, 200, [1, 2]))
    expect((await httpBridge({ token: "x", baseUrl: array.baseUrl }).settings.get()).success).toBe(false)

    const gone = await serve(() => undefined)
    await new Promise((done) => gone.server.close(done))
    const refused = await httpBridge({ token: "x", baseUrl: gone.baseUrl }).providers.models("openai")
    expect(refused.success).toBe(false)
    expect(refused.success ? "" : refused.error_kind).toBe("Unavailable")

    const silent = await serve(() => undefined)
    expect(await httpBridge({ token: "x", baseUrl: silent.baseUrl, timeoutMs: 200 }).providers.status()).toEqual({
      success: false,
      error: "The AI service is not available: no answer within 0.2 s",
      error_kind: "Unavailable"
    })

    const circular: Record<string, unknown> = {}
    circular["self"] = circular
    const refusedArgs = await httpBridge({ token: "x", baseUrl: silent.baseUrl }).providers.save("openai", circular)
    expect(refusedArgs.success ? "" : refusedArgs.error_kind).toBe("InvalidIpcInput")
  })
})

describe("httpBridge: the event stream", () => {
  it("reads events and status across arbitrary chunk boundaries, CRLF line ends and split UTF-8", async () => {
    const statusReply = { success: true, active_provider: "openai", fallback_serving: "anthropic", last_served_by: "anthropic", providers: [], budget: null }
    const stream = [
      ": connected\r\n\r\n",
      `event: ai-event\r\ndata: ${JSON.stringify(fallbackEvent)}\r\n\r\n`,
      `event: status\ndata: ${JSON.stringify(statusReply)}\n\n`,
      "event: unknown\ndata: {}\n\n"
    ].join("")
    const bytes = Buffer.from(stream, "utf8")
    // Cut inside the `\r\n` pairs and inside the multi-byte characters.
    const cuts = [3, bytes.indexOf("\r\n", 20) + 1, bytes.indexOf(Buffer.from("ü")) + 1, bytes.indexOf(Buffer.from("🚀")) + 2, bytes.length - 5]
    const { baseUrl, seen } = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" })
      let from = 0
      const send = (i: number): void => {
        const to = cuts[i] ?? bytes.length
        res.write(bytes.subarray(from, to))
        from = to
        if (to < bytes.length) setTimeout(() => send(i + 1), 5)
      }
      send(0)
    })
    const ai = httpBridge({ token: "s3cret", baseUrl })
    const events: Array<AiEventView> = []
    const statuses: Array<unknown> = []
    const stopEvents = ai.onEvents((e) => events.push(e))
    const stopStatus = ai.onStatus!((s) => statuses.push(s))

    await until(() => events.length === 1 && statuses.length === 1)
    expect(events).toEqual([fallbackEvent])
    expect(statuses).toEqual([statusReply])
    // One stream for both listeners, with the token.
    expect(seen.map((s) => [s.method, s.url, s.authorization])).toEqual([["GET", "/api/stream", "Bearer s3cret"]])
    stopEvents()
    stopStatus()
  })

  it("reconnects with backoff after the stream ends or fails, and stops when the last listener leaves", async () => {
    let connections = 0
    let closed = 0
    const { baseUrl } = await serve((req, res) => {
      connections++
      req.on("close", () => closed++)
      if (connections === 2) {
        res.writeHead(503)
        res.end()
        return
      }
      res.writeHead(200, { "Content-Type": "text/event-stream" })
      res.write(`event: ai-event\ndata: ${JSON.stringify({ type: "ProviderRecovered", at: connections, provider: "openai" })}\n\n`)
      // The first connection ends at once; the third stays open.
      if (connections === 1) res.end()
    })
    const ai = httpBridge({ token: "t", baseUrl, reconnect: { minDelayMs: 20, maxDelayMs: 100 } })
    const events: Array<AiEventView> = []
    const stop = ai.onEvents((e) => events.push(e))

    await until(() => events.length === 2)
    expect(events.map((e) => e.at)).toEqual([1, 3])
    expect(connections).toBe(3)
    stop()
    await until(() => closed === 3)
    await new Promise((r) => setTimeout(r, 150))
    expect(connections).toBe(3)
  })

  it("keeps delivering when one listener throws", async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" })
      res.write(`event: ai-event\ndata: ${JSON.stringify(fallbackEvent)}\n\nevent: ai-event\ndata: ${JSON.stringify({ ...fallbackEvent, at: 2 })}\n\n`)
    })
    const ai = httpBridge({ token: "t", baseUrl })
    const seen: Array<number> = []
    const quiet = console.error
    console.error = () => undefined
    try {
      const stopA = ai.onEvents(() => {
        throw new Error("listener bug")
      })
      const stopB = ai.onEvents((e) => seen.push(e.at))
      await until(() => seen.length === 2)
      stopA()
      stopB()
    } finally {
      console.error = quiet
    }
    expect(seen).toEqual([fallbackEvent.at, 2])
  })
})
