/**
 * The one error union of the library. Every failure on the way to and from a provider is one of
 * these members; each says whether it is worth a retry and whether it may move the request to
 * another provider. Messages are written for people and never contain a key.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ProviderId } from "./ProviderId.js"

const fields = {
  provider: ProviderId,
  message: Schema.String,
  /** HTTP status, when the provider answered. */
  status: Schema.optional(Schema.Int),
  /** The provider's own error code or type (`insufficient_quota`, `3036`, `API_KEY_INVALID` ...). */
  code: Schema.optional(Schema.String),
  /** The provider's request id, for support tickets. */
  requestId: Schema.optional(Schema.String)
}

/**
 * The key was missing, wrong or revoked (HTTP 401; Gemini's 400 `API_KEY_INVALID`).
 *
 * @since 0.1.0
 * @category Errors
 */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>("@db-toolkit/ai/AuthenticationError")(
  "AuthenticationError",
  fields
) {
  /** Not worth retrying: the same key fails again. */
  get retryable(): boolean {
    return false
  }
  /** Another provider has its own key. */
  get fallback(): boolean {
    return true
  }
}

/**
 * The key is valid but not allowed to do this (HTTP 403: region, model terms, permissions).
 *
 * @since 0.1.0
 * @category Errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>("@db-toolkit/ai/PermissionDenied")(
  "PermissionDenied",
  fields
) {
  get retryable(): boolean {
    return false
  }
  get fallback(): boolean {
    return true
  }
}

/**
 * Too many requests for now (HTTP 429 rate limits). `retryAfter` is what the provider asked for.
 *
 * @since 0.1.0
 * @category Errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@db-toolkit/ai/RateLimited")("RateLimited", {
  ...fields,
  retryAfter: Schema.optional(Schema.DurationFromMillis)
}) {
  get retryable(): boolean {
    return true
  }
  get fallback(): boolean {
    return true
  }
}

/**
 * The account's quota, credit or daily allocation is used up: waiting minutes will not help.
 *
 * @since 0.1.0
 * @category Errors
 */
export class QuotaExhausted extends Schema.TaggedError<QuotaExhausted>("@db-toolkit/ai/QuotaExhausted")(
  "QuotaExhausted",
  fields
) {
  get retryable(): boolean {
    return false
  }
  get fallback(): boolean {
    return true
  }
}

/**
 * No answer in time. `phase` says which limit fired.
 *
 * @since 0.1.0
 * @category Errors
 */
export class Timeout extends Schema.TaggedError<Timeout>("@db-toolkit/ai/Timeout")("Timeout", {
  ...fields,
  phase: Schema.optional(Schema.Literal("request", "first-token", "idle", "deadline")),
  after: Schema.optional(Schema.DurationFromMillis)
}) {
  get retryable(): boolean {
    return true
  }
  get fallback(): boolean {
    return true
  }
}

/**
 * The provider is down, overloaded or unreachable (5xx, 529, refused or reset connections).
 *
 * @since 0.1.0
 * @category Errors
 */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>("@db-toolkit/ai/ProviderUnavailable")(
  "ProviderUnavailable",
  fields
) {
  get retryable(): boolean {
    return true
  }
  get fallback(): boolean {
    return true
  }
}

/**
 * The configured model (or Azure deployment) does not exist or is not available to this key.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelNotFound extends Schema.TaggedError<ModelNotFound>("@db-toolkit/ai/ModelNotFound")("ModelNotFound", {
  ...fields,
  model: Schema.String
}) {
  get retryable(): boolean {
    return false
  }
  get fallback(): boolean {
    return true
  }
}

/**
 * The `code` of a {@link ContextTooLong} the library raises itself, before anything is sent: the
 * tables the SQL names cannot all be sent within the model's context window.
 *
 * @since 0.1.0
 * @category Constants
 */
export const NAMED_TABLES_DO_NOT_FIT = "named_tables_do_not_fit"

/**
 * The prompt (schema included) is longer than the model's context window: as the provider said,
 * or as the library found before sending when the tables the SQL names cannot fit (`tables`).
 *
 * @since 0.1.0
 * @category Errors
 */
export class ContextTooLong extends Schema.TaggedError<ContextTooLong>("@db-toolkit/ai/ContextTooLong")(
  "ContextTooLong",
  {
    ...fields,
    /**
     * The tables the SQL names that do not fit the window, when the library found so before
     * sending (`code` is then {@link NAMED_TABLES_DO_NOT_FIT}); the message names them too.
     */
    tables: Schema.optional(Schema.Array(Schema.String))
  }
) {
  get retryable(): boolean {
    return false
  }
  /** Another model may have a larger window. */
  get fallback(): boolean {
    return true
  }
}

/**
 * The provider's safety system blocked the prompt or the answer.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ContentFiltered extends Schema.TaggedError<ContentFiltered>("@db-toolkit/ai/ContentFiltered")(
  "ContentFiltered",
  fields
) {
  get retryable(): boolean {
    return false
  }
  /** Sending the same content elsewhere to get past a filter is not this library's call. */
  get fallback(): boolean {
    return false
  }
}

/**
 * The request itself is wrong: an empty prompt, a parameter the model rejects. `field` names it
 * when known, and `reason` says what is wrong with it when the library refused it (the message
 * without the field's name: "is 100,001 characters; the limit is ...").
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>("@db-toolkit/ai/InvalidRequest")(
  "InvalidRequest",
  { ...fields, field: Schema.optional(Schema.String), reason: Schema.optional(Schema.String) }
) {
  get retryable(): boolean {
    return false
  }
  get fallback(): boolean {
    return false
  }
}

/**
 * The provider answered something this library cannot use: an undecodable body, a truncated
 * stream, an answer with no text.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>("@db-toolkit/ai/InvalidResponse")(
  "InvalidResponse",
  fields
) {
  get retryable(): boolean {
    return false
  }
  get fallback(): boolean {
    return true
  }
}

/**
 * A provider's configuration is invalid: `field` names the field, `reason` says why.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>("@db-toolkit/ai/ConfigInvalid")("ConfigInvalid", {
  ...fields,
  field: Schema.String,
  reason: Schema.String
}) {
  get retryable(): boolean {
    return false
  }
  get fallback(): boolean {
    return true
  }
}

/**
 * Every error a provider call can fail with.
 *
 * @since 0.1.0
 * @category Errors
 */
export type AiError =
  | AuthenticationError
  | PermissionDenied
  | RateLimited
  | QuotaExhausted
  | Timeout
  | ProviderUnavailable
  | ModelNotFound
  | ContextTooLong
  | ContentFiltered
  | InvalidRequest
  | InvalidResponse
  | ConfigInvalid

/**
 * The union as a Schema, so errors can cross IPC and be stored.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const AiError = Schema.Union(
  AuthenticationError,
  PermissionDenied,
  RateLimited,
  QuotaExhausted,
  Timeout,
  ProviderUnavailable,
  ModelNotFound,
  ContextTooLong,
  ContentFiltered,
  InvalidRequest,
  InvalidResponse,
  ConfigInvalid
)

/**
 * The tag of an {@link AiError} member.
 *
 * @since 0.1.0
 * @category Models
 */
export type AiErrorTag = AiError["_tag"]

const tags: ReadonlySet<string> = new Set<AiErrorTag>([
  "AuthenticationError",
  "PermissionDenied",
  "RateLimited",
  "QuotaExhausted",
  "Timeout",
  "ProviderUnavailable",
  "ModelNotFound",
  "ContextTooLong",
  "ContentFiltered",
  "InvalidRequest",
  "InvalidResponse",
  "ConfigInvalid"
])

/**
 * Whether a value is an {@link AiError}.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isAiError = (u: unknown): u is AiError =>
  typeof u === "object" && u !== null && "_tag" in u && tags.has((u as { _tag: string })._tag) && "provider" in u

/**
 * Whether trying the same provider again may succeed.
 *
 * @since 0.1.0
 * @category Predicates
 */
export const isRetryable = (error: AiError): boolean => error.retryable

/**
 * Whether the error may move a request to the next provider in a fallback chain.
 *
 * @since 0.1.0
 * @category Predicates
 */
export const triggersFallback = (error: AiError): boolean => error.fallback
