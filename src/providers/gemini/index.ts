/**
 * `@db-toolkit/ai/providers/gemini`: Google Gemini, over generateContent, alone. Loads the provider, the contract it
 * implements and the error union; no database, no stack, no IPC.
 *
 * ```ts
 * import { AiProvider, Gemini } from "@db-toolkit/ai/providers/gemini"
 * ```
 *
 * @since 0.1.0
 */

/** Google Gemini: `Config`, `decodeConfig`, `make(config)`, `layer(config)`. @since 0.1.0 */
export * as Gemini from "./Gemini.js"

/** The provider contract: the `AiProvider` tag and what a provider offers. @since 0.1.0 */
export * as AiProvider from "../../services/AiProvider.js"

/** The error union and its members. @since 0.1.0 */
export * as AiError from "../../domain/AiError.js"
