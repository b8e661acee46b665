/**
 * The forms an echo of a key can take in a provider's reply, for asserting that none of them
 * reaches an error, a log or a status.
 */

const hex4 = (unit: number) => unit.toString(16).padStart(4, "0")

/** Every UTF-16 unit as a `\uXXXX` escape. */
const uEscapeAll = (s: string) => Array.from({ length: s.length }, (_, i) => `\\u${hex4(s.charCodeAt(i))}`).join("")

/** As `JSON.stringify` writes it inside a string, then every non-ASCII unit as `\uXXXX`. */
const asciiJson = (s: string) => JSON.stringify(s).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${hex4(c.charCodeAt(0))}`)

/** Every UTF-8 byte percent-encoded, lower-case hex. */
const percentAll = (s: string) => Array.from(new TextEncoder().encode(s), (b) => `%${b.toString(16).padStart(2, "0")}`).join("")

/** Every form an echo of a key may take: verbatim, JSON-escaped, `\uXXXX`, URL-encoded. */
export const echoForms = (key: string): ReadonlyArray<string> => {
  const forms = [
    key,
    JSON.stringify(key).slice(1, -1),
    asciiJson(key),
    asciiJson(key).replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${hex.toUpperCase()}`),
    uEscapeAll(key)
  ]
  // A lone surrogate has no UTF-8, so no URL form.
  try {
    forms.push(encodeURIComponent(key), encodeURIComponent(key).replace(/%20/g, "+"), encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()), percentAll(key))
  } catch {
    // no URL forms
  }
  return [...new Set(forms)]
}

/** The first form of `key` found in `text`, or undefined. */
export const leakedForm = (text: string, key: string): string | undefined => echoForms(key).find((form) => text.includes(form))
