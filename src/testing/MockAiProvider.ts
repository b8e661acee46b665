/**
 * A scripted `AiProvider` with no HTTP, for consumers' unit tests. Prompts, validation and answer
 * parsing are the real ones; only the chat call is scripted. Delays use the Effect clock, so tests
 * can drive them with `TestClock`.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, Stream } from "effect"
import type * as AiError from "../domain/AiError.js"
import type { ProviderId } from "../domain/ProviderId.js"
import * as AiProvider from "../services/AiProvider.js"
import type { ChatInput } from "./Emulator.js"
import { splitDeltas } from "./Emulator.js"
import * as SqlRule from "./SqlRule.js"

/**
 * What the mock does with one call: answer (a text or a rule), fail, and/or wait first.
 *
 * @since 0.1.0
 * @category Models
 */
export interface MockStep {
  readonly reply?: string | ((request: AiProvider.ChatRequest) => string) | undefined
  readonly error?: AiError.AiError | undefined
  readonly delay?: Duration.DurationInput | undefined
  /** For streams: fail with `error` after this many deltas instead of before the first. */
  readonly errorAfterDeltas?: number | undefined
}

/**
 * Mock options.
 *
 * @since 0.1.0
 * @category Models
 */
export interface MockOptions {
  readonly provider?: ProviderId | undefined
  readonly model?: string | undefined
  /** Used when no step is queued; default: the emulator's SQL rule. */
  readonly defaultStep?: MockStep | undefined
  /** Steps used by the next calls, in order. */
  readonly script?: ReadonlyArray<MockStep> | undefined
  readonly models?: ReadonlyArray<string> | undefined
}

/**
 * A mock provider and its controls.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Mock {
  readonly service: AiProvider.Service
  /** Every chat request made, oldest first. */
  readonly calls: ReadonlyArray<AiProvider.ChatRequest>
  /** Queues more steps. */
  readonly script: (...steps: ReadonlyArray<MockStep>) => void
}

const toInput = (request: AiProvider.ChatRequest, model: string, stream: boolean): ChatInput => ({
  model,
  system: request.system,
  user: request.user,
  stream,
  body: undefined
})

/**
 * Builds a mock provider.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: MockOptions = {}): Mock => {
  const provider = options.provider ?? "openai"
  const model = options.model ?? "mock-model"
  const queue: Array<MockStep> = [...(options.script ?? [])]
  const calls: Array<AiProvider.ChatRequest> = []
  const next = () => queue.shift() ?? options.defaultStep ?? {}
  const textOf = (step: MockStep, request: AiProvider.ChatRequest, stream: boolean) =>
    typeof step.reply === "function"
      ? step.reply(request)
      : step.reply ?? SqlRule.answer(toInput(request, model, stream))
  const usage = (request: AiProvider.ChatRequest, text: string) => ({
    inputTokens: Math.ceil((request.system.length + request.user.length) / 4),
    outputTokens: Math.ceil(text.length / 4)
  })
  const wait = (step: MockStep) => (step.delay === undefined ? Effect.void : Effect.sleep(step.delay))

  const service = AiProvider.make({
    provider,
    model,
    complete: (request) =>
      Effect.suspend(() => {
        calls.push(request)
        const step = next()
        return Effect.zipRight(
          wait(step),
          step.error
            ? Effect.fail(step.error)
            : Effect.sync(() => {
              const text = textOf(step, request, false)
              return { text, model, usage: usage(request, text), finishReason: "stop" as const }
            })
        )
      }),
    completeStream: (request) =>
      Stream.unwrap(Effect.sync(() => {
        calls.push(request)
        const step = next()
        const text = step.error && step.errorAfterDeltas === undefined ? "" : textOf(step, request, true)
        const deltas = splitDeltas(text).map((t): AiProvider.ChatChunk => ({ _tag: "Delta", text: t }))
        const body: Stream.Stream<AiProvider.ChatChunk, AiError.AiError> = step.error
          ? Stream.concat(Stream.fromIterable(deltas.slice(0, step.errorAfterDeltas ?? 0)), Stream.fail(step.error))
          : Stream.fromIterable([...deltas, { _tag: "Finish", model, usage: usage(request, text), finishReason: "stop" }])
        return Stream.concat(Stream.fromEffect(wait(step)).pipe(Stream.drain), body)
      })),
    testConnection: AiProvider.connectionTestByModelList(
      provider,
      model,
      Effect.succeed((options.models ?? [model]).map((id) => ({ id })))
    ),
    listModels: Effect.succeed((options.models ?? [model]).map((id) => ({ id })))
  })

  return { service, calls, script: (...steps) => void queue.push(...steps) }
}

/**
 * A mock provider as a Layer.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options?: MockOptions): Layer.Layer<AiProvider.AiProvider> =>
  Layer.sync(AiProvider.AiProvider, () => make(options).service)
