/**
 * The server behind `dbtk-ai ui`: the settings page and the HTTP API of the IPC channels
 * (`Api.ts`) on 127.0.0.1, answering with the IPC handlers themselves, for the length of a scope.
 *
 * ```ts
 * const server = yield* Server.make({ runtime })  // runtime: a ManagedRuntime of AiStack.layer(...)
 * console.log(server.url)                          // http://127.0.0.1:<port>/#token=...
 * ```
 *
 * Every request passes the guard first (`Access.ts`: Host, Origin, the token); a call's body is
 * read within bounds (`Body.ts`); the events are server-sent (`Events.ts`); the page's files come
 * from its built folder (`Page.ts`).
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, type Duration, Effect, Layer, type ManagedRuntime, PubSub, Redacted, type Scope, Stream } from "effect"
import * as Http from "node:http"
import * as Contract from "../../ipc/contract.js"
import type * as Handlers from "../../ipc/handlers.js"
import type * as AiStack from "../../layers/AiStack.js"
import * as Access from "./Access.js"
import * as Api from "./Api.js"
import * as Body from "./Body.js"
import * as Channels from "./Channels.js"
import * as Events from "./Events.js"
import * as Page from "./Page.js"

/**
 * Options.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The AI stack the channels run on; its owner disposes it, after the server. */
  readonly runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>
  /** The port on 127.0.0.1 (default 0: a free one). */
  readonly port?: number | undefined
  /** The built page's folder (default {@link Page.defaultDir}). */
  readonly pageDir?: string | undefined
  /** The largest body a call may send, in bytes (default {@link Body.maxBodyBytes}). */
  readonly maxBodyBytes?: number | undefined
  /** How often the event stream sends a keep-alive comment (default 15 seconds). */
  readonly keepAlive?: Duration.DurationInput | undefined
  /** The handlers' options: the app's connection lookup, the number of events kept. */
  readonly handlers?: Handlers.Options | undefined
}

/**
 * A running server.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Server {
  /** The page's address with the token: `http://127.0.0.1:<port>/#token=<token>`. */
  readonly url: string
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  readonly port: number
  /** This launch's token, which every call but the page's files carries as `Authorization: Bearer`. */
  readonly token: string
}

// One handler per channel; to the types, an endpoint named by a run-time string stands for every
// endpoint of the group, so the first handled starts the loop.
const channelsLayer = (channels: Channels.Channels, maxBodyBytes: number, answered: PubSub.PubSub<void>) =>
  HttpApiBuilder.group(Api.api, "channels", (handlers) => {
    const answer = (channel: string) => ({ request }: { readonly request: HttpServerRequest.HttpServerRequest }) =>
      Body.readArgs(request, maxBodyBytes).pipe(
        Effect.flatMap((args) => channels.call(channel, args)),
        Effect.tap(() => PubSub.publish(answered, undefined)),
        Effect.map((reply) => HttpServerResponse.unsafeJson(reply)),
        Effect.catchTag("BodyRefused", (refused) =>
          // The rest of a body too large is not read: the connection closes after the answer.
          Effect.succeed(Api.refuse(refused.status, refused.message).pipe(
            refused.status === 413 ? HttpServerResponse.setHeader("connection", "close") : (response) => response
          )))
      )
    const handle = (h: typeof handlers, channel: string) => h.handleRaw(channel, answer(channel))
    const [first, ...rest] = Contract.allChannels
    return rest.reduce(handle, handle(handlers, first!))
  })

const eventsLayer = (options: Options, channels: Channels.Channels, answered: PubSub.PubSub<void>) =>
  HttpApiBuilder.group(Api.api, "events", (handlers) =>
    handlers.handleRaw("stream", () =>
      Effect.succeed(HttpServerResponse.stream(
        Events.stream({
          runtime: options.runtime,
          status: channels.call("ai:providers:status", []),
          calls: Effect.map(PubSub.subscribe(answered), Stream.fromQueue),
          keepAlive: options.keepAlive
        }),
        { contentType: "text/event-stream" }
      ))))

const authorizationLayer = (token: string) =>
  Layer.succeed(Api.Authorization, {
    bearer: (presented) => Access.tokenMatches(Redacted.value(presented), token) ? Effect.void : Effect.fail(new HttpApiError.Unauthorized())
  })

/**
 * Starts the server on 127.0.0.1; it stops when the scope closes (open connections, the event
 * streams among them, are closed with it).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<Server, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const token = Access.generateToken()
    const channels = yield* Channels.register(options.runtime, options.handlers)
    // Each call answered: the event streams send the status again when it changed. Only the
    // latest signal matters to a stream that is behind.
    const answered = yield* PubSub.sliding<void>(1)
    const node = Http.createServer()
    const api = HttpApiBuilder.api(Api.api).pipe(
      Layer.provide([channelsLayer(channels, options.maxBodyBytes ?? Body.maxBodyBytes, answered), eventsLayer(options, channels, answered)]),
      Layer.provide(authorizationLayer(token))
    )
    // The guard needs the port, known once the server listens.
    const served = Layer.unwrapEffect(Effect.map(HttpServer.HttpServer, (server) =>
      HttpApiBuilder.serve(Access.guard({ token, port: portOf(server), isPublic: Page.isPublic })))).pipe(
        Layer.provide([HttpApiBuilder.middlewareOpenApi(), Page.layer(options.pageDir ?? Page.defaultDir())]),
        Layer.provide(api),
        Layer.provideMerge(NodeHttpServer.layer(() => node, { host: "127.0.0.1", port: options.port ?? 0 }))
      )
    const port = portOf(Context.get(yield* Layer.build(served), HttpServer.HttpServer))
    // Closing waits for every connection to end, and an event stream never does by itself.
    yield* Effect.addFinalizer(() => Effect.sync(() => node.closeAllConnections()))
    const origin = `http://127.0.0.1:${port}`
    return { url: `${origin}/#token=${token}`, origin, port, token }
  })

const portOf = (server: HttpServer.HttpServer): number => server.address._tag === "TcpAddress" ? server.address.port : 0
