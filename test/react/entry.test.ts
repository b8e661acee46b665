// The React entry runs in the renderer: it may load React, recharts and lucide-react, and of the
// library only its own files, its types aside (no Effect, no runtime module of the library).
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import * as ProviderId from "../../src/domain/ProviderId.js"
import { providerNames } from "../../src/react/format.js"
import { checkField, fieldOfFailure, plainField, providerFieldOfFailure } from "../../src/react/fields.js"

const dir = resolve(import.meta.dirname, "../../src/react")
const ALLOWED = new Set(["react", "react/jsx-runtime", "recharts", "lucide-react"])

// Every `import`/`export ... from` of a file, with whether it is type-only.
const importsOf = (source: string) =>
  [...source.matchAll(/^(import|export)\s+(type\s+)?[^"';]*?from\s+"([^"]+)"/gms)].map((m) => ({ spec: m[3]!, typeOnly: m[2] !== undefined }))

describe("the React entry", () => {
  it("loads nothing at run time but its own modules, React, recharts and lucide-react", () => {
    const files = readdirSync(dir).filter((f) => /\.tsx?$/.test(f))
    expect(files).toContain("index.ts")
    const runtime = files.flatMap((f) => importsOf(readFileSync(join(dir, f), "utf8")).filter((i) => !i.typeOnly).map((i) => ({ file: f, spec: i.spec })))
    expect(runtime.length).toBeGreaterThan(10)
    const stray = runtime.filter(({ spec }) => !ALLOWED.has(spec) && !/^\.\/[A-Za-z]+\.js$/.test(spec))
    expect(stray).toEqual([])
  })

  it("names providers as the main side does", () => {
    expect(providerNames).toEqual(ProviderId.displayName)
  })
})

describe("field checks", () => {
  const url = { ...plainField("baseUrl", "url"), label: "Base URL" }
  it("accepts the URL forms people type for a server and refuses the rest", () => {
    for (const ok of ["https://api.openai.com/v1", "http://127.0.0.1:11434", "localhost:11434", ":11434", "myhost", "[::1]:8080/api"]) {
      expect(checkField(url, ok)).toBeUndefined()
    }
    for (const bad of ["ftp://host", "https://", "not a url", "http://exa mple.com"]) expect(checkField(url, bad)).toBe("Base URL must be a URL such as https://host or host:port")
  })

  it("checks options and JSON, and finds the field a dotted failure names", () => {
    expect(checkField({ ...plainField("v", "enum"), label: "V", options: ["a", "b"] }, "c")).toBe("V must be one of a, b")
    expect(checkField({ ...plainField("s", "json"), label: "S" }, "{")).toBe("S must be valid JSON")
    expect(fieldOfFailure({ success: false, error: "x", field: "safetySettings.0.threshold" }, ["safetySettings", "model"])).toBe("safetySettings")
    expect(fieldOfFailure({ success: false, error: "x", field: "budget.dailyUsd" }, ["budget.dailyUsd"])).toBe("budget.dailyUsd")
    expect(fieldOfFailure({ success: false, error: "x", field: "(config)" }, ["model"])).toBeUndefined()
  })

  it("puts a provider's refusal that names no field by the field to change", () => {
    const fields = [plainField("accountId", "string"), plainField("apiToken", "secret"), plainField("model", "string")]
    const refused = (error_kind: string, field?: string) => ({ success: false as const, error: "x", error_kind, ...(field !== undefined ? { field } : {}) })
    expect(providerFieldOfFailure(refused("AuthenticationError"), fields)).toBe("apiToken")
    expect(providerFieldOfFailure(refused("ModelNotFound"), fields)).toBe("model")
    expect(providerFieldOfFailure(refused("AuthenticationError", "accountId"), fields)).toBe("accountId")
    expect(providerFieldOfFailure(refused("ProviderUnavailable"), fields)).toBeUndefined()
    expect(providerFieldOfFailure(refused("AuthenticationError"), [plainField("baseUrl", "string")])).toBeUndefined()
  })
})
