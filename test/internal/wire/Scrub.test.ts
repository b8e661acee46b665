/**
 * The scrubber: a configured key out of provider text in every form an echo takes (verbatim,
 * JSON-escaped, `\uXXXX`, percent-encoded, `+` for spaces), also when a cut leaves only part of it,
 * and errors sealed (every string field scrubbed and bounded).
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Redacted } from "effect"
import * as AiError from "../../../src/domain/AiError.js"
import { reply } from "../../../src/domain/Limits.js"
import * as Scrub from "../../../src/internal/wire/Scrub.js"
import { echoForms } from "../../support/echo.js"

const KEY = "sk-\"quo\\te é+%/ 😀-0123456789"
const scrubber = Scrub.make([Redacted.make(KEY)])

const uEscapeAll = (s: string) => Array.from({ length: s.length }, (_, i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, "0")}`).join("")

describe("Scrub", () => {
  for (const [i, form] of echoForms(KEY).entries()) {
    it(`removes echo form ${i} (${form.slice(0, 30)}…) inside other text`, () => {
      const out = scrubber.scrub(`before ${form} after`)
      expect(out).toBe(`before ${Scrub.mask} after`)
    })
  }

  it("removes a key that is valid JSON text (5000, null) without touching JSON structure it is not in", () => {
    for (const key of ["5000", "null"]) {
      const s = Scrub.make([Redacted.make(key)])
      expect(s.scrub(`code ${key}, again ${key}`)).toBe("code ***, again ***")
      expect(s.scrub("HTTP 500")).toBe("HTTP 500")
    }
  })

  it("removes a key cut off by the end of the text (a truncated message), once 4 characters are there", () => {
    expect(scrubber.scrub(`said: ${KEY.slice(0, 10)}`)).toBe(`said: ${Scrub.mask}`)
    expect(scrubber.scrub(`said: ${JSON.stringify(KEY).slice(1, 12)}`)).toBe(`said: ${Scrub.mask}`)
    expect(scrubber.scrub(`said: ${encodeURIComponent(KEY).slice(0, 12)}`)).toBe(`said: ${Scrub.mask}`)
    // Cut inside an escape: still part of the key.
    expect(scrubber.scrub(`said: ${uEscapeAll(KEY).slice(0, 27)}`)).toBe(`said: ${Scrub.mask}`)
    expect(scrubber.scrub("said: sk-")).toBe("said: sk-")
  })

  it("clean: cuts to the limit without leaving part of a key across the cut", () => {
    for (let at = 0; at < 60; at++) {
      const text = `${"x".repeat(at)}${KEY}${"y".repeat(5000)}`
      const out = scrubber.clean(text, 40)
      expect(out.length).toBeLessThanOrEqual(40)
      expect(out).not.toContain(KEY.slice(0, 4))
      expect(out.endsWith("…")).toBe(true)
    }
  })

  it("clean: leaves short text as it is and never splits a surrogate pair", () => {
    expect(scrubber.clean("plain", 10)).toBe("plain")
    const cut = scrubber.clean(`${"a".repeat(9)}😀${"b".repeat(100)}`, 11)
    expect(cut).toBe(`${"a".repeat(9)}…`)
  })

  it("clean: looks at only a little more than the limit of a huge text", () => {
    const huge = `${KEY} ${"z".repeat(20_000_000)}`
    // A reply's text is one flat string; flatten this concatenation before timing.
    expect(huge.lastIndexOf("z")).toBe(huge.length - 1)
    const started = performance.now()
    expect(scrubber.clean(huge, 100)).toMatch(/^\*\*\* z+…$/)
    expect(performance.now() - started).toBeLessThan(50)
  })

  it("still removes anything shaped like a key", () => {
    expect(scrubber.scrub("Incorrect API key provided: sk-abc123456789")).toBe("Incorrect API key provided: sk-***")
    expect(scrubber.scrub("see https://x/?key=AIza0123456789abcdef&x=1")).toBe("see https://x/?key=***&x=1")
  })

  it("seal: every string field scrubbed and bounded; the class, status and retry delay kept", () => {
    const big = "m".repeat(10_000)
    const error = scrubber.seal(
      new AiError.RateLimited({
        provider: "openai",
        status: 429,
        message: `${KEY} ${big}`,
        code: `${KEY}${big}`,
        requestId: `req_${encodeURIComponent(KEY)}${big}`,
        retryAfter: Duration.seconds(3)
      })
    )
    expect(error).toBeInstanceOf(AiError.RateLimited)
    expect(error._tag).toBe("RateLimited")
    expect(error.status).toBe(429)
    expect(Duration.toMillis(error.retryAfter!)).toBe(3000)
    expect(error.message.length).toBeLessThanOrEqual(reply.messageChars)
    expect(error.code!.length).toBeLessThanOrEqual(reply.requestIdChars)
    expect(error.requestId!.length).toBeLessThanOrEqual(reply.requestIdChars)
    const all = JSON.stringify(error) + error.message
    for (const form of echoForms(KEY)) expect(all).not.toContain(form)
    const invalid = scrubber.seal(new AiError.InvalidRequest({ provider: "openai", message: "x", field: KEY }))
    expect(invalid.field).toBe(Scrub.mask)
  })

  it("a scrubber without keys (Ollama without one) still removes key-shaped text", () => {
    expect(Scrub.make([]).scrub("Bearer abcdefgh12345")).toBe("Bearer ***")
  })
})
