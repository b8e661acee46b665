/**
 * The local page: DB Toolkit's AI parts laid out as in the app — the assistant, the settings
 * modal's AI tab, the usage panel — with the status bar at the bottom.
 *
 * @since 0.1.0
 */
import { BarChart3, Database, MessageSquare, Moon, Settings, Sun } from "lucide-react"
import { type KeyboardEvent, type ReactNode, useRef, useState } from "react"
import { AiSettings } from "../../react/AiSettings.js"
import { AiStatusIndicator } from "../../react/AiStatusIndicator.js"
import { AiUsagePanel } from "../../react/AiUsagePanel.js"
import type { HttpBridge } from "../../react/httpBridge.js"
import { Assistant } from "./Assistant.js"
import { applyTheme, type Theme } from "./theme.js"

type Section = "assistant" | "settings" | "usage"

const sections: ReadonlyArray<{ readonly id: Section; readonly label: string; readonly icon: ReactNode }> = [
  { id: "assistant", label: "Assistant", icon: <MessageSquare size={16} aria-hidden /> },
  { id: "settings", label: "AI settings", icon: <Settings size={16} aria-hidden /> },
  { id: "usage", label: "Usage", icon: <BarChart3 size={16} aria-hidden /> }
]

const initialSection = (): Section => {
  const asked = new URLSearchParams(window.location.search).get("section")
  return sections.some((s) => s.id === asked) ? asked as Section : "assistant"
}

/**
 * The page.
 *
 * @since 0.1.0
 * @category Components
 */
export const App = ({ bridge, theme: firstTheme }: { readonly bridge: HttpBridge; readonly theme: Theme }) => {
  const [section, setSection] = useState<Section>(initialSection)
  const [theme, setTheme] = useState<Theme>(firstTheme)
  const tabs = useRef<Array<HTMLButtonElement | null>>([])

  const toggleTheme = () => {
    const next = theme === "dark" ? "light" : "dark"
    applyTheme(next)
    setTheme(next)
  }

  // The tab list's keys (WAI-ARIA tabs): arrows move and select, Home and End go to the ends.
  const onTabKey = (e: KeyboardEvent, index: number) => {
    const last = sections.length - 1
    const to = e.key === "ArrowDown" || e.key === "ArrowRight"
      ? (index === last ? 0 : index + 1)
      : e.key === "ArrowUp" || e.key === "ArrowLeft"
      ? (index === 0 ? last : index - 1)
      : e.key === "Home"
      ? 0
      : e.key === "End"
      ? last
      : undefined
    if (to === undefined) return
    e.preventDefault()
    setSection(sections[to]!.id)
    tabs.current[to]?.focus()
  }

  return (
    <div className="flex h-full flex-col">
      <header className="flex items-center justify-between border-b border-gray-200 bg-white px-4 py-2 dark:border-gray-700 dark:bg-gray-800">
        <h1 className="flex items-center gap-2 text-base font-semibold">
          <Database size={18} className="text-blue-600 dark:text-blue-400" aria-hidden />
          DB Toolkit AI
        </h1>
        <button
          type="button"
          className="rounded-lg p-2 text-gray-600 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500 dark:text-gray-300 dark:hover:bg-gray-700"
          aria-label="Dark theme"
          aria-pressed={theme === "dark"}
          onClick={toggleTheme}
        >
          {theme === "dark" ? <Moon size={18} aria-hidden /> : <Sun size={18} aria-hidden />}
        </button>
      </header>
      <div className="flex min-h-0 flex-1">
        <nav className="w-48 shrink-0 border-r border-gray-200 bg-white p-2 dark:border-gray-700 dark:bg-gray-800">
          <div role="tablist" aria-label="Sections" aria-orientation="vertical" className="flex flex-col gap-1">
            {sections.map((s, i) => (
              <button
                key={s.id}
                ref={(el) => void (tabs.current[i] = el)}
                type="button"
                role="tab"
                id={`tab-${s.id}`}
                aria-selected={section === s.id}
                aria-controls={`panel-${s.id}`}
                tabIndex={section === s.id ? 0 : -1}
                onClick={() => setSection(s.id)}
                onKeyDown={(e) => onTabKey(e, i)}
                className={`flex items-center gap-2 rounded-lg px-3 py-2 text-left text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500 ${
                  section === s.id
                    ? "bg-blue-50 text-blue-700 dark:bg-blue-900/30 dark:text-blue-300"
                    : "text-gray-700 hover:bg-gray-100 dark:text-gray-300 dark:hover:bg-gray-700"
                }`}
              >
                {s.icon}
                {s.label}
              </button>
            ))}
          </div>
        </nav>
        <main id={`panel-${section}`} role="tabpanel" aria-labelledby={`tab-${section}`} className="min-w-0 flex-1 overflow-y-auto p-6">
          <div className="mx-auto h-full max-w-4xl">
            {section === "assistant" ? <Assistant bridge={bridge} /> : null}
            {section === "settings"
              ? (
                <section aria-labelledby="settings-title" className="rounded-lg bg-white p-6 shadow-sm dark:bg-gray-800">
                  <h2 id="settings-title" className="mb-4 text-lg font-semibold">AI settings</h2>
                  <AiSettings />
                </section>
              )
              : null}
            {section === "usage"
              ? (
                <section aria-labelledby="usage-title" className="rounded-lg bg-white p-6 shadow-sm dark:bg-gray-800">
                  <h2 id="usage-title" className="mb-4 text-lg font-semibold">Usage</h2>
                  <AiUsagePanel />
                </section>
              )
              : null}
          </div>
        </main>
      </div>
      <footer className="flex h-7 items-center justify-between border-t border-gray-200 bg-gray-100 px-3 text-xs text-gray-600 dark:border-gray-700 dark:bg-gray-800 dark:text-gray-400">
        <AiStatusIndicator />
        <span>Local page · 127.0.0.1</span>
      </footer>
    </div>
  )
}
