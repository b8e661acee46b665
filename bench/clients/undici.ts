/** Raw `undici.request` (undici 7): the floor on Node 20. */
import { chatBody, main, SseDeltas } from "../harness.js"

const t0 = performance.now()

await main("undici", t0, async ({ baseUrl, fixture }) => {
  const { request } = await import("undici")
  const url = `${baseUrl}/chat/completions`
  const headers = { "content-type": "application/json", authorization: `Bearer ${fixture.apiKey}`, accept: "application/json" }
  const streamHeaders = { ...headers, accept: "text/event-stream" }
  return {
    call: async () => {
      const { statusCode, body } = await request(url, { method: "POST", headers, body: chatBody(fixture, false) })
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}: ${await body.text()}`)
      const json = (await body.json()) as { choices: Array<{ message: { content: string } }> }
      return json.choices[0]!.message.content
    },
    stream: async (onDelta) => {
      const { statusCode, body } = await request(url, { method: "POST", headers: streamHeaders, body: chatBody(fixture, true) })
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}: ${await body.text()}`)
      const sse = new SseDeltas(onDelta)
      for await (const chunk of body) sse.push(chunk as Uint8Array)
      if (!sse.done) throw new Error("the stream ended before [DONE]")
    }
  }
})
