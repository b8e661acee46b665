/**
 * What the React components need of the AI bridge: the settings panel's part of `DbtkAi` (the
 * Electron preload's `window.dbtkAi`), which `httpBridge` also implements for the local page.
 * Types only, from the preload's types: nothing of the library's runtime reaches the renderer.
 *
 * @since 0.1.0
 */
import type * as Metrics from "../domain/Metrics.js"
import type {
  AiEventView,
  CatalogEntry,
  DbtkAi,
  EventsRecentReply,
  MetricsExportReply,
  MetricsExportRequest,
  MetricsTimelineReply,
  MetricsTimelineRequest,
  OnEventsOptions,
  ProvidersStatusReply
} from "../preload/types.js"

/**
 * A bucket of the usage timeline (`hour` or `day`, UTC).
 *
 * @since 0.1.0
 * @category Metrics
 */
export type TimelineBucket = Metrics.TimelineBucket

/**
 * One provider's usage in one bucket of the timeline (`at`: the bucket's start, epoch ms).
 *
 * @since 0.1.0
 * @category Metrics
 */
export type TimelinePoint = Metrics.TimelinePoint

/**
 * A usage export's format.
 *
 * @since 0.1.0
 * @category Metrics
 */
export type ExportFormat = Metrics.ExportFormat

/** The usage channels' requests and replies, as the preload types them. @since 0.1.0 */
export type { MetricsExportReply, MetricsExportRequest, MetricsTimelineReply, MetricsTimelineRequest }

/** A provider setting as `settings.get` describes it (each catalogue entry's `fields`). @since 0.1.0 */
import type { FieldView } from "../providers/Fields.js"
export type { FieldKind, FieldView } from "../providers/Fields.js"

/**
 * A catalogue entry as `settings.get` lists it, with its field descriptions (optional here, for
 * a main side of an older version that sends none).
 *
 * @since 0.1.0
 * @category Fields
 */
export type CatalogEntryView = Omit<CatalogEntry, "fields"> & { readonly fields?: ReadonlyArray<FieldView> }

/**
 * The bridge the components talk to: `window.dbtkAi` in Electron, `httpBridge(...)` on the local
 * page, or a fake in tests. Every method resolves with a reply and never rejects.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AiBridge {
  readonly settings: Pick<DbtkAi["settings"], "get" | "update">
  readonly providers: Pick<DbtkAi["providers"], "save" | "test" | "models" | "status" | "remove">
  readonly metrics: Pick<DbtkAi["metrics"], "summary" | "timeline" | "export">
  readonly events: { recent(limit?: number): Promise<EventsRecentReply> }
  /** The response cache; absent on a main side of an older version (its section is then hidden). */
  readonly cache?: DbtkAi["cache"] | undefined
  /** Calls `callback` once per provider event; returns the function that stops it. */
  onEvents(callback: (event: AiEventView) => void, options?: OnEventsOptions): () => void
  /**
   * Calls `callback` with each `providers.status` reply the other side pushes (the local page's
   * event stream). A bridge without it (Electron) has its status re-fetched on each event.
   */
  onStatus?(callback: (status: ProvidersStatusReply) => void): () => void
}
