import type { FetchFn } from './fetch-port.js';
import { contentTypeOf } from './parse/content-type.js';
import type { HtmlRule, ParseOptions } from './parse/index.js';
import type { ParseDocument } from './types.js';

/** HTTP validators kept per source between polls (ETag / Last-Modified). */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export interface PollRequest extends Validators {
  url: string;
  kind?: ParseOptions['kind'];
  html?: HtmlRule;
  maxItems?: number;
}

export type PollResult =
  | { status: 'not-modified'; finalUrl: string; validators: Validators; permanentRedirect?: string }
  | {
      status: 'ok';
      finalUrl: string;
      validators: Validators;
      doc: ParseDocument;
      /** The body as fetched (decompressed, not charset-decoded) and its Content-Type with charset. */
      body: Uint8Array;
      contentType: string;
      /** Set when every redirect was permanent: where the feed now lives. */
      permanentRedirect?: string;
      fetchMs: number;
      parseMs: number;
    };

/**
 * One poll of a feed or page: a conditional fetch with the validators of the previous poll, then a parse
 * only when the server sent a new body. A 304 costs no parse and yields no items. Fetch and parse are
 * arguments (the hardened fetcher and `parseDocument`), so the stage stays free of I/O of its own.
 */
export async function pollDocument(
  deps: {
    fetch: FetchFn;
    parse: (bytes: Uint8Array, opts: ParseOptions) => Promise<ParseDocument>;
    now?: () => number;
  },
  req: PollRequest,
): Promise<PollResult> {
  const clock = deps.now ?? (() => 0);
  const t0 = clock();
  const res = await deps.fetch(req.url, { etag: req.etag, lastModified: req.lastModified });
  const validators: Validators = {
    etag: res.etag ?? req.etag,
    lastModified: res.lastModified ?? req.lastModified,
  };
  if (res.status === 304)
    return {
      status: 'not-modified',
      finalUrl: res.finalUrl,
      validators,
      permanentRedirect: res.permanentRedirect,
    };
  const t1 = clock();
  const contentType = contentTypeOf(res);
  const doc = await deps.parse(res.body, {
    url: res.finalUrl,
    contentType,
    kind: req.kind,
    html: req.html,
    maxItems: req.maxItems,
  });
  return {
    status: 'ok',
    finalUrl: res.finalUrl,
    validators,
    doc,
    body: res.body,
    contentType,
    permanentRedirect: res.permanentRedirect,
    fetchMs: t1 - t0,
    parseMs: clock() - t1,
  };
}
