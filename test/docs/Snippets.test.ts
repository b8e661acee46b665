/**
 * Every TypeScript block (```ts, and ```tsx for the React components) of README.md and docs/
 * type-checks against the package as an app imports it (`@db-toolkit/ai` and every other entry of the exports map), with
 * the project's compiler settings: an example can never rot again. Names an app provides itself (Electron's
 * `app` and `ipcMain`, its connection manager, a schema tree, the renderer's `window`) are declared
 * once in an ambient file, as the app's own code would have them.
 */
import { describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import ts from "typescript"

const root = Path.resolve(import.meta.dirname, "../..")

/**
 * The ```ts and ```tsx blocks of a Markdown file, with the line each starts on and its language
 * (a ```tsx block is compiled as a .tsx file, with the project's `jsx` setting). A block right after a
 * `<!-- from: <path> -->` line quotes that file (docs/adding-a-provider.md does): it is checked
 * against the file by test/docs/Excerpts.test.ts, not compiled alone.
 */
const blocksOf = (file: string): Array<{ readonly line: number; readonly code: string; readonly tsx: boolean }> => {
  const lines = Fs.readFileSync(file, "utf8").split("\n")
  const blocks: Array<{ line: number; code: string; tsx: boolean }> = []
  let current: { line: number; body: Array<string>; tsx: boolean } | undefined
  lines.forEach((text, i) => {
    const quoted = i > 0 && /^<!-- from: \S+ -->$/.test(lines[i - 1]!.trim())
    const opening = /^```(ts|typescript|tsx)\s*$/.exec(text)
    if (current === undefined && opening !== null && !quoted) current = { line: i + 2, body: [], tsx: opening[1] === "tsx" }
    else if (current !== undefined && /^```\s*$/.test(text)) {
      blocks.push({ line: current.line, code: current.body.join("\n"), tsx: current.tsx })
      current = undefined
    } else current?.body.push(text)
  })
  return blocks
}

const markdownFiles = (): Array<string> => {
  const docs = Path.join(root, "docs")
  const inDocs = Fs.existsSync(docs)
    ? (Fs.readdirSync(docs, { recursive: true }) as Array<string>).filter((f) => f.endsWith(".md")).map((f) => Path.join(docs, f))
    : []
  return [Path.join(root, "README.md"), ...inDocs]
}

/** The package's exports map as `paths`: `@db-toolkit/ai/providers/openai` -> `src/providers/openai/index.ts`. */
const entries = (): Record<string, string> => {
  const pkg = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")) as {
    readonly exports: Record<string, string | { readonly types: string }>
  }
  return Object.fromEntries(Object.entries(pkg.exports).flatMap(([name, target]) =>
    typeof target === "string" ? [] : [[
      Path.posix.join("@db-toolkit/ai", name),
      target.types.replace(/^\.\/dist\//, "src/").replace(/\.d\.ts$/, ".ts")
    ]]
  ))
}

// What DB Toolkit's main process has in scope where the snippets run.
const AMBIENT = `
declare const app: { getPath(name: "userData"): string; readonly isPackaged: boolean; on(event: string, listener: () => void): void }
declare const ipcMain: import("@db-toolkit/ai/ipc").IpcMainLike
declare const path: typeof import("node:path")
/** Electron's \`safeStorage\`, as electron.d.ts declares it. */
declare const safeStorage: {
  isEncryptionAvailable(): boolean
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
  getSelectedStorageBackend(): "basic_text" | "gnome_libsecret" | "kwallet" | "kwallet5" | "kwallet6" | "unknown"
  setUsePlainTextEncryption(usePlainText: boolean): void
}
declare const connectionManager: { getConnection(id: string): Promise<{ readonly db_type: string } | undefined> }
/** The tree DB Toolkit's \`schema:getTree\` returns. */
declare const schemaTree: { readonly schemas: Readonly<Record<string, unknown>> }
declare namespace NodeJS { interface Process { readonly resourcesPath: string } }
/** The renderer's window (the DOM's there; here only what the preload entry's types add to it). */
interface Window {}
declare const window: Window
`

describe("documentation snippets", () => {
  it("every TypeScript block (ts and tsx) of README.md and docs/ type-checks against the package", () => {
    const dir = Path.join(root, ".tmp", "snippets")
    Fs.rmSync(dir, { recursive: true, force: true })
    Fs.mkdirSync(dir, { recursive: true })
    const sources = new Map<string, string>()
    for (const md of markdownFiles()) {
      for (const block of blocksOf(md)) {
        // Named after the page's path: docs/README.md and README.md must not share a file.
        const file = Path.join(dir, `${Path.relative(root, md).replace(/\.md$/, "").replace(/[\\/]/g, "_")}-line-${block.line}.${block.tsx ? "tsx" : "ts"}`)
        Fs.writeFileSync(file, block.code.includes("import ") || block.code.includes("export ") ? block.code : `${block.code}\nexport {}\n`)
        sources.set(file, `${Path.relative(root, md)}:${block.line}`)
      }
    }
    expect(sources.size).toBeGreaterThan(0)
    // The React guide's blocks are compiled as TSX, not skipped.
    expect([...sources.keys()].filter((f) => f.endsWith(".tsx")).length).toBeGreaterThan(0)
    const ambient = Path.join(dir, "ambient.d.ts")
    Fs.writeFileSync(ambient, AMBIENT)

    const config = ts.readConfigFile(Path.join(root, "tsconfig.json"), ts.sys.readFile)
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
    const program = ts.createProgram([...sources.keys(), ambient], {
      ...parsed.options,
      noEmit: true,
      // A snippet shows a use, not a whole program: a name it declares but does not use is fine.
      noUnusedLocals: false,
      noUnusedParameters: false,
      baseUrl: root,
      // The exports map's entries, each to its source.
      paths: Object.fromEntries(Object.entries(entries()).map(([name, types]) => [name, [types]]))
    })
    const problems = ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && sources.has(Path.resolve(d.file.fileName)))
      .map((d) => {
        const where = sources.get(Path.resolve(d.file!.fileName))!
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0)
        return `${where} (+${line}): TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0]}`
      })
    expect(problems).toEqual([])
  }, 120_000)
})
