/**
 * The guarded provider chain: each provider behind its own guard (rate limit, circuit breaker,
 * retry, time limits), tried in the fallback order, with background health checks that take a
 * failing provider out of the chain. A request may pin one provider: then no fallback happens.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Effect, Exit, Option, type Scope, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import type { ProviderId } from "../../domain/ProviderId.js"
import { defaultPolicy, type FallbackPolicy, type HealthPolicy, type ResiliencePolicy } from "../../domain/Resilience.js"
import type { ResultFor, SqlResult, SqlTask, StreamEvent } from "../../domain/SqlTask.js"
import { AiEvents } from "../../services/AiEvents.js"
import type * as AiProvider from "../../services/AiProvider.js"
import { tapEach } from "../StreamTaps.js"
import * as Telemetry from "../Telemetry.js"
import * as Fallback from "./Fallback.js"
import * as Guard from "./Guard.js"
import * as Health from "./Health.js"

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
}

/**
 * The chain.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Chain {
  readonly run: <T extends SqlTask>(
    task: T,
    options?: RunOptions
  ) => Effect.Effect<Fallback.Served<ResultFor<T>>, AiError.AiError | Fallback.AllProvidersFailed>
  readonly stream: (task: SqlTask, options?: RunOptions) => Stream.Stream<StreamEvent, AiError.AiError | Fallback.AllProvidersFailed>
  /** The providers in the order they are tried (auto-disabled ones included). */
  readonly order: ReadonlyArray<ProviderId>
  readonly guards: ReadonlyMap<ProviderId, Guard.Guard>
  readonly health: Health.HealthMonitor
}

/**
 * One attempt at one provider, as the chain saw it: for metrics.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AttemptInfo {
  readonly provider: ProviderId
  readonly model: string
  readonly task: SqlTask
  /** 1 for the first try at this provider in this request, 2 for its first retry ... */
  readonly attempt: number
  /** Whether another provider failed before this one was tried. */
  readonly fallback: boolean
  readonly startedAt: number
  readonly latencyMs: number
  readonly timeToFirstTokenMs?: number | undefined
  readonly outcome:
    | { readonly _tag: "Success"; readonly result: SqlResult }
    | { readonly _tag: "Failure"; readonly error: AiError.AiError }
    | { readonly _tag: "Interrupted" }
}

const outcomeOf = <A>(exit: Exit.Exit<A, AiError.AiError>, result: (a: A) => SqlResult | undefined): AttemptInfo["outcome"] => {
  if (Exit.isSuccess(exit)) {
    const r = result(exit.value)
    return r ? { _tag: "Success", result: r } : { _tag: "Interrupted" }
  }
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure) ? { _tag: "Failure", error: failure.value } : { _tag: "Interrupted" }
}

const isText = (e: StreamEvent) => e._tag === "TextDelta"
const tokensOf = (r: { readonly meta: { readonly usage: { readonly inputTokens: number; readonly outputTokens: number } } }) =>
  r.meta.usage.inputTokens + r.meta.usage.outputTokens
const streamTokens = (e: StreamEvent) => (e._tag === "Completed" ? tokensOf(e.result) : 0)

/**
 * Builds the chain; health checks run for as long as the scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: {
  readonly members: ReadonlyArray<Member>
  readonly fallback: FallbackPolicy
  readonly health: HealthPolicy
  /** Told about every attempt, off the request's critical path (it should only enqueue). */
  readonly observe?: ((attempt: AttemptInfo) => Effect.Effect<void>) | undefined
}): Effect.Effect<Chain, never, Scope.Scope | AiEvents> =>
  Effect.gen(function*() {
    const events = yield* AiEvents
    const byId = new Map(options.members.map((m) => [m.service.provider, m]))
    const order = [
      ...options.fallback.order.filter((id) => byId.has(id)),
      ...options.members.map((m) => m.service.provider).filter((id) => !options.fallback.order.includes(id))
    ]
    const guards = new Map<ProviderId, Guard.Guard>()
    for (const id of order) guards.set(id, yield* Guard.make(id, byId.get(id)!.policy ?? defaultPolicy))
    const health = yield* Health.make(
      order.map((id) => ({ provider: id, check: byId.get(id)!.service.testConnection })),
      options.health,
      events.publish
    )

    const plan = (pin: ProviderId | undefined): Effect.Effect<ReadonlyArray<ProviderId>, AiError.ConfigInvalid> => {
      if (pin !== undefined) {
        return byId.has(pin)
          ? Effect.succeed([pin])
          : Effect.fail(new AiError.ConfigInvalid({ provider: pin, field: "provider", reason: "is not configured", message: `The provider ${pin} is not configured` }))
      }
      return Effect.filter(order, (id) => health.isEnabled(id))
    }
    const policy = (pin: ProviderId | undefined): FallbackPolicy => (pin === undefined ? options.fallback : { ...options.fallback, enabled: false })

    const { observe } = options
    // Each attempt (retries included) gets its span and, when observed, its record; both wrap the
    // attempt with its time limit applied, so a timed-out attempt is a Timeout there.
    const report = (
      service: AiProvider.Service,
      task: SqlTask,
      index: number,
      attempt: number,
      startedAt: number,
      outcome: AttemptInfo["outcome"],
      timeToFirstTokenMs?: number
    ) =>
      Effect.flatMap(Clock.currentTimeMillis, (end) =>
        observe!({
          provider: service.provider,
          model: service.model,
          task,
          attempt,
          fallback: index > 0,
          startedAt,
          latencyMs: end - startedAt,
          timeToFirstTokenMs,
          outcome
        }))

    const attemptAround = <T extends SqlTask>(service: AiProvider.Service, task: T, index: number) => {
      let attempt = 0
      return (timed: Effect.Effect<ResultFor<T>, AiError.AiError>) => {
        const observed = observe === undefined ? timed : Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
          const n = ++attempt
          return Effect.onExit(timed, (exit) => report(service, task, index, n, startedAt, outcomeOf(exit, (r) => r)))
        })
        return Telemetry.attempt(service, task, observed)
      }
    }
    const streamAround = (service: AiProvider.Service, task: SqlTask, index: number) => {
      let attempt = 0
      return (paced: Stream.Stream<StreamEvent, AiError.AiError>) => {
        const observed = observe === undefined ? paced : Stream.unwrap(Effect.map(Clock.currentTimeMillis, (startedAt) => {
          const n = ++attempt
          let firstText: number | undefined
          let result: SqlResult | undefined
          return paced.pipe(
            tapEach((e: StreamEvent) => {
              if (e._tag === "Completed") result = e.result
              else if (firstText === undefined) {
                firstText = -1 // claimed; the clock read below fills it in
                return Effect.map(Clock.currentTimeMillis, (now) => void (firstText = now - startedAt))
              }
            }),
            Stream.ensuringWith((exit) =>
              report(service, task, index, n, startedAt, outcomeOf(exit as Exit.Exit<unknown, AiError.AiError>, () => result), firstText))
          )
        }))
        return Telemetry.attemptStream(service, task, observed)
      }
    }

    const run = <T extends SqlTask>(task: T, o: RunOptions = {}) =>
      Effect.flatMap(plan(o.pin), (ids) =>
        Fallback.run(
          ids.map((id, i) => {
            const service = byId.get(id)!.service
            return { provider: id, run: guards.get(id)!.run(service.run(task), { tokens: tokensOf, around: attemptAround(service, task, i) }) }
          }),
          policy(o.pin),
          events.publish
        )).pipe(Telemetry.operation(task, o))

    const stream = (task: SqlTask, o: RunOptions = {}) =>
      Stream.unwrap(Effect.map(plan(o.pin), (ids) =>
        Fallback.stream(
          ids.map((id, i) => {
            const service = byId.get(id)!.service
            return {
              provider: id,
              run: guards.get(id)!.stream(service.stream(task), { isText, tokens: streamTokens, around: streamAround(service, task, i) })
            }
          }),
          policy(o.pin),
          events.publish,
          isText
        ))).pipe(Telemetry.operationStream(task, o))

    return { run, stream, order, guards, health }
  })
