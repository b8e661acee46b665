/**
 * The metrics table: one row per provider attempt, counts, sizes and tags only (no prompt, SQL
 * or schema text has a column). Indexed by time, and by provider then time, for the period
 * queries, retention and per-provider reset.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE ai_metrics (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    operation TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    time_to_first_token_ms REAL,
    outcome TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_usd REAL,
    fallback INTEGER NOT NULL,
    cached INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    request_id TEXT,
    prompt_chars INTEGER
  )`
  yield* sql`CREATE INDEX ai_metrics_at ON ai_metrics (at)`
  yield* sql`CREATE INDEX ai_metrics_provider_at ON ai_metrics (provider, at)`
})
