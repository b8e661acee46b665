/**
 * The page `dbtk-ai ui` serves: `index.html` at `/` and the files of its `assets/` folder at
 * `/assets/*`, from the built page's folder, served without the token (the page reads it from
 * the URL's fragment). Nothing outside `assets/` is reachable: each path segment is decoded once
 * and refused when it could leave the folder, and the file found must still lie inside it once
 * links are followed. When the page is not built, `/` says how to build it.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, type Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Url from "node:url"
import { refuse } from "./Api.js"

// The package's root: the nearest folder above this module with a package.json, whether it runs
// bundled into dist/cli/main.js (in a checkout or an installed package) or from src/ui/server/.
const packageRoot = (): string => {
  const here = Path.dirname(Url.fileURLToPath(import.meta.url))
  for (let dir = here; ; dir = Path.dirname(dir)) {
    if (Fs.existsSync(Path.join(dir, "package.json"))) return dir
    if (Path.dirname(dir) === dir) return here
  }
}

/**
 * The built page's folder, where the build puts it: `dist/ui/page/` in the package.
 *
 * @since 0.1.0
 * @category Folders
 */
export const defaultDir = (): string => Path.join(packageRoot(), "dist", "ui", "page")

/**
 * The paths served without the token.
 *
 * @since 0.1.0
 * @category Paths
 */
export const isPublic = (path: string): boolean => path === "/" || path.startsWith("/assets/")

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".wasm": "application/wasm"
}

/**
 * The content type a file is served with, from its extension.
 *
 * @since 0.1.0
 * @category Files
 */
export const contentTypeOf = (file: string): string => contentTypes[Path.extname(file).toLowerCase()] ?? "application/octet-stream"

/**
 * The file a request path names under `root`, or `undefined` when a segment is empty, `.`, `..`,
 * badly encoded or holds a separator or a NUL once decoded.
 *
 * @since 0.1.0
 * @category Files
 */
export const fileOf = (root: string, path: string): string | undefined => {
  const segments: Array<string> = []
  for (const raw of path.split("?", 1)[0]!.split("/").slice(1)) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return undefined
    }
    if (segment === "" || segment === "." || segment === ".." || /[/\\\0]/.test(segment)) return undefined
    segments.push(segment)
  }
  return segments.length === 0 ? undefined : Path.join(root, ...segments)
}

const notFound = refuse(404, "Not found")

// The file when it is a regular file inside root once links are followed.
const inside = (root: string, file: string) =>
  Effect.tryPromise(async () => {
    const [real, realRoot] = await Promise.all([Fs.promises.realpath(file), Fs.promises.realpath(root)])
    return real.startsWith(realRoot + Path.sep) && (await Fs.promises.stat(real)).isFile() ? real : undefined
  }).pipe(Effect.orElseSucceed(() => undefined))

const serve = (root: string, file: string | undefined, orElse: HttpServerResponse.HttpServerResponse) =>
  file === undefined ? Effect.succeed(orElse) : Effect.flatMap(inside(root, file), (real) =>
    real === undefined
      ? Effect.succeed(orElse)
      : HttpServerResponse.file(real, { headers: { "content-type": contentTypeOf(real) } }).pipe(Effect.orElseSucceed(() => orElse)))

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * What `/` shows when the page is not built.
 *
 * @since 0.1.0
 * @category Files
 */
export const notBuilt = (root: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DB Toolkit AI</title></head>
<body>
<h1>The page is not built</h1>
<p>There is no <code>index.html</code> in <code>${escapeHtml(root)}</code>. Build it (<code>npm run build</code>
in the @db-toolkit/ai checkout writes <code>dist/ui/page/</code>) and reload this page.</p>
<p>The HTTP API answers meanwhile: <code>GET /openapi.json</code> describes it; every call needs
<code>Authorization: Bearer &lt;token&gt;</code>, the token being the end of this page's URL.</p>
</body></html>
`, { contentType: contentTypes[".html"] })

/**
 * The page's routes, serving `root`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (root: string): Layer.Layer<never> =>
  HttpApiBuilder.Router.use((router) =>
    Effect.all([
      router.get("/", serve(root, Path.join(root, "index.html"), notBuilt(root))),
      router.get("/assets/*", Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => serve(root, fileOf(root, request.url), notFound)))
    ])
  )
