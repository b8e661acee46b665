/**
 * `dbtk-ai cache` and `--cache`: a repeated request is served from the response cache (nothing
 * sent, `cached: true` in `--json`), `--cache bypass` and `refresh` ask again, `cache stats`
 * counts the answers and `cache clear` empties it, all or one provider's; the settings reset
 * empties it too. Through the CLI as a user runs it, against a temporary data folder.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { setup } from "./harness.js"

describe("dbtk-ai cache", () => {
  it.live("a repeated request is cached; --cache bypass and refresh ask again; stats counts; clear empties, per provider or all", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, cloudflare, configureBoth } = yield* setup
      yield* configureBoth
      const ask = (...extra: ReadonlyArray<string>) => Effect.map(cli("generate", "list the customers", "--json", ...extra), (r) => r.json())

      expect((yield* ask()).cached).toBe(false)
      const again = yield* ask()
      expect(again).toMatchObject({ cached: true, provider: "cloudflare", cost: { usd: 0, source: "cache" } })
      expect(cloudflare.chatRequests()).toHaveLength(1)
      expect((yield* ask("--cache", "bypass")).cached).toBe(false)
      expect((yield* ask("--cache", "refresh")).cached).toBe(false)
      expect(cloudflare.chatRequests()).toHaveLength(3)

      const stats = yield* cli("cache", "stats", "--json")
      expect(stats.code).toBe(0)
      expect(stats.json().entries).toBe(1)
      expect(stats.json().bytes).toBeGreaterThan(0)
      expect((yield* cli("cache", "stats")).stdout).toMatch(/^1 cached answer, [\d,]+ bytes/)

      // Another provider's answers are not touched; then all of them go.
      expect((yield* cli("cache", "clear", "--provider", "openai", "--json")).json()).toEqual({ cleared: 0, provider: "openai" })
      const cleared = yield* cli("cache", "clear")
      expect(cleared.code).toBe(0)
      expect(cleared.stdout).toContain("Cleared 1 cached answer")
      expect((yield* cli("cache", "stats", "--json")).json().entries).toBe(0)
      expect((yield* ask()).cached).toBe(false)
      expect(cloudflare.chatRequests()).toHaveLength(4)

      // The settings reset empties it too, and says so.
      const reset = yield* cli("settings", "reset-secrets", "--yes")
      expect(reset.stdout).toContain("the response cache was emptied too (1 answer)")
      expect((yield* cli("cache", "stats", "--json")).json().entries).toBe(0)

      const bad = yield* cli("generate", "list the customers", "--cache", "sometimes")
      expect(bad.code).toBe(2)
    })))
})
