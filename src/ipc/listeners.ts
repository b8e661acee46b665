/**
 * The plumbing between `ipcMain` and the handlers: a call's arguments are checked before any
 * handler reads them; every outcome (a failure, a defect, a runtime that cannot start) is
 * answered in the channel's shape and never thrown at the renderer; and the event subscription
 * that `ai:events:recent` reads, and that every call on the runtime waits for.
 *
 * @since 0.1.0
 */
import { Cause, Deferred, Effect, Exit, Fiber, FiberId, type ManagedRuntime, Stream } from "effect"
import * as Untrusted from "../internal/Untrusted.js"
import type * as AiStack from "../layers/AiStack.js"
import { AiEvents } from "../services/AiEvents.js"
import * as Contract from "./contract.js"
import * as Legacy from "./legacy.js"
import * as Requests from "./requests.js"
import type { HandlerContext, Route } from "./route.js"

// Arguments are checked against the contract's ceilings (the preload bridge checks the same, in
// one go, before it sends them), yielding between slices.
const checkArgs = (args: Requests.Args): Effect.Effect<void, Requests.InvalidIpcInput> =>
  Effect.mapError(Untrusted.checkYielding(args, Contract.inputBounds), (problem) => {
    const { field, message } = Contract.refusal(problem)
    return Requests.invalid(field, message)
  })

/**
 * The events a registration follows.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Events {
  /** Done once the subscription exists, or cannot be made, or is stopped: calls wait for it. */
  readonly subscribed: Deferred.Deferred<void>
  /** The last `limit` events, oldest first; all that are kept when `limit` is `undefined`. */
  readonly recent: (limit: number | undefined) => ReadonlyArray<Legacy.EventView>
  /** Stops following, and releases any call still waiting for the subscription. */
  readonly stop: () => void
}

/**
 * Follows the event hub (the one behind `AiService.events`) on `runtime`, keeping the last
 * `bufferSize` events (default 100). It subscribes through `AiEvents.subscribe`, which tells when
 * the subscription exists, so that no event a call causes is missed; `subscribed` is also done
 * when the runtime cannot start, so nothing waits forever.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const followEvents = (
  runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>,
  bufferSize: number | undefined
): Events => {
  const size = Math.max(1, Math.floor(bufferSize ?? 100))
  const recent: Array<Legacy.EventView> = []
  const subscribed = Deferred.unsafeMake<void>(FiberId.none)
  const follower = runtime.runFork(
    Effect.scoped(Effect.gen(function*() {
      const events = yield* (yield* AiEvents).subscribe
      yield* Deferred.succeed(subscribed, undefined)
      yield* Stream.runForEach(events, (event) =>
        Effect.sync(() => {
          recent.push(Legacy.eventView(event))
          if (recent.length > size) recent.splice(0, recent.length - size)
        }))
    })).pipe(Effect.ensuring(Deferred.succeed(subscribed, undefined)))
  )
  return {
    subscribed,
    recent: (limit) => {
      const count = limit ?? size
      return count === 0 ? [] : recent.slice(-count)
    },
    stop: () => {
      Deferred.unsafeDone(subscribed, Exit.void)
      Effect.runFork(Fiber.interrupt(follower))
    }
  }
}

// What `ipcMain.handle` is given for one channel.
type Listener = (event: unknown, ...args: Array<unknown>) => Promise<Legacy.Response>

type Body<R> = (args: Requests.Args) => Effect.Effect<Legacy.Response, Legacy.Failure, R>

// Failures become the channel's error shape, defects too (logged: they are bugs).
const answer = <R>(channel: string, effect: Effect.Effect<Legacy.Response, Legacy.Failure, R>) =>
  effect.pipe(
    Effect.catchAll((error) => Effect.succeed(Legacy.fromError(channel, error))),
    Effect.catchAllCause((cause) =>
      Effect.as(
        Effect.logError("An AI IPC handler failed unexpectedly", cause).pipe(Effect.annotateLogs({ channel })),
        Legacy.fromDefect(channel, Cause.squash(cause))
      )
    )
  )

const remoteListener = (
  runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>,
  subscribed: Deferred.Deferred<void>,
  channel: string,
  body: Body<AiStack.Services>
): Listener =>
  (_event, ...args) => {
    const program = answer(channel, Effect.zipRight(Effect.zipRight(checkArgs(args), Deferred.await(subscribed)), Effect.suspend(() => body(args))))
    // runPromise rejects only when the runtime itself cannot run (it failed to start, or was
    // disposed); that too is answered, never thrown at the renderer.
    return Promise.resolve()
      .then(() => runtime.runPromise(program))
      .catch((error: unknown) => Legacy.unavailable(channel, error))
  }

const localListener = (channel: string, body: Body<never>): Listener => (_event, ...args) =>
  Promise.resolve()
    .then(() => Effect.runPromise(answer(channel, Effect.zipRight(checkArgs(args), Effect.suspend(() => body(args))))))
    .catch((error: unknown) => Legacy.fromDefect(channel, error))

/**
 * The listeners of one registration: a channel's is its route's handler, given `context`, run on
 * `runtime` once `events` are followed (a remote route) or on its own (a local one).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const listeners = (
  runtime: ManagedRuntime.ManagedRuntime<AiStack.Services, unknown>,
  events: Events,
  context: HandlerContext
) =>
  (channel: string, route: Route): Listener =>
    route._tag === "Local"
      ? localListener(channel, (args) => route.handler(args, context))
      : remoteListener(runtime, events.subscribed, channel, (args) => route.handler(args, context))
