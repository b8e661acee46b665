/**
 * What every provider does on the wire, written once: send a request, turn transport failures
 * and error statuses into `AiError`s, read bodies within the `reply` limits (size, JSON depth),
 * decode JSON bodies with a Schema, open streaming bodies, read `Retry-After`, keep keys out of
 * every error and request id.
 *
 * @since 0.1.0
 * @internal
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Chunk, Clock, Duration, Effect, Either, type ParseResult, type Redacted, Schema, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import { reply } from "../../domain/Limits.js"
import { displayName, type ProviderId } from "../../domain/ProviderId.js"
import type { ChatChunk } from "../../services/AiProvider.js"
import * as Json from "./Json.js"
import * as Lines from "./Lines.js"
import * as Ndjson from "./Ndjson.js"
import * as Scrub from "./Scrub.js"
import * as Sse from "./Sse.js"

/**
 * What is known about a failed HTTP exchange, for a provider to classify.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export interface ErrorInfo {
  readonly provider: ProviderId
  readonly status: number
  readonly headers: Headers.Headers
  /** The body parsed as JSON (within the `reply` limits), or undefined when it was not JSON. It is
   * not scrubbed: strings read from it go through {@link describe}, {@link common} or `clean`. */
  readonly body: unknown
  /** The body as text, scrubbed of keys and cut to `reply.errorTextChars`. */
  readonly text: string
  /** Scrubbed and cut to `reply.requestIdChars`. */
  readonly requestId: string | undefined
  /** The method and URL (without its query) the error answered, when it answered a request. */
  readonly request?: string | undefined
  readonly retryAfter: Duration.Duration | undefined
  /** Scrubs provider text of keys and cuts it to `maxChars` (see `Scrub.Scrubber.clean`). */
  readonly clean: (text: string, maxChars: number) => string
}

/**
 * How a provider turns a failed exchange into an error.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export type ClassifyError = (info: ErrorInfo) => AiError.AiError

const cleanCode = (info: ErrorInfo, code: string | undefined): string | undefined =>
  code === undefined || code === "" ? undefined : info.clean(code, reply.requestIdChars)

/**
 * The common fields of an error built from an exchange; `code` (read from the body) is scrubbed
 * and bounded.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const common = (info: ErrorInfo, code: string | undefined) => {
  const c = cleanCode(info, code)
  return {
    provider: info.provider,
    status: info.status,
    ...(c !== undefined ? { code: c } : {}),
    ...(info.requestId !== undefined ? { requestId: info.requestId } : {})
  }
}

/**
 * A readable message: `OpenAI: <what the provider said> (HTTP 429, rate_limit_exceeded, request req_1)`.
 * What the provider said is scrubbed and kept to `reply.errorTextChars`.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const describe = (info: ErrorInfo, said: string | undefined, code?: string | undefined): string => {
  const details = [`HTTP ${info.status}`, cleanCode(info, code), info.requestId ? `request ${info.requestId}` : undefined]
    .filter((d) => d !== undefined && d !== "")
    .join(", ")
  const told = said === undefined ? "" : info.clean(said, reply.errorTextChars).trim()
  const what = told !== "" ? told : info.text !== "" ? info.text : "no details"
  return `${displayName[info.provider]}: ${what} (${details})`
}

/**
 * A 404 about the route, not the model: the base URL (Azure: the endpoint) does not serve the
 * provider's API. The message names the URL that was tried and what to check, so a wrong base is
 * never taken for a missing model.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const routeNotFound = (
  info: ErrorInfo,
  check: string,
  options: { readonly field?: string | undefined; readonly code?: string | undefined } = {}
): AiError.ConfigInvalid =>
  new AiError.ConfigInvalid({
    ...common(info, options.code),
    field: options.field ?? "baseUrl",
    reason: `does not serve the ${displayName[info.provider]} API (HTTP ${info.status})`,
    message: describe(info, `${info.request ?? "the request"} was not found; ${check}`, options.code)
  })

/**
 * The classification every provider starts from, by HTTP status alone.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const byStatus = (
  info: ErrorInfo,
  said: string | undefined,
  code: string | undefined,
  model: string
): AiError.AiError => {
  const fields = { ...common(info, code), message: describe(info, said, code) }
  const s = info.status
  if (s === 401) return new AiError.AuthenticationError(fields)
  if (s === 402) return new AiError.QuotaExhausted(fields)
  if (s === 403) return new AiError.PermissionDenied(fields)
  if (s === 404) return new AiError.ModelNotFound({ ...fields, model })
  if (s === 408 || s === 504) return new AiError.Timeout({ ...fields, phase: "request" })
  if (s === 413) return new AiError.ContextTooLong(fields)
  if (s === 429) return new AiError.RateLimited({ ...fields, ...(info.retryAfter ? { retryAfter: info.retryAfter } : {}) })
  if (s === 409 || s >= 500) return new AiError.ProviderUnavailable(fields)
  return new AiError.InvalidRequest(fields)
}

// How much of a provider's text the classifiers' pattern tests read. The phrases they look for
// come first; and a regex over megabytes of hostile text can take quadratic time (`.*x` or
// `[.\s]+$` retried from every position).
const MATCH_CHARS = 2_048

/**
 * The start of what a provider said, for pattern tests (`/maximum context length/`): at most
 * 2,048 characters, so no pattern ever runs over a whole reply.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const excerpt = (said: string | undefined): string =>
  said === undefined ? "" : said.length > MATCH_CHARS ? said.slice(0, MATCH_CHARS) : said

/**
 * A token count read from any JSON (stream events are read without a Schema): a non-negative
 * safe integer, else undefined. Anything else would make usage, cost and budget figures wrong.
 *
 * @since 0.1.0
 * @category Parsing
 * @internal
 */
export const tokenCount = (u: unknown): number | undefined =>
  typeof u === "number" && Number.isSafeInteger(u) && u >= 0 ? u : undefined

/**
 * The info with a request id read from the body (Anthropic's `request_id`, Ollama's `(ref: …)`),
 * scrubbed and bounded, when the headers gave none (stream errors have no headers of their own).
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const withBodyRequestId = (info: ErrorInfo, id: unknown): ErrorInfo =>
  info.requestId === undefined && typeof id === "string" && id !== ""
    ? { ...info, requestId: info.clean(id, reply.requestIdChars) }
    : info

/**
 * The HTTP status an error written in a body claims (an in-band error's `code` or `status`): an
 * integer from 400 to 599, as a number or its digits, or else `fallback`. Anything else (an
 * object, a fraction, a huge number) would make no valid error.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const errorStatus = (u: unknown, fallback: number): number => {
  const n = typeof u === "number" ? u : typeof u === "string" && /^\d{3}$/.test(u) ? Number(u) : Number.NaN
  return Number.isInteger(n) && n >= 400 && n <= 599 ? n : fallback
}

// ---------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------

/**
 * The first of these headers that is present.
 *
 * @since 0.1.0
 * @category Headers
 * @internal
 */
export const header = (headers: Headers.Headers, names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const v = headers[name]
    if (v !== undefined && v !== "") return v
  }
  return undefined
}

/**
 * How long the provider asks to wait: `retry-after-ms`, then `retry-after` in seconds or as an
 * HTTP date. Undefined when absent or unreadable.
 *
 * @since 0.1.0
 * @category Headers
 * @internal
 */
export const retryAfter = (headers: Headers.Headers, nowMs: number): Duration.Duration | undefined => {
  const ms = headers["retry-after-ms"]
  if (ms !== undefined) {
    const n = Number(ms)
    if (Number.isFinite(n) && n >= 0) return Duration.millis(n)
  }
  const ra = headers["retry-after"]
  if (ra === undefined || ra.trim() === "") return undefined
  const seconds = Number(ra)
  if (Number.isFinite(seconds)) return seconds >= 0 ? Duration.seconds(seconds) : undefined
  const date = Date.parse(ra)
  return Number.isNaN(date) ? undefined : Duration.millis(Math.max(0, date - nowMs))
}

/**
 * Reads a Google-style duration (`"37s"`, `"1.5s"`); undefined when unreadable or not finite.
 *
 * @since 0.1.0
 * @category Headers
 * @internal
 */
export const parseSecondsDuration = (s: unknown): Duration.Duration | undefined => {
  if (typeof s !== "string") return undefined
  const m = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(s)
  const ms = m ? Math.round(Number(m[1]) * 1000) : Number.NaN
  return Number.isFinite(ms) ? Duration.millis(ms) : undefined
}

// ---------------------------------------------------------------------------
// Config values in URLs
// ---------------------------------------------------------------------------

const configInvalid = (provider: ProviderId, field: string, reason: string) =>
  new AiError.ConfigInvalid({ provider, field, reason, message: `Invalid ${provider} configuration: ${field} ${reason}` })

/**
 * A config value percent-encoded for a URL, or `ConfigInvalid` naming the field when it cannot be
 * encoded (`encodeURIComponent` throws on a lone UTF-16 surrogate; that must never escape as a
 * defect from building a provider).
 *
 * @since 0.1.0
 * @category URLs
 * @internal
 */
export const urlComponent = (provider: ProviderId, field: string, value: string): Either.Either<string, AiError.ConfigInvalid> => {
  try {
    return Either.right(encodeURIComponent(value))
  } catch {
    return Either.left(configInvalid(provider, field, "contains an invalid character (a lone UTF-16 surrogate)"))
  }
}

/**
 * A config value as one URL path segment: {@link urlComponent}, and never `.` or `..`, which a URL
 * resolves as dot segments (the request would go to another path).
 *
 * @since 0.1.0
 * @category URLs
 * @internal
 */
export const pathSegment = (provider: ProviderId, field: string, value: string): Either.Either<string, AiError.ConfigInvalid> =>
  value === "." || value === ".." ? Either.left(configInvalid(provider, field, "must not be . or ..")) : urlComponent(provider, field, value)

// ---------------------------------------------------------------------------
// Transport failures
// ---------------------------------------------------------------------------

const causeCodes = (cause: unknown): Array<string> => {
  const codes: Array<string> = []
  let c: unknown = cause
  for (let depth = 0; depth < 6 && typeof c === "object" && c !== null; depth++) {
    const code = (c as { code?: unknown }).code
    if (typeof code === "string") codes.push(code)
    const errors = (c as { errors?: unknown }).errors
    if (Array.isArray(errors)) for (const e of errors) codes.push(...causeCodes(e))
    c = (c as { cause?: unknown }).cause
  }
  return codes
}

/**
 * A failure to exchange anything with the provider (refused, reset, DNS, TLS), as an `AiError`.
 *
 * @since 0.1.0
 * @category Errors
 * @internal
 */
export const transportError = (
  provider: ProviderId,
  error: HttpClientError.RequestError,
  hint?: (code: string | undefined) => string | undefined
): AiError.AiError => {
  const where = safeOrigin(error.request.url)
  const name = displayName[provider]
  if (error.reason === "InvalidUrl") {
    return new AiError.ConfigInvalid({ provider, field: "baseUrl", reason: "is not a valid URL", message: `${name}: invalid URL ${where}` })
  }
  if (error.reason === "Encode") {
    return new AiError.InvalidRequest({ provider, message: `${name}: the request body could not be encoded` })
  }
  const codes = causeCodes(error.cause)
  const code = codes.find((c) => /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(c))
  if (code !== undefined && /TIMEOUT|ETIMEDOUT/.test(code)) {
    return new AiError.Timeout({ provider, code, phase: "request", message: `${name}: no answer from ${where} in time (${code})` })
  }
  const what = code === "ECONNREFUSED"
    ? `could not connect to ${where}: connection refused`
    : code === "ENOTFOUND" || code === "EAI_AGAIN"
    ? `could not resolve ${where}`
    : code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE"
    ? `the connection to ${where} was reset`
    : `could not reach ${where}${code ? ` (${code})` : ""}`
  const extra = hint?.(code)
  return new AiError.ProviderUnavailable({
    provider,
    ...(code ? { code } : {}),
    message: `${name}: ${what}${extra ? `. ${extra}` : ""}`
  })
}

const safeOrigin = (url: string): string => {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}`
  } catch {
    return "the configured URL"
  }
}

// ---------------------------------------------------------------------------
// Exchanges
// ---------------------------------------------------------------------------

/**
 * A provider's way of talking HTTP, built once per provider instance. Every error it gives is
 * scrubbed of the configured keys and bounded (see `Scrub`), and every body it reads is bounded
 * (`reply.bodyBytes`, `reply.jsonDepth`).
 *
 * @since 0.1.0
 * @category Models
 * @internal
 */
export interface Wire {
  /** Sends a request and decodes a 2xx JSON body with `schema`. */
  readonly json: <A, I>(
    request: HttpClientRequest.HttpClientRequest,
    schema: Schema.Schema<A, I>
  ) => Effect.Effect<Exchange<A>, AiError.AiError>
  /** Sends a request and returns a 2xx response whose body is still to be read. */
  readonly open: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<HttpClientResponse.HttpClientResponse, AiError.AiError>
  /** The body of an open response; a connection lost mid-way is an `InvalidResponse`. */
  readonly body: (response: HttpClientResponse.HttpClientResponse) => Stream.Stream<Uint8Array, AiError.AiError>
  /** The body of an open response as server-sent events, each bounded. */
  readonly events: (response: HttpClientResponse.HttpClientResponse) => Stream.Stream<Sse.SseEvent, AiError.AiError>
  /** The body of an open response as NDJSON records (non-empty lines), each bounded. */
  readonly lines: (response: HttpClientResponse.HttpClientResponse) => Stream.Stream<string, AiError.AiError>
  /** The whole body of an open response as text, at most `reply.bodyBytes`. */
  readonly text: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<string, AiError.AiError>
  /** Decodes a value with `schema`, mapping a mismatch to `InvalidResponse` (which names the path
   * and the expected type, never the value). */
  readonly decode: <A, I>(schema: Schema.Schema<A, I>) => (u: unknown, requestId?: string | undefined) => Effect.Effect<A, AiError.AiError>
  /** Classifies an error payload received with HTTP 200 (inside a stream, or a `success:false`
   * envelope). `text`: the payload as received, when at hand (shown when the payload says nothing
   * readable). */
  readonly inBand: (status: number, body: unknown, requestId: string | undefined, text?: string | undefined) => AiError.AiError
  /** The request id of a response, scrubbed and bounded. */
  readonly requestId: (headers: Headers.Headers) => string | undefined
  /** A request id read from a body, scrubbed and bounded; undefined unless a non-empty string. */
  readonly id: (u: unknown) => string | undefined
  /** Scrubs provider text and cuts it to `maxChars`, for anything built from a reply that is
   * shown (connection-test details). */
  readonly clean: (text: string, maxChars: number) => string
  /** The error with every string field scrubbed and bounded, for errors a provider builds itself
   * from a reply. */
  readonly seal: <E extends AiError.AiError>(error: E) => E
}

/**
 * A decoded 2xx exchange.
 *
 * @since 0.1.0
 * @category Models
 * @internal
 */
export interface Exchange<A> {
  readonly value: A
  readonly requestId: string | undefined
  readonly headers: Headers.Headers
}

/**
 * How a provider's wire is set up.
 *
 * @since 0.1.0
 * @category Models
 * @internal
 */
export interface WireOptions {
  readonly provider: ProviderId
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  readonly classify: ClassifyError
  /** Response headers that carry the request id, most specific first. */
  readonly requestIdHeaders: ReadonlyArray<string>
  /** Extra advice for connection failures (Ollama: "is it running?"). */
  readonly transportHint?: (code: string | undefined) => string | undefined
}

const KEY_HEADERS = ["authorization", "x-api-key", "api-key", "x-goog-api-key"]
const addKeyHeaders = (names: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> => [...names, ...KEY_HEADERS]

const MIB = 1024 * 1024

// A path segment as shown in a decode error: property names of our schemas and indices as they
// are; anything else (a key of a record, chosen by the reply) is not repeated.
const pathPart = (p: PropertyKey): string =>
  typeof p === "number" ? String(p) : typeof p === "string" && /^[A-Za-z_$][\w$-]{0,63}$/.test(p) ? p : "[key]"

/**
 * Where a decode failed and what was expected there, from the first issue: the schema's own words
 * only. Schema's formatted messages quote the actual value ("Expected string, actual …"), which
 * may be megabytes of reply, or a key.
 */
interface Issue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly expected: string
}

const firstIssue = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): Issue => {
  switch (issue._tag) {
    case "Pointer":
      return firstIssue(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])])
    case "Composite":
      return firstIssue(Array.isArray(issue.issues) ? issue.issues[0] : issue.issues as ParseResult.ParseIssue, path)
    case "Transformation":
      return firstIssue(issue.issue, path)
    case "Refinement":
      return issue.kind === "From" ? firstIssue(issue.issue, path) : { path, expected: String(issue.ast) }
    case "Type":
    case "Forbidden":
      return { path, expected: String(issue.ast) }
    case "Missing":
      return { path, expected: "a value, and it is missing" }
    case "Unexpected":
      return { path, expected: "nothing there" }
  }
}

// The whole body, or an error saying why not.
type Read = { readonly _tag: "Text"; readonly text: string } | { readonly _tag: "TooLarge" } | { readonly _tag: "Cut" }

const utf8 = new TextDecoder("utf-8")

const decodeUtf8 = (parts: ReadonlyArray<Uint8Array>, size: number): string => {
  if (parts.length === 1) return utf8.decode(parts[0])
  const all = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    all.set(p, at)
    at += p.length
  }
  return utf8.decode(all)
}

const contentLength = (headers: Headers.Headers): number | undefined => {
  const v = headers["content-length"]
  return v !== undefined && /^\d{1,16}$/.test(v) ? Number(v) : undefined
}

/**
 * Reads a whole body, at most `reply.bodyBytes`. A body whose `content-length` is within the
 * limit is read whole (HTTP/1.1 delivers no more than it declares; the fast path). Any other is
 * read chunk by chunk and counted: past the limit (or at the first chunk, when `content-length`
 * says it will be), reading stops, which closes the connection.
 */
const readBounded = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Read> => {
  const declared = contentLength(response.headers)
  return declared !== undefined && declared <= reply.bodyBytes
    ? Effect.match(response.text, { onFailure: (): Read => ({ _tag: "Cut" }), onSuccess: (text): Read => ({ _tag: "Text", text }) })
    : readCounted(response, declared)
}

const readCounted = (response: HttpClientResponse.HttpClientResponse, declared: number | undefined): Effect.Effect<Read> =>
  Effect.suspend(() => {
    const parts: Array<Uint8Array> = []
    let size = 0
    const tooLarge = { _tag: "TooLarge" } as const
    return response.stream.pipe(
      Stream.runForEachChunk((chunk) => {
        if (declared !== undefined && declared > reply.bodyBytes) return Effect.fail(tooLarge)
        for (const bytes of chunk) {
          size += bytes.length
          if (size > reply.bodyBytes) return Effect.fail(tooLarge)
          parts.push(bytes)
        }
        return Effect.void
      }),
      Effect.matchEffect({
        onFailure: (e) => Effect.succeed<Read>(e._tag === "TooLarge" ? e : { _tag: "Cut" }),
        onSuccess: () => Effect.sync((): Read => ({ _tag: "Text", text: decodeUtf8(parts, size) }))
      })
    )
  })

/**
 * Builds a provider's {@link Wire} on the `HttpClient` in context. The client's own tracing span
 * and trace-header propagation are turned off: a third-party provider must not receive internal
 * trace ids, and the library records its own GenAI spans.
 *
 * @since 0.1.0
 * @category Constructors
 * @internal
 */
export const make = (options: WireOptions): Effect.Effect<Wire, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (http): Wire => {
    const { provider } = options
    const name = displayName[provider]
    const client = http.pipe(
      HttpClient.withTracerDisabledWhen(() => true),
      // Anything that prints a request (a debug log, an error) redacts every provider's key header.
      HttpClient.transformResponse(Effect.locallyWith(Headers.currentRedactedNames, addKeyHeaders))
    )
    const scrubber = Scrub.make(options.secrets)
    const { clean, seal } = scrubber
    const requestId = (headers: Headers.Headers) => scrubber.id(header(headers, options.requestIdHeaders))
    const id = (u: unknown) => (typeof u === "string" ? scrubber.id(u) : undefined)

    const invalid = (message: string, rid: string | undefined, status?: number) =>
      seal(
        new AiError.InvalidResponse({
          provider,
          message: `${name}: ${message}`,
          ...(status !== undefined ? { status } : {}),
          ...(rid ? { requestId: rid } : {})
        })
      )

    const classify = (info: Omit<ErrorInfo, "clean" | "text">, text: string) =>
      seal(options.classify({ ...info, text: clean(text, reply.errorTextChars), clean }))

    // The error body is parsed as it came (never scrubbed text: replacing a key inside JSON text
    // can break the JSON or change its values); the classifier's strings are scrubbed after.
    const fromStatus = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.flatMap(Effect.zip(readBounded(response), Clock.currentTimeMillis), ([read, now]) => {
        const rid = requestId(response.headers)
        if (read._tag === "TooLarge") {
          return Effect.fail(invalid(`the error response (HTTP ${response.status}) is larger than ${reply.bodyBytes / MIB} MiB`, rid, response.status))
        }
        const text = read._tag === "Text" ? read.text : ""
        const body = text === "" ? undefined : Either.getOrUndefined(Json.parse(text))
        const url = new URL(response.request.url)
        return Effect.fail(classify({
          provider,
          status: response.status,
          headers: response.headers,
          body,
          requestId: rid,
          retryAfter: retryAfter(response.headers, now),
          request: `${response.request.method} ${url.origin}${url.pathname}`
        }, text))
      })

    const open = (request: HttpClientRequest.HttpClientRequest) =>
      client.execute(request).pipe(
        Effect.catchTags({
          RequestError: (e) => Effect.fail(transportError(provider, e, options.transportHint)),
          ResponseError: (e) => Effect.fail(invalid(`could not read the response (${e.reason})`, undefined))
        }),
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300 ? Effect.succeed(response) : fromStatus(response)
        )
      )

    const decode = <A, I>(schema: Schema.Schema<A, I>) => {
      const run = Schema.decodeUnknownEither(schema)
      return (u: unknown, rid?: string | undefined): Effect.Effect<A, AiError.AiError> =>
        Either.match(run(u), {
          onRight: Effect.succeed,
          onLeft: (error) => {
            const issue = firstIssue(error.issue, [])
            const at = issue.path.length > 0 ? ` at ${issue.path.map(pathPart).join(".")}` : ""
            return Effect.fail(invalid(`unexpected response${at}: expected ${issue.expected}`, rid))
          }
        })
    }

    const text = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.flatMap(readBounded(response), (read) =>
        read._tag === "Text"
          ? Effect.succeed(read.text)
          : Effect.fail(invalid(
            read._tag === "TooLarge" ? `the response is larger than ${reply.bodyBytes / MIB} MiB` : "the response was cut off",
            requestId(response.headers)
          )))

    const json = <A, I>(request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>) => {
      const decodeBody = decode(schema)
      return Effect.flatMap(open(request), (response) => {
        const rid = requestId(response.headers)
        return text(response).pipe(
          Effect.flatMap((body) =>
            body === ""
              ? Effect.succeed(null)
              : Either.match(Json.parse(body), {
                onLeft: (problem) => Effect.fail(invalid(Json.describe("the response body", problem), rid)),
                onRight: Effect.succeed
              })
          ),
          Effect.flatMap((u) => decodeBody(u, rid)),
          Effect.map((value): Exchange<A> => ({ value, requestId: rid, headers: response.headers }))
        )
      })
    }

    const body = (response: HttpClientResponse.HttpClientResponse) =>
      response.stream.pipe(
        Stream.catchTag("ResponseError", () =>
          Stream.fail(invalid("the stream was cut off before it finished", requestId(response.headers))))
      )

    const tooLong = (response: HttpClientResponse.HttpClientResponse, what: string) => () =>
      invalid(`${what} is larger than ${Lines.maxRecordChars / MIB} MiB`, requestId(response.headers))

    const events = (response: HttpClientResponse.HttpClientResponse) =>
      Sse.events(body(response), tooLong(response, "a stream event"))

    const lines = (response: HttpClientResponse.HttpClientResponse) =>
      Ndjson.records(body(response), tooLong(response, "a stream line"))

    // The payload is classified as parsed; only the strings taken from it are scrubbed (see
    // `seal`). Without the text as received, a readable form of the payload stands in for it.
    const inBand = (status: number, u: unknown, rid: string | undefined, raw?: string | undefined) =>
      classify(
        { provider, status, headers: {} as Headers.Headers, body: u, requestId: rid, retryAfter: undefined },
        raw ?? preview(u)
      )

    return { json, open, body, events, lines, text, decode, inBand, requestId, id, clean, seal }
  })

// A parsed payload as text for a message. Payloads come through `Json.parse`, so nesting is
// bounded and `JSON.stringify` cannot overflow; the try is for anything else.
const preview = (u: unknown): string => {
  try {
    return JSON.stringify(u) ?? ""
  } catch {
    return ""
  }
}

/**
 * Parses one JSON document from a stream record within the `reply` limits, mapping bad JSON (or
 * JSON nested too deep) to `InvalidResponse`. `requestId` must already be clean.
 *
 * @since 0.1.0
 * @category Parsing
 * @internal
 */
export const parseJson = (
  provider: ProviderId,
  text: string,
  requestId: string | undefined,
  what = "a stream event"
): Either.Either<unknown, AiError.AiError> =>
  Either.mapLeft(Json.parse(text), (problem) =>
    new AiError.InvalidResponse({
      provider,
      message: `${displayName[provider]}: ${Json.describe(what, problem)}`,
      ...(requestId ? { requestId } : {})
    }))

/**
 * Maps each element to zero or more outputs, or to an error that ends the stream. Runs once per
 * chunk, not per element, so a burst of stream events costs one step.
 *
 * @since 0.1.0
 * @category Streams
 * @internal
 */
export const mapConcatEither = <A, B, E2>(f: (a: A) => Either.Either<ReadonlyArray<B>, E2>) =>
<E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<B, E | E2, R> =>
  Stream.mapChunksEffect(self, (chunk) => {
    const out: Array<B> = []
    for (const a of chunk) {
      const r = f(a)
      if (r._tag === "Left") return Effect.fail(r.left)
      for (const b of r.right) out.push(b)
    }
    return Effect.succeed(Chunk.unsafeFromArray(out))
  })

/**
 * A provider's stream records as chat chunks, the one way every provider ends a stream: `read`
 * turns each record into deltas (or an error, for in-band error events) and keeps the decoder's
 * state; after the last record, `finish` gives the single `Finish` chunk, or the stream fails
 * with `InvalidResponse` because the answer is incomplete (never a silent partial answer).
 *
 * @since 0.1.0
 * @category Streams
 * @internal
 */
export const chatStream = <R>(options: {
  readonly provider: ProviderId
  readonly records: Stream.Stream<R, AiError.AiError>
  readonly read: (record: R) => Either.Either<ReadonlyArray<ChatChunk>, AiError.AiError>
  /** Whether the protocol's end marker arrived; reading stops there. Omitted where the stream
   * just closes (Gemini). */
  readonly ended?: (() => boolean) | undefined
  /** The `Finish` chunk, or undefined when the answer is incomplete. */
  readonly finish: () => ChatChunk | undefined
  /** What a complete stream ends with, for the error message (`[DONE]`, `message_stop` ...). */
  readonly marker: string
  readonly requestId: () => string | undefined
}): Stream.Stream<ChatChunk, AiError.AiError> => {
  const { ended, read } = options
  const body = ended ? Stream.takeWhile(options.records, () => !ended()) : options.records
  const end = Stream.suspend(() => {
    const chunk = options.finish()
    if (chunk !== undefined) return Stream.make(chunk)
    const requestId = options.requestId()
    return Stream.fail(
      new AiError.InvalidResponse({
        provider: options.provider,
        message: `${displayName[options.provider]}: the stream ended before ${options.marker}; the answer is incomplete`,
        ...(requestId ? { requestId } : {})
      })
    )
  })
  return Stream.concat(mapConcatEither(read)(body), end)
}
