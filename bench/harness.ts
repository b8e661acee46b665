/**
 * The measuring side of every benchmark client. A client file records `performance.now()` on its
 * first line, then hands {@link main} a function that imports its library and builds a
 * {@link Client}; this module runs the mode asked for on the command line and prints one
 * `BENCH_RESULT {json}` line. It imports only `node:` modules, so it adds nothing measurable to a
 * client's startup.
 */
import * as Fs from "node:fs"

/** What the orchestrator writes once per run and every process reads: the one request all clients send. */
export interface Fixture {
  readonly model: string
  readonly system: string
  readonly user: string
  readonly temperature: number
  readonly maxTokens: number
  /** The same request as an `AiService.run` task (JSON form). */
  readonly task: Readonly<Record<string, unknown>>
  /** The answer text the emulator sends to a non-streaming call. */
  readonly reply: string
  /** The answer text the emulator streams. */
  readonly streamReply: string
  readonly apiKey: string
}

/** One benchmark client: the same call and the same stream, however the library makes them. */
export interface Client {
  /** One chat completion, body read and decoded; resolves with the answer text. */
  readonly call: () => Promise<string>
  /** One streamed chat completion; `onDelta` sees each piece of text as it is decoded. */
  readonly stream: (onDelta: (text: string) => void) => Promise<void>
  /** Figures only this client knows. */
  readonly extra?: () => Record<string, number>
  readonly close?: () => Promise<void>
}

/** What a client's factory receives. */
export interface Context {
  readonly origin: string
  /** `{origin}/v1` */
  readonly baseUrl: string
  readonly fixture: Fixture
  readonly args: Readonly<Record<string, string>>
}

export type Mode = "seq" | "conc" | "stream" | "startup" | "setup"

/** The line a client prints; everything else on stdout is ignored. */
export const RESULT_MARKER = "BENCH_RESULT "

/** What one client process reports. Times in microseconds unless the name says otherwise. */
export interface Result {
  readonly client: string
  readonly mode: Mode
  readonly n: number
  readonly warmup: number
  readonly concurrency: number
  /** Per request (seq, conc) or per stream (stream: total time). */
  readonly latenciesUs: ReadonlyArray<number>
  /** Per stream: time to the first text delta. */
  readonly firstDeltaUs?: ReadonlyArray<number> | undefined
  readonly wallMs: number
  readonly cpuUserUs: number
  readonly cpuSystemUs: number
  readonly cpuPerRequestUs: number
  /** After a full GC, at the end of the run (startup: once ready, before the first request). */
  readonly heapUsedMB: number
  readonly rssMB: number
  readonly startup?: {
    /** From the client file's first line to ready to send (imports and setup). */
    readonly importToReadyMs: number
    /** From process start (`performance.timeOrigin`) to ready; includes Node's own start. */
    readonly processToReadyMs: number
    /** From the client file's first line to the first answer received. */
    readonly importToFirstAnswerMs: number
    /** From process start (`performance.timeOrigin`) to the first answer received. */
    readonly processToFirstAnswerMs: number
  } | undefined
  readonly extra?: Record<string, number> | undefined
}

/** `--name value` pairs. */
export const parseArgs = (argv: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith("--")) continue
    const next = argv[i + 1]
    if (next === undefined || next.startsWith("--")) out[a.slice(2)] = "true"
    else {
      out[a.slice(2)] = next
      i++
    }
  }
  return out
}

const num = (args: Readonly<Record<string, string>>, name: string, fallback: number): number => {
  const v = args[name]
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${v}`)
  return n
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) {
    g()
    g()
  }
}

const memory = () => {
  gc()
  const m = process.memoryUsage()
  return { heapUsedMB: m.heapUsed / 1_048_576, rssMB: m.rss / 1_048_576 }
}

const us = (ms: number) => Math.round(ms * 10_000) / 10

const check = (what: string, got: string, expected: string) => {
  if (got !== expected) {
    throw new Error(`${what}: the answer differs from the emulator's (${got.length} chars, expected ${expected.length}): ${JSON.stringify(got.slice(0, 80))}`)
  }
}

// Runs `n` tasks with at most `concurrency` at once; returns each one's duration (ms).
const drive = async (n: number, concurrency: number, task: () => Promise<void>): Promise<Array<number>> => {
  const latencies = new Array<number>(n)
  let next = 0
  const worker = async () => {
    for (;;) {
      const i = next++
      if (i >= n) return
      const t = performance.now()
      await task()
      latencies[i] = performance.now() - t
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
  return latencies
}

/**
 * Runs the mode named by `--mode` and prints the result. `t0` is `performance.now()` taken on the
 * client file's first line; `make` does the client's imports and setup.
 */
export const main = async (name: string, t0: number, make: (ctx: Context) => Promise<Client>): Promise<void> => {
  try {
    const args = parseArgs(process.argv.slice(2))
    const mode = (args.mode ?? "seq") as Mode
    const port = args.port
    if (port === undefined) throw new Error("--port is required")
    const fixturePath = args.fixture
    if (fixturePath === undefined) throw new Error("--fixture is required")
    const fixture = JSON.parse(Fs.readFileSync(fixturePath, "utf8")) as Fixture
    const origin = `http://127.0.0.1:${port}`
    const client = await make({ origin, baseUrl: `${origin}/v1`, fixture, args })
    const ready = performance.now()

    const call = async () => check(`${name} call`, await client.call(), fixture.reply)
    let firstDelta = 0
    const streamOnce = async () => {
      const start = performance.now()
      let text = ""
      firstDelta = 0
      await client.stream((delta) => {
        if (text === "") firstDelta = performance.now() - start
        text += delta
      })
      check(`${name} stream`, text, fixture.streamReply)
    }

    const report = async (result: Omit<Result, "client" | "mode" | "extra">) => {
      const extra = client.extra?.()
      const full: Result = { client: name, mode, ...result, ...(extra ? { extra } : {}) }
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(full)}\n`)
      // Closing is not measured; a close that never finishes is reported, not waited for.
      if (client.close) {
        const closed = await Promise.race([client.close().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3_000).unref())])
        if (!closed) process.stderr.write(`${name}: close() did not finish within 3 s\n`)
      }
    }

    if (mode === "setup") {
      await call()
      return await report({ n: 1, warmup: 0, concurrency: 1, latenciesUs: [], wallMs: 0, cpuUserUs: 0, cpuSystemUs: 0, cpuPerRequestUs: 0, ...memory() })
    }

    if (mode === "startup") {
      const mem = memory()
      const before = performance.now()
      await call()
      // The forced GC above is not part of either figure.
      const firstMs = ready - t0 + (performance.now() - before)
      const processFirstMs = ready + (performance.now() - before)
      return await report({
        n: 1,
        warmup: 0,
        concurrency: 1,
        latenciesUs: [],
        wallMs: 0,
        cpuUserUs: 0,
        cpuSystemUs: 0,
        cpuPerRequestUs: 0,
        ...mem,
        startup: { importToReadyMs: ready - t0, processToReadyMs: ready, importToFirstAnswerMs: firstMs, processToFirstAnswerMs: processFirstMs }
      })
    }

    const n = num(args, "n", mode === "stream" ? 300 : mode === "conc" ? 10_000 : 2_000)
    const warmup = num(args, "warmup", mode === "stream" ? 50 : 500)
    const concurrency = mode === "conc" ? num(args, "concurrency", 64) : 1

    if (mode === "stream") {
      for (let i = 0; i < warmup; i++) await streamOnce()
      const totals: Array<number> = []
      const firsts: Array<number> = []
      const cpu0 = process.cpuUsage()
      const w0 = performance.now()
      for (let i = 0; i < n; i++) {
        const t = performance.now()
        await streamOnce()
        totals.push(us(performance.now() - t))
        firsts.push(us(firstDelta))
      }
      const wallMs = performance.now() - w0
      const cpu = process.cpuUsage(cpu0)
      return await report({
        n,
        warmup,
        concurrency,
        latenciesUs: totals,
        firstDeltaUs: firsts,
        wallMs,
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        cpuPerRequestUs: (cpu.user + cpu.system) / n,
        ...memory()
      })
    }

    if (mode !== "seq" && mode !== "conc") throw new Error(`unknown --mode ${mode}`)
    await drive(warmup, concurrency, call)
    const cpu0 = process.cpuUsage()
    const w0 = performance.now()
    const latencies = await drive(n, concurrency, call)
    const wallMs = performance.now() - w0
    const cpu = process.cpuUsage(cpu0)
    return await report({
      n,
      warmup,
      concurrency,
      latenciesUs: latencies.map(us),
      wallMs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      cpuPerRequestUs: (cpu.user + cpu.system) / n,
      ...memory()
    })
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exitCode = 1
  } finally {
    // Keep-alive sockets and background fibers must not keep a finished client alive.
    setTimeout(() => process.exit(), 200).unref()
  }
}

/**
 * Text deltas out of an OpenAI Chat Completions SSE body, read linearly (what a careful
 * hand-written client does): lines split on LF, `data:` payloads parsed, `[DONE]` ends.
 */
export class SseDeltas {
  private readonly decoder = new TextDecoder()
  private buffer = ""
  done = false

  constructor(private readonly onDelta: (text: string) => void) {}

  push(bytes: Uint8Array): void {
    this.buffer += this.decoder.decode(bytes, { stream: true })
    let start = 0
    for (;;) {
      const nl = this.buffer.indexOf("\n", start)
      if (nl === -1) break
      const line = this.buffer.slice(start, nl)
      start = nl + 1
      if (!line.startsWith("data:")) continue
      const data = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5)
      if (data === "[DONE]") {
        this.done = true
        continue
      }
      const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string | null } }> }
      const text = chunk.choices?.[0]?.delta?.content
      if (typeof text === "string" && text !== "") this.onDelta(text)
    }
    this.buffer = this.buffer.slice(start)
  }
}

/** The Chat Completions request body every raw client sends (the one AiService builds). */
export const chatBody = (f: Fixture, stream: boolean): string =>
  JSON.stringify({
    model: f.model,
    messages: [{ role: "system", content: f.system }, { role: "user", content: f.user }],
    temperature: f.temperature,
    max_tokens: f.maxTokens,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {})
  })
