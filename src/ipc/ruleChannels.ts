/**
 * DB Toolkit's rule-based channels: schema analysis, index suggestions, relationship detection
 * and common queries, answered by the rules of `heuristics.ts` with no provider and no runtime.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
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
 * `ai:suggest-indexes`: indexes for a table and the queries run on it.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const suggestIndexes: LocalHandler = (args, context) =>
  Effect.gen(function*() {
    const req = Requests.indexes(args)
    const table = yield* Requests.namedTable(req.tableName, req.columns)
    return Legacy.indexSuggestions(table, req.queryPatterns, yield* context.dialectOf(req))
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
 * `ai:generate-common-queries`: the usual queries on a table.
 *
 * @since 0.1.0
 * @category Handlers
 */
export const generateCommonQueries: LocalHandler = (args, context) =>
  Effect.gen(function*() {
    const req = Requests.commonQueries(args)
    const table = yield* Requests.namedTable(req.tableName, req.columns)
    return Legacy.commonQueries(table, yield* context.dialectOf(req))
  })
