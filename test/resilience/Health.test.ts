import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Ref, TestClock } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { ProviderId } from "../../src/domain/ProviderId.js"
import { HealthPolicy } from "../../src/domain/Resilience.js"
import { catalog } from "../../src/providers/Catalog.js"
import * as Health from "../../src/resilience/Health.js"
import type { ConnectionTest } from "../../src/services/AiProvider.js"
import { HttpLive } from "../support/http.js"

const ok = (provider: ProviderId): ConnectionTest => ({ ok: true, provider, model: "m", latencyMs: 1, modelAvailable: true, details: "ok" })

/** A loopback server that accepts every request and never answers; `seen` resolves on the first. */
const silentServer = Effect.acquireRelease(
  Effect.gen(function*() {
    const seen = yield* Deferred.make<void>()
    const server = Http.createServer(() => Deferred.unsafeDone(seen, Effect.void))
    yield* Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void)))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server }
  }),
  ({ server }) => Effect.sync(() => server.closeAllConnections()).pipe(Effect.zipRight(Effect.promise(() => new Promise((done) => server.close(done)))))
)

const configs = (url: string): Record<ProviderId, Record<string, unknown>> => ({
  openai: { apiKey: "sk-test-key-123456", baseUrl: `${url}/v1` },
  anthropic: { apiKey: "sk-ant-test-123456", baseUrl: `${url}/v1` },
  gemini: { apiKey: "AIza-test-123456789", baseUrl: `${url}/v1beta` },
  ollama: { baseUrl: url },
  "azure-openai": { apiKey: "azure-test-123456", endpoint: url, deployment: "gpt-4o", apiVersion: "2024-10-21" },
  cloudflare: { apiToken: "cf-test-123456789", accountId: "0123456789abcdef0123456789abcdef", baseUrl: `${url}/client/v4` }
})

describe("health checks", () => {
  it.scoped("a provider whose check never answers does not delay another's checks, and is marked down", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const monitor = yield* Health.make(
        [
          { provider: "openai", check: Effect.never },
          { provider: "anthropic", check: Effect.as(Ref.update(calls, (n) => n + 1), ok("anthropic")) }
        ],
        HealthPolicy.make({ intervalMs: 60_000 }),
        () => Effect.void
      )
      yield* TestClock.adjust("1 second")
      expect(yield* Ref.get(calls)).toBe(1)
      yield* TestClock.adjust("60 seconds")
      expect(yield* Ref.get(calls)).toBe(2)
      const statuses = yield* monitor.statuses
      expect(statuses.get("openai")?.state).toBe("down")
      expect(statuses.get("openai")?.lastError).toMatch(/no answer to the health check/)
      expect(statuses.get("anthropic")?.state).toBe("healthy")
      yield* TestClock.adjust("120 seconds")
      expect(yield* Ref.get(calls)).toBe(4)
    }))

  it("refuses an interval under a minute (a check may be a paid call)", () => {
    expect(() => HealthPolicy.make({ intervalMs: 1 })).toThrow(/60000/)
  })
})

describe("every provider's checks have a time limit", () => {
  for (const id of Object.keys(catalog) as Array<ProviderId>) {
    it.scoped(`${id}: testConnection and listModels against a server that never answers end in Timeout`, () =>
      Effect.gen(function*() {
        const server = yield* silentServer
        const provider = yield* catalog[id].make(configs(server.url)[id])
        const test = yield* Effect.fork(provider.testConnection)
        yield* Deferred.await(server.seen)
        yield* TestClock.adjust("16 seconds")
        const result = yield* Fiber.join(test)
        expect(result.ok).toBe(false)
        expect(result.error?._tag).toBe("Timeout")
        const models = yield* Effect.fork(Effect.flip(provider.listModels))
        // Step the clock until the fiber is done (its timer may start after the first step).
        for (let i = 0; i < 40 && (yield* Fiber.poll(models))._tag === "None"; i++) {
          yield* TestClock.adjust("1 second")
          yield* Effect.yieldNow()
        }
        expect((yield* Fiber.join(models))._tag).toBe("Timeout")
      }).pipe(Effect.provide(Layer.fresh(HttpLive))))
  }
})
