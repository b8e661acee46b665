/**
 * Code quoted in the docs stays the code: a fenced block right after a `<!-- from: <path> -->`
 * line (path from the repository root) must appear, word for word, in that file.
 * docs/adding-a-provider.md quotes the smallest provider this way.
 */
import { describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")

const markdownFiles = (): Array<string> => {
  const docs = Path.join(root, "docs")
  return Fs.existsSync(docs)
    ? (Fs.readdirSync(docs, { recursive: true }) as Array<string>).filter((f) => f.endsWith(".md")).map((f) => Path.join(docs, f))
    : []
}

/** Every quoted block of a page: the file it cites, the line it starts on, its text. */
const excerptsOf = (text: string): Array<{ readonly from: string; readonly line: number; readonly code: string }> => {
  const lines = text.split("\n")
  const out: Array<{ from: string; line: number; code: string }> = []
  lines.forEach((line, i) => {
    const from = /^<!-- from: (\S+) -->$/.exec(line.trim())?.[1]
    if (from === undefined) return
    if (!/^```\w*\s*$/.test(lines[i + 1] ?? "")) throw new Error(`line ${i + 1}: <!-- from: ${from} --> is not followed by a code fence`)
    const end = lines.findIndex((l, j) => j > i + 1 && /^```\s*$/.test(l))
    if (end < 0) throw new Error(`line ${i + 2}: the code fence is not closed`)
    out.push({ from, line: i + 3, code: lines.slice(i + 2, end).join("\n") })
  })
  return out
}

describe("quoted code", () => {
  it("the walkthrough quotes code", () => {
    expect(excerptsOf(Fs.readFileSync(Path.join(root, "docs", "adding-a-provider.md"), "utf8")).length).toBeGreaterThan(10)
  })

  it("every excerpt is still in the file it cites", () => {
    const problems: Array<string> = []
    for (const md of markdownFiles()) {
      const page = Path.relative(root, md)
      for (const e of excerptsOf(Fs.readFileSync(md, "utf8"))) {
        const file = Path.join(root, e.from)
        if (!Fs.existsSync(file)) problems.push(`${page}:${e.line}: ${e.from} does not exist`)
        else if (!Fs.readFileSync(file, "utf8").includes(e.code)) {
          problems.push(`${page}:${e.line}: this excerpt is no longer in ${e.from}: copy the current code into the page`)
        }
      }
    }
    expect(problems).toEqual([])
  })
})
