/**
 * `tsx bench/profile.ts <file.cpuprofile> [--top 25]`: where a client spent its CPU, from a
 * profile written by `npm run bench -- --profile <client>` (Node's `--cpu-prof`). Prints the
 * functions with the most self time, then self time summed by package or source file.
 */
import * as Fs from "node:fs"
import { parseArgs } from "./harness.js"

interface Node {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<Node>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const file = process.argv[2]
if (file === undefined || file.startsWith("--")) throw new Error("usage: tsx bench/profile.ts <file.cpuprofile> [--top N]")
const top = Number(parseArgs(process.argv.slice(3)).top ?? 25)
const profile = JSON.parse(Fs.readFileSync(file, "utf8")) as Profile

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
let total = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  self.set(id, (self.get(id) ?? 0) + dt)
  total += dt
})

// Where a frame comes from: a package, a file of this repository, or Node itself.
const area = (url: string): string => {
  if (url === "") return "(native / GC / idle)"
  const nm = url.lastIndexOf("/node_modules/")
  if (nm !== -1) {
    const rest = url.slice(nm + 14).split("/")
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.startsWith("node:")) return "node:"
  const src = url.indexOf("/src/")
  if (src !== -1) return url.slice(src + 1).replace(/^file:\/\//, "")
  const bench = url.indexOf("/bench/")
  return bench !== -1 ? url.slice(bench + 1) : url
}
const short = (url: string) => {
  const nm = url.lastIndexOf("/node_modules/")
  if (nm !== -1) return url.slice(nm + 14)
  const src = url.indexOf("/src/")
  return src !== -1 ? url.slice(src + 1) : url.replace(/^file:\/\//, "")
}

const fns = new Map<string, number>()
const areas = new Map<string, number>()
for (const [id, t] of self) {
  const n = byId.get(id)!
  const { functionName, lineNumber, url } = n.callFrame
  const key = `${functionName || "(anonymous)"}  ${url ? `${short(url)}:${lineNumber + 1}` : ""}`
  fns.set(key, (fns.get(key) ?? 0) + t)
  const a = area(url)
  areas.set(a, (areas.get(a) ?? 0) + t)
}

// Inclusive time: each sample counts once for every distinct function on its stack. Effect runs
// continuations from its fiber loop, so this shows synchronous work only (prompt building,
// token counting, pricing, parsing), not the time an Effect pipeline spends as a whole.
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const inclusive = new Map<string, number>()
const keyOf = (n: Node) => `${n.callFrame.functionName || "(anonymous)"}  ${n.callFrame.url ? `${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : ""}`
for (const [id, t] of self) {
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!
    if (n.callFrame.url === "" || n.callFrame.url.includes("/effect/dist/") || n.callFrame.url.startsWith("node:")) continue
    const key = keyOf(n)
    if (seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + t)
  }
}

const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`
const ms = (t: number) => `${(t / 1000).toFixed(0).padStart(7)} ms`
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`)
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(t)} ${ms(t)}  ${k}\n`)
}
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`)
print("Self time by function", fns)
print("Self time by package or file", areas)
print("Inclusive time (functions outside effect and node internals)", inclusive)
