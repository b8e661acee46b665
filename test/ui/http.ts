/**
 * A raw HTTP client for the `dbtk-ai ui` server's tests (node:http, so that any Host, Origin or
 * Content-Length can be sent), a reader of its server-sent events, and the CLI as a child process
 * that stays up.
 */
import { Effect, type Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Http from "node:http"
import * as Path from "node:path"

/** What the server answered. */
export interface Reply {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
  readonly json: () => any
}

/** One request. `body` is sent as is (a string is sent as one chunk with its length). */
export interface Request {
  readonly method?: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  /** Chunks sent with `Transfer-Encoding: chunked` when an array. */
  readonly body?: string | ReadonlyArray<string>
}

/** Sends a request to 127.0.0.1:`port`; Host is the server's own unless given. */
export const send = (port: number, request: Request): Effect.Effect<Reply> =>
  Effect.async((resume) => {
    const req = Http.request({
      host: "127.0.0.1",
      port,
      method: request.method ?? "GET",
      path: request.path,
      headers: { host: `127.0.0.1:${port}`, ...request.headers },
      agent: false
    }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk) => (text += chunk))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) })))
    })
    // A server that answers before the whole body is sent may close the socket under the writer.
    req.on("error", (error) => resume(Effect.die(error)))
    if (Array.isArray(request.body)) for (const chunk of request.body) req.write(chunk)
    else if (typeof request.body === "string") req.setHeader("content-length", Buffer.byteLength(request.body)).write(request.body)
    req.end()
  })

/** POSTs `{ args }` (or the raw `body`) with the token. */
export const post = (port: number, token: string | undefined, path: string, body: unknown = {}, headers: Readonly<Record<string, string>> = {}) =>
  send(port, {
    method: "POST",
    path,
    headers: { "content-type": "application/json", ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

/** One server-sent event (a comment has `event: "comment"`). */
export interface SseEvent {
  readonly event: string
  readonly data: string
}

/** An open event stream: the events so far, and a wait for the next that matches. */
export interface EventStream {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly events: ReadonlyArray<SseEvent>
  /** The first event from `from` on (an index into `events`) that matches, within `timeoutMs`. */
  readonly waitFor: (match: (e: SseEvent) => boolean, options?: { readonly from?: number; readonly timeoutMs?: number }) => Effect.Effect<SseEvent>
}

/** Opens `GET /api/stream` for the length of the scope. */
export const openEvents = (port: number, headers: Readonly<Record<string, string>>): Effect.Effect<EventStream, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly stream: EventStream; readonly req: Http.ClientRequest }>((resume) => {
      const events: Array<SseEvent> = []
      const listeners = new Set<() => void>()
      const req = Http.get({ host: "127.0.0.1", port, path: "/api/stream", headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
        let buffer = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => {
          buffer += chunk
          let end: number
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            if (block.startsWith(":")) events.push({ event: "comment", data: block.slice(1).trim() })
            else {
              const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? ""
              events.push({ event: field("event"), data: field("data") })
            }
          }
          for (const listener of listeners) listener()
        })
        const waitFor: EventStream["waitFor"] = (match, options = {}) =>
          Effect.async<SseEvent>((resume) => {
            const check = () => {
              const found = events.slice(options.from ?? 0).find(match)
              if (found === undefined) return
              listeners.delete(check)
              clearTimeout(timer)
              resume(Effect.succeed(found))
            }
            const timer = setTimeout(() => {
              listeners.delete(check)
              resume(Effect.die(new Error(`no matching event; got ${JSON.stringify(events).slice(0, 2000)}`)))
            }, options.timeoutMs ?? 5_000)
            listeners.add(check)
            check()
          })
        resume(Effect.succeed({ stream: { status: res.statusCode ?? 0, headers: res.headers, events, waitFor }, req }))
      })
      req.on("error", (error) => resume(Effect.die(error)))
    }),
    ({ req }) => Effect.sync(() => req.destroy())
  ).pipe(Effect.map(({ stream }) => stream))

/** The CLI as a child process that runs until stopped, or until the scope closes. */
export interface Child {
  /** The first line it printed on stdout. */
  readonly firstLine: string
  readonly stderr: () => string
  /** Stops it with SIGTERM; its exit code. */
  readonly stop: Effect.Effect<number | null>
}

const root = Path.join(import.meta.dirname, "..", "..")

/** Starts `node --import tsx src/cli/main.ts ...args` and waits for its first line on stdout. */
export const spawnCli = (args: ReadonlyArray<string>): Effect.Effect<Child, never, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ChildProcess.spawn(process.execPath, ["--import", "tsx", Path.join(root, "src", "cli", "main.ts"), ...args], {
          cwd: root,
          env: { PATH: process.env.PATH ?? "" },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      // Stopped as a user would (so that it removes what it made), killed if it does not stop.
      (c) =>
        Effect.promise(() =>
          c.exitCode !== null || c.signalCode !== null
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
              const timer = setTimeout(() => c.kill("SIGKILL"), 5_000)
              c.once("exit", () => (clearTimeout(timer), resolve()))
              c.kill("SIGTERM")
            })
        )
    )
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += String(chunk)))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    const firstLine = yield* Effect.async<string>((resume) => {
      let out = ""
      child.stdout.on("data", (chunk) => {
        out += String(chunk)
        const end = out.indexOf("\n")
        if (end !== -1) resume(Effect.succeed(out.slice(0, end)))
      })
      void exited.then((code) => resume(Effect.die(new Error(`the CLI exited (${code}) before printing a line: ${stderr}`))))
    })
    return {
      firstLine,
      stderr: () => stderr,
      stop: Effect.promise(() => {
        child.kill("SIGTERM")
        return exited
      })
    }
  })
