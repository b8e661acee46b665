/**
 * The provider factory's catalogue: for each provider id, how its configuration is validated,
 * which fields are secrets (stored encrypted, apart from the rest), how it is built, and what a
 * UI should know about it.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type { Effect, Schema } from "effect"
import type { ConfigInvalid } from "../domain/AiError.js"
import { displayName, type ProviderId } from "../domain/ProviderId.js"
import type * as ProviderConfig from "../internal/wire/ProviderConfig.js"
import type * as AiProvider from "../services/AiProvider.js"
import * as Anthropic from "./anthropic/Anthropic.js"
import * as Fields from "./Fields.js"
import * as AzureOpenAi from "./azure-openai/AzureOpenAi.js"
import * as Cloudflare from "./cloudflare/Cloudflare.js"
import * as Gemini from "./gemini/Gemini.js"
import * as Ollama from "./ollama/Ollama.js"
import * as OpenAi from "./openai/OpenAi.js"

/**
 * What a UI shows about a provider's limits and costs.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Limitations {
  readonly streaming: boolean
  /** Whether calls cost money (Ollama runs locally for free). */
  readonly costsMoney: boolean
  /** Whether it runs on the user's machine or network. */
  readonly local: boolean
  /** Where the user gets a key. */
  readonly keyUrl: string | undefined
}

/**
 * A provider in the catalogue.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Entry {
  readonly id: ProviderId
  readonly displayName: string
  /** Config fields that are secrets. */
  readonly secretFields: ReadonlyArray<string>
  /**
   * Config fields that say where requests go (base URL, Azure endpoint, Cloudflare account): a
   * stored secret is only ever sent to the endpoint it was saved with.
   */
  readonly endpointFields: ReadonlyArray<string>
  /** The environment variables the provider's official SDK reads, and the field each sets. */
  readonly environment: ReadonlyArray<ProviderConfig.EnvVariable>
  /** Validates a config input (JSON form, secrets included); a bad field is `ConfigInvalid`. */
  readonly validate: (input: unknown) => Effect.Effect<unknown, ConfigInvalid>
  /** Builds the provider from a config input. */
  readonly make: (input: unknown) => Effect.Effect<AiProvider.Service, ConfigInvalid, HttpClient.HttpClient>
  readonly defaultModel: string | undefined
  readonly limitations: Limitations
  /** The config's fields as a settings form shows them, read from its Schema. */
  readonly fields: ReadonlyArray<Fields.FieldView>
}

const entry = (e: Omit<Entry, "displayName" | "fields"> & { readonly config: Schema.Schema.Any }): Entry => {
  const { config, ...rest } = e
  return { ...rest, displayName: displayName[e.id], fields: Fields.fieldsOf(config, e) }
}

/**
 * Every provider, by id.
 *
 * @since 0.1.0
 * @category Constants
 */
export const catalog: Readonly<Record<ProviderId, Entry>> = {
  cloudflare: entry({
    id: "cloudflare",
    secretFields: ["apiToken"],
    endpointFields: ["accountId", "baseUrl"],
    environment: Cloudflare.environment,
    config: Cloudflare.Config,
    validate: Cloudflare.decodeConfig,
    make: (input) => Cloudflare.make(input as Cloudflare.ConfigInput),
    defaultModel: Cloudflare.defaultModel,
    limitations: { streaming: true, costsMoney: true, local: false, keyUrl: "https://dash.cloudflare.com/profile/api-tokens" }
  }),
  openai: entry({
    id: "openai",
    secretFields: ["apiKey"],
    endpointFields: ["baseUrl"],
    environment: OpenAi.environment,
    config: OpenAi.Config,
    validate: OpenAi.decodeConfig,
    make: (input) => OpenAi.make(input as OpenAi.ConfigInput),
    defaultModel: OpenAi.defaultModel,
    limitations: { streaming: true, costsMoney: true, local: false, keyUrl: "https://platform.openai.com/api-keys" }
  }),
  ollama: entry({
    id: "ollama",
    secretFields: ["apiKey"],
    endpointFields: ["baseUrl"],
    environment: Ollama.environment,
    config: Ollama.Config,
    validate: Ollama.decodeConfig,
    make: (input) => Ollama.make(input as Ollama.ConfigInput),
    defaultModel: Ollama.defaultModel,
    limitations: { streaming: true, costsMoney: false, local: true, keyUrl: undefined }
  }),
  anthropic: entry({
    id: "anthropic",
    secretFields: ["apiKey"],
    endpointFields: ["baseUrl"],
    environment: Anthropic.environment,
    config: Anthropic.Config,
    validate: Anthropic.decodeConfig,
    make: (input) => Anthropic.make(input as Anthropic.ConfigInput),
    defaultModel: Anthropic.defaultModel,
    limitations: { streaming: true, costsMoney: true, local: false, keyUrl: "https://console.anthropic.com/settings/keys" }
  }),
  "azure-openai": entry({
    id: "azure-openai",
    secretFields: ["apiKey"],
    endpointFields: ["endpoint"],
    environment: AzureOpenAi.environment,
    config: AzureOpenAi.Config,
    validate: AzureOpenAi.decodeConfig,
    make: (input) => AzureOpenAi.make(input as AzureOpenAi.ConfigInput),
    defaultModel: undefined,
    limitations: { streaming: true, costsMoney: true, local: false, keyUrl: "https://portal.azure.com" }
  }),
  gemini: entry({
    id: "gemini",
    secretFields: ["apiKey"],
    endpointFields: ["baseUrl"],
    environment: Gemini.environment,
    config: Gemini.Config,
    validate: Gemini.decodeConfig,
    make: (input) => Gemini.make(input as Gemini.ConfigInput),
    defaultModel: Gemini.defaultModel,
    limitations: { streaming: true, costsMoney: true, local: false, keyUrl: "https://aistudio.google.com/apikey" }
  })
}
