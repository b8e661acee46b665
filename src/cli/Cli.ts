/**
 * The `dbtk-ai` command line: the AI operations (generate, explain, optimize, fix) on the
 * configured providers, provider and settings management, the `.env` migration, metrics and
 * usage export, and a self-contained demo. Built with @effect/cli; {@link run} takes the
 * arguments and returns the exit code, writing through the {@link Output.Output} service so it
 * can run inside another program (or a test) as well as from `main.ts`.
 *
 * Global options (`--data-dir`, `--json`) may be written anywhere on the line.
 *
 * @since 0.1.0
 */
import { Args, type CliApp, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { SqlClient } from "@effect/sql"
import { Cause, Clock, Effect, Layer, Logger, LogLevel, ManagedRuntime, Option, Schema, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Util from "node:util"
import * as Pricing from "../domain/Pricing.js"
import * as Untrusted from "../internal/Untrusted.js"
import { displayName, ProviderId } from "../domain/ProviderId.js"
import { ResiliencePolicy } from "../domain/Resilience.js"
import { AppSettings, AppSettingsPatch } from "../domain/Settings.js"
import * as SqlTask from "../domain/SqlTask.js"
import * as AiStack from "../layers/AiStack.js"
import * as Database from "../layers/Database.js"
import * as EnvMigration from "../layers/EnvMigration.js"
import * as KeyStores from "../layers/KeyStores.js"
import * as MetricsRepoSql from "../layers/MetricsRepoSql.js"
import * as ResponseCacheSql from "../layers/ResponseCacheSql.js"
import * as ProviderEnv from "../layers/ProviderEnv.js"
import * as AzureOpenAi from "../providers/azure-openai/AzureOpenAi.js"
import { catalog } from "../providers/Catalog.js"
import * as ProviderRegistryFromSettings from "../layers/ProviderRegistryFromSettings.js"
import * as SettingsSql from "../layers/SettingsSql.js"
import type { ConnectionTest } from "../services/AiProvider.js"
import { AiService } from "../services/AiService.js"
import { MetricsRepo } from "../services/MetricsRepo.js"
import { ProviderRegistry } from "../services/ProviderRegistry.js"
import * as ResponseCache from "../services/ResponseCache.js"
import { Settings, SettingsError } from "../services/Settings.js"
import { layerUndici } from "../vendor/http.js"
import * as Emulator from "../testing/Emulator.js"
import * as AnthropicEmulator from "../testing/emulators/AnthropicEmulator.js"
import * as AzureOpenAiEmulator from "../testing/emulators/AzureOpenAiEmulator.js"
import * as CloudflareEmulator from "../testing/emulators/CloudflareEmulator.js"
import * as GeminiEmulator from "../testing/emulators/GeminiEmulator.js"
import * as OllamaEmulator from "../testing/emulators/OllamaEmulator.js"
import * as OpenAiEmulator from "../testing/emulators/OpenAiEmulator.js"
import * as UiServer from "../ui/server/Server.js"
import * as Demo from "./demo.js"
import * as ExitCode from "./ExitCode.js"
import * as Inputs from "./Inputs.js"
import * as Output from "./Output.js"
import * as Render from "./Render.js"
import * as Reports from "./Reports.js"

/**
 * The CLI's version (the package's).
 *
 * @since 0.1.0
 * @category Constants
 */
export const version = "0.1.0"

// ---------------------------------------------------------------------------
// Global options and the layers they select
// ---------------------------------------------------------------------------

/**
 * The default data folder: DB Toolkit's `~/.db-toolkit/ai`.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultDataDir = (): string => Path.dirname(Database.defaultPath())

const root = Command.make("dbtk-ai", {
  dataDir: Options.text("data-dir").pipe(
    Options.withDefault(defaultDataDir()),
    Options.withDescription("The data folder: the database ai.db and the key file ai.key live in it")
  ),
  json: Options.boolean("json").pipe(Options.withDescription("Machine-readable output: one JSON document (NDJSON with --stream)"))
})

type Globals = Effect.Effect.Success<typeof root>

const dbPath = (g: Globals) => Path.join(g.dataDir, "ai.db")

// Each command opens only what it needs: settings alone never start a provider's health checks.
const settingsLayer = (g: Globals) =>
  SettingsSql.layer.pipe(Layer.provideMerge(Database.layer({ filename: dbPath(g) })), Layer.provide(KeyStores.layerDefault(dbPath(g))))

const registryLayer = (g: Globals) =>
  ProviderRegistryFromSettings.layer.pipe(Layer.provideMerge(settingsLayer(g)), Layer.provide(layerUndici))

const metricsLayer = (g: Globals) => MetricsRepoSql.layer().pipe(Layer.provide(Database.layer({ filename: dbPath(g) })))

const stackLayer = (g: Globals) => AiStack.layer({ databasePath: dbPath(g) }).pipe(Layer.provide(layerUndici))

const printJson = (value: unknown) => Output.print(JSON.stringify(value, null, 2))

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

// ---------------------------------------------------------------------------
// The four operations
// ---------------------------------------------------------------------------

const taskOptions = {
  schema: Options.file("schema").pipe(
    Options.optional,
    Options.withDescription("The database schema: a JSON file (any shape DB Toolkit sends) or SQL DDL (.sql, CREATE TABLE ...)")
  ),
  dialect: Options.text("dialect").pipe(
    Options.withDefault("generic"),
    Options.withDescription("The SQL dialect: postgresql, mysql, mariadb, sqlite, mssql, oracle or generic")
  ),
  provider: Options.choice("provider", ProviderId.literals).pipe(
    Options.optional,
    Options.withDescription("Use only this provider (no fallback)")
  ),
  stream: Options.boolean("stream").pipe(Options.withDescription("Print the answer as it arrives")),
  cache: Options.choice("cache", ["use", "refresh", "bypass"]).pipe(
    Options.withDefault("use" as const),
    Options.withDescription("The response cache: use it (default), refresh (ask again and store), or bypass it")
  )
}

interface TaskArgs {
  readonly schema: Option.Option<string>
  readonly dialect: string
  readonly provider: Option.Option<ProviderId>
  readonly stream: boolean
  readonly cache: ResponseCache.Mode
}

const common = (a: TaskArgs) =>
  Effect.gen(function*() {
    const dialect = yield* Inputs.dialect(a.dialect)
    const schema = Option.isSome(a.schema) ? yield* Inputs.schemaFile(a.schema.value) : undefined
    return { dialect, ...(schema !== undefined ? { schema } : {}) }
  })

const runTask = (a: TaskArgs, build: (c: Effect.Effect.Success<ReturnType<typeof common>>) => Effect.Effect<SqlTask.SqlTask, ExitCode.CliInputError>) =>
  Effect.gen(function*() {
    const g = yield* root
    const task = yield* Effect.flatMap(common(a), build)
    const pin = Option.getOrUndefined(a.provider)
    const operation = Render.operationOf[task._tag]
    yield* Effect.gen(function*() {
      const ai = yield* AiService
      const first = pin ?? (yield* ai.status).activeProvider
      const label = `Waiting for ${first ? displayName[first] : "the AI provider"}`
      if (a.stream) return yield* streamTask(g, ai, task, pin, label)
      const answer = yield* ai.run(task, { pin, cache: a.cache }).pipe(Output.withProgress(label, !g.json))
      if (g.json) return yield* printJson(Render.answerJson(operation, answer))
      yield* Output.print(...Render.result(answer.result))
      yield* Output.printErr(Render.provenance(answer), ...Render.findings(answer.result))
    }).pipe(Effect.provide(stackLayer(g)))
  })

const streamTask = (g: Globals, ai: AiService["Type"], task: SqlTask.SqlTask, pin: ProviderId | undefined, label: string) =>
  Effect.scoped(Effect.gen(function*() {
    const settings = yield* Settings
    const active = (yield* ai.status).activeProvider
    const started = yield* Clock.currentTimeMillis
    // The spinner runs until the first text arrives.
    const stopProgress = yield* Output.progress(label, !g.json)
    let firstTextMs: number | undefined
    yield* Stream.runForEach(ai.stream(task, { pin }), (e) =>
      Effect.gen(function*() {
        yield* stopProgress
        if (e._tag === "TextDelta") {
          firstTextMs ??= (yield* Clock.currentTimeMillis) - started
          return yield* g.json ? Output.print(JSON.stringify({ type: "delta", text: e.text })) : Output.write(e.text)
        }
        const meta = e.result.meta
        const snapshot = yield* settings.snapshot
        const served: Render.Served = {
          provider: meta.provider,
          model: meta.model,
          latencyMs: (yield* Clock.currentTimeMillis) - started,
          usage: meta.usage,
          cost: Pricing.price(meta.provider, meta.model, meta.usage, snapshot.settings.priceOverrides, new Date(started)),
          // A stream reports who served it, not who failed first.
          fallback: pin === undefined && active !== undefined && meta.provider !== active,
          failed: []
        }
        if (g.json) {
          const answer = Render.answerJson(Render.operationOf[task._tag], { ...served, result: e.result })
          return yield* Output.print(JSON.stringify({ type: "completed", firstTextMs: firstTextMs ?? null, ...answer }))
        }
        yield* Output.write("\n")
        yield* Output.printErr(
          Render.provenance(served) + Output.styles.dim(` · first text after ${Render.ms(firstTextMs)}`),
          ...Render.findings(e.result)
        )
      }))
  }))

const generate = Command.make("generate", { prompt: Args.text({ name: "prompt" }), ...taskOptions }, (a) =>
  runTask(a, (c) => Effect.map(Inputs.textArgument(a.prompt, "prompt"), (prompt) => SqlTask.generate({ prompt, ...c })))
).pipe(Command.withDescription("Generate SQL from a request in plain words (@file or - reads it from a file or stdin)"))

const sqlArg = Args.text({ name: "sql" }).pipe(Args.withDescription("The SQL statement; @file reads it from a file, - from stdin"))

const explain = Command.make("explain", { sql: sqlArg, ...taskOptions }, (a) =>
  runTask(a, (c) => Effect.map(Inputs.textArgument(a.sql, "SQL"), (sql) => SqlTask.explain({ sql, ...c })))
).pipe(Command.withDescription("Explain what a SQL statement does"))

const optimize = Command.make("optimize", {
  sql: sqlArg,
  plan: Options.text("plan").pipe(Options.optional, Options.withDescription("The execution plan (text or JSON; @file reads a file)")),
  ...taskOptions
}, (a) =>
  runTask(a, (c) =>
    Effect.gen(function*() {
      const sql = yield* Inputs.textArgument(a.sql, "SQL")
      const plan = Option.isSome(a.plan) ? yield* Inputs.textArgument(a.plan.value, "execution plan") : undefined
      return SqlTask.optimize({ sql, ...c, ...(plan !== undefined ? { executionPlan: plan } : {}) })
    }))).pipe(Command.withDescription("Suggest a faster form of a SQL statement, and indexes"))

const fix = Command.make("fix", {
  sql: sqlArg,
  error: Options.text("error").pipe(Options.withDescription("The error message the database gave (@file reads a file)")),
  ...taskOptions
}, (a) =>
  runTask(a, (c) =>
    Effect.gen(function*() {
      const sql = yield* Inputs.textArgument(a.sql, "SQL")
      const errorMessage = yield* Inputs.textArgument(a.error, "error message")
      return SqlTask.fix({ sql, errorMessage, ...c })
    }))).pipe(Command.withDescription("Fix a SQL statement that failed, given the database's error"))

// ---------------------------------------------------------------------------
// providers
// ---------------------------------------------------------------------------

// A provider id, a mistyped one named back with the closest id and the list.
const providerArg = Args.text({ name: "provider" }).pipe(
  Args.withDescription(`One of ${ProviderId.literals.join(", ")}`),
  Args.mapEffect((text) => {
    const id = ProviderId.literals.find((p) => p === text.trim().toLowerCase())
    if (id !== undefined) return Effect.succeed(id)
    const hint = Untrusted.closest(text, ProviderId.literals)
    return Effect.fail(HelpDoc.p(
      `"${Untrusted.truncate(text, 40)}" is not a provider${hint ? ` (did you mean ${hint}?)` : ""}; the providers are ${ProviderId.literals.join(", ")}`
    ))
  })
)

const providersList = Command.make("list", {
  noHealth: Options.boolean("no-health").pipe(Options.withDescription("Do not wait for the providers' health checks"))
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    const status = yield* Effect.flatMap(AiService, (ai) =>
      a.noHealth ? ai.status : Reports.settledStatus(ai, 5_000).pipe(Output.withProgress("Checking the providers", !g.json))
    ).pipe(Effect.provide(stackLayer(g)))
    if (g.json) return yield* printJson({ activeProvider: status.activeProvider ?? null, providers: status.providers.map(Render.providerJson) })
    yield* Output.print(...Render.providers(status.providers))
    if (!status.providers.some((p) => p.configured)) {
      yield* Output.printErr(Output.styles.dim("No provider is configured yet: dbtk-ai providers set <id> field=value ..."))
    }
  })).pipe(Command.withDescription("List the providers: configured, enabled, active, model and health"))

const connectionLines = (t: ConnectionTest) => {
  const model = t.modelAvailable === undefined ? `model ${t.model}` : t.modelAvailable ? `model ${t.model} available` : Output.styles.yellow(`model ${t.model} NOT available`)
  return `${t.ok ? Output.styles.green("ok") : Output.styles.red("failed")} · ${Render.ms(t.latencyMs)} · ${model}${t.ok ? "" : `: ${t.details}`}`
}

const providersTest = Command.make("test", { provider: providerArg }, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    const result = yield* Effect.flatMap(ProviderRegistry, (r) => r.test(a.provider)).pipe(
      Output.withProgress(`Testing ${displayName[a.provider]}`, !g.json),
      Effect.provide(registryLayer(g))
    )
    if (g.json) {
      const { error, ...rest } = result
      yield* printJson({ ...rest, ...(error !== undefined ? { error: ExitCode.toJson(error) } : {}) })
    } else yield* Output.print(`${displayName[a.provider]}: ${connectionLines(result)}`)
    if (!result.ok) {
      return yield* Effect.fail(result.error ?? new ExitCode.ProviderCheckFailed({ message: `${displayName[a.provider]}: ${result.details}` }))
    }
  })).pipe(Command.withDescription("Test a provider's connection: reachable, key accepted, model available"))

const providersUse = Command.make("use", { provider: providerArg }, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    yield* Effect.flatMap(Settings, (s) => Effect.zipRight(s.provider(a.provider), s.update({ activeProvider: a.provider }))).pipe(
      Effect.provide(settingsLayer(g))
    )
    if (g.json) return yield* printJson({ activeProvider: a.provider })
    yield* Output.print(`${displayName[a.provider]} is now the active provider`)
  })).pipe(Command.withDescription("Make a configured provider the active one (the first the chain tries)"))

const providersSet = Command.make("set", {
  provider: providerArg,
  fields: Args.text({ name: "field=value" }).pipe(
    Args.repeated,
    Args.withDescription("Configuration fields: field=value (true, false, null and numbers are JSON), field:=<json>, field=@env:VAR")
  ),
  config: Options.text("config").pipe(Options.optional, Options.withDescription("Configuration fields as a JSON object")),
  validate: Options.boolean("validate").pipe(Options.withDescription("Test the connection first; nothing is saved when it fails")),
  replace: Options.boolean("replace").pipe(Options.withDescription("Replace the stored configuration instead of changing only the given fields")),
  enable: Options.boolean("enable").pipe(Options.withDescription("Enable the provider")),
  disable: Options.boolean("disable").pipe(Options.withDescription("Disable the provider (kept, but not used)"))
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    if (a.enable && a.disable) return yield* new ExitCode.CliInputError({ message: "--enable and --disable cannot both be given" })
    const fromJson = Option.isSome(a.config) ? yield* Inputs.jsonObject(a.config.value, "--config") : {}
    const fromPairs = yield* Inputs.pairs(a.fields)
    const result = yield* Effect.gen(function*() {
      const settings = yield* Settings
      const registry = yield* ProviderRegistry
      const input = { ...fromJson, ...fromPairs }
      const enabled = a.enable ? true : a.disable ? false : undefined
      const tested = yield* registry.save(a.provider, input, { validate: a.validate, enabled, replace: a.replace }).pipe(
        Output.withProgress(`Testing ${displayName[a.provider]}`, a.validate && !g.json)
      )
      const entry = yield* settings.provider(a.provider)
      return { tested, entry }
    }).pipe(Effect.provide(registryLayer(g)))
    const secretFields = new Set(catalog[a.provider].secretFields)
    const config = Object.fromEntries(Object.entries(result.entry.config).filter(([k]) => !secretFields.has(k)))
    if (g.json) {
      return yield* printJson({
        provider: a.provider,
        enabled: result.entry.enabled,
        config,
        secrets: result.entry.secrets,
        test: result.tested === undefined ? null : { ok: result.tested.ok, latencyMs: result.tested.latencyMs, modelAvailable: result.tested.modelAvailable ?? null }
      })
    }
    yield* Output.print(`Saved ${displayName[a.provider]}${result.entry.enabled ? "" : Output.styles.dim(" (disabled)")}`)
    if (result.entry.secrets.length > 0) yield* Output.print(Output.styles.dim(`  secrets stored encrypted: ${result.entry.secrets.join(", ")}`))
    if (result.tested !== undefined) yield* Output.print(`  connection: ${connectionLines(result.tested)}`)
  })).pipe(Command.withDescription(
    "Configure a provider (fields as field=value pairs or --config '<json>'); secrets are stored encrypted. " +
      "The fields each needs: cloudflare accountId apiToken; openai, anthropic, gemini apiKey; " +
      "azure-openai endpoint apiKey deployment; ollama baseUrl model. All take model, and most baseUrl, temperature, maxTokens."
  ))

const providersImportEnv = Command.make("import-env", {
  replace: Options.boolean("replace").pipe(Options.withDescription("Replace providers already configured (kept otherwise)"))
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    const report = yield* ProviderEnv.importAll({ replace: a.replace }).pipe(Effect.provide(settingsLayer(g)))
    if (report.imported.length === 0 && report.skipped.length === 0) {
      const why = report.invalid.length > 0
        ? report.invalid.map((i) => i.message).join("; ")
        : `none of the variables is set (${ProviderId.literals.flatMap((id) => catalog[id].environment.flatMap((v) => v.names)).join(", ")})`
      return yield* new ExitCode.CliInputError({ message: `Nothing imported from the environment: ${why}` })
    }
    if (g.json) return yield* printJson(report)
    for (const { from, provider } of report.imported) {
      yield* Output.print(`Saved ${displayName[provider]} from ${[...new Set(Object.values(from))].join(", ")}`)
    }
    for (const provider of report.skipped) yield* Output.print(Output.styles.dim(`Kept ${displayName[provider]} (already configured; --replace to replace it)`))
    for (const { message } of report.invalid) yield* Output.print(`Not imported: ${message}`)
    if (report.activated !== undefined) yield* Output.print(`${displayName[report.activated]} is now the active provider`)
  })).pipe(Command.withDescription(
    "Configure providers from the variables their official SDKs read (OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, " +
      "GEMINI_API_KEY, OLLAMA_HOST, AZURE_OPENAI_*, CLOUDFLARE_*, ...); keys are stored encrypted"
  ))

const providers = Command.make("providers", {}, (): Effect.Effect<void, ValidationError.ValidationError> =>
  Effect.fail(ValidationError.helpRequested(providersCommand.descriptor))
).pipe(Command.withDescription("List, test, configure and choose providers"))

const providersCommand = providers.pipe(Command.withSubcommands([providersList, providersTest, providersUse, providersSet, providersImportEnv]))

// ---------------------------------------------------------------------------
// settings
// ---------------------------------------------------------------------------

const settingsView = Effect.gen(function*() {
  const snapshot = yield* (yield* Settings).snapshot
  return {
    settings: Schema.encodeSync(AppSettings)(snapshot.settings),
    providers: Object.fromEntries(snapshot.providers.map((p) => {
      // The stored config has no secrets; the filter keeps it that way should that ever change.
      const secretFields = new Set(catalog[p.id].secretFields)
      return [p.id, {
        enabled: p.enabled,
        config: Object.fromEntries(Object.entries(p.config).filter(([k]) => !secretFields.has(k))),
        secretsStored: p.secrets,
        resilience: Schema.encodeSync(ResiliencePolicy)(p.resilience),
        ...(p.problem !== undefined ? { problem: p.problem.message } : {})
      }]
    }))
  }
})

const settingsKeys = Object.keys(AppSettingsPatch.fields)

const settingsGet = Command.make("get", {
  key: Args.text({ name: "key" }).pipe(Args.optional, Args.withDescription(`One setting (${settingsKeys.join(", ")}) or providers`))
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    const view = yield* Effect.provide(settingsView, settingsLayer(g))
    if (Option.isNone(a.key)) return yield* printJson(view)
    const key = a.key.value
    if (key === "providers") return yield* printJson(view.providers)
    if (!settingsKeys.includes(key)) return yield* new ExitCode.CliInputError({ message: `Unknown setting "${key}": use one of ${settingsKeys.join(", ")}, providers` })
    yield* printJson((view.settings as Record<string, unknown>)[key] ?? null)
  })).pipe(Command.withDescription("Show the settings (never the secrets: only which ones are stored)"))

const settingsSet = Command.make("set", {
  key: Args.text({ name: "key" }).pipe(Args.withDescription(settingsKeys.join(", "))),
  value: Args.text({ name: "json" }).pipe(Args.withDescription("The new value as JSON (plain text is taken as a string; null clears)"))
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    if (!settingsKeys.includes(a.key)) return yield* new ExitCode.CliInputError({ message: `Unknown setting "${a.key}": use one of ${settingsKeys.join(", ")}` })
    const updated = yield* Effect.flatMap(Settings, (s) => s.update({ [a.key]: Inputs.jsonOrText(a.value) })).pipe(Effect.provide(settingsLayer(g)))
    const value = (Schema.encodeSync(AppSettings)(updated) as Record<string, unknown>)[a.key] ?? null
    if (g.json) return yield* printJson({ [a.key]: value })
    yield* Output.print(`${a.key} = ${JSON.stringify(value)}`)
  })).pipe(Command.withDescription("Change one setting"))

// Runs on the database alone: the settings layer cannot start while the master key is lost.
const settingsResetSecrets = Command.make("reset-secrets", {
  yes: Options.boolean("yes").pipe(Options.withDescription("Really delete the stored secrets (without it, nothing is changed)"))
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    const file = dbPath(g)
    if (!Fs.existsSync(file)) return yield* new ExitCode.CliInputError({ message: `There is no database at ${file} (see --data-dir)` })
    const db = Database.layer({ filename: file })
    if (!a.yes) {
      const stored = yield* Effect.provide(storedSecrets, db)
      return yield* new ExitCode.CliInputError({
        message: `Refusing without --yes: this deletes the ${stored.length} stored secret${stored.length === 1 ? "" : "s"}` +
          `${stored.length > 0 ? ` (${stored.join(", ")})` : ""} and the master-key check in ${file}; ` +
          "providers keep their settings, and their keys must be entered again. Nothing was changed"
      })
    }
    const report = yield* Effect.provide(SettingsSql.resetSecrets, db)
    if (g.json) return yield* printJson({ database: file, ...report })
    const names = report.secrets.map((s) => `${s.provider}.${s.field}`)
    yield* Output.print(
      `Deleted ${names.length} stored secret${names.length === 1 ? "" : "s"}${names.length > 0 ? ` (${names.join(", ")})` : ""}` +
        `${report.keyCheckRemoved ? " and the master-key check" : ""} from ${file}`,
      Output.styles.dim(`  the response cache was emptied too (${plural(report.cachedAnswers, "answer")})`),
      Output.styles.dim("  providers keep their settings; enter their keys again: dbtk-ai providers set <id> apiKey=..."),
      Output.styles.dim("  the next start uses the master key it finds (DBTK_AI_MASTER_KEY, or ai.key, made anew when absent)")
    )
  })).pipe(Command.withDescription(
    "Delete every stored secret (API keys), the master-key check and the cached answers, without needing the key: the way out " +
      "when ai.key is lost (MissingMasterKey) or the key is wrong (WrongMasterKey). Providers keep their settings. Needs --yes"
  ))

// provider.field of each stored secret, for the confirmation message (names only, never values).
const storedSecrets = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ provider: string; field: string }>`SELECT provider, field FROM ai_secrets ORDER BY provider, field`).pipe(
    Effect.map((rows) => rows.map((r) => `${r.provider}.${r.field}`)),
    Effect.mapError((e) => new SettingsError({ reason: "Storage", message: `Could not read the stored secrets: ${e.message}` }))
  )

const settings = Command.make("settings", {}, (): Effect.Effect<void, ValidationError.ValidationError> =>
  Effect.fail(ValidationError.helpRequested(settingsCommand.descriptor))
).pipe(Command.withDescription("Show or change the app-wide settings (active provider, fallback, health checks, budget ...)"))

const settingsCommand = settings.pipe(Command.withSubcommands([settingsGet, settingsSet, settingsResetSecrets]))

// ---------------------------------------------------------------------------
// migrate
// ---------------------------------------------------------------------------

const migrationLines = (r: EnvMigration.MigrationReport): Array<string> => {
  const from = r.sources.length > 0 ? r.sources.join(", ") : "nowhere (no .env file, no variables)"
  const head = {
    imported: `Imported the .env Cloudflare settings (${r.imported.join(", ")})`,
    unchanged: "Nothing to do: the .env Cloudflare settings are already imported",
    "nothing-to-import": "Nothing to import: CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN were not both found",
    "kept-existing": "Kept the stored Cloudflare configuration, which differs from the .env one (--force replaces it)"
  }[r.status]
  return [
    head,
    Output.styles.dim(`  read from: ${from}`),
    ...(r.backup !== undefined ? [Output.styles.dim(`  backup: ${r.backup} (dbtk-ai migrate rollback restores it)`)] : []),
    ...(r.activated ? ["  Cloudflare Workers AI is now the active provider"] : []),
    ...r.skipped.map((s) => Output.styles.yellow(`  skipped ${s.variable}: ${s.reason}`))
  ]
}

const migrateRollback = Command.make("rollback", {}, () =>
  Effect.gen(function*() {
    const g = yield* root
    const result = yield* Effect.provide(EnvMigration.rollback, settingsLayer(g))
    if (g.json) return yield* printJson(result)
    yield* Output.print(`Restored the settings from ${result.restoredFrom}`)
  })).pipe(Command.withDescription("Undo the last migration: restore the settings from the backup it made"))

const migrate = Command.make("migrate", {
  envFile: Options.file("dotenv").pipe(Options.optional, Options.withDescription("The .env file (default: .env in the current folder, when there is one)")),
  force: Options.boolean("force").pipe(Options.withDescription("Replace a stored Cloudflare configuration that differs"))
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    if (Option.isSome(a.envFile) && !Fs.existsSync(a.envFile.value)) {
      return yield* new ExitCode.CliInputError({ message: `The .env file ${a.envFile.value} does not exist` })
    }
    const envFile = Option.getOrElse(a.envFile, () => Path.resolve(".env"))
    // A shell's variables are the user's own: the CLI reads them too (the library does only when asked).
    const report = yield* Effect.provide(EnvMigration.fromEnv({ envFile, env: process.env, force: a.force }), settingsLayer(g))
    if (g.json) return yield* printJson(report)
    yield* Output.print(...migrationLines(report))
  })).pipe(
    Command.withDescription("Import DB Toolkit's .env settings (CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN ..., from the file or the environment) after backing the database up"),
    Command.withSubcommands([migrateRollback])
  )

// ---------------------------------------------------------------------------
// metrics and usage
// ---------------------------------------------------------------------------

const sinceOption = Options.text("since").pipe(
  Options.optional,
  Options.withDescription("Only what happened since: a duration back from now (90m, 24h, 7d) or a date (2026-01-31)")
)

const sinceOf = (since: Option.Option<string>) =>
  Option.isNone(since) ? Effect.succeed(undefined) : Effect.flatMap(Clock.currentTimeMillis, (now) => Inputs.since(since.value, now))

const metrics = Command.make("metrics", {
  provider: Options.choice("provider", ProviderId.literals).pipe(Options.optional, Options.withDescription("Only this provider")),
  since: sinceOption
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    const from = yield* sinceOf(a.since)
    const provider = Option.getOrUndefined(a.provider)
    const { rows, total } = yield* Effect.provide(Reports.metricsSummary({ provider, from }), metricsLayer(g))
    if (g.json) {
      return yield* printJson({ from: from ?? null, providers: rows.map((r) => ({ provider: r.provider, ...r.summary })), total })
    }
    if (rows.every((r) => r.summary.requests === 0)) return yield* Output.print("No requests recorded yet.")
    yield* Output.print(...Render.summaries(rows, provider === undefined ? total : undefined))
  })).pipe(Command.withDescription("Requests, success rate, p50/p95 latency, tokens and cost per provider"))

const usageExport = Command.make("export", {
  format: Options.choice("format", ["csv", "json"]).pipe(Options.withDefault("csv" as const), Options.withDescription("csv or json")),
  out: Options.file("out").pipe(Options.optional, Options.withDescription("Write to this file instead of stdout")),
  since: sinceOption
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    const from = yield* sinceOf(a.since)
    const text = yield* Effect.flatMap(MetricsRepo, (m) => m.exportUsage(a.format, from !== undefined ? { from } : {})).pipe(
      Effect.provide(metricsLayer(g))
    )
    if (Option.isNone(a.out)) return yield* Output.write(text.endsWith("\n") ? text : text + "\n")
    const out = a.out.value
    yield* Effect.try({
      try: () => Fs.writeFileSync(out, text),
      catch: (e) => new ExitCode.CliInputError({ message: `Could not write ${out}: ${(e as Error).message}` })
    })
    if (g.json) return yield* printJson({ written: out, format: a.format, bytes: Buffer.byteLength(text) })
    yield* Output.printErr(`Wrote the usage report (${a.format}) to ${out}`)
  })).pipe(Command.withDescription("Export usage analytics (per provider and feature, time saved) as CSV or JSON"))

const usage = Command.make("usage", {}, (): Effect.Effect<void, ValidationError.ValidationError> =>
  Effect.fail(ValidationError.helpRequested(usageCommand.descriptor))
).pipe(Command.withDescription("Usage analytics"))

const usageCommand = usage.pipe(Command.withSubcommands([usageExport]))

// ---------------------------------------------------------------------------
// cache
// ---------------------------------------------------------------------------

// The response cache on the database alone: no key, no provider, no settings needed.
const withCache = <A, E>(g: Globals, f: (cache: ResponseCache.Service) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const file = dbPath(g)
    if (!Fs.existsSync(file)) return yield* new ExitCode.CliInputError({ message: `There is no database at ${file} (see --data-dir)` })
    return yield* Effect.flatMap(ResponseCache.ResponseCache, f).pipe(
      Effect.provide(ResponseCacheSql.layer().pipe(Layer.provide(Database.layer({ filename: file }))))
    )
  })

const cacheStats = Command.make("stats", {}, () =>
  Effect.gen(function*() {
    const g = yield* root
    const stats = yield* withCache(g, (cache) => cache.stats)
    if (g.json) return yield* printJson({ entries: stats.entries, bytes: stats.bytes })
    yield* Output.print(`${plural(stats.entries, "cached answer")}, ${stats.bytes.toLocaleString("en-US")} bytes`)
  })).pipe(Command.withDescription("How many answers the response cache holds, and their size"))

const cacheClear = Command.make("clear", {
  provider: Options.choice("provider", ProviderId.literals).pipe(Options.optional, Options.withDescription("Only this provider's answers"))
}, (a) =>
  Effect.gen(function*() {
    const g = yield* root
    const provider = Option.getOrUndefined(a.provider)
    const cleared = yield* withCache(g, (cache) => cache.clear(provider === undefined ? undefined : { provider }))
    if (g.json) return yield* printJson({ cleared, provider: provider ?? null })
    yield* Output.print(`Cleared ${plural(cleared, "cached answer")}${provider === undefined ? "" : ` of ${provider}`}`)
  })).pipe(Command.withDescription("Delete the cached answers (all, or one provider's); the next identical request asks the provider"))

const cache = Command.make("cache", {}, (): Effect.Effect<void, ValidationError.ValidationError> =>
  Effect.fail(ValidationError.helpRequested(cacheCommand.descriptor))
).pipe(Command.withDescription("The response cache"))

const cacheCommand = cache.pipe(Command.withSubcommands([cacheStats, cacheClear]))

// ---------------------------------------------------------------------------
// emulate
// ---------------------------------------------------------------------------

const emulators: Readonly<Record<ProviderId, Emulator.Protocol>> = {
  cloudflare: CloudflareEmulator.protocol,
  openai: OpenAiEmulator.protocol,
  ollama: OllamaEmulator.protocol,
  anthropic: AnthropicEmulator.protocol,
  "azure-openai": AzureOpenAiEmulator.protocol,
  gemini: GeminiEmulator.protocol
}

// The fields that point a provider at an emulator (any key is accepted unless --key is given).
const emulatedConfig = (id: ProviderId, emu: Emulator.Emulator): Record<string, string> => {
  switch (id) {
    case "azure-openai":
      return { endpoint: emu.origin, deployment: "gpt-4.1-mini", apiVersion: AzureOpenAi.latestGaApiVersion }
    case "cloudflare":
      return { baseUrl: emu.baseUrl, accountId: "0123456789abcdef0123456789abcdef" }
    default:
      return { baseUrl: emu.baseUrl }
  }
}

const emulate = Command.make("emulate", {
  provider: providerArg,
  key: Options.text("key").pipe(Options.optional, Options.withDescription("The only key the emulator accepts (default: any)"))
}, (a) =>
  Effect.scoped(Effect.gen(function*() {
    const g = yield* root
    const emu = yield* Emulator.scoped(emulators[a.provider], { apiKey: Option.getOrUndefined(a.key) })
    const config = emulatedConfig(a.provider, emu)
    const secret = catalog[a.provider].secretFields[0]
    const fields = [...Object.entries(config).map(([k, v]) => `${k}=${v}`), ...(secret ? [`${secret}=${Option.getOrElse(a.key, () => "any-key")}`] : [])]
    if (g.json) yield* printJson({ provider: a.provider, origin: emu.origin, baseUrl: emu.baseUrl, config })
    else {
      yield* Output.print(`${displayName[a.provider]} emulator at ${emu.baseUrl} (Ctrl+C stops it)`)
      yield* Output.print(Output.styles.dim(`  dbtk-ai providers set ${a.provider} ${fields.join(" ")}`))
    }
    return yield* Effect.never
  }))).pipe(Command.withDescription(
    "Run a provider's wire-level emulator on 127.0.0.1 (the one the tests use) and print how to point a provider at it"
  ))

// ---------------------------------------------------------------------------
// ui
// ---------------------------------------------------------------------------

// The stack's own logs go where the CLI's go (stderr), never before the URL on stdout.
const stackLogs = (level: LogLevel.LogLevel) =>
  Effect.map(Output.Output, (o) => Layer.merge(Logger.replace(Logger.defaultLogger, logger(o)), Logger.minimumLogLevel(level)))

const managedRuntime = <R, E>(layer: Layer.Layer<R, E>) =>
  Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(layer)), (runtime) => Effect.promise(() => runtime.dispose()))

// The stack the page runs on, for the length of the scope, started: the data folder's, or the
// demo's (its emulated providers configured, in a temporary folder).
const uiRuntime = (g: Globals, demo: boolean) =>
  Effect.gen(function*() {
    if (!demo) {
      const runtime = yield* managedRuntime(Layer.merge(stackLayer(g), yield* stackLogs(LogLevel.Warning)))
      yield* runtime.runtimeEffect
      return runtime
    }
    const where = yield* Demo.setting
    const runtime = yield* managedRuntime(Layer.merge(where.stack, yield* stackLogs(LogLevel.Error)))
    yield* Effect.flatMap(runtime.runtimeEffect, (services) => Effect.provide(Demo.configureProviders(where), services))
    yield* Output.printErr(Output.styles.dim(
      `  demo: Cloudflare Workers AI (active) and OpenAI (fallback) emulated at ${where.cloudflare.origin} and ${where.openai.origin}; ` +
        `data folder ${where.dir} (temporary)`
    ))
    return runtime
  })

const ui = Command.make("ui", {
  port: Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("The port on 127.0.0.1 (default: a free one)")),
  demo: Options.boolean("demo").pipe(
    Options.withDescription("Run on emulated providers, as npm start does, in a temporary data folder (--data-dir is not used)")
  )
}, (a) =>
  Effect.scoped(Effect.gen(function*() {
    const g = yield* root
    if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65_535) {
      return yield* new ExitCode.CliInputError({ message: `--port must be a port number (0 to 65535), not ${a.port}` })
    }
    const runtime = yield* uiRuntime(g, a.demo)
    const server = yield* UiServer.make({ runtime, port: a.port }).pipe(
      Effect.mapError((e) => new ExitCode.CliInputError({ message: `Could not listen on 127.0.0.1:${a.port}: ${String(e.cause)}` }))
    )
    // The URL is the first line: a script reads it, a terminal makes it a link.
    yield* Output.print(g.json ? JSON.stringify({ url: server.url, origin: server.origin, token: server.token }) : server.url)
    yield* Output.printErr(Output.styles.dim("  the AI settings page and its HTTP API (/openapi.json), on 127.0.0.1 until Ctrl+C"))
    return yield* Effect.never
  }))).pipe(Command.withDescription(
    "Serve the AI settings page and the HTTP API of the IPC channels on 127.0.0.1; prints the page's URL, with its token, first"
  ))

// ---------------------------------------------------------------------------
// demo and the whole command
// ---------------------------------------------------------------------------

const demo = Command.make("demo", {}, () => Effect.flatMap(root, (g) => Demo.run({ json: g.json }))).pipe(
  Command.withDescription("Run every operation against local emulators (no keys, no network), show a fallback and the metrics")
)

const rootWithHelp = root.pipe(
  Command.withHandler((): Effect.Effect<void, ValidationError.ValidationError> => Effect.fail(ValidationError.helpRequested(command.descriptor))),
  Command.withDescription("DB Toolkit's AI features from the command line: generate, explain, optimize and fix SQL on your providers")
)

/**
 * The whole command tree.
 *
 * @since 0.1.0
 * @category Commands
 */
export const command = rootWithHelp.pipe(Command.withSubcommands([
  generate,
  explain,
  optimize,
  fix,
  providersCommand,
  settingsCommand,
  migrate,
  metrics,
  usageCommand,
  cacheCommand,
  emulate,
  ui,
  demo
]))

const footer = HelpDoc.blocks([
  HelpDoc.h1("EXIT CODES"),
  ...ExitCode.description.map(([code, text]) => HelpDoc.p(`${code}  ${text}`))
])

const cli = Command.run(command, { name: "dbtk-ai", version, footer })

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

const GLOBAL_FLAGS = new Set(["--json"])
const GLOBAL_VALUES = new Set(["--data-dir"])

/**
 * Moves the global options (`--json`, `--data-dir <dir>`) to the front, where @effect/cli
 * expects a parent command's options, so they may be written anywhere.
 *
 * @since 0.1.0
 * @category Running
 */
export const hoistGlobals = (args: ReadonlyArray<string>): Array<string> => {
  const globals: Array<string> = []
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const eq = arg.indexOf("=")
    const name = eq === -1 ? arg : arg.slice(0, eq)
    if (GLOBAL_FLAGS.has(arg)) globals.push(arg)
    else if (GLOBAL_VALUES.has(name) && eq !== -1) globals.push(name, arg.slice(eq + 1))
    else if (GLOBAL_VALUES.has(arg) && i + 1 < args.length) globals.push(arg, args[++i]!)
    else rest.push(arg)
  }
  return [...globals, ...rest]
}

const logger = (o: Output.Service) =>
  Logger.make(({ logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    const text = parts.map((m) => (typeof m === "string" ? m : Util.inspect(m))).join(" ")
    const label = logLevel._tag === "Error" || logLevel._tag === "Fatal" ? Output.styles.red(logLevel.label.toLowerCase()) : Output.styles.yellow(logLevel.label.toLowerCase())
    o.stderr.write(Output.forSink(o.stderr, `${label}: ${text}\n`))
  })

/**
 * Runs the CLI on its arguments (without `node` and the script) and returns the exit code.
 * Errors are shown (as JSON on stdout with `--json`), never thrown.
 *
 * @since 0.1.0
 * @category Running
 */
export const run = (args: ReadonlyArray<string>): Effect.Effect<ExitCode.ExitCode, never, Output.Output | CliApp.CliApp.Environment> =>
  Effect.gen(function*() {
    const o = yield* Output.Output
    const argv = hoistGlobals(args)
    const json = argv.includes("--json")
    const base = yield* Effect.console
    return yield* cli(["node", "dbtk-ai", ...argv]).pipe(
      Effect.as(ExitCode.ExitCode.ok),
      Effect.catchAllCause((cause) =>
        Effect.gen(function*() {
          const code = ExitCode.ofCause(cause)
          const failure = Option.getOrUndefined(Cause.failureOption(cause))
          if (ValidationError.isValidationError(failure)) {
            // @effect/cli has shown it (with the usage) on stderr already.
            if (json) yield* Output.print(JSON.stringify({ error: { _tag: "ValidationError", message: Output.stripAnsi(HelpDoc.toAnsiText(failure.error)).trim() }, exitCode: code }))
            return code
          }
          if (json) yield* Output.print(JSON.stringify({ error: failure !== undefined ? ExitCode.toJson(failure) : { _tag: "Defect", message: "unexpected error" }, exitCode: code }))
          else yield* Output.printErr(...ExitCode.causeLines(cause))
          return code
        })
      ),
      Effect.withConsole(Output.console(o, base)),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger(o))),
      Logger.withMinimumLogLevel(LogLevel.Warning)
    )
  })
