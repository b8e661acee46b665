/**
 * The settings store on the library's SQLite database. Reads come from memory (loaded at start,
 * updated after each committed write), so a request never waits on the disk; writes are
 * serialized and each is one transaction, so concurrent updates lose nothing and a failed one
 * leaves the previous settings intact. Secrets are sealed with AES-256-GCM bound to their
 * provider and field, and opened only when a provider is built.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Either, Layer, Option, ParseResult, PubSub, Redacted, Schema, type Scope, Stream } from "effect"
import { ConfigInvalid } from "../domain/AiError.js"
import * as ProviderId from "../domain/ProviderId.js"
import { defaultPolicy, ResiliencePolicy } from "../domain/Resilience.js"
import { AppSettings, AppSettingsPatch, ExportFile } from "../domain/Settings.js"
import { KeyStore, type KeyStoreError, type LoadedKey } from "../services/KeyStore.js"
import {
  type ImportReport,
  type ProviderEntry,
  ProviderNotConfigured,
  type Service,
  Settings,
  type SettingsChange,
  SettingsError,
  SettingsInvalid,
  type Snapshot
} from "../services/Settings.js"
import * as Untrusted from "../internal/Untrusted.js"
import * as Crypto from "../internal/Crypto.js"
import * as ResponseCacheSql from "./ResponseCacheSql.js"
import { catalog } from "../providers/Catalog.js"

const KEY_CHECK = "key_check"
const MAX_IMPORT_CHARS = 10_000_000
const KEY_CHECK_AAD = "dbtk-ai:v1:key-check"
// A stand-in for a stored secret when validating a configuration without decrypting anything.
const STORED = Redacted.make("stored-secret")

interface SecretRow {
  readonly provider: string
  readonly field: string
  readonly nonce: Uint8Array
  readonly ciphertext: Uint8Array
  readonly tag: Uint8Array
}

const storage = (what: string) => (cause: { readonly message: string }) =>
  new SettingsError({ reason: "Storage", message: `Could not ${what}: ${cause.message}` })

const invalid = (prefix: string) => (error: ParseResult.ParseError) => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter((p) => p !== "").join(".") || "(settings)"
  const reason = issue?._tag === "Missing"
    ? "is required"
    : issue?._tag === "Unexpected"
    ? "is not a setting"
    : Untrusted.truncate((issue?.message ?? "is invalid").replace(/,\s*actual[\s\S]*$/i, ""), 300)
  return new SettingsInvalid({ field, reason, message: `Invalid settings: ${field} ${reason}` })
}

// What a settings patch or resilience policy may be: small, plain, well-formed.
const PATCH_BOUNDS: Untrusted.Bounds = { maxStringChars: 1_000, maxDepth: 6, maxNodes: 10_000 }
const strict = { onExcessProperty: "error" } as const

const decodeInput = <A, I>(schema: Schema.Schema<A, I>, prefix: string) => (input: unknown): Effect.Effect<A, SettingsInvalid> => {
  const plain = Untrusted.check(input, PATCH_BOUNDS)
  if (Either.isLeft(plain)) {
    const field = [prefix, plain.left.path].filter((p) => p !== "").join(".") || "(settings)"
    return Effect.fail(new SettingsInvalid({ field, reason: plain.left.reason, message: `Invalid settings: ${field} ${plain.left.reason}` }))
  }
  return Effect.mapError(Schema.decodeUnknown(schema)(input, strict), invalid(prefix))
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const encodeSettings = Schema.encodeSync(AppSettings)
const decodeSettings = Schema.decodeUnknownEither(AppSettings)
const decodeResilience = Schema.decodeUnknownEither(ResiliencePolicy)
const encodeResilience = Schema.encodeSync(ResiliencePolicy)

const toJson = (sealed: Crypto.Sealed) =>
  JSON.stringify({
    nonce: Buffer.from(sealed.nonce).toString("base64"),
    ciphertext: Buffer.from(sealed.ciphertext).toString("base64"),
    tag: Buffer.from(sealed.tag).toString("base64")
  })
const fromJson = (text: string): Crypto.Sealed => {
  const o = JSON.parse(text) as Record<string, string>
  return { nonce: Buffer.from(o.nonce ?? "", "base64"), ciphertext: Buffer.from(o.ciphertext ?? "", "base64"), tag: Buffer.from(o.tag ?? "", "base64") }
}

const sealKeyCheck = (key: Crypto.MasterKey) => toJson(Crypto.seal(key, Redacted.make("ok"), KEY_CHECK_AAD))

// A damaged key check opens with no key, like a wrong one.
const opensKeyCheck = (key: Crypto.MasterKey, stored: string) =>
  Either.isRight(Either.flatMap(Either.try(() => fromJson(stored)), (sealed) => Crypto.open(key, sealed, KEY_CHECK_AAD)))

const RECOVERY = "reset the stored secrets with `dbtk-ai settings reset-secrets --yes` (or `SettingsSql.resetSecrets`): " +
  "providers keep their settings, and their keys must be entered again"

const wrongKey = (loaded: LoadedKey) =>
  new SettingsError({
    reason: "WrongMasterKey",
    message: `The master key${loaded.location !== undefined ? ` (from ${loaded.location})` : ""} does not match the one that encrypted ` +
      "the stored settings; nothing was read or changed. Restore the previous key (DBTK_AI_MASTER_KEY, or the ai.key file " +
      `beside the database), or ${RECOVERY}`
  })

const missingKey = (loaded: LoadedKey, secrets: number, undone: Either.Either<void, KeyStoreError>) => {
  const file = loaded.location !== undefined ? `The key file ${loaded.location}` : "The master key"
  const leftover = Either.isLeft(undone) ? ` (The new key made in its place could not be removed: ${undone.left.message}; delete it.)` : ""
  return new SettingsError({
    reason: "MissingMasterKey",
    message: `${file} is missing, but the database holds ${secrets} encrypted key${secrets === 1 ? "" : "s"} sealed with it; ` +
      "nothing was read or changed. To recover, restore the key file (or set DBTK_AI_MASTER_KEY to the key), " +
      `or ${RECOVERY}.${leftover}`
  })
}

// The key check: a constant sealed with the key that encrypted the secrets. A key the store has
// just made (the old one is lost) is adopted only when no secret needed the old one; otherwise it
// is removed again, so every start reports the missing key rather than a wrong one.
const checkKey = (sql: SqlClient.SqlClient, loaded: LoadedKey, key: Crypto.MasterKey) =>
  Effect.gen(function*() {
    const [check] = yield* sql<{ value: string }>`SELECT value FROM ai_meta WHERE key = ${KEY_CHECK}`.pipe(
      Effect.mapError(storage("read the database"))
    )
    if (check === undefined) {
      return yield* sql`INSERT INTO ai_meta (key, value) VALUES (${KEY_CHECK}, ${sealKeyCheck(key)})`.pipe(
        Effect.asVoid,
        Effect.mapError(storage("write the key check"))
      )
    }
    if (opensKeyCheck(key, check.value)) return
    if (!loaded.created) return yield* wrongKey(loaded)
    const secrets = yield* sql.withTransaction(Effect.gen(function*() {
      const [row] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM ai_secrets`
      const n = Number(row?.n ?? 0)
      if (n === 0) yield* sql`UPDATE ai_meta SET value = ${sealKeyCheck(key)} WHERE key = ${KEY_CHECK}`
      return n
    })).pipe(Effect.mapError(storage("check the stored secrets")))
    if (secrets === 0) return yield* Effect.logWarning(`The master key was missing; a new one was made${loaded.location !== undefined ? ` at ${loaded.location}` : ""} (no stored secret needed the old one)`)
    return yield* missingKey(loaded, secrets, yield* Effect.either(loaded.undo))
  })

/**
 * What {@link resetSecrets} removed.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ResetReport {
  /** The secrets removed, by provider and field (never their values). */
  readonly secrets: ReadonlyArray<{ readonly provider: string; readonly field: string }>
  /** Whether a master-key check was removed (the next start adopts the key it finds). */
  readonly keyCheckRemoved: boolean
  /** The answers removed from the response cache (it is emptied with the secrets). */
  readonly cachedAnswers: number
}

/**
 * The way out of a lost master key: deletes every stored secret, the master-key check and the
 * response cache's answers in one transaction, without needing any key. Providers keep their configuration (each then reports
 * its missing key as its `problem`) and their keys must be entered again; the next start seals
 * a new key check with whatever key it finds (or makes). Runs on the database alone, before the
 * Settings layer is built (that layer fails while the key is missing); while a Settings layer is
 * running on the same database, restart it afterwards.
 *
 * @since 0.1.0
 * @category Recovery
 */
export const resetSecrets: Effect.Effect<ResetReport, SettingsError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.withTransaction(Effect.gen(function*() {
    const secrets = yield* sql<{ provider: string; field: string }>`SELECT provider, field FROM ai_secrets ORDER BY provider, field`
    const checks = yield* sql<{ key: string }>`SELECT key FROM ai_meta WHERE key = ${KEY_CHECK}`
    yield* sql`DELETE FROM ai_secrets`
    yield* sql`DELETE FROM ai_meta WHERE key = ${KEY_CHECK}`
    // Answers made under the old keys' accounts go with them.
    const cachedAnswers = yield* ResponseCacheSql.clearAll
    const report: ResetReport = {
      secrets: secrets.map((s) => ({ provider: s.provider, field: s.field })),
      keyCheckRemoved: checks.length > 0,
      cachedAnswers
    }
    return report
  })).pipe(Effect.mapError(storage("reset the stored secrets")))
})

/**
 * Builds the store: loads the master key and checks it against the database (a wrong key fails
 * here with `WrongMasterKey`, a lost one with `MissingMasterKey`, changing nothing), then loads
 * every row. Rows that do not validate are kept and reported on their provider (`problem`);
 * nothing is deleted.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make: Effect.Effect<Service, SettingsError | KeyStoreError, SqlClient.SqlClient | KeyStore | Scope.Scope> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient
    const keyStore = yield* KeyStore
    const loaded = yield* keyStore.load
    const keyText = loaded.key
    let key = yield* Either.match(Crypto.masterKey(keyText), {
      onLeft: (why) => Effect.fail(new SettingsError({ reason: "WrongMasterKey", message: `The master key is unusable: ${why}` })),
      onRight: Effect.succeed
    })
    const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

    yield* checkKey(sql, loaded, key)

    let state: { settings: AppSettings; providers: Map<ProviderId.ProviderId, ProviderEntry> } = {
      settings: decodeSettings({}).pipe(Either.getOrThrow),
      providers: new Map()
    }
    // The snapshot handed to readers is built once per change (readers run on every request).
    let version = 0
    let cached: Snapshot | undefined
    const changed = () => {
      version++
      cached = undefined
    }
    const hub = yield* PubSub.unbounded<SettingsChange>()
    const lock = yield* Effect.makeSemaphore(1)
    const publish = (change: SettingsChange) => PubSub.publish(hub, change)

    const problemOf = (id: ProviderId.ProviderId, config: Record<string, unknown>, secrets: ReadonlyArray<string>) =>
      Effect.flip(catalog[id].validate({ ...config, ...Object.fromEntries(secrets.map((f) => [f, STORED])) })).pipe(
        Effect.option,
        Effect.map(Option.getOrUndefined)
      )

    const loadAll = Effect.gen(function*() {
      const settingRows = yield* sql<{ key: string; value: string }>`SELECT key, value FROM ai_settings`
      let settings = decodeSettings({}).pipe(Either.getOrThrow)
      for (const row of settingRows) {
        // One bad value falls back to its default and leaves the others alone.
        const decoded = Either.flatMap(Either.try(() => JSON.parse(row.value) as unknown), (value) => decodeSettings({ ...encodeSettings(settings), [row.key]: value }))
        if (Either.isRight(decoded)) settings = decoded.right
        else yield* Effect.logWarning(`Ignoring the stored setting ${row.key}: it does not validate`)
      }
      const secretRows = yield* sql<{ provider: string; field: string }>`SELECT provider, field FROM ai_secrets`
      const providerRows = yield* sql<{ id: string; enabled: number; config: string; resilience: string; revision: number }>`
        SELECT id, enabled, config, resilience, revision FROM ai_providers`
      const providers = new Map<ProviderId.ProviderId, ProviderEntry>()
      for (const row of providerRows) {
        if (!ProviderId.is(row.id)) {
          yield* Effect.logWarning(`Ignoring a stored provider with an unknown id`)
          continue
        }
        const id = row.id
        const secrets = secretRows.filter((s) => s.provider === id).map((s) => s.field)
        const parsed = Either.try(() => JSON.parse(row.config) as unknown)
        const config = Either.isRight(parsed) && isRecord(parsed.right) ? parsed.right : {}
        const resilience = Either.flatMap(Either.try(() => JSON.parse(row.resilience || "{}") as unknown), decodeResilience)
        const problem = Either.isLeft(parsed) || !isRecord(parsed.right)
          ? new ConfigInvalid({
            provider: id,
            field: "(config)",
            reason: "is damaged",
            message: `The stored ${id} configuration is damaged (not a JSON object); save the provider again`
          })
          : Either.isLeft(resilience)
          ? new ConfigInvalid({ provider: id, field: "resilience", reason: "does not validate", message: `The stored ${id} resilience settings do not validate` })
          : yield* problemOf(id, config, secrets)
        providers.set(id, {
          id,
          enabled: row.enabled !== 0,
          config,
          secrets,
          resilience: Either.getOrElse(resilience, () => defaultPolicy),
          revision: row.revision,
          ...(problem ? { problem } : {})
        })
      }
      state = { settings, providers }
      changed()
    }).pipe(Effect.mapError(storage("read the settings")))

    yield* loadAll

    const notConfigured = (id: ProviderId.ProviderId) =>
      new ProviderNotConfigured({ provider: id, message: `${ProviderId.displayName[id]} is not configured` })
    const entryOf = (id: ProviderId.ProviderId) =>
      Option.match(Option.fromNullable(state.providers.get(id)), { onNone: () => Effect.fail(notConfigured(id)), onSome: Effect.succeed })

    const sealRow = (id: string, field: string, value: Redacted.Redacted<string>, at: string) => {
      const s = Crypto.seal(key, value, Crypto.aad(id, field))
      return sql`INSERT INTO ai_secrets (provider, field, nonce, ciphertext, tag, updated_at)
        VALUES (${id}, ${field}, ${Buffer.from(s.nonce)}, ${Buffer.from(s.ciphertext)}, ${Buffer.from(s.tag)}, ${at})
        ON CONFLICT (provider, field) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag, updated_at = excluded.updated_at`
    }

    const openRow = (row: SecretRow) =>
      Either.mapLeft(
        Crypto.open(key, { nonce: row.nonce, ciphertext: row.ciphertext, tag: row.tag }, Crypto.aad(row.provider, row.field)),
        () =>
          new SettingsError({
            reason: "UnreadableSecret",
            message: `The stored ${row.field} of ${row.provider} cannot be decrypted (damaged, or copied from another place); enter it again`
          })
      )

    const writeProvider = (
      id: ProviderId.ProviderId,
      enabled: boolean,
      config: Record<string, unknown>,
      resilience: ResiliencePolicy,
      secrets: ReadonlyArray<readonly [string, Redacted.Redacted<string> | null]>,
      revision: number,
      at: string
    ) =>
      Effect.gen(function*() {
        yield* sql`INSERT INTO ai_providers (id, enabled, config, resilience, revision, updated_at)
          VALUES (${id}, ${enabled ? 1 : 0}, ${JSON.stringify(config)}, ${JSON.stringify(encodeResilience(resilience))}, ${revision}, ${at})
          ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled, config = excluded.config, resilience = excluded.resilience,
            revision = excluded.revision, updated_at = excluded.updated_at`
        for (const [field, value] of secrets) {
          if (value === null) yield* sql`DELETE FROM ai_secrets WHERE provider = ${id} AND field = ${field}`
          else yield* sealRow(id, field, value, at)
        }
      })

    const toSecret = (v: unknown): Redacted.Redacted<string> | null | undefined =>
      v === null ? null : Redacted.isRedacted(v) ? (v as Redacted.Redacted<string>) : typeof v === "string" && v !== "" ? Redacted.make(v) : undefined

    const configInvalid = (id: ProviderId.ProviderId, field: string, reason: string) =>
      new ConfigInvalid({ provider: id, field, reason, message: `Invalid ${id} configuration: ${field} ${reason}` })

    // Where a configuration sends its requests, field by field (normalized by decoding, so
    // `https://host/v1/` and `https://host/v1` are the same place).
    const endpointOf = (id: ProviderId.ProviderId, config: Record<string, unknown>, secrets: ReadonlyArray<string>) =>
      Effect.map(
        Effect.either(catalog[id].validate({ ...config, ...Object.fromEntries(secrets.map((f) => [f, STORED])) })),
        (decoded) => {
          const source = (Either.isRight(decoded) ? decoded.right : config) as Record<string, unknown>
          return catalog[id].endpointFields.map((f) => JSON.stringify(source[f]) ?? "")
        }
      )

    /**
     * What saving `input` over the stored entry gives: fields given replace the stored ones (null
     * removes one), the rest stay. Validated as a whole. A stored secret stays only while the
     * endpoint stays the one it was saved with; a change of endpoint needs the secret again.
     */
    const merge = (id: ProviderId.ProviderId, input: Readonly<Record<string, unknown>>, replace: boolean) =>
      Effect.gen(function*() {
        const entry = catalog[id]
        const bounds = { maxStringChars: state.settings.limits.configFieldChars, maxDepth: 4, maxNodes: 1_000, allowRedacted: true }
        const plain = Untrusted.check(input, bounds)
        if (Either.isLeft(plain)) return yield* configInvalid(id, plain.left.path || "(config)", plain.left.reason)
        const existing = state.providers.get(id)
        const config: Record<string, unknown> = replace ? {} : { ...existing?.config }
        // Replacing drops every stored secret the input does not give again.
        const secrets: Array<readonly [string, Redacted.Redacted<string> | null]> = replace
          ? (existing?.secrets ?? []).filter((f) => !(f in input)).map((f) => [f, null] as const)
          : []
        for (const [k, v] of Object.entries(input)) {
          if (entry.secretFields.includes(k)) {
            const secret = toSecret(v)
            if (secret !== undefined) secrets.push([k, secret])
          } else if (v === null) delete config[k]
          else if (v !== undefined) config[k] = v
        }
        const kept = replace ? [] : (existing?.secrets ?? []).filter((f) => !secrets.some(([k]) => k === f))
        const decoded = (yield* entry.validate({
          ...config,
          ...Object.fromEntries(kept.map((f) => [f, STORED])),
          ...Object.fromEntries(secrets.filter(([, v]) => v !== null))
        })) as Readonly<Record<string, unknown>>
        // Endpoints are stored as read (`https://api.anthropic.com` as `.../v1`, `:11434` as
        // `http://127.0.0.1:11434`), so a settings screen shows where requests go.
        for (const field of entry.endpointFields) {
          if (typeof config[field] === "string" && typeof decoded[field] === "string") config[field] = decoded[field]
        }
        if (existing !== undefined && kept.length > 0) {
          const before = yield* endpointOf(id, existing.config, existing.secrets)
          const after = yield* endpointOf(id, config, existing.secrets)
          const moved = entry.endpointFields.filter((_, i) => before[i] !== after[i])
          if (moved.length > 0) {
            return yield* configInvalid(
              id,
              kept[0]!,
              `must be entered again: ${moved.join(" and ")} changed, and a stored key is only sent to the endpoint it was saved with`
            )
          }
        }
        return { config, secrets, kept, existing }
      })

    const saveProvider: Service["saveProvider"] = (id, input, options = {}) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const { config, existing, kept, secrets } = yield* merge(id, input, options.replace === true)
        const present = [...kept, ...secrets.filter(([, v]) => v !== null).map(([k]) => k)]
        const resilience = options.resilience === undefined
          ? existing?.resilience ?? defaultPolicy
          : yield* decodeInput(ResiliencePolicy, "resilience")(options.resilience)
        const enabled = options.enabled ?? existing?.enabled ?? true
        const revision = (existing?.revision ?? 0) + 1
        const at = yield* now
        yield* sql.withTransaction(writeProvider(id, enabled, config, resilience, secrets, revision, at)).pipe(
          Effect.mapError(storage(`save the ${id} settings`))
        )
        const saved: ProviderEntry = { id, enabled, config, secrets: present, resilience, revision }
        state.providers.set(id, saved)
        changed()
        yield* publish({ _tag: "ProviderChanged", provider: id, revision })
        return saved
      }))

    const patchProvider = (id: ProviderId.ProviderId, change: (e: ProviderEntry) => ProviderEntry) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const before = yield* entryOf(id)
        const after = { ...change(before), revision: before.revision + 1 }
        const at = yield* now
        yield* sql`UPDATE ai_providers SET enabled = ${after.enabled ? 1 : 0}, resilience = ${JSON.stringify(encodeResilience(after.resilience))},
          revision = ${after.revision}, updated_at = ${at} WHERE id = ${id}`.pipe(Effect.mapError(storage(`update the ${id} settings`)))
        state.providers.set(id, after)
        changed()
        yield* publish({ _tag: "ProviderChanged", provider: id, revision: after.revision })
      }))

    const writeSettings = (next: AppSettings, keys: ReadonlyArray<string>, at: string) =>
      Effect.forEach(keys, (k) => {
        const value = (encodeSettings(next) as Record<string, unknown>)[k]
        return value === undefined
          ? sql`DELETE FROM ai_settings WHERE key = ${k}`
          : sql`INSERT INTO ai_settings (key, value, updated_at) VALUES (${k}, ${JSON.stringify(value)}, ${at})
              ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
      }, { discard: true })

    const update: Service["update"] = (patch) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const p = yield* decodeInput(AppSettingsPatch, "")(patch)
        if (p.activeProvider && !state.providers.has(p.activeProvider)) {
          return yield* new SettingsInvalid({
            field: "activeProvider",
            reason: "is not configured",
            message: `Invalid settings: activeProvider ${p.activeProvider} is not configured`
          })
        }
        const keys = Object.keys(p).filter((k) => (p as Record<string, unknown>)[k] !== undefined)
        const merged: Record<string, unknown> = { ...encodeSettings(state.settings) }
        for (const k of keys) {
          const v = (patch as Record<string, unknown>)[k]
          if (v === null) delete merged[k]
          else merged[k] = v
        }
        const next = yield* Effect.mapError(Schema.decodeUnknown(AppSettings)(merged), invalid(""))
        const at = yield* now
        yield* sql.withTransaction(writeSettings(next, keys, at)).pipe(Effect.mapError(storage("save the settings")))
        state = { ...state, settings: next }
        changed()
        yield* publish({ _tag: "AppSettingsChanged", keys })
        return next
      }))

    const secretRowsOf = (id?: string) =>
      (id === undefined
        ? sql<SecretRow>`SELECT provider, field, nonce, ciphertext, tag FROM ai_secrets`
        : sql<SecretRow>`SELECT provider, field, nonce, ciphertext, tag FROM ai_secrets WHERE provider = ${id}`).pipe(
          Effect.mapError(storage("read the secrets"))
        )

    const providerInput: Service["providerInput"] = (id) =>
      Effect.gen(function*() {
        const entry = yield* entryOf(id)
        if (entry.problem) return yield* Effect.fail(entry.problem)
        const rows = yield* secretRowsOf(id)
        const input: Record<string, unknown> = { ...entry.config }
        for (const row of rows) input[row.field] = yield* openRow(row)
        return input
      })

    const providerInputWith: Service["providerInputWith"] = (id, input) =>
      Effect.gen(function*() {
        const { config, kept, secrets } = yield* merge(id, input, false)
        const rows = kept.length === 0 ? [] : yield* secretRowsOf(id)
        const full: Record<string, unknown> = { ...config }
        for (const row of rows) if (kept.includes(row.field)) full[row.field] = yield* openRow(row)
        for (const [field, value] of secrets) if (value !== null) full[field] = value
        return full
      })

    const exportJson: Service["exportJson"] = (options = {}) =>
      Effect.gen(function*() {
        const rows = options.includeSecrets ? yield* secretRowsOf() : []
        const providers: Record<string, unknown> = {}
        for (const [id, e] of state.providers) {
          const secrets: Record<string, string> = {}
          for (const row of rows.filter((r) => r.provider === id)) secrets[row.field] = Redacted.value(yield* openRow(row))
          providers[id] = {
            enabled: e.enabled,
            config: e.config,
            resilience: encodeResilience(e.resilience),
            ...(options.includeSecrets ? { secrets } : {})
          }
        }
        const file = {
          format: "db-toolkit-ai-settings",
          version: 1,
          exportedAt: yield* now,
          settings: encodeSettings(state.settings),
          providers
        }
        return JSON.stringify(file, null, 2)
      })

    const importJson: Service["importJson"] = (json) =>
      lock.withPermits(1)(Effect.gen(function*() {
        if (json.length > MAX_IMPORT_CHARS) {
          return yield* new SettingsInvalid({ field: "(file)", reason: "is too large", message: `The settings file is larger than ${MAX_IMPORT_CHARS} characters` })
        }
        const parsed = yield* Effect.try({
          try: () => JSON.parse(json) as unknown,
          catch: () => new SettingsInvalid({ field: "(file)", reason: "is not JSON", message: "The settings file is not valid JSON" })
        })
        const plain = Untrusted.check(parsed, { maxStringChars: state.settings.limits.configFieldChars, maxDepth: 8, maxNodes: 100_000 })
        if (Either.isLeft(plain)) {
          const field = plain.left.path || "(file)"
          return yield* new SettingsInvalid({ field, reason: plain.left.reason, message: `Invalid settings file: ${field} ${plain.left.reason}` })
        }
        const file = yield* Effect.mapError(Schema.decodeUnknown(ExportFile)(parsed), invalid(""))
        // Validate everything before writing anything.
        const plan: Array<{ id: ProviderId.ProviderId; config: Record<string, unknown>; secrets: Array<readonly [string, Redacted.Redacted<string>]>; enabled: boolean; resilience: ResiliencePolicy }> = []
        let secretsImported = 0
        for (const [id, p] of Object.entries(file.providers) as Array<[ProviderId.ProviderId, (typeof file.providers)[ProviderId.ProviderId]]>) {
          if (p === undefined) continue
          const entry = catalog[id]
          const config = Object.fromEntries(Object.entries(p.config).filter(([k]) => !entry.secretFields.includes(k)))
          const secrets = Object.entries(p.secrets ?? {}).filter(([k]) => entry.secretFields.includes(k)).map(([k, v]) => [k, Redacted.make(v)] as const)
          const existing = state.providers.get(id)
          const kept = (existing?.secrets ?? []).filter((f) => !secrets.some(([k]) => k === f))
          yield* entry.validate({ ...config, ...Object.fromEntries(kept.map((f) => [f, STORED])), ...Object.fromEntries(secrets) })
          // As with a save: a stored secret never follows a configuration to another endpoint.
          if (existing !== undefined && kept.length > 0) {
            const before = yield* endpointOf(id, existing.config, existing.secrets)
            const after = yield* endpointOf(id, config, existing.secrets)
            if (before.some((b, i) => b !== after[i])) {
              return yield* configInvalid(id, kept[0]!, "must be in the file: its endpoint differs from the stored one, and a stored key is only sent to the endpoint it was saved with")
            }
          }
          secretsImported += secrets.length
          plan.push({ id, config, secrets, enabled: p.enabled, resilience: p.resilience })
        }
        if (file.settings.activeProvider && !file.providers[file.settings.activeProvider] && !state.providers.has(file.settings.activeProvider)) {
          return yield* new SettingsInvalid({ field: "settings.activeProvider", reason: "is not configured", message: "Invalid settings: settings.activeProvider is not configured" })
        }
        const at = yield* now
        const keys = Object.keys(AppSettings.fields)
        yield* sql.withTransaction(Effect.gen(function*() {
          yield* writeSettings(file.settings, keys, at)
          for (const p of plan) {
            const revision = (state.providers.get(p.id)?.revision ?? 0) + 1
            yield* writeProvider(p.id, p.enabled, p.config, p.resilience, p.secrets, revision, at)
          }
        })).pipe(Effect.mapError(storage("import the settings")))
        yield* loadAll
        yield* publish({ _tag: "Reloaded" })
        const report: ImportReport = { providers: plan.map((p) => p.id), secretsImported }
        return report
      }))

    const rotateMasterKey: Service["rotateMasterKey"] = (nextText) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const next = yield* Either.match(Crypto.masterKey(nextText), {
          onLeft: (why) => Effect.fail(new SettingsError({ reason: "WrongMasterKey", message: `The new master key is unusable: ${why}` })),
          onRight: Effect.succeed
        })
        const rows = yield* secretRowsOf()
        const plain: Array<readonly [SecretRow, Redacted.Redacted<string>]> = []
        for (const row of rows) plain.push([row, yield* openRow(row)])
        // The key is stored first (keeping the previous one beside it), then the secrets move.
        yield* keyStore.save(nextText)
        const at = yield* now
        const rewrite = Effect.gen(function*() {
          for (const [row, value] of plain) {
            const s = Crypto.seal(next, value, Crypto.aad(row.provider, row.field))
            yield* sql`UPDATE ai_secrets SET nonce = ${Buffer.from(s.nonce)}, ciphertext = ${Buffer.from(s.ciphertext)}, tag = ${Buffer.from(s.tag)},
              updated_at = ${at} WHERE provider = ${row.provider} AND field = ${row.field}`
          }
          yield* sql`UPDATE ai_meta SET value = ${toJson(Crypto.seal(next, Redacted.make("ok"), KEY_CHECK_AAD))} WHERE key = ${KEY_CHECK}`
        })
        yield* sql.withTransaction(rewrite).pipe(
          Effect.mapError(storage("re-encrypt the secrets")),
          Effect.tapError(() => Effect.ignore(keyStore.save(keyText)))
        )
        key = next
      }))

    const service: Service = {
      snapshot: Effect.sync((): Snapshot =>
        cached ??= { version, settings: state.settings, providers: [...state.providers.values()] }
      ),
      provider: entryOf,
      providerInput,
      providerInputWith,
      saveProvider,
      removeProvider: (id) =>
        lock.withPermits(1)(Effect.gen(function*() {
          yield* sql.withTransaction(Effect.zipRight(
            sql`DELETE FROM ai_secrets WHERE provider = ${id}`,
            sql`DELETE FROM ai_providers WHERE id = ${id}`
          )).pipe(Effect.mapError(storage(`remove the ${id} settings`)))
          state.providers.delete(id)
          changed()
          yield* publish({ _tag: "ProviderRemoved", provider: id })
        })),
      setEnabled: (id, enabled) => patchProvider(id, (e) => ({ ...e, enabled })),
      setResilience: (id, policy) =>
        Effect.flatMap(
          decodeInput(ResiliencePolicy, "resilience")(policy),
          (resilience) => patchProvider(id, (e) => ({ ...e, resilience }))
        ),
      update,
      changes: Stream.fromPubSub(hub),
      exportJson,
      importJson,
      rotateMasterKey,
      reload: lock.withPermits(1)(Effect.zipRight(loadAll, publish({ _tag: "Reloaded" })))
    }
    return service
  }
)

/**
 * The store as a Layer, on the database and key store in context.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<Settings, SettingsError | KeyStoreError, SqlClient.SqlClient | KeyStore> = Layer.scoped(Settings, make)
