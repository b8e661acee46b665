/**
 * Closing the stack with requests in flight keeps a metrics row for every attempt that reached
 * the provider: the service settles its requests (a moment's grace, then interruption) before
 * the metrics writer flushes and closes.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime } from "effect"
import * as Path from "node:path"
import * as AiStack from "../../src/layers/AiStack.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as Database from "../../src/layers/Database.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import { AiService } from "../../src/services/AiService.js"
import { Settings } from "../../src/services/Settings.js"
import * as Emulator from "../../src/testing/Emulator.js"
import { openai } from "../support/fixtures/openai.js"
import { HttpLive, shopSchema } from "../support/http.js"
import { tempDir } from "../support/tmp.js"

const IN_FLIGHT = 64
const FAILING = 10
const FAST = 10

// Waits until `count` has reached `atLeast` and then not moved for a while (every attempt that
// is going to be sent has been).
const settled = (count: () => number, atLeast: number) =>
  Effect.gen(function*() {
    const start = Date.now()
    let last = -1
    let since = Date.now()
    while (count() < atLeast || Date.now() - since < 400) {
      if (Date.now() - start > 20_000) return yield* Effect.dieMessage(`timed out waiting for the attempts (${count()})`)
      if (count() !== last) {
        last = count()
        since = Date.now()
      }
      yield* Effect.sleep("10 millis")
    }
  })

describe("shutdown", () => {
  it.live(`closing the stack with ${IN_FLIGHT} requests in flight keeps one metrics row per attempt the provider saw`, () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const databasePath = Path.join(dir, "ai.db")
      const keyStore = KeyStores.fromKey(Crypto.generateKey())
      // Slow by default (the requests still running at close), with failures that are retried and
      // quick successes first.
      const emu = yield* Emulator.scoped(openai.protocol, { apiKey: openai.apiKey, defaults: { latencyMs: 4_000 } })
      emu.script(
        ...Array.from({ length: FAILING }, () => ({ fault: { _tag: "Error" as const, kind: "server" as const }, latencyMs: 0 })),
        ...Array.from({ length: FAST }, () => ({ latencyMs: 0 }))
      )
      const runtime = ManagedRuntime.make(
        AiStack.layer({ databasePath, keyStore }).pipe(Layer.provide(HttpLive), Layer.provide(Logger.minimumLogLevel(LogLevel.None)))
      )
      yield* Effect.promise(() =>
        runtime.runPromise(Effect.flatMap(Settings, (s) =>
          Effect.zipRight(
            s.saveProvider("openai", { apiKey: openai.apiKey, baseUrl: emu.baseUrl }, { resilience: { retry: { maxRetries: 1, baseDelayMs: 300, jitter: false }, circuit: { consecutiveFailures: 1_000 } } }),
            s.update({ activeProvider: "openai", health: { enabled: false } })
          )))
      )
      const requests = Array.from({ length: IN_FLIGHT }, (_, i) =>
        runtime.runPromise(Effect.flatMap(AiService, (ai) => ai.generateSql({ prompt: `orders ${i}`, schema: shopSchema, dialect: "postgresql" })))
          .then(() => "served" as const, () => "ended" as const)
      )
      // Every attempt has reached the provider: the failures, their retries and all the others.
      yield* settled(() => emu.chatRequests().length, IN_FLIGHT + 1)
      yield* Effect.promise(() => runtime.dispose())
      const outcomes = yield* Effect.promise(() => Promise.all(requests))
      const seen = emu.chatRequests().length

      // Read the rows back from the file.
      const rows = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ outcome: string; n: number }>`SELECT outcome, COUNT(*) AS n FROM ai_metrics GROUP BY outcome ORDER BY outcome`).pipe(
          Effect.provide(Database.layer({ filename: databasePath }))
        )
      const byOutcome: Record<string, number> = Object.fromEntries(rows.map((r) => [r.outcome, r.n]))
      // One row per attempt the provider saw: the successes, the failures and the attempts cut
      // off by the shutdown.
      expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(seen)
      expect(byOutcome["success"]).toBe(outcomes.filter((o) => o === "served").length)
      expect(byOutcome["ProviderUnavailable"]).toBeGreaterThan(0)
      expect(byOutcome["Interrupted"]).toBeGreaterThanOrEqual(IN_FLIGHT - FAILING - FAST)
    })), 60_000)
})
