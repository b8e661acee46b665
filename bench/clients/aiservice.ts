/**
 * The full stack: `AiStack.layer` on a SQLite file (settings, encrypted key, provider registry,
 * budget check, metrics writer), the OpenAI provider configured at the emulator behind its rate
 * limiter (on, never limiting), circuit breaker, retry policy and time limits, and the library's
 * own `Telemetry.layer()` beneath it, exporting every span over OTLP/HTTP (protobuf, the default)
 * to the bench's span sink (`--otlp http://127.0.0.1:PORT`, set as `OTEL_EXPORTER_OTLP_ENDPOINT`
 * as an app sets it), every 250 ms or every 1,000 spans. One ManagedRuntime; each call is
 * `runtime.runPromise(service.run(task))`.
 *
 * `--tracing none` (the `aiservice-untraced` row) installs no tracer and loads no exporter.
 * `--http fetch` (the `aiservice-fetch` row) sends with `FetchHttpClient` (Node's fetch), as the
 * electron entry and the CLI do, instead of undici's client.
 * `--mode setup` stores the provider configuration in the database first (run once per bench).
 */
import { main } from "../harness.js"

const t0 = performance.now()

await main("aiservice", t0, async ({ args, baseUrl, fixture }) => {
  const databasePath = args.db
  if (databasePath === undefined) throw new Error("--db is required")
  const traced = args.tracing !== "none"
  if (traced) {
    if (args.otlp === undefined) throw new Error("--otlp (the span sink's URL) is required unless --tracing none")
    // What an app's environment says; the Telemetry Layer reads it when it is built.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = args.otlp
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/protobuf"
  }
  const [{ Effect, Layer, ManagedRuntime, Stream }, AiStack, { AiService }, { Settings }, http, Telemetry] = await Promise.all([
    import("effect"),
    import("../../src/layers/AiStack.js"),
    import("../../src/services/AiService.js"),
    import("../../src/services/Settings.js"),
    args.http === "fetch"
      ? import("@effect/platform/FetchHttpClient").then((m) => m.layer)
      : import("@effect/platform-node/NodeHttpClient").then((m) => m.layerUndici),
    traced ? import("../../src/layers/Telemetry.js") : undefined
  ])
  type SqlTask = import("../../src/domain/SqlTask.js").SqlTask

  const tracing = Telemetry === undefined
    ? Layer.empty
    : Telemetry.layer({ serviceName: "dbtk-ai-bench", exportInterval: "250 millis" }).pipe(Layer.provide(http))
  const stack = AiStack.layer({ databasePath }).pipe(Layer.provide(http))
  // Tracing underneath the stack, as an app installs it at its root: the stack's own fibers (the
  // metrics writer, health checks) are traced too. One HTTP client serves both (the Layer is
  // memoized).
  const runtime = ManagedRuntime.make(stack.pipe(Layer.provideMerge(tracing)))

  if (args.mode === "setup") {
    await runtime.runPromise(Effect.gen(function*() {
      const settings = yield* Settings
      yield* settings.saveProvider("openai", { apiKey: fixture.apiKey, baseUrl, model: fixture.model }, {
        enabled: true,
        resilience: { rateLimit: { requestsPerMinute: 1_000_000, maxConcurrent: 256, maxQueue: 100_000 } }
      })
      yield* settings.update({ activeProvider: "openai" })
    }))
  }

  const service = await runtime.runPromise(AiService)
  const task = fixture.task as unknown as SqlTask
  return {
    call: () =>
      runtime.runPromise(service.run(task)).then((answer) => (answer.result as { readonly explanation: string }).explanation),
    stream: (onDelta) =>
      runtime.runPromise(Stream.runForEach(service.stream(task), (event) =>
        event._tag === "TextDelta" ? Effect.sync(() => onDelta(event.text)) : Effect.void
      )),
    close: () => runtime.dispose()
  }
})
