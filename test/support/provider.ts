import type { HttpClient } from "@effect/platform"
import { Effect, type Scope } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import type * as AiProvider from "../../src/services/AiProvider.js"
import type * as Emulator from "../../src/testing/Emulator.js"
import { expectFailure, HttpLive } from "./http.js"

/** A test body: the running emulator and the provider pointed at it. */
export type Run<A, E> = (emu: Emulator.Emulator, provider: AiProvider.Service) => Effect.Effect<A, E>

/** What a failed call failed with (throws when it succeeded or died). */
export const failureOf = (effect: Effect.Effect<unknown, AiError.AiError>) =>
  Effect.map(Effect.exit(effect), (exit) => expectFailure<AiError.AiError>(exit))

/**
 * The per-provider test harness, written once: start an emulator for the length of a test, build
 * the provider against it over real loopback HTTP, and script a fault before a call.
 */
export const harness = <S extends object>(options: {
  readonly start: (setup: S) => Effect.Effect<Emulator.Emulator, never, Scope.Scope>
  readonly make: (emu: Emulator.Emulator, setup: S) => Effect.Effect<AiProvider.Service, AiError.ConfigInvalid, HttpClient.HttpClient>
  /** The call `failWith` makes unless told otherwise. */
  readonly call: (provider: AiProvider.Service) => Effect.Effect<unknown, AiError.AiError>
}) => {
  const withProvider = <A, E>(run: Run<A, E>, setup: S = {} as S) =>
    Effect.scoped(Effect.gen(function*() {
      const emu = yield* options.start(setup)
      const provider = yield* options.make(emu, setup)
      return yield* run(emu, provider)
    })).pipe(Effect.provide(HttpLive))

  const failWith = (
    fault: Emulator.Fault | undefined,
    setup: S = {} as S,
    call: (provider: AiProvider.Service) => Effect.Effect<unknown, AiError.AiError> = options.call
  ) =>
    withProvider((emu, provider) => {
      emu.script({ fault })
      return failureOf(call(provider))
    }, setup)

  return { withProvider, failWith }
}
