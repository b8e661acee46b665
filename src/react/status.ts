/**
 * The AI status as it changes: `providers.status` replies (pushed by the local page's stream, or
 * re-fetched on each event over Electron) and the fallbacks the events announce.
 *
 * @since 0.1.0
 */
import { useEffect, useState } from "react"
import type { ProviderId } from "../domain/ProviderId.js"
import type { AiEventView, ProvidersStatusReply } from "../preload/types.js"
import type { AiBridge } from "./AiBridge.js"
import { useAiBridge } from "./context.js"

/**
 * A successful `providers.status` reply.
 *
 * @since 0.1.0
 * @category Models
 */
export type ProvidersStatus = Extract<ProvidersStatusReply, { readonly success: true }>

/**
 * A provider serving in place of another: `provider` serves, `instead` of the one that failed
 * (`reason`, when an event said why).
 *
 * @since 0.1.0
 * @category Models
 */
export interface FallbackServing {
  readonly provider: ProviderId
  readonly instead: ProviderId | null
  readonly reason: string | null
}

/**
 * What a status display shows: the last status read (kept when a later read fails, whose message
 * is `error`), and the fallback serving, if any.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AiStatusSnapshot {
  readonly status: ProvidersStatus | undefined
  readonly error: string | undefined
  readonly fallback: FallbackServing | undefined
}

/**
 * Options of {@link subscribeStatus}.
 *
 * @since 0.1.0
 * @category Models
 */
export interface StatusOptions {
  /**
   * How long a `FallbackTaken` event is shown while the status does not name the fallback yet
   * (the fallback's answer, which the status records, may still be on its way): default 60 s,
   * longer than a request may take.
   */
  readonly settleMs?: number
  /** How often a bridge that pushes no status is asked for it besides each event (default 30 s). */
  readonly refreshMs?: number
}

type Taken = Extract<AiEventView, { readonly type: "FallbackTaken" }>

/**
 * Follows the status of `bridge`: calls `listener` with a new {@link AiStatusSnapshot} after the
 * first read and on every change; returns the function that stops it.
 *
 * @since 0.1.0
 * @category Subscriptions
 */
export const subscribeStatus = (bridge: AiBridge, listener: (snapshot: AiStatusSnapshot) => void, options: StatusOptions = {}): (() => void) => {
  let status: ProvidersStatus | undefined
  let error: string | undefined
  // A fallback an event announced that the status does not name yet; once it does, the status
  // says for how long it serves, and only the event's reason is kept.
  let taken: Taken | undefined
  let takenTimer: ReturnType<typeof setTimeout> | undefined
  let reason: { readonly provider: string; readonly error: string } | undefined
  let stopped = false
  // Only the latest read applies: an older answer arriving late must not undo a newer one.
  let reads = 0

  const emit = (): void => {
    if (stopped) return
    const named = status?.fallback_serving ?? null
    if (taken !== undefined && named === taken.to) {
      reason = { provider: taken.to, error: taken.error }
      taken = undefined
      clearTimeout(takenTimer)
    }
    const fallback: FallbackServing | undefined = named !== null
      ? { provider: named, instead: status?.active_provider ?? null, reason: reason?.provider === named ? reason.error : null }
      : taken !== undefined
      ? { provider: taken.to, instead: taken.from, reason: taken.error }
      : undefined
    listener({ status, error, fallback })
  }

  const apply = (reply: ProvidersStatusReply): void => {
    if (reply.success) {
      status = reply
      error = undefined
    } else {
      error = reply.error
    }
    emit()
  }

  const read = (): void => {
    const n = ++reads
    void bridge.providers.status().then((reply) => {
      if (n === reads) apply(reply)
    })
  }

  const onEvent = (event: AiEventView): void => {
    if (event.type === "FallbackTaken") {
      taken = event
      if (takenTimer !== undefined) clearTimeout(takenTimer)
      takenTimer = setTimeout(() => {
        taken = undefined
        emit()
      }, options.settleMs ?? 60_000)
      emit()
    }
    if (bridge.onStatus === undefined) read()
  }

  const stops = [bridge.onEvents(onEvent)]
  if (bridge.onStatus !== undefined) {
    stops.push(bridge.onStatus((reply) => {
      reads++
      apply(reply)
    }))
  } else {
    const timer = setInterval(read, options.refreshMs ?? 30_000)
    stops.push(() => clearInterval(timer))
  }
  read()
  return () => {
    stopped = true
    if (takenTimer !== undefined) clearTimeout(takenTimer)
    for (const stop of stops) stop()
  }
}

/**
 * The AI status of the bridge in use, live (see {@link subscribeStatus}); `undefined` fields
 * until the first read.
 *
 * @since 0.1.0
 * @category Hooks
 */
export const useAiStatus = (options: StatusOptions = {}): AiStatusSnapshot => {
  const bridge = useAiBridge()
  const [snapshot, setSnapshot] = useState<AiStatusSnapshot>({ status: undefined, error: undefined, fallback: undefined })
  const { refreshMs, settleMs } = options
  useEffect(
    () => subscribeStatus(bridge, setSnapshot, { ...(refreshMs === undefined ? {} : { refreshMs }), ...(settleMs === undefined ? {} : { settleMs }) }),
    [bridge, refreshMs, settleMs]
  )
  return snapshot
}
