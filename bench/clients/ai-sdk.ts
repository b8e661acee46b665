/** The Vercel AI SDK (`ai` 6.x) with `@ai-sdk/openai` 3.x on Chat Completions, retries off. */
import { main } from "../harness.js"

const t0 = performance.now()

await main("ai-sdk", t0, async ({ baseUrl, fixture }) => {
  const [{ generateText, streamText }, { createOpenAI }] = await Promise.all([import("ai"), import("@ai-sdk/openai")])
  const model = createOpenAI({ apiKey: fixture.apiKey, baseURL: baseUrl }).chat(fixture.model)
  const params = {
    model,
    system: fixture.system,
    prompt: fixture.user,
    temperature: fixture.temperature,
    maxOutputTokens: fixture.maxTokens,
    maxRetries: 0
  }
  return {
    call: async () => (await generateText(params)).text,
    stream: async (onDelta) => {
      let failure: unknown
      const result = streamText({ ...params, onError: ({ error }) => void (failure = error) })
      for await (const text of result.textStream) onDelta(text)
      if (failure !== undefined) throw failure
    }
  }
})
