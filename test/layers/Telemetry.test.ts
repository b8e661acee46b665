/**
 * Spans of the guarded chain over loopback emulators, read from an in-memory OpenTelemetry
 * exporter: the operation/attempt tree, the GenAI attributes with real values, retries and
 * fallbacks as attempts, errors, streams, opt-in content capture and the absence of keys. Then
 * the telemetry Layer: no-op without an endpoint, OTLP/HTTP to a local collector with one.
 */
import type { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import * as SemConv from "@opentelemetry/semantic-conventions/incubating"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { ConfigProvider, Effect, Layer, Logger, LogLevel, Schema, type Scope, Stream } from "effect"
import type * as AiError from "../../src/domain/AiError.js"
import * as Prepared from "../../src/domain/Prepared.js"
import * as GenAi from "../../src/internal/GenAi.js"
import * as Prompts from "../../src/domain/Prompts.js"
import * as Resilience from "../../src/domain/Resilience.js"
import * as Anthropic from "../../src/providers/anthropic/Anthropic.js"
import * as OpenAi from "../../src/providers/openai/OpenAi.js"
import * as Chain from "../../src/resilience/Chain.js"
import type * as Fallback from "../../src/resilience/Fallback.js"
import * as Telemetry from "../../src/layers/Telemetry.js"
import * as AiEventsPubSub from "../../src/layers/AiEventsPubSub.js"
import * as AiEvents from "../../src/services/AiEvents.js"
import * as Emulator from "../../src/testing/Emulator.js"
import { anthropic } from "../support/fixtures/anthropic.js"
import { openai } from "../support/fixtures/openai.js"
import { expectFailure, HttpLive, SECRET_KEY, shopSchema } from "../support/http.js"
import { childrenOf, collector, dump, inMemoryTracing, only } from "../support/tracing.js"

interface Setup {
  readonly primary?: Emulator.Options
  readonly secondary?: Emulator.Options
  readonly policy?: Schema.Schema.Encoded<typeof Resilience.ResiliencePolicy>
  readonly fallback?: Schema.Schema.Encoded<typeof Resilience.FallbackPolicy>
}

const setup = (s: Setup = {}) =>
  Effect.gen(function*() {
    const openaiEmu = yield* Emulator.scoped(openai.protocol, { apiKey: openai.apiKey, ...s.primary })
    const anthropicEmu = yield* Emulator.scoped(anthropic.protocol, { apiKey: anthropic.apiKey, ...s.secondary })
    const policy = Schema.decodeSync(Resilience.ResiliencePolicy)(s.policy ?? { retry: { maxRetries: 0 } })
    const chain = yield* Chain.make({
      members: [
        { service: yield* openai.make(openaiEmu), policy },
        { service: yield* anthropic.make(anthropicEmu), policy }
      ],
      fallback: Schema.decodeSync(Resilience.FallbackPolicy)(s.fallback ?? { order: ["openai", "anthropic"] }),
      health: Schema.decodeSync(Resilience.HealthPolicy)({ enabled: false })
    })
    return { openaiEmu, anthropicEmu, chain }
  })

type Env = Scope.Scope | AiEvents.AiEvents | HttpClient.HttpClient

/** Runs a test with spans captured; the test reads them (inside the tracing layer's scope). */
const traced = <A, E>(test: (spans: () => ReadonlyArray<ReadableSpan>) => Effect.Effect<A, E, Env>) => {
  const { exporter, layer } = inMemoryTracing()
  return Effect.scoped(test(() => exporter.getFinishedSpans())).pipe(
    Effect.provide(Layer.mergeAll(HttpLive, AiEventsPubSub.layer, layer)),
    Logger.withMinimumLogLevel(LogLevel.Error)
  )
}

const PROMPT = "list the orders of the customer called Zebediah"
const REPLY = "```sql\nSELECT id, customer_id, total FROM orders WHERE customer_id = 7;\n```"
const prepare = (input: Prepared.Input) => Effect.runPromise(Prepared.prepare("openai", input))
const generate = await prepare({ _tag: "GenerateSql", prompt: PROMPT, schema: shopSchema, dialect: "postgresql" })
const openaiSpan = GenAi.chatSpanName(OpenAi.defaultModel)
const anthropicSpan = GenAi.chatSpanName(Anthropic.defaultModel)
const unavailable: Emulator.Step = { fault: { _tag: "Error", kind: "unavailable" } }
const contentKeys = ["gen_ai.system_instructions", "gen_ai.input.messages", "gen_ai.output.messages"]

const errorType = (span: ReadableSpan) => span.attributes["error.type"]

describe("spans of an operation", () => {
  it.live("one INTERNAL span per operation, one CLIENT child per attempt, with the GenAI attributes", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain, openaiEmu } = yield* setup({ primary: { defaults: { reply: REPLY, usage: { inputTokens: 321, outputTokens: 45 } } } })
        const served = yield* chain.run(generate)

        const operation = only(spans(), "generate_sql")
        expect(operation.kind).toBe(SpanKind.INTERNAL)
        expect(operation.parentSpanContext).toBeUndefined()
        expect(operation.attributes).toEqual({
          "db_toolkit.ai.operation": "generate_sql",
          "db_toolkit.ai.stream": false,
          "db_toolkit.ai.provider": "openai",
          "db_toolkit.ai.fallbacks": 0
        })
        expect(operation.status.code).toBe(SpanStatusCode.OK)

        const attempts = childrenOf(spans(), operation)
        expect(attempts.map((s) => s.name)).toEqual([openaiSpan])
        const attempt = attempts[0]!
        expect(attempt.kind).toBe(SpanKind.CLIENT)
        expect(attempt.attributes).toEqual({
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4.1-mini",
          "gen_ai.request.temperature": 0,
          "gen_ai.request.max_tokens": 2048,
          "gen_ai.request.stream": false,
          "gen_ai.response.model": served.value.result.meta.model,
          "gen_ai.response.finish_reasons": ["stop"],
          "gen_ai.usage.input_tokens": 321,
          "gen_ai.usage.output_tokens": 45,
          "server.address": "127.0.0.1",
          "server.port": openaiEmu.port,
          "db_toolkit.ai.provider": "openai",
          "db_toolkit.ai.request_id": served.value.result.meta.requestId
        })
        expect(served.value.result.meta.requestId).toBeDefined()
        expect(attempt.status.code).toBe(SpanStatusCode.OK)
        // The attempt lies within the operation.
        expect(attempt.parentSpanContext?.traceId).toBe(operation.spanContext().traceId)
      })
    ))

  it.live("a retry is a second attempt under the same operation; the failed one says why", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain, openaiEmu } = yield* setup({ policy: { retry: { maxRetries: 1, baseDelayMs: 1, jitter: false } } })
        openaiEmu.script(unavailable)
        expect((yield* chain.run(generate)).provider).toBe("openai")

        const attempts = childrenOf(spans(), only(spans(), "generate_sql"))
        expect(attempts.map((s) => s.name)).toEqual([openaiSpan, openaiSpan])
        const [first, second] = attempts as [ReadableSpan, ReadableSpan]
        expect(errorType(first)).toBe("ProviderUnavailable")
        expect(first.status.code).toBe(SpanStatusCode.ERROR)
        expect(first.attributes["gen_ai.usage.input_tokens"]).toBeUndefined()
        expect(errorType(second)).toBeUndefined()
        expect(second.status.code).toBe(SpanStatusCode.OK)
        expect(second.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0)
      })
    ))

  it.live("the repair round is an attempt of its own, marked db_toolkit.ai.repair; the first attempt is not", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain, openaiEmu } = yield* setup()
        openaiEmu.script({ reply: "```sql\nSELEC id FROM orders\n```" }, { reply: REPLY })
        const served = yield* chain.run(generate)
        expect(served.value.result.repaired).toBe(true)

        const attempts = childrenOf(spans(), only(spans(), "generate_sql"))
        expect(attempts.map((s) => s.name)).toEqual([openaiSpan, openaiSpan])
        const [first, second] = attempts as [ReadableSpan, ReadableSpan]
        expect(first.attributes["db_toolkit.ai.repair"]).toBeUndefined()
        expect(second.attributes["db_toolkit.ai.repair"]).toBe(true)
        expect(first.status.code).toBe(SpanStatusCode.OK)
        expect(second.status.code).toBe(SpanStatusCode.OK)
      })
    ))

  it.live("a fallback gives attempts for both providers, each with its own provider name and server", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { anthropicEmu, chain, openaiEmu } = yield* setup({ primary: { defaults: unavailable } })
        expect((yield* chain.run(generate)).provider).toBe("anthropic")

        const operation = only(spans(), "generate_sql")
        expect(operation.attributes["db_toolkit.ai.provider"]).toBe("anthropic")
        expect(operation.attributes["db_toolkit.ai.fallbacks"]).toBe(1)
        const attempts = childrenOf(spans(), operation)
        expect(attempts.map((s) => s.name)).toEqual([openaiSpan, anthropicSpan])
        const [first, second] = attempts as [ReadableSpan, ReadableSpan]
        expect(first.attributes).toMatchObject({ "gen_ai.provider.name": "openai", "server.port": openaiEmu.port, "error.type": "ProviderUnavailable" })
        expect(second.attributes).toMatchObject({
          "gen_ai.provider.name": "anthropic",
          "gen_ai.request.model": Anthropic.defaultModel,
          "gen_ai.request.max_tokens": 2048,
          "gen_ai.response.finish_reasons": ["stop"],
          "server.port": anthropicEmu.port
        })
        expect(errorType(second)).toBeUndefined()
      })
    ))

  it.live("a failed operation: error status and error.type on the operation and on its attempt", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain } = yield* setup({
          primary: { defaults: { fault: { _tag: "Error", kind: "auth" } } },
          fallback: { order: ["openai", "anthropic"], triggers: ["unavailable", "timeout"] }
        })
        const error = expectFailure<AiError.AiError>(yield* Effect.exit(chain.run(generate)))
        expect(error._tag).toBe("AuthenticationError")

        const operation = only(spans(), "generate_sql")
        expect(errorType(operation)).toBe("AuthenticationError")
        expect(operation.status.code).toBe(SpanStatusCode.ERROR)
        const attempts = childrenOf(spans(), operation)
        expect(attempts.map((s) => [s.name, errorType(s), s.status.code])).toEqual([[openaiSpan, "AuthenticationError", SpanStatusCode.ERROR]])
      })
    ))

  it.live("every provider failing: AllProvidersFailed on the operation, each attempt with its own error", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain } = yield* setup({ primary: { defaults: unavailable }, secondary: { defaults: { fault: { _tag: "Error", kind: "overloaded" } } } })
        const error = expectFailure<Fallback.AllProvidersFailed>(yield* Effect.exit(chain.run(generate)))
        expect(error._tag).toBe("AllProvidersFailed")

        const operation = only(spans(), "generate_sql")
        expect(errorType(operation)).toBe("AllProvidersFailed")
        expect(childrenOf(spans(), operation).map((s) => [s.attributes["gen_ai.provider.name"], errorType(s)])).toEqual([
          ["openai", "ProviderUnavailable"],
          ["anthropic", "ProviderUnavailable"]
        ])
      })
    ))

  it.live("an attempt cut off by the attempt time limit is a Timeout attempt; the retry is the next attempt", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain, openaiEmu } = yield* setup({ policy: { timeout: { attemptMs: 100 }, retry: { maxRetries: 1, baseDelayMs: 1, jitter: false } } })
        openaiEmu.script({ latencyMs: 30_000 })
        expect((yield* chain.run(generate)).provider).toBe("openai")
        const attempts = childrenOf(spans(), only(spans(), "generate_sql"))
        expect(attempts.map((s) => s.name)).toEqual([openaiSpan, openaiSpan])
        // The span wraps the attempt with its time limit applied: it fails as a Timeout.
        expect(attempts[0]!.attributes["error.type"]).toBe("Timeout")
        expect(attempts[0]!.attributes["gen_ai.usage.input_tokens"]).toBeUndefined()
        expect(attempts[1]!.attributes["status.interrupted"]).toBeUndefined()
        expect(attempts[1]!.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0)
      })
    ))

  it.live("a request pinned to a provider says so", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain } = yield* setup()
        yield* chain.run(generate, { pin: "anthropic" })
        const operation = only(spans(), "generate_sql")
        expect(operation.attributes["db_toolkit.ai.pinned"]).toBe("anthropic")
        expect(childrenOf(spans(), operation).map((s) => s.name)).toEqual([anthropicSpan])
      })
    ))

  it.live("each task is named after its operation", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain } = yield* setup()
        yield* chain.run(yield* Prepared.prepare("openai", { _tag: "ExplainSql", sql: "SELECT 1", dialect: "sqlite" }))
        yield* chain.run(yield* Prepared.prepare("openai", { _tag: "OptimizeSql", sql: "SELECT * FROM orders", dialect: "sqlite" }))
        yield* chain.run(yield* Prepared.prepare("openai", { _tag: "FixSql", sql: "SELEC 1", errorMessage: "syntax error", dialect: "sqlite" }))
        for (const name of ["explain_sql", "optimize_sql", "fix_sql"]) {
          const operation = only(spans(), name)
          expect(operation.attributes["db_toolkit.ai.operation"]).toBe(name)
          expect(childrenOf(spans(), operation).map((s) => s.name)).toEqual([openaiSpan])
        }
      })
    ))
})

describe("spans of a streamed operation", () => {
  it.live("the attempt span covers the stream: time to first chunk, then usage and finish reason", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain } = yield* setup({ primary: { defaults: { reply: REPLY, usage: { inputTokens: 200, outputTokens: 20 }, chunkDelayMs: 5 } } })
        const events = yield* Stream.runCollect(chain.stream(generate))
        expect([...events].at(-1)?._tag).toBe("Completed")

        const operation = only(spans(), "generate_sql")
        expect(operation.attributes).toMatchObject({ "db_toolkit.ai.stream": true, "db_toolkit.ai.provider": "openai" })
        const attempts = childrenOf(spans(), operation)
        expect(attempts.map((s) => s.name)).toEqual([openaiSpan])
        const attempt = attempts[0]!
        expect(attempt.kind).toBe(SpanKind.CLIENT)
        expect(attempt.attributes).toMatchObject({
          "gen_ai.request.stream": true,
          "gen_ai.response.model": "gpt-4.1-mini",
          "gen_ai.response.finish_reasons": ["stop"],
          "gen_ai.usage.input_tokens": 200,
          "gen_ai.usage.output_tokens": 20
        })
        const ttfc = attempt.attributes["gen_ai.response.time_to_first_chunk"] as number
        const duration = attempt.duration[0] + attempt.duration[1] / 1e9
        expect(ttfc).toBeGreaterThan(0)
        expect(ttfc).toBeLessThanOrEqual(duration)
        // The span ends with the stream, after the last chunk.
        const end = (s: ReadableSpan) => s.endTime[0] * 1e9 + s.endTime[1]
        expect(end(attempt)).toBeLessThanOrEqual(end(operation))
      })
    ))

  it.live("a stream that fails before its first text is retried: two attempt spans", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain, openaiEmu } = yield* setup({ policy: { retry: { maxRetries: 1, baseDelayMs: 1, jitter: false } } })
        openaiEmu.script(unavailable)
        yield* Stream.runDrain(chain.stream(generate))
        const attempts = childrenOf(spans(), only(spans(), "generate_sql"))
        expect(attempts.map((s) => [s.name, errorType(s)])).toEqual([[openaiSpan, "ProviderUnavailable"], [openaiSpan, undefined]])
        expect(attempts[0]!.attributes["gen_ai.response.time_to_first_chunk"]).toBeUndefined()
        expect(attempts[1]!.attributes["gen_ai.response.time_to_first_chunk"]).toBeGreaterThan(0)
      })
    ))

  it.live("a stream cut after its first text: the attempt and the operation fail with its tag", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain, openaiEmu } = yield* setup()
        openaiEmu.script({ fault: { _tag: "CutStream", afterChunks: 2 } })
        const exit = yield* Effect.exit(Stream.runDrain(chain.stream(generate)))
        expect(expectFailure<AiError.AiError>(exit)._tag).toBe("InvalidResponse")
        const operation = only(spans(), "generate_sql")
        expect(errorType(operation)).toBe("InvalidResponse")
        expect(operation.status.code).toBe(SpanStatusCode.ERROR)
        const [attempt] = childrenOf(spans(), operation)
        expect(errorType(attempt!)).toBe("InvalidResponse")
        expect(attempt!.status.code).toBe(SpanStatusCode.ERROR)
        expect(attempt!.attributes["gen_ai.response.time_to_first_chunk"]).toBeGreaterThan(0)
      })
    ))
})

describe("content and keys", () => {
  it.live("by default no prompt, schema, SQL or answer reaches a span, and no key", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain } = yield* setup({ primary: { defaults: { reply: REPLY } } })
        yield* chain.run(generate)
        yield* Stream.runDrain(chain.stream(generate))
        expect(spans().length).toBeGreaterThanOrEqual(4)
        const all = dump(spans())
        for (const secret of [SECRET_KEY, "Zebediah", "customer_id = 7", "customers", Prompts.system.slice(0, 40)]) {
          expect(all).not.toContain(secret)
        }
        for (const span of spans()) for (const key of contentKeys) expect(span.attributes[key]).toBeUndefined()
      })
    ))

  it.live("with capture on, the attempt records the prompt and the answer as the conventions say", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain } = yield* setup({ primary: { defaults: { reply: REPLY } } })
        yield* chain.run(generate).pipe(Telemetry.withContentCapture(true))

        const operation = only(spans(), "generate_sql")
        for (const key of contentKeys) expect(operation.attributes[key]).toBeUndefined()
        const [attempt] = childrenOf(spans(), operation)
        const system = JSON.parse(attempt!.attributes["gen_ai.system_instructions"] as string)
        expect(system).toEqual([{ type: "text", content: Prompts.system }])
        const input = JSON.parse(attempt!.attributes["gen_ai.input.messages"] as string)
        expect(input).toHaveLength(1)
        expect(input[0].role).toBe("user")
        expect(input[0].parts[0].type).toBe("text")
        expect(input[0].parts[0].content).toContain(PROMPT)
        expect(input[0].parts[0].content).toContain("customers") // the schema, as sent
        const output = JSON.parse(attempt!.attributes["gen_ai.output.messages"] as string)
        expect(output).toEqual([{ role: "assistant", parts: [{ type: "text", content: REPLY }], finish_reason: "stop" }])
        expect(dump(spans())).not.toContain(SECRET_KEY)
      })
    ))

  it.live("with capture on, streams record the prompt and the whole answer; failures and retries carry no key", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain, openaiEmu } = yield* setup({
          primary: { defaults: { reply: REPLY } },
          policy: { retry: { maxRetries: 1, baseDelayMs: 1, jitter: false } }
        })
        openaiEmu.script({ fault: { _tag: "Error", kind: "rate-limit", retryAfterSeconds: 0 } })
        yield* Stream.runDrain(chain.stream(generate)).pipe(Telemetry.withContentCapture(true))
        const attempts = childrenOf(spans(), only(spans(), "generate_sql"))
        expect(attempts.map(errorType)).toEqual(["RateLimited", undefined])
        // The failed attempt was sent the same prompt; it has no answer.
        expect(attempts[0]!.attributes["gen_ai.input.messages"]).toBe(attempts[1]!.attributes["gen_ai.input.messages"])
        expect(attempts[0]!.attributes["gen_ai.output.messages"]).toBeUndefined()
        const output = JSON.parse(attempts[1]!.attributes["gen_ai.output.messages"] as string)
        expect(output[0].parts[0].content).toBe(REPLY)
        expect(dump(spans())).not.toContain(SECRET_KEY)
      })
    ))

  it.live("with capture on, a provider refusing the key leaves no key in any span", () =>
    traced((spans) =>
      Effect.gen(function*() {
        const { chain } = yield* setup({ primary: { defaults: { fault: { _tag: "Error", kind: "auth" } } } })
        expect((yield* chain.run(generate).pipe(Telemetry.withContentCapture(true))).provider).toBe("anthropic")
        const all = dump(spans())
        expect(all).toContain("AuthenticationError")
        expect(all).toContain("Zebediah") // capture was on
        expect(all).not.toContain(SECRET_KEY)
      })
    ))
})

describe("Telemetry.layer", () => {
  const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.live("without OTEL_EXPORTER_OTLP_ENDPOINT it installs no tracer", () =>
    Effect.gen(function*() {
      const before = yield* Effect.tracer
      const inside = yield* Effect.tracer.pipe(Effect.provide(Telemetry.layer()), withEnv({}))
      expect(inside).toBe(before)
      const blank = yield* Effect.tracer.pipe(Effect.provide(Telemetry.layer()), withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "  " }))
      expect(blank).toBe(before)
    }).pipe(Effect.provide(HttpLive)))

  it.live("captureContent: true turns capture on for the program it is provided to (and only then)", () =>
    Effect.gen(function*() {
      expect(yield* Effect.provide(Telemetry.captureContent, Telemetry.layer({ captureContent: true }))).toBe(true)
      expect(yield* Effect.provide(Telemetry.captureContent, Telemetry.layer())).toBe(false)
      expect(yield* Telemetry.captureContent).toBe(false)
    }).pipe(withEnv({}), Effect.provide(HttpLive)))

  it.live("with an endpoint it exports the spans over OTLP/HTTP JSON, with the configured headers", () =>
    Effect.gen(function*() {
      const otlp = yield* collector
      yield* Effect.gen(function*() {
        const { chain } = yield* setup({ primary: { defaults: { reply: REPLY } } })
        yield* chain.run(generate)
      }).pipe(
        Effect.scoped,
        Effect.provide(Layer.mergeAll(Telemetry.layer(), AiEventsPubSub.layer)),
        withEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: `${otlp.url}/`,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_HEADERS: "x-collector-token=tok%20en"
        })
      )
      // Releasing the Layer sent what was buffered.
      const posts = otlp.received.filter((r) => r.path === "/v1/traces")
      expect(posts.length).toBeGreaterThanOrEqual(1)
      expect(posts[0]!.method).toBe("POST")
      expect(posts[0]!.headers["content-type"]).toContain("application/json")
      expect(posts[0]!.headers["x-collector-token"]).toBe("tok en")
      expect(posts[0]!.headers["traceparent"]).toBeUndefined()

      type KeyValue = { key: string; value: { stringValue?: string; intValue?: string | number; arrayValue?: { values: Array<{ stringValue?: string }> } } }
      type OtlpSpan = { name: string; kind: number; spanId: string; parentSpanId?: string; attributes: Array<KeyValue>; status: { code: number } }
      const bodies = posts.map((p) => JSON.parse(p.body.toString("utf8")))
      const resource = bodies[0].resourceSpans[0].resource.attributes as Array<KeyValue>
      expect(resource.find((a) => a.key === "service.name")?.value.stringValue).toBe("db-toolkit-ai")
      const spans: Array<OtlpSpan> = bodies.flatMap((b) => b.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)))
      const operation = spans.find((s) => s.name === "generate_sql")!
      const attempt = spans.find((s) => s.name === openaiSpan)!
      expect(attempt.parentSpanId).toBe(operation.spanId)
      expect(attempt.kind).toBe(3) // SPAN_KIND_CLIENT
      const attr = (key: string) => attempt.attributes.find((a) => a.key === key)?.value
      expect(attr("gen_ai.provider.name")?.stringValue).toBe("openai")
      expect(attr("gen_ai.response.finish_reasons")?.arrayValue?.values.map((v) => v.stringValue)).toEqual(["stop"])
      expect(Number(attr("gen_ai.usage.output_tokens")?.intValue)).toBeGreaterThan(0)
      const raw = posts.map((p) => p.body.toString("utf8")).join("\n")
      expect(raw).not.toContain(SECRET_KEY)
      expect(raw).not.toContain("Zebediah")
    }).pipe(Effect.scoped, Effect.provide(HttpLive), Logger.withMinimumLogLevel(LogLevel.Error)))

  it.live("protobuf by default; OTEL_SERVICE_NAME names the service", () =>
    Effect.gen(function*() {
      const otlp = yield* collector
      yield* Effect.gen(function*() {
        const { chain } = yield* setup()
        yield* chain.run(generate)
      }).pipe(
        Effect.scoped,
        Effect.provide(Layer.mergeAll(Telemetry.layer(), AiEventsPubSub.layer)),
        withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: "db-toolkit-desktop" })
      )
      const posts = otlp.received.filter((r) => r.path === "/v1/traces")
      expect(posts.length).toBeGreaterThanOrEqual(1)
      expect(posts[0]!.headers["content-type"]).toBe("application/x-protobuf")
      const raw = Buffer.concat(posts.map((p) => p.body))
      expect(raw.includes("db-toolkit-desktop")).toBe(true)
      expect(raw.includes(openaiSpan)).toBe(true)
      expect(raw.includes("gen_ai.usage.input_tokens")).toBe(true)
      expect(raw.includes(SECRET_KEY)).toBe(false)
    }).pipe(Effect.scoped, Effect.provide(HttpLive), Logger.withMinimumLogLevel(LogLevel.Error)))

  it.live("a bad setting is a ConfigError naming the variable, never echoing a header value", () =>
    Effect.gen(function*() {
      const build = (env: Record<string, string>) =>
        Effect.flip(Effect.scoped(Layer.build(Telemetry.layer()))).pipe(withEnv(env), Effect.map(String))
      expect(yield* build({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toContain("OTEL_EXPORTER_OTLP_ENDPOINT")
      expect(yield* build({ OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://collector" })).toContain("OTEL_EXPORTER_OTLP_ENDPOINT")
      expect(yield* build({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toContain(
        "OTEL_EXPORTER_OTLP_PROTOCOL"
      )
      const headers = yield* build({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_EXPORTER_OTLP_HEADERS: "SECRETVALUE123" })
      expect(headers).toContain("OTEL_EXPORTER_OTLP_HEADERS")
      expect(headers).not.toContain("SECRETVALUE123")
    }).pipe(Effect.provide(HttpLive)))
})

describe("GenAi attributes", () => {
  it("camelCase annotations become the conventions' keys; undefined values are left out", () => {
    expect(GenAi.toAttributes({
      operation: { name: "chat" },
      request: { model: "m", maxTokens: 10, temperature: undefined },
      response: { finishReasons: ["stop"], timeToFirstChunk: 0.25 },
      usage: { inputTokens: 1, outputTokens: 2 },
      systemInstructions: "[]",
      input: { messages: "[]" },
      server: { address: "h", port: 1 },
      error: { type: "Timeout" },
      dbToolkit: { operation: "fix_sql", requestId: undefined }
    })).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "m",
      "gen_ai.request.max_tokens": 10,
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.response.time_to_first_chunk": 0.25,
      "gen_ai.usage.input_tokens": 1,
      "gen_ai.usage.output_tokens": 2,
      "gen_ai.system_instructions": "[]",
      "gen_ai.input.messages": "[]",
      "server.address": "h",
      "server.port": 1,
      "error.type": "Timeout",
      "db_toolkit.ai.operation": "fix_sql"
    })
  })

  it("provider names use the conventions' well-known values where they exist", () => {
    expect(GenAi.providerName.openai).toBe(SemConv.GEN_AI_PROVIDER_NAME_VALUE_OPENAI)
    expect(GenAi.providerName.anthropic).toBe(SemConv.GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC)
    expect(GenAi.providerName["azure-openai"]).toBe(SemConv.GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI)
    expect(GenAi.providerName.gemini).toBe(SemConv.GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI)
    // No well-known value: names in the same style.
    expect([GenAi.providerName.cloudflare, GenAi.providerName.ollama]).toEqual(["cloudflare.workers_ai", "ollama"])
    expect(GenAi.chatOperation).toBe(SemConv.GEN_AI_OPERATION_NAME_VALUE_CHAT)
  })

  it("server address and port come from the endpoint, with the scheme's default port", () => {
    expect(GenAi.serverOf("https://api.openai.com/v1/chat/completions")).toEqual({ address: "api.openai.com", port: 443 })
    expect(GenAi.serverOf("http://localhost/api/chat")).toEqual({ address: "localhost", port: 80 })
    expect(GenAi.serverOf("http://[::1]:11434/api/chat")).toEqual({ address: "::1", port: 11434 })
    expect(GenAi.serverOf("not a url")).toBeUndefined()
    expect(GenAi.serverOf(undefined)).toBeUndefined()
  })

  it("finish reasons are spelled as the conventions spell them", () => {
    expect(GenAi.responseOf({ model: "m", finishReason: "content-filter", usage: { inputTokens: 0, outputTokens: 0 } }).response?.finishReasons)
      .toEqual(["content_filter"])
    expect(GenAi.answerContent("x", "tool-calls").output?.messages).toBe(
      JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "x" }], finish_reason: "tool_call" }])
    )
  })

  it("prompt content is the system instructions and the user message, as the conventions spell them", () => {
    const content = GenAi.promptContent({ system: "You write SQL.", user: "list orders" })
    expect(JSON.parse(content.systemInstructions!)).toEqual([{ type: "text", content: "You write SQL." }])
    expect(JSON.parse(content.input!.messages!)).toEqual([{ role: "user", parts: [{ type: "text", content: "list orders" }] }])
  })
})
