/**
 * A CLI scripts can trust, run as child processes: with `--json`, stdout is one JSON document even
 * when a warning fires (the warning goes to stderr, once); `providers set --replace` replaces the
 * stored fields and secrets; `--validate` refuses a model the provider does not have (exit 3,
 * nothing saved).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Emulator from "../../src/testing/Emulator.js"
import * as OllamaEmulator from "../../src/testing/emulators/OllamaEmulator.js"
import { SECRET_KEY } from "../support/http.js"
import { tempDir } from "../support/tmp.js"
import { runChild } from "./harness.js"

describe("dbtk-ai for scripts (child process)", () => {
  it.live("--json: stdout is only the JSON document when a warning fires; the warning is on stderr once", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      expect((yield* runChild(["--data-dir", dir, "--json", "providers", "set", "ollama", "baseUrl=http://127.0.0.1:9"])).code).toBe(0)
      // No stored secret needs the key: losing it makes a new one, with a warning.
      Fs.rmSync(Path.join(dir, "ai.key"))
      const run = yield* runChild(["--data-dir", dir, "--json", "providers", "use", "ollama"])
      expect(run.code).toBe(0)
      expect(run.json()).toEqual({ activeProvider: "ollama" })
      expect(run.stderr.match(/The master key was missing/g)).toHaveLength(1)
      expect(run.stdout).not.toContain("master key")
    })), 120_000)

  it.live("providers set --replace drops the stored fields and secrets the input does not give", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const set = (...args: ReadonlyArray<string>) => runChild(["--data-dir", dir, "--json", "providers", "set", "ollama", ...args])
      expect((yield* set("baseUrl=https://ollama.example.com", `apiKey=${SECRET_KEY}`, "maxTokens=512", "keepAlive=10m")).code).toBe(0)
      const changed = yield* set("model=qwen2.5-coder")
      expect(changed.json()).toMatchObject({ config: { baseUrl: "https://ollama.example.com", maxTokens: 512, keepAlive: "10m", model: "qwen2.5-coder" }, secrets: ["apiKey"] })
      const replaced = yield* set("baseUrl=http://127.0.0.1:9", "model=llama3.2", "--replace")
      expect(replaced.code).toBe(0)
      expect(replaced.json()).toMatchObject({ config: { baseUrl: "http://127.0.0.1:9", model: "llama3.2" }, secrets: [] })
    })), 120_000)

  it.live("providers set --validate refuses a model the server does not have: exit 3, nothing saved", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const emu = yield* Emulator.scoped(OllamaEmulator.protocol, {})
      const refused = yield* runChild(["--data-dir", dir, "--json", "providers", "set", "ollama", `baseUrl=${emu.baseUrl}`, "model=not-pulled:7b", "--validate"])
      expect(refused.code).toBe(3)
      expect(refused.json().error).toMatchObject({ _tag: "ModelNotFound" })
      expect(refused.json().error.message).toContain("not-pulled:7b")
      const list = yield* runChild(["--data-dir", dir, "--json", "providers", "list"])
      expect(list.json().providers.find((p: { id: string }) => p.id === "ollama").configured).toBe(false)
      const ok = yield* runChild(["--data-dir", dir, "--json", "providers", "set", "ollama", `baseUrl=${emu.baseUrl}`, "--validate"])
      expect([ok.code, ok.json().test.modelAvailable]).toEqual([0, true])
    })), 120_000)
})
