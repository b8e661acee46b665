/**
 * Providers configured from the environment the official SDKs read (`OPENAI_API_KEY`,
 * `ANTHROPIC_BASE_URL`, `OLLAMA_HOST`, ...; each provider's `environment`), saved into the
 * settings like any other configuration: keys encrypted, the rest validated. Used by
 * `AiStack.layer({ importEnv })` and `dbtk-ai providers import-env`.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import { ProviderId } from "../domain/ProviderId.js"
import * as ProviderConfig from "../internal/wire/ProviderConfig.js"
import { catalog } from "../providers/Catalog.js"
import { Settings, type SettingsError } from "../services/Settings.js"

/**
 * How an import treats providers already configured.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ImportOptions {
  /** The environment to read; default `process.env`. */
  readonly env?: ProviderConfig.Environment | undefined
  /** Replace a provider already configured (default: keep it, and report it skipped). */
  readonly replace?: boolean | undefined
}

/**
 * What an import did, provider by provider (only providers the environment names appear).
 *
 * @since 0.1.0
 * @category Models
 */
export interface ImportReport {
  /** Saved, with the variables each field came from. */
  readonly imported: ReadonlyArray<{ readonly provider: ProviderId; readonly from: Readonly<Record<string, string>> }>
  /** Already configured and kept. */
  readonly skipped: ReadonlyArray<ProviderId>
  /** Refused: what is wrong, naming the field and its variable (never a value). */
  readonly invalid: ReadonlyArray<{ readonly provider: ProviderId; readonly field: string; readonly message: string }>
  /** The provider made active because none was (the first imported). */
  readonly activated: ProviderId | undefined
}

/**
 * Saves every provider the environment configures; a provider with a bad or missing field is
 * reported, never half-saved. When no provider is active, the first one imported becomes active.
 *
 * @since 0.1.0
 * @category Importing
 */
export const importAll = (options: ImportOptions = {}): Effect.Effect<ImportReport, SettingsError, Settings> =>
  Effect.gen(function*() {
    const settings = yield* Settings
    const env = options.env ?? process.env
    const before = yield* settings.snapshot
    const imported: Array<ImportReport["imported"][number]> = []
    const skipped: Array<ProviderId> = []
    const invalid: Array<ImportReport["invalid"][number]> = []
    for (const id of ProviderId.literals) {
      const entry = catalog[id]
      const read = ProviderConfig.readEnv(entry.environment, env)
      if (read === undefined) continue
      if (!options.replace && before.providers.some((p) => p.id === id)) {
        skipped.push(id)
        continue
      }
      const saved = yield* Effect.either(
        Effect.zipRight(
          ProviderConfig.fromEnv(id, entry.environment, entry.validate)(env),
          // Replacing stores exactly what the environment gives.
          settings.saveProvider(id, read.input, { replace: options.replace === true })
        )
      )
      if (saved._tag === "Right") imported.push({ provider: id, from: read.from })
      else if (saved.left._tag === "ConfigInvalid" || saved.left._tag === "SettingsInvalid") {
        invalid.push({ provider: id, field: "field" in saved.left ? saved.left.field : "(config)", message: saved.left.message })
      } else return yield* Effect.fail(saved.left)
    }
    const activated = before.settings.activeProvider === undefined ? imported[0]?.provider : undefined
    // A provider id is always a valid setting.
    if (activated !== undefined) yield* Effect.catchTag(settings.update({ activeProvider: activated }), "SettingsInvalid", Effect.die)
    return { imported, skipped, invalid, activated }
  })

/**
 * {@link importAll} once when the Layer is built, each import logged (which provider, from which
 * variables; never a value), each refusal logged as a warning.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: ImportOptions = {}): Layer.Layer<never, SettingsError, Settings> =>
  Layer.effectDiscard(
    Effect.flatMap(importAll(options), (report) =>
      Effect.all([
        ...report.imported.map(({ from, provider }) =>
          Effect.logInfo(`Configured ${provider} from ${[...new Set(Object.values(from))].join(", ")}`)),
        ...report.invalid.map(({ message, provider }) => Effect.logWarning(`Not configured from the environment: ${provider}: ${message}`))
      ], { discard: true }))
  )
