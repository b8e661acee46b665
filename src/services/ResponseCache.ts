/**
 * The response cache: answers stored under their request's key (`CacheKey`), served again while
 * they are younger than the policy's TTL, and the oldest evicted first past its size bounds
 * (implemented on the library's SQLite database by `layers/ResponseCacheSql.ts`).
 *
 * What goes in, what comes out:
 * - a stored answer is the value's JSON, encoded with the Schema the caller passes and decoded
 *   with it on the way out: a stored row is untrusted, and one that does not decode, is larger
 *   than `maxEntryBytes`, or carries an impossible time is a miss, and is deleted;
 * - `set` stores only what the caller says is `cacheable`: never a failure (there is no value to
 *   pass), and never an answer that was cut short (`finishReason: "length"`), flagged by the SQL
 *   check (`SqlCheck.isFlagged`), or otherwise not worth serving twice: that judgement is the
 *   caller's (`AiService` stores only a clean answer of the first provider);
 * - a request's text is never stored (the key is a digest), nor any API key or configuration.
 *
 * A cache is an optimization: `get` and `set` never fail the request (a storage failure is
 * logged, and is a miss or a skipped store). Bypassing it is the caller's choice, per request
 * ({@link Mode}): skip `get` to refresh, skip both to bypass.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type { CacheKey, CachePolicy } from "../domain/CacheKey.js"
import type { ProviderId } from "../domain/ProviderId.js"

/**
 * The cache could not do what was asked: the policy given does not validate (`InvalidOptions`),
 * or the database failed (`Storage`). Only the cache's management calls fail with it.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ResponseCacheError extends Schema.TaggedError<ResponseCacheError>("@db-toolkit/ai/ResponseCacheError")("ResponseCacheError", {
  reason: Schema.Literal("InvalidOptions", "Storage"),
  message: Schema.String
}) {}

/**
 * An answer served from the cache: the value, decoded, and when it was stored (the clock's
 * epoch milliseconds) and how old it is.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Hit<A> {
  readonly value: A
  readonly storedAt: number
  readonly ageMs: number
}

/**
 * Whether a `set` may store the value. The caller decides: `false` for an answer that was cut
 * short, flagged, or is otherwise not to be served twice.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SetOptions {
  readonly cacheable: boolean
}

/**
 * What the cache holds and has done since it started. `corrupt` rows were found undecodable,
 * oversized or with an impossible time, and deleted; `skipped` values were not cacheable (or the
 * cache was off, or the value was larger than `maxEntryBytes`); `evicted` rows were deleted to
 * stay within the size bounds, `expired` ones because they were older than the TTL.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Stats {
  readonly entries: number
  readonly bytes: number
  readonly hits: number
  readonly misses: number
  readonly stored: number
  readonly skipped: number
  readonly corrupt: number
  readonly expired: number
  readonly evicted: number
}

/**
 * The cache.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /**
   * The answer stored under the key, decoded with `schema`, if there is one younger than the TTL
   * (on the Effect clock). A miss when the cache is off. Never fails: a row that cannot be read
   * is a miss (and is deleted when it is corrupt, oversized or expired).
   */
  readonly get: <A, I>(key: CacheKey, schema: Schema.Schema<A, I>) => Effect.Effect<Option.Option<Hit<A>>>
  /**
   * Stores an answer under the key (replacing one stored before), then evicts the oldest answers
   * past the size bounds and every expired one. Stores nothing when `cacheable` is false, the
   * cache is off, or the answer's JSON is larger than `maxEntryBytes` or `maxBytes`. Returns
   * whether it stored; never fails (a storage failure is logged and returns false).
   */
  readonly set: <A, I>(key: CacheKey, value: A, schema: Schema.Schema<A, I>, options: SetOptions) => Effect.Effect<boolean>
  /** Deletes the answer stored under the key, if any. */
  readonly invalidate: (key: CacheKey) => Effect.Effect<void>
  /** Deletes every stored answer, or one provider's; returns how many. */
  readonly clear: (filter?: { readonly provider?: ProviderId | undefined }) => Effect.Effect<number, ResponseCacheError>
  /** The policy in force. */
  readonly policy: Effect.Effect<CachePolicy>
  /**
   * Replaces the policy (its encoded form: fields left out take their defaults), for the
   * settings to call when they change; a smaller bound evicts at once. Fails with
   * `InvalidOptions` naming the field, changing nothing.
   */
  readonly setPolicy: (policy: typeof CachePolicy.Encoded) => Effect.Effect<void, ResponseCacheError>
  readonly stats: Effect.Effect<Stats, ResponseCacheError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class ResponseCache extends Context.Tag("@db-toolkit/ai/ResponseCache")<ResponseCache, Service>() {}

/**
 * Per request, how the cache is used: `use` (the default) looks up, and stores a cacheable
 * answer; `refresh` does not look up but stores the fresh answer (a "regenerate" button);
 * `bypass` neither looks up nor stores.
 *
 * @since 0.1.0
 * @category Models
 */
export type Mode = "use" | "refresh" | "bypass"
