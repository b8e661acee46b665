/**
 * The settings a user edits, as Schemas with defaults: which provider is active, the fallback
 * chain, health checks, telemetry opt-ins, and per provider its flags and resilience. Provider
 * configurations themselves are validated by each provider's own `Config` schema.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { BudgetPolicy } from "./Budget.js"
import { CachePolicy } from "./CacheKey.js"
import { InputLimits } from "./Limits.js"
import { MinutesPerFeature } from "./Metrics.js"
import { PriceOverride } from "./Pricing.js"
import { ProviderId } from "./ProviderId.js"
import { FallbackPolicy, HealthPolicy, ResiliencePolicy } from "./Resilience.js"

/**
 * Opt-ins for what telemetry may record.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TelemetrySettings = Schema.Struct({
  /** Record prompt and answer text in spans (off: only sizes and tags). */
  captureContent: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

const RequestTimeout = Schema.Int.pipe(
  Schema.between(1_000, 3_600_000, { message: () => "must be a whole number of milliseconds from 1000 to 3600000" })
)

/**
 * The app-wide settings, each stored under its own key.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const AppSettings = Schema.Struct({
  activeProvider: Schema.optional(ProviderId),
  fallback: Schema.optionalWith(FallbackPolicy, { default: () => FallbackPolicy.make({}) }),
  health: Schema.optionalWith(HealthPolicy, { default: () => HealthPolicy.make({}) }),
  telemetry: Schema.optionalWith(TelemetrySettings, { default: () => TelemetrySettings.make({}) }),
  budget: Schema.optionalWith(BudgetPolicy, { default: () => BudgetPolicy.make({}) }),
  /** Prices the user sets for models the bundled data lacks, or at their own rates. */
  priceOverrides: Schema.optionalWith(Schema.Array(PriceOverride), { default: () => [] }),
  /** Minutes each operation saves, for the usage report's time-saved estimate. */
  minutesSaved: Schema.optional(MinutesPerFeature),
  /** Size limits on requests (defaults no real use comes near). */
  limits: Schema.optionalWith(InputLimits, { default: () => InputLimits.make({}) }),
  /**
   * The longest one request may take, retries and fallbacks included: by default an answer (or
   * a `Timeout`) always comes before DB Toolkit's screens give up at 60 s.
   */
  requestTimeoutMs: Schema.optionalWith(RequestTimeout, { default: () => 55_000 }),
  /** The response cache: on/off, how long an answer is served, how many and how large. */
  cache: Schema.optionalWith(CachePolicy, { default: () => CachePolicy.make({}) })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type AppSettings = typeof AppSettings.Type

/**
 * The keys of {@link AppSettings}.
 *
 * @since 0.1.0
 * @category Models
 */
export type AppSettingsKey = keyof typeof AppSettings.fields

/**
 * A change to the app-wide settings: the keys given are replaced (`activeProvider: null` clears it).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const AppSettingsPatch = Schema.Struct({
  activeProvider: Schema.optional(Schema.NullOr(ProviderId)),
  fallback: Schema.optional(FallbackPolicy),
  health: Schema.optional(HealthPolicy),
  telemetry: Schema.optional(TelemetrySettings),
  budget: Schema.optional(BudgetPolicy),
  priceOverrides: Schema.optional(Schema.Array(PriceOverride)),
  minutesSaved: Schema.optional(Schema.NullOr(MinutesPerFeature)),
  limits: Schema.optional(InputLimits),
  requestTimeoutMs: Schema.optional(RequestTimeout),
  cache: Schema.optional(CachePolicy)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type AppSettingsPatch = typeof AppSettingsPatch.Encoded

/**
 * Settings exported as JSON (secrets only when asked for).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ExportFile = Schema.Struct({
  format: Schema.Literal("db-toolkit-ai-settings"),
  version: Schema.Literal(1),
  exportedAt: Schema.String,
  settings: AppSettings,
  // Any of the providers (an export holds the configured ones only).
  providers: Schema.partialWith(
    Schema.Record({
      key: ProviderId,
      value: Schema.Struct({
        enabled: Schema.Boolean,
        config: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
        resilience: ResiliencePolicy,
        secrets: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
      })
    }),
    { exact: true }
  )
})

/**
 * @since 0.1.0
 * @category Models
 */
export type ExportFile = typeof ExportFile.Type
