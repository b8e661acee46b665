/** Node 20's global `fetch` (its bundled undici). */
import { chatBody, main, SseDeltas } from "../harness.js"

const t0 = performance.now()

await main("fetch", t0, async ({ baseUrl, fixture }) => {
  const url = `${baseUrl}/chat/completions`
  const headers = { "content-type": "application/json", authorization: `Bearer ${fixture.apiKey}`, accept: "application/json" }
  const streamHeaders = { ...headers, accept: "text/event-stream" }
  return {
    call: async () => {
      const response = await fetch(url, { method: "POST", headers, body: chatBody(fixture, false) })
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
      const json = (await response.json()) as { choices: Array<{ message: { content: string } }> }
      return json.choices[0]!.message.content
    },
    stream: async (onDelta) => {
      const response = await fetch(url, { method: "POST", headers: streamHeaders, body: chatBody(fixture, true) })
      if (response.status !== 200 || response.body === null) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
      const sse = new SseDeltas(onDelta)
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        sse.push(value)
      }
      if (!sse.done) throw new Error("the stream ended before [DONE]")
    }
  }
})
