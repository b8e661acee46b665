/**
 * The CLI's commands run in this process (arguments parsed by @effect/cli, handlers, layers,
 * output), against a temporary data folder and the provider emulators over loopback.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { SECRET_KEY } from "../support/http.js"
import { CLOUDFLARE_ACCOUNT, OPENAI_KEY, setup } from "./harness.js"

const SHOP_DDL = `
CREATE TABLE customers (id SERIAL PRIMARY KEY, email VARCHAR(255) NOT NULL, name TEXT);
CREATE TABLE orders (
  id SERIAL PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  total NUMERIC(12, 2) NOT NULL
);`

describe("dbtk-ai providers", () => {
  it.live("set (with --validate), list, test and use", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, cloudflare, openai } = yield* setup

      const empty = yield* cli("providers", "list", "--json")
      expect(empty.code).toBe(0)
      expect(empty.json().providers.filter((p: { configured: boolean }) => p.configured)).toEqual([])

      const cf = yield* cli("providers", "set", "cloudflare", `accountId:="${CLOUDFLARE_ACCOUNT}"`, `apiToken=${SECRET_KEY}`, `baseUrl=${cloudflare.baseUrl}`, "--validate")
      expect(cf.code).toBe(0)
      expect(cf.stdout).toContain("Saved Cloudflare Workers AI")
      expect(cf.stdout).toMatch(/connection: ok · \d+ ms · model @cf\/meta\/llama-3.3-70b-instruct-fp8-fast available/)
      // --validate tested the key against the emulator before saving
      expect(cloudflare.requests.some((r) => r.path.endsWith("/tokens/verify"))).toBe(true)

      const oa = yield* cli("--json", "providers", "set", "openai", `baseUrl=${openai.baseUrl}`, "maxTokens=1024", "--config", JSON.stringify({ apiKey: OPENAI_KEY }))
      expect(oa.code).toBe(0)
      expect(oa.json()).toEqual({
        provider: "openai",
        enabled: true,
        config: { baseUrl: openai.baseUrl, maxTokens: 1024 },
        secrets: ["apiKey"],
        test: null
      })

      // Changing one field keeps the others (and the stored key).
      const model = yield* cli("providers", "set", "openai", "model=gpt-4o", "--json")
      expect(model.json().config).toEqual({ baseUrl: openai.baseUrl, maxTokens: 1024, model: "gpt-4o" })

      const list = yield* cli("providers", "list", "--json")
      const byId = Object.fromEntries(list.json().providers.map((p: { id: string }) => [p.id, p]))
      expect(byId.cloudflare).toMatchObject({ configured: true, enabled: true, model: "@cf/meta/llama-3.3-70b-instruct-fp8-fast", health: "healthy" })
      expect(byId.openai).toMatchObject({ configured: true, enabled: true, model: "gpt-4o", health: "healthy" })
      expect(byId.gemini).toMatchObject({ configured: false, health: null })

      const human = yield* cli("providers", "list")
      expect(human.stdout.split("\n")[0]).toMatch(/^id\s+configured\s+enabled\s+active\s+model\s+health$/)
      expect(human.stdout).toMatch(/openai\s+yes\s+yes\s+no\s+gpt-4o\s+healthy/)
      expect(human.stdout).not.toContain("\u001b[") // not a terminal: no colours

      const test = yield* cli("providers", "test", "openai", "--json")
      expect(test.code).toBe(0)
      expect(test.json()).toMatchObject({ ok: true, provider: "openai", model: "gpt-4o", modelAvailable: true })

      const use = yield* cli("providers", "use", "openai")
      expect(use.code).toBe(0)
      expect(use.stdout).toContain("OpenAI is now the active provider")
      const after = yield* cli("providers", "list", "--json", "--no-health")
      expect(after.json().activeProvider).toBe("openai")

      // Nothing printed anywhere carries a key.
      for (const run of [cf, oa, model, list, human, test, use, after]) {
        expect(run.stdout + run.stderr).not.toContain(SECRET_KEY)
        expect(run.stdout + run.stderr).not.toContain(OPENAI_KEY)
      }
    })))

  it.live("refuses what cannot be saved, with exit code 2, and a failed connection test with 3", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, openai } = yield* setup
      const unconfigured = yield* cli("providers", "use", "anthropic", "--json")
      expect(unconfigured.code).toBe(2)
      expect(unconfigured.json().error._tag).toBe("ProviderNotConfigured")

      const invalid = yield* cli("providers", "set", "openai", "temperature=9", `apiKey=${OPENAI_KEY}`, "--json")
      expect(invalid.code).toBe(2)
      expect(invalid.json().error).toMatchObject({ _tag: "ConfigInvalid", field: "temperature" })

      const notPair = yield* cli("providers", "set", "openai", "apiKey")
      expect(notPair.code).toBe(2)
      expect(notPair.stderr).toContain("\"apiKey\" is not a field=value pair")

      const wrongKey = yield* cli("providers", "set", "openai", "apiKey=sk-wrong-0000000000", `baseUrl=${openai.baseUrl}`, "--validate", "--json")
      expect(wrongKey.code).toBe(3)
      expect(wrongKey.json().error._tag).toBe("AuthenticationError")
      const nothingSaved = yield* cli("settings", "get", "providers")
      expect(nothingSaved.json()).toEqual({})

      const saved = yield* cli("providers", "set", "openai", "apiKey=sk-wrong-0000000000", `baseUrl=${openai.baseUrl}`)
      expect(saved.code).toBe(0)
      const test = yield* cli("providers", "test", "openai")
      expect(test.code).toBe(3)
      expect(test.stdout).toMatch(/^OpenAI: failed/)
      expect(test.stderr).toContain("error [AuthenticationError]")
    })))
})

describe("dbtk-ai generate, explain, optimize, fix", () => {
  it.live("generate with a DDL schema file and --json output", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, cloudflare, configureBoth, dir } = yield* setup
      yield* configureBoth
      const schema = Path.join(dir, "shop.sql")
      Fs.writeFileSync(schema, SHOP_DDL)

      const run = yield* cli("generate", "customers with the largest order totals", "--schema", schema, "--dialect", "postgres", "--json")
      expect(run.code).toBe(0)
      const answer = run.json()
      expect(answer).toMatchObject({
        operation: "generate",
        provider: "cloudflare",
        model: "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
        fallback: false,
        failed: [],
        result: { _tag: "GenerateSqlResult" }
      })
      expect(answer.result.sql).toMatch(/FROM (customers|orders)/)
      expect(answer.usage.inputTokens).toBeGreaterThan(0)
      expect(answer.latencyMs).toBeGreaterThanOrEqual(0)
      expect(answer.cost).toHaveProperty("source")

      // The DDL reached the prompt as parsed tables, types, keys and references.
      const prompt = JSON.stringify(cloudflare.chatRequests().at(-1)?.body)
      expect(prompt).toContain("orders(id SERIAL PK, customer_id INTEGER NOT NULL -> customers.id, total NUMERIC(12,2) NOT NULL)")
      expect(prompt).toContain("PostgreSQL")
    })))

  it.live("explain, optimize and fix print the answer on stdout and who served it on stderr", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, configureBoth, dir } = yield* setup
      yield* configureBoth
      const schema = Path.join(dir, "shop.json")
      Fs.writeFileSync(schema, JSON.stringify({ tables: { customers: { columns: [{ name: "id", type: "integer" }, { name: "name", type: "text" }] } } }))
      const sqlFile = Path.join(dir, "q.sql")
      Fs.writeFileSync(sqlFile, "SELECT * FROM customers WHERE id = 1")

      const explain = yield* cli("explain", `@${sqlFile}`, "--schema", schema)
      expect(explain.code).toBe(0)
      expect(explain.stdout).toContain("It uses customers")
      expect(explain.stderr).toMatch(/served by Cloudflare Workers AI · @cf\/meta\/llama-3.3-70b-instruct-fp8-fast · \d+ ms · \d+ in \/ \d+ out tokens/)

      const optimize = yield* cli("optimize", "SELECT * FROM customers WHERE id = 1", "--schema", schema, "--provider", "openai")
      expect(optimize.code).toBe(0)
      expect(optimize.stdout).toContain("SELECT id, name FROM customers WHERE id = 1")
      expect(optimize.stderr).toContain("served by OpenAI")

      const fix = yield* cli("fix", "SELECT * FROM customer", "--error", "no such table: customer", "--schema", schema, "--json")
      expect(fix.code).toBe(0)
      expect(fix.json().result).toMatchObject({ _tag: "FixSqlResult", fixedSql: "SELECT * FROM customers" })
    })))

  it.live("--json carries the check, the repair and the schema sent; a person sees the flags on stderr", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, cloudflare, configureBoth, dir } = yield* setup
      yield* configureBoth
      const schema = Path.join(dir, "shop.sql")
      Fs.writeFileSync(schema, SHOP_DDL)

      cloudflare.script({ reply: "```sql\nSELEC * FROM orders\n```" }, { reply: "```sql\nDELETE FROM orders\n```" })
      const run = yield* cli("generate", "remove the orders", "--schema", schema, "--dialect", "postgres", "--json")
      expect(run.code).toBe(0)
      const answer = run.json()
      expect(cloudflare.chatRequests()).toHaveLength(2)
      expect(answer).toMatchObject({
        operation: "generate",
        repaired: true,
        flagged: true,
        schemaLeftOut: [],
        schemaTextLeftOut: false,
        check: { checked: true, dialect: "postgresql", flags: { destructive: [{ kind: "delete" }], unknownTables: [], unknownColumns: [] } },
        result: { _tag: "GenerateSqlResult", sql: "DELETE FROM orders", repaired: true }
      })
      expect([...answer.schemaSent].sort()).toEqual(["customers", "orders"])

      cloudflare.script({ reply: "```sql\nDELETE FROM orders\n```" })
      const human = yield* cli("generate", "remove the orders", "--schema", schema, "--dialect", "postgres")
      expect(human.code).toBe(0)
      expect(human.stdout).toContain("DELETE FROM orders")
      expect(human.stderr).toContain("! destructive: DELETE without WHERE removes every row of orders")

      const streamed = yield* cli("fix", "SELECT nme FROM customers", "--error", "no such column", "--schema", schema, "--stream", "--json")
      expect(streamed.code).toBe(0)
      const last = JSON.parse(streamed.stdout.trim().split("\n").at(-1)!)
      // A streamed answer is checked too: the column the schema lacks is flagged.
      expect(last).toMatchObject({ type: "completed", repaired: false, flagged: true, schemaLeftOut: [] })
      expect(last.check).toMatchObject({ checked: true, flags: { unknownColumns: [{ column: "nme" }] } })
    })))

  it.live("--stream prints the deltas, as NDJSON with --json", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, configureBoth } = yield* setup
      yield* configureBoth
      const run = yield* cli("generate", "list the customers", "--stream", "--json")
      expect(run.code).toBe(0)
      const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l))
      expect(events.length).toBeGreaterThan(2)
      expect(events.slice(0, -1).every((e: { type: string }) => e.type === "delta")).toBe(true)
      const last = events.at(-1)
      expect(last).toMatchObject({ type: "completed", operation: "generate", provider: "cloudflare", result: { _tag: "GenerateSqlResult" } })
      expect(events.slice(0, -1).map((e: { text: string }) => e.text).join("")).toBe(last.result.raw)

      const human = yield* cli("generate", "list the customers", "--stream")
      expect(human.code).toBe(0)
      expect(human.stdout).toBe(last.result.raw + "\n")
      expect(human.stderr).toMatch(/served by Cloudflare Workers AI .* first text after \d+ ms/)
    })))
})

describe("dbtk-ai exit codes", () => {
  it.live("2 for user errors: bad arguments, unknown dialect, bad schema file, nothing configured, empty prompt", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, dir } = yield* setup
      const missing = yield* cli("generate")
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain("Missing argument <prompt>")

      const unknownCommand = yield* cli("frobnicate", "--json")
      expect(unknownCommand.code).toBe(2)
      expect(unknownCommand.json().error._tag).toBe("ValidationError")

      const dialect = yield* cli("generate", "x", "--dialect", "postgress", "--json")
      expect(dialect.code).toBe(2)
      expect(dialect.json()).toEqual({ error: { _tag: "CliInputError", message: expect.stringContaining("Unknown dialect \"postgress\"") }, exitCode: 2 })

      const badSchema = Path.join(dir, "bad.json")
      Fs.writeFileSync(badSchema, "{ not json")
      const schema = yield* cli("generate", "x", "--schema", badSchema)
      expect(schema.code).toBe(2)
      expect(schema.stderr).toContain(`The schema file ${badSchema} is neither JSON nor SQL DDL`)
      const absent = yield* cli("generate", "x", "--schema", Path.join(dir, "absent.sql"))
      expect(absent.code).toBe(2)
      expect(absent.stderr).toContain("ENOENT")

      const notConfigured = yield* cli("generate", "list the customers", "--json")
      expect(notConfigured.code).toBe(2)
      expect(notConfigured.json().error._tag).toBe("AiNotConfigured")

      const settingsKey = yield* cli("settings", "set", "colour", "1")
      expect(settingsKey.code).toBe(2)
    })))

  it.live("2 for an invalid request, 3 when the provider fails and when every provider in the chain fails", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, cloudflare, configureBoth, openai } = yield* setup
      yield* configureBoth

      const empty = yield* cli("generate", "   ", "--json")
      expect(empty.code).toBe(2)
      expect(empty.json().error._tag).toBe("InvalidRequest")

      // Keys that stopped working: not retried, and a fallback trigger.
      cloudflare.setDefaults({ fault: { _tag: "Error", kind: "auth" } })
      const pinned = yield* cli("generate", "list the customers", "--provider", "cloudflare", "--json")
      expect(pinned.code).toBe(3)
      expect(pinned.json().error).toMatchObject({ _tag: "AuthenticationError", provider: "cloudflare", status: 401 })

      openai.setDefaults({ fault: { _tag: "Error", kind: "auth" } })
      const all = yield* cli("generate", "list the customers")
      expect(all.code).toBe(3)
      expect(all.stderr).toContain("error [AllProvidersFailed]")
      expect(all.stderr).toMatch(/- Cloudflare Workers AI: AuthenticationError: /)
      expect(all.stderr).toMatch(/- OpenAI: AuthenticationError: /)
      expect(all.stdout).toBe("")
    })))
})

describe("dbtk-ai settings", () => {
  it.live("get never shows a secret; set validates and stores", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, configureBoth, dir } = yield* setup
      yield* configureBoth
      const get = yield* cli("settings", "get")
      expect(get.code).toBe(0)
      const view = get.json()
      expect(view.providers.cloudflare).toMatchObject({ enabled: true, config: { accountId: CLOUDFLARE_ACCOUNT }, secretsStored: ["apiToken"] })
      expect(view.providers.openai.secretsStored).toEqual(["apiKey"])
      expect(get.stdout).not.toContain(SECRET_KEY)
      expect(get.stdout).not.toContain(OPENAI_KEY)
      // ... and the database file does not hold them in plaintext either
      const bytes = Buffer.concat(["ai.db", "ai.db-wal"].map((f) => Path.join(dir, f)).filter(Fs.existsSync).map((f) => Fs.readFileSync(f)))
      expect(bytes.includes(Buffer.from(SECRET_KEY))).toBe(false)

      const set = yield* cli("settings", "set", "budget", "{\"dailyUsd\": 2.5}")
      expect(set.code).toBe(0)
      expect(set.stdout).toBe("budget = {\"dailyUsd\":2.5,\"warnAtFraction\":0.8}\n")
      const budget = yield* cli("settings", "get", "budget")
      expect(budget.json()).toEqual({ dailyUsd: 2.5, warnAtFraction: 0.8 })

      const active = yield* cli("settings", "set", "activeProvider", "openai", "--json")
      expect(active.json()).toEqual({ activeProvider: "openai" })

      const invalid = yield* cli("settings", "set", "budget", "{\"dailyUsd\": -1}", "--json")
      expect(invalid.code).toBe(2)
      expect(invalid.json().error._tag).toBe("SettingsInvalid")
      expect((yield* cli("settings", "get", "budget")).json()).toEqual({ dailyUsd: 2.5, warnAtFraction: 0.8 })
    })))
})

describe("dbtk-ai migrate", () => {
  it.live("imports the .env settings after a backup, and rollback restores the state before", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, dir } = yield* setup
      const envFile = Path.join(dir, ".env")
      Fs.writeFileSync(envFile, `CLOUDFLARE_ACCOUNT_ID=${CLOUDFLARE_ACCOUNT}\nCLOUDFLARE_API_TOKEN="${SECRET_KEY}"\nAI_MAX_TOKENS=lots\n`)

      const migrated = yield* cli("migrate", "--dotenv", envFile, "--json")
      expect(migrated.code).toBe(0)
      const report = migrated.json()
      expect(report).toMatchObject({ status: "imported", imported: ["accountId", "apiToken"], activated: true, sources: [envFile] })
      expect(report.skipped).toEqual([{ variable: "AI_MAX_TOKENS", reason: "is not a number" }])
      expect(Fs.existsSync(report.backup)).toBe(true)
      expect(migrated.stdout).not.toContain(SECRET_KEY)

      const settings = (yield* cli("settings", "get")).json()
      expect(settings.settings.activeProvider).toBe("cloudflare")
      expect(settings.providers.cloudflare).toMatchObject({ config: { accountId: CLOUDFLARE_ACCOUNT }, secretsStored: ["apiToken"] })

      const again = yield* cli("migrate", "--dotenv", envFile)
      expect(again.stdout).toContain("Nothing to do: the .env Cloudflare settings are already imported")

      const rollback = yield* cli("migrate", "rollback")
      expect(rollback.code).toBe(0)
      expect(rollback.stdout).toBe(`Restored the settings from ${report.backup}\n`)
      const restored = (yield* cli("settings", "get")).json()
      expect(restored.providers).toEqual({})
      expect(restored.settings.activeProvider).toBeUndefined()

      const missing = yield* cli("migrate", "--env-file", Path.join(dir, "absent.env"))
      expect(missing.code).toBe(2)
    })))
})

describe("dbtk-ai metrics and usage export", () => {
  it.live("summarize the recorded requests per provider and export them", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cli, configureBoth, dir } = yield* setup
      const none = yield* cli("metrics")
      expect(none.stdout).toBe("No requests recorded yet.\n")
      yield* configureBoth
      yield* cli("generate", "list the customers")
      yield* cli("explain", "SELECT 1", "--provider", "openai")
      yield* cli("fix", "SELEC 1", "--error", "syntax error", "--provider", "openai")

      const metrics = yield* cli("metrics", "--json")
      expect(metrics.code).toBe(0)
      const m = metrics.json()
      expect(m.providers.map((p: { provider: string; requests: number }) => [p.provider, p.requests])).toEqual([["cloudflare", 1], ["openai", 2]])
      expect(m.total).toMatchObject({ requests: 3, successes: 3, successRate: 1 })

      const table = yield* cli("metrics", "--since", "1h")
      expect(table.stdout.split("\n")[0]).toMatch(/^provider\s+requests\s+success\s+p50\s+p95\s+tokens in\s+tokens out\s+cost$/)
      expect(table.stdout).toMatch(/\ntotal\s+3\s+100%/)
      const one = yield* cli("metrics", "--provider", "openai", "--json")
      expect(one.json().providers).toHaveLength(1)
      const badSince = yield* cli("metrics", "--since", "yesterday-ish")
      expect(badSince.code).toBe(2)

      const csv = yield* cli("usage", "export", "--format", "csv")
      expect(csv.code).toBe(0)
      const lines = csv.stdout.trim().split("\n")
      expect(lines[0]).toMatch(/^provider,feature,uses,/)
      expect(lines.slice(1).map((l) => l.split(",").slice(0, 3).join(",")).sort()).toEqual(["cloudflare,generate,1", "openai,explain,1", "openai,fix,1"])

      const out = Path.join(dir, "usage.json")
      const json = yield* cli("usage", "export", "--format", "json", "--out", out)
      expect(json.code).toBe(0)
      expect(json.stdout).toBe("")
      expect(JSON.parse(Fs.readFileSync(out, "utf8")).totals).toMatchObject({ uses: 3 })
    })))
})
