/**
 * Token counts before a request is sent: exact BPE counts for OpenAI and Azure OpenAI models, a
 * calibrated estimate for the other providers. After the call the provider's reported usage is
 * the truth and is what gets stored; these counts only size a request and its cost beforehand.
 *
 * Everything here is pure. The BPE tables are large (o200k_base is ~12 MB of heap), so this
 * module never loads them: a caller hands in {@link Encoder}s, and `internal/TokenCounter` loads
 * the one encoding a model needs (`internal/Bpe`), once, on first use.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import * as Limits from "../domain/Limits.js"
import type { ProviderId } from "../domain/ProviderId.js"

/**
 * The BPE encodings OpenAI chat models use.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Encoding = Schema.Literal("o200k_base", "cl100k_base")

/**
 * @since 0.1.0
 * @category Models
 */
export type Encoding = typeof Encoding.Type

/**
 * A token count. `exact` is true only when the count came from the model's own tokenizer.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TokenCount = Schema.Struct({
  tokens: Schema.NonNegativeInt,
  exact: Schema.Boolean
})

/**
 * @since 0.1.0
 * @category Models
 */
export type TokenCount = typeof TokenCount.Type

/**
 * One chat turn as it is sent: a system message and a user message.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ChatMessages {
  readonly system: string
  readonly user: string
}

/**
 * Counts the BPE tokens of a text in one encoding. Special-token markers such as
 * `<|endoftext|>` in the text count as ordinary text, as the chat APIs treat message content.
 *
 * @since 0.1.0
 * @category Models
 */
export type Encoder = (text: string) => number

/**
 * The encoders a counter may use; a missing one makes counts for its models estimates.
 *
 * @since 0.1.0
 * @category Models
 */
type Encoders = Partial<Readonly<Record<Encoding, Encoder>>>

/**
 * The encoding chosen for a model, and whether the model id told us (`known`) or it is the
 * default guess.
 *
 * @since 0.1.0
 * @category Models
 */
interface EncodingChoice {
  readonly encoding: Encoding
  readonly known: boolean
}

// Searched anywhere in the id, after a non-alphanumeric boundary, so fine-tuned ids
// (`ft:gpt-4o-mini:org::id`) and Azure deployment names (`prod-gpt4o`, `gpt-35-turbo`) match.
const O200K = /(?:^|[^a-z0-9])(?:chatgpt-?4o|gpt-?4o|gpt-?4\.1|gpt-?4\.5|gpt-?5|o[1-9](?!\d))/
const CL100K = /(?:^|[^a-z0-9])(?:gpt-?4(?![o.\d])|gpt-?3\.5|gpt-?35)/

/**
 * The encoding of an OpenAI model id or Azure deployment name: o200k_base for gpt-4o,
 * chatgpt-4o, gpt-4.1, gpt-4.5, gpt-5 and the o-series; cl100k_base for gpt-4 (and -turbo) and
 * gpt-3.5. Any other id gets o200k_base, the encoding of every current OpenAI chat model, with
 * `known: false`: an Azure deployment name need not reveal its model.
 *
 * @since 0.1.0
 * @category Encodings
 */
export const encodingFor = (model: string): EncodingChoice => {
  const id = model.trim().toLowerCase()
  if (O200K.test(id)) return { encoding: "o200k_base", known: true }
  if (CL100K.test(id)) return { encoding: "cl100k_base", known: true }
  return { encoding: "o200k_base", known: false }
}

/**
 * Whether a provider's models use OpenAI's tokenizers, so counts can be exact.
 *
 * @since 0.1.0
 * @category Encodings
 */
const hasExactCounts = (provider: ProviderId): boolean => provider === "openai" || provider === "azure-openai"

/**
 * The encoding a count for this provider and model needs, or undefined when it is estimated.
 *
 * @since 0.1.0
 * @category Encodings
 */
export const encodingNeeded = (provider: ProviderId, model: string): Encoding | undefined =>
  hasExactCounts(provider) ? encodingFor(model).encoding : undefined

/**
 * ASCII characters per token used for estimates, per provider family.
 *
 * Calibrated on this library's own prompts (system prompt plus a four-table schema and each of
 * the four SQL tasks), where o200k_base and cl100k_base both give 4.2-4.5 characters per token,
 * and on bare SQL, which gives ~3.8:
 * - `gemini` 4.0: Google documents "about 4 characters" per Gemini token; its 256k SentencePiece
 *   vocabulary counts close to o200k_base.
 * - `cloudflare`, `ollama` 4.0: mostly Llama 3.x, whose 128k tokenizer extends cl100k_base, plus
 *   Qwen, Gemma and Mistral models of similar density.
 * - `anthropic` 3.5: Claude's tokenizers (unpublished; counted only by Anthropic's API) split
 *   English and code into more tokens than o200k_base, so Claude is estimated ~20% higher.
 * - `openai`, `azure-openai` 4.0: used only when the exact encoder is not at hand.
 *
 * A little high rather than low: an estimate feeds budget checks and a maximum cost.
 *
 * @since 0.1.0
 * @category Estimates
 */
const charsPerToken: Readonly<Record<ProviderId, number>> = {
  openai: 4,
  "azure-openai": 4,
  gemini: 4,
  cloudflare: 4,
  ollama: 4,
  anthropic: 3.5
}

/**
 * Tokens per non-ASCII character for estimates. BPE vocabularies spend about one token per CJK
 * character and two to three characters per token for accented or Cyrillic text; 0.8 sits
 * between, erring high for the latter.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const tokensPerNonAsciiChar = 0.8

/**
 * Tokens a chat message adds around its content, as OpenAI counts it (`<|im_start|>`, the role,
 * `<|im_sep|>`, `<|im_end|>`), and the tokens that prime the reply. Estimates for other
 * providers use the same framing: their chat templates cost about as much.
 *
 * @since 0.1.0
 * @category Constants
 */
const chatOverhead = { perMessage: 4, reply: 3 } as const

/**
 * A text's character mix, as estimates read it: ASCII characters and other characters (code
 * points: a surrogate pair is one character, a lone surrogate one too).
 *
 * @since 0.1.0
 * @category Estimates
 */
export interface CharMix {
  readonly ascii: number
  readonly other: number
}

const NON_ASCII = /[^\x00-\x7f]/

/**
 * The character mix of a text. Linear, one pass at most: an all-ASCII text (the usual SQL) is
 * recognized by one native scan.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const charMix = (text: string): CharMix => {
  if (!NON_ASCII.test(text)) return { ascii: text.length, other: 0 }
  let ascii = 0
  let other = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 128) ascii++
    else if (c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1))) continue
    else other++
  }
  return { ascii, other }
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff

/**
 * Adds two character mixes (of consecutive pieces of one text).
 *
 * @since 0.1.0
 * @category Estimates
 */
export const addMix = (a: CharMix, b: CharMix): CharMix => ({ ascii: a.ascii + b.ascii, other: a.other + b.other })

/**
 * The estimated tokens of a text of this character mix for a provider.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const fromMix = (provider: ProviderId, mix: CharMix): number =>
  Math.ceil(mix.ascii / charsPerToken[provider] + mix.other * tokensPerNonAsciiChar)

/**
 * An estimate of a text's tokens for a provider, from its character mix.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const estimate = (provider: ProviderId, text: string): number => fromMix(provider, charMix(text))

// ---------------------------------------------------------------------------
// Pieces: exact counts of long texts, a bounded piece at a time
// ---------------------------------------------------------------------------

/**
 * The longest piece an exact count reads at once, and the length a run with no place to cut is
 * cut at. BPE merges within a pre-token cost time quadratic in its length (40,000 letters in a
 * row take seconds), so a text is counted in pieces: each piece ends where a space follows a
 * character that is not whitespace, which no pre-token of o200k_base or cl100k_base spans, so the
 * pieces' counts add up to the whole text's count exactly. A run of `pieceChars` with no such
 * place (letters, symbols or blanks in a row) is cut every `runChars` characters, which keeps the
 * cost linear at the price of a token or so per cut: such a count is no longer exact.
 *
 * @since 0.1.0
 * @category Pieces
 */
export const pieces = { pieceChars: 1_024, runChars: 256 } as const

/**
 * Where the next piece of a text ends, from `start`, and whether it had to be cut inside a run
 * (`forced`). The whole rest when it is short enough.
 *
 * @since 0.1.0
 * @category Pieces
 */
export const nextPiece = (text: string, start: number): { readonly end: number; readonly forced: boolean } => {
  if (text.length - start <= pieces.pieceChars) return { end: text.length, forced: false }
  for (let p = start + pieces.pieceChars; p > start; p--) {
    if (text.charCodeAt(p) === 32 && !WHITESPACE.test(text[p - 1]!)) return { end: p, forced: false }
  }
  // Never between the halves of a surrogate pair.
  const end = start + pieces.runChars
  return { end: isHighSurrogate(text.charCodeAt(end - 1)) ? end - 1 : end, forced: true }
}

const WHITESPACE = /\s/

/**
 * How many characters an estimate reads at once: a plain scan, about a millisecond per chunk.
 *
 * @since 0.1.0
 * @category Pieces
 */
const estimateChunkChars = 262_144

/**
 * Where the next chunk of an estimate ends, never between the halves of a surrogate pair.
 *
 * @since 0.1.0
 * @category Pieces
 */
export const nextChunk = (text: string, start: number): number => {
  const end = start + estimateChunkChars
  if (end >= text.length) return text.length
  return isHighSurrogate(text.charCodeAt(end - 1)) ? end - 1 : end
}

/**
 * An exact count of a text, a piece at a time (see {@link pieces}), as work that pauses between
 * pieces; `cut` when a run had to be cut, so the count is not exactly the model's.
 *
 * @since 0.1.0
 * @category Pieces
 */
export function* encodeInPieces(text: string, encode: Encoder): Limits.Work<{ readonly tokens: number; readonly cut: boolean }> {
  let tokens = 0
  let cut = false
  for (let start = 0; start < text.length;) {
    const piece = nextPiece(text, start)
    tokens += encode(text.slice(start, piece.end))
    cut = cut || piece.forced
    start = piece.end
    yield
  }
  return { tokens, cut }
}

/**
 * A text's character mix, a chunk at a time, as work that pauses between chunks.
 *
 * @since 0.1.0
 * @category Pieces
 */
export function* mixInChunks(text: string): Limits.Work<CharMix> {
  let mix: CharMix = { ascii: 0, other: 0 }
  for (let start = 0; start < text.length;) {
    const end = nextChunk(text, start)
    mix = addMix(mix, charMix(text.slice(start, end)))
    start = end
    yield
  }
  return mix
}

/**
 * The input tokens of a chat turn from the counts of its two messages: OpenAI's framing added.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const chatTokens = (system: number, user: number): number =>
  system + user + 2 * chatOverhead.perMessage + chatOverhead.reply


/**
 * Counts texts and chat turns with the encoders at hand, at once (exact counts piece by piece,
 * so in linear time). Long texts on the main process go through `internal/TokenCounter`, which
 * counts the same pieces with the event loop let in between.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Counter {
  readonly count: (provider: ProviderId, model: string, text: string) => TokenCount
  readonly countChat: (provider: ProviderId, model: string, messages: ChatMessages) => TokenCount
}

/**
 * A counter over some encoders. OpenAI and Azure OpenAI counts are exact when the model's
 * encoding is among them and the model id names its family; any other count is an estimate.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeCounter = (encoders: Encoders): Counter => {
  // A count with the model's encoder, a piece at a time (linear however long the text); or an estimate.
  const pick = (provider: ProviderId, model: string): { readonly count: (text: string) => TokenCount } => {
    if (hasExactCounts(provider)) {
      const choice = encodingFor(model)
      const encode = encoders[choice.encoding]
      if (encode !== undefined) {
        return {
          count: (text) => {
            const { cut, tokens } = Either.getOrThrow(Limits.runSync(encodeInPieces(text, encode)))
            return { tokens, exact: choice.known && !cut }
          }
        }
      }
    }
    return { count: (text) => ({ tokens: estimate(provider, text), exact: false }) }
  }
  return {
    count: (provider, model, text) => pick(provider, model).count(text),
    countChat: (provider, model, messages) => {
      const { count } = pick(provider, model)
      const system = count(messages.system)
      const user = count(messages.user)
      return { tokens: chatTokens(system.tokens, user.tokens), exact: system.exact && user.exact }
    }
  }
}

/**
 * A counter with no encoders: estimates for every provider, nothing to load.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const estimator: Counter = makeCounter({})
