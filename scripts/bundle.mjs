#!/usr/bin/env node
// Completes the build (after tsc -p tsconfig.build.json; `npm run build` and pack-check run it):
// bundles in what the library uses from packages that ship far more than it uses, so an app
// installs none of them, and copies the token counter's tables.
//   vendor/otlp.js     the OTLP exporter of @effect/opentelemetry (not its required peers, the
//                      OpenTelemetry SDK)
//   vendor/http.js     @effect/platform-node's HTTP client on undici (not the package, whose
//                      peers bring Effect's cluster, RPC and workflow packages)
//   cli/main.js        the dbtk-ai CLI with @effect/cli, its printers and @effect/platform-node's
//                      runtime and HTTP server, and the server of `dbtk-ai ui` (ui/server/)
//   internal/tables/   the BPE rank tables internal/Bpe.js reads
//   vendor/sql-parser/ the node-sql-parser grammars the SQL check's worker loads (Apache-2.0, its
//                      LICENSE beside them)
// The runtime dependencies stay imports: the app shares them with the library. So do the
// CLI's imports of the library's own modules (relative paths leaving cli/), so nothing is
// bundled twice. A bundle may import no other package: the build fails if one does.
//
//   node scripts/bundle.mjs [dist]
import * as esbuild from "esbuild"
import { copyFileSync, cpSync, readFileSync, readdirSync, rmSync } from "node:fs"
import { builtinModules } from "node:module"
import { dirname, join, relative, resolve } from "node:path"
import { pathToFileURL } from "node:url"

const dist = resolve(process.argv[2] ?? "dist")
const root = resolve(import.meta.dirname, "..")
// Packages resolve from this checkout's node_modules wherever dist is (pack-check builds in /tmp).
const nodeModules = join(root, "node_modules")
const RUNTIME_PACKAGES = new Set(Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies))
// Native add-ons ws (under @effect/platform-node's HTTP server) requires inside a try, when installed;
// without them it uses its own JavaScript. They stay optional imports, never bundled.
const OPTIONAL_PACKAGES = new Set(["bufferutil", "utf-8-validate"])
const packageOf = (path) => (path.startsWith("@") ? path.split("/").slice(0, 2) : path.split("/").slice(0, 1)).join("/")

// Keeps the shared packages as imports, and a relative import that leaves the bundled folders (the
// library's own modules) as a relative path from the output, which resolves to the same module.
const external = (folder, folders) => ({
  name: "external",
  setup(build) {
    build.onResolve({ filter: /.*/ }, ({ path, importer, kind }) => {
      if (kind === "entry-point") return undefined
      if (RUNTIME_PACKAGES.has(packageOf(path)) || OPTIONAL_PACKAGES.has(path)) return { path, external: true }
      if (!importer.startsWith(dist + "/") || !path.startsWith(".")) return undefined
      const target = resolve(dirname(importer), path)
      if (folders.some((f) => target.startsWith(f + "/"))) return undefined
      const fromOutput = relative(folder, target)
      return { path: fromOutput.startsWith(".") ? fromOutput : `./${fromOutput}`, external: true }
    })
  }
})

// `also`: more folders of dist whose modules go into the bundle.
const bundle = async (entry, { commonJs = false, also = [] } = {}) => {
  const file = join(dist, entry)
  const folder = dirname(file)
  const result = await esbuild.build({
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    metafile: true,
    nodePaths: [nodeModules],
    logLevel: "error",
    plugins: [external(folder, [folder, ...also.map((f) => join(dist, f))])],
    // CommonJS code bundled into ESM (the CLI's toml and ini) gets a require of its own.
    ...(commonJs ? { banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' } } : {})
  })
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports)
  for (const { path, external: isExternal } of imports) {
    if (!isExternal || path.startsWith(".") || path.startsWith("node:") || builtinModules.includes(path)) continue
    if (!RUNTIME_PACKAGES.has(packageOf(path)) && !OPTIONAL_PACKAGES.has(path)) throw new Error(`${entry} imports ${path}, which is not a runtime dependency`)
  }
  return Object.keys(result.metafile.inputs).length
}

const counts = {}
counts["vendor/otlp.js"] = await bundle("vendor/otlp.js")
counts["vendor/http.js"] = await bundle("vendor/http.js")
counts["cli/main.js"] = await bundle("cli/main.js", { commonJs: true, also: ["ui/server"] })
cpSync(join(root, "src", "internal", "tables"), join(dist, "internal", "tables"), { recursive: true })

// The SQL check's grammars: each node-sql-parser build it uses, with big-integer, as one CommonJS
// file its worker loads (node-sql-parser itself is a development dependency only).
const { parserBuilds } = await import(pathToFileURL(join(dist, "internal", "SqlParserBuilds.js")).href)
const grammars = join(dist, "vendor", "sql-parser")
for (const build of parserBuilds) {
  await esbuild.build({
    entryPoints: [join(nodeModules, "node-sql-parser", "build", `${build}.js`)],
    outfile: join(grammars, `${build}.cjs`),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    legalComments: "none",
    logLevel: "error"
  })
}
copyFileSync(join(nodeModules, "node-sql-parser", "LICENSE"), join(grammars, "LICENSE"))
counts["vendor/sql-parser"] = parserBuilds.length

// What was bundled is gone from the folders: only the bundles and the CLI's entry remain there.
// The vendored module's declarations name a package an app does not install; nothing public
// refers to them.
for (const file of readdirSync(join(dist, "vendor"))) if (!file.endsWith(".js") && file !== "sql-parser") rmSync(join(dist, "vendor", file))
for (const file of readdirSync(join(dist, "cli"))) if (file !== "main.js") rmSync(join(dist, "cli", file))
rmSync(join(dist, "ui", "server"), { recursive: true, force: true })
console.log(`bundle: ${Object.entries(counts).map(([entry, n]) => `${entry} (${n} modules)`).join(", ")} in ${relative(process.cwd(), dist) || dist}`)
