import { describe, expect, it } from "vitest"
import { sseReader } from "../../src/react/sse.js"

// Feeds the text in the given pieces and returns every event, in order.
const read = (...pieces: ReadonlyArray<string>) => {
  const reader = sseReader()
  return { events: pieces.flatMap((p) => reader.push(p)), reader }
}

describe("sseReader", () => {
  it("reads named events with their data, one blank line ending each", () => {
    expect(read("event: status\ndata: {\"a\":1}\n\nevent: ai-event\ndata: 2\n\n").events).toEqual([
      { event: "status", data: "{\"a\":1}" },
      { event: "ai-event", data: "2" }
    ])
  })

  it("gives the same events however the text is cut, with \\n, \\r\\n or \\r line ends", () => {
    for (const end of ["\n", "\r\n", "\r"]) {
      const text = `: comment${end}event: x${end}data: one${end}data:two${end}${end}data: three${end}${end}`
      const whole = read(text).events
      expect(whole).toEqual([{ event: "x", data: "one\ntwo" }, { event: "message", data: "three" }])
      for (let cut = 1; cut < text.length; cut++) expect(read(text.slice(0, cut), text.slice(cut)).events).toEqual(whole)
      expect(read(...text.split("")).events).toEqual(whole)
    }
  })

  it("does not take the \\n of a \\r\\n split across chunks for a blank line", () => {
    expect(read("data: a\r", "\ndata: b\r\n\r\n").events).toEqual([{ event: "message", data: "a\nb" }])
    expect(read("data: a\r", "", "\ndata: b\n\n").events).toEqual([{ event: "message", data: "a\nb" }])
  })

  it("keeps an event without its blank line pending, skips events without data, reads retry", () => {
    const { events, reader } = read("retry: 1500\nevent: lonely\n\ndata: pending")
    expect(events).toEqual([])
    expect(reader.retryMs).toBe(1500)
    expect(reader.push("\n\n")).toEqual([{ event: "message", data: "pending" }])
    expect(reader.push("data\n\n")).toEqual([{ event: "message", data: "" }])
  })
})
