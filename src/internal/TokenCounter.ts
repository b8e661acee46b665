/**
 * Token counting with the real BPE tables, loaded on first use. Importing this module loads
 * nothing heavy: the first count for an OpenAI or Azure OpenAI model loads the one table it needs
 * (internal/Bpe: read off the main thread, parsed in slices), and every later count reuses it.
 * Counts for the other providers are estimates and load nothing.
 *
 * Counting never fails: if an encoding cannot be loaded, counts fall back to estimates with
 * `exact: false`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Cost from "../domain/Cost.js"
import * as Limits from "../domain/Limits.js"
import type { ProviderId } from "../domain/ProviderId.js"
import * as Bpe from "./Bpe.js"
import * as Tokens from "./Tokens.js"

// One load per encoding per process, shared by every caller.
const loaded = new Map<Tokens.Encoding, Promise<Tokens.Encoder | undefined>>()

const load = (encoding: Tokens.Encoding): Promise<Tokens.Encoder | undefined> => {
  let pending = loaded.get(encoding)
  if (pending === undefined) {
    pending = Effect.runPromise(Effect.orElseSucceed(Bpe.load(encoding), () => undefined))
    loaded.set(encoding, pending)
  }
  return pending
}

/**
 * The encodings loaded (or loading) in this process, for a status display and for tests.
 *
 * @since 0.1.0
 * @category Loading
 */
export const loadedEncodings: Effect.Effect<ReadonlyArray<Tokens.Encoding>> = Effect.sync(() => [...loaded.keys()])

/**
 * The encoder of one encoding, loaded on first use; undefined if it cannot be loaded.
 *
 * @since 0.1.0
 * @category Loading
 */
export const encoder = (encoding: Tokens.Encoding): Effect.Effect<Tokens.Encoder | undefined> =>
  Effect.promise(() => load(encoding))

/**
 * A counter for one provider and model, with the encoding that model needs loaded.
 *
 * @since 0.1.0
 * @category Loading
 */
const counterFor = (provider: ProviderId, model: string): Effect.Effect<Tokens.Counter> => {
  const encoding = Tokens.encodingNeeded(provider, model)
  if (encoding === undefined) return Effect.succeed(Tokens.estimator)
  return Effect.map(encoder(encoding), (encode) =>
    encode === undefined ? Tokens.estimator : Tokens.makeCounter({ [encoding]: encode }))
}

/**
 * Loads the encoding a provider and model need, so the first count does not wait for it (for
 * example when a settings screen selects an OpenAI model).
 *
 * @since 0.1.0
 * @category Loading
 */
export const preload = (provider: ProviderId, model: string): Effect.Effect<void> =>
  Effect.asVoid(counterFor(provider, model))

// How a count is made: with the model's encoder when there is one, else as an estimate.
interface Method {
  readonly encode: Tokens.Encoder | undefined
  readonly known: boolean
}

const estimated: Method = { encode: undefined, known: false }

const methodFor = (provider: ProviderId, model: string, exact: boolean): Effect.Effect<Method> => {
  const encoding = exact ? Tokens.encodingNeeded(provider, model) : undefined
  if (encoding === undefined) return Effect.succeed(estimated)
  return Effect.map(encoder(encoding), (encode) =>
    encode === undefined ? estimated : { encode, known: Tokens.encodingFor(model).known })
}

function* estimatePieces(provider: ProviderId, text: string): Limits.Work<number> {
  return Tokens.fromMix(provider, yield* Tokens.mixInChunks(text))
}

function* countWork(provider: ProviderId, method: Method, text: string): Limits.Work<Tokens.TokenCount> {
  if (method.encode === undefined) return { tokens: yield* estimatePieces(provider, text), exact: false }
  const { cut, tokens } = yield* Tokens.encodeInPieces(text, method.encode)
  return { tokens, exact: method.known && !cut }
}

function* chatWork(provider: ProviderId, method: Method, messages: Tokens.ChatMessages): Limits.Work<Tokens.TokenCount> {
  const system = yield* countWork(provider, method, messages.system)
  const user = yield* countWork(provider, method, messages.user)
  return { tokens: Tokens.chatTokens(system.tokens, user.tokens), exact: system.exact && user.exact }
}

// Counting refuses nothing; the work only pauses.
const run = <A>(work: Limits.Work<A>): Effect.Effect<A> => Effect.orDie(Limits.sliced(work))

/**
 * How a count is asked for. `exact: false` takes the calibrated estimate even where the model's
 * tokenizer could count (nothing is loaded); the default counts exactly where it can.
 *
 * @since 0.1.0
 * @category Counting
 */
export interface CountOptions {
  readonly exact?: boolean | undefined
}

/**
 * The tokens of a text for a provider and model: exact for OpenAI and Azure OpenAI models whose
 * id names their family, an estimate otherwise. A long text is counted piece by piece, a few
 * milliseconds at a time with the event loop let in between (see `Tokens.pieces`: a run of over
 * a thousand characters with no space in it is cut, and its count is then not exact).
 *
 * @since 0.1.0
 * @category Counting
 */
export const count = (
  provider: ProviderId,
  model: string,
  text: string,
  options: CountOptions = {}
): Effect.Effect<Tokens.TokenCount> =>
  Effect.flatMap(methodFor(provider, model, options.exact ?? true), (method) => run(countWork(provider, method, text)))

/**
 * The input tokens of a chat turn, message framing included as OpenAI counts it; counted as
 * {@link count} does.
 *
 * @since 0.1.0
 * @category Counting
 */
export const countChat = (
  provider: ProviderId,
  model: string,
  messages: Tokens.ChatMessages,
  options: CountOptions = {}
): Effect.Effect<Tokens.TokenCount> =>
  Effect.flatMap(methodFor(provider, model, options.exact ?? true), (method) => run(chatWork(provider, method, messages)))

/**
 * What a chat turn will cost before it is sent: its input counted as {@link countChat} does, its
 * output bounded by `maxOutputTokens`. This is the figure a UI shows next to the send button.
 * `inputTokensExact` says whether the input count is the model's own.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const estimateChat = (
  request: Omit<Cost.EstimateRequest, "inputTokens" | "inputTokensExact"> & { readonly messages: Tokens.ChatMessages },
  options: CountOptions = {}
): Effect.Effect<Cost.Estimate> =>
  Effect.map(countChat(request.provider, request.model, request.messages, options), ({ exact, tokens }) =>
    Cost.estimate({ ...request, inputTokens: tokens, inputTokensExact: exact }))
