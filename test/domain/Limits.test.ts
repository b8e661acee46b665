import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import fc from "fast-check"
import * as Limits from "../../src/domain/Limits.js"

const L = Limits.defaultInputLimits

const parsed = (text: string, leafChars: number) => {
  const r = Limits.runSync(Limits.parseJson(text, leafChars))
  if (Either.isLeft(r)) throw new Error("parseJson refuses nothing")
  return r.right
}

// What JSON.parse says, or undefined when it throws.
const native = (text: string): { readonly value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

describe("Limits checks", () => {
  it("checks a text's length first, then that it is well-formed, and names the setting", () => {
    expect(Limits.checkText("prompt", "x".repeat(L.promptChars), "promptChars", L)).toBeUndefined()
    expect(Limits.checkText("prompt", "x".repeat(2_000_000), "promptChars", L)).toEqual({
      field: "prompt",
      message: "prompt is 2,000,000 characters; the limit is 100,000 (settings.limits.promptChars)"
    })
    expect(Limits.checkText("sql", "a\uD800", "sqlChars", L)).toEqual(Limits.malformed("sql"))
    expect(Limits.isWellFormed("😀 \uD83D\uDE00")).toBe(true)
    expect(Limits.isWellFormed("\uDE00\uD83D")).toBe(false)
  })

  it("runs work at once or in slices, with the same result or refusal", () => {
    function* work(n: number): Limits.Work<number> {
      let sum = 0
      for (let i = 0; i < n; i++) {
        if (i === 500) throw new Limits.Refused({ field: "f", message: "too many" })
        sum += i
        yield
      }
      return sum
    }
    expect(Limits.runSync(work(10))).toEqual(Either.right(45))
    expect(Limits.runSync(work(1_000))).toEqual(Either.left({ field: "f", message: "too many" }))
    expect(Effect.runSync(Effect.either(Limits.sliced(work(10))))).toEqual(Either.right(45))
  })

  it.live("sliced work lets timers run between its slices", () =>
    Effect.gen(function*() {
      function* busy(): Limits.Work<void> {
        const end = performance.now() + 100
        while (performance.now() < end) yield
      }
      let ticks = 0
      const timer = setInterval(() => ticks++, 1)
      yield* Limits.sliced(busy()).pipe(Effect.ensuring(Effect.sync(() => clearInterval(timer))))
      expect(ticks).toBeGreaterThan(3)
    }))
})

describe("Limits.parseJson (JSON text in slices)", () => {
  const texts = fc.oneof(
    fc.jsonValue({ maxDepth: 5 }).chain((v) => fc.constantFrom(JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, "\t"))),
    fc.string({ unit: fc.constantFrom("{", "}", "[", "]", ",", ":", "\"", "\\", "1", "a", " ", "\n", "\"k\"", "null", "true", "-", "e", "."), maxLength: 40 })
  )

  it("parses exactly what JSON.parse parses, however small the pieces, and refuses what it refuses", () => {
    for (const leaf of [1, 3, 16, 64]) {
      fc.assert(
        fc.property(texts, (text) => {
          const expected = native(text)
          const got = parsed(text, leaf)
          if (expected === undefined) expect(got).toBeUndefined()
          else expect(got).toEqual(expected)
        }),
        { numRuns: 1_000 }
      )
    }
  })

  it("keeps __proto__ keys as data, as JSON.parse does, and the last of duplicate keys", () => {
    const text = "{\"__proto__\": {\"polluted\": 1}, \"a\": [1, 2, {\"__proto__\": 5}], \"a\": 3}"
    const value = parsed(text, 2)!.value as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.keys(value)).toEqual(["__proto__", "a"])
    expect(value["a"]).toBe(3)
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("parses a large schema text in pieces to the same value", () => {
    const schema = { tables: Object.fromEntries(Array.from({ length: 2_000 }, (_, t) => [`t${t}`, { columns: Array.from({ length: 25 }, (_, c) => ({ name: `c${c}`, type: "text" })) }])) }
    const text = JSON.stringify(schema)
    expect(text.length).toBeGreaterThan(1_000_000)
    expect(parsed(text, 65_536)).toEqual({ value: schema })
    expect(parsed(`${text.slice(0, -1)}`, 65_536)).toBeUndefined()
  })
})
