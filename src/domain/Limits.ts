/**
 * Every size limit on what enters the library, in one place: what a request may carry (set in the
 * settings under `limits`, with defaults no real use comes near) and what a provider reply may
 * be (fixed: a reply is never the user's to size). Inputs past a limit are refused with a typed
 * error naming the field and the limit, before any work is done on them, so no input can make the
 * main process work for long or hold much memory.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Size = (min: number, max: number, unit: string) =>
  Schema.Int.pipe(Schema.between(min, max, { message: () => `must be a whole number of ${unit} from ${min} to ${max}` }))

/**
 * The most characters any one provider configuration field may have, whatever the settings say.
 *
 * @since 0.1.0
 * @category Constants
 */
export const configFieldCeiling = 65_536

/**
 * Request size limits (characters are UTF-16 code units, as JavaScript counts them).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const InputLimits = Schema.Struct({
  /** A natural-language request. */
  promptChars: Schema.optionalWith(Size(100, 1_000_000, "characters"), { default: () => 100_000 }),
  /** SQL to explain, optimize or fix. */
  sqlChars: Schema.optionalWith(Size(100, 2_000_000, "characters"), { default: () => 500_000 }),
  /** The database error message of a query to fix. */
  errorMessageChars: Schema.optionalWith(Size(100, 1_000_000, "characters"), { default: () => 50_000 }),
  /** An execution plan (as text or the driver's JSON, counted as its JSON text). */
  executionPlanChars: Schema.optionalWith(Size(100, 5_000_000, "characters"), { default: () => 1_000_000 }),
  /** Tables in a schema context. */
  schemaTables: Schema.optionalWith(Size(1, 100_000, "tables"), { default: () => 10_000 }),
  /** Columns in a schema context, all tables together. */
  schemaColumns: Schema.optionalWith(Size(1, 2_000_000, "columns"), { default: () => 250_000 }),
  /** A schema given as text (DDL or JSON). */
  schemaChars: Schema.optionalWith(Size(100, 20_000_000, "characters"), { default: () => 5_000_000 }),
  /** One provider configuration field (a URL, a model name, a key). */
  configFieldChars: Schema.optionalWith(Size(64, configFieldCeiling, "characters"), { default: () => 8_192 })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type InputLimits = typeof InputLimits.Type

/**
 * The request limits when the settings say nothing.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultInputLimits: InputLimits = InputLimits.make({})

/**
 * Limits on what a provider sends back; fixed, as a reply is not the user's to size.
 *
 * @since 0.1.0
 * @category Constants
 */
export const reply = {
  /** The most bytes a JSON reply body may have. */
  bodyBytes: 16 * 1024 * 1024,
  /** The deepest nesting a JSON reply (or stream event) may have. */
  jsonDepth: 64,
  /** The most characters of a provider's text kept in an error message. */
  errorTextChars: 600,
  /** The most characters an error message may have, whatever built it. */
  messageChars: 2_000,
  /** The most characters of a request id kept. */
  requestIdChars: 200
} as const
