/**
 * The response cache on the library's SQLite database (table `ai_response_cache`, migrated by
 * `Database.layer`).
 *
 * A row is the answer's JSON under the digest of its key, with the provider, model and task, and
 * the time it was stored on the Effect clock. Reading one trusts nothing in it: the answer's size
 * is checked in SQL before its text is loaded (a row larger than `maxEntryBytes` is never read
 * into memory), its time must be a whole number of milliseconds not after now, and its JSON must
 * decode with the caller's Schema; a row that fails any of these is a miss and is deleted. A row
 * older than the TTL is a miss and is deleted too.
 *
 * Storing replaces any answer under the same key, then, in the same transaction, deletes every
 * expired row and, newest first, keeps only what fits `maxEntries` and `maxBytes` (the oldest go
 * first; bytes are measured on the stored text, not on a column a row could lie in).
 *
 * @since 0.1.0
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Clock, Effect, Either, Layer, Option, ParseResult, Ref, Schema } from "effect"
import { type CacheKey, CachePolicy } from "../domain/CacheKey.js"
import { type Hit, ResponseCache, ResponseCacheError, type Service, type Stats } from "../services/ResponseCache.js"

const storage = (what: string) => (error: SqlError.SqlError) =>
  new ResponseCacheError({ reason: "Storage", message: `The response cache could not ${what}: ${error.message}` })

const decodePolicy = (input: unknown): Effect.Effect<CachePolicy, ResponseCacheError> =>
  Effect.mapError(Schema.decodeUnknown(CachePolicy)(input), (e) => {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(e)
    const text = issues.map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ")
    return new ResponseCacheError({ reason: "InvalidOptions", message: `Invalid response cache options: ${text}` })
  })

// What this process counted; the table gives the rest of the stats.
type Counters = Omit<Stats, "entries" | "bytes">

const zero: Counters = { hits: 0, misses: 0, stored: 0, skipped: 0, corrupt: 0, expired: 0, evicted: 0 }

interface StoredRow {
  readonly created_at: unknown
  readonly size: unknown
  readonly value: unknown
}

/**
 * The settings reset's hook, and the recovery path: deletes every stored answer, on the database
 * alone (no cache service needed); returns how many.
 *
 * @since 0.1.0
 * @category Recovery
 */
export const clearAll: Effect.Effect<number, ResponseCacheError, SqlClient.SqlClient> = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.withTransaction(
    Effect.zipRight(sql`DELETE FROM ai_response_cache`, Effect.map(sql<{ readonly n: number }>`SELECT changes() AS n`, (rows) => rows[0]?.n ?? 0))
  ).pipe(Effect.mapError(storage("clear its answers"))))

/**
 * Builds the cache on the `SqlClient` with a policy (its encoded form; fields left out take
 * `CacheKey.CachePolicy`'s defaults: on, 24 h, 500 answers, 16 MiB). Fails with `InvalidOptions`
 * naming the field when the policy does not validate.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (
  options: typeof CachePolicy.Encoded = {}
): Effect.Effect<Service, ResponseCacheError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const policyRef = yield* Ref.make(yield* decodePolicy(options))
    const counters = yield* Ref.make(zero)
    const count = (key: keyof Counters, n = 1) => n === 0 ? Effect.void : Ref.update(counters, (c) => ({ ...c, [key]: c[key] + n }))

    const changes = Effect.map(sql<{ readonly n: number }>`SELECT changes() AS n`, (rows) => rows[0]?.n ?? 0)

    const remove = (digest: string) => sql`DELETE FROM ai_response_cache WHERE key = ${digest}`

    // Every expired row, then the oldest past the bounds (newest kept first, ties by insertion).
    const prune = (policy: CachePolicy, now: number) =>
      Effect.gen(function*() {
        yield* sql`DELETE FROM ai_response_cache WHERE created_at <= ${now - policy.ttlMs}`
        yield* Effect.flatMap(changes, (n) => count("expired", n))
        yield* sql`DELETE FROM ai_response_cache WHERE key IN (
          SELECT key FROM (
            SELECT key,
              ROW_NUMBER() OVER newest AS n,
              SUM(length(CAST(value AS BLOB))) OVER (newest ROWS UNBOUNDED PRECEDING) AS total
            FROM ai_response_cache
            WINDOW newest AS (ORDER BY created_at DESC, rowid DESC)
          ) WHERE n > ${policy.maxEntries} OR total > ${policy.maxBytes}
        )`
        yield* Effect.flatMap(changes, (n) => count("evicted", n))
      })

    // A row that cannot be trusted is deleted; if even that fails, the next read tries again.
    const discard = (digest: string, why: "corrupt" | "expired") =>
      Effect.zipRight(count(why), Effect.catchAll(remove(digest), (e) => Effect.logWarning(`The response cache could not delete a ${why} answer: ${e.message}`)))

    const get = <A, I>(key: CacheKey, schema: Schema.Schema<A, I>): Effect.Effect<Option.Option<Hit<A>>> =>
      Effect.gen(function*() {
        const policy = yield* Ref.get(policyRef)
        if (!policy.enabled) return Option.none()
        const now = yield* Clock.currentTimeMillis
        const rows = yield* sql<StoredRow>`SELECT created_at,
            length(CAST(value AS BLOB)) AS size,
            CASE WHEN length(CAST(value AS BLOB)) <= ${policy.maxEntryBytes} THEN value END AS value
          FROM ai_response_cache WHERE key = ${key.digest}`
        const row = rows[0]
        if (row === undefined) return yield* Effect.as(count("misses"), Option.none())
        const storedAt = row.created_at
        const bad = typeof storedAt !== "number" || !Number.isSafeInteger(storedAt) || storedAt < 0 || storedAt > now ||
          typeof row.value !== "string"
        if (bad) return yield* Effect.as(Effect.zipRight(discard(key.digest, "corrupt"), count("misses")), Option.none())
        if (now - storedAt >= policy.ttlMs) {
          return yield* Effect.as(Effect.zipRight(discard(key.digest, "expired"), count("misses")), Option.none())
        }
        const decoded = Schema.decodeUnknownEither(Schema.parseJson(schema))(row.value)
        if (Either.isLeft(decoded)) return yield* Effect.as(Effect.zipRight(discard(key.digest, "corrupt"), count("misses")), Option.none())
        yield* count("hits")
        return Option.some({ value: decoded.right, storedAt, ageMs: now - storedAt })
      }).pipe(
        Effect.catchAll((e) => Effect.as(Effect.logWarning(`The response cache could not read: ${e.message}`), Option.none()))
      )

    const set = <A, I>(key: CacheKey, value: A, schema: Schema.Schema<A, I>, options: { readonly cacheable: boolean }) =>
      Effect.gen(function*() {
        const policy = yield* Ref.get(policyRef)
        if (!options.cacheable || !policy.enabled) return yield* Effect.as(count("skipped"), false)
        const encoded = Schema.encodeEither(Schema.parseJson(schema))(value)
        if (Either.isLeft(encoded)) {
          yield* Effect.logWarning(`The response cache did not store a ${key.task} answer: it does not encode with its schema`)
          return yield* Effect.as(count("skipped"), false)
        }
        const json = encoded.right
        const bytes = Buffer.byteLength(json, "utf8")
        if (bytes > policy.maxEntryBytes || bytes > policy.maxBytes) return yield* Effect.as(count("skipped"), false)
        const now = yield* Clock.currentTimeMillis
        const kept = yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`INSERT INTO ai_response_cache (key, provider, model, task, created_at, value)
            VALUES (${key.digest}, ${key.provider}, ${key.model}, ${key.task}, ${now}, ${json})
            ON CONFLICT (key) DO UPDATE SET provider = excluded.provider, model = excluded.model, task = excluded.task,
              created_at = excluded.created_at, value = excluded.value`
          yield* prune(policy, now)
          // Newest and within the bounds, it stays; unless others were stored in the same millisecond.
          return (yield* sql`SELECT 1 AS kept FROM ai_response_cache WHERE key = ${key.digest}`).length > 0
        }))
        yield* count(kept ? "stored" : "skipped")
        return kept
      }).pipe(
        Effect.catchAll((e) => Effect.as(Effect.logWarning(`The response cache could not store an answer: ${e.message}`), false))
      )

    const invalidate = (key: CacheKey) =>
      Effect.catchAll(Effect.asVoid(remove(key.digest)), (e) => Effect.logWarning(`The response cache could not delete an answer: ${e.message}`))

    const clear = (filter: { readonly provider?: string | undefined } = {}) =>
      sql.withTransaction(Effect.zipRight(
        filter.provider === undefined ? sql`DELETE FROM ai_response_cache` : sql`DELETE FROM ai_response_cache WHERE provider = ${filter.provider}`,
        changes
      )).pipe(Effect.mapError(storage("clear its answers")))

    const setPolicy = (input: typeof CachePolicy.Encoded) =>
      Effect.gen(function*() {
        const policy = yield* decodePolicy(input)
        yield* Ref.set(policyRef, policy)
        const now = yield* Clock.currentTimeMillis
        yield* sql.withTransaction(prune(policy, now)).pipe(Effect.mapError(storage("apply its new bounds")))
      })

    const stats: Effect.Effect<Stats, ResponseCacheError> = Effect.gen(function*() {
      const rows = yield* sql<{ readonly entries: number; readonly bytes: number | null }>`SELECT COUNT(*) AS entries,
        SUM(length(CAST(value AS BLOB))) AS bytes FROM ai_response_cache`.pipe(Effect.mapError(storage("count its answers")))
      const c = yield* Ref.get(counters)
      return { entries: rows[0]?.entries ?? 0, bytes: rows[0]?.bytes ?? 0, ...c }
    })

    return ResponseCache.of({ get, set, invalidate, clear, policy: Ref.get(policyRef), setPolicy, stats })
  })

/**
 * The cache as a Layer on the database (`Database.layer`).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: typeof CachePolicy.Encoded = {}): Layer.Layer<ResponseCache, ResponseCacheError, SqlClient.SqlClient> =>
  Layer.effect(ResponseCache, make(options))

