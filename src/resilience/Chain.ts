/**
 * The guarded provider chain: the providers tried in the fallback order, each attempt behind its
 * provider's guard (circuit breaker, rate limit, retry, time limits), recorded in the metrics and
 * traced, with background health checks that take a failing provider out of the chain. A request
 * may pin one provider: then no fallback happens.
 *
 * What happens to one request, top-down: {@link Chain.run} plans the providers, `Fallback.run`
 * tries them in turn, `tries` retries one provider within its deadline and then gives an answer
 * whose SQL does not parse its one repair round (`repairOnce`), and `attempt` composes, in order,
 * what each attempt goes through. A streamed request reads the same way in one place (`stream`,
 * then `attemptStream`); its answer is checked, never repaired (its text has reached the caller).
 *
 * @since 0.1.0
 */
import { Cause, Clock, Effect, Exit, Option, Random, type Scope, Stream } from "effect"
import * as AiError from "../domain/AiError.js"
import type { Prepared } from "../domain/Prepared.js"
import * as Pricing from "../domain/Pricing.js"
import type { ProviderId } from "../domain/ProviderId.js"
import { defaultPolicy, type FallbackPolicy, type HealthPolicy, type ResiliencePolicy } from "../domain/Resilience.js"
import { addUsage, type ResultFor, type SqlResult, type StreamEvent, type Usage } from "../domain/SqlTask.js"
import { AiEvents } from "../services/AiEvents.js"
import type * as AiProvider from "../services/AiProvider.js"
import { MetricsRepo } from "../services/MetricsRepo.js"
import { tapEach } from "../internal/StreamTaps.js"
import * as Telemetry from "../layers/Telemetry.js"
import * as Fallback from "./Fallback.js"
import * as Guard from "./Guard.js"
import * as Health from "./Health.js"
import * as Retry from "./Retry.js"
import * as Timeouts from "./Timeouts.js"

/**
 * A provider in the chain.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Member {
  readonly service: AiProvider.Service
  readonly policy?: ResiliencePolicy | undefined
}

/**
 * Per-request choices.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RunOptions {
  /** Use only this provider: no fallback. */
  readonly pin?: ProviderId | undefined
  /** The whole request's deadline, retries and fallbacks included. */
  readonly deadline?: Timeouts.Deadline | undefined
}

/**
 * An answer and what it cost, priced once, when its attempt was recorded. After a repair round,
 * `result` is the repair's answer and `cost` and `usage` count both calls.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Priced<R> {
  readonly result: R
  readonly cost: Pricing.Cost
  readonly usage: Usage
}

/**
 * The chain.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Chain {
  readonly run: <P extends Prepared>(
    request: P,
    options?: RunOptions
  ) => Effect.Effect<Fallback.Served<Priced<ResultFor<P>>>, AiError.AiError | Fallback.AllProvidersFailed>
  readonly stream: (request: Prepared, options?: RunOptions) => Stream.Stream<StreamEvent, AiError.AiError | Fallback.AllProvidersFailed>
  /** The providers in the order they are tried (auto-disabled ones included). */
  readonly order: ReadonlyArray<ProviderId>
  readonly guards: ReadonlyMap<ProviderId, Guard.Guard>
  readonly health: Health.HealthMonitor
}

// A member with what every request to it reuses: its guard and its span attributes.
interface Link {
  readonly provider: ProviderId
  readonly service: AiProvider.Service
  readonly guard: Guard.Guard
  readonly spans: Telemetry.AttemptSpans
}

// What a streamed request has let through so far: text (then nothing is retried or moved), and
// the provider whose answer completed.
interface Seen {
  text: boolean
  servedBy: ProviderId | undefined
}

// Which try this is: at which provider of the request, and which attempt there.
interface Try {
  readonly link: Link
  /** Whether another provider failed before this one was tried. */
  readonly fallback: boolean
  /** 1 for the first try at this provider in this request, 2 for its first retry ... */
  readonly attempt: number
}

const isText = (e: StreamEvent) => e._tag === "TextDelta"
const tokensOf = (r: SqlResult) => r.meta.usage.inputTokens + r.meta.usage.outputTokens

type Outcome = { readonly _tag: "Success"; readonly result: SqlResult } | { readonly _tag: "Failure"; readonly error: AiError.AiError } | {
  readonly _tag: "Interrupted"
}

const outcomeOf = (exit: Exit.Exit<unknown, AiError.AiError>, result: SqlResult | undefined): Outcome => {
  if (Exit.isSuccess(exit)) return result ? { _tag: "Success", result } : { _tag: "Interrupted" }
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure) ? { _tag: "Failure", error: failure.value } : { _tag: "Interrupted" }
}

/**
 * Builds the chain; health checks run for as long as the scope. Attempts are recorded in the
 * `MetricsRepo` when there is one, priced with the given overrides.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: {
  readonly members: ReadonlyArray<Member>
  readonly fallback: FallbackPolicy
  readonly health: HealthPolicy
  readonly priceOverrides?: ReadonlyArray<Pricing.PriceOverride> | undefined
}): Effect.Effect<Chain, never, Scope.Scope | AiEvents> =>
  Effect.gen(function*() {
    const events = yield* AiEvents
    const metrics = Option.getOrUndefined(yield* Effect.serviceOption(MetricsRepo))
    const overrides = options.priceOverrides ?? []
    const byId = new Map(options.members.map((m) => [m.service.provider, m]))
    const order = [
      ...options.fallback.order.filter((id) => byId.has(id)),
      ...options.members.map((m) => m.service.provider).filter((id) => !options.fallback.order.includes(id))
    ]
    const links = new Map<ProviderId, Link>()
    const guards = new Map<ProviderId, Guard.Guard>()
    for (const provider of order) {
      const member = byId.get(provider)!
      const guard = yield* Guard.make(provider, member.policy ?? defaultPolicy)
      guards.set(provider, guard)
      links.set(provider, { provider, service: member.service, guard, spans: Telemetry.attemptSpans(member.service) })
    }
    const health = yield* Health.make(
      order.map((id) => ({ provider: id, check: byId.get(id)!.service.testConnection })),
      options.health,
      events.publish
    )

    // -------------------------------------------------------------------------
    // One attempt
    // -------------------------------------------------------------------------

    // What an attempt cost, from the usage its answer reports.
    const price = (result: SqlResult, at: number) =>
      Pricing.price(result.meta.provider, result.meta.model, result.meta.usage, overrides, new Date(at))

    // The metrics record of an attempt: queued, never waited for.
    const record = (t: Try, request: Prepared, startedAt: number, outcome: Outcome, cost: Pricing.Cost | undefined, firstText?: number) =>
      metrics === undefined ? Effect.void : Effect.flatMap(Clock.currentTimeMillis, (end) => {
        const success = outcome._tag === "Success" ? outcome.result : undefined
        const usage = success?.meta.usage ?? { inputTokens: 0, outputTokens: 0 }
        return metrics.record({
          at: startedAt,
          provider: t.link.provider,
          model: success?.meta.model || t.link.service.model,
          operation: request.operation,
          latencyMs: end - startedAt,
          ...(firstText !== undefined ? { timeToFirstTokenMs: firstText } : {}),
          outcome: outcome._tag === "Success" ? "success" : outcome._tag === "Failure" ? outcome.error._tag : "Interrupted",
          ...usage,
          ...(cost?.usd !== undefined ? { costUsd: cost.usd } : {}),
          fallback: t.fallback,
          cached: false,
          ...(request.repair !== undefined ? { repair: true } : {}),
          attempt: t.attempt,
          ...(success?.meta.requestId ? { requestId: success.meta.requestId } : {}),
          promptChars: request.promptChars
        })
      })

    // The answer priced and the attempt recorded, whatever its outcome (a timed-out attempt is a
    // Timeout here, since the time limit is inside).
    const recorded = <R extends SqlResult>(t: Try, request: Prepared) => (call: Effect.Effect<R, AiError.AiError>) =>
      Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
        let answer: Priced<R> | undefined
        return Effect.onExit(
          Effect.map(call, (result) => (answer = { result, cost: price(result, startedAt), usage: result.meta.usage })),
          (exit) => record(t, request, startedAt, outcomeOf(exit, answer?.result), answer?.cost)
        )
      })

    /**
     * One attempt at one provider, in the order it goes through: an open circuit refuses at
     * once; a rate-limit slot is waited for and held; the breaker counts the outcome; the metrics
     * record and the span see the attempt with its time limit; the call; then the tokens it used
     * are charged to the provider's tokens-per-minute budget.
     */
    const attempt = <P extends Prepared>(t: Try, request: P, deadline: Timeouts.Deadline) => {
      const { breaker, limiter, policy } = t.link.guard
      return breaker.check.pipe(
        Effect.zipRight(limiter.withSlot(breaker.guard(
          t.link.service.run(request).pipe(
            Timeouts.within(t.link.provider, "request", policy.timeout.attemptMs, deadline),
            Telemetry.attempt(t.link.spans, request),
            recorded(t, request)
          )
        ))),
        Effect.tap((answer) => limiter.charge(tokensOf(answer.result)))
      )
    }

    /**
     * The one repair round: an answer whose SQL does not parse goes back to the provider that
     * wrote it once, with the parser's message, as an attempt of its own (its own metrics row and
     * span). Its answer, checked again, is the answer, parsed or not; if the call fails, the
     * first answer stands with its failed check: a served answer is not lost to its repair.
     */
    const repairOnce = <P extends Prepared>(t: Try, request: P, first: Priced<ResultFor<P>>, deadline: Timeouts.Deadline) => {
      const repair = request.repairFor(first.result)
      if (repair === undefined) return Effect.succeed(first)
      return attempt(t, repair, deadline).pipe(
        Effect.map((second): Priced<ResultFor<P>> => ({
          // The repair round's request has the request's task, so its result is the request's.
          result: second.result as ResultFor<P>,
          cost: Pricing.add(first.cost, second.cost),
          usage: addUsage(first.usage, second.usage)
        })),
        Effect.orElseSucceed(() => first)
      )
    }

    // A provider's tries: attempts and the waits between them, then the repair round when the
    // answer needs one, all within its deadline (or the request's, when that comes first).
    const tries = <P extends Prepared>(link: Link, request: P, fallback: boolean, outer: Timeouts.Deadline | undefined) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const { retry, timeout } = link.guard.policy
        const deadline = Timeouts.earliest(Timeouts.deadline(link.provider, "deadline", timeout.deadlineMs, now), outer)
        let n = 0
        return Effect.suspend(() => attempt({ link, fallback, attempt: ++n }, request, deadline)).pipe(
          Retry.retry(retry, deadline),
          Effect.flatMap((answer) => repairOnce({ link, fallback, attempt: n + 1 }, request, answer, deadline))
        )
      })

    // -------------------------------------------------------------------------
    // One streamed attempt
    // -------------------------------------------------------------------------

    /**
     * One streamed attempt, in the same order as {@link attempt}: an open circuit refuses at
     * once; a rate-limit slot is held for the stream's life; the breaker counts the outcome; the
     * metrics record and the span see the events pass (time to first text, the answer, the
     * tokens charged) and are closed with the stream; every wait for the next chunk is limited
     * (first text, gaps, the deadline).
     */
    const attemptStream = (t: Try, request: Prepared, deadline: Timeouts.Deadline, seen: Seen) =>
      Stream.unwrapScoped(Effect.gen(function*() {
        const { breaker, limiter, policy } = t.link.guard
        yield* breaker.check
        yield* limiter.acquire
        const done = yield* breaker.enter
        yield* Effect.addFinalizer((exit) => done(exit as Exit.Exit<unknown, AiError.AiError>))
        const startedAt = yield* Clock.currentTimeMillis
        let firstText: number | undefined
        let result: SqlResult | undefined
        yield* Effect.addFinalizer((exit) =>
          record(t, request, startedAt, outcomeOf(exit as Exit.Exit<unknown, AiError.AiError>, result), result && price(result, startedAt), firstText)
        )
        const span = yield* Telemetry.streamSpan(t.link.spans, request)
        const paced = Timeouts.streamPacing(t.link.provider, { firstTokenMs: policy.timeout.firstTokenMs, idleMs: policy.timeout.idleMs, isText, deadline })
        return paced(t.link.service.stream(request)).pipe(
          tapEach((e: StreamEvent) => {
            if (e._tag === "Completed") {
              result = e.result
              seen.servedBy = t.link.provider
              span.completed(e.result)
              return limiter.charge(tokensOf(e.result))
            }
            seen.text = true
            if (firstText === undefined) {
              firstText = -1 // claimed; the clock read below fills it in
              return Effect.map(Clock.currentTimeMillis, (now) => {
                firstText = now - startedAt
                span.firstText(firstText)
              })
            }
          })
        )
      }))

    // -------------------------------------------------------------------------
    // The request
    // -------------------------------------------------------------------------

    // The providers a request may use: the pinned one, or every enabled one in order.
    const plan = (pin: ProviderId | undefined): Effect.Effect<ReadonlyArray<Link>, AiError.ConfigInvalid> => {
      if (pin !== undefined) {
        const link = links.get(pin)
        return link !== undefined
          ? Effect.succeed([link])
          : Effect.fail(new AiError.ConfigInvalid({ provider: pin, field: "provider", reason: "is not configured", message: `The provider ${pin} is not configured` }))
      }
      return Effect.map(Effect.filter(order, (id) => health.isEnabled(id)), (ids) => ids.map((id) => links.get(id)!))
    }
    const fallbackOf = (o: RunOptions): Fallback.Options => ({
      policy: o.pin === undefined ? options.fallback : { ...options.fallback, enabled: false },
      publish: events.publish,
      deadline: o.deadline
    })

    const run = <P extends Prepared>(request: P, o: RunOptions = {}) =>
      Effect.flatMap(plan(o.pin), (planned) =>
        Fallback.run(
          planned.map((link, i) => ({ provider: link.provider, run: tries(link, request, i > 0, o.deadline) })),
          fallbackOf(o)
        )).pipe(Telemetry.operation(request, o))

    /**
     * A streamed request: the providers in order, each attempt retried and each failure moved
     * on only while no text has reached the caller (after that, a retry or another provider would
     * repeat or mix text, so the error ends the stream); within each provider's deadline, and the
     * request's.
     */
    const stream = (request: Prepared, o: RunOptions = {}): Stream.Stream<StreamEvent, AiError.AiError | Fallback.AllProvidersFailed> =>
      Stream.unwrapScoped(Effect.gen(function*() {
        const planned = yield* plan(o.pin)
        const fallback = fallbackOf(o)
        const seen: Seen = { text: false, servedBy: undefined }
        yield* Telemetry.operationOutcome(() => seen.servedBy)

        const at = (i: number, failed: ReadonlyArray<Fallback.Attempt>): Stream.Stream<StreamEvent, AiError.AiError | Fallback.AllProvidersFailed> => {
          const link = planned[i]
          if (link === undefined) return Stream.fail(Fallback.allFailed(failed))
          const { retry, timeout } = link.guard.policy
          const tryNumber = (n: number, deadline: Timeouts.Deadline): Stream.Stream<StreamEvent, AiError.AiError | Fallback.AllProvidersFailed> =>
            Stream.catchAll(attemptStream({ link, fallback: i > 0, attempt: n }, request, deadline, seen), (error) =>
              seen.text ? Stream.fail(error) : Stream.unwrap(Effect.flatMap(Random.next, (random) => {
                const ms = Retry.delayFor(retry, error, n - 1, random)
                if (ms !== undefined) return Effect.as(Timeouts.sleepBy(ms, deadline), tryNumber(n + 1, deadline))
                const trail = [...failed, { provider: link.provider, error }]
                return Effect.map(Fallback.decide(fallback, link.provider, planned[i + 1], error, trail), (step) =>
                  step.move ? at(i + 1, trail) : Stream.fail(step.error))
              })))
          return Stream.unwrap(Effect.map(Clock.currentTimeMillis, (now) =>
            tryNumber(1, Timeouts.earliest(Timeouts.deadline(link.provider, "deadline", timeout.deadlineMs, now), o.deadline))))
        }
        return at(0, [])
      })).pipe(Telemetry.operationStream(request, o))

    return { run, stream, order, guards, health }
  })
