/**
 * What the renderer (or a damaged database) can no longer do: break every provider with one bad
 * stored value, lift a limit, store a huge or unknown field, or keep a request waiting past the
 * time DB Toolkit's screens wait.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import * as Database from "../../src/layers/Database.js"
import { AiService } from "../../src/services/AiService.js"
import { Settings } from "../../src/services/Settings.js"
import * as Emulator from "../../src/testing/Emulator.js"
import { anthropic } from "../support/fixtures/anthropic.js"
import { openai } from "../support/fixtures/openai.js"
import { tempDir } from "../support/tmp.js"
import { stackIn } from "../support/stack.js"

/** A loopback server that accepts every request and never answers. */
const silent = Effect.acquireRelease(
  Effect.async<Http.Server>((resume) => {
    const server = Http.createServer(() => {})
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.sync(() => server.closeAllConnections()).pipe(Effect.zipRight(Effect.promise(() => new Promise((done) => server.close(done)))))
)

describe("hardening", () => {
  it.live("a bad stored row disables that provider only, with its problem shown", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const openaiEmu = yield* Emulator.scoped(openai.protocol, { apiKey: openai.apiKey })
      const anthropicEmu = yield* Emulator.scoped(anthropic.protocol, { apiKey: anthropic.apiKey })
      const context = yield* Layer.build(stackIn(dir))
      const settings = yield* Effect.provide(Settings, context)
      yield* settings.saveProvider("openai", { apiKey: openai.apiKey, baseUrl: openaiEmu.baseUrl })
      yield* settings.saveProvider("anthropic", { apiKey: anthropic.apiKey, baseUrl: anthropicEmu.baseUrl })
      yield* settings.update({ activeProvider: "anthropic", health: { enabled: false } })
      // The inactive provider's row gets a model with a lone surrogate, as a renderer once stored.
      // A second connection to the same file, as another process (or a damaged disk) would write.
      const sql = yield* Effect.provide(SqlClient.SqlClient, yield* Layer.build(Database.layer({ filename: Path.join(dir, "ai.db") })))
      yield* sql`UPDATE ai_providers SET config = ${`{"baseUrl":"${openaiEmu.baseUrl}","model":"gpt\\ud800"}`} WHERE id = 'openai'`
      yield* settings.reload
      const entry = yield* settings.provider("openai")
      expect(entry.problem?.field).toBe("model")
      expect(entry.problem?.message).toMatch(/invalid character/)
      const ai = yield* Effect.provide(AiService, context)
      const answer = yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })
      expect(answer.provider).toBe("anthropic")
      expect((yield* ai.status).providers.find((p) => p.id === "openai")?.problem).toMatch(/model/)

      // A row that is not JSON, and a row with a field no provider has (a key typed under a wrong
      // name would sit there in plain text): each disables its own provider only.
      yield* sql`UPDATE ai_providers SET config = ${"{not json"} WHERE id = 'openai'`
      yield* settings.reload
      expect((yield* settings.provider("openai")).problem?.message).toMatch(/damaged/)
      yield* sql`UPDATE ai_providers SET config = ${`{"baseUrl":"${openaiEmu.baseUrl}","apiToken":"plain"}`} WHERE id = 'openai'`
      yield* settings.reload
      const unknown = (yield* settings.provider("openai")).problem
      expect(unknown?.field).toBe("apiToken")
      expect(unknown?.message).toMatch(/did you mean apiKey/)
      expect(unknown?.message).not.toContain("plain")
      expect((yield* ai.explainSql({ sql: "SELECT 1", dialect: "generic" })).provider).toBe("anthropic")
    })))

  it.live("the renderer cannot lift a limit or store a huge or unknown field", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const context = yield* Layer.build(stackIn(dir))
      const settings = yield* Effect.provide(Settings, context)
      const interval = yield* Effect.flip(settings.update({ health: { intervalMs: 1 } }))
      expect(interval._tag === "SettingsInvalid" && interval.field).toBe("health.intervalMs")
      const unknownSetting = yield* Effect.flip(settings.update({ healthy: true } as never))
      expect(unknownSetting._tag === "SettingsInvalid" && unknownSetting.field).toBe("healthy")
      const huge = yield* Effect.flip(settings.saveProvider("openai", { apiKey: "sk-test-123456789", model: "m".repeat(20_000_000) }))
      expect(huge._tag === "ConfigInvalid" && huge.field).toBe("model")
      expect(huge.message.length).toBeLessThan(500)
      const extra = yield* Effect.flip(settings.saveProvider("openai", { apiKey: "sk-test-123456789", notes: "hello" }))
      expect(extra._tag === "ConfigInvalid" && extra.field).toBe("notes")
      const surrogate = yield* Effect.flip(settings.saveProvider("anthropic", { apiKey: "sk-ant-123456789", model: "claude\ud800" }))
      expect(surrogate._tag === "ConfigInvalid" && surrogate.field).toBe("model")
      const bigint = yield* Effect.flip(settings.saveProvider("openai", { apiKey: "sk-test-123456789", maxTokens: 10n as never }))
      expect(bigint._tag === "ConfigInvalid" && bigint.field).toBe("maxTokens")
      expect((yield* settings.snapshot).providers).toHaveLength(0)
      // Limits can be tightened or loosened within their own bounds, never lifted past them.
      const lifted = yield* Effect.flip(settings.update({ limits: { promptChars: 1e9 } }))
      expect(lifted._tag === "SettingsInvalid" && lifted.field).toBe("limits.promptChars")
    })))

  it.scoped("by default a request against a stalled provider answers within DB Toolkit's 60 s, retries included; the limit is a setting", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const server = yield* silent
      const context = yield* Layer.build(stackIn(dir))
      const settings = yield* Effect.provide(Settings, context)
      yield* settings.saveProvider("openai", { apiKey: openai.apiKey, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` })
      yield* settings.update({ activeProvider: "openai", health: { enabled: false } })
      const ai = yield* Effect.provide(AiService, context)

      const elapsed = (request: Effect.Effect<unknown, { readonly _tag: string }>) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.flip(request))
          let seconds = 0
          while ((yield* Fiber.poll(fiber))._tag === "None" && seconds < 200) {
            yield* TestClock.adjust("1 second")
            // A real moment for the loopback I/O between two steps of the test clock.
            yield* Effect.promise(() => new Promise((done) => setTimeout(done, 2)))
            seconds++
          }
          return { seconds, error: yield* Fiber.join(fiber) }
        })

      const fix = ai.fixSql({ sql: "SELEC 1", errorMessage: "syntax error", dialect: "postgresql" })
      const byDefault = yield* elapsed(fix)
      expect(byDefault.error._tag).toBe("Timeout")
      expect(byDefault.seconds).toBeLessThanOrEqual(56)

      yield* settings.update({ requestTimeoutMs: 5_000 })
      const shorter = yield* elapsed(fix)
      expect(shorter.error._tag).toBe("Timeout")
      expect(shorter.seconds).toBeLessThanOrEqual(6)
    }))
})
