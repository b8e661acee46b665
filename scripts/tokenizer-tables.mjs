#!/usr/bin/env node
// Writes the rank tables the token counter loads (src/internal/tables/<encoding>.bin) from
// gpt-tokenizer's (a devDependency): for each token in rank order, one byte with its length and
// then its bytes. test/internal/Bpe.test.ts regenerates them in memory and fails if the files
// differ, so they cannot drift from gpt-tokenizer; run this after upgrading it.
//
//   node scripts/tokenizer-tables.mjs [--check]
import { readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

export const ENCODINGS = ["o200k_base", "cl100k_base"]
const tables = resolve(import.meta.dirname, "..", "src", "internal", "tables")

/** One encoding's table, as bytes, from gpt-tokenizer's ranks (strings, or byte arrays for tokens that are not UTF-8). */
export const tableOf = async (encoding) => {
  const { default: ranks } = await import(`gpt-tokenizer/esm/bpeRanks/${encoding}`)
  const chunks = []
  for (const [rank, token] of ranks.entries()) {
    const bytes = typeof token === "string" ? Buffer.from(token, "utf8") : Buffer.from(token)
    if (bytes.length === 0 || bytes.length > 255) throw new Error(`${encoding}: token ${rank} has ${bytes.length} bytes`)
    chunks.push(Buffer.of(bytes.length), bytes)
  }
  return Buffer.concat(chunks)
}

export const fileOf = (encoding) => join(tables, `${encoding}.bin`)

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes("--check")
  for (const encoding of ENCODINGS) {
    const table = await tableOf(encoding)
    if (check) {
      if (!table.equals(readFileSync(fileOf(encoding)))) throw new Error(`${fileOf(encoding)} differs from gpt-tokenizer's ${encoding}`)
    } else writeFileSync(fileOf(encoding), table)
    console.log(`${encoding}: ${table.length} bytes${check ? ", up to date" : ""}`)
  }
}
