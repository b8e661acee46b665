/**
 * `@db-toolkit/ai/providers/azure-openai`: Azure OpenAI, over a deployment's Chat Completions, alone. Loads the provider, the contract it
 * implements and the error union; no database, no stack, no IPC.
 *
 * ```ts
 * import { AiProvider, AzureOpenAi } from "@db-toolkit/ai/providers/azure-openai"
 * ```
 *
 * @since 0.1.0
 */

/** Azure OpenAI: `Config`, `decodeConfig`, `make(config)`, `layer(config)`. @since 0.1.0 */
export * as AzureOpenAi from "./AzureOpenAi.js"

/** The provider contract: the `AiProvider` tag and what a provider offers. @since 0.1.0 */
export * as AiProvider from "../../services/AiProvider.js"

/** The error union and its members. @since 0.1.0 */
export * as AiError from "../../domain/AiError.js"
