/**
 * The CLI's exit codes and how an error is shown: `0` done; `2` the user's to fix (bad
 * arguments, an invalid request or configuration, nothing configured, a budget limit); `3` a
 * provider failed (an error from the provider, every provider in the chain failed, a failed
 * connection test); `1` anything unexpected (storage, keys, bugs).
 *
 * @since 0.1.0
 */
import { ValidationError } from "@effect/cli"
import { Cause, Duration, Option, Schema } from "effect"
import * as AiError from "../domain/AiError.js"
import { displayName, is as isProviderId } from "../domain/ProviderId.js"
import { styles } from "./Output.js"

/**
 * Exit codes.
 *
 * @since 0.1.0
 * @category Constants
 */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  userError: 2,
  providerFailure: 3
} as const

/**
 * @since 0.1.0
 * @category Models
 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * What the exit codes mean, as the help text shows it.
 *
 * @since 0.1.0
 * @category Constants
 */
export const description: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.ok, "done"],
  [ExitCode.unexpected, "unexpected error (storage, master key, a bug)"],
  [ExitCode.userError, "user error: bad arguments, invalid request or configuration, no provider configured, budget exceeded"],
  [ExitCode.providerFailure, "provider failure: the provider returned an error, every provider in the chain failed, a connection test failed"]
]

/**
 * Bad command-line input the parser could not catch (an unreadable file, invalid JSON, an
 * unknown settings key ...).
 *
 * @since 0.1.0
 * @category Errors
 */
export class CliInputError extends Schema.TaggedError<CliInputError>("@db-toolkit/ai/cli/CliInputError")("CliInputError", {
  message: Schema.String
}) {}

/**
 * A connection test that did not pass.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ProviderCheckFailed extends Schema.TaggedError<ProviderCheckFailed>("@db-toolkit/ai/cli/ProviderCheckFailed")(
  "ProviderCheckFailed",
  { message: Schema.String }
) {}

// Errors a user fixes: their arguments, their configuration, their budget.
const USER_ERRORS: ReadonlySet<string> = new Set([
  "CliInputError",
  "ParseError",
  "ConfigInvalid",
  "InvalidRequest",
  "SettingsInvalid",
  "ProviderNotConfigured",
  "AiNotConfigured",
  "BudgetExceeded",
  "MigrationError",
  "PriceOverrideInvalid"
])

const PROVIDER_FAILURES: ReadonlySet<string> = new Set(["AllProvidersFailed", "ProviderCheckFailed"])

const tagOf = (u: unknown): string | undefined =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" ? u._tag : undefined

/**
 * The exit code for a failure value.
 *
 * @since 0.1.0
 * @category Functions
 */
export const ofError = (error: unknown): ExitCode => {
  // @effect/cli's ValidationError tags are its reasons (MissingValue, InvalidValue ...).
  if (ValidationError.isValidationError(error)) return ExitCode.userError
  const tag = tagOf(error)
  if (tag === undefined) return ExitCode.unexpected
  if (USER_ERRORS.has(tag)) return ExitCode.userError
  if (PROVIDER_FAILURES.has(tag) || AiError.isAiError(error)) return ExitCode.providerFailure
  return ExitCode.unexpected
}

/**
 * The exit code for how a program ended.
 *
 * @since 0.1.0
 * @category Functions
 */
export const ofCause = (cause: Cause.Cause<unknown>): ExitCode =>
  Option.match(Cause.failureOption(cause), { onNone: () => ExitCode.unexpected, onSome: ofError })

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" && u.message !== ""
    ? u.message
    : String(u)

/**
 * An error as plain JSON: its tag, message and simple fields (durations in milliseconds, the
 * attempts of a failed chain each with their error). Never a stack or a cause.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const toJson = (error: unknown): Record<string, unknown> => {
  const out: Record<string, unknown> = { _tag: tagOf(error) ?? "Error", message: messageOf(error) }
  if (typeof error !== "object" || error === null) return out
  for (const [key, value] of Object.entries(error)) {
    if (key === "_tag" || key === "message" || key === "cause" || key === "stack") continue
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[key] = value
    else if (Duration.isDuration(value)) out[`${key}Ms`] = Duration.toMillis(value)
    // Lists of names (`ContextTooLong.tables`: the tables that do not fit) are kept.
    else if (Array.isArray(value) && value.every((v) => typeof v === "string")) out[key] = value
    else if (key === "attempts" && Array.isArray(value)) {
      out[key] = value.map((a: { provider: unknown; error: unknown }) => ({ provider: a.provider, error: toJson(a.error) }))
    }
  }
  return out
}

// Keyed by tag, or by tag:reason for errors whose reason needs its own advice.
const hints: Readonly<Record<string, string>> = {
  "SettingsError:MissingMasterKey":
    "Restore the key file (or set DBTK_AI_MASTER_KEY), or start over without the stored keys: dbtk-ai settings reset-secrets --yes",
  "SettingsError:WrongMasterKey":
    "Restore the previous key (DBTK_AI_MASTER_KEY or ai.key), or start over without the stored keys: dbtk-ai settings reset-secrets --yes",
  AiNotConfigured: "Configure a provider: dbtk-ai providers set <id> key=value ... (see dbtk-ai providers set --help)",
  ProviderNotConfigured: "Configure it first: dbtk-ai providers set <id> key=value ...",
  AuthenticationError: "Check the provider's key: dbtk-ai providers set <id> apiKey=... --validate",
  BudgetExceeded: "Raise the limit with: dbtk-ai settings set budget '{...}'"
}

/**
 * An error as lines for a person: the message, the failed attempts of a chain, a hint.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const toLines = (error: unknown): Array<string> => {
  const tag = tagOf(error)
  const lines = [`${styles.red(styles.bold("error"))}${tag ? styles.dim(` [${tag}]`) : ""}: ${messageOf(error)}`]
  const attempts = typeof error === "object" && error !== null && "attempts" in error && Array.isArray(error.attempts) ? error.attempts : []
  for (const a of attempts as ReadonlyArray<{ provider: unknown; error: unknown }>) {
    const name = isProviderId(a.provider) ? displayName[a.provider] : String(a.provider)
    lines.push(`  - ${name}: ${tagOf(a.error) ?? "Error"}: ${messageOf(a.error)}`)
  }
  const reason = typeof error === "object" && error !== null && "reason" in error && typeof error.reason === "string" ? error.reason : undefined
  const hint = tag === undefined ? undefined : hints[`${tag}:${reason}`] ?? hints[tag]
  if (hint) lines.push(styles.dim(hint))
  return lines
}

/**
 * A defect or interruption, for a person.
 *
 * @since 0.1.0
 * @category Rendering
 */
export const causeLines = (cause: Cause.Cause<unknown>): Array<string> =>
  Option.match(Cause.failureOption(cause), {
    onSome: toLines,
    onNone: () =>
      Cause.isInterruptedOnly(cause)
        ? [`${styles.red(styles.bold("error"))}: interrupted`]
        : [`${styles.red(styles.bold("unexpected error"))}: ${Cause.pretty(cause)}`]
  })
