/**
 * Marks the attempts that were a repair round (a second call for an answer whose SQL did not
 * parse), so usage counts one use per answered request; rows written before are not repairs.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE ai_metrics ADD COLUMN repair INTEGER NOT NULL DEFAULT 0`
})
