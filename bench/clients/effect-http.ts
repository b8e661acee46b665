/**
 * Effect's bare HttpClient on undici (`NodeHttpClient.layerUndici`) with the response decoded by
 * a Schema: the reference for what Effect's HTTP plumbing alone costs. Client defaults are kept
 * (its per-request span included), as in the baseline of STACK.md section 8.
 */
import { chatBody, main } from "../harness.js"

const t0 = performance.now()

await main("effect-http", t0, async ({ baseUrl, fixture }) => {
  const [{ Effect, ManagedRuntime, Schema, Stream }, { HttpClient, HttpClientRequest, HttpClientResponse }, NodeHttpClient] =
    await Promise.all([import("effect"), import("@effect/platform"), import("@effect/platform-node/NodeHttpClient")])

  const Response = Schema.Struct({
    choices: Schema.Array(Schema.Struct({ message: Schema.Struct({ content: Schema.NullOr(Schema.String) }) }))
  })
  const Chunk = Schema.parseJson(Schema.Struct({
    choices: Schema.Array(Schema.Struct({ delta: Schema.Struct({ content: Schema.optional(Schema.NullOr(Schema.String)) }) }))
  }))
  const decodeChunk = Schema.decodeUnknownSync(Chunk)

  const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
  const client = HttpClient.filterStatusOk(await runtime.runPromise(HttpClient.HttpClient))
  const url = `${baseUrl}/chat/completions`
  const request = (stream: boolean) =>
    HttpClientRequest.post(url).pipe(
      HttpClientRequest.bearerToken(fixture.apiKey),
      HttpClientRequest.setHeader("accept", stream ? "text/event-stream" : "application/json"),
      HttpClientRequest.bodyText(chatBody(fixture, stream), "application/json")
    )

  const call = client.execute(request(false)).pipe(
    Effect.flatMap(HttpClientResponse.schemaBodyJson(Response)),
    Effect.map((r) => r.choices[0]?.message.content ?? "")
  )
  const stream = (onDelta: (text: string) => void) =>
    client.execute(request(true)).pipe(
      HttpClientResponse.stream,
      Stream.decodeText(),
      Stream.splitLines,
      Stream.takeWhile((line) => line !== "data: [DONE]"),
      Stream.runForEach((line) =>
        Effect.sync(() => {
          if (!line.startsWith("data: ")) return
          const text = decodeChunk(line.slice(6)).choices[0]?.delta.content
          if (text) onDelta(text)
        })
      )
    )

  return {
    call: () => runtime.runPromise(call),
    stream: (onDelta) => runtime.runPromise(stream(onDelta)),
    close: () => runtime.dispose()
  }
})
