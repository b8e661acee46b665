/**
 * The Tailwind classes the components share, in DB Toolkit's look (gray and blue, `rounded-lg`,
 * `text-sm`, with `dark:` variants). Written out in full so the app's Tailwind finds them.
 *
 * @since 0.1.0
 */

/** A field's visible label. */
export const label = "block text-sm font-medium text-gray-700 dark:text-gray-300"

/** A field's help text. */
export const help = "mt-1 text-xs text-gray-500 dark:text-gray-400"

/** The message shown under a field that is wrong. */
export const fieldError = "mt-1 text-sm text-red-600 dark:text-red-400"

/** The text inputs, selects and text areas; `invalid` gives the red border. */
export const input = (invalid: boolean): string =>
  `w-full px-3 py-2 text-sm border rounded-lg bg-white dark:bg-gray-700 text-gray-900 dark:text-gray-100 placeholder-gray-400 dark:placeholder-gray-500 focus:outline-none focus:ring-2 focus:ring-blue-500 ${
    invalid ? "border-red-500" : "border-gray-300 dark:border-gray-600"
  }`

/** A checkbox. */
export const checkbox = "w-4 h-4 rounded text-blue-600 focus:ring-2 focus:ring-blue-500"

const button = "inline-flex items-center justify-center gap-2 rounded-lg px-3 py-1.5 text-sm font-medium transition-colors focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500 disabled:opacity-50 disabled:cursor-not-allowed"

/** The buttons, by role in a form. */
export const buttons = {
  primary: `${button} bg-blue-600 text-white hover:bg-blue-700 dark:bg-blue-500 dark:hover:bg-blue-600`,
  secondary: `${button} border border-gray-300 text-gray-700 hover:bg-gray-50 dark:border-gray-600 dark:text-gray-300 dark:hover:bg-gray-700`,
  danger: `${button} bg-red-600 text-white hover:bg-red-700 dark:bg-red-500 dark:hover:bg-red-600`,
  icon: "inline-flex items-center gap-1 rounded px-1.5 py-1 text-xs text-gray-600 hover:bg-gray-200 dark:text-gray-400 dark:hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500 disabled:opacity-40 disabled:cursor-not-allowed"
} as const

/** A section of a panel. */
export const card = "rounded-lg border border-gray-200 dark:border-gray-700 bg-white dark:bg-gray-800 p-4"

/** A section's heading. */
export const heading = "text-sm font-semibold text-gray-900 dark:text-gray-100"

/** An error shown in place. */
export const alert = "flex items-start gap-2 rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-700 dark:border-red-800 dark:bg-red-900/20 dark:text-red-300"

/** A success shown in place. */
export const success = "flex items-start gap-2 rounded-lg border border-green-200 bg-green-50 p-3 text-sm text-green-700 dark:border-green-800 dark:bg-green-900/20 dark:text-green-300"

/** A small state pill. */
export const pill = "inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium"
