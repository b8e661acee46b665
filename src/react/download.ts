/**
 * Saving text as a file from the renderer, as a browser download.
 *
 * @since 0.1.0
 */

/**
 * Offers `content` as a download named `filename` (a Blob behind an object URL, clicked
 * through a link that is removed at once).
 *
 * @since 0.1.0
 * @category Functions
 */
export const download = (filename: string, content: string, type: string): void => {
  const url = URL.createObjectURL(new Blob([content], { type }))
  const link = document.createElement("a")
  link.href = url
  link.download = filename
  link.hidden = true
  document.body.appendChild(link)
  link.click()
  link.remove()
  // Revoked after the click has been handled: revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
