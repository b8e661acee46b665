/**
 * Background health checks: a fiber, started and stopped with its scope, runs every provider's
 * cheap check (its `testConnection`: a model list, a version or a token verify, never a paid
 * completion where a free check exists) every interval. Each provider's status is a subscribable
 * value. After `disableAfter` failed checks in a row a provider is taken out of the chain, with
 * an event; the next successful check puts it back.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Schedule, type Scope, Stream, SubscriptionRef } from "effect"
import { displayName, type ProviderId } from "../domain/ProviderId.js"
import type { HealthPolicy } from "../domain/Resilience.js"
import type { AiEvent } from "../services/AiEvents.js"
import { checkTimeoutMs, type ConnectionTest } from "../services/AiProvider.js"

/**
 * A provider's health as a UI shows it. `unknown` until the first check.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ProviderStatus {
  readonly provider: ProviderId
  readonly state: "unknown" | "healthy" | "degraded" | "down" | "disabled"
  readonly lastCheckedAt: number | undefined
  readonly latencyMs: number | undefined
  readonly lastError: string | undefined
  readonly consecutiveFailures: number
}

/**
 * The monitor.
 *
 * @since 0.1.0
 * @category Models
 */
export interface HealthMonitor {
  readonly statuses: Effect.Effect<ReadonlyMap<ProviderId, ProviderStatus>>
  /** The current statuses, then every change. */
  readonly changes: Stream.Stream<ReadonlyMap<ProviderId, ProviderStatus>>
  /** Whether the chain may use a provider (not auto-disabled). */
  readonly isEnabled: (provider: ProviderId) => Effect.Effect<boolean>
  /** Checks every provider now. */
  readonly checkNow: Effect.Effect<void>
}

/**
 * A provider and its check.
 *
 * @since 0.1.0
 * @category Models
 */
interface Checked {
  readonly provider: ProviderId
  readonly check: Effect.Effect<ConnectionTest>
}

const CHECK_LIMIT_MS = checkTimeoutMs + 1_000

const initial = (provider: ProviderId): ProviderStatus => ({
  provider,
  state: "unknown",
  lastCheckedAt: undefined,
  latencyMs: undefined,
  lastError: undefined,
  consecutiveFailures: 0
})

/**
 * Starts monitoring; the checking fiber lives as long as the scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (
  providers: ReadonlyArray<Checked>,
  policy: HealthPolicy,
  publish: (event: AiEvent) => Effect.Effect<void>
): Effect.Effect<HealthMonitor, never, Scope.Scope> =>
  Effect.gen(function*() {
    const ref = yield* SubscriptionRef.make<ReadonlyMap<ProviderId, ProviderStatus>>(
      new Map(providers.map((p) => [p.provider, initial(p.provider)]))
    )

    // A check that does not answer counts as failed: providers bound their own checks
    // (`AiProvider.checkTimeoutMs`), this bounds any check handed in.
    const bounded = ({ check, provider }: Checked): Effect.Effect<ConnectionTest> =>
      Effect.timeoutTo(check, {
        duration: CHECK_LIMIT_MS,
        onSuccess: (result) => result,
        onTimeout: (): ConnectionTest => ({
          ok: false,
          provider,
          model: "",
          latencyMs: CHECK_LIMIT_MS,
          modelAvailable: undefined,
          details: `${displayName[provider]}: no answer to the health check within ${CHECK_LIMIT_MS / 1000} s`
        })
      })

    const checkOne = (checked: Checked) =>
      Effect.gen(function*() {
        const { provider } = checked
        const result = yield* bounded(checked)
        const at = yield* Clock.currentTimeMillis
        const before = (yield* SubscriptionRef.get(ref)).get(provider) ?? initial(provider)
        const failures = result.ok ? 0 : before.consecutiveFailures + 1
        const state: ProviderStatus["state"] = result.ok
          ? result.latencyMs > policy.degradedLatencyMs || result.modelAvailable === false ? "degraded" : "healthy"
          : failures >= policy.disableAfter ? "disabled" : "down"
        const next: ProviderStatus = {
          provider,
          state,
          lastCheckedAt: at,
          latencyMs: result.latencyMs,
          lastError: result.ok ? undefined : result.details,
          consecutiveFailures: failures
        }
        yield* SubscriptionRef.update(ref, (m) => new Map(m).set(provider, next))
        const name = displayName[provider]
        if (state === "disabled" && before.state !== "disabled") {
          yield* publish({ _tag: "ProviderDisabled", provider, at, reason: `${failures} health checks failed in a row: ${result.details}` })
          yield* Effect.logWarning(`AI provider ${name} disabled after ${failures} failed health checks`)
        } else if (state === "down" && before.state !== "down") {
          yield* publish({ _tag: "ProviderDown", provider, at, error: result.details })
        } else if (result.ok && (before.state === "down" || before.state === "disabled")) {
          if (before.state === "disabled") {
            yield* publish({ _tag: "ProviderEnabled", provider, at })
            yield* Effect.logInfo(`AI provider ${name} enabled again: its health check succeeded`)
          }
          yield* publish({ _tag: "ProviderRecovered", provider, at })
        }
      })

    const checkNow = Effect.asVoid(Effect.forEach(providers, checkOne, { concurrency: "unbounded", discard: true }))

    if (policy.enabled) {
      // One loop per provider, so a provider whose check stalls never delays another's.
      // Interruptible whatever region it is forked from (a ScopedRef acquire is uninterruptible, and a
      // fork inherits that): otherwise closing the scope waits on these loops forever.
      for (const checked of providers) {
        yield* Effect.forkScoped(Effect.interruptible(Effect.repeat(checkOne(checked), Schedule.spaced(policy.intervalMs))))
      }
    }

    return {
      statuses: SubscriptionRef.get(ref),
      changes: ref.changes,
      isEnabled: (provider) => Effect.map(SubscriptionRef.get(ref), (m) => m.get(provider)?.state !== "disabled"),
      checkNow
    }
  })
