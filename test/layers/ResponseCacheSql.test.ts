import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Schema, TestClock } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as CacheKey from "../../src/domain/CacheKey.js"
import * as Database from "../../src/layers/Database.js"
import * as ResponseCacheSql from "../../src/layers/ResponseCacheSql.js"
import { ResponseCache, type Service } from "../../src/services/ResponseCache.js"
import { tempDir } from "../support/tmp.js"

// A value with a transformation, so decoding on the way out is more than JSON.parse.
const Answer = Schema.Struct({
  sql: Schema.String,
  rows: Schema.NumberFromString,
  note: Schema.optional(Schema.String)
})
type Answer = typeof Answer.Type

const answer = (sql: string, rows = 1): Answer => ({ sql, rows })

const keyOf = (prompt: string, provider: CacheKey.KeyInput["provider"] = "openai") =>
  CacheKey.make({ provider, model: "gpt-4o-mini", task: "GenerateSql", request: { prompt }, dialect: "sqlite" })

const HOUR = 3_600_000

/** Opens the cache on a file for the length of `f`. */
const withCache = <A, E>(
  filename: string,
  f: (cache: Service, sql: SqlClient.SqlClient) => Effect.Effect<A, E>,
  options?: typeof CacheKey.CachePolicy.Encoded
) =>
  Effect.scoped(
    Effect.flatMap(Effect.zip(ResponseCache, SqlClient.SqlClient), ([cache, sql]) => f(cache, sql)).pipe(
      Effect.provide(ResponseCacheSql.layer(options).pipe(Layer.provideMerge(Database.layer({ filename }))))
    )
  )

const rows = (sql: SqlClient.SqlClient) => Effect.map(sql<{ n: number }>`SELECT COUNT(*) AS n FROM ai_response_cache`, (r) => r[0]?.n ?? -1)

const fileFor = Effect.map(tempDir, (dir) => Path.join(dir, "ai.db"))

describe("ResponseCacheSql", () => {
  it.scoped("a miss, then a stored answer is a hit, decoded with its schema, and stays across restarts", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      const key = keyOf("list the users")
      yield* withCache(file, (cache) =>
        Effect.gen(function*() {
          expect(Option.isNone(yield* cache.get(key, Answer))).toBe(true)
          expect(yield* cache.set(key, answer("SELECT * FROM users", 12), Answer, { cacheable: true })).toBe(true)
          const hit = yield* cache.get(key, Answer)
          expect(hit).toEqual(Option.some({ value: { sql: "SELECT * FROM users", rows: 12 }, storedAt: 0, ageMs: 0 }))
          // another key is another answer
          expect(Option.isNone(yield* cache.get(keyOf("list the orders"), Answer))).toBe(true)
          expect(Option.isNone(yield* cache.get(keyOf("list the users", "gemini"), Answer))).toBe(true)
          const s = yield* cache.stats
          expect({ hits: s.hits, misses: s.misses, stored: s.stored, entries: s.entries }).toEqual({ hits: 1, misses: 3, stored: 1, entries: 1 })
        }))
      // the same file opened again
      yield* TestClock.adjust(HOUR)
      const again = yield* withCache(file, (cache) => cache.get(key, Answer))
      expect(again).toEqual(Option.some({ value: { sql: "SELECT * FROM users", rows: 12 }, storedAt: 0, ageMs: HOUR }))
    }))

  it.scoped("an answer is served until its TTL on the clock, then it is a miss and is deleted", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      yield* withCache(file, (cache, sql) =>
        Effect.gen(function*() {
          const key = keyOf("q")
          yield* cache.set(key, answer("SELECT 1"), Answer, { cacheable: true })
          yield* TestClock.adjust(24 * HOUR - 1)
          expect(Option.map(yield* cache.get(key, Answer), (h) => h.ageMs)).toEqual(Option.some(24 * HOUR - 1))
          yield* TestClock.adjust(1)
          expect(Option.isNone(yield* cache.get(key, Answer))).toBe(true)
          expect(yield* rows(sql)).toBe(0)
          expect((yield* cache.stats).expired).toBe(1)
        }))
    }))

  it.scoped("the TTL comes from the policy, and a new policy applies to answers already stored", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      yield* withCache(file, (cache) =>
        Effect.gen(function*() {
          const key = keyOf("q")
          yield* cache.set(key, answer("SELECT 1"), Answer, { cacheable: true })
          yield* TestClock.adjust(2 * HOUR)
          expect(Option.isSome(yield* cache.get(key, Answer))).toBe(true)
          yield* cache.setPolicy({ ttlMs: HOUR })
          expect((yield* cache.policy).ttlMs).toBe(HOUR)
          expect(Option.isNone(yield* cache.get(key, Answer))).toBe(true)
        }), { ttlMs: 3 * HOUR })
    }))

  it.scoped("nothing is stored when the caller says it is not cacheable, or when the cache is off", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      yield* withCache(file, (cache, sql) =>
        Effect.gen(function*() {
          const key = keyOf("q")
          expect(yield* cache.set(key, answer("DROP TABLE users"), Answer, { cacheable: false })).toBe(false)
          expect(yield* rows(sql)).toBe(0)
          yield* cache.set(key, answer("SELECT 1"), Answer, { cacheable: true })
          yield* cache.setPolicy({ enabled: false })
          expect(Option.isNone(yield* cache.get(key, Answer))).toBe(true)
          expect(yield* cache.set(keyOf("other"), answer("SELECT 2"), Answer, { cacheable: true })).toBe(false)
          expect(yield* rows(sql)).toBe(1)
          expect((yield* cache.stats).skipped).toBe(2)
        }))
    }))

  describe("a stored row is untrusted: a bad one is a miss and is deleted", () => {
    const corruptions: ReadonlyArray<readonly [string, (sql: SqlClient.SqlClient, key: string) => Effect.Effect<unknown, unknown>]> = [
      ["text that is not JSON", (sql, key) => sql`UPDATE ai_response_cache SET value = 'not json {' WHERE key = ${key}`],
      ["JSON of another shape", (sql, key) => sql`UPDATE ai_response_cache SET value = '{"sql": 1}' WHERE key = ${key}`],
      ["JSON that fails the schema's transformation", (sql, key) => sql`UPDATE ai_response_cache SET value = '{"sql": "x", "rows": "many"}' WHERE key = ${key}`],
      ["a number", (sql, key) => sql`UPDATE ai_response_cache SET value = 42 WHERE key = ${key}`],
      ["a blob", (sql, key) => sql`UPDATE ai_response_cache SET value = X'7B7D' WHERE key = ${key}`],
      ["a time that is text", (sql, key) => sql`UPDATE ai_response_cache SET created_at = 'yesterday' WHERE key = ${key}`],
      ["a time that is not whole", (sql, key) => sql`UPDATE ai_response_cache SET created_at = 0.5 WHERE key = ${key}`],
      ["a time in the future", (sql, key) => sql`UPDATE ai_response_cache SET created_at = 10000000 WHERE key = ${key}`],
      ["an answer past maxEntryBytes", (sql, key) => sql`UPDATE ai_response_cache SET value = ${JSON.stringify({ sql: "x".repeat(2_000), rows: "1" })} WHERE key = ${key}`]
    ]
    for (const [what, corrupt] of corruptions) {
      it.scoped(what, () =>
        Effect.gen(function*() {
          const file = yield* fileFor
          yield* withCache(file, (cache, sql) =>
            Effect.gen(function*() {
              const key = keyOf("q")
              yield* cache.set(key, answer("SELECT 1"), Answer, { cacheable: true })
              yield* TestClock.adjust(1_000)
              expect(Option.isSome(yield* cache.get(key, Answer))).toBe(true)
              yield* corrupt(sql, key.digest)
              expect(Option.isNone(yield* cache.get(key, Answer))).toBe(true)
              expect(yield* rows(sql)).toBe(0)
              expect((yield* cache.stats).corrupt).toBe(1)
            }), { maxEntryBytes: 1_024 })
        }))
    }
  })

  it.scoped("a database that fails is a miss and a skipped store, never a failed request", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      yield* withCache(file, (cache, sql) =>
        Effect.gen(function*() {
          const key = keyOf("q")
          yield* cache.set(key, answer("SELECT 1"), Answer, { cacheable: true })
          yield* sql`DROP TABLE ai_response_cache`
          expect(Option.isNone(yield* cache.get(key, Answer))).toBe(true)
          expect(yield* cache.set(key, answer("SELECT 1"), Answer, { cacheable: true })).toBe(false)
          const error = yield* Effect.flip(cache.clear())
          expect(error.reason).toBe("Storage")
        }))
    }))

  it.scoped("past maxEntries the oldest answers are evicted first", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      yield* withCache(file, (cache, sql) =>
        Effect.gen(function*() {
          for (let i = 0; i < 5; i++) {
            yield* cache.set(keyOf(`q${i}`), answer(`SELECT ${i}`), Answer, { cacheable: true })
            yield* TestClock.adjust(1_000)
          }
          expect(yield* rows(sql)).toBe(3)
          const present = yield* Effect.forEach([0, 1, 2, 3, 4], (i) => Effect.map(cache.get(keyOf(`q${i}`), Answer), Option.isSome))
          expect(present).toEqual([false, false, true, true, true])
          expect((yield* cache.stats).evicted).toBe(2)
          // storing again under a key makes it the newest
          yield* cache.set(keyOf("q2"), answer("SELECT 2 again"), Answer, { cacheable: true })
          yield* TestClock.adjust(1_000)
          yield* cache.set(keyOf("q5"), answer("SELECT 5"), Answer, { cacheable: true })
          const after = yield* Effect.forEach([2, 3, 4, 5], (i) => Effect.map(cache.get(keyOf(`q${i}`), Answer), Option.isSome))
          expect(after).toEqual([true, false, true, true])
        }), { maxEntries: 3 })
    }))

  it.scoped("past maxBytes the oldest answers are evicted first; an answer past maxEntryBytes is not stored", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      yield* withCache(file, (cache, sql) =>
        Effect.gen(function*() {
          const big = (i: number) => answer(`SELECT '${String(i).repeat(900)}'`)
          for (let i = 0; i < 4; i++) {
            expect(yield* cache.set(keyOf(`q${i}`), big(i), Answer, { cacheable: true })).toBe(true)
            yield* TestClock.adjust(1_000)
          }
          const s = yield* cache.stats
          expect(s.entries).toBe(2)
          expect(s.bytes).toBeLessThanOrEqual(2_500)
          const present = yield* Effect.forEach([0, 1, 2, 3], (i) => Effect.map(cache.get(keyOf(`q${i}`), Answer), Option.isSome))
          expect(present).toEqual([false, false, true, true])
          expect(yield* cache.set(keyOf("huge"), answer("x".repeat(5_000)), Answer, { cacheable: true })).toBe(false)
          expect(yield* rows(sql)).toBe(2)
        }), { maxBytes: 2_500, maxEntryBytes: 4_096 })
    }))

  it.scoped("a smaller bound set later evicts at once", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      yield* withCache(file, (cache, sql) =>
        Effect.gen(function*() {
          for (let i = 0; i < 5; i++) {
            yield* cache.set(keyOf(`q${i}`), answer(`SELECT ${i}`), Answer, { cacheable: true })
            yield* TestClock.adjust(1_000)
          }
          yield* cache.setPolicy({ maxEntries: 2 })
          expect(yield* rows(sql)).toBe(2)
          expect(Option.isSome(yield* cache.get(keyOf("q4"), Answer))).toBe(true)
        }))
    }))

  it.scoped("a policy that does not validate is refused, naming the field", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      const built = yield* Effect.exit(withCache(file, () => Effect.void, { maxEntries: 0 }))
      expect(Exit.isFailure(built)).toBe(true)
      yield* withCache(file, (cache) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(cache.setPolicy({ ttlMs: -5 }))
          expect(error.reason).toBe("InvalidOptions")
          expect(error.message).toContain("ttlMs")
          expect((yield* cache.policy).ttlMs).toBe(CacheKey.defaultPolicy.ttlMs)
        }))
    }))

  it.scoped("clear empties the cache, or one provider's part; clearAll works on the database alone", () =>
    Effect.gen(function*() {
      const file = yield* fileFor
      yield* withCache(file, (cache, sql) =>
        Effect.gen(function*() {
          yield* cache.set(keyOf("a"), answer("SELECT 1"), Answer, { cacheable: true })
          yield* cache.set(keyOf("b"), answer("SELECT 2"), Answer, { cacheable: true })
          yield* cache.set(keyOf("a", "gemini"), answer("SELECT 3"), Answer, { cacheable: true })
          expect(yield* cache.clear({ provider: "gemini" })).toBe(1)
          expect(yield* rows(sql)).toBe(2)
          expect(Option.isSome(yield* cache.get(keyOf("a"), Answer))).toBe(true)
          yield* cache.invalidate(keyOf("a"))
          expect(Option.isNone(yield* cache.get(keyOf("a"), Answer))).toBe(true)
          expect(yield* cache.clear()).toBe(1)
          expect(yield* rows(sql)).toBe(0)
          yield* cache.set(keyOf("c"), answer("SELECT 4"), Answer, { cacheable: true })
        }))
      const removed = yield* Effect.scoped(Effect.provide(ResponseCacheSql.clearAll, Database.layer({ filename: file })))
      expect(removed).toBe(1)
    }))

  it.scoped("the database file holds no API key and no request text", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      const secret = "sk-proj-CANARY0123456789abcdef"
      const prompt = "Which customers from Narnia-Canary ordered twice"
      yield* withCache(file, (cache) =>
        Effect.gen(function*() {
          // a caller that passes its whole provider config along with the key's parts, by mistake
          const input = { provider: "openai", model: "gpt-4o-mini", task: "GenerateSql", request: { prompt }, dialect: "sqlite", apiKey: secret, config: { apiKey: secret } }
          const key = CacheKey.make(input as CacheKey.KeyInput)
          expect(yield* cache.set(key, answer("SELECT name FROM customers"), Answer, { cacheable: true })).toBe(true)
          expect(Option.isSome(yield* cache.get(key, Answer))).toBe(true)
        }))
      const bytes = Fs.readdirSync(dir).filter((f) => f.startsWith("ai.db")).map((f) => Fs.readFileSync(Path.join(dir, f)).toString("latin1")).join("\n")
      expect(bytes).toContain("SELECT name FROM customers")
      expect(bytes).not.toContain(secret)
      expect(bytes).not.toContain("CANARY")
      expect(bytes).not.toContain("Narnia")
    }))
})
