/**
 * `dbtk-ai ui`'s server over real loopback HTTP: started in this process on a free port, on the
 * whole stack in a temporary folder with providers on the Cloudflare and OpenAI emulators, and
 * compared with the IPC handlers registered on the same stack (a recording fake of `ipcMain`);
 * then the CLI as a child process with `--demo`.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Context, Effect, Layer, ManagedRuntime } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Contract from "../../src/ipc/contract.js"
import { registerAiHandlers } from "../../src/ipc/handlers.js"
import type * as AiStack from "../../src/layers/AiStack.js"
import { AiEvents } from "../../src/services/AiEvents.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as CloudflareEmulator from "../../src/testing/emulators/CloudflareEmulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import * as Body from "../../src/ui/server/Body.js"
import * as Server from "../../src/ui/server/Server.js"
import { CLOUDFLARE_ACCOUNT, OPENAI_KEY } from "../cli/harness.js"
import { SECRET_KEY } from "../support/http.js"
import { makeIpcMain } from "../support/ipc.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"
import { openEvents, post, send, spawnCli } from "./http.js"

const pathOf = (channel: string) => `/api/${channel.slice("ai:".length).replaceAll(":", "/")}`

interface WorldShape {
  readonly dir: string
  readonly pageDir: string
  readonly server: Server.Server
  readonly runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>
  readonly cloudflare: Emulator.Emulator
  readonly openai: Emulator.Emulator
  /** What the IPC handler answers, through the fake ipcMain on the same stack. */
  readonly ipc: (channel: string, ...args: Array<unknown>) => Effect.Effect<any>
  /** What the endpoint answers (status 200 expected). */
  readonly http: (channel: string, ...args: Array<unknown>) => Effect.Effect<any>
}

class World extends Context.Tag("test/ui/World")<World, WorldShape>() {}

// A built page: index.html and one asset, and a file beside the folder that must stay unreachable.
const writePage = (dir: string) => {
  const pageDir = Path.join(dir, "page")
  Fs.mkdirSync(Path.join(pageDir, "assets"), { recursive: true })
  Fs.writeFileSync(Path.join(pageDir, "index.html"), `<!doctype html><script type="module" src="/assets/app.js"></script>`)
  Fs.writeFileSync(Path.join(pageDir, "assets", "app.js"), "console.log('page')")
  Fs.writeFileSync(Path.join(pageDir, "secret.txt"), "not public")
  Fs.writeFileSync(Path.join(dir, "outside.txt"), "outside")
  Fs.symlinkSync(Path.join(dir, "outside.txt"), Path.join(pageDir, "assets", "link.txt"))
  return pageDir
}

const WorldLive = Layer.scoped(World, Effect.gen(function*() {
  const dir = yield* tempDir
  const pageDir = writePage(dir)
  const cloudflare = yield* CloudflareEmulator.make({ accountId: CLOUDFLARE_ACCOUNT, apiKey: SECRET_KEY })
  const openai = yield* OpenAiEmulator.make({ apiKey: OPENAI_KEY })
  const runtime = yield* Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(stackIn(dir))), (r) => Effect.promise(() => r.dispose()))
  const fake = makeIpcMain()
  yield* Effect.acquireRelease(Effect.sync(() => registerAiHandlers(fake, runtime)), (r) => Effect.sync(r.dispose))
  const server = yield* Server.make({ runtime, pageDir })
  return {
    dir,
    pageDir,
    server,
    runtime,
    cloudflare,
    openai,
    ipc: (channel, ...args) => Effect.promise(() => fake.invoke(channel, ...args)),
    http: (channel, ...args) =>
      Effect.map(post(server.port, server.token, pathOf(channel), { args }), (reply) => {
        expect(reply.status, `${channel}: ${reply.text}`).toBe(200)
        return reply.json()
      })
  }
}))

// Fields that change from one call to the next.
const steady = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(steady)
    : typeof value === "object" && value !== null
    ? Object.fromEntries(Object.entries(value).filter(([k]) => !/latency/i.test(k)).map(([k, v]) => [k, steady(v)]))
    : value

layer(WorldLive, { excludeTestServices: true, timeout: 30_000 })("dbtk-ai ui's server", (it) => {
  it.effect("prints an address on 127.0.0.1 with a 256-bit token", () =>
    Effect.gen(function*() {
      const { server } = yield* World
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`)
      expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(server.port).toBeGreaterThan(0)
    }))

  it.effect("every channel of the contract is an endpoint, answering what IPC answers (no provider yet)", () =>
    Effect.gen(function*() {
      const { http, ipc } = yield* World
      expect(Contract.allChannels.length).toBeGreaterThanOrEqual(21)
      for (const channel of Contract.allChannels) {
        const [viaHttp, viaIpc] = [yield* http(channel), yield* ipc(channel)]
        expect({ channel, success: viaHttp.success, error: viaHttp.error, keys: Object.keys(viaHttp).sort() })
          .toEqual({ channel, success: viaIpc.success, error: viaIpc.error, keys: Object.keys(viaIpc).sort() })
      }
      // Deeply, where nothing changes between two calls.
      for (const channel of ["ai:settings:get", "ai:providers:status", "ai:events:recent", "ai:generate-query"]) {
        expect(yield* http(channel)).toEqual(yield* ipc(channel))
      }
    }))

  it.effect("providers save, test and status, settings and a rule-based channel: the same answers, deeply", () =>
    Effect.gen(function*() {
      const { cloudflare, http, ipc, openai } = yield* World
      const cf = ["cloudflare", { accountId: CLOUDFLARE_ACCOUNT, apiToken: SECRET_KEY, baseUrl: cloudflare.baseUrl }, { validate: true }]
      const saved = yield* http("ai:providers:save", ...cf)
      expect(saved).toMatchObject({ success: true, provider: "cloudflare", test: { ok: true, model_available: true } })
      expect(steady(saved)).toEqual(steady(yield* ipc("ai:providers:save", ...cf)))
      const oa = ["openai", { apiKey: OPENAI_KEY, baseUrl: openai.baseUrl }]
      expect(yield* http("ai:providers:save", ...oa)).toEqual(yield* ipc("ai:providers:save", ...oa))
      const patch = { activeProvider: "cloudflare", fallback: { order: ["cloudflare", "openai"] } }
      expect(yield* http("ai:settings:update", patch)).toEqual(yield* ipc("ai:settings:update", patch))

      const settings = yield* http("ai:settings:get")
      expect(settings.providers.map((p: { id: string; secrets_set: Array<string> }) => [p.id, p.secrets_set]))
        .toEqual([["cloudflare", ["apiToken"]], ["openai", ["apiKey"]]])
      expect(JSON.stringify(settings)).not.toContain(SECRET_KEY)
      expect(settings).toEqual(yield* ipc("ai:settings:get"))
      const tested = yield* http("ai:providers:test", "openai")
      expect(tested).toMatchObject({ success: true, ok: true, provider: "openai" })
      expect(steady(tested)).toEqual(steady(yield* ipc("ai:providers:test", "openai")))
      const refused = yield* http("ai:providers:test", "nope")
      expect(refused.success).toBe(false)
      expect(refused).toEqual(yield* ipc("ai:providers:test", "nope"))

      // Health checks may land between two reads: the answers meet once they settle.
      const [status, statusIpc] = yield* Effect.all([http("ai:providers:status"), ipc("ai:providers:status")]).pipe(
        Effect.map((pair) => pair.map(steady)),
        Effect.repeat({ times: 40, until: ([a, b]) =>
          JSON.stringify(a) === JSON.stringify(b) ? Effect.succeed(true) : Effect.as(Effect.sleep("50 millis"), false) })
      )
      expect(status).toEqual(statusIpc)
      expect(status).toMatchObject({ success: true, active_provider: "cloudflare" })

      const columns = [{ name: "id", type: "integer" }, { name: "customer_id", type: "integer" }, { name: "created_at", type: "timestamp" }]
      const rules = yield* http("ai:generate-common-queries", "orders", columns, "sqlite")
      expect(rules).toMatchObject({ success: true, table_name: "orders", total_generated: 3 })
      expect(rules).toEqual(yield* ipc("ai:generate-common-queries", "orders", columns, "sqlite"))
      const generated = yield* http("ai:generate-query", { natural_language: "list customers", schema_context: { customers: [{ name: "id", type: "int" }] } })
      expect(generated).toMatchObject({ success: true, provider: "cloudflare" })
      expect(generated.sql).toContain("customers")
    }))

  it.effect("no token or a wrong one: 401 and nothing done (a save stores nothing)", () =>
    Effect.gen(function*() {
      const { ipc, server } = yield* World
      const save = { args: ["ollama", { baseUrl: "http://127.0.0.1:9" }] }
      for (const token of [undefined, "wrong", server.token.slice(1), `${server.token}x`]) {
        const reply = yield* post(server.port, token, "/api/providers/save", save)
        expect(reply.status).toBe(401)
        expect(reply.json()).toEqual({ success: false, error: expect.stringContaining("token") })
      }
      const basic = yield* post(server.port, undefined, "/api/providers/save", save, { authorization: `Basic ${server.token}` })
      expect(basic.status).toBe(401)
      expect((yield* ipc("ai:settings:get")).providers.map((p: { id: string }) => p.id)).not.toContain("ollama")
      // Nothing but the page goes without the token: the document, the events, any other path.
      for (const path of ["/openapi.json", "/api/stream", "/index.html", "/secret.txt", "/api/nope"]) {
        expect((yield* send(server.port, { path })).status, path).toBe(401)
      }
    }))

  it.effect("a Host other than the server's is refused (421), a foreign Origin too (403), with nothing done", () =>
    Effect.gen(function*() {
      const { ipc, server } = yield* World
      const save = { args: ["ollama", { baseUrl: "http://127.0.0.1:9" }] }
      for (const host of ["evil.example", `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, "127.0.0.1", `[::1]:${server.port}`]) {
        const reply = yield* post(server.port, server.token, "/api/providers/save", save, { host })
        expect([host, reply.status]).toEqual([host, 421])
        expect(reply.json().success).toBe(false)
        expect((yield* send(server.port, { path: "/", headers: { host } })).status).toBe(421)
      }
      for (const origin of ["http://evil.example", `http://evil.example:${server.port}`, "null", `https://127.0.0.1:${server.port}`, `http://127.0.0.1:${server.port + 1}`]) {
        const reply = yield* post(server.port, server.token, "/api/providers/save", save, { origin })
        expect([origin, reply.status]).toEqual([origin, 403])
      }
      expect((yield* ipc("ai:settings:get")).providers.map((p: { id: string }) => p.id)).not.toContain("ollama")
      // Its own names, with or without an Origin.
      for (const [host, origin] of [[`localhost:${server.port}`, `http://localhost:${server.port}`], [`127.0.0.1:${server.port}`, server.origin]]) {
        expect((yield* post(server.port, server.token, "/api/settings/get", {}, { host: host!, origin: origin! })).status).toBe(200)
      }
    }))

  it.effect("bodies: malformed JSON, a wrong shape or type is 400, too large 413, too deep 400; none is an empty call", () =>
    Effect.gen(function*() {
      const { ipc, server } = yield* World
      const call = (body: string, headers: Record<string, string> = {}) => post(server.port, server.token, "/api/settings/update", body, headers)
      for (const body of ["{", "[1,2", "{\"args\": [}", "\"args\"", "null", "[]", "{\"arg\": []}", "{\"args\": {}}", "{\"args\": [], \"x\": 1}"]) {
        const reply = yield* call(body)
        expect([body, reply.status]).toEqual([body, 400])
        expect(reply.headers["content-type"]).toMatch(/^application\/json/)
        expect(reply.json()).toEqual({ success: false, error: expect.any(String) })
      }
      const invalidUtf8 = yield* send(server.port, {
        method: "POST",
        path: "/api/settings/get",
        headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
        body: Buffer.from([0x7b, 0xff, 0x7d]).toString("latin1")
      })
      expect(invalidUtf8.status).toBe(400)
      expect((yield* call("{}", { "content-type": "text/plain" })).status).toBe(415)
      const deep = `{"args": [${"[".repeat(200)}${"]".repeat(200)}]}`
      expect((yield* call(deep)).json()).toEqual({ success: false, error: "The body is nested deeper than 66 levels" })
      // Deep but within the ceiling: the handler's own refusal, as over IPC.
      const nested = JSON.parse(`${"[".repeat(64)}${"]".repeat(64)}`)
      const viaHttp = (yield* post(server.port, server.token, "/api/settings/update", { args: [nested] })).json()
      expect(viaHttp).toMatchObject({ success: false, error_kind: "InvalidIpcInput" })
      expect(viaHttp).toEqual(yield* ipc("ai:settings:update", nested))

      // The ceiling is the IPC contract's: a Content-Length past it is refused before a byte is read.
      expect(Body.maxBodyBytes).toBe(Contract.inputBounds.maxStringChars)
      const announced = yield* send(server.port, {
        method: "POST",
        path: "/api/settings/update",
        headers: { authorization: `Bearer ${server.token}`, "content-length": String(Body.maxBodyBytes + 1) },
        body: ["{\"args\": []"]
      })
      expect(announced.status).toBe(413)
      expect(announced.json()).toEqual({ success: false, error: `The body is larger than ${Body.maxBodyBytes} bytes` })
      // No body is no arguments.
      expect((yield* send(server.port, { method: "POST", path: "/api/settings/get", headers: { authorization: `Bearer ${server.token}` } })).json())
        .toEqual(yield* ipc("ai:settings:get"))
    }))

  it.scoped("a chunked body past a server's limit is 413, read no further", () =>
    Effect.gen(function*() {
      const { pageDir, runtime } = yield* World
      const small = yield* Server.make({ runtime, pageDir, maxBodyBytes: 1024 })
      const headers = { authorization: `Bearer ${small.token}`, "content-type": "application/json" }
      const over = yield* send(small.port, { method: "POST", path: "/api/settings/get", headers, body: ["{\"args\": [\"", "x".repeat(2000), "\"]}"] })
      expect(over.status).toBe(413)
      expect(over.headers.connection).toBe("close")
      const under = yield* send(small.port, { method: "POST", path: "/api/settings/get", headers, body: ["{\"args\":", " []}"] })
      expect([under.status, under.json().success]).toEqual([200, true])
    }))

  it.effect("/openapi.json lists one endpoint per channel, and the events, behind the bearer token", () =>
    Effect.gen(function*() {
      const { server } = yield* World
      const reply = yield* send(server.port, { path: "/openapi.json", headers: { authorization: `Bearer ${server.token}` } })
      expect(reply.status).toBe(200)
      const doc = reply.json()
      expect(Object.keys(doc.paths).sort()).toEqual([...Contract.allChannels.map(pathOf), "/api/stream"].sort())
      expect(doc.paths["/api/providers/save"].post).toMatchObject({
        summary: "ai:providers:save",
        description: expect.stringContaining("`ai:providers:save`"),
        security: [{ bearer: [] }]
      })
      expect(doc.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } })
      expect(Object.keys(doc.paths["/api/stream"].get.responses["200"].content)).toEqual(["text/event-stream"])
    }))

  it.effect("the page and its assets without the token, with a strict policy; nothing outside assets/", () =>
    Effect.gen(function*() {
      const { server } = yield* World
      const page = yield* send(server.port, { path: "/" })
      expect(page.status).toBe(200)
      expect(page.text).toContain("/assets/app.js")
      expect(page.headers).toMatchObject({
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "content-security-policy": expect.stringMatching(/^default-src 'self';.*frame-ancestors 'none'/)
      })
      const asset = yield* send(server.port, { path: "/assets/app.js" })
      expect([asset.status, asset.headers["content-type"], asset.text]).toEqual([200, "text/javascript; charset=utf-8", "console.log('page')"])
      for (const path of ["/assets/../secret.txt", "/assets/%2e%2e/secret.txt", "/assets/..%2fsecret.txt", "/assets/..%5csecret.txt", "/assets/%2e%2e%2f%2e%2e%2foutside.txt", "/assets/link.txt", "/assets/", "/assets/nope.js", "/assets/%zz"]) {
        const reply = yield* send(server.port, { path })
        expect([path, reply.status]).toEqual([path, 404])
        expect(reply.text).not.toMatch(/not public|outside/)
      }
      // API answers are never cached either.
      expect((yield* post(server.port, server.token, "/api/settings/get")).headers["cache-control"]).toBe("no-store")
    }))

  it.scoped("a page not built: / says how to build it", () =>
    Effect.gen(function*() {
      const { dir, runtime } = yield* World
      const bare = yield* Server.make({ runtime, pageDir: Path.join(dir, "no-page") })
      const page = yield* send(bare.port, { path: "/" })
      expect(page.status).toBe(200)
      expect(page.text).toContain("The page is not built")
      expect(page.text).toContain("npm run build")
    }))

  it.scoped("events: status at connect, a fallback as ai-event with a fresh status, the status again once a call changed it; keep-alives", () =>
    Effect.gen(function*() {
      const { cloudflare, http, pageDir, runtime, server } = yield* World
      const events = yield* openEvents(server.port, { authorization: `Bearer ${server.token}` })
      expect(events.status).toBe(200)
      expect(events.headers["content-type"]).toBe("text/event-stream")
      const first = yield* events.waitFor(() => true)
      expect(first.event).toBe("status")
      expect(JSON.parse(first.data)).toMatchObject({ success: true, active_provider: "cloudflare", providers: expect.any(Array) })

      // The primary refuses its key once: OpenAI answers, and the stream tells.
      cloudflare.script({ fault: { _tag: "Error", kind: "auth" } })
      const answer = yield* http("ai:explain-query", "SELECT 1")
      expect(answer).toMatchObject({ success: true, provider: "openai", fallback: true })
      const fallback = yield* events.waitFor((e) => e.event === "ai-event", { from: 0 })
      expect(JSON.parse(fallback.data)).toMatchObject({ type: "FallbackTaken", from: "cloudflare", to: "openai", error_kind: "AuthenticationError", status: 401 })
      expect(JSON.parse(fallback.data)).toEqual((yield* http("ai:events:recent", 1)).events[0])
      // A fresh status right after the event, and once the request is answered, who served it.
      const after = events.events.indexOf(fallback)
      expect((yield* events.waitFor(() => true, { from: after + 1 })).event).toBe("status")
      const served = yield* events.waitFor((e) => e.event === "status" && JSON.parse(e.data).fallback_serving === "openai", { from: after })
      expect(JSON.parse(served.data)).toMatchObject({ active_provider: "cloudflare", last_served_by: "openai" })
      // An event no call caused (a health check's): it, then the status.
      const before = events.events.length
      yield* Effect.promise(() => runtime.runPromise(Effect.flatMap(AiEvents, (hub) => hub.publish({ _tag: "ProviderRecovered", provider: "openai", at: 1 }))))
      yield* events.waitFor((e) => e.event === "status", { from: before })
      expect(events.events.slice(before, before + 2).map((e) => [e.event, e.event === "ai-event" ? JSON.parse(e.data) : "…"]))
        .toEqual([["ai-event", { type: "ProviderRecovered", provider: "openai", at: 1 }], ["status", "…"]])
      // A call that changes nothing sends no status.
      const count = events.events.length
      yield* http("ai:settings:get")
      yield* Effect.sleep("100 millis")
      expect(events.events.slice(count)).toEqual([])

      const quick = yield* Server.make({ runtime, pageDir, keepAlive: "100 millis" })
      const pinged = yield* openEvents(quick.port, { authorization: `Bearer ${quick.token}` })
      expect((yield* pinged.waitFor((e) => e.event === "comment", { timeoutMs: 2_000 })).data).toBe("keep-alive")
    }))
})

describe("dbtk-ai ui (child process)", () => {
  it.scoped("--demo: the URL with its token first, the page, the demo's providers behind the token; SIGTERM ends it clean", () =>
    Effect.gen(function*() {
      const child = yield* spawnCli(["ui", "--demo", "--port", "0"])
      const match = /^http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]{43})$/.exec(child.firstLine)
      expect(match, child.firstLine).not.toBeNull()
      const [port, token] = [Number(match![1]), match![2]!]
      const page = yield* send(port, { path: "/" })
      expect([page.status, page.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"])
      const settings = yield* post(port, token, "/api/settings/get")
      expect(settings.status).toBe(200)
      expect(settings.json()).toMatchObject({
        success: true,
        settings: { activeProvider: "cloudflare", fallback: { order: ["cloudflare", "openai"] } },
        providers: [{ id: "cloudflare", enabled: true, secrets_set: ["apiToken"] }, { id: "openai", enabled: true, secrets_set: ["apiKey"] }]
      })
      expect((yield* post(port, undefined, "/api/settings/get")).status).toBe(401)
      const dataDir = /data folder (\S+) \(temporary\)/.exec(child.stderr())?.[1]
      expect(dataDir && Fs.existsSync(dataDir)).toBe(true)
      expect(yield* child.stop).toBe(0)
      expect(Fs.existsSync(dataDir!)).toBe(false)
    }), 60_000)
})
