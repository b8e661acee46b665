// A CommonJS main process as DB Toolkit's is: `require("@db-toolkit/ai/electron")` (here the
// compiled entry), `install` on a recording ipcMain, then a provider saved through the channels
// and the first answers served. Prints, after the result marker: require to channels registered
// (ms) and the heap then (MB, after a GC), require to the first rule-based answer and to the
// first AI answer (ms), and the process's RSS after it (MB).
//
//   node --expose-gc bench/electron-main.cjs --entry <dist>/electron/index.js --port N --fixture F
const t0 = performance.now()
const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith("--") ? [[a.slice(2), all[i + 1]]] : [])))
const { install } = require(args.entry)
const handlers = new Map()
const userDataDir = require("node:fs").mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "dbtk-ai-bench-electron-"))
const ai = install({ handle: (channel, listener) => handlers.set(channel, listener), removeHandler: (channel) => handlers.delete(channel) }, { userDataDir })
const registeredMs = performance.now() - t0
global.gc()
const heapMb = process.memoryUsage().heapUsed / 1048576

const invoke = async (channel, ...params) => {
  const response = await handlers.get(channel)({}, ...params)
  if (!response.success) throw new Error(`${channel}: ${response.error}`)
  return response
}

;(async () => {
  const fixture = JSON.parse(require("node:fs").readFileSync(args.fixture, "utf8"))
  await invoke("ai:analyze-schema", { tables: { users: { columns: [{ name: "id", type: "int" }] } } })
  const firstRuleMs = performance.now() - t0
  await invoke("ai:providers:save", "openai", { apiKey: fixture.apiKey, baseUrl: `http://127.0.0.1:${args.port}/v1`, model: fixture.model }, { validate: false })
  await invoke("ai:settings:update", { activeProvider: "openai" })
  await invoke("ai:explain-query", { query: "SELECT id FROM users" })
  const firstAnswerMs = performance.now() - t0
  const rssMb = process.memoryUsage().rss / 1048576
  await ai.dispose()
  require("node:fs").rmSync(userDataDir, { recursive: true, force: true })
  process.stdout.write(`${args.marker}${JSON.stringify({ registeredMs, heapMb, firstRuleMs, firstAnswerMs, rssMb })}\n`)
})().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`)
  process.exit(1)
})
