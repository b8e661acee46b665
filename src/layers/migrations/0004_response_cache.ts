/**
 * The response cache: one row per stored answer, under the digest of its request's key (never
 * the request's text), with the provider, model and task it belongs to (for clearing per
 * provider), when it was stored (epoch milliseconds, for the TTL and for evicting the oldest
 * first) and the answer as JSON.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE ai_response_cache (
    key TEXT PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    task TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    value TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX ai_response_cache_created_at ON ai_response_cache (created_at)`
})
