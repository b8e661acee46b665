import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as Path from "node:path"
import * as Cli from "../../src/cli/Cli.js"
import * as Output from "../../src/cli/Output.js"
import * as CloudflareEmulator from "../../src/testing/emulators/CloudflareEmulator.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { SECRET_KEY } from "../support/http.js"
import { tempDir } from "../support/tmp.js"

/** What one run of the CLI printed, and its exit code. */
export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** stdout parsed as one JSON document. */
  readonly json: () => any
}

const root = Path.join(import.meta.dirname, "..", "..")

/**
 * Runs the CLI as a child process (`node --import tsx src/cli/main.ts`), as a script would, with
 * only the given variables (and PATH) in its environment.
 */
export const runChild = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Effect.Effect<Run> =>
  Effect.async((resume) => {
    execFile(
      process.execPath,
      ["--import", "tsx", Path.join(root, "src", "cli", "main.ts"), ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr, json: () => JSON.parse(stdout) }))
    )
  })

/** Runs the CLI in this process, its output kept in memory. */
export const runCli = (args: ReadonlyArray<string>, options: { readonly tty?: boolean } = {}): Effect.Effect<Run> =>
  Effect.suspend(() => {
    const memory = Output.memory(options)
    return Effect.map(Cli.run(args).pipe(Effect.provide([NodeContext.layer, memory.layer])), (code) => ({
      code,
      stdout: memory.stdout(),
      stderr: memory.stderr(),
      json: () => JSON.parse(memory.stdout())
    }))
  })

export const CLOUDFLARE_ACCOUNT = "0123456789abcdef0123456789abcdef"
export const OPENAI_KEY = "sk-openai-SECRET-cli-0123456789"

/** A temporary data folder and the two emulators, with a `cli` bound to the folder. */
export const setup = Effect.gen(function*() {
  const dir = yield* tempDir
  const cloudflare = yield* CloudflareEmulator.make({ accountId: CLOUDFLARE_ACCOUNT, apiKey: SECRET_KEY })
  const openai = yield* OpenAiEmulator.make({ apiKey: OPENAI_KEY })
  const cli = (...args: ReadonlyArray<string>) => runCli(["--data-dir", dir, ...args])
  const configureBoth = Effect.gen(function*() {
    const cf = yield* cli("providers", "set", "cloudflare", `accountId:="${CLOUDFLARE_ACCOUNT}"`, `apiToken=${SECRET_KEY}`, `baseUrl=${cloudflare.baseUrl}`)
    const oa = yield* cli("providers", "set", "openai", `apiKey=${OPENAI_KEY}`, `baseUrl=${openai.baseUrl}`)
    if (cf.code !== 0 || oa.code !== 0) throw new Error(`configuring failed: ${cf.stderr} ${oa.stderr}`)
  })
  return { dir, cloudflare, openai, cli, configureBoth }
})
