/**
 * `@db-toolkit/ai/electron`: one call in the app's main process. `install` registers every AI
 * channel on `ipcMain` at once (nothing heavy is loaded: this file needs neither Effect nor
 * SQLite) and starts the AI stack in the background; a call that comes before the stack is
 * ready waits for it. The app never imports `effect`. It is an ES module with no top-level
 * `await`, so a CommonJS main process `require`s it (Node 20.19 and 22.12 on, Electron 39).
 *
 * ```js
 * // electron/backend/handlers/index.js (CommonJS), inside app.whenReady() before the first window
 * const { app, ipcMain, safeStorage } = require("electron")
 * const { install } = require("@db-toolkit/ai/electron")
 * const ai = install(ipcMain, {
 *   userDataDir: app.getPath("userData"),
 *   safeStorage,
 *   dbTypeOf: async (id) => (await connectionManager.getConnection(id))?.db_type
 * })
 * app.on("will-quit", () => void ai.dispose())
 * ```
 *
 * @since 0.1.0
 */
import { allChannels, unavailable } from "../ipc/contract.js"
import type { Started } from "./start.js"
import type { InstallOptions, Installed, IpcMain, Listener, Readiness } from "./types.js"

export type { InstallOptions, Installed, IpcMain, Logger, Readiness, SafeStorage } from "./types.js"

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Registers the AI channels on `ipcMain` and starts the AI stack in the background.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const install = (ipcMain: IpcMain, options: InstallOptions): Installed => {
  let started: Promise<Started> | undefined
  // The stack's code is loaded on the first call or right after `install` returns, whichever
  // comes first; one load serves both.
  const start = (): Promise<Started> => (started ??= import("./start.js").then((m) => m.start(options)))

  // Each channel waits for the handlers, then runs its own. A load that failed (a broken install)
  // is answered as the channel answers an AI stack that cannot start: never a rejection.
  const listener = (channel: string): Listener => (event, ...args) =>
    start().then(
      (s) => s.listeners.get(channel)!(event, ...args),
      (error: unknown) => unavailable(channel, error)
    )
  for (const channel of allChannels) ipcMain.handle(channel, listener(channel))

  const ready = new Promise<Readiness>((resolve) => {
    setImmediate(() => {
      start().then(
        (s) => resolve(s.ready),
        (error: unknown) => {
          const message = messageOf(error)
          options.logger?.error?.(`@db-toolkit/ai could not load: ${message}`)
          resolve({ ok: false, error: message })
        }
      )
    })
  })

  let disposed: Promise<void> | undefined
  const dispose = (): Promise<void> =>
    (disposed ??= (async () => {
      for (const channel of allChannels) ipcMain.removeHandler?.(channel)
      if (started !== undefined) await started.then((s) => s.dispose(), () => undefined)
    })())

  return { channels: allChannels, ready, dispose }
}
