/**
 * The library's own byte-pair encoder against gpt-tokenizer, the oracle it replaced: the shipped
 * tables are gpt-tokenizer's, byte for byte, and every count is the same for both encodings,
 * whatever the text (code, SQL, every script, emoji, special-token markers, lone surrogates), but
 * for one bug of gpt-tokenizer's (a byte-order mark), where the count follows the vocabulary.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import fc from "fast-check"
import * as Cl100k from "gpt-tokenizer/encoding/cl100k_base"
import * as O200k from "gpt-tokenizer/encoding/o200k_base"
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as Limits from "../../src/domain/Limits.js"
import * as Bpe from "../../src/internal/Bpe.js"

const asText = { disallowedSpecial: new Set<string>() }
const oracle = {
  o200k_base: (text: string) => O200k.countTokens(text, asText),
  cl100k_base: (text: string) => Cl100k.countTokens(text, asText)
} as const

const root = join(import.meta.dirname, "..", "..")
const sources = (dir: string): Array<string> =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [readFileSync(join(root, dir, e.name), "utf8")] : [])

const corpus = [
  readFileSync(join(root, "README.md"), "utf8"),
  ...sources("src/providers"),
  "SELECT c.email, COUNT(o.id) AS orders FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY 1;",
  "列出过去九十天内消费最多的前十位客户，以及他们的电子邮件和订单数量",
  "Показать клиентов, сделавших заказ за последние 30 дней — naïve café ﷺ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀👩‍👩‍👧",
  "<|endoftext|> <|im_start|>system<|im_sep|> <|fim_prefix|>",
  "I'M you'RE they'll WE'VE it's  \r\n\r\n  \r x\r\n/ ?!! ///\n\n\t  ",
  "1234567890 3.14159e-10 0x1F 1,000,000",
  "a".repeat(300),
  "\ud800 lone \udfff surrogates \ud83d"
]

describe("Bpe", () => {
  it("ships gpt-tokenizer's tables, byte for byte (scripts/tokenizer-tables.mjs --check)", () => {
    const out = execFileSync(process.execPath, [join(root, "scripts", "tokenizer-tables.mjs"), "--check"], { encoding: "utf8" })
    expect(out).toMatch(/o200k_base: \d+ bytes, up to date/)
    expect(out).toMatch(/cl100k_base: \d+ bytes, up to date/)
  })

  for (const encoding of ["o200k_base", "cl100k_base"] as const) {
    describe(encoding, () => {
      const loaded = Effect.runPromise(Bpe.load(encoding))

      it.live("counts a corpus of code, SQL, scripts and markers as gpt-tokenizer does", () =>
        Effect.promise(async () => {
          const count = await loaded
          for (const text of corpus) expect([text.slice(0, 40), count(text)]).toEqual([text.slice(0, 40), oracle[encoding](text)])
        }))

      it.live("counts any text as gpt-tokenizer does (property)", () =>
        Effect.promise(async () => {
          const count = await loaded
          const piece = fc.oneof(
            fc.fullUnicodeString({ maxLength: 12 }),
            fc.string16bits({ maxLength: 6 }),
            fc.constantFrom(" ", "  ", "\n", "\r\n", "\t", "'s", "'LL", "123", "4567", "<|endoftext|>", "é", "ß", "İ", "🚀", "中文", "SELECT", "_id", "::", "/*", "—")
          )
          // Byte-order marks aside: see the next test.
          const text = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join("")).filter((t) => !t.includes("\uFEFF"))
          fc.assert(fc.property(text, (t) => {
            expect(count(t)).toBe(oracle[encoding](t))
          }), { numRuns: 400 })
        }))

      // Both vocabularies have U+FEFF's bytes as one token (o200k_base also two of them), as
      // tiktoken encodes it; gpt-tokenizer decodes merged bytes with a TextDecoder that drops a
      // byte-order mark, misses that token and counts the bytes in two.
      it.live("counts a byte-order mark as its vocabulary's token, where gpt-tokenizer counts two", () =>
        Effect.promise(async () => {
          const count = await loaded
          expect(count("\uFEFF")).toBe(1)
          expect(oracle[encoding]("\uFEFF")).toBe(2)
          expect(count("\uFEFFSELECT")).toBe(1 + count("SELECT"))
        }))
    })
  }

  it("refuses a damaged table instead of counting with it", () => {
    const table = readFileSync(join(root, "src", "internal", "tables", "cl100k_base.bin"))
    expect(Either.getOrThrow(Limits.runSync(Bpe.parse(table)))?.size).toBe(100_256)
    // Cut inside a token: the last length byte promises more than is left.
    expect(Either.getOrThrow(Limits.runSync(Bpe.parse(table.subarray(0, table.length - 1))))).toBeUndefined()
  })
})
