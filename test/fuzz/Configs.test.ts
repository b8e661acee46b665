/**
 * Provider configurations from anywhere (IPC, CLI, an import, a stored row): every input is a
 * config or a `ConfigInvalid` naming a field, with a bounded message; building a provider from a
 * valid config never throws; a secret under a wrong name never lands outside the encrypted table.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer } from "effect"
import fc from "fast-check"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { reply } from "../../src/domain/Limits.js"
import type { ProviderId } from "../../src/domain/ProviderId.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as Database from "../../src/layers/Database.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import { catalog } from "../../src/providers/Catalog.js"
import * as SettingsSql from "../../src/layers/SettingsSql.js"
import { Settings } from "../../src/services/Settings.js"
import { HttpLive } from "../support/http.js"
import { runs, timeout } from "../support/fuzz.js"
import { tempDir } from "../support/tmp.js"

const ids = Object.keys(catalog) as Array<ProviderId>
const fieldNames = ["apiKey", "apiToken", "accountId", "model", "baseUrl", "endpoint", "deployment", "apiVersion", "temperature", "maxTokens", "organization", "project", "reasoning", "safetySettings", "thinkingBudget", "anthropicBeta", "contextWindow", "temperatureSupported"]

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("https://api.example.com/v1", "http://127.0.0.1:1/v1", "http://10.0.0.1", "ftp://x", "gpt-4o", "claude\ud800", "", " ", "0123456789abcdef0123456789abcdef", "2024-10-21", "x".repeat(70_000)),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(null, undefined, 10n, NaN, -Infinity),
  fc.anything({ withBigInt: true, withDate: true, withMap: true, maxDepth: 3 })
)

const config = fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), fc.string({ maxLength: 12 })), value, { maxKeys: 6 })

const noDefect = <A, E>(exit: Exit.Exit<A, E>) => {
  if (Exit.isFailure(exit)) expect(Cause.isDie(exit.cause), Cause.pretty(exit.cause)).toBe(false)
}

describe("provider configs", () => {
  it.effect("any input is a config or a ConfigInvalid with a bounded message; a valid one builds without throwing", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(fc.constantFrom(...ids), config, async (id, input) => {
          const exit = await Effect.runPromiseExit(catalog[id].validate(input))
          noDefect(exit)
          if (Exit.isFailure(exit)) {
            const error = Cause.failureOption(exit.cause)
            expect(error._tag).toBe("Some")
            if (error._tag === "Some") {
              expect(error.value._tag).toBe("ConfigInvalid")
              expect(error.value.message.length).toBeLessThanOrEqual(reply.messageChars)
            }
            return
          }
          noDefect(await Effect.runPromiseExit(catalog[id].make(input).pipe(Effect.provide(HttpLive))))
        }),
        { numRuns: runs(2_000) }
      )
    ), timeout(60_000))

  it.scoped("a secret under a misspelled or foreign field name is refused and never reaches the database file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      const context = yield* Layer.build(
        SettingsSql.layer.pipe(Layer.provideMerge(Database.layer({ filename: file })), Layer.provide(KeyStores.fromKey(Crypto.generateKey())))
      )
      const settings = yield* Effect.provide(Settings, context)
      const secret = "SECRET-misspelled-0123456789"
      const misspellings = ["apikey", "api_key", "APIKEY", "apiKey ", "key", "token", "apiToken", "api-token", "apiKeys", "password", "secret"]
      for (const id of ids) {
        for (const name of misspellings) {
          if (catalog[id].secretFields.includes(name)) continue
          const error = yield* Effect.flip(settings.saveProvider(id, { [name]: secret }))
          expect(error._tag).toBe("ConfigInvalid")
          expect(error.message).not.toContain(secret)
        }
      }
      expect((yield* settings.snapshot).providers).toHaveLength(0)
      const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => Fs.existsSync(f)).map((f) => Fs.readFileSync(f)))
      expect(bytes.includes(Buffer.from(secret))).toBe(false)
    }))
})
