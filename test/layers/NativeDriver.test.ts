/**
 * A SQLite driver whose native module cannot load, as in an Electron app that ships better-sqlite3
 * built for Node.js: the message is one line naming the rebuild command (checked on the errors
 * Node.js and `bindings` really throw), the database layer fails with it before touching any file,
 * and the IPC channels answer it while the rule-based ones keep working and nothing rejects.
 *
 * The failure is simulated where better-sqlite3 throws it: opening a database (`new Database()`
 * inside `SqliteClient.make`) throws, as a defect.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime } from "effect"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { vi } from "vitest"
import * as NativeDriver from "../../src/internal/NativeDriver.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as Handlers from "../../src/ipc/handlers.js"
import * as AiStack from "../../src/layers/AiStack.js"
import * as Database from "../../src/layers/Database.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import { Settings } from "../../src/services/Settings.js"
import { HttpLive } from "../support/http.js"
import { makeIpcMain } from "../support/ipc.js"
import { tempDir } from "../support/tmp.js"

const driver = vi.hoisted(() => ({ failure: undefined as Error | undefined }))

vi.mock("@effect/sql-sqlite-node/SqliteClient", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@effect/sql-sqlite-node/SqliteClient")>()
  const { Effect } = await import("effect")
  return {
    ...actual,
    make: (options: Parameters<typeof actual.make>[0]) =>
      Effect.suspend(() => {
        if (driver.failure !== undefined) throw driver.failure
        return actual.make(options)
      })
  }
})

const require = createRequire(import.meta.url)

// Node.js's message for a module built for another ABI (src/node_binding.cc), with DB Toolkit's
// numbers: better-sqlite3 built by `npm install` on Node 20 (115), loaded by Electron 39 (140).
const abiMismatch = () =>
  Object.assign(
    new Error(
      "The module '/opt/DB Toolkit/resources/app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
        "was compiled against a different Node.js version using\n" +
        "NODE_MODULE_VERSION 115. This version of Node.js requires\n" +
        "NODE_MODULE_VERSION 140. Please try re-compiling or re-installing\n" +
        "the module (for instance, using `npm rebuild` or `npm install`)."
    ),
    { code: "ERR_DLOPEN_FAILED" }
  )

// What `bindings` (better-sqlite3's loader) really throws when no build is found.
const bindingsMissing = (dir: string): Error => {
  try {
    require("bindings")({ bindings: "better_sqlite3.node", module_root: dir })
  } catch (e) {
    return e as Error
  }
  throw new Error("bindings found a module")
}

// What Node.js really throws for a native module of another platform.
const wrongPlatform = (dir: string): Error => {
  const file = Path.join(dir, "better_sqlite3.node")
  Fs.writeFileSync(file, Buffer.alloc(4096, 0x4d))
  try {
    process.dlopen({ exports: {} }, file)
  } catch (e) {
    return e as Error
  }
  throw new Error("dlopen loaded garbage")
}

const oneLineWithFix = (message: string) => {
  expect(message).not.toContain("\n")
  expect(message).toContain("npx electron-builder install-app-deps")
  expect(message).toContain("npx @electron/rebuild -f -w better-sqlite3")
}

const quiet = Logger.minimumLogLevel(LogLevel.None)

describe("a native module that cannot load", () => {
  it.scoped("the message is one line naming the fix, for the errors Node.js and bindings throw", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const abi = NativeDriver.describeLoadFailure(abiMismatch())
      oneLineWithFix(abi)
      expect(abi).toContain("built for another Node.js or Electron version (NODE_MODULE_VERSION 115; this process needs 140)")

      const missing = bindingsMissing(dir)
      expect(missing.message).toMatch(/^Could not locate the bindings file\. Tried:\n/)
      const notFound = NativeDriver.describeLoadFailure(missing)
      oneLineWithFix(notFound)
      expect(notFound).toContain("has no native module built for this app (better_sqlite3.node was not found)")
      expect(notFound).not.toContain("Tried")

      const platform = wrongPlatform(dir)
      expect((platform as NodeJS.ErrnoException).code).toBe("ERR_DLOPEN_FAILED")
      const other = NativeDriver.describeLoadFailure(platform)
      oneLineWithFix(other)
      expect(other).toMatch(/built for another platform or CPU architecture \((invalid ELF header|not a mach-o file|not a valid Win32 application)/)

      const unknown = NativeDriver.describeLoadFailure(new Error("undefined symbol: sqlite3_foo\nmore"))
      oneLineWithFix(unknown)
      expect(unknown).toContain("could not load its native module (undefined symbol: sqlite3_foo)")
    }))

  it.scoped("the database layer fails with NativeModule before touching any file; an existing database is not taken for a damaged one", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      yield* Effect.scoped(Layer.build(Database.layer({ filename: file })))
      const before = Fs.readdirSync(dir).map((f) => [f, Fs.readFileSync(Path.join(dir, f))] as const)

      driver.failure = abiMismatch()
      yield* Effect.addFinalizer(() => Effect.sync(() => void (driver.failure = undefined)))
      const error = yield* Effect.flip(Effect.scoped(Layer.build(Database.layer({ filename: file }))))
      expect(error._tag).toBe("DatabaseError")
      expect(error.reason).toBe("NativeModule")
      expect(error.path).toBe(file)
      expect(error.message).toBe(NativeDriver.describeLoadFailure(abiMismatch()))
      expect(Fs.readdirSync(dir).map((f) => [f, Fs.readFileSync(Path.join(dir, f))] as const)).toEqual(before)

      // A new database: nothing is created either.
      const fresh = Path.join(dir, "new", "ai.db")
      expect((yield* Effect.flip(Effect.scoped(Layer.build(Database.layer({ filename: fresh }))))).reason).toBe("NativeModule")
      expect(Fs.existsSync(Path.dirname(fresh))).toBe(false)

      // Rebuilt: the same database opens as it was.
      driver.failure = undefined
      yield* Effect.scoped(Layer.build(Database.layer({ filename: file })))
    }))

  it.scopedLive("the AI channels answer the one-line message, the rule-based ones still work, nothing rejects; after a rebuild the stack starts", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const stack = AiStack.layer({ databasePath: Path.join(dir, "ai.db"), keyStore: KeyStores.fromKey(Crypto.generateKey()) }).pipe(
        Layer.provide(HttpLive),
        Layer.provide(quiet)
      )
      driver.failure = bindingsMissing(dir)
      yield* Effect.addFinalizer(() => Effect.sync(() => void (driver.failure = undefined)))
      const runtime = yield* Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(stack)), (rt) => Effect.promise(() => rt.dispose()))
      const ipc = makeIpcMain()
      const registration = Handlers.registerAiHandlers(ipc, runtime)
      yield* Effect.addFinalizer(() => Effect.sync(() => registration.dispose()))
      const invoke = (channel: string, ...args: Array<unknown>) => Effect.promise(() => ipc.invoke(channel, ...args))

      const expected = `The AI service is not available: ${NativeDriver.describeLoadFailure(bindingsMissing(dir))}`
      const generated = yield* invoke("ai:generate-query", { natural_language: "list customers", connection_id: "c1", schema_context: {} })
      expect(generated).toMatchObject({ success: false, error: expected, error_kind: "Unavailable", sql: "", explanation: "" })
      oneLineWithFix(generated.error!)
      expect(yield* invoke("ai:fix-query", { query: "SELEC 1", error_message: "syntax error" }))
        .toMatchObject({ success: false, error: expected, fixed_query: "" })
      expect(yield* invoke("ai:settings:get")).toMatchObject({ success: false, error: expected })
      expect(yield* invoke("ai:analyze-relationships", { orders: [{ name: "customer_id", type: "integer" }], customers: [{ name: "id", type: "integer" }] }))
        .toMatchObject({ success: true })
      expect(ipc.calls.every((c) => c.outcome._tag === "resolved")).toBe(true)
      expect(Fs.readdirSync(dir)).toEqual([])

      // Rebuilt (and restarted): the stack starts.
      driver.failure = undefined
      yield* Effect.scoped(Effect.flatMap(Settings, (s) => s.snapshot).pipe(Effect.provide(stack)))
      expect(Fs.existsSync(Path.join(dir, "ai.db"))).toBe(true)
    }))
})
