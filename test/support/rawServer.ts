/**
 * A tiny loopback HTTP server that answers every request with exactly the bytes it is told to:
 * any status, any headers, the body in the given pieces (each its own write), then an end or a
 * destroyed connection. For tests of what a provider does with replies no emulator would send.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"
import type * as Emulator from "../../src/testing/Emulator.js"
import type { ProviderFixture } from "./fixtures/types.js"

/** One reply, byte for byte. */
export interface RawReply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Body pieces, written one after another (strings as UTF-8). */
  readonly body?: ReadonlyArray<string | Uint8Array> | undefined
  /** Destroy the connection after the body instead of ending the response. */
  readonly cut?: boolean | undefined
  /** Wait a tick between pieces, so they tend to arrive as separate reads. */
  readonly paced?: boolean | undefined
}

/** A running raw server. */
export interface RawServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** Sets what every following request gets. */
  readonly reply: (reply: RawReply | ((path: string) => RawReply)) => void
  /** Requests received so far. */
  readonly requests: () => number
  /** Responses whose connection the client closed before the whole body was written. */
  readonly abandoned: () => number
  /** Connections the client closed (the server closes none unless a reply says `cut`). */
  readonly closedByClient: () => number
  readonly close: () => Promise<void>
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

// Resolves when the socket can take more, or when the client went away.
const drained = (res: Http.ServerResponse) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done)
      res.off("close", done)
      resolve()
    }
    res.on("drain", done)
    res.on("close", done)
  })

/** Starts a raw server on 127.0.0.1 with a random port. */
export const start = (): Promise<RawServer> => {
  let current: RawReply | ((path: string) => RawReply) = { status: 200, body: ["{}"] }
  let requests = 0
  let abandoned = 0
  let closedByClient = 0
  let closing = false
  const sockets = new Set<import("node:net").Socket>()
  const cutSockets = new WeakSet<import("node:net").Socket>()

  const handle = async (req: Http.IncomingMessage, res: Http.ServerResponse) => {
    for await (const _ of req) void _
    requests++
    const reply = typeof current === "function" ? current(req.url ?? "/") : current
    let finished = false
    res.on("close", () => {
      if (!finished) abandoned++
    })
    res.writeHead(reply.status, reply.headers as Http.OutgoingHttpHeaders | undefined)
    res.flushHeaders()
    for (const piece of reply.body ?? []) {
      if (res.destroyed) return
      if (!res.write(piece)) await drained(res)
      if (reply.paced) await tick()
    }
    if (res.destroyed) return
    finished = true
    if (reply.cut) {
      await tick()
      cutSockets.add(req.socket)
      req.socket.destroy()
      return
    }
    res.end()
  }

  const server = Http.createServer((req, res) => {
    handle(req, res).catch(() => {
      cutSockets.add(req.socket)
      req.socket.destroy()
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => {
      sockets.delete(socket)
      if (!closing && !cutSockets.has(socket)) closedByClient++
    })
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        origin: `http://127.0.0.1:${port}`,
        reply: (r) => {
          current = r
        },
        requests: () => requests,
        abandoned: () => abandoned,
        closedByClient: () => closedByClient,
        close: () =>
          new Promise<void>((done) => {
            closing = true
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })
}

/** A raw server for the length of a scope. */
export const scoped: Effect.Effect<RawServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(start),
  (server) => Effect.promise(() => server.close())
)

/** The config field that holds a fixture's key (`apiToken` for Cloudflare, `apiKey` elsewhere). */
export const keyField = (fx: ProviderFixture): string => Object.keys(fx.wrongKey ?? { apiKey: "" })[0]!

/** A fixture's provider pointed at a raw server (any base path: the server answers every path),
 * configured with `key` and any other overrides. */
export const providerAt = (fx: ProviderFixture, server: RawServer, key: string, overrides: Record<string, unknown> = {}) =>
  fx.make({ origin: server.origin, baseUrl: `${server.origin}${fx.protocol.basePath}` } as Emulator.Emulator, { [keyField(fx)]: key, ...overrides })
