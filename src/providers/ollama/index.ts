/**
 * `@db-toolkit/ai/providers/ollama`: Ollama, over /api/chat, alone. Loads the provider, the contract it
 * implements and the error union; no database, no stack, no IPC.
 *
 * ```ts
 * import { AiProvider, Ollama } from "@db-toolkit/ai/providers/ollama"
 * ```
 *
 * @since 0.1.0
 */

/** Ollama: `Config`, `decodeConfig`, `make(config)`, `layer(config)`. @since 0.1.0 */
export * as Ollama from "./Ollama.js"

/** The provider contract: the `AiProvider` tag and what a provider offers. @since 0.1.0 */
export * as AiProvider from "../../services/AiProvider.js"

/** The error union and its members. @since 0.1.0 */
export * as AiError from "../../domain/AiError.js"
