/**
 * The page's token: `dbtk-ai ui` prints the page's URL with it in the fragment
 * (`#token=...`), which never reaches a server or a log. The page keeps it for the tab's life
 * (sessionStorage, so a reload still works) and takes it out of the address bar.
 *
 * @since 0.1.0
 */

const key = "dbtk-ai-token"

// A token is what the server generates: URL-safe base64, bounded.
const wellFormed = (token: string): boolean => /^[A-Za-z0-9_-]{16,256}$/.test(token)

/**
 * The token from the URL's fragment (then kept, and the fragment removed) or the one kept
 * earlier in this tab; `undefined` when there is none.
 *
 * @since 0.1.0
 * @category Functions
 */
export const takeToken = (location: Location, history: History, storage: Storage): string | undefined => {
  const fromUrl = new URLSearchParams(location.hash.replace(/^#/, "")).get("token")
  if (fromUrl !== null && wellFormed(fromUrl)) {
    storage.setItem(key, fromUrl)
    history.replaceState(null, "", location.pathname + location.search)
    return fromUrl
  }
  const kept = storage.getItem(key)
  return kept !== null && wellFormed(kept) ? kept : undefined
}
