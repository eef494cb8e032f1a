import type { Logger } from '../log.js';
import type { AddressPolicy } from './address-policy.js';
import type { HostLimiter } from './host-limiter.js';
import type { Resolver } from './resolve.js';

/**
 * Where the time went, ms. `resolveMs`, `connectMs` and `headersMs` describe the last hop only and exclude
 * robots.txt and limiter waits (connect = resolve + TCP connect; headers = connect + TLS + server think time);
 * `totalMs` is the whole call.
 */
export interface FetchTimings {
  resolveMs: number;
  connectMs: number;
  headersMs: number;
  totalMs: number;
}

/** A successful fetch: the decoded (decompressed, not charset-decoded) body. */
export interface FetchOk {
  status: 200;
  /** The actual 2xx status (200, 203, …). */
  httpStatus: number;
  body: Uint8Array;
  /** Media type from Content-Type, lower case without parameters; '' when absent. */
  contentType: string;
  /** `charset` parameter of Content-Type, lower case, when given. */
  charset?: string;
  finalUrl: string;
  etag?: string;
  lastModified?: string;
  /** The URLs that redirected, in order (empty without redirects). */
  redirects: string[];
  /** Set when every redirect was permanent (301/308): where the feed now lives. Update only after several consistent observations. */
  permanentRedirect?: string;
  timings: FetchTimings;
}

/** The resource is unchanged since the given validators. */
export interface FetchNotModified {
  status: 304;
  finalUrl: string;
  etag?: string;
  lastModified?: string;
  redirects: string[];
  permanentRedirect?: string;
  timings: FetchTimings;
}

/** Either a body or "not modified"; every failure is thrown as `GeoError` instead. */
export type FetchResult = FetchOk | FetchNotModified;

/** Per-request options. */
export interface FetchRequestOptions {
  /** Sent as If-None-Match. */
  etag?: string;
  /** Sent as If-Modified-Since. */
  lastModified?: string;
  /** Accept header. @defaultValue feeds, HTML and XML, then anything */
  accept?: string;
  /** Aborts the fetch (rejects with `TIMEOUT`, details.aborted). */
  signal?: AbortSignal;
  /** Skip robots.txt for this request (robots.txt itself is always fetched without). */
  skipRobots?: boolean;
}

/** What `createFetcher` returns. */
export interface Fetcher {
  fetch(url: string, opts?: FetchRequestOptions): Promise<FetchResult>;
}

/** Information passed to {@link FetcherOptions.onConnect} for every socket the fetcher connects. */
export interface ConnectInfo {
  host: string;
  address: string;
  port: number;
}

/** Options of `createFetcher`; timeouts in ms. Defaults are those of config `fetch`. */
export interface FetcherOptions {
  /** Full User-Agent override. @defaultValue `geointel/<VERSION> (+<contact>)` */
  userAgent?: string;
  /** URL or mailto: an operator can be reached at; goes into the User-Agent. */
  contact: string;
  /** TCP connect (after DNS). @defaultValue 10000 */
  connectTimeoutMs?: number;
  /** From connect to the end of the response headers (TLS handshake included). @defaultValue 15000 */
  headersTimeoutMs?: number;
  /** Longest silence while reading the body. @defaultValue 15000 */
  idleTimeoutMs?: number;
  /** Whole call: robots.txt, limiter waits, every redirect hop, body. @defaultValue 30000 */
  totalTimeoutMs?: number;
  /** Cap on body bytes after decompression (and on the wire). @defaultValue 15 MiB */
  maxBodyBytes?: number;
  /** Redirects followed; one more is `TOO_MANY_REDIRECTS`. @defaultValue 5 */
  maxRedirects?: number;
  /** CIDRs that may be reached although not public (ignored when `policy` is given). @defaultValue [] */
  allowPrivate?: readonly string[];
  /** Honour robots.txt. @defaultValue true */
  robots?: boolean;
  /** Host name → addresses. @defaultValue the system resolver */
  resolver?: Resolver;
  /** Which addresses may be dialled. @defaultValue `createAddressPolicy({ allowPrivate })` */
  policy?: AddressPolicy;
  /** Per-host politeness. @defaultValue none (no limit) */
  limiter?: HostLimiter;
  /** Exempt allow-listed loopback addresses from the limiter (tests, demo). @defaultValue true */
  exemptLoopbackFromLimiter?: boolean;
  log?: Logger;
  /** Called once per connected socket with the address actually connected to (tests, metrics). */
  onConnect?: (info: ConnectInfo) => void;
}
