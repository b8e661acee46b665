/**
 * `@db-toolkit/ai/providers/anthropic`: Anthropic, over the Messages API, alone. Loads the provider, the contract it
 * implements and the error union; no database, no stack, no IPC.
 *
 * ```ts
 * import { AiProvider, Anthropic } from "@db-toolkit/ai/providers/anthropic"
 * ```
 *
 * @since 0.1.0
 */

/** Anthropic: `Config`, `decodeConfig`, `make(config)`, `layer(config)`. @since 0.1.0 */
export * as Anthropic from "./Anthropic.js"

/** The provider contract: the `AiProvider` tag and what a provider offers. @since 0.1.0 */
export * as AiProvider from "../../services/AiProvider.js"

/** The error union and its members. @since 0.1.0 */
export * as AiError from "../../domain/AiError.js"
