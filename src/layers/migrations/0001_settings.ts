/**
 * Settings tables: app-wide values, one row per provider (config without secrets, flags,
 * resilience), encrypted secrets bound to their provider and field, and metadata (the master key
 * check, the `.env` import record).
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE ai_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`
  yield* sql`CREATE TABLE ai_providers (
    id TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL DEFAULT 1,
    config TEXT NOT NULL,
    resilience TEXT NOT NULL DEFAULT '{}',
    revision INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
  )`
  yield* sql`CREATE TABLE ai_secrets (
    provider TEXT NOT NULL,
    field TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    tag BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (provider, field)
  )`
  yield* sql`CREATE TABLE ai_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  )`
})
