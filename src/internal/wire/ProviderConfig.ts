/**
 * Schema pieces every provider's `Config` is made of, and the decoder that turns a bad config
 * into a `ConfigInvalid` naming the field.
 *
 * @since 0.1.0
 * @internal
 */
import { Effect, Either, ParseResult, type Redacted, Schema, SchemaAST } from "effect"
import { ConfigInvalid } from "../../domain/AiError.js"
import { configFieldCeiling } from "../../domain/Limits.js"
import * as ModelLifecycle from "../../domain/ModelLifecycle.js"
import { displayName, type ProviderId } from "../../domain/ProviderId.js"
import * as Untrusted from "../Untrusted.js"

const NonBlank = Schema.String.pipe(Schema.filter((s) => s.trim() !== "", { message: () => "must not be empty" }))

/**
 * A key or token: a plain string in the encoded (JSON) form, `Redacted` once decoded. An
 * already-redacted value is accepted as is, so keys never need to be unwrapped to configure.
 *
 * @since 0.1.0
 * @internal
 */
// Declared with the encoded type `string`: encoding always takes the first member and yields a
// string, so a config's JSON form (what settings store) has the key as a plain string.
export const Secret: Schema.Schema<Redacted.Redacted<string>, string> = Schema.Union(
  Schema.Redacted(NonBlank),
  Schema.RedactedFromSelf(NonBlank)
).annotations({ message: () => "must be a non-empty string" }) as Schema.Schema<Redacted.Redacted<string>, string | Redacted.Redacted<string>> as Schema.Schema<Redacted.Redacted<string>, string>

/**
 * Whether a URL host is this machine (plain http is safe only there).
 *
 * @since 0.1.0
 * @internal
 */
export const isLoopbackHost = (hostname: string): boolean => {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "")
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h)
}

/**
 * How a provider reads a base URL beyond the common rules.
 *
 * @since 0.1.0
 * @internal
 */
export interface BaseUrlOptions {
  /** Plain http for any host (servers such as Ollama on a LAN that take no key), or loopback only (the default). */
  readonly allowPlainHttp?: "loopback" | "any"
  /**
   * The API version segment a base without one gets (`v1`): the official SDKs and their
   * environment variables name the base with it (OpenAI) or without it (Anthropic), and people
   * paste either. A path that already has a version segment (`v1`, `v2`, `v1beta`) is kept.
   */
  readonly version?: string
  /**
   * Read a bare `host`, `host:port` or `:port` as Ollama's clients read `OLLAMA_HOST`: http, this
   * port when none is given, 127.0.0.1 when no host is.
   */
  readonly bareHostPort?: number
  /** A last path segment the client appends itself (`api`, `openai`), dropped when pasted. */
  readonly dropSuffix?: string
}

const VERSION_SEGMENT = /^v\d+(?:(?:alpha|beta)\d*)?$/i

// `host`, `host:port`, `[::1]:port` or `:port`, as `OLLAMA_HOST` takes them, as a URL.
const fromBareHost = (input: string, port: number): string => {
  if (input.includes("://")) return input
  if (input.startsWith(":")) return `http://127.0.0.1${input}`
  const authority = input.split("/", 1)[0]!
  const hasPort = /^(?:\[[^\]]*\]|[^:[\]]*):\d+$/.test(authority)
  return `http://${hasPort ? input : `${authority}:${port}${input.slice(authority.length)}`}`
}

/**
 * A provider base URL: http(s) only, no credentials, query or fragment, trailing slash dropped,
 * normalized to one form (see {@link BaseUrlOptions}). Plain http is refused unless the host is
 * loopback (or `allowPlainHttp` says any host may use it).
 *
 * @since 0.1.0
 * @internal
 */
export const BaseUrl = (options: BaseUrlOptions = {}): Schema.Schema<string> =>
  Schema.transformOrFail(Schema.String, Schema.String, {
    strict: true,
    decode: (input, _, ast) => {
      const fail = (message: string) => ParseResult.fail(new ParseResult.Type(ast, input, message))
      const trimmed = input.trim()
      let url: URL
      try {
        url = new URL(options.bareHostPort === undefined ? trimmed : fromBareHost(trimmed, options.bareHostPort))
      } catch {
        return fail(
          options.bareHostPort === undefined
            ? "must be an absolute URL such as https://host/path"
            : "must be a URL such as http://host:11434, or host:port"
        )
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") return fail("must use https")
      if (url.username !== "" || url.password !== "") return fail("must not contain credentials; set the key field instead")
      if (url.search !== "" || url.hash !== "") return fail("must not contain a query or fragment")
      if (url.protocol === "http:" && options.allowPlainHttp !== "any" && !isLoopbackHost(url.hostname)) {
        return fail("must use https (plain http is allowed only for localhost)")
      }
      const segments = url.pathname.split("/").filter((segment) => segment !== "")
      if (options.dropSuffix !== undefined && segments.at(-1)?.toLowerCase() === options.dropSuffix) segments.pop()
      if (options.version !== undefined && !segments.some((segment) => VERSION_SEGMENT.test(segment))) {
        segments.push(options.version)
      }
      return ParseResult.succeed(`${url.origin}${segments.map((segment) => `/${segment}`).join("")}`)
    },
    encode: ParseResult.succeed
  }).annotations({ jsonSchema: { type: "string", format: "uri" } })

/**
 * A sampling temperature within the provider's range.
 *
 * @since 0.1.0
 * @internal
 */
export const Temperature = (max: number) =>
  Schema.Number.annotations({ message: () => `must be a number from 0 to ${max}` }).pipe(
    Schema.between(0, max, { message: () => `must be a number from 0 to ${max}` })
  )

/**
 * A positive whole number of tokens.
 *
 * @since 0.1.0
 * @internal
 */
export const TokenCount = Schema.Int.pipe(
  Schema.between(1, 10_000_000, { message: () => "must be a whole number of tokens, at least 1" })
)

/**
 * A non-empty, trimmed name (model, deployment, account id).
 *
 * @since 0.1.0
 * @internal
 */
export const Name = Schema.Trim.pipe(Schema.compose(Schema.NonEmptyString, { strict: false })).annotations({
  message: () => "must not be empty"
}) as unknown as Schema.Schema<string>

/**
 * A model id the provider still serves: ids it retired (see `ModelLifecycle.retired`) are
 * refused, naming the date and what to use instead.
 *
 * @since 0.1.0
 * @internal
 */
export const Model = (provider: ProviderId, base: Schema.Schema<string> = Name): Schema.Schema<string> =>
  base.pipe(Schema.filter((model) => {
    const r = ModelLifecycle.retirement(provider, model)
    return r === undefined || ModelLifecycle.retiredReason(model, r)
  }))

// The ceiling for any one field, whatever the settings allow (the settings store checks its own,
// lower, `limits.configFieldChars` before this runs).
const BOUNDS: Untrusted.Bounds = { maxStringChars: configFieldCeiling, maxDepth: 4, maxNodes: 1_000, allowRedacted: true }

/**
 * Decodes a provider config; the first bad field becomes the error's `field`, and the message
 * lists every bad field. Values are never echoed (a key typed into the wrong field stays out).
 * A field the provider does not have is refused, naming the fields it has (and the closest one):
 * an unknown field would be stored as plain configuration, and a key typed under a wrong name
 * would end up outside the encrypted table.
 *
 * @since 0.1.0
 * @internal
 */
export const decode = <A, I>(provider: ProviderId, schema: Schema.Schema<A, I>) => {
  const decodeEither = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })
  const fields = SchemaAST.getPropertySignatures(schema.ast).map((p) => String(p.name))
  const fail = (issues: ReadonlyArray<{ readonly field: string; readonly reason: string }>) => {
    const first = issues[0] ?? { field: "(config)", reason: "is invalid" }
    return Effect.fail(
      new ConfigInvalid({
        provider,
        field: first.field,
        reason: first.reason,
        message: Untrusted.truncate(`Invalid ${provider} configuration: ${issues.map((i) => `${i.field} ${i.reason}`).join("; ")}`, 2_000)
      })
    )
  }
  const unknownField = (name: string) => {
    const hint = Untrusted.closest(name, fields)
    return `is not a ${displayName[provider]} setting${hint ? ` (did you mean ${hint}?)` : ""}; the settings are ${fields.join(", ")}`
  }
  return (input: unknown): Effect.Effect<A, ConfigInvalid> => {
    const plain = Untrusted.check(input, BOUNDS)
    if (Either.isLeft(plain)) return fail([{ field: plain.left.path || "(config)", reason: plain.left.reason }])
    return Either.match(decodeEither(input), {
      onRight: Effect.succeed,
      onLeft: (error) =>
        fail(meaningful(ParseResult.ArrayFormatter.formatErrorSync(error)).map((issue) => {
          const field = issue.path.map(String).join(".") || "(config)"
          return {
            field,
            reason: issue._tag === "Missing"
              ? "is required"
              : issue._tag === "Unexpected"
              ? unknownField(field)
              : sanitize(issue.message)
          }
        }))
    })
  }
}

// An optional field that fails also fails its `undefined` branch ("Expected undefined"): that says
// nothing to a user when the field has a reason of its own.
const meaningful = <I extends { readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>(issues: ReadonlyArray<I>): ReadonlyArray<I> => {
  const fallbackOnly = (i: I) => /^Expected (undefined|null)\b/.test(i.message)
  return issues.filter((i) => !fallbackOnly(i) || !issues.some((o) => o !== i && !fallbackOnly(o) && o.path.join(".") === i.path.join(".")))
}

// Schema's default messages quote the actual value ("Expected string, actual ..."): drop it.
const sanitize = (message: string): string => message.replace(/,\s*actual[\s\S]*$/i, "").replace(/^Expected /, "must be ")

/**
 * An environment: variable names to values (`process.env`).
 *
 * @since 0.1.0
 * @internal
 */
export type Environment = Readonly<Record<string, string | undefined>>

/**
 * A config field the official SDK reads from the environment, and the variables it reads it
 * from, the first one set winning (Gemini's SDK prefers `GOOGLE_API_KEY` to `GEMINI_API_KEY`).
 *
 * @since 0.1.0
 * @internal
 */
export interface EnvVariable {
  readonly field: string
  readonly names: ReadonlyArray<string>
}

/**
 * The config fields an environment sets, as the SDKs read it (values trimmed, a blank one unset),
 * with the variable each came from; undefined when it sets none of the provider's variables.
 *
 * @since 0.1.0
 * @internal
 */
export const readEnv = (
  variables: ReadonlyArray<EnvVariable>,
  env: Environment
): { readonly input: Readonly<Record<string, string>>; readonly from: Readonly<Record<string, string>> } | undefined => {
  const input: Record<string, string> = {}
  const from: Record<string, string> = {}
  for (const { field, names } of variables) {
    for (const name of names) {
      const value = env[name]?.trim()
      if (value === undefined || value === "") continue
      input[field] = value
      from[field] = name
      break
    }
  }
  return Object.keys(input).length === 0 ? undefined : { input, from }
}

/**
 * A provider's config from the environment (`process.env` unless given), with `given` fields over
 * it (as the SDKs' options win over their variables), validated: a missing field names the variables that set it, a bad
 * one the variable it was read from (never its value).
 *
 * @since 0.1.0
 * @internal
 */
export const fromEnv = <I extends object>(
  provider: ProviderId,
  variables: ReadonlyArray<EnvVariable>,
  decode: (input: unknown) => Effect.Effect<unknown, ConfigInvalid>
) =>
(env: Environment = process.env, given: Partial<I> = {}): Effect.Effect<I, ConfigInvalid> => {
  const read = readEnv(variables, env)
  if (read === undefined && Object.keys(given).length === 0) {
    const names = variables.flatMap((v) => v.names)
    return Effect.fail(
      new ConfigInvalid({
        provider,
        field: "(environment)",
        reason: `none of ${names.join(", ")} is set`,
        message: `No ${displayName[provider]} configuration in the environment: none of ${names.join(", ")} is set`
      })
    )
  }
  // What the caller gives wins over the environment, as with the SDKs' options.
  const input = { ...read?.input, ...given } as I
  const from: Readonly<Record<string, string>> = read?.from ?? {}
  return Effect.as(
    Effect.mapError(decode(input), (e) => {
      const source = e.field in given ? undefined : from[e.field]
      const names = variables.find((v) => v.field === e.field)?.names
      const hint = source !== undefined ? ` (read from ${source})` : names !== undefined ? `; set ${names.join(" or ")}` : ""
      return new ConfigInvalid({ provider, field: e.field, reason: e.reason, message: `${e.message}${hint}` })
    }),
    input
  )
}
