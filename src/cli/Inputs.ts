/**
 * What the CLI reads from its arguments and files: schema files (JSON in any shape the schema
 * normalizer accepts, or SQL DDL), SQL given inline, as `@file` or on stdin, provider settings
 * as `field=value` pairs, dialects and time ranges. Bad input is a {@link CliInputError} naming
 * the argument or file.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import * as Fs from "node:fs"
import * as Ddl from "../internal/Ddl.js"
import { type Dialect, fromDbType } from "../domain/Dialect.js"
import * as SchemaContext from "../domain/SchemaContext.js"
import { CliInputError } from "./ExitCode.js"

const fail = (message: string) => new CliInputError({ message })

/**
 * A file's text; `-` reads stdin.
 *
 * @since 0.1.0
 * @category Reading
 */
export const readText = (path: string, what: string): Effect.Effect<string, CliInputError> => {
  const where = path === "-" ? "from stdin" : path
  return Effect.try({
    try: () => readBounded(path),
    catch: (e) => fail(`Could not read the ${what} ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }).pipe(Effect.flatMap((text) =>
    text === undefined
      ? Effect.fail(fail(`The ${what} ${where} is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`))
      : Effect.succeed(text)
  ))
}

/**
 * The most bytes the CLI reads from one file or from stdin (the request limits are far below).
 *
 * @since 0.1.0
 * @category Reading
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024

// The text of a file or of stdin, or undefined past MAX_INPUT_BYTES (never read in full then).
const readBounded = (path: string): string | undefined => {
  const fd = path === "-" ? 0 : Fs.openSync(path, "r")
  try {
    const chunks: Array<Buffer> = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(1024 * 1024)
      const n = Fs.readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      total += n
      if (total > MAX_INPUT_BYTES) return undefined
      chunks.push(chunk.subarray(0, n))
    }
    return Buffer.concat(chunks).toString("utf8")
  } finally {
    if (fd !== 0) Fs.closeSync(fd)
  }
}

/**
 * Reads a schema from text: DDL when it is a `.sql` file or looks like `CREATE TABLE`s, JSON
 * otherwise (any shape the normalizer accepts).
 *
 * @since 0.1.0
 * @category Reading
 */
export const schemaFromText = (text: string, source: string): Either.Either<SchemaContext.SchemaContext, CliInputError> => {
  const trimmed = text.trim()
  if (/\.sql$/i.test(source) || (!/\.json$/i.test(source) && !/^[[{]/.test(trimmed) && Ddl.looksLikeDdl(trimmed))) {
    return Either.right(Ddl.parse(text))
  }
  let json: unknown
  try {
    json = JSON.parse(trimmed)
  } catch (e) {
    return Either.left(fail(`The schema file ${source} is neither JSON nor SQL DDL: ${(e as Error).message}`))
  }
  return Either.mapLeft(SchemaContext.normalize(json), (why) => fail(`The schema file ${source} is not a schema: ${why}`))
}

/**
 * Reads a schema file.
 *
 * @since 0.1.0
 * @category Reading
 */
export const schemaFile = (path: string): Effect.Effect<SchemaContext.SchemaContext, CliInputError> =>
  Effect.flatMap(readText(path, "schema file"), (text) => schemaFromText(text, path))

/**
 * A text argument that may point elsewhere: `@path` reads a file, `-` reads stdin.
 *
 * @since 0.1.0
 * @category Reading
 */
export const textArgument = (value: string, what: string): Effect.Effect<string, CliInputError> =>
  value === "-" ? readText("-", what) : value.startsWith("@") && value.length > 1 ? readText(value.slice(1), what) : Effect.succeed(value)

/**
 * A dialect name (`postgres`, `mysql`, `sqlite` ... or DB Toolkit's database types); unknown
 * names are refused rather than silently treated as generic SQL.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const dialect = (name: string): Either.Either<Dialect, CliInputError> => {
  const d = fromDbType(name)
  return d === "generic" && name.trim().toLowerCase() !== "generic"
    ? Either.left(fail(`Unknown dialect "${name}": use postgresql, mysql, mariadb, sqlite, mssql, oracle or generic`))
    : Either.right(d)
}

/**
 * A value given on the command line: JSON when it parses, otherwise the text itself (so
 * `activeProvider openai` needs no quotes).
 *
 * @since 0.1.0
 * @category Parsing
 */
export const jsonOrText = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Provider settings as `field=value` pairs:
 *
 * - `field=value`: text, except `true`, `false`, `null` and numbers;
 * - `field:=json`: a JSON value (`safetySettings:='[...]'`, `accountId:='"0123"'`);
 * - `field=@env:NAME`: the value of an environment variable, so a key need not be typed into
 *   the shell's history.
 *
 * @since 0.1.0
 * @category Parsing
 */
export const pairs = (
  items: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>> = process.env
): Either.Either<Record<string, unknown>, CliInputError> => {
  const out: Record<string, unknown> = {}
  for (const item of items) {
    const m = /^([A-Za-z_][\w.-]*)(:?=)([\s\S]*)$/.exec(item)
    if (!m) return Either.left(fail(`"${item}" is not a field=value pair`))
    const [, field, op, raw] = m as unknown as [string, string, string, string]
    if (op === ":=") {
      try {
        out[field] = JSON.parse(raw)
      } catch (e) {
        return Either.left(fail(`The value of ${field} is not JSON: ${(e as Error).message}`))
      }
      continue
    }
    const envName = /^@env:(\w+)$/.exec(raw)?.[1]
    if (envName !== undefined) {
      const value = env[envName]
      if (value === undefined || value === "") return Either.left(fail(`The environment variable ${envName} (for ${field}) is not set`))
      out[field] = value
    } else if (/^(true|false|null)$/.test(raw) || /^-?\d+(\.\d+)?$/.test(raw)) out[field] = JSON.parse(raw)
    else out[field] = raw
  }
  return Either.right(out)
}

/**
 * A JSON object argument (`--config '{...}'`).
 *
 * @since 0.1.0
 * @category Parsing
 */
export const jsonObject = (text: string, what: string): Either.Either<Record<string, unknown>, CliInputError> => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? Either.right(value as Record<string, unknown>)
      : Either.left(fail(`The ${what} must be a JSON object`))
  } catch (e) {
    return Either.left(fail(`The ${what} is not JSON: ${(e as Error).message}`))
  }
}

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * The start of a time range: a duration back from `now` (`90m`, `24h`, `7d`, `2w`) or a date
 * (`2026-01-31`, an ISO timestamp).
 *
 * @since 0.1.0
 * @category Parsing
 */
export const since = (text: string, now: number): Either.Either<number, CliInputError> => {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(text.trim())
  if (m) return Either.right(Math.max(0, Math.round(now - Number(m[1]) * UNITS[m[2]!.toLowerCase()]!)))
  const at = Date.parse(text)
  return Number.isFinite(at) && at >= 0
    ? Either.right(at)
    : Either.left(fail(`"${text}" is not a time: use a duration back from now (90m, 24h, 7d) or a date (2026-01-31)`))
}
