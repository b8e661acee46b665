import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import { LineDecoder } from "../../../src/internal/wire/Lines.js"
import * as Ndjson from "../../../src/internal/wire/Ndjson.js"
import * as Sse from "../../../src/internal/wire/Sse.js"

const enc = new TextEncoder()
const bytes = (...parts: Array<string | Uint8Array>) => parts.map((p) => (typeof p === "string" ? enc.encode(p) : p))
const parse = (...parts: Array<string | Uint8Array>) =>
  Sse.events(Stream.fromIterable(bytes(...parts)), () => "too long" as const).pipe(Stream.runCollect, Effect.map(Chunk.toArray))

describe("LineDecoder", () => {
  it("splits LF, CRLF and lone CR, in any mix within one chunk", () => {
    const d = new LineDecoder()
    expect(d.push(enc.encode("a\nb\r\nc\rd\n\ne"))).toEqual(["a", "b", "c", "d", ""])
    expect(d.end()).toEqual(["e"])
  })

  it("joins a CRLF split across chunks into one line ending", () => {
    const d = new LineDecoder()
    expect(d.push(enc.encode("one\r"))).toEqual(["one"])
    expect(d.push(enc.encode("\ntwo\r"))).toEqual(["two"])
    expect(d.push(enc.encode("\r\n"))).toEqual([""])
    expect(d.end()).toEqual([])
  })

  it("joins a multi-byte character split across chunks", () => {
    const all = enc.encode("Größe 😀 ok\n")
    const d = new LineDecoder()
    const out: Array<string> = []
    for (let i = 0; i < all.length; i++) out.push(...d.push(all.subarray(i, i + 1)))
    expect(out).toEqual(["Größe 😀 ok"])
  })
})

describe("Sse.events", () => {
  it.effect("reads data-only events with LF endings", () =>
    Effect.gen(function*() {
      const events = yield* parse("data: {\"a\":1}\n\ndata: [DONE]\n\n")
      expect(events).toEqual([{ event: "message", data: "{\"a\":1}", id: undefined }, { event: "message", data: "[DONE]", id: undefined }])
    }))

  it.effect("keeps every event when one chunk switches from CRLF to LF (the @effect/experimental/Sse bug)", () =>
    Effect.gen(function*() {
      const events = yield* parse("event: a\r\ndata: 1\r\n\r\nevent: b\ndata: 2\n\n")
      expect(events.map((e) => [e.event, e.data])).toEqual([["a", "1"], ["b", "2"]])
    }))

  it.effect("skips comments and keep-alives, joins multi-line data, keeps ids", () =>
    Effect.gen(function*() {
      const events = yield* parse(": keep-alive\n\n", "id: 7\nevent: message_start\ndata: line1\ndata: line2\n\n", ":ping\n\n")
      expect(events).toEqual([{ event: "message_start", data: "line1\nline2", id: "7" }])
    }))

  it.effect("survives one byte at a time with CRLF endings and emoji", () =>
    Effect.gen(function*() {
      const all = enc.encode("data: {\"t\":\"😀 é\"}\r\n\r\ndata: x\r\n\r\n")
      const parts = Array.from(all, (_, i) => all.subarray(i, i + 1))
      const events = yield* parse(...parts)
      expect(events.map((e) => e.data)).toEqual(["{\"t\":\"😀 é\"}", "x"])
    }))

  it.effect("delivers a last event that has no blank line after it", () =>
    Effect.gen(function*() {
      const events = yield* parse("data: first\n\ndata: last")
      expect(events.map((e) => e.data)).toEqual(["first", "last"])
    }))

  it.effect("takes the value after the colon verbatim except one leading space", () =>
    Effect.gen(function*() {
      const events = yield* parse("data:no-space\n\ndata:  two-spaces\n\ndata\n\n")
      expect(events.map((e) => e.data)).toEqual(["no-space", " two-spaces", ""])
    }))
})

describe("bounded records", () => {
  it("LineDecoder: a line past the limit stops the decoder and frees its buffer", () => {
    const d = new LineDecoder(10)
    expect(d.push(enc.encode("short\n0123456789\n"))).toEqual(["short", "0123456789"])
    expect(d.tooLong).toBe(false)
    expect(d.push(enc.encode("0123456"))).toEqual([])
    expect(d.push(enc.encode("789X"))).toEqual([])
    expect(d.tooLong).toBe(true)
    expect(d.push(enc.encode("\nmore\n"))).toEqual([])
    expect(d.end()).toEqual([])
  })

  it("LineDecoder: a line completed within one chunk is checked too", () => {
    const d = new LineDecoder(4)
    expect(d.push(enc.encode("abcdefgh\n"))).toEqual([])
    expect(d.tooLong).toBe(true)
  })

  it("SseParser: many data lines with no blank line are bounded like one long line", () => {
    const p = new Sse.SseParser(20)
    expect(p.push(enc.encode("data: 12345\ndata: 12345\ndata: 12345\n"))).toEqual([])
    expect(p.tooLong).toBe(false)
    expect(p.push(enc.encode("data: 12345\n"))).toEqual([])
    expect(p.tooLong).toBe(true)
    expect(p.end()).toEqual([])
  })

  it.effect("Sse.events fails with the given error once a record is too long, after the events of earlier reads", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const reads = Stream.fromIterable(bytes("data: a\n\n", "data: ", "x".repeat(40))).pipe(Stream.rechunk(1))
      const exit = yield* Sse.events(reads, () => "too long" as const, 16).pipe(
        Stream.runForEach((e) => Effect.sync(() => seen.push(e.data))),
        Effect.either
      )
      expect(seen).toEqual(["a"])
      expect(exit).toEqual(Either.left("too long"))
    }))

  it.effect("Ndjson.records fails a line that never ends", () =>
    Effect.gen(function*() {
      const exit = yield* Ndjson.records(Stream.fromIterable(bytes("{}\n", "y".repeat(100))), () => "too long" as const, 50).pipe(
        Stream.runCollect,
        Effect.either
      )
      expect(exit).toEqual(Either.left("too long"))
    }))
})
