/**
 * The preload bridge (`@db-toolkit/ai/preload`) on a fake `contextBridge` and `ipcRenderer` that
 * record every call and apply structured-clone semantics to arguments and answers, as Electron
 * does: one method per channel of the library and nothing else, arguments refused before they
 * cross (in the shape the main side answers), never a rejection, events delivered once each, and
 * an entry that loads no Effect.
 */
import { Layer, ManagedRuntime } from "effect"
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { promisify } from "node:util"
import ts from "typescript"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import * as Limits from "../../src/domain/Limits.js"
import * as Contract from "../../src/ipc/contract.js"
import * as Handlers from "../../src/ipc/handlers.js"
import type * as AiStack from "../../src/layers/AiStack.js"
import { type AiEventView, type DbtkAi, exposeAi, type IpcRendererLike, makeAi } from "../../src/preload/index.js"
import { makeIpcMain } from "../support/ipc.js"

const root = Path.resolve(import.meta.dirname, "../..")

interface Sent {
  readonly channel: string
  readonly args: ReadonlyArray<unknown>
}

type Handler = (channel: string, args: ReadonlyArray<unknown>) => unknown

/**
 * Electron's `contextBridge` and `ipcRenderer`, faked: `invoke` clones its arguments and the
 * answer with `structuredClone` (what cannot be cloned rejects, as in Electron), records what it
 * sent, and rejects for a channel `answer` does not serve.
 */
const fakeElectron = (answer: Handler = (channel, args) => ({ success: true, echo: { channel, args } })) => {
  const sent: Array<Sent> = []
  const exposed = new Map<string, unknown>()
  const contextBridge = {
    exposeInMainWorld(key: string, api: unknown) {
      if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`)
      exposed.set(key, api)
    }
  }
  const ipcRenderer: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      const cloned = structuredClone(args)
      sent.push({ channel, args: cloned })
      return structuredClone(await answer(channel, cloned))
    }
  }
  return { contextBridge, ipcRenderer, sent, exposed }
}

const chatSchema = { tables: { customers: { columns: [{ name: "id", type: "integer" }, { name: "email", type: "text" }], sample_data: [] } } }
const orderColumns = [{ name: "id", type: "integer" }, { name: "customer_id", type: "integer" }]

// Every method, the channel it must call, and arguments in the styles DB Toolkit uses.
const methods: ReadonlyArray<readonly [path: string, channel: string, args: ReadonlyArray<unknown>]> = [
  ["generateQuery", "ai:generate-query", [{ natural_language: "list customers", connection_id: "conn-pg", schema_context: chatSchema }]],
  ["generateSql", "ai:generate-sql", ["list customers", chatSchema, "postgresql"]],
  ["explainQuery", "ai:explain-query", [{ query: "SELECT 1", connection_id: 7, schema_context: {} }]],
  // A driver's plan may hold Dates and BigInts: Electron's clone carries them, so does the bridge.
  ["optimizeQuery", "ai:optimize-query", [{ query: "SELECT 1", execution_plan: { at: new Date(0), rows: 10n }, connection_id: "c" }]],
  ["fixQuery", "ai:fix-query", ["SELEC 1", "syntax error", "mysql", undefined]],
  ["suggestCompletion", "ai:suggest-completion", ["SEL", 3, {}, "postgresql"]],
  ["analyzeTable", "ai:analyze-table", [{ connectionId: "c", tableName: "orders", columns: orderColumns, db_type: "sqlite" }]],
  ["analyzeSchema", "ai:analyze-schema", ["conn-pg", "public", { orders: [{ name: "id", type: "int", primary_key: true }] }]],
  ["suggestIndexes", "ai:suggest-indexes", ["orders", orderColumns, ["customer_id"], "postgresql"]],
  ["analyzeRelationships", "ai:analyze-relationships", [{ orders: orderColumns }, "postgresql"]],
  ["generateCommonQueries", "ai:generate-common-queries", [{ table_name: "orders", columns: orderColumns, db_type: "mysql" }]],
  ["settings.get", "ai:settings:get", []],
  ["settings.update", "ai:settings:update", [{ activeProvider: null, requestTimeoutMs: 30_000 }]],
  ["providers.save", "ai:providers:save", ["openai", { apiKey: "sk-test", model: "gpt-4o" }, { validate: true }]],
  ["providers.test", "ai:providers:test", ["ollama"]],
  ["providers.models", "ai:providers:models", ["openai"]],
  ["providers.status", "ai:providers:status", []],
  ["providers.remove", "ai:providers:remove", [{ provider: "gemini" }]],
  ["metrics.summary", "ai:metrics:summary", [{ provider: "openai", period: "month" }]],
  ["metrics.timeline", "ai:metrics:timeline", [{ from: 0, to: 86_400_000, bucket: "hour", provider: "openai" }]],
  ["metrics.export", "ai:metrics:export", [{ format: "csv", to: 86_400_000 }]],
  ["cost.estimate", "ai:cost:estimate", [{ operation: "generate", natural_language: "list customers" }]],
  ["events.recent", "ai:events:recent", [5]],
  ["cache.stats", "ai:cache:stats", []],
  ["cache.clear", "ai:cache:clear", [{ provider: "openai" }]]
]

const methodAt = (ai: DbtkAi, path: string): (...args: ReadonlyArray<unknown>) => Promise<unknown> =>
  path.split(".").reduce<any>((o, key) => o[key], ai)

describe("one method per channel", () => {
  it("covers every channel of the library once, and each method calls exactly its channel with its arguments, cloned", async () => {
    expect(methods.map(([, channel]) => channel).sort()).toEqual([...Handlers.channels].sort())
    const { ipcRenderer, sent } = fakeElectron()
    const ai = makeAi(ipcRenderer)
    for (const [path, channel, args] of methods) {
      const before = sent.length
      const answer = await methodAt(ai, path)(...args)
      expect(sent.slice(before), path).toEqual([{ channel, args: structuredClone(args) }])
      expect(answer, path).toEqual({ success: true, echo: { channel, args: structuredClone(args) } })
    }
  })

  it("a channel name given as an argument is only an argument", async () => {
    const { ipcRenderer, sent } = fakeElectron()
    const ai = makeAi(ipcRenderer)
    await ai.generateSql("ai:settings:update", { activeProvider: "openai" })
    await ai.events.recent()
    expect(sent).toEqual([
      { channel: "ai:generate-sql", args: ["ai:settings:update", { activeProvider: "openai" }] },
      { channel: "ai:events:recent", args: [] }
    ])
  })

  it("answers what the main side answers, through Electron's clone (the real handlers, rule-based channels)", async () => {
    const ipcMain = makeIpcMain()
    // The rule-based channels need no AI stack: a runtime that cannot start is enough.
    const runtime = ManagedRuntime.make(Layer.fail("no stack in this test") as Layer.Layer<AiStack.Services, string>)
    const registration = Handlers.registerAiHandlers(ipcMain, runtime)
    try {
      const { ipcRenderer, sent } = fakeElectron((channel, args) => ipcMain.invoke(channel, ...args))
      const ai = makeAi(ipcRenderer)
      const relationships = await ai.analyzeRelationships({ orders: orderColumns, customers: [{ name: "id", type: "integer" }] })
      expect(relationships).toMatchObject({ success: true, total_suggestions: 1 })
      if (relationships.success) expect(relationships.relationships[0]).toMatchObject({ from_table: "orders", to_table: "customers" })
      const queries = await ai.generateCommonQueries("orders", orderColumns, "postgresql")
      expect(queries.success && queries.queries.length).toBeGreaterThan(0)
      const status = await ai.providers.status()
      expect(status).toMatchObject({ success: false, error_kind: "Unavailable" })
      expect(sent.map((s) => s.channel)).toEqual(["ai:analyze-relationships", "ai:generate-common-queries", "ai:providers:status"])
    } finally {
      registration.dispose()
      await runtime.dispose().catch(() => undefined)
    }
  })
})

describe("only the library's channels", () => {
  it("exposes window.dbtkAi frozen, with no generic invoke and no way to reach ipcRenderer", () => {
    const { contextBridge, exposed, ipcRenderer } = fakeElectron()
    const ai = exposeAi(contextBridge, ipcRenderer)
    expect([...exposed.keys()]).toEqual(["dbtkAi"])
    expect(exposed.get("dbtkAi")).toBe(ai)
    expect(Object.keys(ai).sort()).toEqual([
      "analyzeRelationships",
      "analyzeSchema",
      "analyzeTable",
      "cache",
      "cost",
      "events",
      "explainQuery",
      "fixQuery",
      "generateCommonQueries",
      "generateQuery",
      "generateSql",
      "metrics",
      "onEvents",
      "optimizeQuery",
      "providers",
      "settings",
      "suggestCompletion",
      "suggestIndexes"
    ])
    // Every function in the object is a channel method or onEvents; nothing holds ipcRenderer.
    const leaves: Array<string> = []
    const walk = (o: object, prefix: string) => {
      expect(Object.isFrozen(o), prefix || "dbtkAi").toBe(true)
      for (const [key, value] of Object.entries(o)) {
        if (typeof value === "function") leaves.push(`${prefix}${key}`)
        else {
          expect(typeof value).toBe("object")
          walk(value as object, `${prefix}${key}.`)
        }
      }
    }
    walk(ai, "")
    expect(leaves.sort()).toEqual([...methods.map(([path]) => path), "onEvents"].sort())
    expect(JSON.stringify(ai)).not.toContain("invoke")
    for (const name of ["invoke", "send", "sendSync", "on", "ipcRenderer"]) expect(name in ai, name).toBe(false)

    // Frozen: nothing can be added, replaced or redefined (ESM code is strict: assignments throw).
    const loose = ai as unknown as Record<string, unknown>
    expect(() => {
      loose["invoke"] = () => undefined
    }).toThrow(TypeError)
    expect(() => {
      loose["fixQuery"] = () => undefined
    }).toThrow(TypeError)
    expect(() => {
      ;(ai.settings as unknown as Record<string, unknown>)["get"] = () => undefined
    }).toThrow(TypeError)
    expect(() => Object.defineProperty(ai.providers, "save", { value: () => undefined })).toThrow(TypeError)
    expect(loose["invoke"]).toBeUndefined()
  })

  it("takes another key, and refuses an empty one", () => {
    const { contextBridge, exposed, ipcRenderer } = fakeElectron()
    exposeAi(contextBridge, ipcRenderer, { key: "ai" })
    expect([...exposed.keys()]).toEqual(["ai"])
    expect(() => exposeAi(contextBridge, ipcRenderer, { key: "" })).toThrow(TypeError)
  })
})

class Point {
  constructor(readonly x: number, readonly y: number) {}
}

const deep = (levels: number): unknown => {
  let value: unknown = "leaf"
  for (let i = 0; i < levels; i++) value = { next: value }
  return value
}

// [what, channel, arguments, field, message]
const bad: ReadonlyArray<readonly [string, string, () => ReadonlyArray<unknown>, string, string]> = [
  ["a function", "ai:generate-query", () => [{ natural_language: "x", schema_context: () => "pwned" }], "schema_context", "Invalid schema_context: must be plain data, not a function"],
  ["a symbol", "ai:explain-query", () => [Symbol("query")], "argument 1", "Invalid argument 1: must be plain data, not a symbol"],
  [
    "a string past the 20,000,000-character ceiling",
    "ai:fix-query",
    () => ["SELECT 1", "e".repeat(20_000_001)],
    "argument 2",
    "Invalid argument 2: is 20,000,001 characters; the limit is 20,000,000"
  ],
  [
    "nesting deeper than 64 levels",
    "ai:analyze-relationships",
    () => [deep(70)],
    Array(63).fill("next").join("."),
    `Invalid ${Array(63).fill("next").join(".")}: is nested too deeply (more than 64 levels)`
  ],
  ["a class instance", "ai:optimize-query", () => [{ query: "SELECT 1", execution_plan: new Point(1, 2) }], "execution_plan", "Invalid execution_plan: must be plain data, not Point"],
  ["a Map", "ai:settings:update", () => [new Map([["activeProvider", "openai"]])], "argument 1", "Invalid argument 1: must be plain data, not Map"],
  [
    "a getter that throws",
    "ai:generate-query",
    () => [{
      get natural_language(): string {
        throw new Error("payload getter exploded")
      }
    }],
    "argument 1",
    "Invalid argument 1: could not be read"
  ],
  ["NaN", "ai:events:recent", () => [Number.NaN], "argument 1", "Invalid argument 1: must be a finite number"],
  ["an infinite time", "ai:metrics:timeline", () => [{ from: 0, to: Number.POSITIVE_INFINITY }], "to", "Invalid to: must be a finite number"],
  ["a function as the format", "ai:metrics:export", () => [{ format: () => "csv" }], "format", "Invalid format: must be plain data, not a function"],
  ["a lone surrogate", "ai:providers:save", () => ["openai", { apiKey: "sk-\uD800" }], "apiKey", "Invalid apiKey: contains an invalid character (a lone UTF-16 surrogate)"]
]

describe("arguments are checked before they cross", () => {
  it.each(bad)("%s is refused in the main side's shape, and nothing is sent", async (_what, channel, args, field, message) => {
    const { ipcRenderer, sent } = fakeElectron()
    const ai = makeAi(ipcRenderer)
    const path = methods.find(([, c]) => c === channel)![0]
    const answer = await methodAt(ai, path)(...args())
    expect(answer).toEqual(Contract.failure(channel, message, { error_kind: "InvalidIpcInput", field }))
    expect(answer).toMatchObject({ success: false, error: message, error_kind: "InvalidIpcInput", field })
    expect(sent).toEqual([])
  })

  it("carries the channel's empty fields, as DB Toolkit's screens read them", async () => {
    const { ipcRenderer } = fakeElectron()
    const ai = makeAi(ipcRenderer)
    const f = () => undefined
    expect(await ai.generateQuery({ natural_language: "x", schema_context: f })).toMatchObject({ sql: "", explanation: "" })
    expect(await ai.fixQuery({ query: "x", error_message: "y", schema_context: f })).toMatchObject({ explanation: "", fixed_query: "" })
    expect(await ai.optimizeQuery({ query: "x", execution_plan: f })).toMatchObject({ suggestions: [] })
    expect(await ai.analyzeSchema("c", "public", f)).toMatchObject({ summary: "", design_patterns: [], relationships: [], optimization_suggestions: [] })
  })

  it("refuses exactly what the real main-side handler refuses, with the same answer", async () => {
    const ipcMain = makeIpcMain()
    const runtime = ManagedRuntime.make(Layer.fail("no stack in this test") as Layer.Layer<AiStack.Services, string>)
    const registration = Handlers.registerAiHandlers(ipcMain, runtime)
    try {
      const { ipcRenderer, sent } = fakeElectron()
      const ai = makeAi(ipcRenderer)
      // The rule-based channels answer without the stack, so their refusals can be compared.
      for (const [, , args] of bad) {
        for (const channel of ["ai:analyze-relationships", "ai:suggest-indexes"] as const) {
          const path = methods.find(([, c]) => c === channel)![0]
          const fromPreload = await methodAt(ai, path)(...args())
          const fromMain = await ipcMain.invoke(channel, ...args())
          expect(fromPreload).toEqual(fromMain)
        }
      }
      expect(sent).toEqual([])
    } finally {
      registration.dispose()
      await runtime.dispose().catch(() => undefined)
    }
  })

  it("the contract's limits are the main side's", () => {
    expect(Contract.messageChars).toBe(Limits.reply.messageChars)
  })
})

describe("never rejects", () => {
  it("a channel with no handler, an invoke that throws, an answer that cannot be cloned or is no response: an Unavailable answer", async () => {
    const missing = makeAi(fakeElectron(() => Promise.reject(new Error("Error invoking remote method 'ai:fix-query': Error: No handler registered for 'ai:fix-query'"))).ipcRenderer)
    expect(await missing.fixQuery("SELEC 1", "syntax error")).toEqual({
      success: false,
      error: "The AI service is not available: Error invoking remote method 'ai:fix-query': Error: No handler registered for 'ai:fix-query'",
      error_kind: "Unavailable",
      explanation: "",
      fixed_query: ""
    })
    const throwing = makeAi({
      invoke: () => {
        throw new Error("ipcRenderer is gone")
      }
    })
    expect(await throwing.settings.get()).toEqual({ success: false, error: "The AI service is not available: ipcRenderer is gone", error_kind: "Unavailable" })
    // An answer holding a function cannot cross: Electron's invoke rejects (DataCloneError).
    const uncloneable = makeAi(fakeElectron(() => ({ success: true, f: () => 1 })).ipcRenderer)
    expect(await uncloneable.providers.status()).toMatchObject({ success: false, error_kind: "Unavailable" })
    const odd = makeAi(fakeElectron(() => "ok").ipcRenderer)
    expect(await odd.generateSql("list customers")).toMatchObject({ success: false, error_kind: "Unavailable", sql: "", explanation: "" })
  })
})

describe("onEvents", () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  // The main side's `ai:events:recent`: the last `size` events, oldest first.
  const eventSource = (size: number) => {
    const buffer: Array<AiEventView> = []
    let failing = false
    const electron = fakeElectron((channel) => {
      if (channel !== "ai:events:recent") throw new Error(`unexpected channel ${channel}`)
      return failing ? Contract.unavailable(channel, "starting") : { success: true, events: buffer.slice(-size) }
    })
    return {
      ...electron,
      push: (...events: ReadonlyArray<AiEventView>) => buffer.push(...events),
      fail: (on: boolean) => {
        failing = on
      }
    }
  }
  const down = (at: number): AiEventView => ({ type: "ProviderDown", at, provider: "openai", error: "connection refused" })
  const fallback = (at: number): AiEventView => ({ type: "FallbackTaken", at, from: "cloudflare", to: "openai", error: "Too many requests (provider: Cloudflare Workers AI, status 429)", error_kind: "RateLimited", status: 429 })

  it("delivers each event after the subscription once, in order, through window drops and repeats, and stops when unsubscribed", async () => {
    const source = eventSource(3)
    const ai = makeAi(source.ipcRenderer)
    source.push(down(1))
    const got: Array<AiEventView> = []
    const stop = ai.onEvents((e) => got.push(e), { intervalMs: 1_000 })
    await vi.advanceTimersByTimeAsync(0)
    // The first answer is the baseline: the event from before the subscription is not delivered.
    expect(got).toEqual([])
    expect(source.sent).toHaveLength(1)

    source.push(fallback(2), down(3))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(got).toEqual([fallback(2), down(3)])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(got).toHaveLength(2)

    // The main side keeps 3: the oldest drop out as new ones arrive.
    source.push({ type: "ProviderRecovered", at: 4, provider: "openai" }, fallback(5))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(got.slice(2)).toEqual([{ type: "ProviderRecovered", at: 4, provider: "openai" }, fallback(5)])
    // An event equal to the last one is a new event, delivered once.
    source.push(fallback(5))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(got.slice(4)).toEqual([fallback(5)])
    await vi.advanceTimersByTimeAsync(3_000)
    expect(got).toHaveLength(5)

    // A poll that fails is skipped; the next one catches up.
    source.fail(true)
    source.push(down(6))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(got).toHaveLength(5)
    source.fail(false)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(got.slice(5)).toEqual([down(6)])

    const polls = source.sent.length
    expect(source.sent.every((s) => s.channel === "ai:events:recent" && s.args.length === 0)).toBe(true)
    stop()
    stop()
    source.push(down(7))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(got).toHaveLength(6)
    expect(source.sent).toHaveLength(polls)
  })

  it("a callback that throws does not stop the subscription; a stop while a poll is in flight delivers nothing more", async () => {
    const source = eventSource(100)
    const ai = makeAi(source.ipcRenderer)
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined)
    try {
      const got: Array<number> = []
      const stop = ai.onEvents((e) => {
        got.push(e.at)
        if (e.at === 1) throw new Error("renderer bug")
      }, { intervalMs: 1_000 })
      await vi.advanceTimersByTimeAsync(0)
      source.push(down(1), down(2))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(got).toEqual([1, 2])
      expect(errors).toHaveBeenCalledTimes(1)
      source.push(down(3))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(got).toEqual([1, 2, 3])

      source.push(down(4))
      vi.advanceTimersByTime(1_000) // the poll starts; its answer is not read yet
      stop()
      await vi.advanceTimersByTimeAsync(5_000)
      expect(got).toEqual([1, 2, 3])
    } finally {
      errors.mockRestore()
    }
  })

  it("bounds the interval and refuses a callback that is not a function", async () => {
    const source = eventSource(10)
    const ai = makeAi(source.ipcRenderer)
    const stop = ai.onEvents(() => undefined, { intervalMs: 0 })
    await vi.advanceTimersByTimeAsync(1_000)
    // At most one poll per 100 ms, whatever was asked.
    expect(source.sent.length).toBeLessThanOrEqual(11)
    stop()
    expect(() => ai.onEvents("not a function" as unknown as () => void)).toThrow(TypeError)
  })
})

describe("the entry", () => {
  it("loads none of Effect, in a fresh process: only the bridge, the IPC contract and the plain-data check", async () => {
    // Every module URL the entry resolves, reported by a resolve hook (tsx compiles the sources).
    const script = `
import { register } from "node:module"
import { MessageChannel } from "node:worker_threads"
const { port1, port2 } = new MessageChannel()
const urls = []
const sentinel = "data:text/javascript,export default 'sentinel'"
const seen = new Promise((done) => port1.on("message", (url) => { if (url === sentinel) done(); else urls.push(url) }))
const hook = "let port\\nexport const initialize = (data) => { port = data.port }\\nexport const resolve = async (specifier, context, next) => { const r = await next(specifier, context); port.postMessage(r.url); return r }"
register("data:text/javascript," + encodeURIComponent(hook), import.meta.url, { data: { port: port2 }, transferList: [port2] })
const entry = await import(process.argv[1])
await import(sentinel)
await seen
port1.close()
console.log(JSON.stringify({ exports: Object.keys(entry).sort(), urls }))
`
    const loads = async (entry: string) => {
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, Path.join(root, entry)], { cwd: root })
      return JSON.parse(stdout) as { readonly exports: ReadonlyArray<string>; readonly urls: ReadonlyArray<string> }
    }
    const preload = await loads("src/preload/index.ts")
    expect(preload.exports).toEqual(["exposeAi", "makeAi"])
    expect(preload.urls.map((u) => Path.relative(root, new URL(u).pathname))).toEqual([
      "src/preload/index.ts",
      "src/ipc/contract.ts",
      "src/internal/PlainData.ts"
    ])
    // The check can see Effect load: the IPC entry loads it.
    expect((await loads("src/ipc/index.ts")).urls.some((u) => u.includes("/node_modules/effect/"))).toBe(true)
  }, 60_000)

  it("types window.dbtkAi for a renderer (DOM, no Node), with the answers' fields and no generic invoke", () => {
    const dir = Path.join(root, ".tmp", "preload-renderer")
    Fs.rmSync(dir, { recursive: true, force: true })
    Fs.mkdirSync(dir, { recursive: true })
    const file = Path.join(dir, "renderer.ts")
    Fs.writeFileSync(
      file,
      `import type {} from "@db-toolkit/ai/preload"

export const generate = async (question: string): Promise<string> => {
  const reply = await window.dbtkAi.generateQuery({ natural_language: question, connection_id: "conn-pg", schema_context: {} })
  // The chat panel reads sql on both branches: a failure carries it empty.
  const sql: string = reply.sql
  if (!reply.success) return reply.error + (reply.field ?? "")
  return sql + reply.explanation + reply.provider_name + String(reply.cost.usd ?? "")
}

export const fix = async () => {
  const r = await window.dbtkAi.fixQuery({ query: "SELEC 1", error_message: "syntax error" })
  return r.success ? [r.fixed_query, r.error_type] : [r.error, r.error_kind]
}

export const status = async () => {
  const s = await window.dbtkAi.providers.status()
  return s.success ? s.providers.map((p) => p.health?.state ?? p.displayName) : []
}

// The usage panel: a chart's series and a file to save, on both branches.
export const usage = async () => {
  const t = await window.dbtkAi.metrics.timeline({ bucket: "day" })
  const series = t.success ? t.timeline.points.map((p) => [p.at, p.provider, p.requests, p.successes, p.failures, p.latencyP50Ms ?? 0, p.latencyP95Ms ?? 0, p.inputTokens + p.outputTokens, p.costUsd, p.unknownCostCount]) : t.field
  const file = await window.dbtkAi.metrics.export({ format: "csv" })
  return [series, file.success ? [file.filename, file.content, file.format] : file.error_kind]
}

export const watch = () => window.dbtkAi.onEvents((e) => (e.type === "FallbackTaken" ? e.from + e.to : e.type), { intervalMs: 5_000 })

// Every method in the styles the main side reads.
export const every = (ai: typeof window.dbtkAi) => [
  ai.generateSql("list customers", { customers: { columns: [] } }, "mysql"),
  ai.generateSql({ natural_language: "list customers", db_type: "sqlite" }),
  ai.explainQuery("SELECT 1", "postgresql"),
  ai.optimizeQuery({ query: "SELECT 1", execution_plan: [{ Plan: { "Node Type": "Seq Scan" } }], connection_id: 3 }),
  ai.optimizeQuery("SELECT 1", "Seq Scan on t", "postgresql"),
  ai.fixQuery("SELEC 1", "syntax error", "mysql"),
  ai.suggestCompletion("SEL", 3),
  ai.analyzeTable({ connectionId: "c", tableName: "orders", columns: [{ name: "id", type: "int" }] }),
  ai.analyzeTable({ connection_id: "c", table_name: "orders" }),
  ai.analyzeTable("orders", [], "sqlite"),
  ai.analyzeSchema("conn-pg", "public", { orders: [{ name: "id", type: "int", primary_key: true }] }),
  ai.analyzeSchema({ connection_id: "conn-pg", schema_name: "public", tables: {} }),
  ai.suggestIndexes("orders", [], ["customer_id"], "postgresql"),
  ai.suggestIndexes({ table_name: "orders", columns: [], query_patterns: ["customer_id"] }),
  ai.analyzeRelationships({ orders: [] }, "postgresql"),
  ai.generateCommonQueries("orders", [], "mysql"),
  ai.generateCommonQueries({ tableName: "orders", columns: [] }),
  ai.settings.get(),
  ai.settings.update({ activeProvider: null, health: { enabled: false }, fallback: { order: ["cloudflare", "openai"] } }),
  ai.providers.save("openai", { apiKey: "sk-test" }, { validate: true, resilience: { retry: { maxRetries: 1 } } }),
  ai.providers.save({ provider: "openai", config: { model: "gpt-4o" }, enabled: false }),
  ai.providers.test("ollama"),
  ai.providers.models("openai"),
  ai.providers.status(),
  ai.providers.remove("gemini"),
  ai.metrics.summary({ provider: "openai", period: "month" }),
  ai.metrics.summary(),
  ai.metrics.timeline(),
  ai.metrics.timeline({ from: 0, to: 86_400_000, bucket: "hour", provider: "gemini" }),
  ai.metrics.export({ format: "json", from: 0 }),
  ai.cost.estimate({ operation: "fix", query: "SELEC 1", error_message: "syntax error" }),
  ai.events.recent(10)
]

// @ts-expect-error there is no generic invoke
window.dbtkAi.invoke("ai:settings:update", {})
// @ts-expect-error the bridge is read-only
window.dbtkAi = window.dbtkAi
// @ts-expect-error a provider id is checked
void window.dbtkAi.providers.models("openia")
// @ts-expect-error an export names a format the library writes
void window.dbtkAi.metrics.export({ format: "xml" })
// @ts-expect-error a timeline's buckets are hours or days
void window.dbtkAi.metrics.timeline({ bucket: "week" })
// @ts-expect-error a table request names its table
void window.dbtkAi.analyzeTable({ connection_id: "c" })
`
    )
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      types: [],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      skipLibCheck: true,
      baseUrl: root,
      paths: { "@db-toolkit/ai/preload": ["src/preload/index.ts"] }
    })
    const problems = ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && Path.resolve(d.file.fileName) === file)
      .map((d) => `${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`)
    expect(problems).toEqual([])
  }, 60_000)
})
