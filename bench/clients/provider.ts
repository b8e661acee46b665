/**
 * The provider layer alone: `OpenAi.layer` configured at the emulator, on
 * `NodeHttpClient.layerUndici`, and nothing else (no settings, SQLite, rate limiter, breaker,
 * retries, metrics or tracer). One ManagedRuntime; each call is
 * `runtime.runPromise(provider.run(task))` (or `provider.stream(task)`) on the `AiProvider`
 * service, with the same task as `aiservice`, so validation, prompt building and answer parsing
 * are part of its cost.
 */
import { main } from "../harness.js"

const t0 = performance.now()

await main("provider", t0, async ({ baseUrl, fixture }) => {
  const [{ Effect, Layer, ManagedRuntime, Stream }, OpenAi, { AiProvider }, NodeHttpClient] = await Promise.all([
    import("effect"),
    import("../../src/providers/openai/OpenAi.js"),
    import("../../src/services/AiProvider.js"),
    import("@effect/platform-node/NodeHttpClient")
  ])
  type ExplainSqlTask = import("../../src/domain/SqlTask.js").InputOf<"ExplainSql">

  const layer = OpenAi.layer({
    apiKey: fixture.apiKey,
    baseUrl,
    model: fixture.model,
    temperature: fixture.temperature,
    maxTokens: fixture.maxTokens
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))
  const runtime = ManagedRuntime.make(layer)
  const provider = await runtime.runPromise(AiProvider)
  const task = fixture.task as unknown as ExplainSqlTask
  return {
    call: () => runtime.runPromise(provider.run(task)).then((result) => result.explanation),
    stream: (onDelta) =>
      runtime.runPromise(Stream.runForEach(provider.stream(task), (event) =>
        event._tag === "TextDelta" ? Effect.sync(() => onDelta(event.text)) : Effect.void
      )),
    close: () => runtime.dispose()
  }
})
