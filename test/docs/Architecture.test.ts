/**
 * The Mermaid diagrams of docs/ name the code's modules by their path under src/
 * (`services/AiService.ts`): every path a diagram names must exist, so a renamed or removed
 * module fails here until the diagram follows. Every diagram names at least one module.
 */
import { describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const src = Path.join(root, "src")

const markdownFiles = (): Array<string> => {
  const docs = Path.join(root, "docs")
  return Fs.existsSync(docs)
    ? (Fs.readdirSync(docs, { recursive: true }) as Array<string>).filter((f) => f.endsWith(".md")).map((f) => Path.join(docs, f))
    : []
}

/** The ```mermaid blocks of a page, with the line each starts on. */
const diagramsOf = (text: string): Array<{ readonly line: number; readonly code: string }> => {
  const lines = text.split("\n")
  const out: Array<{ line: number; code: string }> = []
  let current: { line: number; body: Array<string> } | undefined
  lines.forEach((l, i) => {
    if (current === undefined && /^```mermaid\s*$/.test(l)) current = { line: i + 2, body: [] }
    else if (current !== undefined && /^```\s*$/.test(l)) {
      out.push({ line: current.line, code: current.body.join("\n") })
      current = undefined
    } else current?.body.push(l)
  })
  return out
}

/** The module paths a diagram names: `dir/Name.ts` (or `.tsx`), relative to src/. */
const modulesOf = (diagram: string): Array<string> =>
  [...diagram.matchAll(/(?<![\w./-])((?:[\w-]+\/)+[\w.-]+\.tsx?)(?![\w.])/g)].map((m) => m[1]!)

describe("architecture diagrams", () => {
  it("docs/architecture.md has its diagrams", () => {
    expect(diagramsOf(Fs.readFileSync(Path.join(root, "docs", "architecture.md"), "utf8")).length).toBeGreaterThanOrEqual(4)
  })

  it("every module a diagram names exists under src/", () => {
    const problems: Array<string> = []
    for (const md of markdownFiles()) {
      const page = Path.relative(root, md)
      for (const d of diagramsOf(Fs.readFileSync(md, "utf8"))) {
        const modules = modulesOf(d.code)
        if (modules.length === 0) problems.push(`${page}:${d.line}: the diagram names no module (label a node with its path under src/)`)
        for (const m of modules) if (!Fs.existsSync(Path.join(src, m))) problems.push(`${page}:${d.line}: src/${m} does not exist`)
      }
    }
    expect(problems).toEqual([])
  })

  it("reads module paths out of node labels", () => {
    expect(modulesOf(`a["services/AiService.ts<br/>x"] --> b["providers/openai/index.ts"] --> c["window.dbtkAi.x"]`))
      .toEqual(["services/AiService.ts", "providers/openai/index.ts"])
  })
})
