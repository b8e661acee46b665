/**
 * An incremental reader of server-sent events (the `text/event-stream` format): text goes in as
 * it arrives, in chunks cut anywhere, and whole events come out.
 *
 * @since 0.1.0
 */

/**
 * One event: its type (`message` when the stream names none) and its data lines joined by `\n`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SseEvent {
  readonly event: string
  readonly data: string
}

/**
 * A reader: `push` takes the next decoded text and returns the events it completed; `retryMs` is
 * the reconnection delay the stream asked for (its last `retry:` field), if any.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SseReader {
  push(text: string): ReadonlyArray<SseEvent>
  readonly retryMs: number | undefined
}

/**
 * A new reader, for one connection.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const sseReader = (): SseReader => {
  let pending = ""
  // A chunk may end between the `\r` and the `\n` of one line end: the `\n` is not a second line.
  let afterCr = false
  let event = ""
  let data: Array<string> = []
  let retryMs: number | undefined

  const line = (text: string, out: Array<SseEvent>): void => {
    if (text === "") {
      if (data.length > 0) out.push({ event: event || "message", data: data.join("\n") })
      event = ""
      data = []
      return
    }
    if (text.startsWith(":")) return
    const colon = text.indexOf(":")
    const field = colon < 0 ? text : text.slice(0, colon)
    const value = colon < 0 ? "" : text.slice(colon + (text[colon + 1] === " " ? 2 : 1))
    if (field === "event") event = value
    else if (field === "data") data.push(value)
    else if (field === "retry" && /^\d+$/.test(value)) retryMs = Number(value)
  }

  return {
    push(text) {
      const out: Array<SseEvent> = []
      if (text === "") return out
      let start = 0
      if (afterCr && text.startsWith("\n")) start = 1
      afterCr = false
      for (let i = start; i < text.length; i++) {
        const c = text[i]
        if (c !== "\r" && c !== "\n") continue
        line(pending + text.slice(start, i), out)
        pending = ""
        if (c === "\r") {
          if (text[i + 1] === "\n") i++
          else if (i === text.length - 1) afterCr = true
        }
        start = i + 1
      }
      pending += text.slice(start)
      return out
    },
    get retryMs() {
      return retryMs
    }
  }
}
