/**
 * The AI stack behind `@db-toolkit/ai/electron`, loaded only once the app has registered its
 * channels: the runtime (SQLite in the app's user-data folder, the key store, providers,
 * telemetry) and the IPC handlers it serves, captured so the electron entry can call them.
 *
 * @since 0.1.0
 * @internal
 */
import { Layer, ManagedRuntime } from "effect"
import * as Path from "node:path"
import { registerAiHandlers } from "../ipc/handlers.js"
import * as AiStack from "../layers/AiStack.js"
import { layerUndici } from "../vendor/http.js"
import type { InstallOptions, Listener, Readiness } from "./types.js"

/**
 * What the electron entry gets back: a listener per channel, the stack's start, and its end.
 *
 * @since 0.1.0
 * @internal
 */
export interface Started {
  readonly listeners: ReadonlyMap<string, Listener>
  /** Settles when the stack has started (or failed to; the channels then answer why). */
  readonly ready: Promise<Readiness>
  readonly dispose: () => Promise<void>
}

/**
 * Builds the runtime and the handlers. The runtime builds its layers on first use; `ready` asks
 * for it at once, so the stack starts in the background.
 *
 * @since 0.1.0
 * @internal
 */
export const start = (options: InstallOptions): Started => {
  const stack = AiStack.layer({
    databasePath: Path.join(options.userDataDir, "ai.db"),
    ...(options.safeStorage !== undefined
      ? { keyStore: { safeStorage: options.safeStorage, allowPlainText: options.allowPlainTextKey } }
      : {}),
    ...(options.migrateEnvFrom !== undefined ? { migrateEnv: { envFile: options.migrateEnvFrom } } : {})
  }).pipe(Layer.provide(layerUndici))
  const runtime = ManagedRuntime.make(stack)
  const listeners = new Map<string, Listener>()
  const registration = registerAiHandlers(
    {
      handle: (channel, listener) => void listeners.set(channel, listener),
      removeHandler: (channel) => void listeners.delete(channel)
    },
    runtime,
    options.dbTypeOf !== undefined ? { dbTypeOf: options.dbTypeOf } : {}
  )
  const ready = runtime.runtime().then(
    (): Readiness => ({ ok: true }),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      options.logger?.error?.(`@db-toolkit/ai could not start: ${message}`)
      return { ok: false, error: message } satisfies Readiness
    }
  )
  return {
    listeners,
    ready,
    dispose: async () => {
      registration.dispose()
      await runtime.dispose()
    }
  }
}
