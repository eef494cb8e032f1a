import { readFile } from 'node:fs/promises';
import type { Config } from '../config/load.js';
import { GeoError } from '../errors.js';
import { contentTypeOf, createFetcherFromConfig, type Fetcher } from '../fetch/index.js';

/** Bytes of one input argument and what is known about them. */
export interface Input {
  bytes: Uint8Array;
  contentType?: string;
  /** Final URL after redirects, for URL inputs: the base of relative links. */
  url?: string;
}

/** A URL argument: anything with a scheme (`http:`, but also `file:` or `ftp:`, which the fetcher refuses). */
export function isUrlArgument(arg: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(arg) && !/^[a-z]:[\\/]/i.test(arg);
}

/**
 * Reads FILE or URL. URLs go through the hardened fetcher (SSRF policy, caps, timeouts, robots.txt); the
 * fetcher is made on first use from the configuration, with `--allow-private` added for this run.
 */
export function createInputReader(opts: { config?: () => Config; allowPrivate?: boolean } = {}) {
  let fetcher: Fetcher | undefined;
  return async function readInput(arg: string): Promise<Input> {
    if (isUrlArgument(arg)) {
      if (!opts.config) throw new GeoError('USAGE', `URL inputs need the configuration (${arg})`);
      fetcher ??= createFetcherFromConfig(opts.config().app.fetch, { allowPrivate: opts.allowPrivate });
      const res = await fetcher.fetch(arg);
      if (res.status !== 200) throw new GeoError('EMPTY_RESPONSE', `${arg}: server answered ${res.status}`);
      return { bytes: res.body, contentType: contentTypeOf(res), url: res.finalUrl };
    }
    try {
      return { bytes: await readFile(arg) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      throw new GeoError('INPUT_INVALID', `cannot read ${arg}: ${code}`, { cause: err });
    }
  };
}
