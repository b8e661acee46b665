/**
 * What every component test needs: a render inside an AiBridgeProvider, cleanup after each test
 * (vitest runs without globals, so Testing Library cannot register it itself). jsdom has no
 * ResizeObserver: recharts' ResponsiveContainer then keeps its initial size and the charts render.
 */
import { cleanup, render } from "@testing-library/react"
import { userEvent } from "@testing-library/user-event"
import type { ReactElement } from "react"
import { afterEach } from "vitest"
import { type AiBridge, AiBridgeProvider } from "../../src/react/index.js"

afterEach(cleanup)

/** Renders `ui` talking to `bridge`, with a user driving it. */
export const renderWith = (bridge: AiBridge, ui: ReactElement) => ({
  user: userEvent.setup(),
  ...render(<AiBridgeProvider bridge={bridge}>{ui}</AiBridgeProvider>)
})
