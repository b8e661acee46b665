/**
 * Span capture for tests: an OpenTelemetry SDK that keeps finished spans in memory, helpers to
 * walk the span tree, and a tiny OTLP/HTTP collector on 127.0.0.1 that records what it receives.
 *
 * Assert on `exporter.getFinishedSpans()` inside the scope of the tracing layer: releasing the
 * layer shuts the exporter down, which empties it.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, type Layer, type Scope } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** An in-memory exporter and the SDK layer that feeds it (every span exported as it ends). */
export const inMemoryTracing = (serviceName = "db-toolkit-ai-test"): { readonly exporter: InMemorySpanExporter; readonly layer: Layer.Layer<never> } => {
  const exporter = new InMemorySpanExporter()
  const layer = NodeSdk.layer(() => ({ resource: { serviceName }, spanProcessor: new SimpleSpanProcessor(exporter) }))
  return { exporter, layer: layer as Layer.Layer<never> }
}

/** The spans with this name, in the order they ended. */
export const named = (spans: ReadonlyArray<ReadableSpan>, name: string): Array<ReadableSpan> => spans.filter((s) => s.name === name)

/** The one span with this name (throws when there is not exactly one). */
export const only = (spans: ReadonlyArray<ReadableSpan>, name: string): ReadableSpan => {
  const found = named(spans, name)
  if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}: ${spans.map((s) => s.name).join(", ")}`)
  return found[0]!
}

/** The direct children of a span, in the order they started. */
export const childrenOf = (spans: ReadonlyArray<ReadableSpan>, parent: ReadableSpan): Array<ReadableSpan> =>
  spans
    .filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])

/** Everything a span could leak through, as one string: names, attributes, events, status, resource. */
export const dump = (spans: ReadonlyArray<ReadableSpan>): string =>
  JSON.stringify(spans.map((s) => ({
    name: s.name,
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    status: s.status,
    links: s.links,
    resource: s.resource.attributes
  })))

/** A request the collector received. */
export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly body: Buffer
}

/** A local OTLP/HTTP collector: answers 200 to everything and records each request. */
export interface Collector {
  readonly url: string
  readonly received: ReadonlyArray<Received>
}

/** Starts a collector on 127.0.0.1 for the length of a scope. */
export const collector: Effect.Effect<Collector, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<{ readonly server: Http.Server; readonly collector: Collector }>((resume) => {
    const received: Array<Received> = []
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        received.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) })
        res.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ server, collector: { url: `http://127.0.0.1:${port}`, received } }))
    })
  }),
  ({ server }) => Effect.async<void>((resume) => {
    server.closeAllConnections()
    server.close(() => resume(Effect.void))
  })
).pipe(Effect.map(({ collector }) => collector))
