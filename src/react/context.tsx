/**
 * Which bridge the components talk to: the one an {@link AiBridgeProvider} gives, else
 * `window.dbtkAi` (the Electron preload's).
 *
 * @since 0.1.0
 */
import { createContext, type ReactNode, useContext } from "react"
import type { AiBridge } from "./AiBridge.js"

const BridgeContext = createContext<AiBridge | undefined>(undefined)

/**
 * Gives `bridge` to the components below it (`httpBridge(...)` on the local page, a fake in tests).
 *
 * @since 0.1.0
 * @category Components
 */
export const AiBridgeProvider = ({ bridge, children }: { readonly bridge: AiBridge; readonly children?: ReactNode }) => (
  <BridgeContext.Provider value={bridge}>{children}</BridgeContext.Provider>
)

// Read through `globalThis`: on the local page there is no preload, and `window.dbtkAi` is absent
// whatever the `Window` type says.
const fromWindow = (): AiBridge | undefined => (globalThis as { readonly dbtkAi?: AiBridge }).dbtkAi

/**
 * The bridge in use: the nearest {@link AiBridgeProvider}'s, else `window.dbtkAi`; throws when
 * there is neither (a setup error, not a state to render).
 *
 * @since 0.1.0
 * @category Hooks
 */
export const useAiBridge = (): AiBridge => {
  const bridge = useContext(BridgeContext) ?? fromWindow()
  if (bridge === undefined) throw new Error("useAiBridge: no AiBridgeProvider above and no window.dbtkAi (is the preload's exposeAi called?)")
  return bridge
}
