/**
 * The full stack: `AiStack.layer` on a SQLite file (settings, encrypted key, provider registry,
 * budget check, metrics writer), the OpenAI provider configured at the emulator behind its rate
 * limiter (on, never limiting), circuit breaker, retry policy and time limits, and OpenTelemetry
 * spans exported through a SimpleSpanProcessor to an exporter that drops them (so creating and
 * ending every span is paid for). One ManagedRuntime; each call is `runtime.runPromise(service.run(task))`.
 *
 * `--mode setup` stores the provider configuration in the database first (run once per bench).
 */
import { main } from "../harness.js"

const t0 = performance.now()

await main("aiservice", t0, async ({ args, baseUrl, fixture }) => {
  const databasePath = args.db
  if (databasePath === undefined) throw new Error("--db is required")
  const [{ Effect, Layer, ManagedRuntime, Stream }, AiStack, { AiService }, { Settings }, NodeHttpClient] = await Promise.all([
    import("effect"),
    import("../../src/layers/AiStack.js"),
    import("../../src/services/AiService.js"),
    import("../../src/services/Settings.js"),
    import("@effect/platform-node/NodeHttpClient")
  ])
  type SqlTask = import("../../src/domain/SqlTask.js").SqlTask
  type SpanExporter = import("@opentelemetry/sdk-trace-base").SpanExporter

  const counts = { spans: 0, sqlSpans: 0 }
  const exporter: SpanExporter = {
    export: (spans, done) => {
      counts.spans += spans.length
      for (const s of spans) if (s.name.startsWith("sql.")) counts.sqlSpans++
      done({ code: 0 })
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve()
  }
  // `--tracing none` (the `aiservice-untraced` row) installs no tracer and loads no OpenTelemetry
  // SDK, to show what spans cost.
  const tracing = args.tracing === "none" ? Layer.empty : await Promise.all([
    import("@effect/opentelemetry/NodeSdk"),
    import("@opentelemetry/sdk-trace-base")
  ]).then(([NodeSdk, { SimpleSpanProcessor }]) =>
    NodeSdk.layer(() => ({ resource: { serviceName: "dbtk-ai-bench" }, spanProcessor: new SimpleSpanProcessor(exporter) }))
  )
  const stack = AiStack.layer({ databasePath }).pipe(Layer.provide(NodeHttpClient.layerUndici))
  // Tracing underneath the stack, as an app installs it at its root: the stack's own fibers (the
  // metrics writer, health checks) are traced too.
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
    extra: () => ({ ...counts }),
    close: () => runtime.dispose()
  }
})
