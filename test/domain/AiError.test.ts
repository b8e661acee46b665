import { describe, expect, it } from "@effect/vitest"
import { Duration, Schema } from "effect"
import * as AiError from "../../src/domain/AiError.js"

const base = { provider: "openai" as const, message: "m" }
const all: ReadonlyArray<AiError.AiError> = [
  new AiError.AuthenticationError(base),
  new AiError.PermissionDenied(base),
  new AiError.RateLimited({ ...base, retryAfter: Duration.seconds(2) }),
  new AiError.QuotaExhausted(base),
  new AiError.Timeout({ ...base, phase: "idle", after: Duration.seconds(30) }),
  new AiError.ProviderUnavailable({ ...base, status: 503 }),
  new AiError.ModelNotFound({ ...base, model: "gpt-x" }),
  new AiError.ContextTooLong(base),
  new AiError.ContentFiltered(base),
  new AiError.InvalidRequest({ ...base, field: "prompt" }),
  new AiError.InvalidResponse(base),
  new AiError.ConfigInvalid({ ...base, field: "apiKey", reason: "is required" })
]

describe("AiError", () => {
  it("says which members are retryable", () => {
    expect(all.filter(AiError.isRetryable).map((e) => e._tag)).toEqual(["RateLimited", "Timeout", "ProviderUnavailable"])
  })

  it("says which members may trigger fallback: never the user's own content or request", () => {
    expect(all.filter((e) => !AiError.triggersFallback(e)).map((e) => e._tag)).toEqual(["ContentFiltered", "InvalidRequest"])
  })

  it("round-trips through its Schema as plain JSON (for IPC and storage)", () => {
    const encode = Schema.encodeSync(AiError.AiError)
    const decode = Schema.decodeUnknownSync(AiError.AiError)
    for (const e of all) {
      const json = JSON.parse(JSON.stringify(encode(e)))
      const back = decode(json)
      expect(back._tag).toBe(e._tag)
      expect(back).toEqual(e)
      expect(back.retryable).toBe(e.retryable)
    }
    expect(JSON.parse(JSON.stringify(encode(all[2]!))).retryAfter).toBe(2000)
  })

  it("recognizes its members and nothing else", () => {
    for (const e of all) expect(AiError.isAiError(e)).toBe(true)
    expect(AiError.isAiError(new Error("x"))).toBe(false)
    expect(AiError.isAiError({ _tag: "AuthenticationError" })).toBe(false)
  })

  it("uses the message field as the error message", () => {
    expect(new AiError.AuthenticationError({ provider: "gemini", message: "bad key" }).message).toBe("bad key")
  })
})
