/**
 * The public test kit: wire-level emulators for the providers and a scripted mock provider.
 * Published as `@db-toolkit/ai/testing` only (the main entry does not load it).
 *
 * @since 0.1.0
 */

/** The emulator server, its scripting and recording. @since 0.1.0 */
export * as Emulator from "./Emulator.js"

/** A scripted `AiProvider` with no HTTP. @since 0.1.0 */
export * as MockAiProvider from "./MockAiProvider.js"

/** The OpenAI protocol for the emulator. @since 0.1.0 */
export * as OpenAiEmulator from "./emulators/OpenAiEmulator.js"

/** The Cloudflare Workers AI protocol for the emulator. @since 0.1.0 */
export * as CloudflareEmulator from "./emulators/CloudflareEmulator.js"

/** The Azure OpenAI protocol for the emulator. @since 0.1.0 */
export * as AzureOpenAiEmulator from "./emulators/AzureOpenAiEmulator.js"

/** The Ollama protocol for the emulator. @since 0.1.0 */
export * as OllamaEmulator from "./emulators/OllamaEmulator.js"

/** The Anthropic protocol for the emulator. @since 0.1.0 */
export * as AnthropicEmulator from "./emulators/AnthropicEmulator.js"

/** The Google Gemini protocol for the emulator. @since 0.1.0 */
export * as GeminiEmulator from "./emulators/GeminiEmulator.js"

/** The emulators' default answer rule. @since 0.1.0 */
export * as SqlRule from "./SqlRule.js"
