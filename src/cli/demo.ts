/**
 * `dbtk-ai demo`: the whole library on a fresh machine with no keys and no network. It starts
 * the Cloudflare Workers AI and OpenAI emulators on 127.0.0.1, configures both in a temporary
 * data folder (Cloudflare first, as DB Toolkit does; OpenAI as the fallback) under a generated
 * master key, runs generate, explain, optimize and fix on a sample e-commerce schema read from
 * DDL, streams one answer, then makes Cloudflare answer HTTP 503 and shows the fallback taking
 * over, and ends with the metrics summary. The folder is removed at the end.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Fiber, Layer, Logger, LogLevel, Option, type Scope, Stream } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Ddl from "../internal/Ddl.js"
import { displayName, type ProviderId } from "../domain/ProviderId.js"
import * as SchemaContext from "../domain/SchemaContext.js"
import * as SqlTask from "../domain/SqlTask.js"
import * as AiStack from "../layers/AiStack.js"
import * as Crypto from "../internal/Crypto.js"
import * as KeyStores from "../layers/KeyStores.js"
import { AiEvents } from "../services/AiEvents.js"
import { AiService } from "../services/AiService.js"
import { ProviderRegistry } from "../services/ProviderRegistry.js"
import { Settings } from "../services/Settings.js"
import type * as Emulator from "../testing/Emulator.js"
import * as CloudflareEmulator from "../testing/emulators/CloudflareEmulator.js"
import * as OpenAiEmulator from "../testing/emulators/OpenAiEmulator.js"
import { layerUndici } from "../vendor/http.js"
import * as Output from "./Output.js"
import * as Render from "./Render.js"
import * as Reports from "./Reports.js"

const { bold, cyan, dim, green, yellow } = Output.styles

/**
 * The sample schema the demo works on.
 *
 * @since 0.1.0
 * @category Constants
 */
export const sampleDdl = `
CREATE TABLE customers (
  id          SERIAL PRIMARY KEY,
  email       VARCHAR(255) NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  country     CHAR(2),
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);
CREATE TABLE products (
  id          SERIAL PRIMARY KEY,
  sku         VARCHAR(32) NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  price       NUMERIC NOT NULL CHECK (price >= 0)
);
CREATE TABLE orders (
  id          SERIAL PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  status      VARCHAR(16) NOT NULL DEFAULT 'pending',
  total       NUMERIC NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);
CREATE TABLE order_items (
  order_id    INTEGER NOT NULL,
  product_id  INTEGER NOT NULL,
  quantity    INTEGER NOT NULL,
  unit_price  NUMERIC NOT NULL,
  PRIMARY KEY (order_id, product_id),
  FOREIGN KEY (order_id) REFERENCES orders (id),
  FOREIGN KEY (product_id) REFERENCES products (id)
);
CREATE INDEX orders_created_at ON orders (created_at);
`

// Credentials the emulators accept: made up, and only ever sent to 127.0.0.1.
const CLOUDFLARE_ACCOUNT = "d3m0acc0unt0000000000000000000aa"
const CLOUDFLARE_TOKEN = "demo-cloudflare-token-not-a-real-one"
const OPENAI_KEY = "sk-demo-openai-key-not-a-real-one"
// A Workers AI model with a published neuron price, so the demo can show costs.
const CLOUDFLARE_MODEL = "@cf/meta/llama-3.3-70b-instruct-fp8-fast"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "dbtk-ai-demo-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/**
 * Demo options.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** One JSON report on stdout instead of the narrated run. */
  readonly json?: boolean | undefined
}

/**
 * Where the demo runs: a temporary data folder (removed with the scope), the Cloudflare Workers
 * AI and OpenAI emulators on 127.0.0.1 (with a little latency, so the numbers look like a
 * network's), and the AI stack on that folder under a generated master key. `dbtk-ai ui --demo`
 * runs on it too.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Setting {
  readonly dir: string
  readonly cloudflare: Emulator.Emulator
  readonly openai: Emulator.Emulator
  readonly stack: Layer.Layer<AiStack.Services, AiStack.StackError>
}

/**
 * Starts the demo's {@link Setting} for the length of the scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const setting: Effect.Effect<Setting, never, Scope.Scope> = Effect.gen(function*() {
  const dir = yield* tempDir
  const cloudflare = yield* CloudflareEmulator.make({
    accountId: CLOUDFLARE_ACCOUNT,
    apiKey: CLOUDFLARE_TOKEN,
    defaults: { latencyMs: 40, chunkDelayMs: 12 }
  })
  const openai = yield* OpenAiEmulator.make({ apiKey: OPENAI_KEY, defaults: { latencyMs: 60, chunkDelayMs: 12 } })
  const stack = AiStack.layer({ databasePath: Path.join(dir, "ai.db"), keyStore: KeyStores.fromKey(Crypto.generateKey()) }).pipe(
    Layer.provide(layerUndici)
  )
  return { dir, cloudflare, openai, stack }
})

/**
 * Configures the two emulated providers, each tested before it is saved: Cloudflare as the
 * active provider (DB Toolkit's), OpenAI as the fallback, and one quick retry on the primary so
 * that a fallback does not wait long. Answers the connection tests.
 *
 * @since 0.1.0
 * @category Running
 */
export const configureProviders = (on: Pick<Setting, "cloudflare" | "openai">) =>
  Effect.gen(function*() {
    const settings = yield* Settings
    const registry = yield* ProviderRegistry
    const configure = (id: ProviderId, input: Record<string, unknown>, role: string) =>
      Effect.map(registry.save(id, input, { validate: true, enabled: true }), (tested) => ({
        id,
        role,
        ok: tested?.ok ?? true,
        model: tested?.model ?? null,
        latencyMs: tested?.latencyMs ?? null,
        modelAvailable: tested?.modelAvailable ?? null
      }))
    const tests = [
      yield* configure("cloudflare", {
        accountId: CLOUDFLARE_ACCOUNT,
        apiToken: CLOUDFLARE_TOKEN,
        baseUrl: on.cloudflare.baseUrl,
        model: CLOUDFLARE_MODEL
      }, "primary"),
      yield* configure("openai", { apiKey: OPENAI_KEY, baseUrl: on.openai.baseUrl }, "fallback")
    ]
    yield* settings.setResilience("cloudflare", { retry: { maxRetries: 1, baseDelayMs: 50, jitter: false } })
    yield* settings.update({ activeProvider: "cloudflare", fallback: { order: ["cloudflare", "openai"] } })
    return tests
  })

/**
 * Runs the demo; it needs nothing but loopback sockets and a temporary folder.
 *
 * @since 0.1.0
 * @category Running
 */
export const run = (options: Options = {}) =>
  Effect.scoped(
    Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      const { stack, ...where } = yield* setting
      const report = yield* narrate({ json: options.json === true, ...where }).pipe(Effect.provide(stack))
      const elapsed = (yield* Clock.currentTimeMillis) - started
      if (options.json === true) return yield* Output.print(JSON.stringify({ ...report, elapsedMs: elapsed }, null, 2))
      yield* Output.print(
        "",
        green(bold(`Done in ${(elapsed / 1000).toFixed(1)} s.`)) + dim(" Nothing left this machine; the temporary data folder is removed."),
        "",
        `The settings page, the status bar and the assistant's badge on the same emulated providers: ${bold(cyan("npm run ui -- --demo"))}`,
        dim("  (it prints the page's address, with its token, first; open it in a browser)")
      )
    })
  ).pipe(Logger.withMinimumLogLevel(LogLevel.Error))

interface Context {
  readonly json: boolean
  readonly dir: string
  readonly cloudflare: Emulator.Emulator
  readonly openai: Emulator.Emulator
}

const narrate = (ctx: Context) =>
  Effect.gen(function*() {
    const say = (...lines: ReadonlyArray<string>) => (ctx.json ? Effect.void : Output.print(...lines))
    const section = (n: number, title: string) => say("", bold(`${n}. ${title}`))
    const ai = yield* AiService

    yield* say(
      bold("DB Toolkit AI demo") + dim(" - no keys, no network: two provider emulators on loopback"),
      ...Output.table(["", ""], [
        ["Cloudflare Workers AI emulator", ctx.cloudflare.origin],
        ["OpenAI emulator", ctx.openai.origin],
        ["data folder", `${ctx.dir} ${dim("(temporary)")}`]
      ], { header: false, indent: "  " })
    )

    // 1. Providers -------------------------------------------------------------------------
    yield* section(1, "Configure the providers (keys stored encrypted, connection tested before saving)")
    const tests = yield* configureProviders(ctx)
    yield* say(...Output.table(["", "", "", "", ""], tests.map((t) => [
      green("✓"),
      bold(displayName[t.id]),
      t.role,
      t.model ?? "",
      dim(`connection ${t.ok ? "ok" : "failed"} in ${Render.ms(t.latencyMs)}${t.modelAvailable ? ", model available" : ""}`)
    ]), { header: false, indent: "  " }))

    const schema = Ddl.parse(sampleDdl)
    const dialect = "postgresql" as const
    const tasks = [
      SqlTask.generate({ prompt: "Top 5 customers by total order value", schema, dialect }),
      SqlTask.explain({
        sql: "SELECT c.name, SUM(o.total) AS spent FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name",
        schema,
        dialect
      }),
      SqlTask.optimize({ sql: "SELECT * FROM orders WHERE customer_id = 42", schema, dialect }),
      SqlTask.fix({ sql: "SELECT name, email FROM customer WHERE id = 1", errorMessage: "relation \"customer\" does not exist", schema, dialect })
    ] as const

    // The estimate also builds the chain for the new settings, which starts the health checks.
    const estimate = yield* ai.estimate(tasks[0])
    const status = yield* Reports.settledStatus(ai, 3_000)
    yield* say("", ...Render.providers(status.providers.filter((p) => p.configured), "  "))

    // 2. Schema ----------------------------------------------------------------------------
    yield* section(2, "A sample e-commerce schema, read from SQL DDL")
    yield* say(...SchemaContext.format(schema).split("\n").map((l) => `  ${dim(l)}`))

    // 3. Operations ------------------------------------------------------------------------
    yield* section(3, "The four operations, on the active provider")
    yield* say(dim(`  estimated before sending the first: ${estimate.inputTokens} input tokens, at most ${Render.usd(estimate.maxUsd)}`))
    const answers: Array<ReturnType<typeof Render.answerJson>> = []
    for (const task of tasks) {
      const answer = yield* ai.run(task)
      const operation = Render.operationOf[task._tag]
      answers.push(Render.answerJson(operation, answer))
      yield* say("", `  ${bold(cyan(operation))}  ${dim(describe(task))}`, ...Render.result(answer.result).map((l) => `    ${l}`), `    ${Render.provenance(answer)}`)
    }

    // 4. Streaming -------------------------------------------------------------------------
    yield* section(4, "Streaming: the answer as it arrives")
    const streamed = yield* streamOne(ctx.json, ai, SqlTask.generate({ prompt: "Monthly revenue in 2025", schema, dialect }))

    // 5. Fallback --------------------------------------------------------------------------
    yield* section(5, "Fallback: the primary fails")
    ctx.cloudflare.setDefaults({ fault: { _tag: "Error", kind: "overloaded" } })
    yield* say(`  ${yellow("!")} the Cloudflare emulator now answers every request with HTTP 503 (code 3040, capacity exceeded)`)
    const events = yield* AiEvents
    const subscription = yield* events.subscribe
    const firstFallback = yield* Effect.fork(Stream.runHead(Stream.filter(subscription, (e) => e._tag === "FallbackTaken")))
    const fallbackTask = tasks[1]
    // Asked again (not from the response cache, which holds this answer): the primary is down.
    const answer = yield* ai.run(fallbackTask, { cache: "bypass" })
    const event = yield* Fiber.join(firstFallback).pipe(Effect.timeoutOption(Duration.seconds(2)), Effect.map(Option.flatten))
    if (Option.isSome(event) && event.value._tag === "FallbackTaken") {
      const e = event.value
      yield* say(`  ${yellow("event")} ${bold("FallbackTaken")}: ${displayName[e.from]} -> ${displayName[e.to]} ${dim(`(${e.error._tag}: ${e.error.message})`)}`)
    }
    const after = yield* ai.status
    yield* say(
      `  ${bold(cyan("explain"))} answered with ${bold(`fallback: ${answer.fallback}`)}`,
      `    ${Render.provenance(answer)}`,
      dim(`  status: active ${after.activeProvider ?? "-"}, serving now ${after.fallbackServing ?? after.lastServedBy ?? "-"}`)
    )

    // 6. Metrics ---------------------------------------------------------------------------
    yield* section(6, "Metrics summary (every attempt recorded, retries and failures included)")
    const metrics = yield* Reports.metricsSummary()
    yield* say(...Render.summaries(metrics.rows, metrics.total, "  "))

    return {
      emulators: { cloudflare: ctx.cloudflare.origin, openai: ctx.openai.origin },
      providers: tests,
      schema,
      estimate,
      operations: answers,
      stream: streamed,
      fallback: {
        event: Option.match(event, {
          onNone: () => null,
          onSome: (e) => (e._tag === "FallbackTaken" ? { from: e.from, to: e.to, error: e.error._tag } : null)
        }),
        answer: Render.answerJson("explain", answer)
      },
      metrics: { providers: metrics.rows.map((r) => ({ provider: r.provider, ...r.summary })), total: metrics.total }
    }
  })

const describe = (task: SqlTask.SqlTask): string => {
  switch (task._tag) {
    case "GenerateSql":
      return `"${task.prompt}"`
    case "FixSql":
      return `${task.sql}  (error: ${task.errorMessage})`
    default:
      return task.sql
  }
}

const streamOne = (json: boolean, ai: AiService["Type"], task: SqlTask.SqlTask) =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const deltas: Array<string> = []
    let firstTextMs: number | undefined
    let completed: SqlTask.SqlResult | undefined
    if (!json) yield* Output.write("  ")
    yield* Stream.runForEach(ai.stream(task), (e) =>
      Effect.gen(function*() {
        if (e._tag === "Completed") {
          completed = e.result
          return
        }
        firstTextMs ??= (yield* Clock.currentTimeMillis) - started
        deltas.push(e.text)
        // Deltas alternate in brightness so each one shows.
        if (!json) yield* Output.write((deltas.length % 2 === 0 ? dim : cyan)(e.text.replace(/\n/g, "\n  ")))
      }))
    const totalMs = (yield* Clock.currentTimeMillis) - started
    if (!json) {
      const served = completed ? `${displayName[completed.meta.provider]} · ${completed.meta.model} · ` : ""
      yield* Output.print("", dim(`  ${served}${deltas.length} deltas, first text after ${Render.ms(firstTextMs)}, complete after ${Render.ms(totalMs)}`))
    }
    return { deltas: deltas.length, firstTextMs: firstTextMs ?? null, totalMs, provider: completed?.meta.provider ?? null, text: deltas.join("") }
  })
