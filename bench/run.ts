/**
 * `npm run bench [-- --quick] [-- --rounds N --clients a,b --profile aiservice ...]`
 *
 * Starts the OpenAI emulator in its own process, then runs every client in its own process
 * against it, mode by mode, in interleaved rounds (the client order rotates each round), and
 * prints medians across rounds, ratios against `undici`, `fetch`, `openai` and `provider`, and the
 * issue's targets (ratios within the run) with PASS or MISS. Raw results go to
 * bench/results/latest.json. See bench/README.md.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import ts from "typescript"
import * as Prompts from "../src/domain/Prompts.js"
import * as SqlTask from "../src/domain/SqlTask.js"
import { splitDeltas } from "../src/testing/Emulator.js"
import { type Fixture, type Mode, parseArgs, RESULT_MARKER, type Result } from "./harness.js"
import type { TraceStats } from "./server.js"
import type { StallResult } from "./stall.js"
import { median, percentile } from "./stats.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const root = Path.resolve(here, "..")
// Rows of the table: a client file and its arguments. `provider` is the OpenAI provider Layer alone;
// `aiservice-untraced` is the full stack with no tracer installed, so the table shows what
// exporting OpenTelemetry spans costs; `aiservice-fetch` sends with Node's fetch, as the electron
// entry does.
const CLIENTS: Record<string, { readonly file: string; readonly args: ReadonlyArray<string> }> = {
  undici: { file: "undici", args: [] },
  fetch: { file: "fetch", args: [] },
  "effect-http": { file: "effect-http", args: [] },
  openai: { file: "openai", args: [] },
  "ai-sdk": { file: "ai-sdk", args: [] },
  provider: { file: "provider", args: [] },
  aiservice: { file: "aiservice", args: [] },
  "aiservice-untraced": { file: "aiservice", args: ["--tracing", "none"] },
  "aiservice-fetch": { file: "aiservice", args: ["--http", "fetch"] }
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

const args = parseArgs(process.argv.slice(2))
const quick = args.quick === "true"
const int = (name: string, fallback: number) => {
  const v = args[name]
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${v}`)
  return n
}
const sizes = {
  rounds: int("rounds", quick ? 1 : 3),
  seq: int("seq", quick ? 200 : 2_000),
  conc: int("conc", quick ? 600 : 10_000),
  concurrency: int("concurrency", 64),
  streams: int("streams", quick ? 20 : 300),
  warmup: int("warmup", quick ? 50 : 500),
  streamWarmup: int("stream-warmup", quick ? 5 : 50),
  startups: int("startups", quick ? 1 : 3),
  // Runs of each largest input for the event-loop stall figure (0 leaves it out).
  stallReps: int("stall-reps", quick ? 1 : 3)
}
// Every client by default, `--quick` too: every target reads a ratio of two clients of the same run.
const clients = args.clients?.split(",").map((c) => c.trim()).filter((c) => c !== "") ?? Object.keys(CLIENTS)
for (const c of clients) if (CLIENTS[c] === undefined) throw new Error(`unknown client ${c}; known: ${Object.keys(CLIENTS).join(", ")}`)
const modes = (args.modes?.split(",") ?? ["startup", "seq", "conc", "stream"]) as Array<Mode>
const profile = args.profile?.split(",") ?? []
const resultsDir = Path.join(here, "results")
const buildDir = Path.join(resultsDir, "build")

// ---------------------------------------------------------------------------
// Build: every measured process runs plain `node` on JavaScript, as an app runs the published
// library. Under tsx, its loader hooks (run on a worker thread in Node 20) double the time to
// import a module-heavy library such as Effect, which would distort the startup figures.
// ---------------------------------------------------------------------------

const build = () => {
  const config = ts.readConfigFile(Path.join(root, "tsconfig.json"), ts.sys.readFile).config as { compilerOptions: object }
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root)
  const compilerOptions = { ...options, module: ts.ModuleKind.ES2022, noEmit: false, declaration: false, sourceMap: false }
  Fs.rmSync(buildDir, { recursive: true, force: true })
  const walk = (dir: string): Array<string> =>
    Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = Path.join(dir, e.name)
      if (e.isDirectory()) return full === resultsDir ? [] : walk(full)
      return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : []
    })
  let files = 0
  for (const file of [...walk(Path.join(root, "src")), ...walk(here)]) {
    const out = ts.transpileModule(Fs.readFileSync(file, "utf8"), { compilerOptions, fileName: file })
    const target = Path.join(buildDir, Path.relative(root, file)).replace(/\.ts$/, ".js")
    Fs.mkdirSync(Path.dirname(target), { recursive: true })
    Fs.writeFileSync(target, out.outputText)
    files++
  }
  // The token counter's rank tables, beside the compiled module that reads them.
  Fs.cpSync(Path.join(root, "src", "internal", "tables"), Path.join(buildDir, "src", "internal", "tables"), { recursive: true })
  return files
}

// ---------------------------------------------------------------------------
// The request every client sends
// ---------------------------------------------------------------------------

const taskInput = {
  _tag: "ExplainSql",
  dialect: "postgresql",
  sql: "SELECT c.name, COUNT(o.id) AS orders, SUM(o.total_cents) AS spent FROM customers c JOIN orders o ON o.customer_id = c.id " +
    "WHERE o.created_at >= '2025-01-01' GROUP BY c.name ORDER BY spent DESC LIMIT 20",
  schema: {
    tables: [
      { name: "customers", columns: [{ name: "id", type: "integer", primaryKey: true }, { name: "name", type: "text" }, { name: "email", type: "text" }] },
      {
        name: "orders",
        columns: [
          { name: "id", type: "integer", primaryKey: true },
          { name: "customer_id", type: "integer" },
          { name: "total_cents", type: "integer" },
          { name: "created_at", type: "timestamp" }
        ]
      }
    ]
  }
} as const

const prompt = Prompts.forTask(Schema.decodeUnknownSync(SqlTask.SqlTask)(taskInput))
// With OpenAI's envelope the completion body is ~600 bytes.
const reply = "Lists the 20 customers who spent the most in 2025."
// Words until the emulator's splitter makes 50 deltas (~12 characters each, as models stream).
const streamReply = (() => {
  const words = "It joins customers to their orders placed since 2025-01-01, sums the order totals per customer name, and returns the twenty biggest spenders with their order counts, largest first.".split(" ")
  let text = words[0]!
  for (let i = 1; splitDeltas(text).length < 50; i++) text += ` ${words[i % words.length]}`
  return text
})()
const fixture: Fixture = {
  model: "gpt-4.1-mini",
  system: prompt.system,
  user: prompt.user,
  temperature: 0.2,
  maxTokens: 2048,
  task: taskInput,
  reply,
  streamReply,
  apiKey: "sk-bench-0123456789abcdefghijklmnop"
}

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

const work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "dbtk-ai-bench-"))
const fixturePath = Path.join(work, "fixture.json")
const dbPath = Path.join(work, "ai.db")
Fs.writeFileSync(fixturePath, JSON.stringify(fixture))

const children = new Set<ChildProcess>()
let server: ChildProcess | undefined

const cleanup = () => {
  for (const c of children) c.kill("SIGKILL")
  server?.kill("SIGTERM")
  Fs.rmSync(work, { recursive: true, force: true })
}
process.on("SIGINT", () => {
  cleanup()
  process.exit(130)
})

interface ServerStats {
  readonly cpu: NodeJS.CpuUsage
  readonly memory: NodeJS.MemoryUsage
  readonly chats: number
  readonly promptMismatches: number
  /** What the span sink received so far. */
  readonly traces: TraceStats
}

const startServer = () =>
  new Promise<{ readonly port: number; readonly sinkPort: number; readonly stats: () => Promise<ServerStats> }>((resolve, reject) => {
    const child = spawn(process.execPath, [Path.join(buildDir, "bench", "server.js"), "--fixture", fixturePath], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit", "ipc"]
    })
    server = child
    let out = ""
    child.once("exit", (code) => reject(new Error(`the emulator process exited (${code}) before it was ready`)))
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf("\n")
      if (nl === -1) return
      const { port, sinkPort } = JSON.parse(out.slice(0, nl)) as { port: number; sinkPort: number }
      child.stdout!.removeAllListeners("data")
      child.stdout!.resume()
      resolve({
        port,
        sinkPort,
        stats: () =>
          new Promise((done) => {
            child.once("message", (m) => done(m as ServerStats))
            child.send("stats")
          })
      })
    })
  })


// Runs one measuring process (plain node on the built JavaScript) and reads the one result line
// it prints; a process that fails, or prints none, fails with the end of its stderr.
const runChild = <A>(label: string, args: ReadonlyArray<string>, timeoutMs: number, echoStderr = false) =>
  new Promise<A>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (d: Buffer) => void (stdout += d.toString()))
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString()
      if (echoStderr) process.stderr.write(d)
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER))
      if (line === undefined || code !== 0) {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`
        return reject(new Error(`${label}: ${why}\n${stderr.trim().split("\n").slice(-12).join("\n")}`))
      }
      for (const warning of stderr.split("\n").filter((l) => l.includes("did not finish"))) log(`  warning: ${warning}`)
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as A)
    })
  })

// `sinkPort`: the span sink's port, handed to the `aiservice` clients (`--otlp`); the traced one
// exports there, the untraced one ignores it.
const runClient = (
  name: string,
  mode: Mode,
  ports: { readonly port: number; readonly sinkPort: number },
  extra: ReadonlyArray<string> = [],
  nodeFlags: ReadonlyArray<string> = []
) => {
  const client = CLIENTS[name]!
  return runChild<Result>(`${name} --mode ${mode}`, [
    "--expose-gc",
    ...nodeFlags,
    Path.join(buildDir, "bench", "clients", `${client.file}.js`),
    ...["--mode", mode, "--port", String(ports.port), "--fixture", fixturePath, "--db", dbPath],
    ...(client.file === "aiservice" ? ["--otlp", `http://127.0.0.1:${ports.sinkPort}`] : []),
    ...client.args,
    ...extra
  ], 300_000)
}

// The event-loop stall figure: its own process, with `--expose-gc` so the garbage of building
// each input is collected before it is measured.
const runStall = () =>
  runChild<ReadonlyArray<StallResult>>(
    "stall",
    ["--expose-gc", Path.join(buildDir, "bench", "stall.js"), "--reps", String(sizes.stallReps)],
    600_000,
    true
  )

/**
 * The Electron entry in a CommonJS main process (`bench/electron-main.cjs`): from `require` to
 * the channels registered (and the heap then), to the first rule-based answer and to the first AI
 * answer from the emulator; the RSS after it.
 */
interface ElectronResult {
  readonly registeredMs: number
  readonly heapMb: number
  readonly firstRuleMs: number
  readonly firstAnswerMs: number
  readonly rssMb: number
}

const runElectron = (port: number) =>
  runChild<ElectronResult>(
    "electron",
    [
      "--expose-gc",
      Path.join(root, "bench", "electron-main.cjs"),
      ...["--entry", Path.join(buildDir, "src", "electron", "index.js"), "--port", String(port), "--fixture", fixturePath, "--marker", RESULT_MARKER]
    ],
    120_000
  )

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

const fmt = (v: number, digits = 0) =>
  Number.isFinite(v) ? v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "-"
const fmtRatio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : "-")

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`
  return [line(header), `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`, ...rows.map(line)].join("\n")
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

interface Run {
  readonly round: number
  readonly client: string
  readonly mode: Mode
  readonly result?: Result | undefined
  readonly error?: string | undefined
  /** The emulator's CPU per request (µs) during this run (receiving span exports included). */
  readonly serverCpuPerRequestUs?: number | undefined
  readonly promptMismatches?: number | undefined
  /** What the span sink received during this run (the process's last export, on close, included). */
  readonly traces?: TraceStats | undefined
}

const log = (s: string) => process.stderr.write(`${s}\n`)

const main = async () => {
  const startedAt = new Date().toISOString()
  const loadBefore = Os.loadavg()
  const t = performance.now()
  log(`compiled ${build()} files to ${Path.relative(root, buildDir)} in ${fmt(performance.now() - t)} ms`)
  const { port, sinkPort, stats } = await startServer()
  const ports = { port, sinkPort }

  // What goes over the wire, for the record.
  const body = (stream: boolean) =>
    JSON.stringify({ model: fixture.model, messages: [{ role: "system", content: fixture.system }, { role: "user", content: fixture.user }], stream })
  const headers = { "content-type": "application/json", authorization: `Bearer ${fixture.apiKey}` }
  const completionBytes = (await (await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", headers, body: body(false) })).arrayBuffer()).byteLength
  const streamText = await (await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", headers, body: body(true) })).text()
  const wire = {
    requestBodyBytes: Buffer.byteLength(body(false)),
    completionBytes,
    streamBytes: Buffer.byteLength(streamText),
    streamEvents: streamText.split("\n\n").filter((e) => e.startsWith("data:")).length
  }
  log(`emulator on port ${port}: request ${wire.requestBodyBytes} B, completion ${wire.completionBytes} B, stream ${wire.streamEvents} events / ${wire.streamBytes} B`)

  const stackClient = clients.find((c) => CLIENTS[c]!.file === "aiservice")
  if (stackClient !== undefined) {
    log("aiservice: storing the provider configuration")
    await runClient(stackClient, "setup", ports)
  }

  const runs: Array<Run> = []
  const total = sizes.rounds * modes.length * clients.length
  let done = 0
  for (let round = 1; round <= sizes.rounds; round++) {
    const order = clients.map((_, i) => clients[(i + round - 1) % clients.length]!)
    for (const mode of modes) {
      for (const client of order) {
        done++
        const repeat = mode === "startup" ? sizes.startups : 1
        for (let k = 0; k < repeat; k++) {
          const extra = mode === "seq"
            ? ["--n", String(sizes.seq), "--warmup", String(sizes.warmup)]
            : mode === "conc"
            ? ["--n", String(sizes.conc), "--warmup", String(sizes.warmup), "--concurrency", String(sizes.concurrency)]
            : mode === "stream"
            ? ["--n", String(sizes.streams), "--warmup", String(sizes.streamWarmup)]
            : []
          const flags = profile.includes(client) && mode === "conc" && round === 1
            ? ["--cpu-prof", "--cpu-prof-dir", Path.join(resultsDir, "profiles"), "--cpu-prof-name", `${client}-conc.cpuprofile`]
            : []
          const before = await stats()
          try {
            const result = await runClient(client, mode, ports, extra, flags)
            const after = await stats()
            const requests = result.n + result.warmup
            const serverCpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system
            const traces: TraceStats = {
              exports: after.traces.exports - before.traces.exports,
              bytes: after.traces.bytes - before.traces.bytes,
              spans: after.traces.spans - before.traces.spans,
              sqlSpans: after.traces.sqlSpans - before.traces.sqlSpans,
              undecoded: after.traces.undecoded - before.traces.undecoded,
              names: Object.fromEntries(
                Object.entries(after.traces.names)
                  .map(([name, n]) => [name, n - (before.traces.names[name] ?? 0)] as const)
                  .filter(([, n]) => n > 0)
              )
            }
            runs.push({
              round,
              client,
              mode,
              result,
              serverCpuPerRequestUs: requests > 0 ? serverCpu / requests : undefined,
              promptMismatches: after.promptMismatches - before.promptMismatches,
              traces
            })
            log(`[${done}/${total}] round ${round} ${mode.padEnd(7)} ${client.padEnd(18)} ${describe(result)}`)
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error)
            runs.push({ round, client, mode, error: message })
            log(`[${done}/${total}] round ${round} ${mode.padEnd(7)} ${client.padEnd(18)} FAILED: ${message}`)
          }
        }
      }
    }
  }

  // The Electron entry: a fresh process per round, as many as the startup runs.
  const electron: Array<ElectronResult> = []
  let electronError: string | undefined
  if (modes.includes("startup")) {
    for (let i = 0; i < sizes.rounds * sizes.startups; i++) {
      try {
        electron.push(await runElectron(port))
      } catch (error) {
        electronError = error instanceof Error ? error.message : String(error)
        log(`electron FAILED: ${electronError}`)
        break
      }
    }
    const last = electron.at(-1)
    if (last !== undefined) log(`electron: channels registered in ${fmt(last.registeredMs, 1)} ms, first AI answer at ${fmt(last.firstAnswerMs)} ms`)
  }

  let stalls: ReadonlyArray<StallResult> = []
  let stallError: string | undefined
  if (sizes.stallReps > 0) {
    log(`event-loop stall: the largest accepted inputs, ${sizes.stallReps} run(s) each`)
    try {
      stalls = await runStall()
    } catch (error) {
      stallError = error instanceof Error ? error.message : String(error)
      log(`stall FAILED: ${stallError}`)
    }
  }

  const summary = summarize(runs)
  const report = render(summary, runs)
  process.stdout.write(`${report}\n`)
  if (electron.length > 0 || electronError !== undefined) process.stdout.write(`${renderElectron(electron, electronError)}\n`)
  if (sizes.stallReps > 0) process.stdout.write(`${renderStalls(stalls, stallError)}\n`)
  process.stdout.write(`${(await import("./schemaBudget.js")).report(quick)}\n`) // SchemaBudget.fit timings (issue 15)
  process.stdout.write(`${await (await import("./ddl.js")).report(quick)}\n`) // a DDL schema read at once and in slices (issue 15)

  Fs.mkdirSync(resultsDir, { recursive: true })
  const file = Path.join(resultsDir, quick ? "latest-quick.json" : "latest.json")
  Fs.writeFileSync(
    file,
    JSON.stringify({
      startedAt,
      finishedAt: new Date().toISOString(),
      environment: { node: process.version, platform: `${Os.platform()} ${Os.arch()}`, cpus: Os.cpus().length, cpuModel: Os.cpus()[0]?.model, loadBefore, loadAfter: Os.loadavg() },
      sizes,
      wire,
      summary,
      targets: targets(summary),
      electron,
      stalls,
      runs
    }, null, 1)
  )
  log(`raw results: ${Path.relative(root, file)}`)
}

const describe = (r: Result): string => {
  if (r.startup) return `import->ready ${fmt(r.startup.importToReadyMs)} ms, process->first answer ${fmt(r.startup.processToFirstAnswerMs)} ms`
  if (r.mode === "conc") return `${fmt((r.n / r.wallMs) * 1000)} req/s, CPU ${fmt(r.cpuPerRequestUs)} µs/req`
  if (r.mode === "stream") return `first delta p50 ${fmt(percentile(r.firstDeltaUs ?? [], 50))} µs, total p50 ${fmt(percentile(r.latenciesUs, 50))} µs`
  if (r.mode === "seq") return `p50 ${fmt(percentile(r.latenciesUs, 50))} µs, p99 ${fmt(percentile(r.latenciesUs, 99))} µs, CPU ${fmt(r.cpuPerRequestUs)} µs/req`
  return "ok"
}

// ---------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------

interface ClientSummary {
  readonly seqP50Us: number
  readonly seqP99Us: number
  readonly seqCpuUs: number
  readonly rps: number
  readonly concP50Us: number
  readonly concCpuUs: number
  readonly firstDeltaUs: number
  readonly streamTotalUs: number
  readonly streamCpuUs: number
  readonly heapMB: number
  readonly rssMB: number
  readonly heapAtReadyMB: number
  readonly importToReadyMs: number
  readonly processToReadyMs: number
  readonly firstAnswerMs: number
  readonly processToFirstAnswerMs: number
  readonly serverCpuUs: number
  /** OTLP exports the span sink received during this client's concurrent runs, per request, and their spans. */
  readonly spansPerRequest: number
  readonly sqlSpansPerRequest: number
  readonly exportBytesPerRequest: number
  readonly exportsPerRun: number
  /** Spans per request by name, at 64 in flight. */
  readonly spanNamesPerRequest: Readonly<Record<string, number>>
  /** Every export from this client's processes, all modes. */
  readonly exports: number
  readonly undecodedExports: number
  readonly failures: number
  readonly promptMismatches: number
}

const summarize = (runs: ReadonlyArray<Run>): Record<string, ClientSummary> => {
  const out: Record<string, ClientSummary> = {}
  for (const client of clients) {
    const of = (mode: Mode) => runs.filter((r) => r.client === client && r.mode === mode && r.result).map((r) => r.result!)
    const seq = of("seq")
    const conc = of("conc")
    const stream = of("stream")
    const startup = of("startup")
    const all = runs.filter((r) => r.client === client)
    const concRuns = all.filter((r) => r.mode === "conc" && r.result)
    const perRequest = (pick: (t: TraceStats) => number) =>
      median(concRuns.map((r) => (r.traces ? pick(r.traces) / (r.result!.n + r.result!.warmup) : Number.NaN)))
    out[client] = {
      seqP50Us: median(seq.map((r) => percentile(r.latenciesUs, 50))),
      seqP99Us: median(seq.map((r) => percentile(r.latenciesUs, 99))),
      seqCpuUs: median(seq.map((r) => r.cpuPerRequestUs)),
      rps: median(conc.map((r) => (r.n / r.wallMs) * 1000)),
      concP50Us: median(conc.map((r) => percentile(r.latenciesUs, 50))),
      concCpuUs: median(conc.map((r) => r.cpuPerRequestUs)),
      firstDeltaUs: median(stream.map((r) => percentile(r.firstDeltaUs ?? [], 50))),
      streamTotalUs: median(stream.map((r) => percentile(r.latenciesUs, 50))),
      streamCpuUs: median(stream.map((r) => r.cpuPerRequestUs)),
      heapMB: median(conc.map((r) => r.heapUsedMB)),
      rssMB: median(conc.map((r) => r.rssMB)),
      heapAtReadyMB: median(startup.map((r) => r.heapUsedMB)),
      importToReadyMs: median(startup.map((r) => r.startup!.importToReadyMs)),
      processToReadyMs: median(startup.map((r) => r.startup!.processToReadyMs)),
      firstAnswerMs: median(startup.map((r) => r.startup!.importToFirstAnswerMs)),
      processToFirstAnswerMs: median(startup.map((r) => r.startup!.processToFirstAnswerMs)),
      serverCpuUs: median(concRuns.map((r) => r.serverCpuPerRequestUs ?? Number.NaN)),
      spansPerRequest: perRequest((t) => t.spans),
      sqlSpansPerRequest: perRequest((t) => t.sqlSpans),
      exportBytesPerRequest: perRequest((t) => t.bytes),
      exportsPerRun: median(concRuns.map((r) => r.traces?.exports ?? Number.NaN)),
      spanNamesPerRequest: Object.fromEntries(
        [...new Set(concRuns.flatMap((r) => Object.keys(r.traces?.names ?? {})))].map((name) => [name, perRequest((t) => t.names[name] ?? 0)])
      ),
      exports: all.reduce((n, r) => n + (r.traces?.exports ?? 0), 0),
      undecodedExports: all.reduce((n, r) => n + (r.traces?.undecoded ?? 0), 0),
      failures: all.filter((r) => r.error !== undefined).length,
      promptMismatches: all.reduce((n, r) => n + (r.promptMismatches ?? 0), 0)
    }
  }
  return out
}

interface Target {
  readonly name: string
  readonly measured: string
  readonly target: string
  readonly pass: boolean | undefined
}

// The issue's targets (issue 11): every one a ratio of two clients measured in the same run, but
// the provider's heap at ready. A target whose clients did not run (or failed) reads n/a.
const targets = (s: Record<string, ClientSummary>): Array<Target> => {
  const known = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v)
  const ratio = (
    name: string,
    client: string,
    baseline: string,
    pick: (c: ClientSummary) => number,
    unit: string,
    wanted: "at most" | "at least",
    bound: number
  ): Target => {
    const a = s[client] ? pick(s[client]) : undefined
    const b = s[baseline] ? pick(s[baseline]) : undefined
    const ok = known(a) && known(b) && b > 0
    return {
      name,
      measured: ok ? `${fmt(a)} vs ${fmt(b)} ${unit} = ${fmtRatio(a / b)}` : "-",
      target: `${wanted === "at most" ? "<=" : ">="} ${bound.toFixed(2)}x ${baseline}`,
      pass: ok ? (wanted === "at most" ? a <= bound * b : a >= bound * b) : undefined
    }
  }
  const heap = s.provider?.heapAtReadyMB
  return [
    ratio("aiservice client CPU per request, 64 in flight", "aiservice", "openai", (c) => c.concCpuUs, "µs", "at most", 1),
    ratio("provider client CPU per request, 64 in flight", "provider", "openai", (c) => c.concCpuUs, "µs", "at most", 0.6),
    ratio("aiservice throughput, 64 in flight", "aiservice", "openai", (c) => c.rps, "req/s", "at least", 1.5),
    ratio("aiservice stream: time to first delta", "aiservice", "fetch", (c) => c.firstDeltaUs, "µs", "at most", 1.5),
    ratio("aiservice stream: total time", "aiservice", "fetch", (c) => c.streamTotalUs, "µs", "at most", 2),
    ratio("aiservice stream: time to first delta", "aiservice", "provider", (c) => c.firstDeltaUs, "µs", "at most", 1.2),
    ratio("aiservice stream: total time", "aiservice", "provider", (c) => c.streamTotalUs, "µs", "at most", 1.2),
    ratio("provider start: process start to first answer", "provider", "openai", (c) => c.processToFirstAnswerMs, "ms", "at most", 2),
    ratio("aiservice start: process start to first answer", "aiservice", "openai", (c) => c.processToFirstAnswerMs, "ms", "at most", 3),
    {
      name: "provider heap after GC at ready",
      measured: known(heap) ? `${fmt(heap, 1)} MB` : "-",
      target: "< 25 MB",
      pass: known(heap) ? heap < 25 : undefined
    },
    ratio("tracing cost: CPU per request, 64 in flight", "aiservice", "aiservice-untraced", (c) => c.concCpuUs, "µs", "at most", 1.15)
  ]
}

const BASELINES = ["undici", "fetch", "openai", "provider"] as const

const render = (s: Record<string, ClientSummary>, runs: ReadonlyArray<Run>): string => {
  const names = Object.keys(s)
  const out: Array<string> = []
  out.push("")
  out.push(`Medians of ${sizes.rounds} interleaved round(s); each client alone in its own process against one emulator process on loopback.`)
  out.push(`Sizes per process: ${fmt(sizes.seq)} sequential, ${fmt(sizes.conc)} at ${sizes.concurrency} in flight, ${fmt(sizes.streams)} streams, ${sizes.startups} startup(s) per round; ${fmt(sizes.warmup)} warm-up requests (${sizes.streamWarmup} streams) first.`)
  out.push("")
  out.push(table(
    ["client", "seq p50 µs", "seq p99 µs", "req/s @64", "CPU µs/req @64", "CPU µs/req seq", "1st delta µs", "stream µs", "heap MB", "RSS MB", "heap@ready MB", "import→ready ms", "start→1st answer ms"],
    names.map((n) => {
      const c = s[n]!
      return [
        n + (c.failures > 0 ? ` (${c.failures} failed)` : ""),
        fmt(c.seqP50Us),
        fmt(c.seqP99Us),
        fmt(c.rps),
        fmt(c.concCpuUs),
        fmt(c.seqCpuUs),
        fmt(c.firstDeltaUs),
        fmt(c.streamTotalUs),
        fmt(c.heapMB, 1),
        fmt(c.rssMB),
        fmt(c.heapAtReadyMB, 1),
        fmt(c.importToReadyMs),
        fmt(c.processToFirstAnswerMs)
      ]
    })
  ))
  out.push("")
  const baselines = BASELINES.filter((b) => s[b] !== undefined)
  out.push(`Ratios (client ÷ baseline), each cell \`${baselines.map((b) => `vs ${b}`).join(" / ")}\`; for req/s higher is better, for every other column lower is better.`)
  out.push("")
  const ratio = (n: string, pick: (c: ClientSummary) => number) => baselines.map((b) => fmtRatio(pick(s[n]!) / pick(s[b]!))).join(" / ")
  out.push(table(
    ["client", "seq p50", "req/s @64", "CPU/req @64", "1st delta", "stream total", "start→1st answer"],
    names.map((n) => [
      n,
      ratio(n, (c) => c.seqP50Us),
      ratio(n, (c) => c.rps),
      ratio(n, (c) => c.concCpuUs),
      ratio(n, (c) => c.firstDeltaUs),
      ratio(n, (c) => c.streamTotalUs),
      ratio(n, (c) => c.processToFirstAnswerMs)
    ])
  ))
  out.push("")
  const ts = targets(s)
  out.push("Targets, each a ratio of two clients of this run (aiservice = AiStack with settings, registry, rate limiter, breaker, retry policy, metrics writer and spans exported over OTLP; provider = the OpenAI provider Layer alone)")
  out.push("")
  out.push(table(["target", "measured", "wanted", "result"], ts.map((t) => [t.name, t.measured, t.target, t.pass === undefined ? "n/a" : t.pass ? "PASS" : "MISS"])))
  out.push("")
  const notes: Array<string> = []
  const server = names.map((n) => `${n} ${fmt(s[n]!.serverCpuUs)}`).join(", ")
  notes.push(`Emulator CPU per request at 64 in flight (µs): ${server}. A client whose req/s × that figure nears 1,000,000 µs/s is limited by the server, not by itself. For aiservice it includes receiving its span exports.`)
  if (s["aiservice-untraced"]) notes.push("aiservice-untraced is the same stack with no tracer installed (and no exporter loaded): the difference to aiservice is what spans cost, export included.")
  if (s["aiservice-fetch"]) notes.push("aiservice-fetch is the same stack on Node's fetch (FetchHttpClient) instead of undici's client: the difference is what the transport costs (the electron entry and the CLI send with undici's).")
  const ai = s.aiservice
  if (ai) {
    notes.push(Number.isFinite(ai.spansPerRequest) && ai.spansPerRequest > 0
      ? `aiservice exported ${ai.spansPerRequest.toFixed(2)} spans per request at 64 in flight (OTLP/HTTP protobuf, ${fmt(ai.exportsPerRun)} exports per run, ${fmt(ai.exportBytesPerRequest)} bytes per request), ${ai.sqlSpansPerRequest.toFixed(2)} of them SQL spans of the metrics writer (fewer as its batches grow). By name: ${
        Object.entries(ai.spanNamesPerRequest).sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n.toFixed(2)}`).join(", ")
      }.`
      : "WARNING: aiservice exported no spans at 64 in flight; its tracing figures measure nothing.")
  }
  const stray = names.filter((n) => n !== "aiservice" && n !== "aiservice-fetch" && s[n]!.exports > 0)
  if (stray.length > 0) notes.push(`WARNING: ${stray.join(", ")} sent span exports, though only aiservice and aiservice-fetch trace.`)
  const undecoded = names.filter((n) => s[n]!.undecodedExports > 0)
  if (undecoded.length > 0) notes.push(`WARNING: the span sink could not decode ${undecoded.map((n) => `${s[n]!.undecodedExports} export(s) of ${n}`).join(", ")}; span counts are low.`)
  const mismatched = names.filter((n) => s[n]!.promptMismatches > 0)
  notes.push(mismatched.length === 0
    ? "Every chat request every client sent carried the same model, system and user prompt."
    : `WARNING: ${mismatched.join(", ")} sent a prompt that differs from the fixture; compare with care.`)
  const failed = runs.filter((r) => r.error !== undefined)
  if (failed.length > 0) notes.push(`${failed.length} run(s) failed; see the log above and latest.json.`)
  notes.push(`Load average at the end: ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${Os.cpus().length} CPUs (other work on the machine skews every figure).`)
  out.push(...notes.map((n) => `- ${n}`))
  return out.join("\n")
}

// The issue's target: no synchronous work on the request path longer than 20 ms.
const STALL_TARGET_MS = 20

// The issue's bounds for the Electron entry: what `require` and `install` may cost before the
// app's first window can open.
const ELECTRON_REGISTER_MS = 50
const ELECTRON_HEAP_MB = 10

const renderElectron = (runs: ReadonlyArray<ElectronResult>, error: string | undefined): string => {
  const out: Array<string> = []
  out.push(`The Electron entry in a CommonJS main process (bench/electron-main.cjs): require("@db-toolkit/ai/electron") and install() on a recording ipcMain, then a provider saved through the channels and the first answers; medians of ${runs.length} process(es).`)
  out.push("")
  if (error !== undefined) out.push(`- FAILED: ${error.split("\n")[0]}`)
  if (runs.length === 0) return out.join("\n")
  const m = (f: (r: ElectronResult) => number) => median(runs.map(f))
  out.push(table(
    ["figure", "measured", "wanted", "result"],
    [
      ["require to channels registered", `${fmt(m((r) => r.registeredMs), 1)} ms`, `< ${ELECTRON_REGISTER_MS} ms`, m((r) => r.registeredMs) < ELECTRON_REGISTER_MS ? "PASS" : "MISS"],
      ["heap then (after GC)", `${fmt(m((r) => r.heapMb), 1)} MB`, `< ${ELECTRON_HEAP_MB} MB`, m((r) => r.heapMb) < ELECTRON_HEAP_MB ? "PASS" : "MISS"],
      ["require to the first rule-based answer", `${fmt(m((r) => r.firstRuleMs))} ms`, "-", "-"],
      ["require to the first AI answer served", `${fmt(m((r) => r.firstAnswerMs))} ms`, "-", "-"],
      ["RSS after the first AI answer", `${fmt(m((r) => r.rssMb))} MB`, "-", "-"]
    ]
  ))
  return out.join("\n")
}

const renderStalls = (stalls: ReadonlyArray<StallResult>, error: string | undefined): string => {
  const out: Array<string> = [""]
  out.push(`Longest event-loop stall (ms) while the largest inputs the default limits accept go through the request path: Prepared.prepare, the prompt and the exact token count a budget asks for (gpt-4.1-mini, o200k_base). ${sizes.stallReps} run(s) each, one process; a 1 ms interval probes the loop.`)
  out.push("")
  if (error !== undefined) {
    out.push(`FAILED: ${error}`)
    return out.join("\n")
  }
  out.push(table(
    ["input", "median stall ms", "max stall ms", "max GC pause ms", "wall ms (median)", "input tokens", "exact", `<= ${STALL_TARGET_MS} ms`],
    stalls.map((r) => [
      r.name,
      fmt(median(r.stallsMs), 1),
      fmt(Math.max(...r.stallsMs), 1),
      fmt(Math.max(...r.gcMaxMs), 1),
      fmt(median(r.totalsMs)),
      fmt(r.inputTokens),
      r.inputTokensExact ? "yes" : "no",
      median(r.stallsMs) <= STALL_TARGET_MS ? "PASS" : "MISS"
    ])
  ))
  out.push("")
  out.push("- The verdict reads the median: other processes on the machine and V8's garbage collector (its longest pause is shown) add to single runs. The work itself runs in slices of about 5 ms (Limits.sliceMs).")
  return out.join("\n")
}

try {
  await main()
} finally {
  cleanup()
}
