import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import * as Cl100k from "gpt-tokenizer/encoding/cl100k_base"
import * as O200k from "gpt-tokenizer/encoding/o200k_base"
import * as Prompts from "../../src/domain/Prompts.js"
import type { ProviderId } from "../../src/domain/ProviderId.js"
import * as SqlTask from "../../src/domain/SqlTask.js"
import * as Tokens from "../../src/internal/Tokens.js"

// The real tables, loaded eagerly here (the library loads them lazily: internal/TokenCounter).
const asText = { disallowedSpecial: new Set<string>() }
const o200k: Tokens.Encoder = (text) => O200k.countTokens(text, asText)
const cl100k: Tokens.Encoder = (text) => Cl100k.countTokens(text, asText)
const counter = Tokens.makeCounter({ o200k_base: o200k, cl100k_base: cl100k })

// Strings whose counts differ between the two encodings, so the test sees which one was used.
const chinese = "列出过去九十天内消费最多的前十位客户，以及他们的电子邮件和订单数量" // o200k 22, cl100k 32
const russian = "Покажи десять клиентов, потративших больше всего за последние 90 дней, с их почтой и числом заказов" // 28 / 44

// Columns as "name type", a trailing "*" marking the primary key.
const table = (name: string, columns: ReadonlyArray<string>) => ({
  name,
  columns: columns.map((spec) => {
    const [column = "", type = ""] = spec.split(" ")
    return type.endsWith("*") ? { name: column, type: type.slice(0, -1), primaryKey: true } : { name: column, type }
  })
})

const schema: SqlTask.GenerateSqlRequest["schema"] = {
  tables: [
    table("customers", ["id integer*", "email varchar(255)", "full_name text", "created_at timestamptz"]),
    {
      ...table("orders", ["id bigint*", "customer_id integer", "status varchar(20)", "total_cents integer", "placed_at timestamptz"]),
      foreignKeys: [{ columns: ["customer_id"], referencedTable: "customers", referencedColumns: ["id"] }]
    },
    table("order_items", ["order_id bigint", "product_id integer", "quantity integer", "unit_price_cents integer"]),
    table("products", ["id integer*", "sku varchar(32)", "name text", "category text"])
  ]
}

// Realistic prompts: the library's own system prompt and task templates over a small schema.
const prompts: ReadonlyArray<Prompts.Prompt> = [
  SqlTask.generate({
    prompt: "Top 10 customers by total spend in the last 90 days, with their email and number of orders",
    schema,
    dialect: "postgresql"
  }),
  SqlTask.explain({
    sql: "SELECT c.email, SUM(o.total_cents) AS spend FROM customers c JOIN orders o ON o.customer_id = c.id " +
      "WHERE o.placed_at > now() - interval '90 days' GROUP BY c.email ORDER BY spend DESC LIMIT 10",
    schema,
    dialect: "postgresql"
  }),
  SqlTask.optimize({
    sql: "SELECT * FROM orders WHERE status = 'shipped' AND customer_id IN " +
      "(SELECT id FROM customers WHERE email LIKE '%@example.com')",
    executionPlan: "Seq Scan on orders  (cost=0.00..4512.00 rows=120 width=64)\n  Filter: ((status)::text = 'shipped'::text)",
    schema,
    dialect: "mysql"
  }),
  SqlTask.fix({
    sql: "SELECT name, COUNT(*) FROM products JOIN order_items ON product_id = id GROUP BY category",
    errorMessage: "ambiguous column name: id",
    schema,
    dialect: "sqlite"
  })
].map((task) => Prompts.forTask(task))

const bareSql = "SELECT c.email, SUM(o.total_cents) AS spend FROM customers c JOIN orders o ON o.customer_id = c.id " +
  "WHERE o.placed_at > now() - interval '90 days' GROUP BY c.email ORDER BY spend DESC LIMIT 10;"

describe("Tokens.encodingFor", () => {
  it.each([
    ["gpt-4o", "o200k_base"],
    ["gpt-4o-mini-2024-07-18", "o200k_base"],
    ["chatgpt-4o-latest", "o200k_base"],
    ["gpt-4.1-mini", "o200k_base"],
    ["gpt-4.1-nano-2025-04-14", "o200k_base"],
    ["gpt-5", "o200k_base"],
    ["gpt-5.4-mini", "o200k_base"],
    ["o1", "o200k_base"],
    ["o3-mini", "o200k_base"],
    ["o4-mini-2025-04-16", "o200k_base"],
    ["ft:gpt-4o-mini-2024-07-18:acme::abc123", "o200k_base"],
    ["GPT-4O", "o200k_base"],
    ["gpt-4", "cl100k_base"],
    ["gpt-4-turbo-2024-04-09", "cl100k_base"],
    ["gpt-4-0613", "cl100k_base"],
    ["gpt-3.5-turbo", "cl100k_base"],
    // Azure spellings and deployment names that carry the model
    ["gpt-35-turbo", "cl100k_base"],
    ["prod-gpt4o", "o200k_base"],
    ["sql-assistant-gpt-4.1-mini", "o200k_base"],
    ["team_gpt4", "cl100k_base"]
  ] as const)("%s uses %s (known)", (model, encoding) => {
    expect(Tokens.encodingFor(model)).toEqual({ encoding, known: true })
  })

  it.each(["my-deployment", "sql-prod", "gpt-oss-120b", "video3", "davinci"])(
    "%s is not known: o200k_base, the encoding of every current OpenAI chat model",
    (model) => {
      expect(Tokens.encodingFor(model)).toEqual({ encoding: "o200k_base", known: false })
    }
  )

  it("is needed only by OpenAI and Azure OpenAI", () => {
    expect(Tokens.encodingNeeded("openai", "gpt-4")).toBe("cl100k_base")
    expect(Tokens.encodingNeeded("azure-openai", "my-deployment")).toBe("o200k_base")
    for (const provider of ["anthropic", "gemini", "cloudflare", "ollama"] as const) {
      expect(Tokens.encodingNeeded(provider, "gpt-4o")).toBeUndefined()
    }
  })
})

describe("Tokens.makeCounter (exact counts)", () => {
  it("gives the known BPE counts for fixed strings", () => {
    // OpenAI's cookbook: "tiktoken is great!" is 6 cl100k_base tokens.
    expect(counter.count("openai", "gpt-4", "tiktoken is great!")).toEqual({ tokens: 6, exact: true })
    expect(counter.count("openai", "gpt-4o", "tiktoken is great!")).toEqual({ tokens: 6, exact: true })
    expect(counter.count("openai", "gpt-4o", "Hello world")).toEqual({ tokens: 2, exact: true })
    expect(counter.count("openai", "gpt-4o", "")).toEqual({ tokens: 0, exact: true })
  })

  it("picks the encoding by model family", () => {
    expect(counter.count("openai", "gpt-4o", chinese).tokens).toBe(22)
    expect(counter.count("openai", "gpt-4.1-mini", chinese).tokens).toBe(22)
    expect(counter.count("openai", "gpt-4-turbo", chinese).tokens).toBe(32)
    expect(counter.count("openai", "gpt-3.5-turbo", russian).tokens).toBe(44)
    expect(counter.count("openai", "o3", russian).tokens).toBe(28)
  })

  it("counts Azure deployments exactly when the name tells the model, and flags the guess otherwise", () => {
    expect(counter.count("azure-openai", "gpt-35-turbo", chinese)).toEqual({ tokens: 32, exact: true })
    expect(counter.count("azure-openai", "gpt-4o-prod", chinese)).toEqual({ tokens: 22, exact: true })
    expect(counter.count("azure-openai", "sql-assistant", chinese)).toEqual({ tokens: 22, exact: false })
  })

  it("counts special-token markers in user text as text instead of throwing", () => {
    expect(counter.count("openai", "gpt-4o", "<|endoftext|>")).toEqual({ tokens: 7, exact: true })
    expect(counter.count("openai", "gpt-4", "a <|im_start|> b").exact).toBe(true)
  })

  it("adds OpenAI's chat framing: 4 tokens a message and 3 to prime the reply", () => {
    const messages = { system: "You are a SQL expert.", user: "List all users." } // 6 + 4 content tokens
    expect(counter.countChat("openai", "gpt-4o", messages)).toEqual({ tokens: 6 + 4 + 11, exact: true })
    // gpt-tokenizer's own chat encoder (ChatML) agrees
    const chat = [{ role: "system", content: messages.system }, { role: "user", content: messages.user }] as const
    expect(counter.countChat("openai", "gpt-4o", messages).tokens).toBe(O200k.encodeChat(chat, "gpt-4o").length)
    expect(counter.countChat("openai", "gpt-4", messages).tokens).toBe(Cl100k.encodeChat(chat, "gpt-4").length)
  })

  it("falls back to an estimate when the model's encoding is not at hand", () => {
    const onlyO200k = Tokens.makeCounter({ o200k_base: o200k })
    expect(onlyO200k.count("openai", "gpt-4", bareSql)).toEqual({ tokens: Tokens.estimate("openai", bareSql), exact: false })
    expect(onlyO200k.count("openai", "gpt-4o", bareSql).exact).toBe(true)
  })

  it("never counts exactly for providers with other tokenizers", () => {
    for (const provider of ["anthropic", "gemini", "cloudflare", "ollama"] as const) {
      expect(counter.count(provider, "gpt-4o", bareSql)).toEqual({ tokens: Tokens.estimate(provider, bareSql), exact: false })
    }
  })
})

describe("Tokens.estimate", () => {
  it("divides ASCII characters by the provider's ratio and weighs other characters apart", () => {
    expect(Tokens.estimate("gemini", "")).toBe(0)
    expect(Tokens.estimate("gemini", "a".repeat(400))).toBe(100)
    expect(Tokens.estimate("anthropic", "a".repeat(350))).toBe(100)
    expect(Tokens.estimate("ollama", "abc")).toBe(1)
    expect(Tokens.estimate("cloudflare", "日本語")).toBe(Math.ceil(3 * Tokens.tokensPerNonAsciiChar))
    // astral characters are one character, not two UTF-16 units
    expect(Tokens.estimate("cloudflare", "😀")).toBe(1)
  })

  it("estimator counts chats with the same framing", () => {
    const messages = { system: "a".repeat(40), user: "b".repeat(80) }
    expect(Tokens.estimator.countChat("gemini", "gemini-2.5-flash", messages)).toEqual({ tokens: 10 + 20 + 11, exact: false })
    expect(Tokens.estimator.count("openai", "gpt-4o", "a".repeat(40))).toEqual({ tokens: 10, exact: false })
  })

  // The families' own tokenizers cannot run offline; the references are the nearest BPE tables:
  // cl100k_base for Llama 3.x (Cloudflare, Ollama), o200k_base for Gemini, and for Claude, which
  // counts more tokens than either, o200k_base as a floor.
  const within = (provider: ProviderId, reference: Tokens.Encoder, low: number, high: number) => {
    for (const prompt of prompts) {
      const estimated = Tokens.estimator.countChat(provider, "any", prompt).tokens
      const exact = Tokens.makeCounter({ o200k_base: reference }).countChat("openai", "gpt-4o", prompt).tokens
      expect(estimated / exact).toBeGreaterThanOrEqual(low)
      expect(estimated / exact).toBeLessThanOrEqual(high)
    }
  }

  it("lands within 20% of cl100k_base for Cloudflare and Ollama on realistic SQL prompts", () => {
    within("cloudflare", cl100k, 0.8, 1.2)
    within("ollama", cl100k, 0.8, 1.2)
  })

  it("lands within 20% of o200k_base for Gemini on realistic SQL prompts", () => {
    within("gemini", o200k, 0.8, 1.2)
  })

  it("estimates Claude above o200k_base, by at most 40%", () => {
    within("anthropic", o200k, 1, 1.4)
  })

  it("stays within 20% on bare SQL and DDL", () => {
    const ddl = "CREATE TABLE order_items (\n  order_id BIGINT NOT NULL REFERENCES orders(id),\n" +
      "  product_id INTEGER NOT NULL,\n  quantity INTEGER NOT NULL DEFAULT 1,\n  unit_price_cents INTEGER NOT NULL\n);"
    for (const text of [bareSql, ddl]) {
      const ratio = Tokens.estimate("cloudflare", text) / cl100k(text)
      expect(ratio).toBeGreaterThanOrEqual(0.8)
      expect(ratio).toBeLessThanOrEqual(1.2)
    }
  })

  it("does not fall far short on non-English requests", () => {
    for (const text of [chinese, russian]) {
      expect(Tokens.estimate("cloudflare", text)).toBeGreaterThanOrEqual(0.8 * cl100k(text))
      expect(Tokens.estimate("gemini", text)).toBeGreaterThanOrEqual(0.8 * o200k(text))
    }
  })
})

describe("Tokens pieces (exact counts of long texts)", () => {
  const sumOf = (text: string, encode: Tokens.Encoder) => {
    let tokens = 0
    let forced = false
    for (let start = 0; start < text.length;) {
      const piece = Tokens.nextPiece(text, start)
      expect(piece.end).toBeGreaterThan(start)
      expect(piece.end - start).toBeLessThanOrEqual(Tokens.pieces.pieceChars)
      tokens += encode(text.slice(start, piece.end))
      forced = forced || piece.forced
      start = piece.end
    }
    return { tokens, forced }
  }
  const bits = ["a", "Zed", "é", "中文", "😀", " ", "  ", "\n", "\t", "\r\n", ".", ",", "'s", "(", "1", "234", "_", "=", "/", "\u00a0", "\u3000", "\"", "<|endoftext|>", "SELECT", " FROM"]
  const text = fc.array(fc.tuple(fc.constantFrom(...bits), fc.integer({ min: 1, max: 6 })), { minLength: 200, maxLength: 1_500 })
    .map((parts) => parts.map(([bit, n]) => bit.repeat(n)).join(""))

  it("pieces cut where a space follows non-whitespace add up to the whole text's count, in both encodings", () => {
    fc.assert(
      fc.property(text, (t) => {
        for (const encode of [o200k, cl100k]) {
          const { forced, tokens } = sumOf(t, encode)
          if (!forced) expect(tokens).toBe(encode(t))
        }
      }),
      { numRuns: 150 }
    )
    const sql = `${bareSql} `.repeat(200)
    expect(sumOf(sql, o200k)).toEqual({ tokens: o200k(sql), forced: false })
  })

  it("cuts a run with no place to cut every runChars characters, never inside a surrogate pair", () => {
    const run = "😀".repeat(3_000)
    let start = 0
    const first = Tokens.nextPiece(run, start)
    expect(first).toEqual({ end: Tokens.pieces.runChars, forced: true })
    start = 1
    const odd = Tokens.nextPiece(run, start)
    expect(odd.end - start).toBe(Tokens.pieces.runChars - 1)
    expect(run.charCodeAt(odd.end - 1)).toBeGreaterThanOrEqual(0xdc00)
    // A count of the run in pieces stays close to (and not below) the model's.
    const letters = "abcdefghij".repeat(300)
    const { forced, tokens } = sumOf(letters, o200k)
    expect(forced).toBe(true)
    expect(tokens).toBeGreaterThanOrEqual(o200k(letters))
    expect(tokens).toBeLessThan(o200k(letters) * 1.2)
  })

  it("the synchronous counter counts in pieces too: linear on a long run, whose count it marks as not exact", () => {
    const run = "qwertyuiopasdfghjklzxcvbnm".repeat(4_000)
    const start = performance.now()
    const counted = counter.count("openai", "gpt-4o", run)
    expect(performance.now() - start).toBeLessThan(10_000)
    expect(counted.exact).toBe(false)
    const sql = `${bareSql} `.repeat(100)
    expect(counter.count("openai", "gpt-4o", sql)).toEqual({ tokens: o200k(sql), exact: true })
  })

  it("charMix counts code points as a for-of loop does, lone surrogates included", () => {
    const slow = (t: string) => {
      let ascii = 0
      let other = 0
      for (const ch of t) (ch.codePointAt(0)! < 128 ? ascii++ : other++)
      return { ascii, other }
    }
    fc.assert(fc.property(fc.oneof(fc.fullUnicodeString(), fc.string16bits()), (t) => {
      expect(Tokens.charMix(t)).toEqual(slow(t))
    }), { numRuns: 500 })
    expect(Tokens.charMix("a\uD800b\uDC00😀")).toEqual({ ascii: 2, other: 3 })
    const text = "héllo wörld 中文 😀 ".repeat(50_000)
    let mix: Tokens.CharMix = { ascii: 0, other: 0 }
    for (let start = 0; start < text.length;) {
      const end = Tokens.nextChunk(text, start)
      mix = Tokens.addMix(mix, Tokens.charMix(text.slice(start, end)))
      start = end
    }
    expect(mix).toEqual(slow(text))
  })
})
