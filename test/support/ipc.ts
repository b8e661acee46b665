/**
 * A recording fake of Electron's `ipcMain`, for driving IPC handlers as DB Toolkit's renderer
 * does (`ipcRenderer.invoke(channel, ...args)`): it refuses a second handler for a channel (as
 * Electron does), passes an event first, records every call, and clones every response with the
 * structured-clone algorithm Electron's IPC uses (so a response that could not cross IPC fails).
 */

type Listener = (event: unknown, ...args: Array<unknown>) => unknown

/** One recorded invoke. */
export interface Call {
  readonly channel: string
  readonly args: ReadonlyArray<unknown>
  /** `resolved` with the cloned response, or `rejected` with the reason. */
  readonly outcome: { readonly _tag: "resolved"; readonly value: unknown } | { readonly _tag: "rejected"; readonly reason: unknown }
}

/** A response as the handlers send it. */
export type Response = { readonly success: boolean; readonly error?: string } & Record<string, any>

export interface FakeIpcMain {
  handle(channel: string, listener: Listener): void
  removeHandler(channel: string): void
  /** What `ipcRenderer.invoke` would resolve with; rejects when the handler rejects or is missing. */
  readonly invoke: (channel: string, ...args: Array<unknown>) => Promise<Response>
  readonly channels: () => ReadonlyArray<string>
  readonly calls: ReadonlyArray<Call>
}

/** The event Electron passes first (a stand-in: the handlers do not read it). */
export const fakeEvent = Object.freeze({ sender: { id: 1 }, frameId: 1, processId: 1 })

export const makeIpcMain = (): FakeIpcMain => {
  const handlers = new Map<string, Listener>()
  const calls: Array<Call> = []
  return {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
      handlers.set(channel, listener)
    },
    removeHandler(channel) {
      handlers.delete(channel)
    },
    invoke: async (channel, ...args) => {
      const listener = handlers.get(channel)
      if (listener === undefined) throw new Error(`No handler registered for '${channel}'`)
      try {
        const value = structuredClone(await listener(fakeEvent, ...args)) as Response
        calls.push({ channel, args, outcome: { _tag: "resolved", value } })
        return value
      } catch (reason) {
        calls.push({ channel, args, outcome: { _tag: "rejected", reason } })
        throw reason
      }
    },
    channels: () => [...handlers.keys()],
    calls
  }
}
