/**
 * What happens to providers, as a stream a UI can follow: fallbacks taken, providers going down,
 * being disabled by health checks, recovering. The hub itself is `AiEventsPubSub`.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Scope, type Stream } from "effect"
import type { AiError } from "../domain/AiError.js"
import type { ProviderId } from "../domain/ProviderId.js"

/**
 * An event.
 *
 * @since 0.1.0
 * @category Models
 */
export type AiEvent =
  | {
    readonly _tag: "FallbackTaken"
    readonly from: ProviderId
    readonly to: ProviderId
    readonly error: AiError
    readonly at: number
  }
  | { readonly _tag: "ProviderDown"; readonly provider: ProviderId; readonly error: string; readonly at: number }
  | { readonly _tag: "ProviderRecovered"; readonly provider: ProviderId; readonly at: number }
  | { readonly _tag: "ProviderDisabled"; readonly provider: ProviderId; readonly reason: string; readonly at: number }
  | { readonly _tag: "ProviderEnabled"; readonly provider: ProviderId; readonly at: number }
  | {
    /** Spending reached the warning share of a budget (once per budget and period). */
    readonly _tag: "BudgetNearLimit"
    readonly kind: "daily" | "monthly"
    readonly spentUsd: number
    readonly limitUsd: number
    readonly at: number
  }

/**
 * The event hub.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly publish: (event: AiEvent) => Effect.Effect<void>
  /** Events from now on, for as long as the scope lasts (subscribe before acting to miss none). */
  readonly subscribe: Effect.Effect<Stream.Stream<AiEvent>, never, Scope.Scope>
  /** Events from now on, as a stream. */
  readonly stream: Stream.Stream<AiEvent>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class AiEvents extends Context.Tag("@db-toolkit/ai/AiEvents")<AiEvents, Service>() {}
