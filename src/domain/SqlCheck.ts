/**
 * SQL checked by a real parser (node-sql-parser) in the dialect of the connection: whether it
 * parses, what kinds of statements it holds, which of them are destructive (so the UI can ask
 * before running them) and which tables and columns are not in the schema.
 *
 * Why an Effect, and why a worker thread. node-sql-parser is a synchronous PEG parser, and
 * measured here (Node 20, 2 shared cores) it is too slow to run on the main process:
 *
 * - importing the whole package (`node-sql-parser`) takes ~255 ms and 6 MB of heap; one dialect's
 *   build (`node-sql-parser/build/postgresql.js`) 50-66 ms and ~1.5 MB;
 * - a valid 100 KB statement takes 170-500 ms to parse (an INSERT of ~2,000 rows: 170-270 ms; a
 *   WHERE of ~2,500 OR-ed conditions: 420-500 ms), a 27 KB SELECT of 4,000 columns 140-390 ms;
 * - the PostgreSQL grammar backtracks exponentially on unbalanced parentheses:
 *   `SELECT ((((((((((1` takes 270 ms, with 20 of them 32 s.
 *
 * So the parser runs on one worker thread, started on the first check and kept (unreferenced, so
 * it never keeps the process alive while idle), which loads only the dialect builds it is asked
 * for, each once. The worker reads the syntax tree itself and sends back a few facts (statement
 * kinds, WHERE or not, table and column lists, the names the text defines). The main thread never
 * loads the parser: importing this module costs nothing, and a 100 KB statement (end to end 140-730
 * ms, first check ~100 ms more to start the worker) held the main thread for at most 8-17 ms, most
 * of it tsx and GC noise. Unbalanced parentheses are reported before the parser sees them. Every
 * check has a time limit (2 s by default): a parse that passes it is abandoned, the worker is
 * terminated and the next check starts a fresh one. Input over `maxChars` (100,000 by default) is
 * not checked at all.
 *
 * Known limits of node-sql-parser 5.4.0 met while testing: PostgreSQL's grammar rejects some valid
 * PostgreSQL (`DELETE ... USING`, `FETCH FIRST n ROWS ONLY`), so a repair round may be asked for
 * valid SQL; T-SQL's reads GRANT/REVOKE as something else (the statements come out as `other`,
 * the leading-keyword check still flags them); MySQL's, MariaDB's and SQLite's cannot read
 * GRANT/REVOKE (not checked, still flagged).
 *
 * A check never fails: anything that keeps it from answering (too long, too slow, no grammar for
 * the dialect, the worker could not start) is `checked: false` with a `note` saying why.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option, Schema } from "effect"
import * as Dialect from "./Dialect.js"
import type * as SchemaContext from "./SchemaContext.js"
import type { ParserBuild } from "../internal/SqlParserBuilds.js"
import * as SqlText from "../internal/SqlText.js"

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/**
 * What a check is written against: a SQL dialect, or `mongodb` (whose queries are checked as
 * shell calls or JSON, see {@link checkMongo}).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Target = Schema.Union(Dialect.Dialect, Schema.Literal("mongodb"))

/**
 * @since 0.1.0
 * @category Models
 */
export type Target = typeof Target.Type

/**
 * The kind of one statement.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const StatementKind = Schema.Literal(
  "select",
  "insert",
  "update",
  "delete",
  "create",
  "alter",
  "drop",
  "truncate",
  "grant",
  "revoke",
  "other"
)

/**
 * @since 0.1.0
 * @category Models
 */
export type StatementKind = typeof StatementKind.Type

/**
 * Why the parser rejected the text: its message (shortened: the list of what it expected is
 * cut) and where, 1-based, when it says.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ParseError = Schema.Struct({
  message: Schema.String,
  line: Schema.optional(Schema.Int),
  column: Schema.optional(Schema.Int)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type ParseError = typeof ParseError.Type

/**
 * The kinds of statement that are flagged as destructive.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const DestructiveKind = Schema.Literal("drop", "truncate", "alter", "delete", "update", "grant", "revoke")

/**
 * @since 0.1.0
 * @category Models
 */
export type DestructiveKind = typeof DestructiveKind.Type

/**
 * A destructive statement and why, in words a confirmation dialog can show.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Destructive = Schema.Struct({
  kind: DestructiveKind,
  reason: Schema.String
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Destructive = typeof Destructive.Type

/**
 * A column the schema does not have; `table` when the SQL (or its alias) names it.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const UnknownColumn = Schema.Struct({
  table: Schema.optional(Schema.String),
  column: Schema.String
})

/**
 * @since 0.1.0
 * @category Models
 */
export type UnknownColumn = typeof UnknownColumn.Type

/**
 * What a check found. `unknownTables` and `unknownColumns` are filled only when a schema with
 * tables was given.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Flags = Schema.Struct({
  destructive: Schema.Array(Destructive),
  unknownTables: Schema.Array(Schema.String),
  unknownColumns: Schema.Array(UnknownColumn)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Flags = typeof Flags.Type

/**
 * The result of a check, plain data (it travels over IPC as it is).
 *
 * - `checked`: the text was read by a parser (and `parseError` says whether it parsed);
 *   false when it could not be (too long, too slow, no grammar): `note` says why.
 * - `grammar`: the node-sql-parser grammar used (`PostgresQL`, `MySQL`, `DB2` for Oracle ...),
 *   or `mongodb-shape`.
 * - `statements`: one entry per statement, in order.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const SqlCheckResult = Schema.Struct({
  checked: Schema.Boolean,
  dialect: Target,
  grammar: Schema.optional(Schema.String),
  parseError: Schema.optional(ParseError),
  statements: Schema.Array(Schema.Struct({ kind: StatementKind })),
  flags: Flags,
  note: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type SqlCheckResult = typeof SqlCheckResult.Type

const noFlags: Flags = { destructive: [], unknownTables: [], unknownColumns: [] }

const notChecked = (dialect: Target, note: string, grammar?: string): SqlCheckResult => ({
  checked: false,
  dialect,
  ...(grammar !== undefined ? { grammar } : {}),
  statements: [],
  flags: noFlags,
  note
})

/**
 * Whether the text failed to parse: the case for one repair round ({@link repairPrompt}).
 *
 * @since 0.1.0
 * @category Predicates
 */
export const needsRepair = (result: SqlCheckResult): boolean => result.checked && result.parseError !== undefined

/**
 * Whether anything was flagged: a parse error, a destructive statement, or a table or column that
 * is not in the schema. A response cache keeps none of these.
 *
 * @since 0.1.0
 * @category Predicates
 */
export const isFlagged = (result: SqlCheckResult): boolean =>
  result.parseError !== undefined ||
  result.flags.destructive.length > 0 ||
  result.flags.unknownTables.length > 0 ||
  result.flags.unknownColumns.length > 0

/**
 * The check target for a database type as DB Toolkit names it (`db_type`): `mongodb` stays
 * `mongodb` (which `Dialect.fromDbType` turns into `generic`), anything else is its dialect.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const targetFromDbType = (dbType: string | null | undefined): Target =>
  dbType !== null && dbType !== undefined && /^\s*mongo(db)?\s*$/i.test(dbType) ? "mongodb" : Dialect.fromDbType(dbType)

// ---------------------------------------------------------------------------
// Options and grammars
// ---------------------------------------------------------------------------

/**
 * Bounds of one check.
 *
 * @since 0.1.0
 * @category Models
 */
export interface CheckOptions {
  /** The longest text checked, in characters (default {@link defaultMaxChars}); longer is not checked. */
  readonly maxChars?: number | undefined
  /** How long one parse may take on the worker (default {@link defaultTimeout}). */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * The longest text checked by default: 100,000 characters, which the parser reads in 170-500 ms
 * on the worker (see the module's notes).
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultMaxChars = 100_000

/**
 * How long one parse may take by default before the worker is stopped: 2 seconds.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(2)

type Build = ParserBuild

interface Grammar {
  readonly build: Build
  /** The `database` option node-sql-parser takes. */
  readonly database: string
  /** A parse failure is a note, not a parse error: the grammar is only the closest there is. */
  readonly lenient?: boolean
  /** Tried when this grammar rejects the text; its error is reported if both do. */
  readonly fallback?: Grammar
}

const MYSQL: Grammar = { build: "mysql", database: "MySQL" }

// node-sql-parser has no Oracle grammar; DB2's reads Oracle's FETCH FIRST, OFFSET ... ROWS, NVL,
// DUAL and ROWNUM (PostgreSQL's and T-SQL's reject the first two), not `(+)` outer joins. For
// unknown databases ("standard SQL") PostgreSQL's grammar, the closest to the standard, then MySQL's.
const grammars: Readonly<Record<Dialect.Dialect, Grammar>> = {
  postgresql: { build: "postgresql", database: "PostgresQL" },
  mysql: MYSQL,
  mariadb: { build: "mariadb", database: "MariaDB" },
  sqlite: { build: "sqlite", database: "Sqlite" },
  mssql: { build: "transactsql", database: "TransactSQL" },
  oracle: { build: "db2", database: "DB2", lenient: true },
  generic: { build: "postgresql", database: "PostgresQL", fallback: MYSQL }
}

// ---------------------------------------------------------------------------
// The worker
// ---------------------------------------------------------------------------

// Plain CommonJS, run with `eval: true`: no file to ship or to find beside the compiled module,
// and bundlers leave the parser's builds alone (they are resolved at run time from `base`).
//
// The worker reads the syntax tree itself and sends back only the few facts the checks need
// ({@link Facts}): a tree is costly to copy between threads (a WHERE of 2,500 OR-ed conditions is a
// tree 2,500 deep, whose copy took longer than its parse), and the walks below are iterative, so
// no depth overflows a stack.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require("node:worker_threads")
const { createRequire } = require("node:module")
const load = createRequire(workerData.base)
// The package's own copy of a grammar when it has one (dist/vendor/sql-parser/), else node-sql-parser's.
const grammarFile = (build) => workerData.vendored ? workerData.vendored + build + ".cjs" : "node-sql-parser/build/" + build + ".js"
const parsers = new Map()
const isNode = (u) => typeof u === "object" && u !== null
const nameText = (u) => {
  for (let depth = 0; depth < 8 && isNode(u); depth++) {
    if (typeof u.value === "string") return u.value
    u = isNode(u.expr) ? u.expr : u.column
  }
  return typeof u === "string" ? u : undefined
}
// { db, table } entries: a FROM list, DROP's names, ALTER's table; RENAME nests pairs.
const tableNames = (u) => {
  const out = []
  const stack = [u]
  while (stack.length > 0) {
    const v = stack.pop()
    if (Array.isArray(v)) { for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]); continue }
    if (isNode(v) && typeof v.table === "string") out.push(typeof v.db === "string" && v.db !== "" ? v.db + "." + v.table : v.table)
  }
  return out
}
const statement = (s) => {
  if (!isNode(s)) return { type: "", hasWhere: false, targets: [] }
  const type = typeof s.type === "string" ? s.type.toLowerCase() : ""
  return {
    type,
    keyword: typeof s.keyword === "string" ? s.keyword : undefined,
    hasWhere: s.where !== null && s.where !== undefined,
    targets: tableNames(type === "drop" || type === "truncate" ? s.name : s.table)
  }
}
// Names a query defines for itself: CTE names and column lists, and every alias (AS) of a table,
// a derived table or an output column.
const defined = (ast) => {
  const ctes = new Set()
  const aliases = new Set()
  const stack = [ast]
  while (stack.length > 0) {
    const v = stack.pop()
    if (!isNode(v)) continue
    if (Array.isArray(v)) { for (const x of v) if (isNode(x)) stack.push(x); continue }
    const alias = typeof v.as === "string" ? v.as : isNode(v.as) ? nameText(v.as) : undefined
    if (alias) aliases.add(alias.toLowerCase())
    if (Array.isArray(v.with)) {
      for (const w of v.with) {
        if (!isNode(w)) continue
        const name = nameText(w.name)
        if (name) ctes.add(name.toLowerCase())
        if (Array.isArray(w.columns)) for (const c of w.columns) { const col = nameText(c); if (col) aliases.add(col.toLowerCase()) }
      }
    }
    for (const key in v) { const x = v[key]; if (isNode(x)) stack.push(x) }
  }
  return { ctes: [...ctes], aliases: [...aliases] }
}
// The structure of a text: the columns its WHERE, JOIN ON/USING, GROUP BY, HAVING and ORDER BY
// read, each with the real tables it may belong to (aliases resolved through the scopes, CTEs and
// derived tables left out, output aliases and ORDER BY 1 resolved to their expressions), and how
// many joins, subqueries, set operations, CTEs, groupings and window functions it has.
const QUERY_TYPES = new Set(["select", "update", "delete", "insert", "replace"])
const isQuery = (v) => isNode(v) && !Array.isArray(v) && typeof v.type === "string" && QUERY_TYPES.has(v.type) &&
  ("from" in v || "table" in v || "columns" in v)
const SHAPE_KEYS = new Set(["with", "from", "table", "where", "having", "groupby", "orderby", "_next", "tableList", "columnList"])
const MAX_SHAPE_COLUMNS = 1000
const list = (u) => Array.isArray(u) ? u : []
const aliasOf = (u) => typeof u === "string" ? u : isNode(u) ? nameText(u) : undefined
const shapeOf = (ast) => {
  const out = { columns: [], joins: 0, subqueries: 0, setOperations: 0, ctes: 0, groupings: 0, windows: 0 }
  const seen = new Set()
  const cteNames = new Set()
  const stack = []
  const roots = Array.isArray(ast) ? ast : [ast]
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ v: roots[i], scope: null, clause: null, role: "top" })
  const record = (column, tables) => {
    const key = tables.join(",") + "." + column.toLowerCase()
    if (seen.has(key) || out.columns.length >= MAX_SHAPE_COLUMNS) return
    seen.add(key)
    out.columns.push({ column, tables })
  }
  // The column references of an expression outside its subqueries.
  const refsOf = (expr) => {
    const refs = []
    const todo = [expr]
    while (todo.length > 0) {
      const v = todo.pop()
      if (!isNode(v) || isQuery(v)) continue
      if (v.type === "column_ref") { refs.push(v); continue }
      for (const key in v) if (isNode(v[key])) todo.push(v[key])
    }
    return refs
  }
  const use = (ref, scope, clause, aliases) => {
    const column = nameText(ref.column)
    if (!column || column === "*" || column === "(.*)") return
    const qualifier = (typeof ref.table === "string" ? ref.table : nameText(ref.table) || "").toLowerCase()
    if (qualifier !== "") {
      for (let s = scope; s !== null; s = s.parent) {
        if (!s.tables.has(qualifier)) continue
        const table = s.tables.get(qualifier)
        if (table !== null) record(column, [table])
        return
      }
      record(column, [qualifier])
      return
    }
    const output = aliases && clause !== "where" && clause !== "on" ? scope.outputs.get(column.toLowerCase()) : undefined
    if (output !== undefined) {
      for (const r of refsOf(output)) use(r, scope, clause, false)
      return
    }
    if (scope.real.length > 0) record(column, scope.real)
  }
  // ORDER BY 1, GROUP BY 2: the output column at that position.
  const positional = (expr, scope) =>
    isNode(expr) && expr.type === "number" && Number.isInteger(expr.value) && scope.positions[expr.value - 1] !== undefined
      ? scope.positions[expr.value - 1]
      : expr
  const visitQuery = (q, parent, role) => {
    if (role === "sub") out.subqueries++
    const scope = { parent, tables: new Map(), real: [], outputs: new Map(), positions: [] }
    for (const w of list(q.with)) {
      if (!isNode(w)) continue
      out.ctes++
      const name = nameText(w.name)
      if (name) cteNames.add(name.toLowerCase())
      stack.push({ v: isNode(w.stmt) && isNode(w.stmt.ast) ? w.stmt.ast : w.stmt, scope: parent, clause: null, role: "cte" })
    }
    for (const f of [...list(q.from), ...list(q.table)]) {
      if (!isNode(f)) continue
      if (typeof f.join === "string") out.joins++
      const alias = aliasOf(f.as)
      if (typeof f.table === "string") {
        const t = f.table.toLowerCase()
        const real = cteNames.has(t) ? null : t
        scope.tables.set(t, real)
        if (alias) scope.tables.set(alias.toLowerCase(), real)
        if (real !== null && !scope.real.includes(real)) scope.real.push(real)
      } else if (alias) scope.tables.set(alias.toLowerCase(), null)
      if (isNode(f.expr)) stack.push({ v: f.expr, scope, clause: null, role: "sub" })
      if (isNode(f.on)) stack.push({ v: f.on, scope, clause: "on", role: "sub" })
      for (const u of list(f.using)) {
        const name = nameText(u)
        if (name && scope.real.length > 0) record(name, scope.real.slice(-2))
      }
    }
    for (const c of list(q.columns)) {
      if (!isNode(c)) continue
      scope.positions.push(c.expr)
      const alias = aliasOf(c.as)
      if (alias) scope.outputs.set(alias.toLowerCase(), c.expr)
    }
    const groups = Array.isArray(q.groupby) ? q.groupby : isNode(q.groupby) ? list(q.groupby.columns) : []
    if (groups.length > 0) out.groupings++
    for (const g of groups) stack.push({ v: positional(isNode(g) && g.type === undefined && isNode(g.expr) ? g.expr : g, scope), scope, clause: "group", role: "sub" })
    for (const o of list(q.orderby)) if (isNode(o)) stack.push({ v: positional(o.expr, scope), scope, clause: "order", role: "sub" })
    if (isNode(q.where)) stack.push({ v: q.where, scope, clause: "where", role: "sub" })
    if (isNode(q.having)) stack.push({ v: q.having, scope, clause: "having", role: "sub" })
    if (isNode(q._next)) {
      out.setOperations++
      stack.push({ v: q._next, scope: parent, clause: null, role: "next" })
    }
    for (const key in q) if (!SHAPE_KEYS.has(key) && isNode(q[key])) stack.push({ v: q[key], scope, clause: null, role: "sub" })
  }
  while (stack.length > 0) {
    const { v, scope, clause, role } = stack.pop()
    if (!isNode(v)) continue
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], scope, clause, role: "sub" })
      continue
    }
    if (isQuery(v)) {
      visitQuery(v, scope, role)
      continue
    }
    if (v.type === "column_ref") {
      if (clause !== null && scope !== null) use(v, scope, clause, true)
      continue
    }
    if (isNode(v.over) || v.type === "window_func") out.windows++
    for (const key in v) {
      if (key === "tableList" || key === "columnList") continue
      if (isNode(v[key])) stack.push({ v: v[key], scope, clause, role: "sub" })
    }
  }
  return out
}
parentPort.on("message", (m) => {
  try {
    let parser = parsers.get(m.build)
    if (parser === undefined) {
      const { Parser } = load(grammarFile(m.build))
      parser = new Parser()
      parsers.set(m.build, parser)
    }
    const r = parser.parse(m.sql, { database: m.database })
    if (m.mode === "shape") {
      parentPort.postMessage({ id: m.id, ok: true, shape: shapeOf(r.ast) })
      return
    }
    const stmts = Array.isArray(r.ast) ? r.ast : r.ast === null || r.ast === undefined ? [] : [r.ast]
    const names = defined(r.ast)
    parentPort.postMessage({
      id: m.id,
      ok: true,
      statements: stmts.map(statement),
      tableList: r.tableList,
      columnList: r.columnList,
      ctes: names.ctes,
      aliases: names.aliases
    })
  } catch (e) {
    const start = e && e.location && e.location.start
    parentPort.postMessage({
      id: m.id,
      ok: false,
      syntax: !!e && e.name === "SyntaxError",
      message: String((e && e.message) || e).slice(0, 4000),
      line: start ? start.line : undefined,
      column: start ? start.column : undefined
    })
  }
})
`

/**
 * One statement as the worker read it: node-sql-parser's `type`, its `keyword` (`table`,
 * `index` ...), whether it has a WHERE clause, and the tables it names (FROM, DROP, ALTER ...).
 */
interface StatementFacts {
  readonly type: string
  readonly keyword?: string | undefined
  readonly hasWhere: boolean
  readonly targets: ReadonlyArray<string>
}

/**
 * What the worker sends back for a parsed text: its statements, node-sql-parser's table and
 * column lists (`type::db::table`, `type::table::column`, `null` for none), and the names the
 * text defines for itself (lowercased CTE names; aliases and CTE column names).
 */
interface Facts {
  readonly statements: ReadonlyArray<StatementFacts>
  readonly tableList: ReadonlyArray<string>
  readonly columnList: ReadonlyArray<string>
  readonly ctes: ReadonlyArray<string>
  readonly aliases: ReadonlyArray<string>
}

/** What the worker is asked for: the check's {@link Facts}, or a text's {@link Shape}. */
type Mode = "check" | "shape"

type Failure = { readonly ok: false; readonly syntax: boolean; readonly message: string; readonly line?: number; readonly column?: number }

// What the worker sends back for a mode: `A` (Facts, or `{ shape }`) when the text parsed.
type Reply<A = unknown> = ({ readonly ok: true } & A) | Failure

interface WorkerLike {
  postMessage(message: unknown): void
  terminate(): Promise<number>
  ref(): void
  unref(): void
}

interface Handle {
  readonly worker: WorkerLike
  readonly pending: Map<number, (reply: Reply) => void>
  dead: boolean
}

// The worker being started or running; `live` once it runs.
let handle: Promise<Handle> | undefined
let live: Handle | undefined
let nextId = 0
// One parse in flight at a time, so each time limit measures one parse, not a queue.
const lock = Effect.unsafeMakeSemaphore(1)

// A worker that stopped (terminated, crashed, out of memory) is forgotten; the next check starts one.
const forget = (h: Handle, message: string): void => {
  h.dead = true
  if (live === h) {
    live = undefined
    handle = undefined
  }
  for (const [, done] of h.pending) done({ ok: false, syntax: false, message })
  h.pending.clear()
}

// Built, this module (or the CLI's bundle) lies one folder below dist/, beside vendor/.
const vendoredGrammars = async (): Promise<string | undefined> => {
  const [Fs, Url] = await Promise.all([import("node:fs"), import("node:url")])
  const dir = new URL("../vendor/sql-parser/", import.meta.url)
  return Fs.existsSync(new URL("sqlite.cjs", dir)) ? Url.fileURLToPath(dir) : undefined
}

const startWorker = async (): Promise<Handle> => {
  // Loaded here, not at the top: importing this module stays free, and safe where there are no
  // worker threads (a renderer that only reads the result schema).
  const { Worker } = await import("node:worker_threads")
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { base: import.meta.url, vendored: await vendoredGrammars() },
    resourceLimits: { maxOldGenerationSizeMb: 256 }
  })
  const h: Handle = { worker, pending: new Map(), dead: false }
  worker.on("message", (reply: Reply & { readonly id: number }) => {
    const done = h.pending.get(reply.id)
    h.pending.delete(reply.id)
    if (h.pending.size === 0) worker.unref()
    done?.(reply)
  })
  worker.on("error", (e: Error) => forget(h, `the parser stopped: ${e.message}`))
  worker.on("exit", () => forget(h, "the parser stopped"))
  // Idle, it never keeps the process alive; `send` holds a reference while a parse is in flight.
  worker.unref()
  live = h
  return h
}

const getHandle: Effect.Effect<Handle, string> = Effect.suspend(() => {
  if (handle === undefined || live?.dead === true) handle = startWorker()
  const pending = handle
  return Effect.tryPromise({
    try: () => pending,
    catch: (e) => {
      if (handle === pending) handle = undefined
      return `the parser could not start: ${e instanceof Error ? e.message : String(e)}`
    }
  })
})

const stop = (h: Handle): Effect.Effect<void> =>
  Effect.sync(() => {
    forget(h, "the parser was stopped")
    void h.worker.terminate()
  })

const send = (h: Handle, message: { readonly build: Build; readonly database: string; readonly sql: string; readonly mode: Mode }) =>
  Effect.async<Reply>((resume) => {
    const id = nextId++
    h.pending.set(id, (reply) => resume(Effect.succeed(reply)))
    h.worker.ref()
    h.worker.postMessage({ ...message, id })
    return Effect.sync(() => {
      h.pending.delete(id)
    })
  })

type Outcome<A> = Reply<A> | { readonly ok: "timeout" } | { readonly ok: "unavailable"; readonly message: string }

// The worker's reply is of the mode it was asked for: `A` names what that mode sends.
const parseOnWorker = <A>(grammar: Grammar, sql: string, timeout: Duration.Duration, mode: Mode): Effect.Effect<Outcome<A>> =>
  lock.withPermits(1)(
    Effect.matchEffect(getHandle, {
      onFailure: (message) => Effect.succeed<Outcome<A>>({ ok: "unavailable", message }),
      onSuccess: (h) =>
        send(h, { build: grammar.build, database: grammar.database, sql, mode }).pipe(
          Effect.timeoutOption(timeout),
          // An abandoned parse may run for seconds: the worker goes with it.
          Effect.onInterrupt(() => stop(h)),
          Effect.flatMap(Option.match({
            onNone: () => Effect.as(stop(h), { ok: "timeout" } as const),
            onSome: (reply) => Effect.succeed(reply as Outcome<A>)
          }))
        )
    })
  )

// A parse in the dialect's grammar, then in its fallback when the first rejects the syntax: the
// fallback's reply when it parsed, else the first grammar's outcome; with the grammar that answered.
const parseIn = <A>(
  grammar: Grammar,
  sql: string,
  timeout: Duration.Duration,
  mode: Mode
): Effect.Effect<{ readonly grammar: Grammar; readonly outcome: Outcome<A> }> =>
  Effect.flatMap(parseOnWorker<A>(grammar, sql, timeout, mode), (outcome) => {
    const fallback = grammar.fallback
    if (outcome.ok !== false || !outcome.syntax || fallback === undefined) return Effect.succeed({ grammar, outcome })
    return Effect.map(parseOnWorker<A>(fallback, sql, timeout, mode), (second) =>
      second.ok === true ? { grammar: fallback, outcome: second } : { grammar, outcome })
  })

/**
 * Stops the parser's worker thread, if one runs (an app may call it when it quits; the next check
 * starts a new one).
 *
 * @since 0.1.0
 * @category Lifecycle
 */
export const shutdown: Effect.Effect<void> = Effect.suspend(() => {
  const current = handle
  if (current === undefined) return Effect.void
  return Effect.promise(() =>
    current.then((h) => {
      forget(h, "the parser was stopped")
      return h.worker.terminate()
    }, () => 0)
  ).pipe(Effect.asVoid)
})

// ---------------------------------------------------------------------------
// Reading the syntax tree
// ---------------------------------------------------------------------------

const KINDS: ReadonlyMap<string, StatementKind> = new Map<string, StatementKind>([
  ["select", "select"],
  ["insert", "insert"],
  ["replace", "insert"],
  ["update", "update"],
  ["delete", "delete"],
  ["create", "create"],
  ["alter", "alter"],
  ["rename", "alter"],
  ["drop", "drop"],
  ["truncate", "truncate"],
  ["grant", "grant"],
  ["revoke", "revoke"]
])

const named = (names: ReadonlyArray<string>, fallback: string): string => (names.length > 0 ? names.join(", ") : fallback)

const destructiveOf = (stmt: StatementFacts, kind: StatementKind): Destructive | undefined => {
  const keyword = stmt.keyword?.toUpperCase() ?? ""
  switch (kind) {
    case "drop":
      return { kind, reason: `${`DROP ${keyword} ${named(stmt.targets, "")}`.replace(/\s+/g, " ").trim()} removes it and everything in it` }
    case "truncate":
      return { kind, reason: `TRUNCATE removes every row of ${named(stmt.targets, "the table")}` }
    case "alter":
      return {
        kind,
        reason: stmt.type === "rename"
          ? `RENAME changes the name of ${named(stmt.targets, "a table")}`
          : `ALTER ${keyword ? `${keyword} ` : ""}changes the structure of ${named(stmt.targets, "an object")}`
      }
    case "delete":
      return stmt.hasWhere ? undefined : { kind, reason: `DELETE without WHERE removes every row of ${named(stmt.targets, "the table")}` }
    case "update":
      return stmt.hasWhere ? undefined : { kind, reason: `UPDATE without WHERE changes every row of ${named(stmt.targets, "the table")}` }
    case "grant":
      return { kind, reason: "GRANT changes who may do what" }
    case "revoke":
      return { kind, reason: "REVOKE changes who may do what" }
    default:
      return undefined
  }
}

// The words that begin each statement of the text, with strings, quoted names and comments
// skipped: a safety net for statements a grammar reads as something else (T-SQL's reads GRANT
// as a variable assignment). One pass.
const leadingKeywords = (sql: string): Array<string> => {
  const out: Array<string> = []
  let expectLead = true
  const n = sql.length
  for (let i = 0; i < n;) {
    const c = sql[i]!
    const span = SqlText.spanAt(sql, i)
    if (span !== undefined) {
      if (span.kind !== "comment") expectLead = false
      i = span.end
    } else if (c === ";") {
      expectLead = true
      i++
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++
      if (expectLead) out.push(sql.slice(i, j).toLowerCase())
      expectLead = false
      i = j
    } else {
      if (!/\s/.test(c) && c !== "(") expectLead = false
      i++
    }
  }
  return out
}

const KEYWORD_FLAGS: ReadonlyMap<string, Destructive> = new Map<string, Destructive>([
  ["drop", { kind: "drop", reason: "DROP removes an object and everything in it" }],
  ["truncate", { kind: "truncate", reason: "TRUNCATE removes every row of a table" }],
  ["alter", { kind: "alter", reason: "ALTER changes the structure of an object" }],
  ["grant", { kind: "grant", reason: "GRANT changes who may do what" }],
  ["revoke", { kind: "revoke", reason: "REVOKE changes who may do what" }]
])

interface Defined {
  readonly ctes: ReadonlySet<string>
  readonly aliases: ReadonlySet<string>
}

// ---------------------------------------------------------------------------
// Tables and columns against the schema
// ---------------------------------------------------------------------------

interface SchemaIndex {
  /** Lowercased bare table name → the lowercased schemas it lives in ("" for none). */
  readonly tables: Map<string, Set<string>>
  /** Lowercased bare table name → its lowercased column names (all schemas together). */
  readonly columns: Map<string, Set<string>>
}

const indexes = new WeakMap<SchemaContext.SchemaContext, SchemaIndex>()

// Built once per schema object, in one pass over its tables and columns.
const indexOf = (schema: SchemaContext.SchemaContext): SchemaIndex => {
  const cached = indexes.get(schema)
  if (cached !== undefined) return cached
  const tables = new Map<string, Set<string>>()
  const columns = new Map<string, Set<string>>()
  for (const t of schema.tables) {
    const name = t.name.toLowerCase()
    let schemas = tables.get(name)
    if (schemas === undefined) tables.set(name, schemas = new Set())
    schemas.add((t.schema ?? "").toLowerCase())
    let cols = columns.get(name)
    if (cols === undefined) columns.set(name, cols = new Set())
    for (const c of t.columns) cols.add(c.name.toLowerCase())
  }
  const index = { tables, columns }
  indexes.set(schema, index)
  return index
}

// A schema-qualified name is known when the table exists in that schema, or the context does not
// say which schema its tables are in (`public.users` matches `users`); `sales.users` does not match
// a context that has only `public.users`.
const tableKnown = (index: SchemaIndex, db: string | undefined, table: string): boolean => {
  const schemas = index.tables.get(table.toLowerCase())
  if (schemas === undefined) return false
  if (db === undefined) return true
  return schemas.has("") || schemas.has(db.toLowerCase()) || schemas.has("main")
}

// Names every engine answers to without a table: never flagged as unknown columns.
const PSEUDO_COLUMNS: ReadonlySet<string> = new Set([
  "rownum", "rowid", "oid", "ctid", "xmin", "xmax", "level", "sysdate", "systimestamp", "current_date", "current_time",
  "current_timestamp", "current_user", "session_user", "user", "localtime", "localtimestamp", "true", "false", "null",
  "default"
])

// `type::db::table` and `type::table::column`, `null` for none.
const splitEntry = (entry: string): { readonly type: string; readonly middle: string | undefined; readonly last: string } => {
  const first = entry.indexOf("::")
  const last = entry.lastIndexOf("::")
  const middle = entry.slice(first + 2, last)
  return { type: entry.slice(0, first).toLowerCase(), middle: middle === "null" || middle === "" ? undefined : middle, last: entry.slice(last + 2) }
}

const DML: ReadonlySet<StatementKind> = new Set(["select", "insert", "update", "delete"])

const unknownNames = (
  schema: SchemaContext.SchemaContext,
  reply: Pick<Facts, "tableList" | "columnList">,
  defined: Defined,
  kinds: ReadonlyArray<StatementKind>
): Pick<Flags, "unknownTables" | "unknownColumns"> => {
  const index = indexOf(schema)
  const unknownTables: Array<string> = []
  const seenTables = new Set<string>()
  // The real tables the statements read or write, by lowercased bare name.
  const used = new Set<string>()
  let anyUnknown = false
  for (const entry of reply.tableList) {
    const { last: table, middle: db, type } = splitEntry(entry)
    if (type === "create") continue
    const lower = table.toLowerCase()
    if (db === undefined && defined.ctes.has(lower)) continue
    if (tableKnown(index, db, table)) {
      used.add(lower)
      continue
    }
    anyUnknown = true
    const shown = db !== undefined ? `${db}.${table}` : table
    if (!seenTables.has(shown.toLowerCase())) {
      seenTables.add(shown.toLowerCase())
      unknownTables.push(shown)
    }
  }
  const unknownColumns: Array<UnknownColumn> = []
  // Column entries of DDL name what the statement creates, alters or drops: only DML is checked.
  if (!kinds.every((k) => DML.has(k))) return { unknownTables, unknownColumns }
  const seenColumns = new Set<string>()
  const push = (table: string | undefined, column: string) => {
    const key = `${table?.toLowerCase() ?? ""}.${column.toLowerCase()}`
    if (seenColumns.has(key)) return
    seenColumns.add(key)
    unknownColumns.push(table !== undefined ? { table, column } : { column })
  }
  for (const entry of reply.columnList) {
    const { last: column, middle: table } = splitEntry(entry)
    const col = column.toLowerCase()
    if (column === "(.*)" || column === "*" || PSEUDO_COLUMNS.has(col)) continue
    if (table !== undefined) {
      // The parser resolves table aliases to the table; anything else (a CTE, a derived table's
      // alias, `excluded`, a table that is itself unknown) is not the schema's to judge.
      const t = table.toLowerCase()
      if (defined.ctes.has(t)) continue
      const cols = index.columns.get(t)
      if (cols === undefined || !used.has(t)) continue
      if (!cols.has(col)) push(table, column)
      continue
    }
    // Unqualified: it must be a column of some table the SQL uses, or a name the SQL defines.
    if (anyUnknown || defined.aliases.has(col)) continue
    let found = false
    for (const t of used) {
      if (index.columns.get(t)?.has(col)) {
        found = true
        break
      }
    }
    if (!found) push(undefined, column)
  }
  return { unknownTables, unknownColumns }
}

// ---------------------------------------------------------------------------
// Parse errors
// ---------------------------------------------------------------------------

const MAX_EXPECTED_CHARS = 120
const MAX_MESSAGE_CHARS = 300

/**
 * A parser's message made short: PEG parsers list every token they expected (hundreds of
 * characters); the list is cut after about 120 characters and says how many were left out.
 *
 * @since 0.1.0
 * @category Parse errors
 */
export const shortMessage = (message: string): string => {
  const but = message.lastIndexOf(" but ")
  if (message.startsWith("Expected ") && but > 9) {
    const items = message.slice(9, but).split(", ")
    const kept: Array<string> = []
    let size = 0
    for (const item of items) {
      if (kept.length > 0 && size + item.length > MAX_EXPECTED_CHARS) break
      kept.push(item)
      size += item.length + 2
    }
    const rest = items.length - kept.length
    const list = rest > 0 ? `${kept.join(", ")}, ... (${rest} more)` : kept.join(", ")
    message = `Expected ${list}${message.slice(but)}`
  }
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 3)}...` : message
}

const toParseError = (reply: { readonly message: string; readonly line?: number | undefined; readonly column?: number | undefined }): ParseError => ({
  message: shortMessage(reply.message),
  ...(typeof reply.line === "number" ? { line: reply.line } : {}),
  ...(typeof reply.column === "number" ? { column: reply.column } : {})
})

// Up to 40 characters of the text from where the parser stopped, on one line.
const near = (sql: string, error: ParseError): string | undefined => {
  if (error.line === undefined || error.column === undefined) return undefined
  let start = 0
  for (let line = 1; line < error.line; line++) {
    const nl = sql.indexOf("\n", start)
    if (nl < 0) return undefined
    start = nl + 1
  }
  const end = sql.indexOf("\n", start)
  const text = sql.slice(start, end < 0 ? sql.length : end).slice(Math.max(0, error.column - 1), error.column + 39).trim()
  return text === "" ? "the end of the statement" : `"${text}"`
}

/**
 * The message for the one repair round: the parser's message, where it stopped, the statement,
 * and the request to answer again in the same format. Append it to the original user prompt (or
 * send it as the next user turn). Short and deterministic: the same inputs give the same text.
 *
 * @since 0.1.0
 * @category Parse errors
 */
export const repairPrompt = (sql: string, error: ParseError, dialect: Target): string => {
  const where = error.line !== undefined
    ? ` at line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ""}`
    : ""
  const at = near(sql, error)
  const name = dialect === "mongodb" ? "a MongoDB query" : Dialect.displayName[dialect]
  return [
    `Your previous answer does not parse as ${name}${where}${at !== undefined ? `, near ${at}` : ""}:`,
    error.message,
    "",
    dialect === "mongodb" ? "```" : "```sql",
    sql,
    "```",
    "",
    "Correct it and answer again in exactly the format asked for above."
  ].join("\n")
}

// ---------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------

const fromFacts = (
  sql: string,
  dialect: Target,
  grammar: Grammar,
  facts: Facts,
  schema: SchemaContext.SchemaContext | undefined
): SqlCheckResult => {
  const statements = facts.statements.map((s) => ({ kind: KINDS.get(s.type) ?? ("other" as const) }))
  const destructive: Array<Destructive> = []
  facts.statements.forEach((s, i) => {
    const d = destructiveOf(s, statements[i]!.kind)
    if (d !== undefined) destructive.push(d)
  })
  for (const flag of keywordFlags(sql)) if (!destructive.some((d) => d.kind === flag.kind)) destructive.push(flag)
  const names = schema !== undefined && schema.tables.length > 0
    ? unknownNames(schema, facts, { ctes: new Set(facts.ctes), aliases: new Set(facts.aliases) }, statements.map((s) => s.kind))
    : { unknownTables: [], unknownColumns: [] }
  return {
    checked: true,
    dialect,
    grammar: grammar.database,
    statements,
    flags: { destructive, ...names },
    ...(grammar.lenient && dialect !== "mongodb"
      ? { note: `checked with the ${grammar.database} grammar, the closest node-sql-parser has to ${Dialect.displayName[dialect]}` }
      : {})
  }
}

// Unbalanced parentheses, found before the parser sees them: the PostgreSQL grammar backtracks
// exponentially on them (20 unclosed take 32 s). Strings, quoted names, comments and PostgreSQL's
// dollar quotes are skipped; a string or comment that never ends leaves the verdict to the parser.
// One pass.
const parenError = (sql: string, dialect: Dialect.Dialect): ParseError | undefined => {
  const syntax = syntaxOf(dialect)
  const open: Array<number> = []
  const n = sql.length
  for (let i = 0; i < n; i++) {
    const c = sql[i]!
    if (c === "(") open.push(i)
    else if (c === ")") {
      if (open.pop() === undefined) return { message: "Unexpected \")\": no \"(\" opens it", ...position(sql, i) }
    } else {
      const span = SqlText.spanAt(sql, i, syntax)
      if (span === undefined) continue
      if (!span.closed) return undefined
      i = span.end - 1
    }
  }
  const last = open.pop()
  return last === undefined ? undefined : { message: `"(" is never closed (${open.length + 1} unclosed)`, ...position(sql, last) }
}

// How the dialect quotes: backslash escapes in MySQL's strings, `[names]` in SQL Server's, dollar
// quotes everywhere else (PostgreSQL's, and harmless where unused).
const syntaxOf = (dialect: Dialect.Dialect): SqlText.Syntax => ({
  backslash: dialect === "mysql" || dialect === "mariadb",
  brackets: dialect === "mssql",
  dollar: dialect !== "mssql"
})

const position = (sql: string, offset: number): { readonly line: number; readonly column: number } => {
  let line = 1
  let lineStart = 0
  for (let i = sql.indexOf("\n"); i >= 0 && i < offset; i = sql.indexOf("\n", i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: offset - lineStart + 1 }
}

const checkSql = (
  sql: string,
  dialect: Dialect.Dialect,
  schema: SchemaContext.SchemaContext | undefined,
  timeout: Duration.Duration
): Effect.Effect<SqlCheckResult> => {
  const grammar = grammars[dialect]
  const parens = parenError(sql, dialect)
  // Wrong in every dialect, Oracle's included: a parse error whatever the grammar.
  if (parens !== undefined) return Effect.succeed({ checked: true, dialect, grammar: grammar.database, parseError: parens, statements: [], flags: noFlags })
  return Effect.map(parseIn<Facts>(grammar, sql, timeout, "check"), ({ grammar: read, outcome }): SqlCheckResult => {
    if (outcome.ok === "timeout") {
      return notChecked(dialect, `not checked: the parser took longer than ${Duration.format(timeout)}`, grammar.database)
    }
    if (outcome.ok === "unavailable") return notChecked(dialect, `not checked: ${outcome.message}`, grammar.database)
    // Read by the dialect's grammar, or by its fallback (`generic`: MySQL's after PostgreSQL's).
    if (outcome.ok) return fromFacts(sql, dialect, read, outcome, schema)
    if (!outcome.syntax) return notChecked(dialect, `not checked: the parser failed (${shortMessage(outcome.message)})`, grammar.database)
    if (grammar.fallback !== undefined) return withParseError(sql, dialect, grammar, outcome)
    if (grammar.lenient) {
      return notChecked(
        dialect,
        `not checked: node-sql-parser has no ${Dialect.displayName[dialect]} grammar, and the closest (${grammar.database}) cannot read this: ${shortMessage(outcome.message)}`,
        grammar.database
      )
    }
    if (onlyPermissions(sql)) {
      return {
        ...notChecked(dialect, `not checked: the ${grammar.database} grammar of node-sql-parser does not read GRANT or REVOKE`, grammar.database),
        flags: { ...noFlags, destructive: keywordFlags(sql) }
      }
    }
    return withParseError(sql, dialect, grammar, outcome)
  })
}

// A parse error still carries the destructive statements its leading keywords show.
const withParseError = (sql: string, dialect: Target, grammar: Grammar, reply: Failure): SqlCheckResult => ({
  checked: true,
  dialect,
  grammar: grammar.database,
  parseError: toParseError(reply),
  statements: [],
  flags: { ...noFlags, destructive: keywordFlags(sql) }
})

const keywordFlags = (sql: string): Array<Destructive> => {
  const out: Array<Destructive> = []
  for (const word of leadingKeywords(sql)) {
    const flag = KEYWORD_FLAGS.get(word)
    if (flag !== undefined && !out.some((d) => d.kind === flag.kind)) out.push(flag)
  }
  return out
}

// Grammars that cannot read GRANT or REVOKE at all (MySQL's, MariaDB's, SQLite's): such a script is
// not checked, rather than sent back to the model as broken.
const onlyPermissions = (sql: string): boolean => {
  const words = leadingKeywords(sql)
  return words.length > 0 && words.every((w) => w === "grant" || w === "revoke")
}

// `db.users.find(...)`, `db.getCollection("users").find(...)`, or JSON: how a MongoDB query looks.
// Groups: the collection (from getCollection, or by name) and the method; `db.dropDatabase()` has
// a name and no method.
const MONGO_CALL = /\bdb\s*\.\s*(?:getCollection\s*\(\s*["'`]([^"'`]+)["'`]\s*\)|([A-Za-z_$][\w$]*))\s*(?:\.\s*([A-Za-z_$][\w$]*)\s*)?\(/g
const looksLikeMongo = (text: string): boolean => {
  const t = text.trimStart()
  return t.startsWith("{") || t.startsWith("[") || /^db\s*\.\s*[A-Za-z_$]/.test(t)
}

/**
 * Checks SQL in a dialect, against a schema when one is given (see the module's notes for how it
 * runs). `mongodb` (and `generic` text that looks like a MongoDB query) goes to
 * {@link checkMongo}. Never fails: what keeps the text from being checked is a note.
 *
 * - Statements: one kind per statement; destructive ones flagged (DROP, TRUNCATE, ALTER and
 *   RENAME, DELETE or UPDATE without WHERE, GRANT, REVOKE).
 * - With a schema that has tables: tables the SQL uses that the schema lacks (CTE names skipped;
 *   `schema.table` matched as `table` when the context does not say the schema), and columns of
 *   DML statements that no table used has (aliases, CTE columns and derived tables skipped).
 *   Names are compared case-insensitively.
 * - Oracle is read with DB2's grammar, the closest node-sql-parser has: text that grammar cannot
 *   read is not checked (a note, no parse error). `generic` tries PostgreSQL's grammar, then
 *   MySQL's, and reports PostgreSQL's error when both fail.
 *
 * @since 0.1.0
 * @category Checking
 */
export const check = (
  sql: string,
  dialect: Target,
  schema?: SchemaContext.SchemaContext,
  options: CheckOptions = {}
): Effect.Effect<SqlCheckResult> =>
  Effect.suspend(() => {
    const maxChars = options.maxChars ?? defaultMaxChars
    if (sql.length > maxChars) {
      return Effect.succeed(notChecked(dialect, `not checked: ${sql.length.toLocaleString("en-US")} characters, over the ${maxChars.toLocaleString("en-US")} a check reads`))
    }
    if (sql.trim() === "") return Effect.succeed(notChecked(dialect, "not checked: there is no statement"))
    if (dialect === "mongodb" || (dialect === "generic" && looksLikeMongo(sql))) return Effect.succeed(checkMongo(sql, schema))
    return checkSql(sql, dialect, schema, Duration.decode(options.timeout ?? defaultTimeout))
  })

// ---------------------------------------------------------------------------
// The structure of a statement
// ---------------------------------------------------------------------------

/**
 * A column a clause reads (WHERE, JOIN ... ON or USING, GROUP BY, HAVING, ORDER BY), as written,
 * with the real tables it may belong to, lowercased: one when it is qualified (an alias resolved
 * to its table, in the query or an enclosing one) or its query reads one table; every table its
 * query reads when it is not qualified. Columns of CTEs and derived tables are left out; an
 * output alias (`ORDER BY total_spent`) and a position (`ORDER BY 2`) stand for the columns of
 * their expression.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ClauseColumn {
  readonly column: string
  readonly tables: ReadonlyArray<string>
}

/**
 * What a statement's syntax tree says about its structure: the columns its clauses read (at most
 * 1,000) and how many joins, subqueries (derived tables included; not CTE bodies or the branches
 * of a set operation), set operations (UNION, INTERSECT, EXCEPT), CTEs, GROUP BY clauses and
 * window functions it has, over all its statements.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Shape {
  readonly columns: ReadonlyArray<ClauseColumn>
  readonly joins: number
  readonly subqueries: number
  readonly setOperations: number
  readonly ctes: number
  readonly groupings: number
  readonly windows: number
}

/**
 * The {@link Shape} of SQL, read by the parser in the dialect on the same worker, with the same
 * bounds as {@link check} (`maxChars`, `timeout`, unbalanced parentheses refused before the
 * parser sees them). `None` when the text is not read: empty, too long, too slow, no grammar,
 * MongoDB, or it does not parse; the caller then falls back to a lexical rule.
 *
 * @since 0.1.0
 * @category Checking
 */
export const shape = (sql: string, dialect: Target, options: CheckOptions = {}): Effect.Effect<Option.Option<Shape>> =>
  Effect.suspend(() => {
    const unread = sql.length > (options.maxChars ?? defaultMaxChars) || sql.trim() === "" || dialect === "mongodb" ||
      (dialect === "generic" && looksLikeMongo(sql)) || parenError(sql, dialect) !== undefined
    if (unread) return Effect.succeedNone
    const timeout = Duration.decode(options.timeout ?? defaultTimeout)
    return Effect.map(parseIn<{ readonly shape: Shape }>(grammars[dialect], sql, timeout, "shape"), ({ outcome }) =>
      outcome.ok === true ? Option.some(outcome.shape) : Option.none())
  })

// ---------------------------------------------------------------------------
// MongoDB
// ---------------------------------------------------------------------------

const MONGO_KINDS: ReadonlyMap<string, StatementKind> = new Map<string, StatementKind>([
  ...["find", "findOne", "aggregate", "count", "countDocuments", "estimatedDocumentCount", "distinct", "explain"].map((m) => [m, "select"] as const),
  ...["insert", "insertOne", "insertMany"].map((m) => [m, "insert"] as const),
  ...["update", "updateOne", "updateMany", "replaceOne", "findOneAndUpdate", "findOneAndReplace", "bulkWrite"].map((m) => [m, "update"] as const),
  ...["remove", "deleteOne", "deleteMany", "findOneAndDelete"].map((m) => [m, "delete"] as const),
  ...["createIndex", "createIndexes", "createCollection"].map((m) => [m, "create"] as const),
  ...["drop", "dropIndex", "dropIndexes", "dropDatabase"].map((m) => [m, "drop"] as const),
  ...["renameCollection"].map((m) => [m, "alter"] as const)
])

// Where the brackets of a JavaScript-like text stop matching, with strings and comments skipped;
// undefined when they all match. One pass.
const bracketError = (text: string): ParseError | undefined => {
  const stack: Array<{ readonly c: string; readonly line: number; readonly column: number }> = []
  let line = 1
  let lineStart = 0
  const at = (i: number) => ({ line, column: i - lineStart + 1 })
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === "\n") {
      line++
      lineStart = i + 1
    } else if (c === "\"" || c === "'" || c === "`") {
      const start = at(i)
      let j = i + 1
      while (j < text.length && text[j] !== c) {
        if (text[j] === "\\") j++
        else if (text[j] === "\n" && c !== "`") break
        j++
      }
      if (j >= text.length || text[j] !== c) return { message: `Unterminated string starting with ${c}`, ...start }
      i = j
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i)
      i = (end < 0 ? text.length : end) - 1
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2)
      if (end < 0) return { message: "Unterminated comment", ...at(i) }
      for (let k = i; k < end; k++) if (text[k] === "\n") (line++, lineStart = k + 1)
      i = end + 1
    } else if (c === "(" || c === "[" || c === "{") stack.push({ c, ...at(i) })
    else if (c === ")" || c === "]" || c === "}") {
      const open = stack.pop()
      const want = c === ")" ? "(" : c === "]" ? "[" : "{"
      if (open === undefined || open.c !== want) return { message: `Unexpected "${c}"`, ...at(i) }
    }
  }
  const open = stack.pop()
  return open === undefined ? undefined : { message: `"${open.c}" is never closed`, line: open.line, column: open.column }
}

// `({})`, `()` or `({}, ...)`: a call with an empty filter, which touches every document.
const EMPTY_FILTER = /^\s*(?:\{\s*\}\s*)?(?:[,)]|$)/

/**
 * Checks a MongoDB query as DB Toolkit's models write it: shell calls
 * (`db.orders.find({...})`, `db.getCollection("orders").deleteMany({...})`) or JSON (a filter, a
 * pipeline). There is no MongoDB parser here: the check is of shapes (brackets and strings match,
 * JSON parses), and calls are classified by method: drops, `renameCollection`, and deletes or
 * updates with an empty filter are flagged; with a schema, collections it does not have are
 * unknown tables. Text that is neither is not checked.
 *
 * @since 0.1.0
 * @category Checking
 */
export const checkMongo = (text: string, schema?: SchemaContext.SchemaContext): SqlCheckResult => {
  const t = text.trim()
  const base = { checked: true, dialect: "mongodb" as const, grammar: "mongodb-shape" }
  const note = "checked as a MongoDB shell call or JSON shape; no MongoDB parser reads it"
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      JSON.parse(t)
      return { ...base, statements: [{ kind: "select" }], flags: noFlags, note }
    } catch {
      // Relaxed JSON (unquoted keys, single quotes), as the shell takes it: only its shape is checked.
      const shape = bracketError(t)
      return shape !== undefined
        ? { ...base, parseError: shape, statements: [], flags: noFlags, note }
        : { ...base, statements: [{ kind: "select" }], flags: noFlags, note }
    }
  }
  const calls = [...t.matchAll(MONGO_CALL)]
  if (calls.length === 0) return notChecked("mongodb", "not checked: not a MongoDB shell call (db.<collection>.<method>(...)) or JSON")
  const shape = bracketError(t)
  if (shape !== undefined) return { ...base, parseError: shape, statements: [], flags: noFlags, note }
  const statements: Array<{ readonly kind: StatementKind }> = []
  const destructive: Array<Destructive> = []
  const unknownTables: Array<string> = []
  const index = schema !== undefined && schema.tables.length > 0 ? indexOf(schema) : undefined
  for (const m of calls) {
    // `db.users.find(...).sort(...)` is one statement: the chained calls are not `db.` calls.
    const method = m[3]
    if (method === undefined) {
      // A database method: `db.dropDatabase()`, `db.runCommand(...)`, `db.createCollection(...)`.
      const dbMethod = m[2] ?? ""
      const kind = MONGO_KINDS.get(dbMethod) ?? "other"
      statements.push({ kind })
      if (kind === "drop") destructive.push({ kind, reason: `${dbMethod} removes the database and everything in it` })
      continue
    }
    const collection = m[1] ?? m[2]!
    const kind = MONGO_KINDS.get(method) ?? "other"
    statements.push({ kind })
    const rest = t.slice(m.index + m[0].length)
    if (kind === "drop") destructive.push({ kind, reason: `${method} on ${collection} removes it and everything in it` })
    else if (kind === "alter") destructive.push({ kind, reason: `${method} changes the name of ${collection}` })
    else if ((kind === "delete" || kind === "update") && EMPTY_FILTER.test(rest)) {
      destructive.push({
        kind,
        reason: `${method} with an empty filter ${kind === "delete" ? "removes" : "changes"} every document of ${collection}`
      })
    }
    if (index !== undefined && !index.tables.has(collection.toLowerCase()) && !unknownTables.includes(collection)) {
      unknownTables.push(collection)
    }
  }
  return { ...base, statements, flags: { destructive, unknownTables, unknownColumns: [] }, note }
}
