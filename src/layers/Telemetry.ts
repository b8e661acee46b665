/**
 * OpenTelemetry spans for the AI operations, following the GenAI semantic conventions, and the
 * Layer that exports them.
 *
 * Each operation is one span (`generate_sql`, `explain_sql` ...; kind INTERNAL) with one child per
 * provider attempt (`chat {model}`; kind CLIENT): a retry is a second child, a fallback a child
 * for the next provider. Attempt spans carry `gen_ai.operation.name`, `gen_ai.provider.name`,
 * `gen_ai.request.*`, `gen_ai.response.*`, `gen_ai.usage.*`, `server.address`/`server.port` and,
 * on failure, `error.type` (the `AiError` tag) with an error status. Token usage is only on the
 * attempt spans, so sums over GenAI spans count each call once.
 *
 * Prompts and answers are recorded only when the user opts in ({@link captureContent}); keys never
 * reach a span.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Headers from "@effect/platform/Headers"
import {
  Cause,
  Config,
  ConfigError,
  type Duration,
  Effect,
  Either,
  Exit,
  FiberRef,
  Layer,
  Option,
  Record,
  Redacted,
  type Scope,
  Stream,
  type Tracer
} from "effect"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import type { AiError } from "../domain/AiError.js"
import * as GenAi from "../internal/GenAi.js"
import type { ProviderId } from "../domain/ProviderId.js"
import type { Prepared } from "../domain/Prepared.js"
import type * as Prompts from "../domain/Prompts.js"
import type { SqlResult, SqlTaskTag } from "../domain/SqlTask.js"
import * as AiProvider from "../services/AiProvider.js"

// ---------------------------------------------------------------------------
// Content capture (opt-in)
// ---------------------------------------------------------------------------

/**
 * Whether spans record prompts and answers (`gen_ai.system_instructions`,
 * `gen_ai.input.messages`, `gen_ai.output.messages`). Off unless the user opts in: prompts hold
 * the user's schema, SQL and words.
 *
 * @since 0.1.0
 * @category Content
 */
export const captureContent: FiberRef.FiberRef<boolean> = globalValue(
  "@db-toolkit/ai/Telemetry/captureContent",
  () => FiberRef.unsafeMake(false)
)

/**
 * Runs an effect with content capture on or off. For a stream, wrap the effect that runs it
 * (`Stream.runForEach(...)`): the setting is read when each attempt starts.
 *
 * @since 0.1.0
 * @category Content
 */
export const withContentCapture: {
  (enabled: boolean): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, enabled: boolean): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(self: Effect.Effect<A, E, R>, enabled: boolean) => Effect.locally(self, captureContent, enabled))

// ---------------------------------------------------------------------------
// The typed helper
// ---------------------------------------------------------------------------

/**
 * Sets GenAI attributes on the current span; undefined values are skipped. List values
 * (`gen_ai.response.finish_reasons`) stay lists on OpenTelemetry SDK spans too.
 *
 * @since 0.1.0
 * @category Attributes
 */
const annotate = (annotations: GenAi.Annotations): Effect.Effect<void> =>
  Effect.matchEffect(Effect.currentSpan, {
    onFailure: () => Effect.void,
    onSuccess: (span) => Effect.sync(() => setAttributes(span, GenAi.toAttributes(annotations)))
  })

// On OpenTelemetry SDK spans (@effect/opentelemetry's NodeSdk), Effect's `span.attribute` turns
// lists into strings; the SDK span underneath keeps them. Found by its (global) type id rather
// than through `@effect/opentelemetry/Tracer`, whose import costs ~100 ms at startup.
const OtelSpanTypeId = Symbol.for("@effect/opentelemetry/Tracer/OtelSpan")
interface SdkSpan {
  readonly span: { readonly setAttributes: (attributes: Record<string, GenAi.AttributeValue>) => unknown }
}

const setAttributes = (span: Tracer.Span, attributes: Record<string, GenAi.AttributeValue>): void => {
  const sdk = OtelSpanTypeId in span ? (span as unknown as SdkSpan).span : undefined
  if (sdk !== undefined) sdk.setAttributes(attributes)
  else for (const [key, value] of Object.entries(attributes)) span.attribute(key, value)
}

const failed = (error: { readonly _tag: string }) => annotate({ error: { type: error._tag } })

const spanOptionsOf = (tag: SqlTaskTag, stream: boolean, pin: ProviderId | undefined): Tracer.SpanOptions => ({
  kind: "internal",
  captureStackTrace: false,
  attributes: GenAi.toAttributes({ dbToolkit: { operation: GenAi.operationOf[tag], stream, pinned: pin } })
})

// An operation's span options for a request that is not pinned, worked out once per operation.
const unpinned = {
  run: Record.map(GenAi.operationOf, (_, tag) => spanOptionsOf(tag, false, undefined)),
  stream: Record.map(GenAi.operationOf, (_, tag) => spanOptionsOf(tag, true, undefined))
}
const operationOptions = (tag: SqlTaskTag, stream: boolean, pin: ProviderId | undefined) =>
  pin === undefined ? unpinned[stream ? "stream" : "run"][tag] : spanOptionsOf(tag, stream, pin)

// ---------------------------------------------------------------------------
// Operation spans
// ---------------------------------------------------------------------------

/**
 * Per-operation choices the operation span records.
 *
 * @since 0.1.0
 * @category Models
 */
export interface OperationOptions {
  /** The provider the request was pinned to. */
  readonly pin?: ProviderId | undefined
}

/**
 * Wraps a whole operation (fallback and retries included) in its span, named after the library
 * operation (`generate_sql` ...). It records who served and how many providers failed first, or
 * the error's tag.
 *
 * @since 0.1.0
 * @category Spans
 */
export const operation = (task: { readonly _tag: SqlTaskTag }, options: OperationOptions = {}) =>
<A extends { readonly provider: ProviderId; readonly failed: ReadonlyArray<unknown> }, E extends { readonly _tag: string }, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  self.pipe(
    Effect.tap((served) => annotate({ dbToolkit: { provider: served.provider, fallbacks: served.failed.length } })),
    Effect.tapError(failed),
    Effect.withSpan(GenAi.operationOf[task._tag], operationOptions(task._tag, false, options.pin))
  )

/**
 * Wraps a whole streamed operation in its span, named after the library operation.
 *
 * @since 0.1.0
 * @category Spans
 */
export const operationStream = (task: { readonly _tag: SqlTaskTag }, options: OperationOptions = {}) =>
<A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> =>
  Stream.withSpan(self, GenAi.operationOf[task._tag], operationOptions(task._tag, true, options.pin))

/**
 * Has the current operation span record, when the current scope closes, the provider that
 * served (`served`, read then) or the error's tag: for a streamed operation, whose outcome is
 * known only when its stream ends.
 *
 * @since 0.1.0
 * @category Spans
 */
export const operationOutcome = (served: () => ProviderId | undefined): Effect.Effect<void, never, Scope.Scope> =>
  Effect.flatMap(Effect.option(Effect.currentSpan), (span) =>
    Option.isNone(span) ? Effect.void : Effect.addFinalizer((exit) =>
      Effect.sync(() => {
        const provider = served()
        if (provider !== undefined) setAttributes(span.value, GenAi.toAttributes({ dbToolkit: { provider } }))
        const tag = failureTag(exit)
        if (tag !== undefined) setAttributes(span.value, GenAi.toAttributes({ error: { type: tag } }))
      })
    ))

// The tag of the error an exit failed with, if it failed with one.
const failureTag = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
  const tag = Option.isSome(failure) ? (failure.value as { readonly _tag?: unknown } | null)?._tag : undefined
  return typeof tag === "string" ? tag : undefined
}

// ---------------------------------------------------------------------------
// Attempt spans
// ---------------------------------------------------------------------------

/**
 * A provider's attempt spans: their name and attributes, worked out once per provider (not per
 * call) from what the provider sends on every call.
 *
 * @since 0.1.0
 * @category Spans
 */
export interface AttemptSpans {
  readonly name: string
  readonly run: Tracer.SpanOptions
  readonly stream: Tracer.SpanOptions
  /** What the provider's prompts are fitted to, so a captured prompt is the one sent. */
  readonly budget: Prompts.Budget
}

/**
 * The attempt spans of a provider.
 *
 * @since 0.1.0
 * @category Spans
 */
export const attemptSpans = (service: AiProvider.Service): AttemptSpans => {
  const options = (stream: boolean) =>
    ({
      kind: "client",
      captureStackTrace: false,
      attributes: GenAi.toAttributes({
        operation: { name: GenAi.chatOperation },
        provider: { name: GenAi.providerName[service.provider] },
        request: { model: service.model, temperature: service.temperature, maxTokens: service.maxTokens, stream },
        server: GenAi.serverOf(service.endpoint),
        dbToolkit: { provider: service.provider }
      })
    }) as const
  return { name: GenAi.chatSpanName(service.model), run: options(false), stream: options(true), budget: AiProvider.budgetOf(service) }
}

// The prompt as sent, when content is captured (a prompt that could not be built has none).
const promptContent = (spans: AttemptSpans, request: Prepared): GenAi.Annotations =>
  Either.match(request.promptFor(spans.budget), { onLeft: () => ({}), onRight: GenAi.promptContent })

// What every attempt span says of its request: a repair round is marked as one.
const requestOf = (capture: boolean, spans: AttemptSpans, request: Prepared): GenAi.Annotations => ({
  ...(capture ? promptContent(spans, request) : {}),
  ...(request.repair !== undefined ? { dbToolkit: { repair: true } } : {})
})

const finished = (capture: boolean, result: SqlResult) =>
  annotate({
    ...GenAi.responseOf(result.meta),
    ...(capture ? GenAi.answerContent(result.raw, result.meta.finishReason) : {})
  })

/**
 * One call to one provider, in its own `chat {model}` span: each retry is a new attempt, in a
 * span of its own, and so is the repair round's call (marked `db_toolkit.ai.repair`).
 *
 * @since 0.1.0
 * @category Spans
 */
export const attempt = (spans: AttemptSpans, request: Prepared) =>
<A extends SqlResult>(call: Effect.Effect<A, AiError>): Effect.Effect<A, AiError> =>
  Effect.flatMap(FiberRef.get(captureContent), (capture) =>
    Effect.zipRight(
      annotate(requestOf(capture, spans, request)),
      call.pipe(
        Effect.tap((result) => finished(capture, result)),
        Effect.tapError(failed)
      )
    )).pipe(Effect.withSpan(spans.name, spans.run))

/**
 * The span of one streamed call to one provider, as the attempt sees it.
 *
 * @since 0.1.0
 * @category Spans
 */
export interface StreamSpan {
  /** Records the time from the start to the first text (`gen_ai.response.time_to_first_chunk`). */
  readonly firstText: (afterMs: number) => void
  /** Records the complete answer: usage, finish reason, and the answer itself when captured. */
  readonly completed: (result: SqlResult) => void
}

/**
 * Opens the `chat {model}` span of one streamed call in the current scope; it ends when the
 * scope closes, marked failed (with `error.type`, the `AiError` tag) when the scope's exit is a
 * failure. The stream's events are reported to it as they pass, with no stream stage of its own.
 *
 * @since 0.1.0
 * @category Spans
 */
export const streamSpan = (spans: AttemptSpans, request: Prepared): Effect.Effect<StreamSpan, never, Scope.Scope> =>
  Effect.flatMap(FiberRef.get(captureContent), (capture) =>
    Effect.flatMap(Effect.makeSpanScoped(spans.name, spans.stream), (span) => {
      setAttributes(span, GenAi.toAttributes(requestOf(capture, spans, request)))
      return Effect.as(
        Effect.addFinalizer((exit) =>
          Effect.sync(() => {
            const tag = failureTag(exit)
            if (tag !== undefined) setAttributes(span, GenAi.toAttributes({ error: { type: tag } }))
          })
        ),
        {
          firstText: (afterMs) => setAttributes(span, GenAi.toAttributes({ response: { timeToFirstChunk: afterMs / 1000 } })),
          completed: (result) =>
            setAttributes(
              span,
              GenAi.toAttributes({
                ...GenAi.responseOf(result.meta),
                ...(capture ? GenAi.answerContent(result.raw, result.meta.finishReason) : {})
              })
            )
        } satisfies StreamSpan
      )
    }))

// ---------------------------------------------------------------------------
// The Layer
// ---------------------------------------------------------------------------

/**
 * The `service.name` spans are exported under, unless `OTEL_SERVICE_NAME` says otherwise.
 *
 * @since 0.1.0
 * @category Constants
 */
const defaultServiceName = "db-toolkit-ai"

/**
 * Options of {@link layer}.
 *
 * @since 0.1.0
 * @category Layers
 */
export interface Options {
  /** The exported `service.name`; defaults to `OTEL_SERVICE_NAME`, then {@link defaultServiceName}. */
  readonly serviceName?: string | undefined
  /** The exported `service.version`; defaults to `OTEL_SERVICE_VERSION`. */
  readonly serviceVersion?: string | undefined
  /** Record prompts and answers on spans (the user's opt-in); off by default. */
  readonly captureContent?: boolean | undefined
  /** How often buffered spans are sent; 5 seconds by default. */
  readonly exportInterval?: Duration.DurationInput | undefined
  /** How long closing the Layer may wait for the last spans to be sent; 3 seconds by default. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
}

const invalid = (name: string, message: string) => ConfigError.InvalidData([name], message)

// The collector's base URL; `/v1/traces` is appended as the OTLP/HTTP spec says. Blank is unset.
const Endpoint = Config.option(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT")).pipe(
  Config.mapOrFail((value) => {
    const trimmed = Option.map(value, (s) => s.trim()).pipe(Option.filter((s) => s !== ""))
    if (Option.isNone(trimmed)) return Either.right(Option.none<string>())
    try {
      const url = new URL(trimmed.value)
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return Either.left(invalid("OTEL_EXPORTER_OTLP_ENDPOINT", "must be an http(s) URL"))
      }
      return Either.right(Option.some(trimmed.value.replace(/\/+$/, "")))
    } catch {
      return Either.left(invalid("OTEL_EXPORTER_OTLP_ENDPOINT", "must be an absolute URL such as http://localhost:4318"))
    }
  })
)

// `key=value,key2=value2`, values percent-encoded (W3C baggage style). Often a vendor's API key:
// read as Redacted, and the value is never put in an error.
const ExportHeaders = Config.option(Config.redacted("OTEL_EXPORTER_OTLP_HEADERS")).pipe(
  Config.mapOrFail((value) => {
    const headers: Record<string, string> = {}
    if (Option.isNone(value)) return Either.right(headers)
    for (const entry of Redacted.value(value.value).split(",")) {
      if (entry.trim() === "") continue
      const eq = entry.indexOf("=")
      const name = eq > 0 ? entry.slice(0, eq).trim().toLowerCase() : ""
      if (name === "") return Either.left(invalid("OTEL_EXPORTER_OTLP_HEADERS", "must be a list of name=value pairs"))
      try {
        headers[name] = decodeURIComponent(entry.slice(eq + 1).trim())
      } catch {
        return Either.left(invalid("OTEL_EXPORTER_OTLP_HEADERS", `has a badly encoded value for ${name}`))
      }
    }
    return Either.right(headers)
  })
)

const Protocol = Config.literal("http/protobuf", "http/json")("OTEL_EXPORTER_OTLP_PROTOCOL").pipe(
  Config.withDefault("http/protobuf" as const)
)

const ServiceName = Config.string("OTEL_SERVICE_NAME").pipe(Config.withDefault(defaultServiceName))

// Loaded only when spans are exported: an app that exports nothing does not pay for the exporter.
const exporter = Effect.promise(() => import("../vendor/otlp.js"))

/**
 * The telemetry Layer. When `OTEL_EXPORTER_OTLP_ENDPOINT` is set it installs a tracer that
 * exports spans over OTLP/HTTP to `{endpoint}/v1/traces` (protobuf, or JSON when
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`; headers from `OTEL_EXPORTER_OTLP_HEADERS`; resource
 * `service.name` {@link defaultServiceName} unless `OTEL_SERVICE_NAME` or the options say otherwise).
 * Otherwise it installs nothing: spans stay in-process and cost next to nothing.
 *
 * It sends with the `HttpClient` the app provides (as the providers do), with tracing of those
 * requests turned off. Spans still buffered are sent when the Layer is released.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<never, ConfigError.ConfigError, HttpClient.HttpClient> => {
  const capture = options.captureContent === true ? Layer.locallyScoped(captureContent, true) : Layer.empty
  return Layer.unwrapEffect(
    Effect.map(Endpoint, (endpoint) => {
      if (Option.isNone(endpoint)) return capture
      return Layer.unwrapEffect(
        Effect.map(Effect.all([Config.all([ExportHeaders, Protocol, ServiceName]), exporter]), ([[headers, protocol, serviceName], { OtlpSerialization, OtlpTracer }]) =>
          OtlpTracer.layer({
            url: `${endpoint.value}/v1/traces`,
            resource: { serviceName: options.serviceName ?? serviceName, serviceVersion: options.serviceVersion },
            headers,
            exportInterval: options.exportInterval,
            shutdownTimeout: options.shutdownTimeout
          }).pipe(
            Layer.provide(protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
            // The exporter's fiber starts here: its logs redact these headers too.
            Layer.locallyWith(Headers.currentRedactedNames, (names) => [...names, ...Object.keys(headers)]),
            Layer.merge(capture)
          ))
      )
    })
  )
}
