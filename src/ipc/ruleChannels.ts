/**
 * DB Toolkit's rule-based channels: schema analysis, index suggestions, relationship detection
 * and common queries, answered by the rules of `heuristics.ts` with no provider and no runtime.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as SqlCheck from "../domain/SqlCheck.js"
import * as Heuristics from "./heuristics.js"
import * as Legacy from "./legacy.js"
import * as Requests from "./requests.js"
import type { LocalHandler } from "./route.js"

/**
 * `ai:analyze-schema`: a schema's tables analyzed.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const analyzeSchema: LocalHandler = (args) =>
  Effect.gen(function*() {
    const req = Requests.schemaAnalysis(args)
    const ctx = yield* Requests.schemaOf(req.tables ?? {}, "tables")
    return Legacy.schemaAnalysis(req.schemaName ?? "", ctx.tables)
  })

/**
 * `ai:suggest-indexes`: indexes for a table and the queries run on it. The queries are read by
 * the SQL parser in the connection's dialect where they parse (on its worker, bounded like a
 * check), by the lexical rule otherwise; more than `Heuristics.patternLimits` allow is an
 * `InvalidIpcInput` naming `queryPatterns`.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const suggestIndexes: LocalHandler = (args, context) =>
  Effect.gen(function*() {
    const req = Requests.indexes(args)
    const table = yield* Requests.namedTable(req.tableName, req.columns)
    const texts = yield* Effect.mapError(Heuristics.patternTexts(req.queryPatterns), (r) => Requests.invalid(r.field, r.message))
    const patterns = yield* Heuristics.readQueryPatterns(texts, SqlCheck.targetFromDbType(yield* context.dbTypeOf(req)))
    return Legacy.indexSuggestions(table, patterns, yield* context.dialectOf(req))
  })

/**
 * `ai:analyze-relationships`: the relationships between tables.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const analyzeRelationships: LocalHandler = (args) =>
  Effect.map(Requests.schemaOf(Requests.relationships(args).tables ?? {}, "tables"), (ctx) => Legacy.relationshipAnalysis(ctx.tables))

/**
 * `ai:generate-common-queries`: the usual queries on a table, or on each table of a list
 * (`{tables: [{table_name, columns}], ...}`, read as `ai:analyze-table` reads one). Rule-based:
 * no provider is asked, whatever the count.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const generateCommonQueries: LocalHandler = (args, context) =>
  Effect.gen(function*() {
    const list = Requests.tableList(args)
    if (list !== undefined) return Legacy.commonQueriesList(yield* Requests.namedTables(list.tables), yield* context.dialectOf(list))
    const req = Requests.commonQueries(args)
    const table = yield* Requests.namedTable(req.tableName, req.columns)
    return Legacy.commonQueries(table, yield* context.dialectOf(req))
  })
