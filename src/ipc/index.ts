/**
 * `@db-toolkit/ai/ipc`: drop-in Electron IPC handlers for DB Toolkit's `ai:*` channels, served by
 * the `AiService` of a runtime built from `AiStack.layer` (also exported by the main entry).
 *
 * @since 0.1.0
 */
export {
  channels as aiChannels,
  type Channel as AiChannel,
  type IpcMainLike,
  type Options as RegisterAiHandlersOptions,
  type Registration as AiHandlersRegistration,
  registerAiHandlers
} from "./handlers.js"
