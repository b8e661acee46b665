/**
 * A stored secret is only ever sent to the endpoint it was saved with: testing, saving or importing
 * a configuration whose endpoint differs needs the secret again in the same call.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import type { ProviderId } from "../../src/domain/ProviderId.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as Database from "../../src/layers/Database.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import * as ProviderRegistryFromSettings from "../../src/layers/ProviderRegistryFromSettings.js"
import * as SettingsSql from "../../src/layers/SettingsSql.js"
import { ProviderRegistry } from "../../src/services/ProviderRegistry.js"
import { Settings } from "../../src/services/Settings.js"
import { HttpLive } from "../support/http.js"
import { tempDir } from "../support/tmp.js"

/** A loopback server that records every request (its URL and headers) and answers 500. */
const recorder = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly seen: Array<{ url: string; headers: Http.IncomingHttpHeaders }>; readonly server: Http.Server }>((resume) => {
    const seen: Array<{ url: string; headers: Http.IncomingHttpHeaders }> = []
    const server = Http.createServer((req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers })
      req.resume()
      res.writeHead(500, { "content-type": "application/json" }).end(`{"error":{"message":"recorder"}}`)
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server })))
  }),
  ({ server }) => Effect.promise(() => new Promise<void>((done) => server.close(() => done())))
)

const STORED_KEY = "stored-SECRET-key-0123456789"
const NEW_KEY = "new-SECRET-key-9876543210"
const ACCOUNT = "0123456789abcdef0123456789abcdef"

interface Case {
  readonly provider: ProviderId
  readonly secret: string
  readonly field: string
  /** The stored configuration (its endpoint points at `home`). */
  readonly stored: (home: string) => Record<string, unknown>
  /** The same endpoint written differently (must not count as a change). */
  readonly sameEndpoint: (home: string) => Record<string, unknown>
  /** A change of this endpoint field towards `elsewhere`. */
  readonly moved: (elsewhere: string) => Record<string, unknown>
}

const cases: ReadonlyArray<Case> = [
  { provider: "openai", secret: "apiKey", field: "baseUrl", stored: (h) => ({ apiKey: STORED_KEY, baseUrl: `${h}/v1` }), sameEndpoint: (h) => ({ baseUrl: `${h}/v1/` }), moved: (e) => ({ baseUrl: `${e}/v1` }) },
  { provider: "anthropic", secret: "apiKey", field: "baseUrl", stored: (h) => ({ apiKey: STORED_KEY, baseUrl: `${h}/v1` }), sameEndpoint: (h) => ({ baseUrl: ` ${h}/v1 ` }), moved: (e) => ({ baseUrl: `${e}/v1` }) },
  { provider: "gemini", secret: "apiKey", field: "baseUrl", stored: (h) => ({ apiKey: STORED_KEY, baseUrl: `${h}/v1beta` }), sameEndpoint: (h) => ({ baseUrl: `${h}/v1beta/` }), moved: (e) => ({ baseUrl: `${e}/v1beta` }) },
  { provider: "ollama", secret: "apiKey", field: "baseUrl", stored: (h) => ({ apiKey: STORED_KEY, baseUrl: h }), sameEndpoint: (h) => ({ baseUrl: `${h}/` }), moved: (e) => ({ baseUrl: e }) },
  {
    provider: "azure-openai",
    secret: "apiKey",
    field: "endpoint",
    stored: (h) => ({ apiKey: STORED_KEY, endpoint: h, deployment: "gpt-4o", apiVersion: "2024-10-21" }),
    sameEndpoint: (h) => ({ endpoint: `${h}/` }),
    moved: (e) => ({ endpoint: e })
  },
  {
    provider: "cloudflare",
    secret: "apiToken",
    field: "baseUrl",
    stored: (h) => ({ apiToken: STORED_KEY, accountId: ACCOUNT, baseUrl: `${h}/client/v4` }),
    sameEndpoint: (h) => ({ baseUrl: `${h}/client/v4/` }),
    moved: (e) => ({ baseUrl: `${e}/client/v4` })
  },
  {
    provider: "cloudflare",
    secret: "apiToken",
    field: "accountId",
    stored: (h) => ({ apiToken: STORED_KEY, accountId: ACCOUNT, baseUrl: `${h}/client/v4` }),
    sameEndpoint: () => ({ accountId: ACCOUNT }),
    moved: () => ({ accountId: "fedcba9876543210fedcba9876543210" })
  }
]

const stackAt = (file: string) =>
  ProviderRegistryFromSettings.layer.pipe(
    Layer.provideMerge(SettingsSql.layer),
    Layer.provideMerge(Database.layer({ filename: file })),
    Layer.provide(KeyStores.fromKey(Crypto.generateKey())),
    Layer.provide(HttpLive)
  )

const setup = Effect.gen(function*() {
  const dir = yield* tempDir
  const home = yield* recorder
  const elsewhere = yield* recorder
  const context = yield* Layer.build(stackAt(Path.join(dir, "ai.db")))
  return { home, elsewhere, settings: Effect.provide(Settings, context), registry: Effect.provide(ProviderRegistry, context) }
})

const keysSeen = (seen: ReadonlyArray<{ headers: Http.IncomingHttpHeaders }>) => JSON.stringify(seen.map((s) => s.headers))

describe("a stored secret stays with its endpoint", () => {
  for (const c of cases) {
    describe(`${c.provider}: ${c.field}`, () => {
      it.scoped("testing a new endpoint without the secret is refused on the secret field, and nothing is sent", () =>
        Effect.gen(function*() {
          const { elsewhere, home, registry, settings } = yield* setup
          yield* Effect.flatMap(settings, (s) => s.saveProvider(c.provider, c.stored(home.url)))
          const error = yield* Effect.flip(Effect.flatMap(registry, (r) => r.test(c.provider, c.moved(elsewhere.url))))
          expect(error._tag).toBe("ConfigInvalid")
          expect(error._tag === "ConfigInvalid" && error.field).toBe(c.secret)
          expect(error.message).toContain(c.field)
          expect(error.message).not.toContain(STORED_KEY)
          expect(elsewhere.seen).toHaveLength(0)
        }))

      it.scoped("saving a new endpoint without the secret is refused and the stored configuration is kept", () =>
        Effect.gen(function*() {
          const { elsewhere, home, settings } = yield* setup
          const s = yield* settings
          const before = yield* s.saveProvider(c.provider, c.stored(home.url))
          const error = yield* Effect.flip(s.saveProvider(c.provider, c.moved(elsewhere.url)))
          expect(error._tag === "ConfigInvalid" && error.field).toBe(c.secret)
          const after = yield* s.provider(c.provider)
          expect(after.config).toEqual(before.config)
          expect(after.revision).toBe(before.revision)
          expect(Redacted.value((yield* s.providerInput(c.provider))[c.secret] as Redacted.Redacted<string>)).toBe(STORED_KEY)
        }))

      it.scoped("with the secret given again, the new endpoint is tested with the new secret only", () =>
        Effect.gen(function*() {
          const { elsewhere, home, registry, settings } = yield* setup
          yield* Effect.flatMap(settings, (s) => s.saveProvider(c.provider, c.stored(home.url)))
          const r = yield* registry
          yield* r.test(c.provider, { ...c.moved(elsewhere.url), [c.secret]: NEW_KEY })
          // The account id case sends to the stored base URL (the account is in the path).
          const target = c.field === "accountId" ? home : elsewhere
          expect(target.seen.length).toBeGreaterThan(0)
          expect(keysSeen(target.seen)).toContain(NEW_KEY)
          expect(keysSeen([...home.seen, ...elsewhere.seen])).not.toContain(STORED_KEY)
          yield* r.save(c.provider, { ...c.moved(elsewhere.url), [c.secret]: NEW_KEY })
          const s = yield* settings
          expect(Redacted.value((yield* s.providerInput(c.provider))[c.secret] as Redacted.Redacted<string>)).toBe(NEW_KEY)
        }))

      it.scoped("the same endpoint written another way keeps the stored secret", () =>
        Effect.gen(function*() {
          const { home, registry, settings } = yield* setup
          const s = yield* settings
          yield* s.saveProvider(c.provider, c.stored(home.url))
          yield* s.saveProvider(c.provider, { ...c.sameEndpoint(home.url), temperature: 0.5 })
          expect(Redacted.value((yield* s.providerInput(c.provider))[c.secret] as Redacted.Redacted<string>)).toBe(STORED_KEY)
          yield* Effect.flatMap(registry, (r) => r.test(c.provider, c.sameEndpoint(home.url)))
          expect(keysSeen(home.seen)).toContain(STORED_KEY)
        }))
    })
  }

  it.scoped("an import whose endpoint differs from the stored one needs the secret in the file", () =>
    Effect.gen(function*() {
      const { elsewhere, home, settings } = yield* setup
      const s = yield* settings
      yield* s.saveProvider("openai", { apiKey: STORED_KEY, baseUrl: `${home.url}/v1` })
      const file = JSON.parse(yield* s.exportJson()) as { providers: Record<string, { config: Record<string, unknown> }> }
      file.providers["openai"]!.config["baseUrl"] = `${elsewhere.url}/v1`
      const error = yield* Effect.flip(s.importJson(JSON.stringify(file)))
      expect(error._tag === "ConfigInvalid" && error.field).toBe("apiKey")
      expect((yield* s.provider("openai")).config["baseUrl"]).toBe(`${home.url}/v1`)
      // With the key in the file (an export of one provider), the import goes through.
      const withKey = { ...file, providers: { openai: { ...file.providers["openai"], secrets: { apiKey: NEW_KEY } } } }
      yield* s.importJson(JSON.stringify(withKey))
      expect((yield* s.provider("openai")).config["baseUrl"]).toBe(`${elsewhere.url}/v1`)
      expect(Redacted.value((yield* s.providerInput("openai")).apiKey as Redacted.Redacted<string>)).toBe(NEW_KEY)
    }))
})
