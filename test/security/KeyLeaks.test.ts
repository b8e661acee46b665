/**
 * No key reaches a log, a span, an error, an IPC answer, the health status, an event or the
 * database file, even when the provider echoes it back adversarially.
 *
 * For each of the six providers, the whole stack (`AiStack.layer` on a temporary SQLite file, the
 * IPC handlers on a fake `ipcMain`, health checks on) talks to a hostile loopback provider
 * (`test/support/hostile.ts`) that echoes the key it received in every form (as is, JSON-escaped,
 * `\u`-escaped, percent-encoded, `+` for spaces, mixed per character, and as a raw JSON value for
 * keys that are JSON) in its error bodies, in every request-id and retry header, with HTTP 400,
 * 401, 403, 404, 429, 500 and as in-band errors after HTTP 200 (whole answers and SSE/NDJSON
 * stream events). The keys themselves hold characters JSON escapes (`"`, `\`, `é`), spaces, `+`,
 * `/` and `%`, and two of them are JSON documents.
 *
 * Every request goes through the real stack: `AiService.generateSql` and `stream`,
 * `ProviderRegistry.test`, `listModels`, the stack's background health check and `Health`
 * directly, and the IPC channels. Everything that comes out is captured: every log line (lowest
 * level, messages, annotations and causes), every span (attributes, events, status), every error
 * (message, each field, `JSON.stringify` of it and of its Cause, `Cause.pretty`, `util.inspect`),
 * every IPC answer, the health statuses and guard states, the events, and the raw bytes of the
 * database file and its WAL (before and after closing). None holds the key in any form, at any
 * depth of JSON escaping, in any letter case; nor, for a key that is JSON, the strings inside it.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Scope, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Util from "node:util"
import type { ProviderId } from "../../src/domain/ProviderId.js"
import { HealthPolicy } from "../../src/domain/Resilience.js"
import * as SqlTask from "../../src/domain/SqlTask.js"
import * as Handlers from "../../src/ipc/handlers.js"
import * as AiStack from "../../src/layers/AiStack.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import * as Health from "../../src/resilience/Health.js"
import { type AiEvent, AiEvents } from "../../src/services/AiEvents.js"
import { AiService } from "../../src/services/AiService.js"
import { ProviderRegistry } from "../../src/services/ProviderRegistry.js"
import * as Hostile from "../support/hostile.js"
import { makeIpcMain, type Response } from "../support/ipc.js"
import { tempDir } from "../support/tmp.js"
import { dump, inMemoryTracing } from "../support/tracing.js"

const ACCOUNT = "0123456789abcdef0123456789abcdef"

interface Case {
  readonly id: ProviderId
  /** A key with characters JSON escapes (`"`, `\`, `é`), a space, `+`, `/`, letters of both cases. */
  readonly key: string
  readonly config: (origin: string, key: string) => Record<string, unknown>
}

const cases: ReadonlyArray<Case> = [
  { id: "openai", key: `Oa"K\\é 7+Q/zX%2-LEAK1`, config: (o, key) => ({ apiKey: key, baseUrl: `${o}/v1` }) },
  { id: "anthropic", key: `An"T\\é 3+R/yW-LEAK2`, config: (o, key) => ({ apiKey: key, baseUrl: `${o}/v1` }) },
  { id: "gemini", key: `Gm"N\\é 5+S/xV-LEAK3`, config: (o, key) => ({ apiKey: key, baseUrl: `${o}/v1beta` }) },
  // A key that is a JSON string (quotes included): echoed raw, it parses to the text inside.
  { id: "ollama", key: `"Ol\\\\é 9+P/wU-LEAK4"`, config: (o, key) => ({ apiKey: key, baseUrl: o }) },
  {
    id: "azure-openai",
    key: `Az"U\\é 2+T/vS-LEAK5`,
    config: (o, key) => ({ apiKey: key, endpoint: o, deployment: "gpt-4o", apiVersion: "2024-10-21" })
  },
  // A key that is a JSON document, not in JSON.stringify's own spelling.
  {
    id: "cloudflare",
    key: `[ "Cf\\\\é 4+Z/LEAK6", 42 ]`,
    config: (o, key) => ({ apiToken: key, accountId: ACCOUNT, baseUrl: `${o}/client/v4` })
  }
]

const MODES: ReadonlyArray<Hostile.Mode> = [400, 401, 403, 404, 429, 500, 200].flatMap((status) =>
  (["message", "fields", "text"] as const).map((body) => ({ status, body }))
)

// Every retry would be another request per call; a circuit that opens on the first failure and
// lets the next call probe 1 ms later keeps its last error in the guard state a status shows.
const resilience = { retry: { maxRetries: 0 }, circuit: { consecutiveFailures: 1, cooldownMs: 1 } }

/** What to search: the key, and for a key that is JSON, every string inside it (8 characters or more). */
const secretsOf = (key: string): ReadonlyArray<string> => {
  const inner: Array<string> = []
  const walk = (u: unknown): void => {
    if (typeof u === "string" && u.length >= 8) inner.push(u)
    else if (Array.isArray(u)) u.forEach(walk)
    else if (typeof u === "object" && u !== null) Object.values(u).forEach(walk)
  }
  try {
    walk(JSON.parse(key))
  } catch {
    // Not JSON: the key alone.
  }
  return [key, ...inner]
}

const safeJson = (u: unknown): string => {
  try {
    return JSON.stringify(u, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)) ?? String(u)
  } catch {
    return Util.inspect(u, { depth: 12 })
  }
}

interface Seen {
  readonly where: string
  readonly text: string
}

/** Everything that came out of the stack, as text, with where it came from. */
const makeCapture = () => {
  const seen: Array<Seen> = []
  const tags = new Set<string>()
  let logs = 0
  const note = (where: string, text: unknown) => void seen.push({ where, text: typeof text === "string" ? text : safeJson(text) })
  const noteError = (where: string, e: unknown) => {
    if (typeof e === "object" && e !== null && "_tag" in e) tags.add(String(e._tag))
    note(where, safeJson(e))
    note(where, String(e))
    note(where, Util.inspect(e, { depth: 12 }))
    if (e instanceof Error) {
      note(`${where}.message`, e.message)
      note(`${where}.stack`, e.stack ?? "")
    }
    if (typeof e === "object" && e !== null) {
      for (const [k, v] of Object.entries(e)) note(`${where}.${k}`, typeof v === "string" ? v : safeJson(v))
    }
  }
  const noteCause = (where: string, cause: Cause.Cause<unknown>) => {
    note(where, safeJson(cause))
    note(where, Cause.pretty(cause, { renderErrorCause: true }))
    for (const f of Cause.failures(cause)) noteError(where, f)
    for (const d of Cause.defects(cause)) noteError(where, d)
  }
  const logger = Logger.make(({ annotations, cause, logLevel, message, spans }) => {
    logs++
    const where = `log ${logLevel.label}`
    note(where, Util.inspect(message, { depth: 12 }))
    note(where, safeJson(message))
    note(`${where} annotations`, safeJson([...annotations]))
    note(`${where} spans`, safeJson([...spans]))
    if (!Cause.isEmpty(cause)) noteCause(`${where} cause`, cause)
  })
  return { seen, tags, note, noteError, noteCause, logger, logs: () => logs }
}

const dbFiles = (dir: string): Array<{ readonly name: string; readonly bytes: Uint8Array }> =>
  Fs.readdirSync(dir).filter((f) => f.startsWith("ai.db")).map((name) => ({ name, bytes: Fs.readFileSync(Path.join(dir, name)) }))

describe("no key leaks to a hostile provider's echoes", () => {
  for (const c of cases) {
    it.scopedLive(`${c.id}: not in logs, spans, errors, IPC answers, health, events or the database`, () =>
      Effect.gen(function*() {
        const scope = yield* Effect.scope
        const server = yield* Hostile.scoped(c.id)
        const dir = yield* tempDir
        const capture = makeCapture()
        const { note, noteCause, noteError } = capture
        const tracing = inMemoryTracing()

        const layer = AiStack.layer({ databasePath: Path.join(dir, "ai.db"), keyStore: KeyStores.fromKey(Crypto.generateKey()) }).pipe(
          Layer.provide(NodeHttpClient.layerUndici),
          Layer.provideMerge(Layer.mergeAll(tracing.layer, Logger.replace(Logger.defaultLogger, capture.logger), Logger.minimumLogLevel(LogLevel.All)))
        )
        const runtime = ManagedRuntime.make(layer)
        let disposed = false
        const dispose = Effect.suspend(() => (disposed ? Effect.void : (disposed = true, Effect.promise(() => runtime.dispose()))))
        yield* Effect.addFinalizer(() => dispose)
        const run = <A, E>(effect: Effect.Effect<A, E, AiStack.Services>) => Effect.promise(() => runtime.runPromiseExit(effect))
        const must = <A, E>(effect: Effect.Effect<A, E, AiStack.Services>) => Effect.promise(() => runtime.runPromise(effect))

        const ipc = makeIpcMain()
        const registration = Handlers.registerAiHandlers(ipc, runtime)
        const invoke = (channel: string, ...args: Array<unknown>) => Effect.promise(() => ipc.invoke(channel, ...args))

        const { ai, events, registry } = yield* must(Effect.all({ ai: AiService, registry: ProviderRegistry, events: AiEvents }))
        const seenEvents: Array<AiEvent> = []
        const subscription = yield* must(Scope.extend(events.subscribe, scope))
        yield* Effect.forkScoped(Stream.runForEach(subscription, (e) => Effect.sync(() => void seenEvents.push(e))))

        // Configured through the settings panel's channels, as the app does.
        expect((yield* invoke("ai:providers:save", c.id, c.config(server.origin, c.key), { resilience })).success).toBe(true)
        const updated = yield* invoke("ai:settings:update", {
          activeProvider: c.id,
          fallback: { enabled: false },
          health: { enabled: true, intervalMs: 60_000 }
        })
        expect(updated.success).toBe(true)

        // Health directly, on the provider's own check: down after the first failure, disabled after the second.
        const monitor = yield* must(Scope.extend(
          Health.make(
            [{ provider: c.id, check: Effect.orDie(Effect.flatMap(registry.get(c.id), (p) => p.testConnection)) }],
            HealthPolicy.make({ enabled: false, disableAfter: 2 }),
            events.publish
          ),
          scope
        ))

        // Whether the call succeeded (a connection test: whether it passed).
        const record = (where: string, exit: Exit.Exit<unknown, unknown>): boolean => {
          if (Exit.isFailure(exit)) {
            noteCause(where, exit.cause)
            return false
          }
          note(where, exit.value)
          const test = exit.value as { readonly ok?: boolean; readonly error?: unknown }
          if (test.error !== undefined) noteError(`${where}.error`, test.error)
          return test.ok !== false
        }

        // The stack's own health check runs when the chain is first built (for the first request),
        // then every minute: wait for that first check, under a 401 that echoes the key.
        server.setMode({ status: 401, body: "message" })
        record("AiService.generateSql (first)", yield* run(ai.generateSql({ prompt: "list every order", dialect: "postgresql" })))
        let status = yield* must(ai.status)
        for (let i = 0; i < 250 && status.providers.find((p) => p.id === c.id)?.health?.lastCheckedAt === undefined; i++) {
          yield* Effect.sleep("20 millis")
          status = yield* must(ai.status)
        }
        const view = status.providers.find((p) => p.id === c.id)

        // Chat calls that got an answer: none may (every reply is an error). Connection checks may
        // pass (a 404 on Anthropic's or Gemini's model check means the key works; Azure's one-token
        // check passes on a refusal), and a 200 body without a model list is an empty list.
        const answered: Array<string> = []
        for (const mode of MODES) {
          server.setMode(mode)
          const at = `${mode.status}/${mode.body}`
          const chats = {
            generateSql: record(`AiService.generateSql ${at}`, yield* run(ai.generateSql({ prompt: "list every order", dialect: "postgresql" }))),
            stream: record(`AiService.stream ${at}`, yield* run(Stream.runCollect(ai.stream(SqlTask.explain({ sql: "SELECT 1", dialect: "generic" }))))),
            ipc: (yield* invoke("ai:generate-query", { natural_language: "list every order", connection_id: "conn-pg", schema_context: {} })).success
          }
          record(`ProviderRegistry.test ${at}`, yield* run(registry.test(c.id)))
          record(`listModels ${at}`, yield* run(Effect.flatMap(registry.get(c.id), (p) => p.listModels)))
          yield* invoke("ai:providers:test", c.id)
          yield* invoke("ai:providers:models", c.id)
          yield* invoke("ai:providers:save", c.id, {}, { validate: true, resilience })
          // While the circuit is open its state holds the last error.
          yield* invoke("ai:providers:status")
          yield* must(monitor.checkNow)
          note(`Health.statuses ${at}`, [...(yield* must(monitor.statuses)).values()])
          for (const [name, ok] of Object.entries(chats)) if (ok) answered.push(`${name} ${at}`)
        }

        note("AiService.status (first check)", status)
        note("AiService.status", yield* must(ai.status))
        const direct = (yield* must(monitor.statuses)).get(c.id)

        for (const channel of ["ai:providers:status", "ai:events:recent", "ai:settings:get", "ai:metrics:summary"]) {
          const answer = yield* invoke(channel, ...(channel === "ai:metrics:summary" ? [{}] : []))
          expect(answer.success).toBe(true)
        }
        for (const call of ipc.calls) {
          note(`ipc ${call.channel}`, call.outcome)
          const value = call.outcome._tag === "resolved" ? call.outcome.value as Response : undefined
          if (typeof value?.error === "string") note(`ipc ${call.channel} error`, value.error)
        }
        const recent = ipc.calls.filter((call) => call.channel === "ai:events:recent").at(-1)
        const recentTypes = recent?.outcome._tag === "resolved" ? ((recent.outcome.value as Response).events as Array<{ type: string }>).map((e) => e.type) : []

        for (const event of seenEvents) {
          note(`event ${event._tag}`, event)
          if (event._tag === "FallbackTaken") noteError(`event ${event._tag}.error`, event.error)
        }

        const spans = tracing.exporter.getFinishedSpans()
        note("spans", dump(spans))
        for (const span of spans) note(`span ${span.name}`, { status: span.status, attributes: span.attributes, events: span.events })

        const open = dbFiles(dir)
        registration.dispose()
        yield* dispose
        const closed = dbFiles(dir)

        const leaks: Array<string> = []
        for (const secret of secretsOf(c.key)) {
          for (const s of capture.seen) {
            const found = Hostile.leaksIn(s.text, secret)
            if (found !== undefined) leaks.push(`${s.where}: …${found}…`)
          }
          for (const file of [...open, ...closed]) {
            const found = Hostile.leaksInBytes(file.bytes, secret)
            if (found !== undefined) leaks.push(`${file.name}: …${found}…`)
          }
        }
        expect([...new Set(leaks)].slice(0, 20)).toEqual([])

        // What makes the search above mean something: the server was sent the key, exactly, with
        // every request; the echoes came out (masked) through every channel; the calls failed in
        // many ways; health checks ran and said so.
        expect([...server.keysSeen]).toEqual([c.key])
        expect(server.withoutKey()).toBe(0)
        expect(server.requests()).toBeGreaterThan(MODES.length * 8)
        expect(answered).toEqual([])
        expect(capture.tags.size).toBeGreaterThanOrEqual(4)
        expect(capture.logs()).toBeGreaterThan(MODES.length)
        expect(spans.length).toBeGreaterThan(MODES.length * 2)
        const channels = ["log", "span", "AiService.generateSql", "AiService.stream", "ProviderRegistry.test", "ipc ai:generate-query", "ipc ai:providers:test", "ipc ai:providers:status", "Health.statuses", "event"]
        for (const where of channels) {
          expect(capture.seen.some((s) => s.where.startsWith(where) && s.text.includes("***")), where).toBe(true)
        }
        expect(view?.health?.state).toBe("down")
        expect(view?.health?.lastError).toContain("***")
        expect(direct?.lastError).toBeDefined()
        expect(recentTypes).toEqual(expect.arrayContaining(["ProviderDown", "ProviderDisabled"]))
        expect(open.map((f) => f.name)).toContain("ai.db")
      }))
  }
})
