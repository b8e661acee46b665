/**
 * The guarded provider chain: each provider behind its own guard (rate limit, circuit breaker,
 * retry, time limits), tried in the fallback order, with background health checks that take a
 * failing provider out of the chain. A request may pin one provider: then no fallback happens.
 *
 * @since 0.1.0
 */
import { Effect, type Scope, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import type { ProviderId } from "../../domain/ProviderId.js"
import { defaultPolicy, type FallbackPolicy, type HealthPolicy, type ResiliencePolicy } from "../../domain/Resilience.js"
import type { ResultFor, SqlTask, StreamEvent } from "../../domain/SqlTask.js"
import { AiEvents } from "../../services/AiEvents.js"
import type * as AiProvider from "../../services/AiProvider.js"
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

    const run = <T extends SqlTask>(task: T, o: RunOptions = {}) =>
      Effect.flatMap(plan(o.pin), (ids) =>
        Fallback.run(
          ids.map((id) => ({ provider: id, run: guards.get(id)!.run(Telemetry.attempt(byId.get(id)!.service, task), tokensOf) })),
          policy(o.pin),
          events.publish
        )).pipe(Telemetry.operation(task, o))

    const stream = (task: SqlTask, o: RunOptions = {}) =>
      Stream.unwrap(Effect.map(plan(o.pin), (ids) =>
        Fallback.stream(
          ids.map((id) => ({ provider: id, run: guards.get(id)!.stream(Telemetry.attemptStream(byId.get(id)!.service, task), { isText, tokens: streamTokens }) })),
          policy(o.pin),
          events.publish,
          isText
        ))).pipe(Telemetry.operationStream(task, o))

    return { run, stream, order, guards, health }
  })
