/**
 * A CLI scripts can trust, run as child processes: with `--json`, stdout is one JSON document even
 * when a warning fires (the warning goes to stderr, once); `providers set --replace` replaces the
 * stored fields and secrets; `--validate` refuses a model the provider does not have (exit 3,
 * nothing saved).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
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

describe("dbtk-ai emulate (child processes)", () => {
  it.live("runs a provider's emulator and prints the fields that point the CLI at it", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      // The emulator runs until stopped: read its first document, then use it from another process.
      const child = yield* Effect.acquireRelease(
        Effect.sync(() => spawn(process.execPath, ["--import", "tsx", Path.join(import.meta.dirname, "..", "..", "src", "cli", "main.ts"), "--json", "emulate", "anthropic"], { stdio: ["ignore", "pipe", "pipe"] })),
        (c) => Effect.sync(() => c.kill())
      )
      const printed = yield* Effect.async<{ readonly baseUrl: string; readonly config: Record<string, string> }>((resume) => {
        let out = ""
        child.stdout.on("data", (chunk) => {
          out += String(chunk)
          try {
            resume(Effect.succeed(JSON.parse(out)))
          } catch {
            // not the whole document yet
          }
        })
      })
      expect(printed.config).toEqual({ baseUrl: printed.baseUrl })
      const set = yield* runChild(["--data-dir", dir, "--json", "providers", "set", "anthropic", `baseUrl=${printed.baseUrl}`, "apiKey=sk-ant-any", "--validate"])
      expect([set.code, set.json().test.ok]).toEqual([0, true])
      yield* runChild(["--data-dir", dir, "providers", "use", "anthropic"])
      const answer = yield* runChild(["--data-dir", dir, "--json", "explain", "SELECT 1"])
      expect([answer.code, answer.json().provider]).toEqual([0, "anthropic"])
    })), 120_000)
})

describe("dbtk-ai providers set: endpoints shown back as read", () => {
  it.live("a base without its version, OLLAMA_HOST's :port and Azure's pasted /openai are stored normalized", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const set = (...args: ReadonlyArray<string>) => runChild(["--data-dir", dir, "--json", "providers", "set", ...args])
      expect((yield* set("anthropic", "baseUrl=https://api.anthropic.com/", "apiKey=sk-ant-x")).json().config).toEqual({ baseUrl: "https://api.anthropic.com/v1" })
      expect((yield* set("ollama", "baseUrl=:11434")).json().config).toEqual({ baseUrl: "http://127.0.0.1:11434" })
      const azure = yield* set("azure-openai", "endpoint=https://res.openai.azure.com/openai/", "apiKey=0123456789abcdef0123456789abcdef", "deployment=gpt-4o-mini", "apiVersion=2024-10-21")
      expect(azure.json().config).toMatchObject({ endpoint: "https://res.openai.azure.com" })
      // The same endpoint written another way is no move: the stored key stays.
      const same = yield* set("anthropic", "baseUrl=https://api.anthropic.com")
      expect([same.code, same.json().secrets]).toEqual([0, ["apiKey"]])
    })), 120_000)
})
