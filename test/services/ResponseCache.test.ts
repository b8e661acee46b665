import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Ref, Schema, type Scope, TestClock } from "effect"
import * as Path from "node:path"
import * as CacheKey from "../../src/domain/CacheKey.js"
import * as Database from "../../src/layers/Database.js"
import * as ResponseCacheSql from "../../src/layers/ResponseCacheSql.js"
import * as InFlight from "../../src/resilience/InFlight.js"
import * as ResponseCache from "../../src/services/ResponseCache.js"
import { tempDir } from "../support/tmp.js"

const Answer = Schema.Struct({ sql: Schema.String, flagged: Schema.Boolean })
type Answer = typeof Answer.Type

const key = CacheKey.make({ provider: "ollama", model: "llama3.2", task: "GenerateSql", request: { prompt: "count users" }, dialect: "sqlite" })
const cacheable = (a: Answer) => !a.flagged

const withCache = <A, E>(f: (cache: ResponseCache.Service, sql: SqlClient.SqlClient) => Effect.Effect<A, E, Scope.Scope>) =>
  Effect.gen(function*() {
    const filename = Path.join(yield* tempDir, "ai.db")
    return yield* Effect.flatMap(Effect.zip(ResponseCache.ResponseCache, SqlClient.SqlClient), ([cache, sql]) => f(cache, sql)).pipe(
      Effect.provide(ResponseCacheSql.layer().pipe(Layer.provideMerge(Database.layer({ filename }))))
    )
  })

/** A provider call that counts how often it runs; its answers come from `answers` in turn. */
const counted = (answers: ReadonlyArray<Answer | string>) =>
  Effect.map(Ref.make(0), (runs) => ({
    runs,
    call: Effect.flatMap(Ref.getAndUpdate(runs, (n) => n + 1), (n) => {
      const a = answers[Math.min(n, answers.length - 1)]!
      return typeof a === "string" ? Effect.fail(a) : Effect.succeed(a)
    })
  }))

const rows = (sql: SqlClient.SqlClient) => Effect.map(sql<{ n: number }>`SELECT COUNT(*) AS n FROM ai_response_cache`, (r) => r[0]?.n ?? -1)

describe("ResponseCache.through", () => {
  it.scoped("a miss runs the call and stores its answer; the next request is a hit and sends nothing", () =>
    withCache((cache) =>
      Effect.gen(function*() {
        const { call, runs } = yield* counted([{ sql: "SELECT COUNT(*) FROM users", flagged: false }])
        const first = yield* ResponseCache.through(cache, key, Answer, { cacheable })(call)
        expect(first).toEqual({ cached: false, value: { sql: "SELECT COUNT(*) FROM users", flagged: false } })
        yield* TestClock.adjust(5_000)
        const second = yield* ResponseCache.through(cache, key, Answer, { cacheable })(call)
        expect(second).toEqual({ cached: true, value: { sql: "SELECT COUNT(*) FROM users", flagged: false }, storedAt: 0, ageMs: 5_000 })
        expect(yield* Ref.get(runs)).toBe(1)
      })))

  it.scoped("a failure is never stored: it is the caller's, and the next request runs again", () =>
    withCache((cache, sql) =>
      Effect.gen(function*() {
        const { call, runs } = yield* counted(["provider down", { sql: "SELECT 1", flagged: false }])
        expect(yield* Effect.flip(ResponseCache.through(cache, key, Answer, { cacheable })(call))).toBe("provider down")
        expect(yield* rows(sql)).toBe(0)
        expect((yield* ResponseCache.through(cache, key, Answer, { cacheable })(call)).cached).toBe(false)
        expect(yield* Ref.get(runs)).toBe(2)
      })))

  it.scoped("an answer the predicate refuses (flagged, cut short) is not stored", () =>
    withCache((cache, sql) =>
      Effect.gen(function*() {
        const { call, runs } = yield* counted([{ sql: "DELETE FROM users", flagged: true }])
        yield* ResponseCache.through(cache, key, Answer, { cacheable })(call)
        yield* ResponseCache.through(cache, key, Answer, { cacheable })(call)
        expect(yield* Ref.get(runs)).toBe(2)
        expect(yield* rows(sql)).toBe(0)
      })))

  it.scoped("refresh skips the lookup and stores the fresh answer; bypass neither looks up nor stores", () =>
    withCache((cache) =>
      Effect.gen(function*() {
        const { call, runs } = yield* counted([
          { sql: "SELECT 1", flagged: false },
          { sql: "SELECT 2", flagged: false },
          { sql: "SELECT 3", flagged: false }
        ])
        yield* ResponseCache.through(cache, key, Answer, { cacheable })(call)
        const refreshed = yield* ResponseCache.through(cache, key, Answer, { cacheable, mode: "refresh" })(call)
        expect(refreshed).toEqual({ cached: false, value: { sql: "SELECT 2", flagged: false } })
        const bypassed = yield* ResponseCache.through(cache, key, Answer, { cacheable, mode: "bypass" })(call)
        expect(bypassed).toEqual({ cached: false, value: { sql: "SELECT 3", flagged: false } })
        const served = yield* ResponseCache.through(cache, key, Answer, { cacheable })(call)
        expect(served.cached && served.value.sql).toBe("SELECT 2")
        expect(yield* Ref.get(runs)).toBe(3)
      })))

  it.scoped("with in-flight dedup as `share`, 5 identical requests at once make one call and one store", () =>
    withCache((cache) =>
      Effect.gen(function*() {
        const inFlight = yield* InFlight.make<string>()
        const runs = yield* Ref.make(0)
        const call = Ref.update(runs, (n) => n + 1).pipe(Effect.zipRight(Effect.sleep("2 seconds")), Effect.as({ sql: "SELECT 1", flagged: false }))
        const request = ResponseCache.through(cache, key, Answer, {
          cacheable,
          share: (c) => inFlight.run(key.digest, c)
        })(call)
        const fibers = yield* Effect.forEach([1, 2, 3, 4, 5], () => Effect.fork(request))
        for (let i = 0; i < 10_000 && (yield* inFlight.callers(key.digest)) < 5; i++) yield* Effect.yieldNow()
        expect(yield* inFlight.callers(key.digest)).toBe(5)
        yield* TestClock.adjust("2 seconds")
        const served = yield* Fiber.joinAll(fibers)
        expect(served.map((s) => s.cached)).toEqual([false, false, false, false, false])
        expect(yield* Ref.get(runs)).toBe(1)
        expect((yield* cache.stats).stored).toBe(1)
        expect((yield* request).cached).toBe(true)
        expect(yield* Ref.get(runs)).toBe(1)
      })))
})
