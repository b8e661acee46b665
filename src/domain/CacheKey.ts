/**
 * The key of the response cache (and of in-flight dedup): what makes two requests the same
 * request, as one SHA-256 digest. It is made of the provider, the model, the task, the request's
 * text normalized (see {@link normalize}), the sections an explain request asks for (so a batched
 * answer is never served to a request for one), the dialect, a fingerprint of the schema context (see
 * {@link schemaFingerprint}), any answer-changing parameters the caller adds, and
 * {@link PROMPT_VERSION}. Only the digest is stored: the request's text never reaches the cache's
 * rows, and the key has no place for an API key or any other configuration (fields of the input
 * other than those named here are ignored, so passing a whole configuration by mistake adds
 * nothing to the key).
 *
 * Also here: the cache's policy (`CachePolicy`: on/off, TTL, size bounds) with its defaults, for
 * the cache's layer now and the settings later.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { createHash } from "node:crypto"
import type { ProviderId } from "./ProviderId.js"
import type { SchemaContext } from "./SchemaContext.js"
import type { SqlTaskTag } from "./SqlTask.js"

/**
 * The version of the prompts and answer parsing the cached answers were made with: part of every
 * key, so bumping it makes every stored answer a miss. Bump it whenever a prompt template, the
 * provider-tailored parameters or the answer parser change what an answer would be.
 *
 * @since 0.1.0
 * @category Constants
 */
export const PROMPT_VERSION = "2"

// The layout of the key itself; changing how a key is built is a new layout.
const KEY_LAYOUT = "dbtk-ai/cache-key/1"

// ---------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------

/**
 * How long an answer is served from the cache, and how much the cache may hold (the oldest
 * answers are evicted first). `maxEntryBytes` also bounds what is read back: a stored answer
 * larger than it is a miss, and is deleted.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const CachePolicy = Schema.Struct({
  /** Off: nothing is looked up or stored (the stored answers stay until cleared or expired). */
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** How long a stored answer is served, in milliseconds (default 24 h; at most 365 days). */
  ttlMs: Schema.optionalWith(Schema.Int.pipe(Schema.between(1_000, 31_536_000_000)), { default: () => 86_400_000 }),
  /** The most answers kept (default 500). */
  maxEntries: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100_000)), { default: () => 500 }),
  /** The most bytes of stored answers kept, all together (default 16 MiB). */
  maxBytes: Schema.optionalWith(Schema.Int.pipe(Schema.between(1_024, 1_073_741_824)), { default: () => 16_777_216 }),
  /** The largest one stored answer may be, in bytes of its JSON (default 256 KiB). */
  maxEntryBytes: Schema.optionalWith(Schema.Int.pipe(Schema.between(256, 67_108_864)), { default: () => 262_144 })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type CachePolicy = typeof CachePolicy.Type

/**
 * The defaults: on, 24 h, 500 answers, 16 MiB, 256 KiB per answer.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultPolicy: CachePolicy = CachePolicy.make({})

// ---------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------

/**
 * How {@link normalize} treats a text.
 *
 * @since 0.1.0
 * @category Models
 */
export interface NormalizeOptions {
  /** Lower-case the text outside quotes and comments (a prompt, SQL), or keep its case (an error message, a plan). */
  readonly lowercase: boolean
}

const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v"

// Characters whose meaning differs between SQL dialects (backslash escapes in MySQL, dollar
// quoting in PostgreSQL, `#` comments in MySQL, `[identifiers]` in SQL Server): from the first of
// them on, where a quote or comment ends cannot be known for every dialect, so the rest is kept
// as it is.
const AMBIGUOUS = new Set(["\\", "$", "#", "["])

/**
 * Normalizes a prompt or a statement for the cache key: leading and trailing white space removed,
 * every run of white space reduced to one space, and (with `lowercase`) letters lower-cased, all
 * of it only outside quotes (`'...'`, `"..."`, `` `...` ``, a doubled quote inside being part of
 * it) and comments (`-- ...` to the end of the line, `/* ... *\/`), which are kept exactly. So
 * `SELECT  *\n  FROM Users` and `select * from users` are one key, while `'Bob'` and `'bob'` are
 * two. From the first character whose meaning depends on the dialect (`\`, `$`, `#`, `[`, a `--`
 * not followed by white space, a `/*` inside a comment, a quote holding a backslash) the text is
 * kept exactly: normalizing
 * less only costs a cache hit, normalizing wrongly would serve one request's answer to another.
 *
 * Lower-casing unquoted names makes `Users` and `users` one key; in MySQL on Linux they may name
 * different tables. A value whose case matters in a prompt should be quoted.
 *
 * @since 0.1.0
 * @category Normalization
 */
export const normalize = (text: string, options: NormalizeOptions): string => {
  const s = text.trim()
  let out = ""
  let i = 0
  const n = s.length
  while (i < n) {
    const c = s[i]!
    if (isSpace(c)) {
      while (i < n && isSpace(s[i]!)) i++
      out += " "
      continue
    }
    if (AMBIGUOUS.has(c)) return out + s.slice(i)
    if (c === "'" || c === "\"" || c === "`") {
      const end = s.indexOf(c, i + 1)
      // unterminated, or holding a backslash (an escape in MySQL, a plain character elsewhere)
      if (end < 0 || s.slice(i, end).includes("\\")) return out + s.slice(i)
      out += s.slice(i, end + 1)
      i = end + 1
      continue
    }
    if (c === "-" && s[i + 1] === "-") {
      const next = s[i + 2]
      if (next !== undefined && !isSpace(next)) return out + s.slice(i)
      // the line break that ends the comment is part of it: a comment is never joined to the next line
      const nl = s.indexOf("\n", i)
      if (nl < 0) return out + s.slice(i)
      out += s.slice(i, nl + 1)
      i = nl + 1
      continue
    }
    if (c === "/" && s[i + 1] === "*") {
      const end = s.indexOf("*/", i + 2)
      if (end < 0) return out + s.slice(i)
      const comment = s.slice(i, end + 2)
      if (comment.indexOf("/*", 2) >= 0) return out + s.slice(i)
      out += comment
      i = end + 2
      continue
    }
    out += options.lowercase ? c.toLowerCase() : c
    i++
  }
  return out
}

// ---------------------------------------------------------------------------
// Schema fingerprint
// ---------------------------------------------------------------------------

const typeText = (t: string | undefined) => (t === undefined ? null : t.trim().replace(/\s+/g, " ").toLowerCase())

// One table as canonical JSON. Column order is kept (it is the order of `SELECT *` and of an
// INSERT without a column list); foreign keys are a set. Names keep their case.
const tableText = (t: SchemaContext["tables"][number]): string =>
  JSON.stringify([
    t.schema ?? null,
    t.name,
    t.columns.map((c) => [c.name, typeText(c.type), c.nullable ?? null, c.primaryKey ?? null]),
    (t.foreignKeys ?? [])
      .map((fk) => JSON.stringify([fk.columns, fk.referencedSchema ?? null, fk.referencedTable, fk.referencedColumns]))
      .sort()
  ])

const fingerprints = new WeakMap<SchemaContext, string>()

/**
 * A stable hash (SHA-256, hex) of a schema context: the same for the same tables given in any
 * order, or with their foreign keys in any order, or with column types differing only in case
 * and spacing; different when a table, a column, a column's position, type, nullability or key,
 * a foreign key or the free text differ. `none` for no schema. Remembered per schema object, so
 * a request prepared once is hashed once.
 *
 * @since 0.1.0
 * @category Fingerprints
 */
export const schemaFingerprint = (schema: SchemaContext | undefined): string => {
  if (schema === undefined) return "none"
  const known = fingerprints.get(schema)
  if (known !== undefined) return known
  const hash = createHash("sha256")
  hash.update(`${KEY_LAYOUT}/schema\n`)
  hash.update(JSON.stringify(schema.text === undefined ? null : normalize(schema.text, { lowercase: false })))
  const tables = schema.tables.map(tableText).sort()
  for (const t of tables) hash.update(`\n${t}`)
  const digest = hash.digest("hex")
  fingerprints.set(schema, digest)
  return digest
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

/**
 * Parameters that change an answer beyond the request (temperature, structured output, a
 * variant of the prompt): added to the key in name order. Never a secret.
 *
 * @since 0.1.0
 * @category Models
 */
export type Params = Readonly<Record<string, string | number | boolean | undefined>>

/**
 * What a key is made of. `request` holds the task's own fields as the caller gave them (they are
 * normalized here); `dialect` is what the answer is written and checked for (the prepared
 * request's check target, so `mongodb` stays apart from `generic`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface KeyInput {
  readonly provider: ProviderId
  readonly model: string
  readonly task: SqlTaskTag
  readonly request: {
    readonly prompt?: string | undefined
    readonly sql?: string | undefined
    readonly errorMessage?: string | undefined
    readonly executionPlan?: string | undefined
    /** The sections an explain request asks for, in order (names kept exactly). */
    readonly sections?: ReadonlyArray<string> | undefined
  }
  readonly dialect: string
  readonly schema?: SchemaContext | undefined
  readonly params?: Params | undefined
  /** Defaults to {@link PROMPT_VERSION}. */
  readonly promptVersion?: string | undefined
}

/**
 * A cache key: the digest that identifies the request, with the provider, model and task it
 * belongs to (kept beside the digest so the cache can be cleared per provider). The digest is
 * also the in-flight dedup key.
 *
 * @since 0.1.0
 * @category Models
 */
export interface CacheKey {
  /** SHA-256 of everything the key is made of, hex (64 characters). */
  readonly digest: string
  readonly provider: ProviderId
  readonly model: string
  readonly task: SqlTaskTag
}

const prose = (s: string | undefined) => (s === undefined ? null : normalize(s, { lowercase: true }))
const verbatim = (s: string | undefined) => (s === undefined ? null : normalize(s, { lowercase: false }))

/**
 * Makes a key. Only the fields of {@link KeyInput} are read.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (input: KeyInput): CacheKey => {
  const params = Object.keys(input.params ?? {})
    .sort()
    .flatMap((k) => {
      const v = input.params?.[k]
      return v === undefined ? [] : [[k, v]]
    })
  const parts = [
    KEY_LAYOUT,
    input.promptVersion ?? PROMPT_VERSION,
    input.provider,
    input.model,
    input.task,
    input.dialect.trim().toLowerCase(),
    prose(input.request.prompt),
    prose(input.request.sql),
    verbatim(input.request.errorMessage),
    verbatim(input.request.executionPlan),
    schemaFingerprint(input.schema),
    params,
    // Only when asked for: every key of a request without sections stays what it was.
    ...(input.request.sections !== undefined && input.request.sections.length > 0 ? [["sections", input.request.sections]] : [])
  ]
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest("hex")
  return { digest, provider: input.provider, model: input.model, task: input.task }
}

/**
 * A task as the request path holds it (a decoded `SqlTask`, e.g. `Prepared.task`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface TaskLike {
  readonly _tag: SqlTaskTag
  readonly prompt?: string | undefined
  readonly sql?: string | undefined
  readonly errorMessage?: string | undefined
  readonly executionPlan?: string | undefined
  readonly sections?: ReadonlyArray<string> | undefined
  readonly schema?: SchemaContext | undefined
  readonly dialect: string
}

/**
 * The key of a task at a provider's model. `dialect` overrides the task's own (pass the prepared
 * request's `target`).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromTask = (
  provider: ProviderId,
  model: string,
  task: TaskLike,
  options: { readonly dialect?: string | undefined; readonly params?: Params | undefined; readonly promptVersion?: string | undefined } = {}
): CacheKey =>
  make({
    provider,
    model,
    task: task._tag,
    request: { prompt: task.prompt, sql: task.sql, errorMessage: task.errorMessage, executionPlan: task.executionPlan, sections: task.sections },
    dialect: options.dialect ?? task.dialect,
    schema: task.schema,
    params: options.params,
    promptVersion: options.promptVersion
  })
