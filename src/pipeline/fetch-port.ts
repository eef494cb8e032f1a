/**
 * What a pipeline stage needs from a fetcher, described structurally so that src/pipeline does not import
 * src/fetch: the hardened fetcher's `fetch` (src/fetch/types.ts `Fetcher['fetch']`) satisfies it.
 */

/** A body: the fields of src/fetch's `FetchOk` a stage reads. */
export interface PortFetchOk {
  status: 200;
  /** Decompressed, not charset-decoded. */
  body: Uint8Array;
  /** Media type, lower case without parameters; '' when absent. */
  contentType: string;
  /** `charset` parameter of Content-Type, lower case, when given. */
  charset?: string;
  finalUrl: string;
  etag?: string;
  lastModified?: string;
  /** Set when every redirect was permanent (301/308): where the feed now lives. */
  permanentRedirect?: string;
}

/** "Not modified": the fields of src/fetch's `FetchNotModified` a stage reads. */
export interface PortFetchNotModified {
  status: 304;
  finalUrl: string;
  etag?: string;
  lastModified?: string;
  permanentRedirect?: string;
}

/** A conditional fetch; every failure is thrown (as `GeoError`). */
export type FetchFn = (
  url: string,
  opts?: { etag?: string; lastModified?: string; signal?: AbortSignal },
) => Promise<PortFetchOk | PortFetchNotModified>;
