/**
 * `dbtk-ai providers import-env`, run as a child process with the official SDKs' variables in
 * its environment: the provider is saved (its key encrypted), made active and answers; a second
 * run keeps it; nothing set is a user error (exit 2) naming the variables.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Emulator from "../../src/testing/Emulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { tempDir } from "../support/tmp.js"
import { runChild } from "./harness.js"

const KEY = "sk-env-import-0123456789abcdefSECRET"

const dbtkAi = (dataDir: string, env: Record<string, string>, ...args: ReadonlyArray<string>) =>
  runChild(["--data-dir", dataDir, "--json", ...args], env)

describe("dbtk-ai providers import-env (child process)", () => {
  it.live("imports, activates and answers; keeps a configured provider; names the variables when none is set", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const emu = yield* Emulator.scoped(OpenAiEmulator.protocol, { apiKey: KEY })
      const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: emu.origin }

      const imported = yield* dbtkAi(dir, env, "providers", "import-env")
      expect(imported.code).toBe(0)
      expect(JSON.parse(imported.stdout)).toEqual({
        imported: [{ provider: "openai", from: { apiKey: "OPENAI_API_KEY", baseUrl: "OPENAI_BASE_URL" } }],
        skipped: [],
        invalid: [],
        activated: "openai"
      })
      const answer = yield* dbtkAi(dir, {}, "explain", "SELECT 1")
      expect([answer.code, JSON.parse(answer.stdout).provider]).toEqual([0, "openai"])

      const again = yield* dbtkAi(dir, env, "providers", "import-env")
      expect(JSON.parse(again.stdout).skipped).toEqual(["openai"])

      const none = yield* dbtkAi(dir, {}, "providers", "import-env")
      expect(none.code).toBe(2)
      expect(none.stdout + none.stderr).toContain("OPENAI_API_KEY")

      for (const file of Fs.readdirSync(dir)) expect(Fs.readFileSync(Path.join(dir, file)).includes(Buffer.from(KEY))).toBe(false)
    })), 120_000)
})
