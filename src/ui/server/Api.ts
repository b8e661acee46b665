/**
 * The HTTP API of `dbtk-ai ui`, an `HttpApi` (its OpenAPI document is served at `/openapi.json`):
 *
 * - one `POST` endpoint per IPC channel of `Contract.allChannels`, at the channel's name without
 *   `ai:` and with `/` for `:` (`ai:providers:save` → `/api/providers/save`); the body is
 *   `{ "args": [...] }`, the arguments `ipcRenderer.invoke` would pass, and the answer is the IPC
 *   handler's, with status 200 even when it says `success: false`;
 * - `GET /api/stream`, the providers' status and events as server-sent events.
 *
 * The endpoints are made from the channel list, so a channel added to the contract is served with
 * no code here. Every call needs `Authorization: Bearer <token>`; a refusal (token, Host, Origin,
 * body) is a 4xx with `{ success: false, error }`.
 *
 * @since 0.1.0
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import * as Contract from "../../ipc/contract.js"

/**
 * The path of a channel's endpoint: `ai:providers:save` → `/api/providers/save`.
 *
 * @since 0.1.0
 * @category Paths
 */
export const pathOf = (channel: string): `/api/${string}` => `/api/${channel.replace(/^ai:/, "").replaceAll(":", "/")}`

/**
 * The path of the server-sent events.
 *
 * @since 0.1.0
 * @category Paths
 */
export const streamPath = "/api/stream"

/**
 * What a channel's endpoint takes: the channel's arguments, none when `args` is absent. Unknown
 * fields are refused, so a misspelt `args` is not a call without arguments.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Payload = Schema.Struct({
  args: Schema.optional(Schema.Array(Schema.Unknown).annotations({ description: "The channel's arguments, as ipcRenderer.invoke passes them" }))
}).annotations({ parseOptions: { onExcessProperty: "error" } })

/**
 * What a refused call answers.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Refusal = Schema.Struct({ success: Schema.Literal(false), error: Schema.String }).annotations({ identifier: "Refusal" })

/**
 * A refusal with its status.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const refuse = (status: number, error: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson({ success: false, error } satisfies typeof Refusal.Type, { status })

/**
 * The bearer token every call carries. The server's guard checks it before routing (it covers
 * `/openapi.json` too); this middleware, on each group (on the API it would cover the page's
 * routes too), declares it in the OpenAPI document and checks it again wherever the endpoints are
 * mounted.
 *
 * @since 0.1.0
 * @category Security
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("@db-toolkit/ai/ui/Authorization", {
  failure: HttpApiError.Unauthorized,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const channelEndpoint = (channel: string) =>
  HttpApiEndpoint.post(channel, pathOf(channel))
    .setPayload(Payload)
    .addSuccess(Schema.Unknown.annotations({ description: "The IPC handler's answer: { success, error?, ...the channel's fields }" }))
    .addError(Refusal, { status: 400 })
    .addError(Refusal, { status: 413 })
    .annotate(OpenApi.Summary, channel)
    .annotate(OpenApi.Description, `The IPC channel \`${channel}\`: the same arguments, the same answer.`)

type ChannelEndpoint = ReturnType<typeof channelEndpoint>

/**
 * One endpoint per channel, named after it.
 *
 * @since 0.1.0
 * @category Groups
 */
export const channels = Contract.allChannels.reduce<HttpApiGroup.HttpApiGroup<"channels", ChannelEndpoint, never>>(
  (group, channel) => group.add(channelEndpoint(channel)),
  HttpApiGroup.make("channels").annotate(OpenApi.Description, "DB Toolkit's AI channels, one endpoint each")
).middleware(Authorization)

/**
 * The events endpoint: at connect `event: status` (what `ai:providers:status` answers); then, for
 * each provider event, `event: ai-event` (an event as `ai:events:recent` lists it) and a fresh
 * `event: status`; a comment every 15 seconds keeps the connection open.
 *
 * @since 0.1.0
 * @category Groups
 */
export const events = HttpApiGroup.make("events").add(
  HttpApiEndpoint.get("stream", streamPath)
    .addSuccess(HttpApiSchema.Text({ contentType: "text/event-stream" }))
    .annotate(OpenApi.Description, "Server-sent events: `status` at connect; then `ai-event` and a fresh `status` for each event")
).middleware(Authorization)

/**
 * The whole API.
 *
 * @since 0.1.0
 * @category Api
 */
export const api = HttpApi.make("dbtk-ai-ui")
  .add(channels)
  .add(events)
  .annotateContext(OpenApi.annotations({
    title: "DB Toolkit AI",
    version: "0.1.0",
    description: "The IPC channels of @db-toolkit/ai over HTTP on 127.0.0.1, for `dbtk-ai ui`"
  }))
