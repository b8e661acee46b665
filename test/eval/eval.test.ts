/**
 * The evaluation set (cases.ts over shop.sql + seed.sql) run end to end: the whole stack as an app
 * builds it, one OpenAI provider on the emulator whose replies are scripted per question, each
 * question asked through the public entry (`AiService.run(SqlTask.generate(...))`, SQLite, the
 * schema context read from the same DDL). Every answer's SQL runs on a fresh copy of a real SQLite
 * file and its rows are compared with the reference's; its check, flags and repair are compared
 * with the case; the emulator's requests prove one repair request per malformed answer and none
 * for the others; the metrics hold the repair round as its own attempt. Prints one score line.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Layer, Logger, LogLevel, Scope } from "effect"
import * as Path from "node:path"
import type * as SqlTask from "../../src/domain/SqlTask.js"
import * as Task from "../../src/domain/SqlTask.js"
import * as Ddl from "../../src/internal/Ddl.js"
import { type Answer, AiService, type AiServiceError } from "../../src/services/AiService.js"
import { MetricsRepo } from "../../src/services/MetricsRepo.js"
import { Settings } from "../../src/services/Settings.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { stackIn } from "../support/stack.js"
import { tempDir } from "../support/tmp.js"
import { cases, type EvalCase } from "./cases.js"
import * as H from "./harness.js"

const API_KEY = "sk-eval-0123456789abcdefghijklmnop"
const schema = Ddl.parse(H.ddl)

type Served = Either.Either<Answer<SqlTask.GenerateSqlResult>, AiServiceError>

interface Run {
  readonly template: string
  readonly countsBefore: Record<string, number>
  readonly answers: ReadonlyMap<string, Served>
  readonly requests: ReadonlyArray<Emulator.RecordedRequest>
  readonly calls: ReadonlyArray<H.ModelCall>
  readonly metrics: {
    readonly requests: number
    readonly successRate: number | null
    readonly attempts: number
    /** Recorded rows per `attempt` number, read from the library's own database. */
    readonly byAttempt: Record<string, number>
  }
  readonly elapsedMs: number
}

/** Asks every question through the stack, four at a time. */
const evaluate = Effect.gen(function*() {
  const dir = yield* tempDir
  const template = H.createTemplate(dir)
  const countsBefore = H.rowCounts(template)
  const calls: Array<H.ModelCall> = []
  const emu = yield* OpenAiEmulator.make({ apiKey: API_KEY, defaults: { reply: H.scriptedModel(cases, calls) } })
  const context = yield* Layer.build(stackIn(dir))
  const settings = yield* Effect.provide(Settings, context)
  yield* settings.saveProvider("openai", { apiKey: API_KEY, baseUrl: emu.baseUrl }, { resilience: { retry: { maxRetries: 0 } } })
  yield* settings.update({ activeProvider: "openai", health: { enabled: false } })
  const ai = yield* Effect.provide(AiService, context)
  const repo = yield* Effect.provide(MetricsRepo, context)

  const started = Date.now()
  const served = yield* Effect.forEach(
    cases,
    (c) => Effect.either(ai.run(Task.generate({ prompt: c.question, schema, dialect: "sqlite" }))).pipe(Effect.map((a) => [c.id, a] as const)),
    { concurrency: 4 }
  )
  const elapsedMs = Date.now() - started

  yield* repo.flush
  const summary = yield* repo.summary()
  const usage = yield* repo.usage()
  const rows = H.runReadOnly(Path.join(dir, "ai.db"), "SELECT attempt, COUNT(*) FROM ai_metrics GROUP BY attempt ORDER BY attempt")
  return {
    template,
    countsBefore,
    answers: new Map(served),
    requests: [...emu.chatRequests()],
    calls: [...calls],
    metrics: {
      requests: summary.requests,
      successRate: summary.successRate,
      attempts: usage.byProvider.reduce((n, p) => n + p.attempts, 0),
      byAttempt: Object.fromEntries(rows.map((r) => [String(r[0]), Number(r[1])]))
    },
    elapsedMs
  } satisfies Run
})

const malformed = (c: EvalCase) => c.repair !== undefined
const requestsOf = (run: Run, c: EvalCase) => run.requests.filter((r) => H.mentions(r, c.question))
const repairRequestsOf = (run: Run, c: EvalCase) => requestsOf(run, c).filter((r) => H.mentions(r, H.REPAIR_MARKER))
const sorted = <A>(xs: ReadonlyArray<A>) => [...xs].map((x) => JSON.stringify(x)).sort()

const syntaxOrNameError = (run: () => unknown): string | undefined => {
  try {
    run()
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

/** Everything that differs from what the case expects; empty when the case went as designed. */
const problemsOf = (run: Run, c: EvalCase): Array<string> => {
  const problems: Array<string> = []
  const served = run.answers.get(c.id)
  if (served === undefined) return ["not asked"]
  if (Either.isLeft(served)) return [`failed with ${served.left._tag}: ${served.left.message}`]
  const answer = served.right
  const sql = answer.result.sql
  const check = answer.check
  const flags = H.flagsOf(check)

  const sent = requestsOf(run, c).length
  const repairs = repairRequestsOf(run, c).length
  const wantSent = malformed(c) ? 2 : 1
  if (sent !== wantSent || repairs !== wantSent - 1) problems.push(`${sent} requests (${repairs} repair), expected ${wantSent} (${wantSent - 1} repair)`)
  if (answer.repaired !== malformed(c)) problems.push(`repaired is ${answer.repaired}`)
  if (check === undefined || !check.checked) problems.push(`not checked: ${check?.note ?? "no check"}`)
  if (check !== undefined && check.dialect !== "sqlite") problems.push(`checked as ${check.dialect}`)

  switch (c.expect.kind) {
    case "rows": {
      if (check?.parseError !== undefined) problems.push(`parse error: ${check.parseError.message}`)
      if (H.isFlagged(check)) problems.push(`flagged: ${JSON.stringify(flags)}`)
      if (check !== undefined && !check.statements.every((s) => s.kind === "select")) problems.push(`statements ${JSON.stringify(check.statements)}`)
      if (problems.length > 0) break
      let got: Array<Array<unknown>>
      try {
        got = H.runOnCopy(run.template, sql)
      } catch (e) {
        problems.push(`SQLite rejects the answer: ${(e as Error).message}`)
        break
      }
      const ordered = H.isOrdered(c.reference)
      const want = H.canonical(H.runReadOnly(run.template, c.reference), ordered)
      const have = H.canonical(got, ordered)
      if (JSON.stringify(have) !== JSON.stringify(want)) problems.push(`rows differ: got ${have.join(" ")}, want ${want.join(" ")}`)
      break
    }
    case "flagged": {
      const e = c.expect
      if (check?.parseError !== undefined) problems.push(`parse error: ${check.parseError.message}`)
      if (JSON.stringify(sorted(flags.destructive)) !== JSON.stringify(sorted(e.destructive ?? []))) problems.push(`destructive ${JSON.stringify(flags.destructive)}`)
      if (JSON.stringify(sorted(flags.unknownTables)) !== JSON.stringify(sorted(e.unknownTables ?? []))) problems.push(`unknown tables ${JSON.stringify(flags.unknownTables)}`)
      if (JSON.stringify(sorted(flags.unknownColumns)) !== JSON.stringify(sorted(e.unknownColumns ?? []))) problems.push(`unknown columns ${JSON.stringify(flags.unknownColumns)}`)
      // Flagged destructive SQL is never run. Flagged names: SQLite must agree they do not exist.
      if (flags.destructive.length === 0 && (e.destructive ?? []).length === 0) {
        const error = syntaxOrNameError(() => H.runOnCopy(run.template, sql))
        if (error === undefined || !/no such (table|column)/.test(error)) problems.push(`SQLite does not reject the flagged names: ${error ?? "it ran"}`)
      }
      break
    }
    case "repair-fails": {
      if (check?.parseError === undefined) problems.push("the repair parsed")
      if (sql.trim() !== c.repair?.trim()) problems.push(`the answer is not the repair's SQL: ${sql}`)
      const error = syntaxOrNameError(() => H.runOnCopy(run.template, sql))
      if (error === undefined || !/syntax error/.test(error)) problems.push(`SQLite does not reject it: ${error ?? "it ran"}`)
      break
    }
  }
  return problems
}

const outcomeOf = (run: Run, c: EvalCase): H.Outcome => {
  const problems = problemsOf(run, c)
  const served = run.answers.get(c.id)
  const answer = served !== undefined && Either.isRight(served) ? served.right : undefined
  return {
    id: c.id,
    correct: problems.length === 0 && c.expect.kind !== "repair-fails",
    repaired: answer?.repaired ?? false,
    flagged: H.isFlagged(answer?.check),
    problems
  }
}

describe("evaluation set (shop schema, whole stack, real SQLite)", () => {
  let run: Run | undefined
  let outcomes: ReadonlyArray<H.Outcome> = []
  const scope = Effect.runSync(Scope.make())
  const ran = (): Run => {
    if (run === undefined) throw new Error("the evaluation did not run")
    return run
  }

  beforeAll(async () => {
    run = await Effect.runPromise(evaluate.pipe(Scope.extend(scope), Logger.withMinimumLogLevel(LogLevel.None)))
    outcomes = cases.map((c) => outcomeOf(run!, c))
  }, 60_000)

  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    if (outcomes.length === 0) return
    const correct = outcomes.filter((o) => o.correct).length
    const repaired = outcomes.filter((o) => o.repaired).length
    const mended = outcomes.filter((o) => o.repaired && o.correct).length
    const flagged = outcomes.filter((o) => o.flagged).length
    console.log(
      `eval: ${correct}/${outcomes.length} correct, ${repaired} repaired (${mended} mended), ${flagged} flagged` +
        ` (${run?.elapsedMs ?? 0} ms)`
    )
  })

  it("the set is well formed: unique ids and questions, none inside another, every reference runs and returns rows", () => {
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length)
    for (const c of cases) expect(H.caseIn(cases, `Request:\n${c.question}\n`)?.id).toBe(c.id)
    expect(cases.length).toBeGreaterThanOrEqual(20)
    for (const c of cases) {
      if (c.expect.kind === "flagged" && (c.expect.destructive ?? []).length > 0) continue
      expect(H.runReadOnly(ran().template, c.reference).length, c.id).toBeGreaterThan(0)
    }
    // What the parser rejects, SQLite rejects too: the repair rounds are for SQL that would fail.
    for (const c of cases.filter(malformed)) {
      expect(syntaxOrNameError(() => H.runOnCopy(ran().template, c.answer)), c.id).toMatch(/syntax error/)
    }
  })

  it.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const outcome = outcomes.find((o) => o.id === c.id)
    expect(outcome?.problems).toEqual([])
    if (c.expect.kind === "repair-fails") {
      // Not an error: the repair's answer, with the failed check and the parser's message.
      const served = ran().answers.get(c.id)!
      expect(Either.isRight(served)).toBe(true)
      const answer = Either.getOrThrow(served)
      expect(answer.repaired).toBe(true)
      expect(answer.check?.parseError?.message).toMatch(/\S/)
    }
  })

  it("the emulator received exactly one repair request for each malformed answer, and none for the others", () => {
    const r = ran()
    for (const c of cases) {
      const repairs = repairRequestsOf(r, c)
      expect(repairs, c.id).toHaveLength(malformed(c) ? 1 : 0)
      expect(requestsOf(r, c), c.id).toHaveLength(malformed(c) ? 2 : 1)
      // The repair request quotes the broken SQL back.
      if (malformed(c)) expect(H.mentions(repairs[0]!, c.answer.split("\n")[0]!.replace(/;\s*$/, "")), c.id).toBe(true)
    }
    expect(r.requests).toHaveLength(cases.length + cases.filter(malformed).length)
    // The scripted model saw the same: each question once, each malformed one's repair once.
    expect(r.calls.filter((x) => x.caseId === undefined)).toEqual([])
    expect(sorted(r.calls.filter((x) => x.repair).map((x) => x.caseId))).toEqual(sorted(cases.filter(malformed).map((c) => c.id)))
  })

  it("the metrics record each repair round as its own attempt", () => {
    const m = ran().metrics
    const repairs = cases.filter(malformed).length
    expect(m.requests).toBe(cases.length + repairs)
    expect(m.attempts).toBe(cases.length + repairs)
    expect(m.successRate).toBe(1)
    expect(m.byAttempt).toEqual({ "1": cases.length, "2": repairs })
  })

  it("no case changed the sample database (flagged destructive SQL is never run)", () => {
    expect(H.rowCounts(ran().template)).toEqual(ran().countsBefore)
  })

  it("the score: every case correct but the one designed to fail", () => {
    const designedToFail = cases.filter((c) => c.expect.kind === "repair-fails").map((c) => c.id)
    expect(outcomes.filter((o) => !o.correct).map((o) => o.id)).toEqual(designedToFail)
    expect(outcomes.filter((o) => o.repaired)).toHaveLength(cases.filter(malformed).length)
    expect(outcomes.filter((o) => o.flagged)).toHaveLength(cases.filter((c) => c.expect.kind === "flagged").length)
  })
})
