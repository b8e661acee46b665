// A CommonJS app shaped like DB Toolkit's, on the installed tarball: its main process installs the
// AI channels (`@db-toolkit/ai/electron`), its preload exposes the bridge (`@db-toolkit/ai/preload`,
// required: its CommonJS build), and the "renderer" drives every channel through `window.dbtkAi`
// to an OpenAI emulator. Between the worlds every argument and answer is copied with the
// structured-clone algorithm, as Electron's IPC does. Prints one JSON line: what each call answered.
const { install } = require("@db-toolkit/ai/electron")
const { exposeAi } = require("@db-toolkit/ai/preload")
const fs = require("node:fs")
const os = require("node:os")
const path = require("node:path")

// Electron's main side: ipcMain.handle, one handler per channel.
const handlers = new Map()
const ipcMain = {
  handle: (channel, listener) => {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    handlers.set(channel, listener)
  },
  removeHandler: (channel) => void handlers.delete(channel)
}
// The OS keyring, as safeStorage shows it: opaque bytes only this "machine" can read.
const safeStorage = {
  isEncryptionAvailable: () => true,
  encryptString: (text) => Buffer.from(`v10${Buffer.from(text, "utf8").toString("hex")}`),
  decryptString: (bytes) => Buffer.from(bytes.toString().slice(3), "hex").toString("utf8")
}
// The preload's side: ipcRenderer.invoke crosses to the handler, both ways cloned.
const ipcRenderer = {
  invoke: async (channel, ...args) => {
    const handler = handlers.get(channel)
    if (handler === undefined) throw new Error(`No handler registered for '${channel}'`)
    return structuredClone(await handler({ sender: { id: 1 } }, ...structuredClone(args)))
  }
}
const window = {}
const contextBridge = { exposeInMainWorld: (key, api) => void (window[key] = api) }

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dbtk-ai-consumer-"))
const ai = install(ipcMain, { userDataDir, safeStorage })
exposeAi(contextBridge, ipcRenderer)

const schema = { tables: { customers: { columns: [{ name: "id", type: "integer", primary_key: true }, { name: "email", type: "text" }] } } }
const columns = [{ name: "id", type: "integer" }, { name: "customer_id", type: "integer" }]

;(async () => {
  const { OpenAiEmulator } = await import("@db-toolkit/ai/testing")
  const emu = await OpenAiEmulator.start()
  const dbtkAi = window.dbtkAi
  const answers = {}
  const call = async (name, run) => {
    const answer = await run()
    answers[name] = { success: answer.success, ...(answer.success ? {} : { error: answer.error }) }
    return answer
  }
  try {
    await call("providers.save", () => dbtkAi.providers.save("openai", { apiKey: "sk-consumer-0000000000", baseUrl: emu.baseUrl }, { validate: true }))
    await call("settings.update", () => dbtkAi.settings.update({ activeProvider: "openai" }))
    await call("settings.get", () => dbtkAi.settings.get())
    await call("providers.test", () => dbtkAi.providers.test("openai"))
    await call("providers.models", () => dbtkAi.providers.models("openai"))
    const generated = await call("generateQuery", () => dbtkAi.generateQuery({ natural_language: "list customers", connection_id: "conn-pg", schema_context: schema }))
    await call("generateSql", () => dbtkAi.generateSql("list customers", schema, "postgresql"))
    await call("explainQuery", () => dbtkAi.explainQuery({ query: "SELECT id FROM customers", connection_id: "conn-pg", schema_context: schema }))
    await call("optimizeQuery", () => dbtkAi.optimizeQuery({ query: "SELECT * FROM customers", execution_plan: { rows: 10, at: new Date(0) }, connection_id: "c" }))
    await call("fixQuery", () => dbtkAi.fixQuery({ query: "SELEC id FROM customers", error_message: "syntax error at or near SELEC", connection_id: "conn-pg", schema_context: schema }))
    await call("suggestCompletion", () => dbtkAi.suggestCompletion("SEL", 3, {}, "postgresql"))
    await call("analyzeTable", () => dbtkAi.analyzeTable({ connectionId: "c", tableName: "orders", columns, db_type: "sqlite" }))
    await call("analyzeSchema", () => dbtkAi.analyzeSchema("conn-pg", "public", { orders: [{ name: "id", type: "int", primary_key: true }] }))
    await call("suggestIndexes", () => dbtkAi.suggestIndexes("orders", columns, ["customer_id"], "postgresql"))
    await call("analyzeRelationships", () => dbtkAi.analyzeRelationships({ orders: columns, customers: [{ name: "id", type: "integer" }] }, "postgresql"))
    await call("generateCommonQueries", () => dbtkAi.generateCommonQueries({ table_name: "orders", columns, db_type: "mysql" }))
    await call("providers.status", () => dbtkAi.providers.status())
    await call("metrics.summary", () => dbtkAi.metrics.summary({ provider: "openai", period: "month" }))
    await call("metrics.timeline", () => dbtkAi.metrics.timeline({ provider: "openai", bucket: "hour" }))
    await call("metrics.export", () => dbtkAi.metrics.export({ format: "csv" }))
    await call("cost.estimate", () => dbtkAi.cost.estimate({ operation: "generate", natural_language: "list customers" }))
    await call("events.recent", () => dbtkAi.events.recent(5))
    await call("cache.stats", () => dbtkAi.cache.stats())
    await call("cache.clear", () => dbtkAi.cache.clear())
    const refused = await dbtkAi.fixQuery({ query: "SELECT 1", error_message: () => "a function cannot cross" })
    await call("providers.remove", () => dbtkAi.providers.remove({ provider: "openai" }))
    const keyOnDisk = fs.readdirSync(userDataDir).some((f) => fs.readFileSync(path.join(userDataDir, f)).includes("sk-consumer-0000000000"))
    console.log(JSON.stringify({ answers, sql: generated.sql, refused: refused.error_kind, keyOnDisk, sent: emu.chatRequests().length }))
  } finally {
    await ai.dispose()
    await emu.close()
    fs.rmSync(userDataDir, { recursive: true, force: true })
  }
})().catch((error) => {
  console.error(error)
  process.exit(1)
})
