/**
 * The settings store: app-wide settings and each provider's configuration, flags and resilience,
 * with secrets encrypted at rest and decrypted only when a provider is built. Every change is
 * published, so a registry can rebuild what changed.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Redacted, Schema, type Stream } from "effect"
import type { ConfigInvalid } from "../domain/AiError.js"
import { ProviderId } from "../domain/ProviderId.js"
import type { ResiliencePolicy } from "../domain/Resilience.js"
import type { AppSettings, AppSettingsPatch } from "../domain/Settings.js"
import type { KeyStoreError } from "./KeyStore.js"

/**
 * The store could not do what was asked: the master key does not open the stored secrets, or
 * the database failed. Nothing was changed.
 *
 * @since 0.1.0
 * @category Errors
 */
export class SettingsError extends Schema.TaggedError<SettingsError>("@db-toolkit/ai/SettingsError")("SettingsError", {
  reason: Schema.Literal("WrongMasterKey", "MissingMasterKey", "Storage", "UnreadableSecret"),
  message: Schema.String
}) {}

/**
 * Settings input that does not validate; `field` names it.
 *
 * @since 0.1.0
 * @category Errors
 */
export class SettingsInvalid extends Schema.TaggedError<SettingsInvalid>("@db-toolkit/ai/SettingsInvalid")("SettingsInvalid", {
  field: Schema.String,
  reason: Schema.String,
  message: Schema.String
}) {}

/**
 * The provider has no stored configuration.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ProviderNotConfigured extends Schema.TaggedError<ProviderNotConfigured>("@db-toolkit/ai/ProviderNotConfigured")(
  "ProviderNotConfigured",
  { provider: ProviderId, message: Schema.String }
) {}

/**
 * A configured provider as stored: its configuration without secrets, which secrets are stored,
 * its flags and resilience, and a problem when the stored row does not validate.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ProviderEntry {
  readonly id: ProviderId
  readonly enabled: boolean
  readonly config: Readonly<Record<string, unknown>>
  readonly secrets: ReadonlyArray<string>
  readonly resilience: ResiliencePolicy
  /** Bumped on every change to this provider. */
  readonly revision: number
  readonly problem?: ConfigInvalid | undefined
}

/**
 * Everything but the secrets.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Snapshot {
  /** Bumped on every change: equal versions mean equal snapshots. */
  readonly version: number
  readonly settings: AppSettings
  readonly providers: ReadonlyArray<ProviderEntry>
}

/**
 * What changed.
 *
 * @since 0.1.0
 * @category Models
 */
export type SettingsChange =
  | { readonly _tag: "ProviderChanged"; readonly provider: ProviderId; readonly revision: number }
  | { readonly _tag: "ProviderRemoved"; readonly provider: ProviderId }
  | { readonly _tag: "AppSettingsChanged"; readonly keys: ReadonlyArray<string> }
  | { readonly _tag: "Reloaded" }

/**
 * What an import did.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ImportReport {
  readonly providers: ReadonlyArray<ProviderId>
  readonly secretsImported: number
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly snapshot: Effect.Effect<Snapshot>
  readonly provider: (id: ProviderId) => Effect.Effect<ProviderEntry, ProviderNotConfigured>
  /** The provider's config input with its secrets decrypted (as `Redacted`), ready to build it. */
  readonly providerInput: (id: ProviderId) => Effect.Effect<Record<string, unknown>, ProviderNotConfigured | ConfigInvalid | SettingsError>
  /**
   * The config input that saving `changes` would give (secrets decrypted, as `Redacted`), without
   * saving anything: for testing a form before it is saved. Fails like a save would, including
   * when the endpoint changes and a stored secret is not given again.
   */
  readonly providerInputWith: (
    id: ProviderId,
    changes: Readonly<Record<string, unknown>>
  ) => Effect.Effect<Record<string, unknown>, ConfigInvalid | SettingsError>
  /**
   * Validates and stores a provider's configuration (JSON form). Fields given replace the stored
   * ones (`null` removes a field or an optional secret); fields left out keep their stored value,
   * secrets included, so a settings screen need not show keys to edit the model. A stored secret
   * is only ever sent to the endpoint it was saved with: changing the endpoint (base URL, Azure
   * endpoint, Cloudflare account) needs the secret given again in the same call, otherwise
   * `ConfigInvalid` on the secret field. With `replace`, the stored fields and secrets are
   * dropped first: the configuration is exactly the input.
   */
  readonly saveProvider: (
    id: ProviderId,
    input: Readonly<Record<string, unknown>>,
    options?: { readonly enabled?: boolean | undefined; readonly resilience?: unknown; readonly replace?: boolean | undefined }
  ) => Effect.Effect<ProviderEntry, ConfigInvalid | SettingsInvalid | SettingsError>
  readonly removeProvider: (id: ProviderId) => Effect.Effect<void, SettingsError>
  readonly setEnabled: (id: ProviderId, enabled: boolean) => Effect.Effect<void, ProviderNotConfigured | SettingsError>
  readonly setResilience: (id: ProviderId, policy: unknown) => Effect.Effect<void, ProviderNotConfigured | SettingsInvalid | SettingsError>
  readonly update: (patch: AppSettingsPatch) => Effect.Effect<AppSettings, SettingsInvalid | SettingsError>
  /** Changes from now on. */
  readonly changes: Stream.Stream<SettingsChange>
  readonly exportJson: (options?: { readonly includeSecrets?: boolean | undefined }) => Effect.Effect<string, SettingsError>
  /** Applies an export in one transaction: all of it, or nothing. */
  readonly importJson: (json: string) => Effect.Effect<ImportReport, SettingsInvalid | ConfigInvalid | SettingsError>
  /** Re-encrypts every secret with a new master key in one transaction, then stores the key. */
  readonly rotateMasterKey: (key: Redacted.Redacted<string>) => Effect.Effect<void, SettingsError | KeyStoreError>
  /** Reads everything again from the database (after it was changed underneath, e.g. a restore). */
  readonly reload: Effect.Effect<void, SettingsError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class Settings extends Context.Tag("@db-toolkit/ai/Settings")<Settings, Service>() {}
