import { execFile } from "node:child_process"
import { resolve } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

// The check runs for 15-30 s, longer on a busy machine. It must not block this worker's event
// loop meanwhile (as `execFileSync` did): vitest's worker RPC gives up on a call after 60 s
// ("Timeout calling onTaskUpdate"), and a timer that fires before the answer is read fails the
// whole run although every test passed.
const run = promisify(execFile)
const TIMEOUT_MS = 240_000

describe("the published package", () => {
  // pack-check also proves the exports map names exactly the public entries (root, one per
  // provider, ./ipc, ./preload, ./testing, ./package.json), that `import` and `require` of
  // anything under internal/ (or dist/) fail with ERR_PACKAGE_PATH_NOT_EXPORTED, that a provider
  // entry, in a fresh process, resolves no SQLite module (better-sqlite3 is seen loading through
  // the main entry, so the check can see it) and none of the stack, IPC or test kit, and that the
  // preload entry works with `import` and with `require` (its CommonJS build), loads only its own
  // three modules either way (no Effect), and types `window.dbtkAi` for a renderer's TypeScript
  // (`/// <reference types="@db-toolkit/ai/preload" />`).
  it("builds, packs, installs into a scratch project and answers through its entry points; internal/ stays hidden; a provider entry loads no SQLite; the preload entry loads alone, with import and require", async () => {
    const { stdout } = await run(process.execPath, [resolve(import.meta.dirname, "../scripts/pack-check.mjs")], {
      encoding: "utf8",
      timeout: TIMEOUT_MS - 10_000,
      maxBuffer: 16 * 1024 * 1024
    })
    expect(stdout).toMatch(/^pack-check: internal\/ not exported \(5 specifiers/m)
    expect(stdout).toMatch(/^pack-check: providers\/openai loads \d+ modules of the package, no SQLite/m)
    expect(stdout).toMatch(/^pack-check: preload loads 3 modules with import and 3 with require \(its CommonJS build\), nothing else$/m)
    expect(stdout).toMatch(/^pack-check: a renderer's TypeScript types window\.dbtkAi from the installed package$/m)
    expect(stdout).toMatch(/^pack-check: electron entry required from CommonJS: 25 channels registered with no Effect or SQLite loaded/m)
    expect(stdout).toMatch(/^pack-check: a CommonJS app \(electron entry \+ preload bridge\) drove all 25 channels through window\.dbtkAi to an emulator/m)
    expect(stdout).toMatch(/^pack-check: an answer's SQL was checked by node-sql-parser's SQLite grammar \(the package's vendored copy\)/m)
    expect(stdout).toMatch(/^pack-check: dbtk-ai ui --demo from the installed package serves the built page/m)
    expect(stdout).toMatch(/^pack-check: ok/m)
  }, TIMEOUT_MS)
})
