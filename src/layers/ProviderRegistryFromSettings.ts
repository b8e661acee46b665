/**
 * The provider registry on the settings store: builds providers through the catalogue, caches
 * each one with the settings revision it was built from, and rebuilds when the revision moves.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer } from "effect"
import { ConfigInvalid, ModelNotFound } from "../domain/AiError.js"
import { displayName, type ProviderId } from "../domain/ProviderId.js"
import type * as AiProvider from "../services/AiProvider.js"
import { ProviderRegistry, type Service } from "../services/ProviderRegistry.js"
import { Settings } from "../services/Settings.js"
import { catalog } from "../providers/Catalog.js"

/**
 * Builds the registry.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make: Effect.Effect<Service, never, Settings | HttpClient.HttpClient> = Effect.gen(function*() {
  const settings = yield* Settings
  const http = yield* HttpClient.HttpClient
  const cache = new Map<ProviderId, { readonly revision: number; readonly service: AiProvider.Service }>()
  // A provider that throws while it is built (a bug) is a bad configuration of that provider
  // only: it must never take the other providers down with it.
  const build = (id: ProviderId, input: unknown) =>
    Effect.provideService(catalog[id].make(input), HttpClient.HttpClient, http).pipe(
      Effect.catchAllDefect((defect) =>
        Effect.zipRight(
          Effect.logError(`Building the ${id} provider failed unexpectedly`, defect),
          Effect.fail(new ConfigInvalid({ provider: id, field: "(config)", reason: "could not be used", message: `The ${id} configuration could not be used; check its fields and save it again` }))
        ))
    )

  const get: Service["get"] = (id) =>
    Effect.flatMap(settings.provider(id), (entry) => {
      const hit = cache.get(id)
      if (hit !== undefined && hit.revision === entry.revision) return Effect.succeed(hit.service)
      return settings.providerInput(id).pipe(
        Effect.flatMap((input) => build(id, input)),
        Effect.tap((service) => Effect.sync(() => cache.set(id, { revision: entry.revision, service })))
      )
    })

  // What a test is given goes over the stored configuration, as a save would (`null` removes;
  // a stored key stays only while the endpoint does).
  const test: Service["test"] = (id, input) =>
    (input === undefined
      ? settings.providerInput(id).pipe(Effect.catchTag("ProviderNotConfigured", (e) =>
        Effect.fail(new ConfigInvalid({ provider: id, field: "(config)", reason: "is not configured", message: e.message }))))
      : settings.providerInputWith(id, input)).pipe(
        Effect.flatMap((full) => build(id, full)),
        Effect.flatMap((service) => service.testConnection)
      )

  const save: Service["save"] = (id, input, options = {}) =>
    Effect.gen(function*() {
      let tested: AiProvider.ConnectionTest | undefined
      if (options.validate) {
        // A replacing save is tested on the input alone, as it will be stored.
        tested = yield* (options.replace ? Effect.flatMap(build(id, input), (service) => service.testConnection) : test(id, input))
        if (!tested.ok && tested.error) return yield* Effect.fail(tested.error)
        if (tested.modelAvailable === false) {
          return yield* Effect.fail(new ModelNotFound({
            provider: id,
            model: tested.model,
            message: `${displayName[id]}: the model ${tested.model} is not available to this key (${tested.details}); nothing was saved`
          }))
        }
      }
      yield* settings.saveProvider(id, input, { enabled: options.enabled, resilience: options.resilience, replace: options.replace })
      return tested
    })

  return {
    get,
    available: Effect.map(settings.snapshot, (s) => s.providers.filter((p) => p.enabled && p.problem === undefined).map((p) => p.id)),
    save,
    test
  }
})

/**
 * The registry as a Layer.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<ProviderRegistry, never, Settings | HttpClient.HttpClient> = Layer.effect(ProviderRegistry, make)
