/**
 * What every provider does on the wire, written once: send a request, turn transport failures
 * and error statuses into `AiError`s, decode JSON bodies with a Schema, open streaming bodies,
 * read `Retry-After`, keep keys out of every message.
 *
 * @since 0.1.0
 * @internal
 */
import { Headers, HttpClient, type HttpClientError, type HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Chunk, Clock, Duration, Effect, Either, ParseResult, Redacted, Schema, Stream } from "effect"
import * as AiError from "../../domain/AiError.js"
import { displayName, type ProviderId } from "../../domain/ProviderId.js"
import type { ChatChunk } from "../../services/AiProvider.js"

/**
 * What is known about a failed HTTP exchange, for a provider to classify.
 *
 * @since 0.1.0
 * @internal
 */
export interface ErrorInfo {
  readonly provider: ProviderId
  readonly status: number
  readonly headers: Headers.Headers
  /** The body parsed as JSON, or undefined when it was not JSON. */
  readonly body: unknown
  /** The body as text (already scrubbed of keys), cut to a readable length. */
  readonly text: string
  readonly requestId: string | undefined
  readonly retryAfter: Duration.Duration | undefined
}

/**
 * How a provider turns a failed exchange into an error.
 *
 * @since 0.1.0
 * @internal
 */
export type ClassifyError = (info: ErrorInfo) => AiError.AiError

/**
 * The common fields of an error built from an exchange.
 *
 * @since 0.1.0
 * @internal
 */
export const common = (info: ErrorInfo, code: string | undefined) => ({
  provider: info.provider,
  status: info.status,
  ...(code !== undefined && code !== "" ? { code } : {}),
  ...(info.requestId !== undefined ? { requestId: info.requestId } : {})
})

/**
 * A readable message: `OpenAI: <what the provider said> (HTTP 429, rate_limit_exceeded, request req_1)`.
 *
 * @since 0.1.0
 * @internal
 */
export const describe = (info: ErrorInfo, said: string | undefined, code?: string | undefined): string => {
  const details = [`HTTP ${info.status}`, code, info.requestId ? `request ${info.requestId}` : undefined]
    .filter((d) => d !== undefined && d !== "")
    .join(", ")
  const what = said !== undefined && said.trim() !== "" ? said.trim() : info.text !== "" ? info.text : "no details"
  return `${displayName[info.provider]}: ${what} (${details})`
}

/**
 * The classification every provider starts from, by HTTP status alone.
 *
 * @since 0.1.0
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

// ---------------------------------------------------------------------------
// Keys out of messages
// ---------------------------------------------------------------------------

const KEY_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\bsk-[A-Za-z0-9_*.-]{6,}/g, "sk-***"],
  [/\bAIza[0-9A-Za-z_-]{10,}/g, "AIza***"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 ***"],
  [/([?&](?:key|api[-_]?key|token|access_token)=)[^&\s"]+/gi, "$1***"]
]

/**
 * Removes keys from text a provider sent back: the configured secrets verbatim, and anything
 * shaped like a key (OpenAI echoes part of a wrong key in its 401 message).
 *
 * @since 0.1.0
 * @internal
 */
export const scrub = (text: string, secrets: ReadonlyArray<Redacted.Redacted<string>>): string => {
  let out = text
  for (const secret of secrets) {
    const value = Redacted.value(secret)
    if (value.length >= 4) out = out.split(value).join("***")
  }
  for (const [pattern, replacement] of KEY_PATTERNS) out = out.replace(pattern, replacement)
  return out
}

// ---------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------

/**
 * The first of these headers that is present.
 *
 * @since 0.1.0
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
 * Reads a Google-style duration (`"37s"`, `"1.5s"`).
 *
 * @since 0.1.0
 * @internal
 */
export const parseSecondsDuration = (s: unknown): Duration.Duration | undefined => {
  if (typeof s !== "string") return undefined
  const m = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(s)
  return m ? Duration.millis(Math.round(Number(m[1]) * 1000)) : undefined
}

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
 * A provider's way of talking HTTP, built once per provider instance.
 *
 * @since 0.1.0
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
  /** Decodes a value with `schema`, mapping a mismatch to `InvalidResponse`. */
  readonly decode: <A, I>(schema: Schema.Schema<A, I>) => (u: unknown, requestId?: string | undefined) => Effect.Effect<A, AiError.AiError>
  /** Classifies an error payload received with HTTP 200 (inside a stream). */
  readonly inBand: (status: number, body: unknown, requestId: string | undefined) => AiError.AiError
  readonly requestId: (headers: Headers.Headers) => string | undefined
  readonly scrub: (text: string) => string
}

/**
 * A decoded 2xx exchange.
 *
 * @since 0.1.0
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

const MAX_ERROR_TEXT = 600

const KEY_HEADERS = ["authorization", "x-api-key", "api-key", "x-goog-api-key"]
const addKeyHeaders = (names: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> => [...names, ...KEY_HEADERS]

/**
 * Builds a provider's {@link Wire} on the `HttpClient` in context. The client's own tracing span
 * and trace-header propagation are turned off: a third-party provider must not receive internal
 * trace ids, and the library records its own GenAI spans.
 *
 * @since 0.1.0
 * @internal
 */
export const make = (options: WireOptions): Effect.Effect<Wire, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (http): Wire => {
    const { provider } = options
    const client = http.pipe(
      HttpClient.withTracerDisabledWhen(() => true),
      // Anything that prints a request (a debug log, an error) redacts every provider's key header.
      HttpClient.transformResponse(Effect.locallyWith(Headers.currentRedactedNames, addKeyHeaders))
    )
    const scrubText = (text: string) => scrub(text, options.secrets)
    const requestId = (headers: Headers.Headers) => header(headers, options.requestIdHeaders)

    const invalid = (message: string, rid: string | undefined) =>
      new AiError.InvalidResponse({
        provider,
        message: `${displayName[provider]}: ${scrubText(message)}`,
        ...(rid ? { requestId: rid } : {})
      })

    const fromStatus = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.flatMap(
        Effect.either(response.text),
        (text) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            // Parse the scrubbed text: classifiers then never see a key the provider echoed back.
            const clean = scrubText(Either.getOrElse(text, () => ""))
            let body: unknown
            try {
              body = clean === "" ? undefined : JSON.parse(clean)
            } catch {
              body = undefined
            }
            return Effect.fail(
              options.classify({
                provider,
                status: response.status,
                headers: response.headers,
                body,
                text: clean.length > MAX_ERROR_TEXT ? `${clean.slice(0, MAX_ERROR_TEXT)}…` : clean,
                requestId: requestId(response.headers),
                retryAfter: retryAfter(response.headers, now)
              })
            )
          })
      )

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
            const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
            const at = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : ""
            return Effect.fail(invalid(`unexpected response${at}: ${issue?.message ?? "malformed"}`, rid))
          }
        })
    }

    const json = <A, I>(request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>) => {
      const decodeBody = decode(schema)
      return Effect.flatMap(open(request), (response) => {
        const rid = requestId(response.headers)
        return response.json.pipe(
          Effect.catchTag("ResponseError", (e) =>
            Effect.fail(invalid(e.reason === "Decode" ? "the response body is not valid JSON" : "the response was cut off", rid))),
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

    const inBand = (status: number, u: unknown, rid: string | undefined) => {
      const text = scrubText(JSON.stringify(u) ?? "")
      return options.classify({
        provider,
        status,
        headers: {} as Headers.Headers,
        body: JSON.parse(text === "" ? "null" : text),
        text: text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text,
        requestId: rid,
        retryAfter: undefined
      })
    }

    return { json, open, body, decode, inBand, requestId, scrub: scrubText }
  })

/**
 * Parses one JSON document from a stream record, mapping bad JSON to `InvalidResponse`.
 *
 * @since 0.1.0
 * @internal
 */
export const parseJson = (provider: ProviderId, text: string, requestId: string | undefined): Either.Either<unknown, AiError.AiError> => {
  try {
    return Either.right(JSON.parse(text))
  } catch {
    return Either.left(
      new AiError.InvalidResponse({
        provider,
        message: `${displayName[provider]}: a stream event is not valid JSON`,
        ...(requestId ? { requestId } : {})
      })
    )
  }
}

/**
 * Maps each element to zero or more outputs, or to an error that ends the stream. Runs once per
 * chunk, not per element, so a burst of stream events costs one step.
 *
 * @since 0.1.0
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
