/**
 * What the evaluation set runs on: the sample database (shop.sql + seed.sql in a real SQLite file,
 * through better-sqlite3), result sets compared as values, and the scripted model that answers
 * each question (and its one repair round) as the case says.
 */
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import type * as SqlCheck from "../../src/domain/SqlCheck.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import type { EvalCase } from "./cases.js"

export const ddl = Fs.readFileSync(new URL("./shop.sql", import.meta.url), "utf8")
export const seed = Fs.readFileSync(new URL("./seed.sql", import.meta.url), "utf8")

// ---------------------------------------------------------------------------
// SQLite (better-sqlite3 12, a dependency of @effect/sql-sqlite-node; it ships no types)
// ---------------------------------------------------------------------------

interface Statement {
  raw(toggle: boolean): Statement
  all(): Array<Array<unknown>>
  readonly reader: boolean
}
export interface Db {
  exec(sql: string): void
  prepare(sql: string): Statement
  close(): void
}
type DatabaseConstructor = new(filename: string, options?: { readonly readonly?: boolean; readonly fileMustExist?: boolean }) => Db

const Database = createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor

/** The seeded database as a file in `dir`: the template every answer runs on a copy of. */
export const createTemplate = (dir: string): string => {
  const file = Path.join(dir, "shop.db")
  const db = new Database(file)
  try {
    db.exec(ddl)
    db.exec(seed)
  } finally {
    db.close()
  }
  return file
}

let copies = 0

/** Runs one statement on a fresh copy of the template, so nothing it does reaches another case. */
export const runOnCopy = (template: string, sql: string): Array<Array<unknown>> => {
  const file = Path.join(Path.dirname(template), `copy-${++copies}.db`)
  Fs.copyFileSync(template, file)
  const db = new Database(file, { fileMustExist: true })
  try {
    return db.prepare(sql).raw(true).all()
  } finally {
    db.close()
    Fs.rmSync(file, { force: true })
  }
}

/** Runs a read-only statement on the template itself (opened read-only). */
export const runReadOnly = (template: string, sql: string): Array<Array<unknown>> => {
  const db = new Database(template, { readonly: true, fileMustExist: true })
  try {
    return db.prepare(sql).raw(true).all()
  } finally {
    db.close()
  }
}

/** Rows per table of the template, to prove no case changed it. */
export const rowCounts = (template: string): Record<string, number> => {
  const db = new Database(template, { readonly: true, fileMustExist: true })
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").raw(true).all().map((r) => String(r[0]))
    return Object.fromEntries(tables.map((t) => [t, Number(db.prepare(`SELECT COUNT(*) FROM "${t}"`).raw(true).all()[0]![0])]))
  } finally {
    db.close()
  }
}

// ---------------------------------------------------------------------------
// Result sets
// ---------------------------------------------------------------------------

// Sums of REAL values may differ in the last bits with the order they were added in.
const value = (v: unknown): unknown => (typeof v === "number" && !Number.isInteger(v) ? Number(v.toFixed(6)) : v)

/** Whether a query's result has a defined order: an ORDER BY outside any parentheses. */
export const isOrdered = (sql: string): boolean => {
  let depth = 0
  let top = ""
  for (const ch of sql.replace(/'(?:[^']|'')*'/g, "''")) {
    if (ch === "(") depth++
    else if (ch === ")") depth--
    else if (depth === 0) top += ch
  }
  return /\bORDER\s+BY\b/i.test(top)
}

/**
 * Rows as comparable text: values by position (column names are the model's choice), numbers
 * rounded, and sorted unless `ordered`.
 */
export const canonical = (rows: ReadonlyArray<ReadonlyArray<unknown>>, ordered: boolean): Array<string> => {
  const out = rows.map((r) => JSON.stringify(r.map(value)))
  return ordered ? out : out.sort()
}

// ---------------------------------------------------------------------------
// The scripted model
// ---------------------------------------------------------------------------

/** How the library's repair prompt begins (`SqlCheck.repairPrompt`). */
export const REPAIR_MARKER = "Your previous answer does not parse"

/** The model's answer text, in the format the text parser reads: a ```sql fence, then a sentence. */
export const replyText = (sql: string): string => "```sql\n" + sql + "\n```\nThis query answers the request."

/** The case whose question the text holds (the longest, should one question contain another). */
export const caseIn = (cases: ReadonlyArray<EvalCase>, text: string): EvalCase | undefined => {
  let found: EvalCase | undefined
  for (const c of cases) if (text.includes(c.question) && (found === undefined || c.question.length > found.question.length)) found = c
  return found
}

/** Whether a prompt is the repair round's: the library's wording, or the broken answer quoted back. */
export const isRepairPrompt = (c: EvalCase, user: string): boolean =>
  user.includes(REPAIR_MARKER) || (c.repair !== undefined && user.includes(c.answer.split("\n")[0]!.replace(/;\s*$/, "")))

export interface ModelCall {
  readonly caseId: string | undefined
  readonly repair: boolean
}

/**
 * The scripted model: finds the case by its question in the prompt and answers with the case's
 * SQL, or with its repair when the prompt is the repair round's. Every call is logged.
 */
export const scriptedModel = (cases: ReadonlyArray<EvalCase>, log: Array<ModelCall>) => (input: Emulator.ChatInput): string => {
  const c = caseIn(cases, input.user)
  if (c === undefined) {
    log.push({ caseId: undefined, repair: false })
    return "I need more information about what you are asking."
  }
  const repair = isRepairPrompt(c, input.user)
  log.push({ caseId: c.id, repair })
  return replyText(repair ? c.repair ?? c.answer : c.answer)
}

/** The text of a recorded request's body that a question or marker would appear in (JSON-escaped). */
export const mentions = (request: Emulator.RecordedRequest, text: string): boolean => request.text.includes(JSON.stringify(text).slice(1, -1))

// ---------------------------------------------------------------------------
// Grading
// ---------------------------------------------------------------------------

/** What one case came to. */
export interface Outcome {
  readonly id: string
  /** The case's expectation is met (a designed-to-fail case never is). */
  readonly correct: boolean
  readonly repaired: boolean
  readonly flagged: boolean
  /** Why it is not correct, in words. */
  readonly problems: ReadonlyArray<string>
}

export const flagsOf = (check: SqlCheck.SqlCheckResult | undefined) => ({
  destructive: (check?.flags.destructive ?? []).map((d) => d.kind),
  unknownTables: [...(check?.flags.unknownTables ?? [])],
  unknownColumns: [...(check?.flags.unknownColumns ?? [])]
})

export const isFlagged = (check: SqlCheck.SqlCheckResult | undefined): boolean => {
  const f = flagsOf(check)
  return f.destructive.length + f.unknownTables.length + f.unknownColumns.length > 0
}
