import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted, Stream, Chunk, Fiber } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { ProviderId } from "../../src/domain/ProviderId.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as Database from "../../src/layers/Database.js"
import * as EnvMigration from "../../src/layers/EnvMigration.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import * as ProviderRegistryFromSettings from "../../src/layers/ProviderRegistryFromSettings.js"
import * as SettingsSql from "../../src/layers/SettingsSql.js"
import { ProviderRegistry } from "../../src/services/ProviderRegistry.js"
import { Settings } from "../../src/services/Settings.js"
import * as OpenAiEmulator from "../../src/testing/emulators/OpenAiEmulator.js"
import { HttpLive } from "../support/http.js"
import { tempDir } from "../support/tmp.js"

const KEY_A = Crypto.generateKey()
const KEY_B = Crypto.generateKey()

const secrets: Record<ProviderId, string | undefined> = {
  cloudflare: "cf-token-SECRET-1-abcdefghij",
  openai: "sk-openai-SECRET-2-abcdefghij",
  ollama: undefined,
  anthropic: "sk-ant-SECRET-3-abcdefghij",
  "azure-openai": "azure-SECRET-4-abcdefghij",
  gemini: "AIza-gemini-SECRET-5-abcdefghij"
}
const samples: Record<ProviderId, Record<string, unknown>> = {
  cloudflare: { accountId: "0123456789abcdef0123456789abcdef", apiToken: secrets.cloudflare, model: "@cf/meta/llama-3.1-8b-instruct-fast" },
  openai: { apiKey: secrets.openai, model: "gpt-4.1", organization: "org-1" },
  ollama: { baseUrl: "http://192.168.1.20:11434", model: "llama3.2", contextWindow: 8192 },
  anthropic: { apiKey: secrets.anthropic, maxTokens: 1024 },
  "azure-openai": { endpoint: "https://myres.openai.azure.com", apiKey: secrets["azure-openai"], deployment: "gpt-4o", apiVersion: "2024-10-21" },
  gemini: { apiKey: secrets.gemini, safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_ONLY_HIGH" }] }
}

const layerAt = (file: string, key: Redacted.Redacted<string> = KEY_A) =>
  SettingsSql.layer.pipe(Layer.provideMerge(Database.layer({ filename: file })), Layer.provide(KeyStores.fromKey(key)))

const withSettings = <A, E>(file: string, f: (s: typeof Settings.Service, sql: SqlClient.SqlClient) => Effect.Effect<A, E>, key?: Redacted.Redacted<string>) =>
  Effect.scoped(Effect.flatMap(Effect.zip(Settings, SqlClient.SqlClient), ([s, sql]) => f(s, sql)).pipe(Effect.provide(layerAt(file, key))))

const dbFile = Effect.map(tempDir, (dir) => Path.join(dir, "ai.db"))
const fileBytes = (file: string) =>
  Buffer.concat([file, `${file}-wal`].filter((f) => Fs.existsSync(f)).map((f) => Fs.readFileSync(f)))

describe("Settings on SQLite", () => {
  it.scoped("round-trips every provider's configuration across a restart, secrets apart and Redacted", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s) => Effect.forEach(Object.entries(samples), ([id, input]) => s.saveProvider(id as ProviderId, input)))
      yield* withSettings(file, (s) =>
        Effect.gen(function*() {
          const snap = yield* s.snapshot
          expect(snap.providers.map((p) => p.id).sort()).toEqual(Object.keys(samples).sort())
          for (const [id, input] of Object.entries(samples) as Array<[ProviderId, Record<string, unknown>]>) {
            const entry = yield* s.provider(id)
            expect(entry.problem).toBeUndefined()
            expect(JSON.stringify(entry)).not.toContain("SECRET")
            const back = yield* s.providerInput(id)
            for (const [k, v] of Object.entries(input)) {
              const got = back[k]
              if (Redacted.isRedacted(got)) expect(Redacted.value(got as Redacted.Redacted<string>)).toBe(v)
              else expect(got).toEqual(v)
            }
          }
        }))
    }))

  it.scoped("no key is stored in plaintext: the database file's bytes do not contain any", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s) => Effect.forEach(Object.entries(samples), ([id, input]) => s.saveProvider(id as ProviderId, input)))
      const bytes = fileBytes(file)
      expect(bytes.length).toBeGreaterThan(1000)
      for (const secret of Object.values(secrets)) if (secret) expect(bytes.includes(Buffer.from(secret))).toBe(false)
      expect(bytes.includes(Buffer.from("0123456789abcdef0123456789abcdef"))).toBe(true) // the account id is not a secret
    }))

  it.scoped("a ciphertext copied to another provider's row does not decrypt (AAD binds it)", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s, sql) =>
        Effect.gen(function*() {
          yield* s.saveProvider("openai", samples.openai)
          yield* s.saveProvider("anthropic", samples.anthropic)
          yield* sql`UPDATE ai_secrets SET nonce = (SELECT nonce FROM ai_secrets WHERE provider = 'openai'),
            ciphertext = (SELECT ciphertext FROM ai_secrets WHERE provider = 'openai'),
            tag = (SELECT tag FROM ai_secrets WHERE provider = 'openai') WHERE provider = 'anthropic'`
          const error = yield* Effect.flip(s.providerInput("anthropic"))
          expect(error._tag === "SettingsError" && error.reason).toBe("UnreadableSecret")
          expect(error.message).not.toContain("SECRET")
          expect(Redacted.value((yield* s.providerInput("openai")).apiKey as Redacted.Redacted<string>)).toBe(secrets.openai)
        }))
    }))

  it.scoped("every write uses a fresh nonce", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      const nonces = yield* withSettings(file, (s, sql) =>
        Effect.gen(function*() {
          yield* s.saveProvider("openai", samples.openai)
          const a = yield* sql<{ nonce: Uint8Array }>`SELECT nonce FROM ai_secrets`
          yield* s.saveProvider("openai", samples.openai)
          const b = yield* sql<{ nonce: Uint8Array }>`SELECT nonce FROM ai_secrets`
          return [Buffer.from(a[0]!.nonce), Buffer.from(b[0]!.nonce)]
        }))
      expect(nonces[0]!.equals(nonces[1]!)).toBe(false)
    }))

  it.scoped("a wrong master key is a clear error and overwrites nothing", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s) => s.saveProvider("openai", samples.openai))
      const error = yield* Effect.flip(withSettings(file, (s) => s.snapshot, KEY_B))
      expect(error._tag).toBe("SettingsError")
      expect(error._tag === "SettingsError" && error.reason).toBe("WrongMasterKey")
      expect(error.message).toContain("does not match")
      const back = yield* withSettings(file, (s) => s.providerInput("openai"))
      expect(Redacted.value(back.apiKey as Redacted.Redacted<string>)).toBe(secrets.openai)
    }))

  it.scoped("key rotation re-encrypts every secret; the old key no longer opens the store", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s) =>
        Effect.zipRight(Effect.forEach(Object.entries(samples), ([id, input]) => s.saveProvider(id as ProviderId, input)), s.rotateMasterKey(KEY_B)))
      const back = yield* withSettings(file, (s) => s.providerInput("gemini"), KEY_B)
      expect(Redacted.value(back.apiKey as Redacted.Redacted<string>)).toBe(secrets.gemini)
      expect((yield* Effect.flip(withSettings(file, (s) => s.snapshot, KEY_A)))._tag).toBe("SettingsError")
    }))

  it.scoped("a key file is created with mode 0600, and a rotation through it keeps the previous key beside it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "ai.db")
      const keyFile = Path.join(dir, "ai.key")
      const layer = SettingsSql.layer.pipe(Layer.provideMerge(Database.layer({ filename: file })), Layer.provide(KeyStores.fromFile(keyFile)))
      yield* Effect.scoped(Effect.flatMap(Settings, (s) => Effect.zipRight(s.saveProvider("openai", samples.openai), s.rotateMasterKey(KEY_B))).pipe(Effect.provide(layer)))
      expect(Fs.statSync(keyFile).mode & 0o777).toBe(0o600)
      expect(Fs.readFileSync(keyFile, "utf8").trim()).toBe(Redacted.value(KEY_B))
      expect(Fs.existsSync(`${keyFile}.previous`)).toBe(true)
      const back = yield* Effect.scoped(Effect.flatMap(Settings, (s) => s.providerInput("openai")).pipe(Effect.provide(layer)))
      expect(Redacted.value(back.apiKey as Redacted.Redacted<string>)).toBe(secrets.openai)
    }))

  it.scoped("an invalid stored row is reported on its provider, the others keep working, nothing is deleted", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s, sql) =>
        Effect.gen(function*() {
          yield* s.saveProvider("cloudflare", samples.cloudflare)
          yield* s.saveProvider("openai", samples.openai)
          yield* sql`UPDATE ai_providers SET config = '{"accountId": "", "model": "x"}' WHERE id = 'cloudflare'`
        }))
      yield* withSettings(file, (s, sql) =>
        Effect.gen(function*() {
          const cf = yield* s.provider("cloudflare")
          expect(cf.problem?.field).toBe("accountId")
          const error = yield* Effect.flip(s.providerInput("cloudflare"))
          expect(error._tag === "ConfigInvalid" && error.provider).toBe("cloudflare")
          expect(Redacted.value((yield* s.providerInput("openai")).apiKey as Redacted.Redacted<string>)).toBe(secrets.openai)
          expect(yield* sql`SELECT id FROM ai_providers ORDER BY id`).toEqual([{ id: "cloudflare" }, { id: "openai" }])
        }))
    }))

  it.scoped("bad input names the field and stores nothing", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s) =>
        Effect.gen(function*() {
          const e1 = yield* Effect.flip(s.saveProvider("azure-openai", { ...samples["azure-openai"], endpoint: "not a url" }))
          expect(e1._tag === "ConfigInvalid" && e1.field).toBe("endpoint")
          const e2 = yield* Effect.flip(s.saveProvider("openai", samples.openai, { resilience: { retry: { maxRetries: 99 } } }))
          expect(e2._tag === "SettingsInvalid" && e2.field).toBe("resilience.retry.maxRetries")
          const e3 = yield* Effect.flip(s.update({ activeProvider: "gemini" }))
          expect(e3._tag === "SettingsInvalid" && e3.field).toBe("activeProvider")
          const e4 = yield* Effect.flip(s.update({ health: { intervalMs: -5 } as never }))
          expect(e4._tag === "SettingsInvalid" && e4.field).toBe("health.intervalMs")
          expect((yield* s.snapshot).providers).toEqual([])
        }))
    }))

  it.scoped("fields left out keep their stored values, secrets included; null clears one", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s) =>
        Effect.gen(function*() {
          yield* s.saveProvider("openai", samples.openai)
          yield* s.saveProvider("openai", { model: "gpt-4o" })
          const back = yield* s.providerInput("openai")
          expect(back.model).toBe("gpt-4o")
          expect(back.organization).toBe("org-1")
          expect(Redacted.value(back.apiKey as Redacted.Redacted<string>)).toBe(secrets.openai)
          yield* s.saveProvider("openai", { organization: null })
          expect((yield* s.providerInput("openai")).organization).toBeUndefined()
          yield* s.saveProvider("ollama", { ...samples.ollama, baseUrl: "https://ollama.example.com", apiKey: "ollama-SECRET-6" })
          yield* s.saveProvider("ollama", { ...samples.ollama, apiKey: null })
          expect((yield* s.provider("ollama")).secrets).toEqual([])
        }))
    }))

  it.scoped("concurrent updates lose no write", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s) =>
        Effect.all([
          ...Object.entries(samples).map(([id, input]) => s.saveProvider(id as ProviderId, input)),
          ...Array.from({ length: 20 }, (_, i) => Effect.flatMap(s.saveProvider("openai", samples.openai), () => s.setResilience("openai", { retry: { maxRetries: i % 10 } }))),
          s.update({ health: { intervalMs: 123_000 } })
        ], { concurrency: "unbounded" }))
      yield* withSettings(file, (s) =>
        Effect.gen(function*() {
          const snap = yield* s.snapshot
          expect(snap.providers).toHaveLength(6)
          expect(snap.settings.health.intervalMs).toBe(123_000)
          expect((yield* s.provider("openai")).revision).toBe(41)
        }))
    }))

  it.scoped("a failure in the middle of an update leaves the previous settings intact", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s, sql) =>
        Effect.gen(function*() {
          yield* s.saveProvider("gemini", samples.gemini)
          yield* sql`CREATE TRIGGER boom BEFORE UPDATE ON ai_secrets WHEN NEW.provider = 'gemini' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`
          const error = yield* Effect.flip(s.saveProvider("gemini", { ...samples.gemini, model: "gemini-2.5-pro", apiKey: "AIza-new-key-0000000000" }))
          expect(error._tag === "SettingsError" && error.reason).toBe("Storage")
          const entry = yield* s.provider("gemini")
          expect(entry.config.model).toBeUndefined()
          expect(entry.revision).toBe(1)
          yield* sql`DROP TRIGGER boom`
        }))
      const back = yield* withSettings(file, (s) => s.providerInput("gemini"))
      expect(back.model).toBeUndefined()
      expect(Redacted.value(back.apiKey as Redacted.Redacted<string>)).toBe(secrets.gemini)
    }))

  it.live("publishes changes", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      const changes = yield* withSettings(file, (s) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Stream.runCollect(Stream.take(s.changes, 3)))
          yield* Effect.sleep("10 millis")
          yield* s.saveProvider("openai", samples.openai)
          yield* s.update({ activeProvider: "openai" })
          yield* s.setEnabled("openai", false)
          return Chunk.toArray(yield* Fiber.join(fiber))
        }))
      expect(changes.map((c) => c._tag)).toEqual(["ProviderChanged", "AppSettingsChanged", "ProviderChanged"])
    }).pipe(Effect.scoped))

  it.scoped("export leaves secrets out unless asked; import applies all or nothing", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      const [plain, withSecrets] = yield* withSettings(file, (s) =>
        Effect.gen(function*() {
          for (const [id, input] of Object.entries(samples)) yield* s.saveProvider(id as ProviderId, input)
          yield* s.update({ activeProvider: "anthropic", fallback: { order: ["anthropic", "openai"] } })
          return [yield* s.exportJson(), yield* s.exportJson({ includeSecrets: true })] as const
        }))
      for (const secret of Object.values(secrets)) if (secret) expect(plain).not.toContain(secret)
      expect(withSecrets).toContain(secrets.openai)
      const other = Path.join(Path.dirname(file), "other.db")
      const report = yield* withSettings(other, (s) => s.importJson(withSecrets))
      expect(report.secretsImported).toBe(5)
      yield* withSettings(other, (s) =>
        Effect.gen(function*() {
          const snap = yield* s.snapshot
          expect(snap.settings.activeProvider).toBe("anthropic")
          expect(snap.settings.fallback.order).toEqual(["anthropic", "openai"])
          expect(Redacted.value((yield* s.providerInput("azure-openai")).apiKey as Redacted.Redacted<string>)).toBe(secrets["azure-openai"])
        }))
      // an export whose gemini config is broken changes nothing at all
      const broken = JSON.parse(plain)
      broken.providers.gemini.config.safetySettings = [{ category: "HARM_CATEGORY_NOPE", threshold: "OFF" }]
      broken.settings.activeProvider = "gemini"
      const fresh = Path.join(Path.dirname(file), "fresh.db")
      const error = yield* Effect.flip(withSettings(fresh, (s) => s.importJson(JSON.stringify(broken))))
      expect(error._tag).toBe("ConfigInvalid")
      expect((yield* withSettings(fresh, (s) => s.snapshot)).providers).toEqual([])
      expect((yield* Effect.flip(withSettings(fresh, (s) => s.importJson("{nope"))))._tag).toBe("SettingsInvalid")
    }))
})

describe("Migration from the .env era", () => {
  const envText = [
    "# DB Toolkit",
    "CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef",
    "export CLOUDFLARE_API_TOKEN=\"cf-SECRET-env-token-123\"",
    "CLOUDFLARE_MODEL='@cf/meta/llama-3.1-8b-instruct-fast'  ",
    "AI_TEMPERATURE=0.3 # cooler",
    "AI_MAX_TOKENS=lots"
  ].join("\r\n")

  it("parses .env files", () => {
    expect(EnvMigration.parseEnvFile(envText)).toEqual({
      CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef",
      CLOUDFLARE_API_TOKEN: "cf-SECRET-env-token-123",
      CLOUDFLARE_MODEL: "@cf/meta/llama-3.1-8b-instruct-fast",
      AI_TEMPERATURE: "0.3",
      AI_MAX_TOKENS: "lots"
    })
  })

  it.scoped("imports, activates, backs up first; a second run changes nothing; rollback restores the backup", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      const envFile = Path.join(Path.dirname(file), ".env")
      Fs.writeFileSync(envFile, envText)
      yield* withSettings(file, (s, sql) =>
        Effect.gen(function*() {
          yield* s.saveProvider("ollama", samples.ollama)
          const report = yield* EnvMigration.fromEnv({ envFile, env: {} }).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.provideService(Settings, s))
          expect(report.status).toBe("imported")
          expect(report.imported).toEqual(["accountId", "apiToken", "model", "temperature"])
          expect(report.skipped).toEqual([{ variable: "AI_MAX_TOKENS", reason: "is not a number" }])
          expect(report.activated).toBe(true)
          expect(JSON.stringify(report)).not.toContain("cf-SECRET")
          expect(Fs.existsSync(report.backup!)).toBe(true)
          const snap = yield* s.snapshot
          expect(snap.settings.activeProvider).toBe("cloudflare")
          const input = yield* s.providerInput("cloudflare")
          expect(input.temperature).toBe(0.3)
          expect(Redacted.value(input.apiToken as Redacted.Redacted<string>)).toBe("cf-SECRET-env-token-123")

          const again = yield* EnvMigration.fromEnv({ envFile, env: {} }).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.provideService(Settings, s))
          expect(again.status).toBe("unchanged")
          expect(again.backup).toBeUndefined()
          expect((yield* s.provider("cloudflare")).revision).toBe(1)

          const rolled = yield* EnvMigration.rollback.pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.provideService(Settings, s))
          expect(rolled.restoredFrom).toBe(report.backup)
          const after = yield* s.snapshot
          expect(after.settings.activeProvider).toBeUndefined()
          expect(after.providers.map((p) => p.id)).toEqual(["ollama"])
        }))
    }))

  it.scoped("a retired CLOUDFLARE_MODEL is not imported: the report says so, the rest is, and the default model serves", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s, sql) =>
        Effect.gen(function*() {
          const env = {
            CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef",
            CLOUDFLARE_API_TOKEN: "cf-SECRET-env-token-123",
            // DB Toolkit's own hard-coded model until Cloudflare retired it.
            CLOUDFLARE_MODEL: "@cf/meta/llama-3.1-70b-instruct"
          }
          const report = yield* EnvMigration.fromEnv({ env }).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.provideService(Settings, s))
          expect(report.status).toBe("imported")
          expect(report.imported).toEqual(["accountId", "apiToken"])
          expect(report.skipped).toEqual([{
            variable: "CLOUDFLARE_MODEL",
            reason:
              "names @cf/meta/llama-3.1-70b-instruct, which the provider retired on 2026-05-30; use @cf/meta/llama-3.3-70b-instruct-fp8-fast or another current model (the default is used until you choose)"
          }])
          const entry = yield* s.provider("cloudflare")
          expect(entry.problem).toBeUndefined()
          expect(entry.config.model).toBeUndefined()
        }))
    }))

  it.scoped("the environment wins over the file; a differing configuration is kept unless forced", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* withSettings(file, (s, sql) =>
        Effect.gen(function*() {
          const run = (o: EnvMigration.MigrationOptions) =>
            EnvMigration.fromEnv(o).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.provideService(Settings, s))
          expect((yield* run({ env: { CLOUDFLARE_ACCOUNT_ID: "abc" } })).status).toBe("nothing-to-import")
          const env = { CLOUDFLARE_ACCOUNT_ID: "abc123", CLOUDFLARE_API_TOKEN: "tok-env-000000" }
          expect((yield* run({ env })).status).toBe("imported")
          expect((yield* run({ env: { ...env, CLOUDFLARE_MODEL: "@cf/x/y" } })).status).toBe("kept-existing")
          expect((yield* run({ env: { ...env, CLOUDFLARE_MODEL: "@cf/x/y" }, force: true })).status).toBe("imported")
          expect((yield* s.providerInput("cloudflare")).model).toBe("@cf/x/y")
        }))
    }))
})

describe("ProviderRegistry", () => {
  const registryAt = (file: string) =>
    ProviderRegistryFromSettings.layer.pipe(Layer.provideMerge(layerAt(file)), Layer.provideMerge(HttpLive))

  it.scoped("caches providers and rebuilds one when its settings change, with no restart", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      yield* Effect.scoped(Effect.gen(function*() {
        const settings = yield* Settings
        const registry = yield* ProviderRegistry
        const unknown = yield* Effect.flip(registry.get("openai"))
        expect(unknown._tag).toBe("ProviderNotConfigured")
        yield* settings.saveProvider("openai", samples.openai)
        const a = yield* registry.get("openai")
        expect(yield* registry.get("openai")).toBe(a)
        expect(a.model).toBe("gpt-4.1")
        yield* settings.saveProvider("openai", { model: "gpt-4o-mini" })
        const b = yield* registry.get("openai")
        expect(b).not.toBe(a)
        expect(b.model).toBe("gpt-4o-mini")
        yield* settings.setEnabled("openai", false)
        expect(yield* registry.available).toEqual([])
      }).pipe(Effect.provide(registryAt(file))))
    }))

  it.scoped("validate-before-save refuses credentials that do not work, with the provider's error", () =>
    Effect.gen(function*() {
      const file = yield* dbFile
      const emu = yield* Effect.acquireRelease(Effect.promise(() => OpenAiEmulator.start({ apiKey: "sk-the-right-key-000" })), (e) => Effect.promise(() => e.close()))
      yield* Effect.scoped(Effect.gen(function*() {
        const settings = yield* Settings
        const registry = yield* ProviderRegistry
        const refused = yield* Effect.flip(registry.save("openai", { apiKey: "sk-a-wrong-key-000", baseUrl: emu.baseUrl }, { validate: true }))
        expect(refused._tag).toBe("AuthenticationError")
        expect((yield* settings.snapshot).providers).toEqual([])
        const tested = yield* registry.save("openai", { apiKey: "sk-the-right-key-000", baseUrl: emu.baseUrl }, { validate: true })
        expect(tested?.ok).toBe(true)
        expect((yield* registry.get("openai")).provider).toBe("openai")
        // a test of a new model keeps the stored key
        const t = yield* registry.test("openai", { baseUrl: emu.baseUrl, model: "gpt-4o" })
        expect(t.ok).toBe(true)
      }).pipe(Effect.provide(registryAt(file))))
    }))
})

describe("KeyStores", () => {
  it.effect("the environment key must be 32 bytes of base64", () =>
    Effect.gen(function*() {
      expect(Either.isRight(Crypto.masterKey(KEY_A))).toBe(true)
      expect(Crypto.masterKey(Redacted.make("c2hvcnQ="))).toEqual(Either.left("the master key must be 32 bytes, not 5"))
      const { KeyStore } = yield* Effect.promise(() => import("../../src/services/KeyStore.js"))
      const error = yield* Effect.flip(Effect.flatMap(KeyStore, (k) => k.load).pipe(Effect.provide(KeyStores.fromKey(Redacted.make("nope!")))))
      expect(error.message).toContain("must be base64")
      expect(error.message).not.toContain("nope!")
    }))
})
