#!/usr/bin/env node
// Proves the published package works: build, `npm pack`, install the tarball into a scratch
// project (dependencies from the npm cache when warm), then import every entry point and use them:
// the exports map names exactly the public entries, nothing under internal/ can be imported or
// required, a provider entry loads no SQLite, stack, IPC or test kit, and the preload entry loads
// nothing but itself, with `import` and with `require` (its CommonJS build), and types
// `window.dbtkAi` for a renderer.
//
// Everything happens in a scratch folder: the package is built there (the sources compiled with
// tsconfig.build.json into <scratch>/pkg/dist, next to copies of package.json and README.md) and
// packed from there (the CommonJS build of the preload entry too, scripts/build-cjs.mjs), so the
// working tree's dist/ is never removed or rewritten (two checks at
// once, or a build while tests run, would otherwise see a half-built dist). Each step has a time
// limit, so a stalled npm cannot hang the check.
import { execFileSync, spawn } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const STEP_TIMEOUT_MS = 180_000
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: STEP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 })

// The public entries, in the exports map's order; nothing else (internal/ above all) is reachable.
const PROVIDERS = ["openai", "anthropic", "azure-openai", "cloudflare", "ollama", "gemini"]
const ENTRIES = [".", ...PROVIDERS.map((id) => `./providers/${id}`), "./ipc", "./electron", "./preload", "./testing", "./react", "./package.json"]

// What an app must not install with the library: the CLI's and the benchmark's packages, the
// OpenTelemetry SDK, gpt-tokenizer (the library counts with its own encoder), @effect/platform-node and the
// cluster/rpc/workflow packages its peers would bring, and the React entry's optional peers (the
// renderer's own React, recharts and lucide-react).
const UNWANTED = /^(@effect\/(cli|printer|printer-ansi|opentelemetry|platform-node|platform-node-shared|cluster|rpc|workflow|typeclass|vitest)|@opentelemetry\/.*|gpt-tokenizer|@parcel\/.*|openai|tsx|esbuild|vitest|react|react-dom|recharts|lucide-react|node-sql-parser|big-integer)$/
// The native packages an app gets: better-sqlite3 (the library's database), and msgpackr-extract,
// an optional dependency of msgpackr, which @effect/platform depends on (never loaded here: the
// library does not use MessagePack; `npm install --omit=optional` leaves it out).
const NATIVE_ALLOWED = /^(better-sqlite3|msgpackr-extract|@msgpackr-extract\/.*)$/

// Every package under node_modules (scoped and nested), its bytes on disk, and which are native
// (they carry a binding.gyp or a prebuilt .node file).
const installed = (nodeModules) => {
  const packages = []
  const natives = new Set()
  let bytes = 0
  const walk = (dir, owner) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isSymbolicLink()) continue
      if (entry.isDirectory()) {
        if (entry.name === "node_modules") packagesIn(path)
        else walk(path, owner)
      } else {
        bytes += statSync(path).size
        if (entry.name === "binding.gyp" || entry.name.endsWith(".node")) natives.add(owner)
      }
    }
  }
  const packagesIn = (nodeModules) => {
    for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue
      const scoped = entry.name.startsWith("@")
      for (const name of scoped ? readdirSync(join(nodeModules, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name]) {
        packages.push(name)
        walk(join(nodeModules, name), name)
      }
    }
  }
  packagesIn(nodeModules)
  return { packages: packages.sort(), natives: [...natives].sort(), bytes }
}

const scratch = mkdtempSync(join(tmpdir(), "dbtk-ai-pack-"))
try {
  const pkg = join(scratch, "pkg")
  mkdirSync(pkg)
  for (const file of ["package.json", "README.md"]) copyFileSync(join(root, file), join(pkg, file))
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc")
  run(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", join(pkg, "dist")], root)
  run(process.execPath, [join(root, "scripts", "build-cjs.mjs"), join(pkg, "dist")], root)
  run(process.execPath, [join(root, "scripts", "bundle.mjs"), join(pkg, "dist")], root)
  run(process.execPath, [join(root, "scripts", "build-page.mjs"), join(pkg, "dist", "ui", "page")], root)
  const packed = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], pkg))[0]
  const tarball = join(scratch, packed.filename)
  const files = packed.files.map((f) => f.path)
  if (files.some((f) => f.startsWith("src/") || f.startsWith("test/"))) throw new Error("the tarball ships sources or tests")
  for (const f of ["dist/ui/page/index.html", "dist/ui/page/assets/app.js", "dist/ui/page/assets/app.css", "dist/vendor/sql-parser/sqlite.cjs", "dist/vendor/sql-parser/LICENSE"]) {
    if (!files.includes(f)) throw new Error(`the tarball lacks ${f}`)
  }

  // The exports map names exactly the public entries, each with its types, all of them in the tarball.
  const exportsMap = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).exports
  const names = Object.keys(exportsMap)
  if (JSON.stringify(names) !== JSON.stringify(ENTRIES)) throw new Error(`the exports map names ${names.join(", ")}; expected ${ENTRIES.join(", ")}`)
  for (const [name, target] of Object.entries(exportsMap)) {
    if (name === "./package.json") continue
    for (const key of ["types", "default", ...("require" in target ? ["require"] : [])]) {
      const path = target[key]?.replace(/^\.\//, "")
      if (path === undefined || !files.includes(path)) throw new Error(`the tarball lacks ${key} of ${name}: ${path}`)
    }
  }

  // The React entry runs in the renderer: its modules import one another, React, recharts and
  // lucide-react, and nothing of the library's runtime (its types are erased).
  const reactModules = files.filter((f) => f.startsWith("dist/react/") && f.endsWith(".js"))
  const reactImports = reactModules.flatMap((f) =>
    [...readFileSync(join(pkg, f), "utf8").matchAll(/^(?:import|export)\s[^"']*?from\s*["']([^"']+)["']/gm)].map((m) => m[1])
  )
  const strayImports = reactImports.filter((spec) => !/^(react|react\/jsx-runtime|recharts|lucide-react|\.\/[A-Za-z]+\.js)$/.test(spec))
  if (reactModules.length === 0 || strayImports.length > 0) throw new Error(`the React entry imports ${strayImports.join(", ") || "nothing (no modules)"}`)
  console.log(`pack-check: react entry: ${reactModules.length} modules importing only React, recharts, lucide-react and one another`)

  const app = join(scratch, "app")
  mkdirSync(app)
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch", version: "1.0.0", private: true, type: "module" }))
  run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], app)
  const footprint = installed(join(app, "node_modules"))
  const unwanted = footprint.packages.filter((name) => UNWANTED.test(name))
  if (unwanted.length > 0) throw new Error(`the install brings ${unwanted.join(", ")}`)
  const natives = footprint.natives.filter((name) => !NATIVE_ALLOWED.test(name))
  if (natives.length > 0) throw new Error(`the install brings native packages the library does not use: ${natives.join(", ")}`)
  console.log(
    `pack-check: an app installs ${footprint.packages.length} packages, ${(footprint.bytes / 1e6).toFixed(1)} MB without install scripts ` +
      `(natives: ${footprint.natives.join(", ")}); no CLI, OpenTelemetry SDK, tokenizer or Node platform package`
  )
  writeFileSync(
    join(app, "check.mjs"),
    `import { AiStack, AiService, AiError, AllProvidersFailed, registerAiHandlers, Settings } from "@db-toolkit/ai"
import * as Root from "@db-toolkit/ai"
import { OpenAi, AiProvider } from "@db-toolkit/ai/providers/openai"
import { aiChannels, registerAiHandlers as fromIpc } from "@db-toolkit/ai/ipc"
import { OpenAiEmulator, MockAiProvider } from "@db-toolkit/ai/testing"
import { exposeAi } from "@db-toolkit/ai/preload"
import { Effect } from "effect"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { createRequire } from "node:module"
if ("Testing" in Root) throw new Error("the main entry exports Testing")
if (typeof AiStack.layer !== "function" || typeof AiService.AiService !== "function" || typeof Settings.Settings !== "function") throw new Error("root")
if (typeof AiError.isAiError !== "function" || typeof AllProvidersFailed !== "function") throw new Error("errors")
if (fromIpc !== registerAiHandlers || !aiChannels.includes("ai:generate-query")) throw new Error("ipc")
for (const id of ${JSON.stringify(PROVIDERS)}) {
  const entry = await import("@db-toolkit/ai/providers/" + id)
  const names = Object.keys(entry).sort().join(",")
  if (!names.startsWith("AiError,AiProvider,") || Object.keys(entry).length !== 3) throw new Error("providers/" + id + " exports " + names)
}
// Nothing under internal/ (or dist/) is reachable, with import or require.
const require = createRequire(import.meta.url)
const hidden = []
for (const spec of ["@db-toolkit/ai/internal/wire/Wire.js", "@db-toolkit/ai/internal/Untrusted", "@db-toolkit/ai/dist/internal/wire/Wire.js", "@db-toolkit/ai/dist/index.js", "@db-toolkit/ai/dist/cjs/preload/index.js"]) {
  const imported = await import(spec).then(() => "loaded", (e) => e.code)
  let required
  try { require(spec); required = "loaded" } catch (e) { required = e.code }
  if (imported !== "ERR_PACKAGE_PATH_NOT_EXPORTED" || required !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw new Error(spec + ": import " + imported + ", require " + required)
  hidden.push(spec)
}
const emu = await OpenAiEmulator.start()
const program = Effect.gen(function* () {
  const provider = yield* AiProvider.AiProvider
  return yield* provider.generateSql({ prompt: "list users", schema: { users: { columns: [{ name: "id", type: "int" }] } }, dialect: "sqlite" })
}).pipe(Effect.provide(OpenAi.layer({ apiKey: "sk-x", baseUrl: emu.baseUrl })), Effect.provide(FetchHttpClient.layer))
const result = await Effect.runPromise(program)
await emu.close()
const mock = MockAiProvider.make()
if (typeof mock.service.generateSql !== "function") throw new Error("mock")
// The preload entry, with import (ESM) and require (its CommonJS build), on a fake Electron.
const fakeElectron = () => {
  const sent = []
  const exposed = {}
  return {
    sent,
    exposed,
    contextBridge: { exposeInMainWorld: (key, api) => { exposed[key] = api } },
    ipcRenderer: { invoke: async (channel, ...args) => { sent.push(channel); return structuredClone({ success: true, args: structuredClone(args) }) } }
  }
}
const required = require("@db-toolkit/ai/preload")
if (!require.resolve("@db-toolkit/ai/preload").endsWith("/dist/cjs/preload/index.js")) throw new Error("require resolves " + require.resolve("@db-toolkit/ai/preload"))
for (const expose of [exposeAi, required.exposeAi]) {
  const electron = fakeElectron()
  const ai = expose(electron.contextBridge, electron.ipcRenderer)
  if (electron.exposed.dbtkAi !== ai || !Object.isFrozen(ai) || "invoke" in ai) throw new Error("preload: exposed")
  const ok = await ai.fixQuery({ query: "SELEC 1", error_message: "syntax error" })
  const refused = await ai.generateQuery({ natural_language: "x", schema_context: () => 1 })
  if (!ok.success || refused.error_kind !== "InvalidIpcInput" || refused.sql !== "" || electron.sent.join() !== "ai:fix-query") throw new Error("preload: " + JSON.stringify([ok, refused, electron.sent]))
}
// The SQL check's worker loads the package's copy of node-sql-parser's grammar (node-sql-parser is
// not installed); a MongoDB
// query is checked on the main thread.
const { SqlCheck } = Root
const mongo = SqlCheck.checkMongo("db.users.deleteMany({})")
await Effect.runPromise(SqlCheck.shutdown)
console.log(JSON.stringify({ sql: result.sql, check: result.check, mongo: mongo.flags.destructive.length, hidden }))
`
  )
  const out = JSON.parse(run(process.execPath, ["check.mjs"], app))
  if (out.sql !== "SELECT id FROM users LIMIT 100;") throw new Error(`unexpected answer through the installed package: ${out.sql}`)
  if (out.check?.checked !== true || out.check.grammar !== "Sqlite" || out.check.parseError !== undefined || out.mongo !== 1) {
    throw new Error(`the SQL check did not run in the installed package (its worker loads dist/vendor/sql-parser/sqlite.cjs): ${JSON.stringify(out.check)}`)
  }
  console.log("pack-check: an answer's SQL was checked by node-sql-parser's SQLite grammar (the package's vendored copy) on the worker thread, from the installed package")
  console.log(`pack-check: internal/ not exported (${out.hidden.length} specifiers refused to import and require)`)

  // What an entry loads, in a fresh process: every module URL resolved (a resolve hook reports
  // each one), every native addon opened and every CommonJS module cached.
  writeFileSync(
    join(app, "record-resolve.mjs"),
    `let port
export const initialize = (data) => { port = data.port }
export const resolve = async (specifier, context, next) => {
  const resolved = await next(specifier, context)
  port.postMessage(resolved.url)
  return resolved
}
`
  )
  writeFileSync(
    join(app, "loads.mjs"),
    `import { createRequire, register } from "node:module"
import { MessageChannel } from "node:worker_threads"
const { port1, port2 } = new MessageChannel()
const urls = []
const sentinel = "data:text/javascript,export default 'sentinel'"
const seen = new Promise((done) => port1.on("message", (url) => { if (url === sentinel) done(); else urls.push(url) }))
register("./record-resolve.mjs", import.meta.url, { data: { port: port2 }, transferList: [port2] })
const natives = []
const dlopen = process.dlopen
process.dlopen = function (module, filename, ...rest) { natives.push(filename); return dlopen.call(this, module, filename, ...rest) }
const entry = await import(process.argv[2])
if (Object.keys(entry).length === 0) throw new Error("empty entry")
await import(sentinel)
await seen
port1.close()
console.log(JSON.stringify({ urls, natives, cjs: Object.keys(createRequire(import.meta.url).cache) }))
`
  )
  const loads = (spec) => {
    const { urls, natives, cjs } = JSON.parse(run(process.execPath, ["loads.mjs", spec], app))
    return [...urls, ...natives, ...cjs]
  }
  const sqlite = /better-sqlite3|better_sqlite3|sql-sqlite-node/
  // The check can see SQLite: the main entry loads it.
  if (!loads("@db-toolkit/ai").some((u) => sqlite.test(u))) throw new Error("the load check did not see SQLite load through the main entry")
  for (const id of PROVIDERS) {
    const loaded = loads(`@db-toolkit/ai/providers/${id}`)
    const ours = loaded.filter((u) => u.includes("/node_modules/@db-toolkit/ai/dist/"))
    const stray = [...loaded.filter((u) => sqlite.test(u)), ...ours.filter((u) => /\/dist\/(layers|ipc|resilience|testing|cli)\//.test(u))]
    if (stray.length > 0) throw new Error(`providers/${id} loads ${stray.join(", ")}`)
    if (!ours.some((u) => u.endsWith(`/dist/providers/${id}/index.js`))) throw new Error(`providers/${id}: the load check saw no module of the package`)
    if (id === "openai") console.log(`pack-check: providers/openai loads ${ours.length} modules of the package, no SQLite, stack, IPC or test kit`)
  }

  // The electron entry in a CommonJS main process, as DB Toolkit's is: `require` registers every
  // channel at once with nothing heavy loaded (no Effect, no SQLite), then the stack starts in
  // the background and a rule-based channel and an AI channel answer.
  writeFileSync(
    join(app, "main.cjs"),
    `const t0 = performance.now()
const { install } = require("@db-toolkit/ai/electron")
const handlers = new Map()
const dir = require("node:fs").mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "dbtk-ai-electron-"))
const ai = install({ handle: (c, l) => handlers.set(c, l), removeHandler: (c) => handlers.delete(c) }, { userDataDir: dir })
const registeredMs = performance.now() - t0
// CommonJS modules show in require.cache; ES modules (Effect) do not, so the heap tells: Effect
// alone holds about 17 MB once loaded.
const heavy = Object.keys(require.cache).filter((m) => /node_modules\\/(effect|@effect|better-sqlite3)\\//.test(m))
global.gc()
const heapMb = process.memoryUsage().heapUsed / 1048576
;(async () => {
  const rules = await handlers.get("ai:analyze-schema")({}, { tables: { users: { columns: [{ name: "id", type: "int" }] } } })
  const generate = await handlers.get("ai:generate-query")({}, { natural_language: "list users" })
  const ready = await ai.ready
  await ai.dispose()
  console.log(JSON.stringify({ channels: handlers.size === 0 ? ai.channels.length : -1, registeredMs, heapMb, heavy, rules: rules.success, generate: generate.error_kind, ready }))
})()
`
  )
  // The scratch install ran no install scripts, so better-sqlite3 has no native module yet: the
  // stack says so and how to fix it (checked), then gets the one this repository built, as an
  // app's own `electron-builder install-app-deps` step would give it.
  const unbuilt = JSON.parse(run(process.execPath, ["--expose-gc", "main.cjs"], app))
  if (unbuilt.ready.ok || !/electron-builder install-app-deps/.test(unbuilt.ready.error) || unbuilt.generate !== "Unavailable" || !unbuilt.rules) {
    throw new Error(`electron (no native module): ${JSON.stringify(unbuilt)}`)
  }
  const nativeBuild = join(root, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node")
  const target = join(app, "node_modules", "better-sqlite3", "build", "Release")
  mkdirSync(target, { recursive: true })
  copyFileSync(nativeBuild, join(target, "better_sqlite3.node"))
  const electron = JSON.parse(run(process.execPath, ["--expose-gc", "main.cjs"], app))
  if (electron.channels !== 25 || electron.heavy.length > 0 || electron.heapMb >= 10 || !electron.rules || electron.generate !== "AiNotConfigured" || !electron.ready.ok) {
    throw new Error(`electron (require): ${JSON.stringify(electron)}`)
  }
  console.log(`pack-check: electron entry required from CommonJS: 25 channels registered with no Effect or SQLite loaded (${electron.heapMb.toFixed(1)} MB of heap); without the native module the AI channels name the fix; with it the stack started behind them`)

  // What the lean install keeps working without the packages it dropped: OTLP export, an exact
  // token count (equal to gpt-tokenizer's) and the CLI (scripts/consumer/lean.mjs).
  copyFileSync(join(root, "scripts", "consumer", "lean.mjs"), join(app, "lean.mjs"))
  const lean = JSON.parse(run(process.execPath, ["lean.mjs"], app))
  const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base")
  const sampleTokens = countTokens("SELECT c.email FROM customers AS c WHERE c.id > 10; -- naïve ünïcödé 🚀")
  if (
    !lean.estimate.inputTokensExact || lean.sampleTokens !== sampleTokens || !/FROM customers/.test(lean.sql) ||
    lean.cliSql !== lean.sql || !lean.spans.some((name) => name.startsWith("chat "))
  ) {
    throw new Error(`the lean install: ${JSON.stringify(lean)}`)
  }
  console.log(
    `pack-check: without the packages it dropped: OTLP export (${lean.spans.length} spans at a local collector), ` +
      `exact counts with o200k_base (${lean.estimate.inputTokens} tokens estimated; a sample counts as gpt-tokenizer counts it), the dbtk-ai CLI (same answer)`
  )

  // The whole kit as DB Toolkit would use it (scripts/consumer/main.cjs): the main process
  // installs the channels, the preload exposes the bridge, the renderer drives every channel
  // through window.dbtkAi to an emulator; everything that crosses is structured-cloned.
  copyFileSync(join(root, "scripts", "consumer", "main.cjs"), join(app, "consumer.cjs"))
  const consumer = JSON.parse(run(process.execPath, ["consumer.cjs"], app))
  const failed = Object.entries(consumer.answers).filter(([, a]) => !a.success)
  if (Object.keys(consumer.answers).length !== 25 || failed.length > 0 || !/FROM customers/.test(consumer.sql) || consumer.refused !== "InvalidIpcInput" || consumer.keyOnDisk || consumer.sent < 5) {
    throw new Error(`the CommonJS consumer: ${JSON.stringify(consumer)}`)
  }
  console.log(`pack-check: a CommonJS app (electron entry + preload bridge) drove all 25 channels through window.dbtkAi to an emulator (${consumer.sent} chat requests); no key on disk in clear`)

  // The preload entry loads nothing but itself and the IPC contract: with import (every URL
  // resolved) and with require (every CommonJS module cached), in fresh processes.
  const preloadModules = ["preload/index.js", "ipc/contract.js", "internal/PlainData.js"]
  const imported = loads("@db-toolkit/ai/preload")
  const expected = preloadModules.map((m) => `/node_modules/@db-toolkit/ai/dist/${m}`)
  if (imported.length !== expected.length || !expected.every((m, i) => imported[i].endsWith(m))) throw new Error(`preload (import) loads ${imported.join(", ")}`)
  const requiredModules = JSON.parse(run(process.execPath, ["-e", 'require("@db-toolkit/ai/preload"); console.log(JSON.stringify(Object.keys(require.cache)))'], app))
  const expectedCjs = preloadModules.map((m) => `/node_modules/@db-toolkit/ai/dist/cjs/${m}`)
  if (requiredModules.length !== expectedCjs.length || !expectedCjs.every((m, i) => requiredModules[i].endsWith(m))) throw new Error(`preload (require) loads ${requiredModules.join(", ")}`)
  console.log(`pack-check: preload loads ${imported.length} modules with import and ${requiredModules.length} with require (its CommonJS build), nothing else`)

  // A renderer's TypeScript (DOM, no Node, a bundler's resolution) gets window.dbtkAi from the
  // installed package with one reference.
  const renderer = join(app, "renderer")
  mkdirSync(renderer)
  writeFileSync(
    join(renderer, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", lib: ["ES2022", "DOM"], types: [], module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, skipLibCheck: true },
      files: ["app.ts"]
    })
  )
  writeFileSync(
    join(renderer, "app.ts"),
    `/// <reference types="@db-toolkit/ai/preload" />
export const fix = async (): Promise<string> => {
  const r = await window.dbtkAi.fixQuery({ query: "SELEC 1", error_message: "syntax error" })
  return r.success ? r.fixed_query : r.error
}
`
  )
  try {
    run(process.execPath, [tsc, "-p", join(renderer, "tsconfig.json")], renderer)
  } catch (e) {
    throw new Error(`a renderer's TypeScript does not type window.dbtkAi: ${e.stdout ?? e.message}`)
  }
  console.log("pack-check: a renderer's TypeScript types window.dbtkAi from the installed package")
  // `dbtk-ai ui --demo` from the installed package: its first line is the page's address with the
  // token; the built page and a call with the token are served, a call without it is not.
  const ui = spawn(process.execPath, [join(app, "node_modules", "@db-toolkit", "ai", "dist", "cli", "main.js"), "ui", "--demo"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] })
  try {
    const url = await new Promise((found, failed) => {
      let out = ""
      const timer = setTimeout(() => failed(new Error("dbtk-ai ui --demo printed no address within 60 s")), 60_000)
      ui.stdout.on("data", (chunk) => {
        out += chunk
        if (out.includes("\n")) clearTimeout(timer), found(out.split("\n")[0])
      })
      ui.on("exit", (code) => failed(new Error(`dbtk-ai ui --demo exited (${code})`)))
    })
    const page = new URL(url)
    const token = new URLSearchParams(page.hash.slice(1)).get("token")
    const html = await (await fetch(new URL("/", page))).text()
    const script = await fetch(new URL("/assets/app.js", page))
    const call = (headers) => fetch(new URL("/api/settings/get", page), { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" })
    const [withToken, without] = [await call({ authorization: `Bearer ${token}` }), await call({})]
    const settings = await withToken.json()
    if (!html.includes("/assets/app.js") || script.status !== 200 || !settings.success || settings.settings.activeProvider !== "cloudflare" || without.status !== 401) {
      throw new Error(`dbtk-ai ui --demo: ${JSON.stringify({ url, html: html.slice(0, 200), script: script.status, settings: withToken.status, without: without.status })}`)
    }
    console.log(`pack-check: dbtk-ai ui --demo from the installed package serves the built page (${(Number(script.headers.get("content-length") ?? 0) / 1024).toFixed(0)} KiB of script) and its API with the token only`)
  } finally {
    ui.kill()
  }
  console.log(`pack-check: ok (${packed.filename}, ${files.length} files, ${(packed.size / 1024).toFixed(1)} KiB packed)`)
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
