// What the lean install keeps working, from the installed tarball in a project that has none of
// the packages it no longer depends on: spans exported over OTLP to a local collector (the
// exporter is bundled, scripts/bundle.mjs), an exact token count (the library's own BPE encoder
// and its o200k_base table), and the dbtk-ai CLI (bundled) answering from the same emulator.
// Prints one JSON line.
import { AiService, AiStack, Settings, Telemetry } from "@db-toolkit/ai"
import { OpenAiEmulator } from "@db-toolkit/ai/testing"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, ManagedRuntime } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"

const emu = await OpenAiEmulator.start()
const traces = []
const collector = createServer((req, res) => {
  let body = ""
  req.on("data", (chunk) => (body += chunk))
  req.on("end", () => {
    if (req.url === "/v1/traces") traces.push(JSON.parse(body))
    res.writeHead(200, { "content-type": "application/json" }).end("{}")
  })
})
await new Promise((done) => collector.listen(0, "127.0.0.1", done))
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${collector.address().port}`
process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json"

const schema = { tables: { customers: { columns: [{ name: "id", type: "integer" }, { name: "email", type: "text" }] } } }
const openai = { apiKey: "sk-vendored", baseUrl: emu.baseUrl, model: "gpt-4.1-mini" }
const dataDir = mkdtempSync(join(tmpdir(), "dbtk-ai-vendored-"))
const runtime = ManagedRuntime.make(
  Layer.mergeAll(AiStack.layer({ databasePath: join(dataDir, "ai.db") }), Telemetry.layer()).pipe(Layer.provide(FetchHttpClient.layer))
)
const { estimate, sql } = await runtime.runPromise(
  Effect.gen(function* () {
    const settings = yield* Settings.Settings
    yield* settings.saveProvider("openai", openai)
    yield* settings.update({ activeProvider: "openai" })
    const ai = yield* AiService.AiService
    const request = { prompt: "list the customers' emails", schema, dialect: "postgres" }
    const estimate = yield* ai.estimate({ _tag: "GenerateSql", ...request })
    const answer = yield* ai.generateSql(request)
    return { estimate, sql: answer.result.sql }
  })
)
await runtime.dispose() // flushes the spans still buffered
const spans = traces.flatMap((t) => t.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => span.name))))

// The encoder itself, loaded by its file (it is not exported), for a count to compare.
const Bpe = await import(new URL("./node_modules/@db-toolkit/ai/dist/internal/Bpe.js", import.meta.url))
const countTokens = await Effect.runPromise(Bpe.load("o200k_base"))
const sample = "SELECT c.email FROM customers AS c WHERE c.id > 10; -- naïve ünïcödé 🚀"

// The CLI, as its bin, with its own data folder.
const cliDir = mkdtempSync(join(tmpdir(), "dbtk-ai-vendored-cli-"))
const schemaFile = join(cliDir, "schema.json")
writeFileSync(schemaFile, JSON.stringify(schema))
const cli = async (...args) => {
  const { stdout } = await promisify(execFile)(process.execPath, ["node_modules/.bin/dbtk-ai", "--data-dir", cliDir, "--json", ...args])
  return JSON.parse(stdout)
}
await cli("providers", "set", "openai", `apiKey=${openai.apiKey}`, `baseUrl=${emu.baseUrl}`, `model=${openai.model}`)
await cli("providers", "use", "openai")
const generated = await cli("generate", "list the customers' emails", "--schema", schemaFile, "--dialect", "postgresql")

await emu.close()
collector.close()
console.log(JSON.stringify({ estimate, sql, spans, sampleTokens: countTokens(sample), cliSql: generated.result.sql }))
