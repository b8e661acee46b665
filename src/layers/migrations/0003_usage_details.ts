/**
 * Usage details per attempt: input tokens read from and written to the provider's prompt cache,
 * and output tokens spent reasoning (0 where the provider reports none, and for rows written
 * before this migration).
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE ai_metrics ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE ai_metrics ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE ai_metrics ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0`
})
