/**
 * Whatever the renderer sends, every channel resolves `{ success, error? }`: never a rejection,
 * never a defect, never a hang, an error message of bounded size and no stored key in any answer.
 * Runs on the real stack (SQLite in a temp folder, providers on the emulators).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, ManagedRuntime } from "effect"
import fc from "fast-check"
import { reply } from "../../src/domain/Limits.js"
import { channels, registerAiHandlers } from "../../src/ipc/handlers.js"
import { Settings } from "../../src/services/Settings.js"
import * as Emulator from "../../src/testing/Emulator.js"
import { anthropic } from "../support/fixtures/anthropic.js"
import { openai } from "../support/fixtures/openai.js"
import { runs, timeout } from "../support/fuzz.js"
import { makeIpcMain } from "../support/ipc.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"

const nest = (depth: number, leaf: unknown): unknown => {
  let value = leaf
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { tables: value }
  return value
}

const HUGE = "x".repeat(21_000_000)
const lone = fc.constantFrom("claude\ud800", "\udc00abc", "a\ud83d", "\ud83d\ude00 ok")

// Values a compromised renderer (or a buggy one) can send through structured clone.
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withBoxedValues: true, maxDepth: 3 }),
  fc.string({ maxLength: 40 }),
  lone,
  fc.integer({ min: 1, max: 3_000 }).map((n) => nest(n, "deep")),
  fc.constant(HUGE),
  fc.constantFrom(null, undefined, 0, -1, NaN, Infinity, 10n ** 30n, new Date(0), "", "   ", "openai", "postgres", "ai:settings:get")
)

const maybe = <A>(a: fc.Arbitrary<A>) => fc.oneof(a, weird)

const schemaLike = fc.oneof(
  weird,
  fc.dictionary(fc.string({ maxLength: 12 }), fc.array(fc.record({ name: maybe(fc.string({ maxLength: 12 })), type: maybe(fc.string({ maxLength: 8 })) }), { maxLength: 4 }), { maxKeys: 4 }).map((t) => ({ tables: t }))
)

const providerId = fc.constantFrom("openai", "anthropic", "gemini", "ollama", "cloudflare", "azure-openai", "OpenAI", "nope")

// A shape close to what each channel reads, with any field replaced by something odd.
const structured = (channel: string): fc.Arbitrary<ReadonlyArray<unknown>> => {
  switch (channel) {
    case "ai:generate-query":
    case "ai:generate-sql":
      return fc.tuple(fc.record({ natural_language: maybe(fc.string({ maxLength: 60 })), schema_context: schemaLike, connection_id: maybe(fc.string({ maxLength: 8 })) }, { requiredKeys: [] }))
    case "ai:explain-query":
    case "ai:optimize-query":
    case "ai:fix-query":
      return fc.tuple(fc.record({
        query: maybe(fc.string({ maxLength: 60 })),
        error_message: maybe(fc.string({ maxLength: 40 })),
        execution_plan: weird,
        schema_context: schemaLike,
        db_type: maybe(fc.constantFrom("postgres", "mysql", "sqlite"))
      }, { requiredKeys: [] }))
    case "ai:analyze-table":
    case "ai:suggest-indexes":
    case "ai:generate-common-queries":
      return fc.tuple(maybe(fc.string({ maxLength: 12 })), schemaLike, weird, weird)
    case "ai:providers:save":
    case "ai:providers:test":
      return fc.tuple(providerId, fc.dictionary(fc.constantFrom("apiKey", "apiToken", "baseUrl", "model", "endpoint", "accountId", "temperature", "x"), weird, { maxKeys: 3 }), fc.record({ validate: fc.boolean(), resilience: weird }, { requiredKeys: [] }))
    case "ai:settings:update":
      return fc.tuple(fc.record({ health: weird, limits: weird, requestTimeoutMs: weird, budget: weird, fallback: weird, unknown: weird }, { requiredKeys: [] }))
    case "ai:cost:estimate":
      return fc.tuple(fc.record({ operation: fc.constantFrom("generate", "explain", "optimize", "fix", "x"), natural_language: maybe(fc.string()), query: maybe(fc.string()), provider: providerId }, { requiredKeys: [] }))
    default:
      return fc.array(weird, { maxLength: 3 })
  }
}

// Channels that would change what the other cases run against are driven with odd values only.
const destructive = new Set(["ai:providers:remove"])

const args = fc.constantFrom(...channels).chain((channel) =>
  fc.tuple(fc.constant(channel), destructive.has(channel) ? fc.array(weird.filter((w) => typeof w !== "string"), { maxLength: 2 }) : fc.oneof(fc.array(weird, { maxLength: 4 }), structured(channel)))
)

const withTimeout = <A>(p: Promise<A>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer in ${ms} ms`)), ms))])

describe("IPC fuzz", () => {
  it.live("every channel answers { success, error? } whatever the renderer sends", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const openaiEmu = yield* Emulator.scoped(openai.protocol, { apiKey: openai.apiKey })
      const anthropicEmu = yield* Emulator.scoped(anthropic.protocol, { apiKey: anthropic.apiKey })
      const runtime = ManagedRuntime.make(stackIn(dir))
      yield* Effect.addFinalizer(() => Effect.promise(() => runtime.dispose()))
      yield* Effect.promise(() =>
        runtime.runPromise(Effect.flatMap(Settings, (s) =>
          Effect.all([
            s.saveProvider("openai", { apiKey: openai.apiKey, baseUrl: openaiEmu.baseUrl }),
            s.saveProvider("anthropic", { apiKey: anthropic.apiKey, baseUrl: anthropicEmu.baseUrl }),
            s.update({ activeProvider: "openai", health: { enabled: false } })
          ])))
      )
      let dbType: unknown = "postgres"
      const ipc = makeIpcMain()
      const registration = registerAiHandlers(ipc, runtime, { dbTypeOf: () => dbType as string })
      yield* Effect.addFinalizer(() => Effect.sync(registration.dispose))

      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(args, weird, async ([channel, list], lookup) => {
            dbType = lookup
            const response = await withTimeout(ipc.invoke(channel, ...list), 10_000, channel)
            expect(typeof response.success).toBe("boolean")
            if (!response.success) {
              expect(typeof response.error).toBe("string")
              expect(response.error!.length).toBeLessThanOrEqual(reply.messageChars)
            }
            expect(response["error_kind"]).not.toBe("Defect")
            const text = JSON.stringify(response, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)) ?? ""
            expect(text).not.toContain(openai.apiKey)
            expect(text).not.toContain(anthropic.apiKey)
          }),
          { numRuns: runs(1_500) }
        )
      )
    })), timeout(120_000))
})
