/**
 * The evaluation set through DB Toolkit's own door: every question sent on `ai:generate-query`
 * with `db_type: "sqlite"` and the schema read from the same DDL, over a fake `ipcMain` (responses
 * structured-cloned as Electron does) and a runtime of the whole stack. The IPC answer must carry
 * what the check found (flags, parse error, repair) and its SQL the reference's rows.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, ManagedRuntime } from "effect"
import * as Ddl from "../../src/internal/Ddl.js"
import * as Handlers from "../../src/ipc/handlers.js"
import { Settings } from "../../src/services/Settings.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { makeIpcMain, type Response } from "../support/ipc.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"
import { cases, type EvalCase } from "./cases.js"
import * as H from "./harness.js"

const API_KEY = "sk-eval-ipc-0123456789abcdefghijklm"
const schema = Ddl.parse(H.ddl)
const sorted = (xs: ReadonlyArray<unknown>) => xs.map((x) => JSON.stringify(x)).sort()

/** What differs between an IPC answer and its case. */
const problemsOf = (template: string, c: EvalCase, r: Response): Array<string> => {
  if (r.success !== true) return [`failed: ${r.error}`]
  const problems: Array<string> = []
  const e = c.expect
  const want = {
    destructive: e.kind === "flagged" ? sorted(e.destructive ?? []) : [],
    unknownTables: e.kind === "flagged" ? sorted(e.unknownTables ?? []) : [],
    unknownColumns: e.kind === "flagged" ? sorted(e.unknownColumns ?? []) : []
  }
  if (r.repaired !== (c.repair !== undefined)) problems.push(`repaired is ${r.repaired}`)
  if (r.check?.dialect !== "sqlite") problems.push(`checked as ${r.check?.dialect}`)
  if ((r.check?.parseError !== undefined) !== (e.kind === "repair-fails")) problems.push(`parse error: ${JSON.stringify(r.check?.parseError)}`)
  if (r.flagged !== (e.kind !== "rows")) problems.push(`flagged is ${r.flagged}`)
  if (JSON.stringify(sorted(r.destructive.map((d: { kind: string }) => d.kind))) !== JSON.stringify(want.destructive)) problems.push(`destructive ${JSON.stringify(r.destructive)}`)
  if (JSON.stringify(sorted(r.unknown_tables)) !== JSON.stringify(want.unknownTables)) problems.push(`unknown tables ${JSON.stringify(r.unknown_tables)}`)
  if (JSON.stringify(sorted(r.unknown_columns)) !== JSON.stringify(want.unknownColumns)) problems.push(`unknown columns ${JSON.stringify(r.unknown_columns)}`)
  if (e.kind === "rows" && problems.length === 0) {
    const ordered = H.isOrdered(c.reference)
    try {
      const have = H.canonical(H.runOnCopy(template, r.sql), ordered)
      const wanted = H.canonical(H.runReadOnly(template, c.reference), ordered)
      if (JSON.stringify(have) !== JSON.stringify(wanted)) problems.push(`rows differ: got ${have.join(" ")}, want ${wanted.join(" ")}`)
    } catch (error) {
      problems.push(`SQLite rejects the answer: ${(error as Error).message}`)
    }
  }
  return problems
}

describe("evaluation set over IPC", () => {
  it.live("every question on ai:generate-query (db_type sqlite): the checks in the answer, the reference's rows, one repair request per malformed answer", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const template = H.createTemplate(dir)
      const calls: Array<H.ModelCall> = []
      const emu = yield* OpenAiEmulator.make({ apiKey: API_KEY, defaults: { reply: H.scriptedModel(cases, calls) } })
      const runtime = yield* Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(stackIn(dir))), (rt) => Effect.promise(() => rt.dispose()))
      yield* Effect.promise(() =>
        runtime.runPromise(Effect.gen(function*() {
          const settings = yield* Settings
          yield* settings.saveProvider("openai", { apiKey: API_KEY, baseUrl: emu.baseUrl }, { resilience: { retry: { maxRetries: 0 } } })
          yield* settings.update({ activeProvider: "openai", health: { enabled: false } })
        }))
      )
      const ipc = makeIpcMain()
      yield* Effect.acquireRelease(Effect.sync(() => Handlers.registerAiHandlers(ipc, runtime)), (r) => Effect.sync(() => r.dispose()))

      const responses = yield* Effect.forEach(
        cases,
        (c) => Effect.promise(() => ipc.invoke("ai:generate-query", { natural_language: c.question, db_type: "sqlite", schema_context: schema })),
        { concurrency: 4 }
      )
      const problems = Object.fromEntries(
        cases.map((c, i) => [c.id, problemsOf(template, c, responses[i]!)] as const).filter(([, p]) => p.length > 0)
      )
      expect(problems).toEqual({})
      const malformed = cases.filter((c) => c.repair !== undefined)
      expect(emu.chatRequests()).toHaveLength(cases.length + malformed.length)
      expect(emu.chatRequests().filter((r) => H.mentions(r, H.REPAIR_MARKER))).toHaveLength(malformed.length)
      expect(calls.filter((x) => x.repair).map((x) => x.caseId).sort()).toEqual(malformed.map((c) => c.id).sort())
    })))
})
