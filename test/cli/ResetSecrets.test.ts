/**
 * `dbtk-ai settings reset-secrets`: the way out of a lost ai.key, through the CLI as a user runs
 * it (in this process, against a temporary data folder).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { SECRET_KEY } from "../support/http.js"
import { tempDir } from "../support/tmp.js"
import { OPENAI_KEY, runCli, setup } from "./harness.js"

describe("dbtk-ai settings reset-secrets", () => {
  it.live("a lost ai.key: every command says so and how to recover; reset-secrets needs --yes, then providers keep their settings", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, configureBoth, dir, openai } = yield* setup
      yield* configureBoth
      const keyFile = Path.join(dir, "ai.key")
      Fs.rmSync(keyFile)

      const lost = yield* cli("settings", "get")
      expect(lost.code).toBe(1)
      expect(lost.stderr).toContain("[SettingsError]")
      expect(lost.stderr).toContain(`The key file ${keyFile} is missing, but the database holds 2 encrypted keys`)
      expect(lost.stderr).toContain("dbtk-ai settings reset-secrets --yes")
      expect(lost.stderr).toContain("start over without the stored keys") // the hint for this reason
      expect(Fs.existsSync(keyFile)).toBe(false)

      const lostJson = yield* cli("providers", "list", "--no-health", "--json")
      expect(lostJson.code).toBe(1)
      expect(lostJson.json().error).toMatchObject({ _tag: "SettingsError", reason: "MissingMasterKey" })
      expect(Fs.existsSync(keyFile)).toBe(false)

      // Without --yes: refused, says what it would do, changes nothing.
      const refused = yield* cli("settings", "reset-secrets")
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain("Refusing without --yes")
      expect(refused.stderr).toContain("the 2 stored secrets (cloudflare.apiToken, openai.apiKey)")
      expect((yield* cli("settings", "get")).stderr).toContain(`The key file ${keyFile} is missing`)

      const done = yield* cli("settings", "reset-secrets", "--yes")
      expect(done.code).toBe(0)
      expect(done.stdout).toContain(`Deleted 2 stored secrets (cloudflare.apiToken, openai.apiKey) and the master-key check from ${Path.join(dir, "ai.db")}`)
      expect(done.stdout).toContain("enter their keys again")

      const after = yield* cli("settings", "get")
      expect(after.code).toBe(0)
      const view = after.json()
      expect(view.providers.openai).toMatchObject({ config: { baseUrl: openai.baseUrl }, secretsStored: [] })
      expect(view.providers.openai.problem).toContain("apiKey")
      expect(view.providers.cloudflare.secretsStored).toEqual([])
      expect(Fs.existsSync(keyFile)).toBe(true)

      // Entering the key again is all it takes.
      expect((yield* cli("providers", "set", "openai", `apiKey=${OPENAI_KEY}`)).code).toBe(0)
      expect((yield* cli("providers", "test", "openai")).code).toBe(0)

      for (const run of [lost, lostJson, refused, done, after]) expect(run.stdout + run.stderr).not.toContain(SECRET_KEY)
    })))

  it.live("--json reports what was deleted; a folder without a database is refused and left empty", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, configureBoth } = yield* setup
      yield* configureBoth
      const done = yield* cli("settings", "reset-secrets", "--yes", "--json")
      expect(done.code).toBe(0)
      expect(done.json()).toMatchObject({
        secrets: [{ provider: "cloudflare", field: "apiToken" }, { provider: "openai", field: "apiKey" }],
        keyCheckRemoved: true
      })

      const empty = yield* tempDir
      const none = yield* runCli(["--data-dir", empty, "settings", "reset-secrets", "--yes"])
      expect(none.code).toBe(2)
      expect(none.stderr).toContain("There is no database")
      expect(Fs.readdirSync(empty)).toEqual([])
    })))
})
