/** The official `openai` SDK (6.x), retries off. */
import { main } from "../harness.js"

const t0 = performance.now()

await main("openai", t0, async ({ baseUrl, fixture }) => {
  const { default: OpenAI } = await import("openai")
  const client = new OpenAI({ apiKey: fixture.apiKey, baseURL: baseUrl, maxRetries: 0 })
  const messages = [{ role: "system" as const, content: fixture.system }, { role: "user" as const, content: fixture.user }]
  const params = { model: fixture.model, messages, temperature: fixture.temperature, max_tokens: fixture.maxTokens }
  return {
    call: async () => {
      const completion = await client.chat.completions.create({ ...params, stream: false })
      return completion.choices[0]?.message.content ?? ""
    },
    stream: async (onDelta) => {
      const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } })
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta.content
        if (text) onDelta(text)
      }
    }
  }
})
