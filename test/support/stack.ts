import { Layer, Logger, LogLevel } from "effect"
import * as Path from "node:path"
import * as AiStack from "../../src/layers/AiStack.js"
import * as Crypto from "../../src/internal/Crypto.js"
import * as KeyStores from "../../src/layers/KeyStores.js"
import { HttpLive } from "./http.js"

/**
 * The whole stack as an app builds it, on `ai.db` in `dir` with a fresh master key and the undici
 * client; logs off (pass `logs: true` to keep them).
 */
export const stackIn = (dir: string, options: { readonly logs?: boolean } = {}) => {
  const stack = AiStack.layer({ databasePath: Path.join(dir, "ai.db"), keyStore: KeyStores.fromKey(Crypto.generateKey()) }).pipe(
    Layer.provide(HttpLive)
  )
  return options.logs ? stack : stack.pipe(Layer.provide(Logger.minimumLogLevel(LogLevel.None)))
}
