/**
 * The provider factory: given a provider id, validates its stored configuration and builds its
 * `AiProvider`, caching it until that provider's settings change (then the next request gets a
 * fresh one, with no restart).
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type { AiError, ConfigInvalid } from "../domain/AiError.js"
import type { ProviderId } from "../domain/ProviderId.js"
import type * as AiProvider from "./AiProvider.js"
import type { ProviderNotConfigured, SettingsError, SettingsInvalid } from "./Settings.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** The provider, built from its stored settings (cached until they change). */
  readonly get: (id: ProviderId) => Effect.Effect<AiProvider.Service, ProviderNotConfigured | ConfigInvalid | SettingsError>
  /** The configured and enabled providers. */
  readonly available: Effect.Effect<ReadonlyArray<ProviderId>>
  /**
   * Saves a provider's configuration; with `validate`, first builds it and runs its connection
   * test, refusing the save (with the provider's error) when the credentials do not work or the
   * model is not available to them (`ModelNotFound`). `replace`: see `Settings.saveProvider`.
   */
  readonly save: (
    id: ProviderId,
    input: Readonly<Record<string, unknown>>,
    options?: {
      readonly validate?: boolean | undefined
      readonly enabled?: boolean | undefined
      /** The provider's resilience policy (validated; left out: the stored one stays). */
      readonly resilience?: unknown
      readonly replace?: boolean | undefined
    }
  ) => Effect.Effect<AiProvider.ConnectionTest | undefined, ConfigInvalid | SettingsInvalid | SettingsError | AiError>
  /** Tests a configuration without saving it (fields left out, secrets included, are the stored ones). */
  readonly test: (
    id: ProviderId,
    input?: Readonly<Record<string, unknown>> | undefined
  ) => Effect.Effect<AiProvider.ConnectionTest, ConfigInvalid | SettingsError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class ProviderRegistry extends Context.Tag("@db-toolkit/ai/ProviderRegistry")<ProviderRegistry, Service>() {}
