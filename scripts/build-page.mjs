#!/usr/bin/env node
// Builds the page `dbtk-ai ui` serves (src/ui/page/) into a folder, dist/ui/page/ by default:
//   index.html, assets/app.js  the page and the React components (@db-toolkit/ai/react) with
//                              React, recharts and lucide-react, bundled by esbuild: no CDN
//   assets/app.css             Tailwind 3 (darkMode "class", as DB Toolkit), only the classes the
//                              page and the components use
//   assets/favicon.svg
// `npm run build` and `npm run ui` run it; the browser tests call buildPage with a folder of their own.
//
//   node scripts/build-page.mjs [out]
import * as esbuild from "esbuild"
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import postcss from "postcss"
import tailwindcss from "tailwindcss"

const root = resolve(import.meta.dirname, "..")
const source = join(root, "src", "ui", "page")

/** What Tailwind scans: the page and the components, as an app's config names the built files. */
export const tailwindConfig = {
  content: [join(source, "**/*.{ts,tsx,html}"), join(root, "src", "react", "**/*.{ts,tsx}")],
  darkMode: "class",
  theme: { extend: {} },
  plugins: []
}

/** Builds the page into `out` (emptied first); resolves with each file's size in bytes. */
export const buildPage = async (out = join(root, "dist", "ui", "page")) => {
  rmSync(out, { recursive: true, force: true })
  mkdirSync(join(out, "assets"), { recursive: true })
  await esbuild.build({
    entryPoints: [join(source, "main.tsx")],
    outfile: join(out, "assets", "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    jsx: "automatic",
    minify: true,
    legalComments: "none",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning"
  })
  const css = await postcss([tailwindcss(tailwindConfig)]).process(readFileSync(join(source, "styles.css"), "utf8"), { from: join(source, "styles.css") })
  writeFileSync(join(out, "assets", "app.css"), css.css)
  copyFileSync(join(source, "index.html"), join(out, "index.html"))
  copyFileSync(join(source, "favicon.svg"), join(out, "assets", "favicon.svg"))
  const files = ["index.html", "assets/app.js", "assets/app.css", "assets/favicon.svg"]
  return Object.fromEntries(files.map((f) => [f, statSync(join(out, f)).size]))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = resolve(process.argv[2] ?? join(root, "dist", "ui", "page"))
  const sizes = await buildPage(out)
  // On stderr: `npm run ui` builds first, and the page's address stays the first line on stdout.
  console.error(`page built in ${out}: ${Object.entries(sizes).map(([f, n]) => `${f} ${(n / 1024).toFixed(1)} KiB`).join(", ")}`)
}
