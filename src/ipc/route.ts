/**
 * What a channel's handler is: a function of one call's arguments and of the registration's
 * `HandlerContext`, routed to the AI runtime (`remote`) or run without one (`local`).
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import type * as Dialect from "../domain/Dialect.js"
import type * as AiStack from "../layers/AiStack.js"
import type * as Legacy from "./legacy.js"
import type * as Requests from "./requests.js"

/**
 * What one registration gives its handlers besides the arguments.
 *
 * @since 0.1.0
 * @category Models
 */
export interface HandlerContext {
  /** The dialect a request is written for, through the app's connection lookup. */
  readonly dialectOf: (target: Requests.Target) => Effect.Effect<Dialect.Dialect>
  /** Its database type as the app names it (`mongodb` included), through the same lookup. */
  readonly dbTypeOf: (target: Requests.Target) => Effect.Effect<string>
  /** The last `limit` events, oldest first; all that are kept when `limit` is `undefined`. */
  readonly recentEvents: (limit: number | undefined) => ReadonlyArray<Legacy.EventView>
}

/**
 * A handler that needs the AI stack's services.
 *
 * @since 0.1.0
 * @category Models
 */
export type Handler = (
  args: Requests.Args,
  context: HandlerContext
) => Effect.Effect<Legacy.Response, Legacy.Failure, AiStack.Services>

/**
 * A rule-based handler: no service, so it answers even when the AI stack cannot start.
 *
 * @since 0.1.0
 * @category Models
 */
export type LocalHandler = (args: Requests.Args, context: HandlerContext) => Effect.Effect<Legacy.Response, Legacy.Failure>

/**
 * A channel's handler and where it runs.
 *
 * @since 0.1.0
 * @category Models
 */
export type Route =
  | { readonly _tag: "Remote"; readonly handler: Handler }
  | { readonly _tag: "Local"; readonly handler: LocalHandler }

/**
 * A route run on the AI runtime.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const remote = (handler: Handler): Route => ({ _tag: "Remote", handler })

/**
 * A route run without the AI runtime.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const local = (handler: LocalHandler): Route => ({ _tag: "Local", handler })
