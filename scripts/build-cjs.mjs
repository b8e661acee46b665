#!/usr/bin/env node
// Builds the CommonJS copy of the entries a CommonJS file must be able to `require` anywhere (the
// preload bridge: Electron preloads are CommonJS, and a require(esm) fallback is not something to
// count on in a renderer): each entry and every module of the package it imports, transpiled from
// the ESM build (`<dist>/...`) into `<dist>/cjs/...`, with a package.json that marks that folder
// CommonJS. An entry built here must need nothing outside the package (no Effect): the build
// fails if one of its modules imports a package.
//
//   node scripts/build-cjs.mjs [dist]    (after tsc -p tsconfig.build.json)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import ts from "typescript"

const ENTRIES = ["preload/index.js"]

const dist = resolve(process.argv[2] ?? "dist")
const out = join(dist, "cjs")
const done = new Set()
const queue = ENTRIES.map((entry) => join(dist, entry))
while (queue.length > 0) {
  const file = queue.pop()
  if (done.has(file)) continue
  done.add(file)
  const source = readFileSync(file, "utf8")
  for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
    if (!fileName.startsWith(".")) throw new Error(`${relative(dist, file)} imports ${fileName}: a CommonJS entry must need nothing outside the package`)
    queue.push(resolve(dirname(file), fileName))
  }
  const { outputText } = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false }
  })
  const target = join(out, relative(dist, file))
  mkdirSync(dirname(target), { recursive: true })
  // The source map comment points at the ESM file's map, which does not describe this file.
  writeFileSync(target, outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n"))
}
writeFileSync(join(out, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`)
console.log(`build-cjs: ${done.size} modules in ${relative(process.cwd(), out) || out}`)
