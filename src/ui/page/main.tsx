/**
 * The local page's entry (`dbtk-ai ui`): takes the token from the URL, sets the theme and
 * renders the {@link App} over an {@link httpBridge} to the server that served the page.
 *
 * @since 0.1.0
 */
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { AiBridgeProvider } from "../../react/context.js"
import { httpBridge } from "../../react/httpBridge.js"
import { App } from "./App.js"
import { applyTheme, initialTheme } from "./theme.js"
import { takeToken } from "./token.js"

const theme = initialTheme()
applyTheme(theme)
const token = takeToken(window.location, window.history, window.sessionStorage)
const root = createRoot(document.getElementById("root")!)

if (token === undefined) {
  root.render(
    <main className="mx-auto max-w-xl p-8">
      <h1 className="mb-2 text-lg font-semibold">This page needs its token</h1>
      <p className="text-sm text-gray-600 dark:text-gray-400">
        Open the address <code className="font-mono">dbtk-ai ui</code> printed first, which ends with <code className="font-mono">#token=…</code>.
        Every launch makes a new one.
      </p>
    </main>
  )
} else {
  const bridge = httpBridge({ token })
  root.render(
    <StrictMode>
      <AiBridgeProvider bridge={bridge}>
        <App bridge={bridge} theme={theme} />
      </AiBridgeProvider>
    </StrictMode>
  )
}
