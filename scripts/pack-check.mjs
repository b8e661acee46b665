#!/usr/bin/env node
// Proves the published package works: build, `npm pack`, install the tarball into a scratch
// project (dependencies from the npm cache when warm), then import both entry points and use them.
//
// Everything happens in a scratch folder: the package is built there (the sources compiled with
// tsconfig.build.json into <scratch>/pkg/dist, next to copies of package.json and README.md) and
// packed from there, so the working tree's dist/ is never removed or rewritten (two checks at
// once, or a build while tests run, would otherwise see a half-built dist). Each step has a time
// limit, so a stalled npm cannot hang the check.
import { execFileSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const STEP_TIMEOUT_MS = 180_000
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: STEP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 })

const scratch = mkdtempSync(join(tmpdir(), "dbtk-ai-pack-"))
try {
  const pkg = join(scratch, "pkg")
  mkdirSync(pkg)
  for (const file of ["package.json", "README.md"]) copyFileSync(join(root, file), join(pkg, file))
  run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", join(pkg, "dist")], root)
  const packed = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], pkg))[0]
  const tarball = join(scratch, packed.filename)
  const files = packed.files.map((f) => f.path)
  if (!files.includes("dist/index.js") || !files.includes("dist/index.d.ts") || !files.includes("dist/testing/index.js")) {
    throw new Error(`the tarball lacks dist entry points: ${files.slice(0, 20).join(", ")}`)
  }
  if (files.some((f) => f.startsWith("src/") || f.startsWith("test/"))) throw new Error("the tarball ships sources or tests")
  const app = join(scratch, "app")
  mkdirSync(app)
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
  const out = JSON.parse(run(process.execPath, ["check.mjs"], app))
  if (out.sql !== "SELECT id FROM users LIMIT 100;") throw new Error(`unexpected answer through the installed package: ${out.sql}`)
  console.log(`pack-check: ok (${packed.filename}, ${files.length} files, ${(packed.size / 1024).toFixed(1)} KiB packed)`)
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
