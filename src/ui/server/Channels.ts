/**
 * The IPC handlers the HTTP endpoints answer with: `registerAiHandlers` given a stand-in for
 * Electron's `ipcMain` that keeps each channel's listener, so an endpoint answers exactly what
 * `ipcRenderer.invoke` would resolve, and a channel added to the handlers is served with it.
 *
 * @since 0.1.0
 */
import { Effect, type ManagedRuntime, type Scope } from "effect"
import * as Contract from "../../ipc/contract.js"
import { type IpcMainLike, type Options, registerAiHandlers } from "../../ipc/handlers.js"
import type * as AiStack from "../../layers/AiStack.js"

type Listener = Parameters<IpcMainLike["handle"]>[1]

/**
 * The registered channels.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Channels {
  /** What the channel answers to these arguments, as `ipcRenderer.invoke` resolves it. */
  readonly call: (channel: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown>
}

/**
 * Registers the handlers on `runtime` for the length of the scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const register = (
  runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>,
  options: Options = {}
): Effect.Effect<Channels, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        const listeners = new Map<string, Listener>()
        const registration = registerAiHandlers({
          handle: (channel, listener) => void listeners.set(channel, listener),
          removeHandler: (channel) => void listeners.delete(channel)
        }, runtime, options)
        return { listeners, registration }
      }),
      ({ registration }) => Effect.sync(registration.dispose)
    ),
    ({ listeners }): Channels => ({
      call: (channel, args) =>
        Effect.promise(() => {
          const listener = listeners.get(channel)
          // The handlers never reject; this keeps an answer's shape if one ever did.
          return listener === undefined
            ? Promise.resolve(Contract.unavailable(channel, "the channel has no handler"))
            : Promise.resolve(listener(undefined, ...args)).catch((error: unknown) => Contract.unavailable(channel, error))
        })
    })
  )
