/**
 * What a failure to load better-sqlite3's native module means, in one line that names the fix.
 * In an Electron app the usual cause is a module built for Node.js rather than for the app's
 * Electron (another `NODE_MODULE_VERSION`), or one never built or packaged (`bindings` then throws
 * a multi-line "Could not locate the bindings file. Tried: ..." list).
 *
 * @since 0.1.0
 */

/**
 * The commands that rebuild the native module for the app's Electron.
 *
 * @since 0.1.0
 * @category Constants
 */
export const FIX = "run `npx electron-builder install-app-deps` (or `npx @electron/rebuild -f -w better-sqlite3`) in the app's folder, " +
  "then start the app again (a packaged app: package it again)"

const DRIVER = "better-sqlite3, the SQLite driver of @db-toolkit/ai,"

const firstLine = (text: string): string => text.split("\n")[0]!.trim().slice(0, 200)

const PLATFORM = /invalid ELF header|wrong ELF class[^\n]*|incompatible architecture[^\n]*|not a mach-o file|not a valid Win32 application|file too short/i

/**
 * The one-line message for an error thrown while opening a database with better-sqlite3 (the
 * native module is loaded on the first open).
 *
 * @since 0.1.0
 * @category Functions
 */
export const describeLoadFailure = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error)
  const abi = /NODE_MODULE_VERSION\s+(\d+)\.\s+This version of Node\.js requires\s+NODE_MODULE_VERSION\s+(\d+)/.exec(text)
  if (abi !== null) {
    return `${DRIVER} was built for another Node.js or Electron version (NODE_MODULE_VERSION ${abi[1]}; this process needs ${abi[2]}). To fix, ${FIX}.`
  }
  if (text.startsWith("Could not locate the bindings file")) {
    return `${DRIVER} has no native module built for this app (better_sqlite3.node was not found). To fix, ${FIX}.`
  }
  const platform = PLATFORM.exec(text)
  if (platform !== null) {
    return `${DRIVER} was built for another platform or CPU architecture (${firstLine(platform[0])}). To fix, ${FIX}.`
  }
  return `${DRIVER} could not load its native module (${firstLine(text)}). To fix, ${FIX}.`
}
