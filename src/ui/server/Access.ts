/**
 * Who may talk to the `dbtk-ai ui` server, checked before any route runs. The server binds
 * 127.0.0.1 only, and a page in the browser is the threat: another site's script, or one that
 * rebinds its own name to 127.0.0.1.
 *
 * - `Host` must name this server (`127.0.0.1:<port>` or `localhost:<port>`), else 421: a
 *   rebound name is refused before anything is read.
 * - `Origin`, when sent, must be this server's, else 403.
 * - Every call but the page itself carries `Authorization: Bearer <token>`, else 401: the token
 *   is made per launch and reaches the page only in the URL's fragment, which no request carries.
 * - Every answer is `no-store`, `nosniff`, not framable, under a strict content security policy.
 *
 * @since 0.1.0
 */
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import * as Crypto from "node:crypto"
import { refuse } from "./Api.js"

/**
 * A token for one launch: 32 random bytes, base64url.
 *
 * @since 0.1.0
 * @category Tokens
 */
export const generateToken = (): string => Crypto.randomBytes(32).toString("base64url")

// Digests have one length whatever was sent, so the comparison takes the same time for any input.
const digest = (text: string) => Crypto.createHash("sha256").update(text, "utf8").digest()

/**
 * Whether `presented` is the token, compared in constant time.
 *
 * @since 0.1.0
 * @category Tokens
 */
export const tokenMatches = (presented: string, token: string): boolean => Crypto.timingSafeEqual(digest(presented), digest(token))

/**
 * Whether an `Authorization` header is `Bearer <token>`.
 *
 * @since 0.1.0
 * @category Tokens
 */
export const bearerMatches = (header: string | undefined, token: string): boolean => {
  const presented = /^Bearer +(\S+) *$/i.exec(header ?? "")?.[1]
  return tokenMatches(presented ?? "", token) && presented !== undefined
}

/**
 * The origins a request may come from: this server's, by address or by `localhost`.
 *
 * @since 0.1.0
 * @category Checks
 */
export const origins = (port: number): ReadonlyArray<string> => [`http://127.0.0.1:${port}`, `http://localhost:${port}`]

/**
 * What the guard needs.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly token: string
  /** The port the server listens on. */
  readonly port: number
  /** The paths served without the token: the page itself. */
  readonly isPublic: (path: string) => boolean
}

/**
 * The headers every answer carries: never cached, never sniffed, never framed; the page may load
 * only its own files and talk only to this server (no inline script, no other site).
 *
 * @since 0.1.0
 * @category Constants
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin"
}

const secured = (response: HttpServerResponse.HttpServerResponse) => HttpServerResponse.setHeaders(response, securityHeaders)

/**
 * Why a request is refused, as its answer, or `undefined` when it may go on.
 *
 * @since 0.1.0
 * @category Checks
 */
export const refusal = (options: Options) => {
  const allowedOrigins = new Set(origins(options.port))
  const allowedHosts = new Set([...allowedOrigins].map((origin) => origin.slice("http://".length)))
  return (request: HttpServerRequest.HttpServerRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const { authorization, host, origin } = request.headers
    if (host === undefined || !allowedHosts.has(host.toLowerCase())) return refuse(421, "This server answers only as 127.0.0.1 or localhost on its own port")
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) return refuse(403, "Requests from other sites are refused")
    const path = request.url.split("?", 1)[0] ?? ""
    if (!options.isPublic(path) && !bearerMatches(authorization, options.token)) {
      return refuse(401, "Missing or wrong token: send Authorization: Bearer <the token of the page's URL>")
    }
    return undefined
  }
}

/**
 * The server's middleware: refuses what {@link refusal} refuses, and secures every answer.
 *
 * @since 0.1.0
 * @category Middleware
 */
export const guard = (options: Options) => {
  const refused = refusal(options)
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const refusal = refused(request)
      if (refusal !== undefined) return Effect.succeed(secured(refusal))
      // A pre-response handler reaches the answers the app fails with (404, 500) as well.
      return Effect.zipRight(HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(secured(response))), app)
    })
}
