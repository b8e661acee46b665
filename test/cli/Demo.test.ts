/**
 * `dbtk-ai demo` end to end: in this process, and as `npm start` runs it (a child process).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { runCli } from "./harness.js"

const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")

describe("dbtk-ai demo", () => {
  it.live("runs every operation, shows the fallback taking over and the metrics summary, and exits 0", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["demo"])
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      const out = run.stdout
      const dataDir = /data folder\s+(\S+)/.exec(out)?.[1]
      expect(dataDir).toMatch(/dbtk-ai-demo-/)
      expect(Fs.existsSync(dataDir!)).toBe(false) // removed at the end

      // providers configured against the emulators, with their connection tests
      expect(out).toMatch(/✓\s+Cloudflare Workers AI\s+primary\s+@cf\/meta\/llama-3.3-70b-instruct-fp8-fast\s+connection ok in \d+ ms, model available/)
      expect(out).toMatch(/✓\s+OpenAI\s+fallback\s+gpt-4.1-mini\s+connection ok in \d+ ms, model available/)
      expect(out).toMatch(/cloudflare\s+yes\s+yes\s+yes\s+@cf\/meta\/llama-3.3-70b-instruct-fp8-fast\s+healthy/)
      // the four operations, each served by the primary with latency, tokens and cost
      for (const op of ["generate", "explain", "optimize", "fix"]) expect(out).toMatch(new RegExp(`\\n  ${op}  `))
      expect(out.match(/served by Cloudflare Workers AI · @cf\/meta\/llama-3.3-70b-instruct-fp8-fast · \d+ ms · \d+ in \/ \d+ out tokens · \$[\d.e-]+ \(cloudflare-neurons\)/g)).toHaveLength(4)
      expect(out).toMatch(/\d+ deltas, first text after \d+ ms/)
      // the fallback section
      expect(out).toContain("5. Fallback: the primary fails")
      expect(out).toMatch(/event FallbackTaken: Cloudflare Workers AI -> OpenAI \(ProviderUnavailable: /)
      expect(out).toContain("explain answered with fallback: true")
      expect(out).toMatch(/served by OpenAI · gpt-4.1-mini · .* fallback after Cloudflare Workers AI \(ProviderUnavailable\)/)
      // the metrics summary: the failed attempts count against the primary
      expect(out).toContain("6. Metrics summary")
      expect(out).toMatch(/provider\s+requests\s+success\s+p50\s+p95\s+tokens in\s+tokens out\s+cost/)
      expect(out).toMatch(/cloudflare\s+7\s+71.4%\s+\d+ ms\s+\d+ ms/)
      expect(out).toMatch(/openai\s+1\s+100%/)
      expect(out).toMatch(/total\s+8\s+75%/)
      expect(out).toMatch(/Done in \d+\.\d s\./)
      // and how to open the page on the same emulated providers, last
      expect(out.trimEnd().split("\n").slice(-2).join("\n")).toMatch(/npm run ui -- --demo[\s\S]*token/)
    }), 30_000)

  it.live("--json gives one report a script can read", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["demo", "--json"])
      expect(run.code).toBe(0)
      const report = run.json()
      expect(report.providers.map((p: { id: string; ok: boolean }) => [p.id, p.ok])).toEqual([["cloudflare", true], ["openai", true]])
      expect(report.schema.tables.map((t: { name: string }) => t.name)).toEqual(["customers", "products", "orders", "order_items"])
      expect(report.operations.map((o: { operation: string; provider: string }) => [o.operation, o.provider])).toEqual([
        ["generate", "cloudflare"],
        ["explain", "cloudflare"],
        ["optimize", "cloudflare"],
        ["fix", "cloudflare"]
      ])
      expect(report.stream.deltas).toBeGreaterThan(1)
      expect(report.fallback.event).toEqual({ from: "cloudflare", to: "openai", error: "ProviderUnavailable" })
      expect(report.fallback.answer).toMatchObject({ provider: "openai", fallback: true, failed: [{ provider: "cloudflare", error: { _tag: "ProviderUnavailable", status: 503 } }] })
      expect(report.metrics.total).toMatchObject({ requests: 8, successes: 6, failures: 2 })
    }), 30_000)

  it("npx tsx src/cli/main.ts demo exits 0 with plain text (not a terminal: no colours)", async () => {
    const root = Path.resolve(__dirname, "../..")
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = ChildProcess.spawn("npx", ["tsx", "src/cli/main.ts", "demo"], { cwd: root, env: { ...process.env, NO_COLOR: undefined } })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (d) => (stdout += d))
      child.stderr.on("data", (d) => (stderr += d))
      child.on("error", reject)
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })
    expect(code).toBe(0)
    expect(stdout).toContain("FallbackTaken")
    expect(stdout).toContain("Metrics summary")
    expect(stdout).toBe(stripAnsi(stdout))
  }, 60_000)
})
