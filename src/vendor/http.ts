/**
 * `@effect/platform-node`'s HTTP client on undici, which the electron entry and the CLI send with
 * (Node's `fetch` costs about 1.5x its CPU per request through the full stack: `npm run bench`,
 * `aiservice` against `aiservice-fetch`). The build bundles it into `dist/vendor`
 * (scripts/bundle.mjs), so an app installs `undici` but not `@effect/platform-node`, whose peers
 * bring Effect's cluster, RPC and workflow packages and two native modules.
 *
 * @since 0.1.0
 * @internal
 */
export { layerUndici } from "@effect/platform-node/NodeHttpClient"
