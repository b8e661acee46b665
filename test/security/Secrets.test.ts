/**
 * No key in logs, spans or errors: every provider runs its operations (and its errors) with a
 * capturing logger at the lowest level and a capturing tracer, and nothing they saw holds a key.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Logger, LogLevel, Option, Stream, Tracer } from "effect"
import * as Emulator from "../../src/testing/Emulator.js"
import { echoForms, leakedForm } from "../support/echo.js"
import { fixtures } from "../support/fixtures/index.js"
import { HttpLive, shopSchema } from "../support/http.js"
import * as Raw from "../support/rawServer.js"

const captureTracer = (sink: Array<string>) =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `${sink.length}`,
        traceId: "t",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => sink.push(JSON.stringify({ name, attributes: [...attributes] })),
        attribute: (k, v) => void attributes.set(k, v),
        event: (n, _t, a) => void sink.push(JSON.stringify({ event: n, a })),
        addLinks: () => undefined
      }
      return span
    },
    context: (f) => f()
  })

for (const fx of fixtures) {
  if (fx.apiKey === undefined) continue
  describe(`${fx.id}: no key leaks`, () => {
    it.live("through logs, spans and errors", () => {
      const seen: Array<string> = []
      const logger = Logger.make(({ message, annotations, cause }) => {
        seen.push(JSON.stringify({ message, annotations: [...annotations], cause: String(cause) }))
      })
      return Effect.scoped(Effect.gen(function*() {
        const emu = yield* Emulator.scoped(fx.protocol, { apiKey: fx.apiKey })
        const provider = yield* fx.make(emu)
        const bad = yield* fx.make(emu, fx.wrongKey)
        yield* Effect.logDebug("start", emu.baseUrl)
        const r = yield* provider.generateSql({ prompt: "list orders", schema: shopSchema, dialect: "postgresql" })
        seen.push(JSON.stringify(r))
        seen.push(JSON.stringify(Exit.isSuccess(yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" }))))))
        for (const kind of ["auth", "rate-limit", "server"] as const) {
          emu.script({ fault: { _tag: "Error", kind, message: `echo ${fx.apiKey}` } })
          const exit = yield* Effect.exit(provider.generateSql({ prompt: "x", dialect: "generic" }))
          const error = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.causeOption(exit)) : undefined
          seen.push(JSON.stringify(error), String(error))
          yield* Effect.logError("failed", error)
        }
        const test = yield* bad.testConnection
        seen.push(JSON.stringify(test), test.details, String(test.error))
        yield* Effect.logWarning(test.error ?? "no error")
      })).pipe(
        Effect.withTracer(captureTracer(seen)),
        Effect.withSpan("outer"),
        Effect.provide(Layer.merge(HttpLive, Logger.replace(Logger.defaultLogger, logger))),
        Logger.withMinimumLogLevel(LogLevel.All),
        Effect.map(() => {
          expect(seen.length).toBeGreaterThan(5)
          const all = seen.join("\n")
          expect(all).not.toContain(fx.apiKey!)
          expect(all).toContain("***")
        })
      )
    })

    it.live("nor through an echo in a request-id header, or JSON-escaped or URL-encoded in a body or a stream", () => {
      // A key with what escapers and encoders change: quotes, backslashes, a space, non-ASCII.
      const key = "sk-\"ab\\cd é+%/ef 0123456789"
      const seen: Array<string> = []
      const logger = Logger.make(({ message, annotations, cause }) => {
        seen.push(JSON.stringify({ message, annotations: [...annotations], cause: String(cause) }))
      })
      return Effect.scoped(Effect.gen(function*() {
        const server = yield* Raw.scoped
        const provider = yield* Raw.providerAt(fx, server, key)
        for (const form of echoForms(key)) {
          const headers = { "content-type": "application/json", "x-request-id": form, "request-id": form, "apim-request-id": form, "cf-ray": form }
          const error = fx.protocol.error("auth", { message: `bad key ${form}`, model: "m", requestId: form })
          for (const served of [
            { status: error.status === 200 ? 401 : error.status, headers, body: [error.body] },
            { status: 500, headers, body: [JSON.stringify({ detail: form })] },
            { status: 200, headers: { ...headers, "content-type": "text/event-stream" }, body: [fx.protocol.streamError("auth", form)] }
          ]) {
            server.reply(served)
            const exit = yield* Effect.exit(provider.generateSql({ prompt: "x", dialect: "generic" }))
            const failure = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.causeOption(exit)) : undefined
            seen.push(JSON.stringify(failure), String(failure))
            yield* Effect.logError("failed", failure)
            const streamed = yield* Effect.exit(Stream.runDrain(provider.stream({ _tag: "ExplainSql", sql: "SELECT 1", dialect: "generic" })))
            yield* Effect.logError("stream failed", Exit.isFailure(streamed) ? streamed.cause : undefined)
            const test = yield* provider.testConnection
            seen.push(JSON.stringify(test), test.details)
            yield* Effect.logWarning(test.error ?? "no error")
          }
        }
      })).pipe(
        Effect.withTracer(captureTracer(seen)),
        Effect.withSpan("outer"),
        Effect.provide(Layer.merge(HttpLive, Logger.replace(Logger.defaultLogger, logger))),
        Logger.withMinimumLogLevel(LogLevel.All),
        Effect.map(() => {
          expect(seen.length).toBeGreaterThan(20)
          const all = seen.join("\n")
          expect(leakedForm(all, key)).toBeUndefined()
          expect(all).toContain("***")
        })
      )
    })
  })
}
