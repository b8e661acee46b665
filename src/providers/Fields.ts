/**
 * What a settings form shows of a provider's configuration, read from its config Schema: one
 * {@link FieldView} per field, so a field added to a provider needs no UI code.
 *
 * @since 0.1.0
 */
import { Equal, Option, SchemaAST } from "effect"
import type { Schema } from "effect"

/**
 * How a form asks for a field.
 *
 * @since 0.1.0
 * @category Models
 */
export type FieldKind = "string" | "secret" | "url" | "number" | "integer" | "boolean" | "enum" | "json"

/**
 * One config field as a form shows it. The form checks what this says (required, bounds,
 * choices); the library's own validation stays the judge, and its message names the field.
 *
 * @since 0.1.0
 * @category Models
 */
export interface FieldView {
  /** The config key. */
  readonly name: string
  /** A human label ("API key", "Base URL"). */
  readonly label: string
  /** One line of help, from the field's `description` annotation. */
  readonly help: string | null
  readonly kind: FieldKind
  readonly required: boolean
  /** The value used when the field is left out. */
  readonly default: string | number | boolean | null
  /** The choices of an `enum` field. */
  readonly options: ReadonlyArray<string> | null
  readonly min: number | null
  readonly max: number | null
  /** What an empty input shows: the default, or an example. */
  readonly placeholder: string | null
  /** Whether the field says where requests go: changing it needs the stored key again. */
  readonly endpoint: boolean
}

// Words a label spells in capitals.
const ACRONYMS: Readonly<Record<string, string>> = { api: "API", url: "URL", id: "ID", num: "Num" }

/**
 * `apiKey` → "API key", `baseUrl` → "Base URL", `accountId` → "Account ID".
 *
 * @since 0.1.0
 * @category Functions
 */
export const labelOf = (name: string): string =>
  name
    .split(/(?<=[a-z0-9])(?=[A-Z])/)
    .map((word, i) => {
      const lower = word.toLowerCase()
      const acronym = ACRONYMS[lower]
      if (acronym !== undefined) return acronym
      return i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower
    })
    .join(" ")

interface Shape {
  kind: FieldKind
  options: ReadonlyArray<string> | null
  min: number | null
  max: number | null
}

const numberOr = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null)

// The encoded side of a field's type: what a form fills in. Refinements give their JSON Schema
// bounds (`between`, `int`) on the way down; a transformation is read from its encoded side.
const shapeOf = (ast: SchemaAST.AST, into: Shape = { kind: "string", options: null, min: null, max: null }): Shape => {
  const json = Option.getOrUndefined(SchemaAST.getJSONSchemaAnnotation(ast)) as Record<string, unknown> | undefined
  if (json?.["format"] === "uri") return { ...into, kind: "url" }
  switch (ast._tag) {
    case "Refinement": {
      if (json !== undefined) {
        into.min ??= numberOr(json["minimum"])
        into.max ??= numberOr(json["maximum"])
        if (json["type"] === "integer") into.kind = "integer"
      }
      return shapeOf(ast.from, into)
    }
    case "Transformation":
      return shapeOf(ast.from, into)
    case "Union": {
      const members = ast.types.filter((t) => t._tag !== "UndefinedKeyword")
      if (members.length > 0 && members.every((t) => t._tag === "Literal" && typeof t.literal === "string")) {
        return { ...into, kind: "enum", options: members.map((t) => String((t as SchemaAST.Literal).literal)) }
      }
      // A secret is a union of its string and Redacted forms; its string side is what a form sends.
      return members.length === 0 ? into : shapeOf(members[0]!, into)
    }
    case "Literal":
      return { ...into, kind: "enum", options: [String(ast.literal)] }
    case "NumberKeyword":
      return into.kind === "integer" ? into : { ...into, kind: "number" }
    case "BooleanKeyword":
      return { ...into, kind: "boolean" }
    case "TupleType":
    case "TypeLiteral":
      return { ...into, kind: "json" }
    default:
      return into
  }
}

// A Struct's fields, and the defaults its `optionalWith(..., { default })` fields decode to.
const structOf = (ast: SchemaAST.AST): { readonly fields: ReadonlyArray<SchemaAST.PropertySignature>; readonly defaults: Map<PropertyKey, unknown> } => {
  if (ast._tag === "Refinement") return structOf(ast.from)
  if (ast._tag === "TypeLiteral") return { fields: ast.propertySignatures, defaults: new Map() }
  if (ast._tag === "Transformation" && ast.from._tag === "TypeLiteral" && ast.transformation._tag === "TypeLiteralTransformation") {
    const defaults = new Map<PropertyKey, unknown>()
    for (const t of ast.transformation.propertySignatureTransformations) {
      const value = t.decode(Option.none())
      if (Option.isSome(value)) defaults.set(t.to, value.value)
    }
    return { fields: ast.from.propertySignatures, defaults }
  }
  // A pre-step composed in front of the Struct (Azure reads pasted URLs first).
  if (ast._tag === "Transformation") return structOf(ast.to)
  return { fields: [], defaults: new Map() }
}

const scalar = (value: unknown): string | number | boolean | null =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : null

// The keywords as Effect defines them: a bare `Schema.String` already carries "a string".
const KEYWORDS: ReadonlyArray<SchemaAST.AST> = [
  SchemaAST.stringKeyword,
  SchemaAST.numberKeyword,
  SchemaAST.booleanKeyword,
  SchemaAST.bigIntKeyword,
  SchemaAST.symbolKeyword,
  SchemaAST.objectKeyword,
  SchemaAST.unknownKeyword,
  SchemaAST.anyKeyword,
  SchemaAST.undefinedKeyword,
  SchemaAST.neverKeyword
]

// What the provider annotated a field with, read only where a provider's `.annotations(...)`
// lands: the property signature, the field's type, and, for `Schema.optional(x)` (whose type is
// `x | undefined`), `x`. Never from further in: the members of a secret's union are Effect's
// own Redacted schemas, whose description is "Redacted(<redacted>)", and a keyword's is
// Effect's generic "a string"; neither is help a user can act on.
const annotationOf = <A>(field: SchemaAST.PropertySignature, get: (annotated: SchemaAST.Annotated) => Option.Option<A>): A | null => {
  const own = get(field)
  if (Option.isSome(own)) return own.value
  const type = field.type
  const members = type._tag === "Union" && type.types.some((t) => t._tag === "UndefinedKeyword")
    ? type.types.filter((t) => t._tag !== "UndefinedKeyword")
    : []
  for (const ast of [type, ...(members.length === 1 ? members : [])]) {
    const value = get(ast)
    if (Option.isNone(value)) continue
    const keyword = KEYWORDS.find((k) => k._tag === ast._tag)
    if (keyword !== undefined && Equal.equals(get(keyword), value)) continue
    return value.value
  }
  return null
}

/**
 * The form fields of a provider's config Schema.
 *
 * @since 0.1.0
 * @category Functions
 */
export const fieldsOf = (
  config: Schema.Schema.Any,
  options: { readonly secretFields: ReadonlyArray<string>; readonly endpointFields: ReadonlyArray<string> }
): ReadonlyArray<FieldView> => {
  const { defaults, fields } = structOf(config.ast)
  return fields.filter((f) => typeof f.name === "string").map((field): FieldView => {
    const name = field.name as string
    const shape = shapeOf(field.type)
    const endpoint = options.endpointFields.includes(name)
    const kind: FieldKind = options.secretFields.includes(name) ? "secret" : shape.kind
    const fallback = scalar(defaults.get(name))
    const examples = annotationOf(field, SchemaAST.getExamplesAnnotation)
    const example = examples === null ? null : scalar(examples[0])
    return {
      name,
      label: labelOf(name),
      help: annotationOf(field, SchemaAST.getDescriptionAnnotation),
      kind,
      required: !field.isOptional,
      default: fallback,
      options: shape.options,
      min: shape.min,
      max: shape.max,
      placeholder: fallback !== null ? String(fallback) : example !== null ? String(example) : null,
      endpoint
    }
  })
}
