/**
 * `ai:cache:stats` and `ai:cache:clear`, driven as the settings panel drives them (a recording
 * fake of `ipcMain`, the whole stack on a temporary SQLite file) against the OpenAI emulator over
 * loopback: a repeated `ai:generate-query` is a hit the stats count, clearing one provider leaves
 * the others' answers, clearing all empties the cache and the next request asks the provider.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, ManagedRuntime } from "effect"
import * as Handlers from "../../src/ipc/handlers.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { makeIpcMain } from "../support/ipc.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"

const OPENAI_KEY = "sk-test-openai-cache-0123456789abcdef"

const setup = Effect.gen(function*() {
  const dir = yield* tempDir
  const runtime = yield* Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(stackIn(dir))), (rt) => Effect.promise(() => rt.dispose()))
  const ipc = makeIpcMain()
  yield* Effect.acquireRelease(Effect.sync(() => Handlers.registerAiHandlers(ipc, runtime)), (r) => Effect.sync(() => r.dispose()))
  const invoke = (channel: string, ...args: Array<unknown>) => Effect.promise(() => ipc.invoke(channel, ...args))
  const emu = yield* OpenAiEmulator.make({ apiKey: OPENAI_KEY })
  expect((yield* invoke("ai:providers:save", "openai", { apiKey: OPENAI_KEY, baseUrl: emu.baseUrl })).success).toBe(true)
  expect((yield* invoke("ai:settings:update", { activeProvider: "openai", health: { enabled: false } })).success).toBe(true)
  return { emu, invoke }
})

const ask = { natural_language: "list the customers", schema_context: { customers: [{ name: "id", type: "integer" }] } }

describe("the cache channels", () => {
  it.scopedLive("stats count a hit; clearing another provider leaves the answer; clearing all empties the cache", () =>
    Effect.gen(function*() {
      const { emu, invoke } = yield* setup
      expect((yield* invoke("ai:generate-query", ask)).cached).toBe(false)
      expect((yield* invoke("ai:generate-query", ask)).cached).toBe(true)
      expect(emu.chatRequests()).toHaveLength(1)

      const stats = yield* invoke("ai:cache:stats")
      expect(stats).toMatchObject({ success: true, stats: { entries: 1, hits: 1, stored: 1 }, policy: { enabled: true, ttlMs: 86_400_000 } })
      expect(stats.stats.bytes).toBeGreaterThan(0)

      expect(yield* invoke("ai:cache:clear", { provider: "gemini" })).toEqual({ success: true, cleared: 0, provider: "gemini" })
      expect((yield* invoke("ai:cache:stats")).stats.entries).toBe(1)
      expect(yield* invoke("ai:cache:clear")).toEqual({ success: true, cleared: 1, provider: null })
      expect((yield* invoke("ai:cache:stats")).stats.entries).toBe(0)

      expect((yield* invoke("ai:generate-query", ask)).cached).toBe(false)
      expect(emu.chatRequests()).toHaveLength(2)
    }))

  it.scopedLive("a provider that is not one is refused by name, and nothing is cleared", () =>
    Effect.gen(function*() {
      const { invoke } = yield* setup
      yield* invoke("ai:generate-query", ask)
      const refused = yield* invoke("ai:cache:clear", { provider: "openia" })
      expect(refused.success).toBe(false)
      expect(refused.error).toContain("provider")
      expect(refused.error).toContain("openia")
      expect((yield* invoke("ai:cache:stats")).stats.entries).toBe(1)
    }))
})
