/**
 * Where the CLI writes: stdout for answers and reports, stderr for provenance, progress and
 * errors. Colours only on a terminal (and never with `NO_COLOR`); the progress indicator only
 * when stderr is a terminal. Tests and embedders swap in {@link memory}.
 *
 * @since 0.1.0
 */
import { type Console, Context, Effect, Fiber, Layer, Schedule, type Scope } from "effect"
import * as Util from "node:util"

/**
 * One output stream.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Sink {
  /** Writes the text as is (no newline added). */
  readonly write: (text: string) => void
  readonly isTTY: boolean
  /** Whether ANSI styles may be written. */
  readonly color: boolean
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly stdout: Sink
  readonly stderr: Sink
}

/**
 * @since 0.1.0
 * @category Context
 */
export class Output extends Context.Tag("@db-toolkit/ai/cli/Output")<Output, Service>() {}

const colorAllowed = (env: NodeJS.ProcessEnv) => env["NO_COLOR"] === undefined && env["TERM"] !== "dumb"

const sinkOf = (stream: NodeJS.WriteStream): Sink => {
  const isTTY = stream.isTTY === true
  return { write: (text) => void stream.write(text), isTTY, color: isTTY && colorAllowed(process.env) }
}

/**
 * The process's stdout and stderr.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<Output> = Layer.sync(Output, () => {
  // A reader that went away (`dbtk-ai usage export | head`) is not an error: stop quietly.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0)
  })
  return { stdout: sinkOf(process.stdout), stderr: sinkOf(process.stderr) }
})

/**
 * Output kept in memory, for tests and for running the CLI inside another program.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Memory {
  readonly layer: Layer.Layer<Output>
  readonly stdout: () => string
  readonly stderr: () => string
}

/**
 * An in-memory output; `tty` pretends both streams are terminals (colours and progress on).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const memory = (options: { readonly tty?: boolean } = {}): Memory => {
  const out: Array<string> = []
  const err: Array<string> = []
  const tty = options.tty === true
  const sink = (into: Array<string>): Sink => ({ write: (text) => void into.push(text), isTTY: tty, color: tty })
  return {
    layer: Layer.succeed(Output, { stdout: sink(out), stderr: sink(err) }),
    stdout: () => out.join(""),
    stderr: () => err.join("")
  }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g

/**
 * Text without ANSI escapes.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const stripAnsi = (text: string): string => text.replace(ANSI, "")

/**
 * Writes lines to stdout (styles removed when it is not a terminal).
 *
 * @since 0.1.0
 * @category Writing
 */
export const print = (...lines: ReadonlyArray<string>): Effect.Effect<void, never, Output> =>
  Effect.flatMap(Output, (o) => Effect.sync(() => o.stdout.write(plain(o.stdout, lines.join("\n") + "\n"))))

/**
 * Writes lines to stderr (styles removed when it is not a terminal).
 *
 * @since 0.1.0
 * @category Writing
 */
export const printErr = (...lines: ReadonlyArray<string>): Effect.Effect<void, never, Output> =>
  Effect.flatMap(Output, (o) => Effect.sync(() => o.stderr.write(plain(o.stderr, lines.join("\n") + "\n"))))

/**
 * Writes text to stdout with no newline (streamed answers).
 *
 * @since 0.1.0
 * @category Writing
 */
export const write = (text: string): Effect.Effect<void, never, Output> =>
  Effect.flatMap(Output, (o) => Effect.sync(() => o.stdout.write(plain(o.stdout, text))))

/**
 * Text as a stream may show it: styles kept on a colour terminal, removed otherwise.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const forSink = (sink: Sink, text: string): string => (sink.color ? text : stripAnsi(text))

const plain = forSink

// ---------------------------------------------------------------------------
// Styles
// ---------------------------------------------------------------------------

const style = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`

/**
 * ANSI styles. They are always written into strings; {@link print} and {@link printErr} remove
 * them when the stream is not a terminal, so formatting code need not care.
 *
 * @since 0.1.0
 * @category Formatting
 */
export const styles = {
  bold: style(1, 22),
  dim: style(2, 22),
  red: style(31, 39),
  green: style(32, 39),
  yellow: style(33, 39),
  cyan: style(36, 39)
} as const

// ---------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------

/**
 * Lays rows out in aligned columns (widths measured without styles); `right` lists the columns
 * aligned right (numbers). The header is bold (`header: false` leaves it out; it still counts
 * for the widths).
 *
 * @since 0.1.0
 * @category Formatting
 */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { readonly right?: ReadonlyArray<number>; readonly indent?: string; readonly header?: boolean } = {}
): Array<string> => {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => stripAnsi(r[i] ?? "").length)))
  const right = new Set(options.right ?? [])
  const line = (r: ReadonlyArray<string>) =>
    (options.indent ?? "") + r.map((cell, i) => {
      const pad = " ".repeat(widths[i]! - stripAnsi(cell).length)
      return right.has(i) ? pad + cell : i === r.length - 1 ? cell : cell + pad
    }).join("  ").trimEnd()
  const body = rows.map(line)
  return options.header === false ? body : [line(header.map((h) => styles.bold(h))), ...body]
}

// ---------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/**
 * Starts a spinner with the elapsed time on stderr, when `enabled` and stderr is a terminal.
 * Returns the effect that stops it and clears its line (idempotent); the scope's end stops it
 * too, however the work ended.
 *
 * @since 0.1.0
 * @category Writing
 */
export const progress = (label: string, enabled: boolean): Effect.Effect<Effect.Effect<void>, never, Output | Scope.Scope> =>
  Effect.gen(function*() {
    const o = yield* Output
    if (!enabled || !o.stderr.isTTY) return Effect.void
    const started = Date.now()
    let frame = 0
    const draw = Effect.sync(() => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      o.stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label} ${plain(o.stderr, styles.dim(`${seconds}s`))}\u001b[K`)
    })
    const fiber = yield* Effect.forkScoped(Effect.repeat(draw, Schedule.spaced("80 millis")))
    let stopped = false
    const stop = Effect.suspend(() => {
      if (stopped) return Effect.void
      stopped = true
      return Effect.zipRight(Fiber.interrupt(fiber), Effect.sync(() => o.stderr.write("\r\u001b[K")))
    })
    yield* Effect.addFinalizer(() => stop)
    return stop
  })

/**
 * Shows the {@link progress} spinner while the effect runs.
 *
 * @since 0.1.0
 * @category Writing
 */
export const withProgress = (label: string, enabled: boolean) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Output> =>
  Effect.scoped(Effect.zipRight(progress(label, enabled), effect))

// ---------------------------------------------------------------------------
// Console and logs
// ---------------------------------------------------------------------------

const format = (args: ReadonlyArray<unknown>) => Util.format(...args)

/**
 * A `Console` writing to this output (log and info to stdout; error, warn and debug to stderr),
 * so text printed through `Console` (such as @effect/cli's help) follows the same rules.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const console = (o: Service, base: Console.Console): Console.Console => {
  const out = (...args: ReadonlyArray<unknown>) => o.stdout.write(plain(o.stdout, format(args) + "\n"))
  const err = (...args: ReadonlyArray<unknown>) => o.stderr.write(plain(o.stderr, format(args) + "\n"))
  return {
    ...base,
    log: (...args) => Effect.sync(() => out(...args)),
    info: (...args) => Effect.sync(() => out(...args)),
    error: (...args) => Effect.sync(() => err(...args)),
    warn: (...args) => Effect.sync(() => err(...args)),
    debug: (...args) => Effect.sync(() => err(...args)),
    unsafe: { ...base.unsafe, log: out, info: out, error: err, warn: err, debug: err }
  }
}
