#!/usr/bin/env node
// Proves the published package works: build, `npm pack`, install the tarball into a scratch
// project (dependencies from the npm cache when warm), then import both entry points and use them.
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" })

const scratch = mkdtempSync(join(tmpdir(), "dbtk-ai-pack-"))
try {
  run("npm", ["run", "build"], root)
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", scratch], root))[0]
  const tarball = join(scratch, packed.filename)
  const files = packed.files.map((f) => f.path)
  if (!files.includes("dist/index.js") || !files.includes("dist/index.d.ts") || !files.includes("dist/testing/index.js")) {
    throw new Error(`the tarball lacks dist entry points: ${files.slice(0, 20).join(", ")}`)
  }
  if (files.some((f) => f.startsWith("src/") || f.startsWith("test/"))) throw new Error("the tarball ships sources or tests")
  const app = join(scratch, "app")
  run("mkdir", ["-p", app])
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch", version: "1.0.0", private: true, type: "module" }))
  run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], app)
  writeFileSync(
    join(app, "check.mjs"),
    `import { OpenAi, AiProvider, SchemaContext } from "@db-toolkit/ai"
import { OpenAiEmulator, MockAiProvider } from "@db-toolkit/ai/testing"
import { Effect } from "effect"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
const emu = await OpenAiEmulator.start()
const program = Effect.gen(function* () {
  const provider = yield* AiProvider.AiProvider
  return yield* provider.generateSql({ prompt: "list users", schema: { users: { columns: [{ name: "id", type: "int" }] } }, dialect: "sqlite" })
}).pipe(Effect.provide(OpenAi.layer({ apiKey: "sk-x", baseUrl: emu.baseUrl })), Effect.provide(NodeHttpClient.layerUndici))
const result = await Effect.runPromise(program)
await emu.close()
const mock = MockAiProvider.make()
if (typeof mock.service.generateSql !== "function") throw new Error("mock")
console.log(JSON.stringify({ sql: result.sql, schema: SchemaContext.format({ tables: [] }) }))
`
  )
  const out = JSON.parse(run("node", ["check.mjs"], app))
  if (out.sql !== "SELECT id FROM users LIMIT 100;") throw new Error(`unexpected answer through the installed package: ${out.sql}`)
  console.log(`pack-check: ok (${packed.filename}, ${files.length} files, ${(packed.size / 1024).toFixed(1)} KiB packed)`)
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
