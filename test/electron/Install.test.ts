/**
 * `@db-toolkit/ai/electron`'s `install`, as DB Toolkit's main process calls it: every channel
 * registered before `install` returns, the stack started behind them on real files in a temporary
 * user-data folder, the master key kept with a fake of Electron's `safeStorage`, and the channels
 * driven through a recording `ipcMain` (structured clone, as Electron's IPC does) to an emulator.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { install } from "../../src/electron/index.js"
import { allChannels } from "../../src/ipc/contract.js"
import * as Emulator from "../../src/testing/Emulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { SECRET_KEY } from "../support/http.js"
import { makeIpcMain } from "../support/ipc.js"
import { machine } from "../support/safeStorage.js"
import { tempDir } from "../support/tmp.js"

const schema = { tables: { users: { columns: [{ name: "id", type: "int", primary_key: true }, { name: "email", type: "text" }] } } }

/** An installed kit, disposed when the test's scope closes. */
const installed = (options: Omit<Parameters<typeof install>[1], "userDataDir"> & { readonly userDataDir?: string } = {}) =>
  Effect.gen(function*() {
    const userDataDir = options.userDataDir ?? (yield* tempDir)
    const ipcMain = makeIpcMain()
    const errors: Array<string> = []
    const ai = yield* Effect.acquireRelease(
      Effect.sync(() => install(ipcMain, { ...options, userDataDir, logger: { error: (m) => void errors.push(m) } })),
      (ai) => Effect.promise(() => ai.dispose())
    )
    return { ai, ipcMain, userDataDir, errors }
  })

describe("install", () => {
  it.scopedLive("registers every channel before it returns, and the stack starts behind them", () =>
    Effect.gen(function*() {
      const { ai, ipcMain, userDataDir } = yield* installed()
      // Synchronously: nothing was awaited between install and here.
      expect(ipcMain.channels()).toEqual([...allChannels])
      expect(ai.channels).toEqual([...allChannels])
      expect(Fs.existsSync(Path.join(userDataDir, "ai.db"))).toBe(false)
      expect(yield* Effect.promise(() => ai.ready)).toEqual({ ok: true })
      expect(Fs.existsSync(Path.join(userDataDir, "ai.db"))).toBe(true)
    }))

  it.scopedLive("a call that comes before the stack is ready waits for it; rule-based channels answer", () =>
    Effect.gen(function*() {
      const { ipcMain } = yield* installed()
      const [rules, generate] = yield* Effect.promise(() =>
        Promise.all([ipcMain.invoke("ai:analyze-schema", schema), ipcMain.invoke("ai:generate-query", { natural_language: "list users" })])
      )
      expect(rules.success).toBe(true)
      expect(generate).toMatchObject({ success: false, error_kind: "AiNotConfigured", sql: "", explanation: "" })
    }))

  it.scopedLive("through the channels: a provider saved with its key kept by safeStorage, then SQL from it; no key on disk in clear", () =>
    Effect.gen(function*() {
      const emu = yield* Emulator.scoped(OpenAiEmulator.protocol, { apiKey: SECRET_KEY })
      const keyring = machine("this laptop")
      const { ipcMain, userDataDir } = yield* installed({ safeStorage: keyring.storage })
      const saved = yield* Effect.promise(() => ipcMain.invoke("ai:providers:save", "openai", { apiKey: SECRET_KEY, baseUrl: emu.baseUrl }, { validate: false }))
      expect(saved.success).toBe(true)
      yield* Effect.promise(() => ipcMain.invoke("ai:settings:update", { activeProvider: "openai" }))
      const answer = yield* Effect.promise(() => ipcMain.invoke("ai:generate-query", { natural_language: "list users", schema_context: schema }))
      expect(answer).toMatchObject({ success: true, provider: "openai" })
      expect(answer.sql).toContain("FROM users")
      expect(emu.chatRequests()).toHaveLength(1)
      const files = Fs.readdirSync(userDataDir)
      expect(files).toContain("ai.key.enc")
      expect(files).not.toContain("ai.key")
      for (const file of files) {
        const bytes = Fs.readFileSync(Path.join(userDataDir, file))
        expect(bytes.includes(Buffer.from(SECRET_KEY)), file).toBe(false)
      }
    }))

  it.scopedLive("a stack that cannot start: ready says why, the AI channels answer it, the rule-based ones still work", () =>
    Effect.gen(function*() {
      const keyring = machine("no keyring", { available: false })
      const { ai, errors, ipcMain } = yield* installed({ safeStorage: keyring.storage })
      const ready = yield* Effect.promise(() => ai.ready)
      expect(ready.ok).toBe(false)
      expect(errors.join("\n")).toContain("could not start")
      const answer = yield* Effect.promise(() => ipcMain.invoke("ai:explain-query", { query: "SELECT 1" }))
      expect(answer).toMatchObject({ success: false, error_kind: "Unavailable", explanation: "" })
      expect(answer.error).toMatch(/^The AI service is not available: /)
      expect((yield* Effect.promise(() => ipcMain.invoke("ai:analyze-schema", schema))).success).toBe(true)
    }))

  it.scopedLive("dispose removes every channel and closes the stack; a second dispose is a no-op", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const ipcMain = makeIpcMain()
      const ai = install(ipcMain, { userDataDir: dir })
      yield* Effect.promise(() => ai.ready)
      yield* Effect.promise(() => ai.dispose())
      yield* Effect.promise(() => ai.dispose())
      expect(ipcMain.channels()).toEqual([])
      // The database is closed: another install opens it again.
      const again = makeIpcMain()
      const second = install(again, { userDataDir: dir })
      expect(yield* Effect.promise(() => second.ready)).toEqual({ ok: true })
      yield* Effect.promise(() => second.dispose())
    }))
})
