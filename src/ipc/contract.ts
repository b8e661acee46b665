/**
 * The IPC contract as plain constants and functions, with no dependency (no Effect): the channel
 * names, the empty fields of each DB Toolkit channel's error shape, the ceilings on what the
 * renderer may send and the words a refusal uses. The main side (`handlers.ts`, `legacy.ts`,
 * `listeners.ts`) and the preload bridge (`@db-toolkit/ai/preload`, which runs in the renderer)
 * both build on it, so they list the same channels and refuse the same arguments in the same
 * shape.
 *
 * @since 0.1.0
 */
import * as PlainData from "../internal/PlainData.js"

/**
 * The eleven channels DB Toolkit registers today.
 *
 * @since 0.1.0
 * @category Channels
 */
export const legacyChannels = [
  "ai:generate-query",
  "ai:generate-sql",
  "ai:explain-query",
  "ai:optimize-query",
  "ai:fix-query",
  "ai:suggest-completion",
  "ai:analyze-table",
  "ai:analyze-schema",
  "ai:suggest-indexes",
  "ai:analyze-relationships",
  "ai:generate-common-queries"
] as const

/**
 * A legacy channel name.
 *
 * @since 0.1.0
 * @category Channels
 */
export type LegacyChannel = typeof legacyChannels[number]

/**
 * The settings panel's channels.
 *
 * - `ai:settings:get` → `{ settings, providers: [{ id, display_name, enabled, config, secrets_set, problem, revision }], catalog }`
 *   (which secrets are stored, never their values);
 * - `ai:settings:update (patch)` → `{ settings }`;
 * - `ai:providers:save (id, config, { validate?, enabled?, resilience? })` → `{ provider, test }`
 *   (`resilience`: the provider's time limits, retries, rate limits and circuit breaker);
 * - `ai:providers:test (id, config?)` → `{ success: ok, ok, provider, model, latency_ms, model_available, details }`;
 * - `ai:providers:models (id)` → `{ provider, models: [{ id, display_name, context_window, owned_by }] }`;
 * - `ai:providers:status` → `{ active_provider, fallback_serving, last_served_by, providers, budget }`;
 * - `ai:providers:remove (id)` → `{ provider }`;
 * - `ai:metrics:summary ({ provider?, model?, operation?, from?, to?, period? })` → `{ summary, costs }`;
 * - `ai:metrics:timeline ({ from?, to?, bucket?, provider? })` → `{ timeline }` (`Metrics.Timeline`:
 *   per UTC hour or day and provider, at most 2,000 buckets);
 * - `ai:metrics:export ({ format, from?, to? })` → `{ format, filename, content }` (the usage
 *   report as CSV or JSON text);
 * - `ai:cost:estimate ({ operation, ...the operation's legacy payload, provider? })` →
 *   `{ input_tokens, input_tokens_exact, max_output_tokens, min_usd, max_usd, source, provider }`;
 * - `ai:events:recent (limit?)` → `{ events }`, oldest first;
 * - `ai:cache:stats` → `{ stats, policy }` (the response cache: answers and bytes held, and this
 *   session's hits, misses, stored ...; `ResponseCache.Stats`);
 * - `ai:cache:clear ({ provider? })` → `{ cleared, provider }` (how many answers were deleted).
 *
 * Objects the library defines (settings, summaries, provider views) keep its camelCase field
 * names, so what `ai:settings:get` returns can be edited and sent back to `ai:settings:update`.
 *
 * @since 0.1.0
 * @category Channels
 */
export const settingsChannels = [
  "ai:settings:get",
  "ai:settings:update",
  "ai:providers:save",
  "ai:providers:test",
  "ai:providers:models",
  "ai:providers:status",
  "ai:providers:remove",
  "ai:metrics:summary",
  "ai:metrics:timeline",
  "ai:metrics:export",
  "ai:cost:estimate",
  "ai:events:recent",
  "ai:cache:stats",
  "ai:cache:clear"
] as const

/**
 * A settings panel channel name.
 *
 * @since 0.1.0
 * @category Channels
 */
export type SettingsChannel = typeof settingsChannels[number]

/**
 * Every channel of the library, DB Toolkit's first, in the order they are registered.
 *
 * @since 0.1.0
 * @category Channels
 */
export const allChannels: ReadonlyArray<LegacyChannel | SettingsChannel> = [...legacyChannels, ...settingsChannels]

/**
 * What every handler resolves with: `success`, an `error` message when it is false, and the
 * channel's fields.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Response {
  readonly success: boolean
  readonly error?: string
  readonly [field: string]: unknown
}

/**
 * The fields DB Toolkit's error responses carry, empty, so a screen reading them finds a value.
 *
 * @since 0.1.0
 * @category Constants
 */
export const emptyFields: Readonly<Record<LegacyChannel, Readonly<Record<string, unknown>>>> = {
  "ai:generate-query": { sql: "", explanation: "" },
  "ai:generate-sql": { sql: "", explanation: "" },
  "ai:explain-query": { explanation: "" },
  "ai:optimize-query": { suggestions: [] },
  "ai:fix-query": { explanation: "", fixed_query: "" },
  "ai:suggest-completion": { suggestions: [] },
  "ai:analyze-table": { table_name: "", summary: "", suggestions: [] },
  "ai:analyze-schema": { summary: "", design_patterns: [], relationships: [], optimization_suggestions: [] },
  "ai:suggest-indexes": { index_suggestions: [] },
  "ai:analyze-relationships": { relationships: [] },
  "ai:generate-common-queries": { queries: [] }
}

const isLegacy = (channel: string): channel is LegacyChannel => Object.prototype.hasOwnProperty.call(emptyFields, channel)

/**
 * The longest error message an answer carries (`Limits.reply.messageChars`; a test keeps the two
 * equal, as `Limits` cannot be loaded in the renderer).
 *
 * @since 0.1.0
 * @category Constants
 */
export const messageChars = 2_000

/**
 * A failure in the channel's error shape: `{success: false, error, ...the channel's empty fields}`
 * plus `extra`. Each empty field is a fresh value: an answer is never shared with another.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const failure = (channel: string, error: string, extra: Readonly<Record<string, unknown>> = {}): Response => ({
  success: false,
  // Whatever built it, an answer's message stays readable and small.
  error: PlainData.truncate(error, messageChars),
  ...(isLegacy(channel) ? structuredClone(emptyFields[channel]) : {}),
  ...extra
})

/**
 * What a channel answers when the AI service cannot run it: the AI stack failed to start (its
 * database or key store) or was shut down, or (seen from the preload) the main process did not
 * answer the call at all.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const unavailable = (channel: string, reason: unknown): Response => {
  const detail = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "unknown error"
  return failure(channel, `The AI service is not available: ${detail}`, { error_kind: "Unavailable" })
}

/**
 * What the renderer may send at all, before any channel reads it: plain data, well-formed strings,
 * bounded. The per-field limits (`settings.limits`) are checked where each field is used; these
 * are the ceilings no setting can lift (the largest text any limit may allow, 20 million
 * characters).
 *
 * @since 0.1.0
 * @category Constants
 */
export const inputBounds: PlainData.Bounds = { maxStringChars: 20_000_000, maxDepth: 64, maxNodes: 5_000_000, allowBigIntAndDate: true }

/**
 * The argument a problem's path names: `0.natural_language` → `natural_language`, `1` →
 * `argument 2`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const argumentName = (path: string): string => {
  const [index = "0", ...rest] = path === "" ? [] : path.split(".")
  return rest.length > 0 ? rest.join(".") : `argument ${Number(index) + 1}`
}

/**
 * A problem with a call's arguments as the refusal names it: the field and the message.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const refusal = (problem: PlainData.Problem): { readonly field: string; readonly message: string } => {
  const field = argumentName(problem.path)
  return { field, message: `Invalid ${field}: ${problem.reason}` }
}

/**
 * A call's arguments checked against {@link inputBounds} in one go: the `InvalidIpcInput` answer
 * the main side would give them, or `undefined` when they may be sent.
 *
 * @since 0.1.0
 * @category Checks
 */
export const refuseArguments = (channel: string, args: ReadonlyArray<unknown>): Response | undefined => {
  const problem = PlainData.check(args, inputBounds)
  if (problem === undefined) return undefined
  const { field, message } = refusal(problem)
  return failure(channel, message, { error_kind: "InvalidIpcInput", field })
}
