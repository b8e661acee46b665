/**
 * The CLI's pure parts: argument parsing helpers, the exit-code mapping, tables and the
 * progress indicator.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Either } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Cli from "../../src/cli/Cli.js"
import * as ExitCode from "../../src/cli/ExitCode.js"
import * as Inputs from "../../src/cli/Inputs.js"
import * as Output from "../../src/cli/Output.js"
import * as AiError from "../../src/domain/AiError.js"
import { BudgetExceeded } from "../../src/domain/Budget.js"
import { AllProvidersFailed } from "../../src/resilience/Fallback.js"
import { AiNotConfigured } from "../../src/services/AiService.js"
import { SettingsError, SettingsInvalid } from "../../src/services/Settings.js"
import { tempDir } from "../support/tmp.js"

describe("ExitCode", () => {
  const unavailable = new AiError.ProviderUnavailable({ provider: "cloudflare", message: "down", status: 503 })

  it("maps user errors to 2, provider failures to 3, anything else to 1", () => {
    const user = [
      new ExitCode.CliInputError({ message: "bad" }),
      new AiError.ConfigInvalid({ provider: "openai", message: "m", field: "apiKey", reason: "is missing" }),
      new AiError.InvalidRequest({ provider: "openai", message: "empty prompt" }),
      new SettingsInvalid({ field: "budget", reason: "negative", message: "m" }),
      new AiNotConfigured({ message: "AI not configured" }),
      new BudgetExceeded({ kind: "daily", limitUsd: 1, spentUsd: 1, message: "over" })
    ]
    for (const e of user) expect([e._tag, ExitCode.ofError(e)]).toEqual([e._tag, 2])
    const provider = [
      unavailable,
      new AiError.AuthenticationError({ provider: "openai", message: "401" }),
      new AiError.RateLimited({ provider: "openai", message: "429" }),
      new AllProvidersFailed({ message: "all", attempts: [{ provider: "cloudflare", error: unavailable }] }),
      new ExitCode.ProviderCheckFailed({ message: "failed" })
    ]
    for (const e of provider) expect([e._tag, ExitCode.ofError(e)]).toEqual([e._tag, 3])
    expect(ExitCode.ofError(new SettingsError({ reason: "WrongMasterKey", message: "m" }))).toBe(1)
    expect(ExitCode.ofError("a string")).toBe(1)
    expect(ExitCode.ofCause(Cause.die(new Error("bug")))).toBe(1)
    expect(ExitCode.ofCause(Cause.fail(unavailable))).toBe(3)
  })

  it("renders an error as JSON with its fields, durations in ms and a chain's attempts", () => {
    const limited = new AiError.RateLimited({ provider: "openai", message: "slow down", status: 429, retryAfter: Duration.seconds(2) })
    expect(ExitCode.toJson(limited)).toEqual({ _tag: "RateLimited", message: "slow down", provider: "openai", status: 429, retryAfterMs: 2000 })
    const all = new AllProvidersFailed({ message: "every provider failed", attempts: [{ provider: "cloudflare", error: unavailable }] })
    expect(ExitCode.toJson(all)).toEqual({
      _tag: "AllProvidersFailed",
      message: "every provider failed",
      attempts: [{ provider: "cloudflare", error: { _tag: "ProviderUnavailable", message: "down", provider: "cloudflare", status: 503 } }]
    })
    expect(ExitCode.toLines(all).map(Output.stripAnsi)).toEqual([
      "error [AllProvidersFailed]: every provider failed",
      "  - Cloudflare Workers AI: ProviderUnavailable: down"
    ])
  })
})

describe("Inputs", () => {
  it("pairs: text, JSON literals, := JSON and @env: values", () => {
    expect(Inputs.pairs(["model=gpt-4o", "maxTokens=1024", "stream=true", "accountId:=\"0123\"", "safety:=[1,2]", "apiKey=@env:K"], { K: "sk-1" })).toEqual(
      Either.right({ model: "gpt-4o", maxTokens: 1024, stream: true, accountId: "0123", safety: [1, 2], apiKey: "sk-1" })
    )
    expect(Either.isLeft(Inputs.pairs(["apiKey=@env:MISSING"], {}))).toBe(true)
    expect(Either.isLeft(Inputs.pairs(["x:={"]))).toBe(true)
    expect(Either.isLeft(Inputs.pairs(["=value"]))).toBe(true)
    expect(Inputs.pairs(["url=http://h/?a=b"])).toEqual(Either.right({ url: "http://h/?a=b" }))
  })

  it("since: durations back from now, or dates", () => {
    const now = Date.UTC(2026, 0, 31, 12)
    expect(Inputs.since("90m", now)).toEqual(Either.right(now - 90 * 60_000))
    expect(Inputs.since("7d", now)).toEqual(Either.right(now - 7 * 86_400_000))
    expect(Inputs.since("2026-01-30", now)).toEqual(Either.right(Date.UTC(2026, 0, 30)))
    expect(Either.isLeft(Inputs.since("soon", now))).toBe(true)
  })

  it("dialect: DB Toolkit's names, unknown ones refused", () => {
    expect(Inputs.dialect("postgres")).toEqual(Either.right("postgresql"))
    expect(Inputs.dialect("generic")).toEqual(Either.right("generic"))
    expect(Either.isLeft(Inputs.dialect("postgress"))).toBe(true)
  })

  it("schema files: DDL by extension or content, JSON in any normalizable shape", () => {
    const ddl = Either.getOrThrow(Inputs.schemaFromText("CREATE TABLE a (id int PRIMARY KEY);", "schema.txt"))
    expect(ddl.tables).toEqual([{ name: "a", columns: [{ name: "id", type: "int", primaryKey: true }] }])
    const json = Either.getOrThrow(Inputs.schemaFromText(JSON.stringify({ users: { columns: ["id integer"] } }), "s.json"))
    expect(json.tables).toEqual([{ name: "users", columns: [{ name: "id", type: "integer" }] }])
    expect(Either.isLeft(Inputs.schemaFromText("42", "s.json"))).toBe(true)
  })

  it("hoistGlobals: global options anywhere on the line", () => {
    expect(Cli.hoistGlobals(["providers", "list", "--json", "--data-dir", "/d"])).toEqual(["--json", "--data-dir", "/d", "providers", "list"])
    expect(Cli.hoistGlobals(["generate", "x", "--data-dir=/d"])).toEqual(["--data-dir", "/d", "generate", "x"])
  })
})

describe("Output", () => {
  it("tables align columns by their visible width, numbers to the right", () => {
    const lines = Output.table(["name", "n"], [[Output.styles.green("a"), "1"], ["bbbb", "100"]], { right: [1] }).map(Output.stripAnsi)
    expect(lines).toEqual(["name    n", "a       1", "bbbb  100"])
  })

  it.live("the progress indicator draws on a terminal's stderr and clears its line; nothing without one", () =>
    Effect.gen(function*() {
      const tty = Output.memory({ tty: true })
      yield* Effect.sleep("120 millis").pipe(Output.withProgress("Waiting", true), Effect.provide(tty.layer))
      expect(tty.stderr()).toContain("Waiting")
      expect(tty.stderr().endsWith("\r\u001b[K")).toBe(true)
      expect(tty.stdout()).toBe("")

      const pipe = Output.memory()
      yield* Effect.sleep("20 millis").pipe(Output.withProgress("Waiting", true), Effect.provide(pipe.layer))
      expect(pipe.stderr()).toBe("")
      const off = Output.memory({ tty: true })
      yield* Effect.sleep("20 millis").pipe(Output.withProgress("Waiting", false), Effect.provide(off.layer))
      expect(off.stderr()).toBe("")
    }))
})

describe("Inputs.readText", () => {
  it.scoped("reads a file, and refuses one past the size bound without reading it whole", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const small = Path.join(dir, "q.sql")
      Fs.writeFileSync(small, "SELECT 1")
      expect(yield* Inputs.readText(small, "SQL")).toBe("SELECT 1")
      const big = Path.join(dir, "big.sql")
      Fs.writeFileSync(big, Buffer.alloc(Inputs.MAX_INPUT_BYTES + 1, 97))
      const error = yield* Effect.flip(Inputs.readText(big, "SQL"))
      expect(error.message).toBe(`The SQL ${big} is larger than 64 MiB`)
    }))
})
