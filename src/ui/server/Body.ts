/**
 * A call's body read as untrusted input: `{ "args": [...] }` in JSON, bounded in bytes and in
 * nesting before it is parsed, so no body can hold the event loop for long. What the arguments
 * may then be is the IPC handlers' business: they check them against the same ceilings as calls
 * from the renderer, and answer `InvalidIpcInput` in the channel's shape.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Data, Effect, Either, Schema } from "effect"
import type * as Http from "node:http"
import * as Contract from "../../ipc/contract.js"
import { Payload } from "./Api.js"

/**
 * The largest body a call may send, in bytes: the longest string the IPC contract lets through
 * (`inputBounds.maxStringChars`). JSON.parse reads that much in tens of milliseconds.
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxBodyBytes = Contract.inputBounds.maxStringChars

// The arguments' nesting ceiling (which counts the `args` array), plus the body object, plus one:
// a body just too deep still gets the handlers' own refusal, as over IPC.
const MAX_DEPTH = Contract.inputBounds.maxDepth + 2
// Bytes scanned between yields to the event loop.
const SLICE_BYTES = 1 << 20

/**
 * A body refused, with the status that says why.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BodyRefused extends Data.TaggedError("BodyRefused")<{
  readonly status: 400 | 413 | 415
  readonly message: string
}> {}

const notJson = (message: string) => new BodyRefused({ status: 400, message })
const tooLarge = (maxBytes: number) => new BodyRefused({ status: 413, message: `The body is larger than ${maxBytes} bytes` })

// Reads at most `maxBytes`. Past that it stops keeping the bytes but leaves the request flowing
// (destroying it would close the socket before the 413 is written).
const readBounded = (source: Http.IncomingMessage, maxBytes: number) =>
  Effect.async<Buffer, BodyRefused>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const stop = () => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) return void chunks.push(chunk)
      stop()
      resume(Effect.fail(tooLarge(maxBytes)))
    }
    const onEnd = () => {
      stop()
      resume(Effect.succeed(Buffer.concat(chunks, size)))
    }
    const onError = () => {
      stop()
      resume(Effect.fail(notJson("The body could not be read")))
    }
    source.on("data", onData).on("end", onEnd).on("error", onError)
    return Effect.sync(stop)
  })

// The deepest nesting of arrays and objects in JSON text (strings skipped), read in slices with
// a yield between them; a body nested past `max` is refused before JSON.parse spends seconds on
// it.
const nestingWithin = (bytes: Uint8Array, max: number) =>
  Effect.gen(function*() {
    let depth = 0
    let inString = false
    let escaped = false
    for (let start = 0; start < bytes.length; start += SLICE_BYTES) {
      if (start > 0) yield* Effect.yieldNow()
      const end = Math.min(bytes.length, start + SLICE_BYTES)
      for (let i = start; i < end; i++) {
        const byte = bytes[i]
        if (inString) {
          if (escaped) escaped = false
          else if (byte === 0x5c) escaped = true
          else if (byte === 0x22) inString = false
        } else if (byte === 0x22) inString = true
        else if (byte === 0x5b || byte === 0x7b) {
          if (++depth > max) return false
        } else if (byte === 0x5d || byte === 0x7d) depth--
      }
    }
    return true
  })

const decodePayload = Schema.decodeUnknownEither(Payload)
const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * The arguments of a call: its body read (at most `maxBytes`), checked and parsed. No body is no
 * arguments.
 *
 * @since 0.1.0
 * @category Reading
 */
export const readArgs = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number
): Effect.Effect<ReadonlyArray<unknown>, BodyRefused> =>
  Effect.gen(function*() {
    const type = request.headers["content-type"]
    if (type !== undefined && type.split(";", 1)[0]!.trim().toLowerCase() !== "application/json") {
      return yield* new BodyRefused({ status: 415, message: "The body must be application/json" })
    }
    if (Number(request.headers["content-length"] ?? 0) > maxBytes) return yield* tooLarge(maxBytes)
    const bytes = yield* readBounded(NodeHttpServerRequest.toIncomingMessage(request), maxBytes)
    if (bytes.length === 0) return []
    if (!(yield* nestingWithin(bytes, MAX_DEPTH))) return yield* notJson(`The body is nested deeper than ${MAX_DEPTH} levels`)
    const json = yield* Effect.try({
      try: () => JSON.parse(utf8.decode(bytes)) as unknown,
      catch: () => notJson("The body is not JSON in UTF-8")
    })
    const payload = decodePayload(json)
    if (Either.isLeft(payload)) return yield* notJson(`The body must be a JSON object { "args": [...the channel's arguments] }`)
    return payload.right.args ?? []
  })
