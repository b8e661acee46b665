/**
 * The node-sql-parser builds (one grammar each) the SQL check uses. A module of its own, with no
 * imports, so that the package build (scripts/bundle.mjs) can read the list from dist and bundle
 * each build into `dist/vendor/sql-parser/<build>.cjs`: an app installs none of node-sql-parser's
 * 89 MB.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category Constants
 */
export const parserBuilds = ["postgresql", "mysql", "mariadb", "sqlite", "transactsql", "db2"] as const

/**
 * @since 0.1.0
 * @category Models
 */
export type ParserBuild = typeof parserBuilds[number]
