/**
 * SQL dialects the prompts are written for.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A SQL dialect. `generic` is the fallback when the database type is unknown.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Dialect = Schema.Literal("postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle", "generic")

/**
 * @since 0.1.0
 * @category Models
 */
export type Dialect = typeof Dialect.Type

/**
 * The dialect's name as it appears in a prompt.
 *
 * @since 0.1.0
 * @category Constants
 */
export const displayName: Readonly<Record<Dialect, string>> = {
  postgresql: "PostgreSQL",
  mysql: "MySQL",
  mariadb: "MariaDB",
  sqlite: "SQLite",
  mssql: "Microsoft SQL Server (T-SQL)",
  oracle: "Oracle",
  generic: "standard SQL"
}

const aliases: Readonly<Record<string, Dialect>> = {
  postgresql: "postgresql",
  postgres: "postgresql",
  pg: "postgresql",
  psql: "postgresql",
  mysql: "mysql",
  mariadb: "mariadb",
  sqlite: "sqlite",
  sqlite3: "sqlite",
  mssql: "mssql",
  sqlserver: "mssql",
  "sql server": "mssql",
  tsql: "mssql",
  "t-sql": "mssql",
  oracle: "oracle",
  plsql: "oracle"
}

/**
 * Maps a database type as DB Toolkit names it (`postgresql`, `postgres`, `mysql`, `sqlite`, ...)
 * to a dialect; anything unknown (including `mongodb`) becomes `generic`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromDbType = (dbType: string | null | undefined): Dialect =>
  (dbType !== null && dbType !== undefined && aliases[dbType.trim().toLowerCase()]) || "generic"

/**
 * A lenient dialect schema for input from outside: decodes any database type string through
 * {@link fromDbType} and defaults to `generic` when absent.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const DialectFromDbType: Schema.Schema<Dialect, string> = Schema.transform(Schema.String, Dialect, {
  strict: true,
  decode: fromDbType,
  encode: (d) => d
})
