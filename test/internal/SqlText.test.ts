import { describe, expect, it } from "@effect/vitest"
import * as SqlText from "../../src/internal/SqlText.js"

describe("SqlText.spanAt", () => {
  it("reads comments, strings and quoted names to their ends, doubled quotes inside", () => {
    expect(SqlText.spanAt("a -- note\nb", 2)).toEqual({ kind: "comment", end: 9, closed: true })
    expect(SqlText.spanAt("-- to the end", 0)).toEqual({ kind: "comment", end: 13, closed: true })
    expect(SqlText.spanAt("/* a */ b", 0)).toEqual({ kind: "comment", end: 7, closed: true })
    expect(SqlText.spanAt("'it''s' x", 0)).toEqual({ kind: "string", end: 7, closed: true })
    expect(SqlText.spanAt("\"a\"\"b\" x", 0)).toEqual({ kind: "name", end: 6, closed: true })
    expect(SqlText.spanAt("`a` x", 0)).toEqual({ kind: "name", end: 3, closed: true })
    expect(SqlText.spanAt("[a]] x", 0)).toEqual({ kind: "name", end: 3, closed: true })
    expect(SqlText.spanAt("a - b / c", 2)).toBeUndefined()
    expect(SqlText.spanAt("abc", 0)).toBeUndefined()
  })

  it("says when the text ends first", () => {
    expect(SqlText.spanAt("'open", 0)).toEqual({ kind: "string", end: 5, closed: false })
    expect(SqlText.spanAt("/* open", 0)).toEqual({ kind: "comment", end: 7, closed: false })
    expect(SqlText.spanAt("$$ open", 0)).toEqual({ kind: "string", end: 7, closed: false })
  })

  it("follows the dialect: backslash escapes, [names], dollar quotes only where no name goes on", () => {
    expect(SqlText.spanAt("'it\\'s' x", 0, { backslash: true })).toEqual({ kind: "string", end: 7, closed: true })
    expect(SqlText.spanAt("'it\\'s' x", 0)).toEqual({ kind: "string", end: 5, closed: true })
    expect(SqlText.spanAt("[a] x", 0, { brackets: false })).toBeUndefined()
    expect(SqlText.spanAt("$body$ a; b $body$ c", 0)).toEqual({ kind: "string", end: 18, closed: true })
    expect(SqlText.spanAt("x $1", 2)).toBeUndefined()
    expect(SqlText.spanAt("price$usd$ x", 5)).toBeUndefined()
    expect(SqlText.spanAt("$$ a $$", 0, { dollar: false })).toBeUndefined()
  })
})

describe("SqlText.code", () => {
  it("blanks strings and comments, keeps quoted names, in one pass", () => {
    expect(SqlText.code("SELECT \"status\" -- don't\nFROM t WHERE a = 'x -- y' /* z */ AND $$q$$ = b"))
      .toBe("SELECT \"status\"  \nFROM t WHERE a = ''   AND '' = b")
    expect(SqlText.code("no quotes at all")).toBe("no quotes at all")
    expect(SqlText.code("a 'never closed")).toBe("a ''")
  })
})
