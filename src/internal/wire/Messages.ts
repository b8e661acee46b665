/**
 * A chat request's messages as the OpenAI-shaped wire formats write them (OpenAI, Azure, Workers
 * AI, Ollama): the system prompt under its role, left out when the profile folded it into the
 * user message (some models ignore or refuse a system prompt), then the user message. One place,
 * so every provider sends the same conversation.
 *
 * @since 0.1.0
 * @internal
 */
import type { ChatRequest } from "../../services/AiProvider.js"

/**
 * The `messages` of an OpenAI-shaped body: the system prompt under `systemRole` (none when
 * empty), then the user message.
 *
 * @since 0.1.0
 * @category Requests
 * @internal
 */
export const messages = (
  request: ChatRequest,
  systemRole: "system" | "developer" = "system"
): Array<{ readonly role: string; readonly content: string }> => [
  ...(request.system !== "" ? [{ role: systemRole, content: request.system }] : []),
  { role: "user", content: request.user }
]
