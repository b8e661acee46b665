/**
 * `@db-toolkit/ai/providers/cloudflare`: Cloudflare Workers AI, over its native run API, alone. Loads the provider, the contract it
 * implements and the error union; no database, no stack, no IPC.
 *
 * ```ts
 * import { AiProvider, Cloudflare } from "@db-toolkit/ai/providers/cloudflare"
 * ```
 *
 * @since 0.1.0
 */

/** Cloudflare Workers AI: `Config`, `decodeConfig`, `make(config)`, `layer(config)`. @since 0.1.0 */
export * as Cloudflare from "./Cloudflare.js"

/** The provider contract: the `AiProvider` tag and what a provider offers. @since 0.1.0 */
export * as AiProvider from "../../services/AiProvider.js"

/** The error union and its members. @since 0.1.0 */
export * as AiError from "../../domain/AiError.js"
