/**
 * The server-sent events of `GET /api/stream`: at connect an `event: status` with what
 * `ai:providers:status` answers; then, for each provider event (a fallback, a provider down,
 * disabled or recovered, a budget near its limit), `event: ai-event` with the event as
 * `ai:events:recent` lists it, followed by a fresh `event: status`; a fresh `event: status` too
 * when a call has changed it (a provider saved, a request served by a fallback: the event comes
 * while the request runs, before the status says who served it); and a comment every 15 seconds
 * so that nothing between closes an idle connection. The subscription ends with the response:
 * when the client goes, the stream is interrupted.
 *
 * @since 0.1.0
 */
import { Duration, Effect, type ManagedRuntime, type Scope, Stream } from "effect"
import * as Legacy from "../../ipc/legacy.js"
import type * as AiStack from "../../layers/AiStack.js"
import { AiEvents } from "../../services/AiEvents.js"

/**
 * How often a keep-alive comment is sent by default.
 *
 * @since 0.1.0
 * @category Constants
 */
export const keepAliveInterval: Duration.Duration = Duration.seconds(15)

/**
 * One event in the `text/event-stream` format (JSON has no raw newline, so `data` is one line).
 *
 * @since 0.1.0
 * @category Encoding
 */
export const frame = (event: string, data: unknown): string => encoded(event, JSON.stringify(data))

const encoded = (event: string, json: string) => `event: ${event}\ndata: ${json}\n\n`

/**
 * The events for one client, as bytes. `status` is the `ai:providers:status` answer; `calls`
 * signals each call answered.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const stream = (options: {
  readonly runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>
  readonly status: Effect.Effect<unknown>
  readonly calls: Effect.Effect<Stream.Stream<unknown>, never, Scope.Scope>
  readonly keepAlive?: Duration.DurationInput | undefined
}): Stream.Stream<Uint8Array> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    // Subscribed before the first status is read, so no event falls between the two. A stack that
    // could not start has no events: its status says why.
    const events = yield* options.runtime.runtimeEffect.pipe(
      Effect.flatMap((runtime) => Effect.provide(AiEvents, runtime)),
      Effect.flatMap((hub) => hub.subscribe),
      Effect.orElseSucceed(() => Stream.never)
    )
    const calls = yield* options.calls
    // The last status sent, so that a call that changed nothing sends none.
    let sent = ""
    const status = (always: boolean) =>
      Effect.map(options.status, (answer) => {
        const json = JSON.stringify(answer)
        if (!always && json === sent) return ""
        sent = json
        return encoded("status", json)
      })
    const first = yield* status(true)
    const afterEvents = Stream.mapEffect(events, (event) => Effect.map(status(true), (s) => frame("ai-event", Legacy.eventView(event)) + s))
    const afterCalls = Stream.filter(Stream.mapEffect(calls, () => status(false)), (s) => s !== "")
    const pings = Stream.tick(options.keepAlive ?? keepAliveInterval).pipe(Stream.drop(1), Stream.as(": keep-alive\n\n"))
    return Stream.concat(Stream.succeed(first), Stream.mergeAll([afterEvents, afterCalls, pings], { concurrency: "unbounded" }))
  })).pipe(Stream.encodeText)
