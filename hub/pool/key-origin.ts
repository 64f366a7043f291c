/** Where a batch of pooled keys came from and when it arrived; recorded on every key it inserts. */
export interface KeyOrigin {
  /** Arrival time, already truncated to TRUNCATE_WINDOW (it becomes created_at). */
  arrivedAt: Date;
  /** True for keys from one of this hub's own nodes (served to partners asking for local provenance only). */
  localProvenance: boolean;
  /** The source that brought them (its id in federation_in_queries), so they are never served back to it. */
  originQueryId: number | null;
  /** The import of export files that brought them (its id in imports), when that is the source. */
  originImportId?: number | null;
}
