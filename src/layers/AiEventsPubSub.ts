/**
 * The event hub (`AiEvents`) on a sliding PubSub.
 *
 * @since 0.1.0
 */
import { Effect, Layer, PubSub, Stream } from "effect"
import { type AiEvent, AiEvents, type Service } from "../services/AiEvents.js"

/**
 * Creates a hub; slow subscribers lose the oldest events, never block publishers.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make: Effect.Effect<Service> = Effect.map(PubSub.sliding<AiEvent>(1024), (hub) => ({
  publish: (event) => Effect.asVoid(PubSub.publish(hub, event)),
  subscribe: Effect.map(PubSub.subscribe(hub), (queue) => Stream.fromQueue(queue)),
  stream: Stream.fromPubSub(hub)
}))

/**
 * The hub as a Layer.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<AiEvents> = Layer.effect(AiEvents, make)
