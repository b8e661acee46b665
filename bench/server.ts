/**
 * The benchmark's server: the OpenAI emulator in its own process, recording off, zero latency,
 * answering every chat call with the fixture's fixed reply (a short completion, or a stream of
 * about 50 deltas); and, in the same process, a span sink: an OTLP/HTTP endpoint
 * (`POST /v1/traces`) that answers 200 to every export and counts the exports, their bytes and the
 * spans in them. Prints `{"port": N, "sinkPort": M}` on its first stdout line; answers `"stats"` on
 * the IPC channel with its own CPU and memory and those counts, so the orchestrator can tell
 * whether it was the bottleneck and how many spans each run exported.
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as OpenAiEmulator from "../src/testing/emulators/OpenAiEmulator.js"
import { type Fixture, parseArgs } from "./harness.js"

const args = parseArgs(process.argv.slice(2))
if (args.fixture === undefined) throw new Error("--fixture is required")
const fixture = JSON.parse(Fs.readFileSync(args.fixture, "utf8")) as Fixture

// Every client must send the same prompt; the orchestrator warns about any that did not.
let chats = 0
let promptMismatches = 0
const emulator = await OpenAiEmulator.start({
  record: false,
  apiKey: fixture.apiKey,
  defaults: {
    reply: (input) => {
      chats++
      if (input.model !== fixture.model || input.system !== fixture.system || input.user !== fixture.user) promptMismatches++
      return input.stream ? fixture.streamReply : fixture.reply
    }
  }
})

// ---------------------------------------------------------------------------
// The span sink
// ---------------------------------------------------------------------------

/** What the sink received: OTLP trace exports, their bodies' bytes, the spans in them. */
export interface TraceStats {
  readonly exports: number
  readonly bytes: number
  readonly spans: number
  /** Spans named `sql.*` (@effect/sql's statement spans). */
  readonly sqlSpans: number
  /** Spans by name (the first 100 names seen). */
  readonly names: Readonly<Record<string, number>>
  /** Bodies the sink could not read as OTLP (protobuf or JSON). */
  readonly undecoded: number
}
const traces = { exports: 0, bytes: 0, spans: 0, sqlSpans: 0, undecoded: 0 }
const names = new Map<string, number>()
const span = (name: string) => {
  traces.spans++
  if (name.startsWith("sql.")) traces.sqlSpans++
  const n = names.get(name)
  if (n !== undefined) names.set(name, n + 1)
  else if (names.size < 100) names.set(name, 1)
}

// A protobuf walk over `ExportTraceServiceRequest` (resource_spans = 1 → scope_spans = 2 →
// spans = 2 → name = 5): enough to count spans and read their names, nothing decoded beyond.
const fields = (buf: Uint8Array, start: number, end: number, onField: (field: number, from: number, to: number) => void) => {
  let i = start
  const varint = () => {
    let value = 0
    let shift = 0
    for (;;) {
      if (i >= end) throw new Error("truncated varint")
      const b = buf[i++]!
      value += (b & 0x7f) * 2 ** shift
      if (b < 0x80) return value
      shift += 7
    }
  }
  while (i < end) {
    const key = varint()
    const wire = key & 7
    if (wire === 0) varint()
    else if (wire === 1) i += 8
    else if (wire === 5) i += 4
    else if (wire === 2) {
      const length = varint()
      if (i + length > end) throw new Error("truncated field")
      onField(Math.floor(key / 8), i, i + length)
      i += length
    } else throw new Error(`unsupported wire type ${wire}`)
  }
}

const countProtobuf = (body: Buffer) =>
  fields(body, 0, body.length, (f1, a1, b1) => {
    if (f1 !== 1) return
    fields(body, a1, b1, (f2, a2, b2) => {
      if (f2 !== 2) return
      fields(body, a2, b2, (f3, a3, b3) => {
        if (f3 !== 2) return
        let name = ""
        fields(body, a3, b3, (f4, a4, b4) => {
          if (f4 === 5) name = body.toString("utf8", a4, b4)
        })
        span(name)
      })
    })
  })

interface JsonTraces {
  readonly resourceSpans?: ReadonlyArray<{ readonly scopeSpans?: ReadonlyArray<{ readonly spans?: ReadonlyArray<{ readonly name?: string }> }> }>
}
const countJson = (body: Buffer) => {
  for (const rs of (JSON.parse(body.toString("utf8")) as JsonTraces).resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) span(s.name ?? "")
    }
  }
}

const sink = Http.createServer((req, res) => {
  if (req.method !== "POST" || req.url?.split("?")[0] !== "/v1/traces") {
    req.resume()
    res.writeHead(404).end()
    return
  }
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    const body = Buffer.concat(chunks)
    traces.exports++
    traces.bytes += body.length
    try {
      if ((req.headers["content-type"] ?? "").includes("json")) countJson(body)
      else countProtobuf(body)
    } catch {
      traces.undecoded++
    }
    // An empty ExportTraceServiceResponse: an empty protobuf message, or `{}`.
    const json = (req.headers["content-type"] ?? "").includes("json")
    res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : undefined)
  })
})
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve))
const sinkPort = (sink.address() as AddressInfo).port

process.on("message", (message) => {
  if (message === "stats") {
    process.send?.({ cpu: process.cpuUsage(), memory: process.memoryUsage(), chats, promptMismatches, traces: { ...traces, names: Object.fromEntries(names) } })
  }
})
const stop = () => {
  sink.closeAllConnections()
  sink.close()
  void emulator.close().then(() => process.exit(0))
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
// Orphaned (the orchestrator died): stop too.
process.on("disconnect", stop)

process.stdout.write(`${JSON.stringify({ port: emulator.port, sinkPort })}\n`)
