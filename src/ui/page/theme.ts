/**
 * Light and dark, as DB Toolkit does it: Tailwind's `dark` class on `<html>`. The first theme is
 * `?theme=` in the URL, else the one chosen last time, else the system's.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export type Theme = "light" | "dark"

const key = "dbtk-ai-theme"

/**
 * The theme to start with.
 *
 * @since 0.1.0
 * @category Functions
 */
export const initialTheme = (): Theme => {
  const asked = new URLSearchParams(window.location.search).get("theme") ?? window.localStorage.getItem(key)
  if (asked === "light" || asked === "dark") return asked
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"
}

/**
 * Shows `theme` and remembers it.
 *
 * @since 0.1.0
 * @category Functions
 */
export const applyTheme = (theme: Theme): void => {
  document.documentElement.classList.toggle("dark", theme === "dark")
  document.documentElement.style.colorScheme = theme
  window.localStorage.setItem(key, theme)
}
