/**
 * The fallback chain: try providers in order; move on only for errors the policy names as
 * triggers; publish and log every move; report which provider served and the trail of failed
 * attempts; when every provider fails, `AllProvidersFailed` lists each attempt's error. The
 * chain's streams decide each move with {@link decide} too.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Schema } from "effect"
import { AiError } from "../domain/AiError.js"
import { displayName, ProviderId } from "../domain/ProviderId.js"
import { type FallbackPolicy, triggerOf } from "../domain/Resilience.js"
import type { AiEvent } from "../services/AiEvents.js"
import type * as Timeouts from "./Timeouts.js"

/**
 * One failed attempt on the way.
 *
 * @since 0.1.0
 * @category Models
 */
export const Attempt = Schema.Struct({ provider: ProviderId, error: AiError })

/**
 * @since 0.1.0
 * @category Models
 */
export type Attempt = typeof Attempt.Type

/**
 * Every provider in the chain failed (or none was available).
 *
 * @since 0.1.0
 * @category Errors
 */
export class AllProvidersFailed extends Schema.TaggedError<AllProvidersFailed>("@db-toolkit/ai/AllProvidersFailed")(
  "AllProvidersFailed",
  { message: Schema.String, attempts: Schema.Array(Attempt) }
) {}

/**
 * A provider the chain may use.
 *
 * @since 0.1.0
 * @category Models
 */
interface Candidate<A> {
  readonly provider: ProviderId
  readonly run: A
}

/**
 * A value and who served it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Served<A> {
  readonly value: A
  readonly provider: ProviderId
  /** The attempts that failed before this one, in order. */
  readonly failed: ReadonlyArray<Attempt>
}

/**
 * The error of a chain that ran out of providers: every attempt's error, or that there was none.
 *
 * @since 0.1.0
 * @category Errors
 */
export const allFailed = (attempts: ReadonlyArray<Attempt>): AllProvidersFailed =>
  new AllProvidersFailed({
    attempts,
    message: attempts.length === 0
      ? "No AI provider is available: configure one, or enable a disabled one"
      : `Every provider failed: ${attempts.map((a) => `${displayName[a.provider]} (${a.error._tag})`).join(", ")}`
  })

/**
 * What a failure at one provider leads to: the next provider (`move`), or the request's error.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Step {
  readonly move: boolean
  readonly error: AiError | AllProvidersFailed
}

/**
 * The fallback policy and what a request's fallback reports to.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly policy: FallbackPolicy
  readonly publish: (event: AiEvent) => Effect.Effect<void>
  /** The request's own deadline: once it has passed, the chain stops there with its error. */
  readonly deadline?: Timeouts.Deadline | undefined
}

/**
 * Decides what a provider's error means: move on to the `next` provider (published and logged)
 * when the policy names the error as a trigger, else fail with it (or, after a move, with the
 * whole trail: `failed` ends with this failure).
 *
 * @since 0.1.0
 * @category Combinators
 */
export const decide = (
  options: Options,
  from: ProviderId,
  next: { readonly provider: ProviderId } | undefined,
  error: AiError,
  failed: ReadonlyArray<Attempt>
): Effect.Effect<Step> => {
  const { deadline, policy, publish } = options
  const trigger = triggerOf(error)
  const moves = policy.enabled && next !== undefined && trigger !== undefined && policy.triggers.includes(trigger)
  return Effect.flatMap(Clock.currentTimeMillis, (at): Effect.Effect<Step> => {
    // Past the request's deadline nothing more is tried: the request itself timed out.
    if (deadline !== undefined && at >= deadline.at) return Effect.succeed({ move: false, error: deadline.error() })
    if (moves) {
      return Effect.zipRight(
        publish({ _tag: "FallbackTaken", from, to: next.provider, error, at }),
        Effect.as(
          Effect.logWarning(`AI fallback: ${displayName[from]} failed (${error._tag}); trying ${displayName[next.provider]}`),
          { move: true, error }
        )
      )
    }
    // A chain that moved at least once reports the whole trail; a lone failure is itself.
    return Effect.succeed({ move: false, error: failed.length > 1 ? allFailed(failed) : error })
  })
}

/**
 * Runs an effect on the first provider that serves it.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const run = <A>(
  candidates: ReadonlyArray<Candidate<Effect.Effect<A, AiError>>>,
  options: Options
): Effect.Effect<Served<A>, AiError | AllProvidersFailed> => {
  const loop = (i: number, failed: ReadonlyArray<Attempt>): Effect.Effect<Served<A>, AiError | AllProvidersFailed> => {
    const candidate = candidates[i]
    if (candidate === undefined) return Effect.fail(allFailed(failed))
    return Effect.matchEffect(candidate.run, {
      onSuccess: (value) => Effect.succeed({ value, provider: candidate.provider, failed }),
      onFailure: (error) => {
        const trail = [...failed, { provider: candidate.provider, error }]
        return Effect.flatMap(decide(options, candidate.provider, candidates[i + 1], error, trail), (step) =>
          step.move ? loop(i + 1, trail) : Effect.fail(step.error))
      }
    })
  }
  return loop(0, [])
}
