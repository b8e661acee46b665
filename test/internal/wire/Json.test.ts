/**
 * JSON from providers within the reply limits: the nesting pre-scan (linear, strings skipped) and
 * the bounded parse.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { reply } from "../../../src/domain/Limits.js"
import * as Json from "../../../src/internal/wire/Json.js"

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`
const nestedObjects = (depth: number) => `${"{\"a\":".repeat(depth)}1${"}".repeat(depth)}`

describe("Json.nestsDeeperThan", () => {
  it("counts arrays and objects, up to and past the limit", () => {
    expect(Json.nestsDeeperThan(nested(64), 64)).toBe(false)
    expect(Json.nestsDeeperThan(nested(65), 64)).toBe(true)
    expect(Json.nestsDeeperThan(nestedObjects(64), 64)).toBe(false)
    expect(Json.nestsDeeperThan(nestedObjects(65), 64)).toBe(true)
    expect(Json.nestsDeeperThan(`[${"{}, []".repeat(1000)}]`, 2)).toBe(false)
  })

  it("skips brackets inside strings, escaped quotes and backslashes included", () => {
    expect(Json.nestsDeeperThan(JSON.stringify({ a: "[".repeat(500) }), 2)).toBe(false)
    expect(Json.nestsDeeperThan(JSON.stringify({ a: `\\"${"{".repeat(500)}\\` }), 2)).toBe(false)
    expect(Json.nestsDeeperThan(JSON.stringify(["\\", [[["x"]]]]), 3)).toBe(true)
    expect(Json.nestsDeeperThan(JSON.stringify(["\\\"[[[[", [["x"]]]), 3)).toBe(false)
  })

  it("is linear: 16 MiB of nesting-heavy text in well under a second, no recursion", () => {
    const text = `[${"[1,{\"a\":\"]]]\\\"[[[\"}],".repeat(700_000)}1]`
    const started = performance.now()
    expect(Json.nestsDeeperThan(text, 64)).toBe(false)
    expect(Json.nestsDeeperThan(nested(5_000_000), 64)).toBe(true)
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe("Json.parse", () => {
  it("parses what is within the limits", () => {
    expect(Json.parse("{\"a\":[1,2]}")).toEqual(Either.right({ a: [1, 2] }))
    expect(Json.parse(nested(reply.jsonDepth))._tag).toBe("Right")
  })

  it("refuses deep, invalid and oversized text with a reason", () => {
    expect(Json.parse(nested(5000))).toEqual(Either.left("too-deep"))
    expect(Json.parse("{\"a\":")).toEqual(Either.left("invalid"))
    expect(Json.parse(" ".repeat(reply.bodyBytes + 1))).toEqual(Either.left("too-large"))
    expect(Json.describe("the response body", "too-deep")).toBe(`the response body is nested more than ${reply.jsonDepth} levels deep`)
  })
})
