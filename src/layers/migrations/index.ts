/**
 * Every schema migration of the library's database, numbered. A migration is never edited once
 * released; changes are new numbers.
 *
 * @since 0.1.0
 */
import type { SqlClient } from "@effect/sql"
import type { Effect } from "effect"
import settings from "./0001_settings.js"
import metrics from "./0002_metrics.js"
import usageDetails from "./0003_usage_details.js"
import responseCache from "./0004_response_cache.js"
import repairAttempts from "./0005_repair_attempts.js"

/**
 * The migrations, keyed `<id>_<name>`.
 *
 * @since 0.1.0
 */
export const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "0001_settings": settings,
  "0002_metrics": metrics,
  "0003_usage_details": usageDetails,
  "0004_response_cache": responseCache,
  "0005_repair_attempts": repairAttempts
}

/**
 * The highest migration id: the schema version this library writes and understands.
 *
 * @since 0.1.0
 */
export const schemaVersion: number = Math.max(...Object.keys(migrations).map((k) => Number.parseInt(k, 10)))
