/**
 * The pages' static files: the browser modules compiled from src/web/client by `npm run build`
 * (tsc -p src/web/client/tsconfig.json → dist/web/client/*.js) and the stylesheet (src/web/styles.ts), read
 * once when the API starts and served from memory with an ETag. Pages name them with a `?v=<hash>` so a new
 * build is fetched at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { APP_CSS } from './styles.js';

/** Where the build puts the browser modules (the same path from src/web and from dist/web). */
export const CLIENT_DIR = fileURLToPath(new URL('../../dist/web/client/', import.meta.url));

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export interface WebAssets {
  /** The URL a page uses for an asset (`/web/assets/<name>?v=<hash>`). */
  url(name: string): string;
  get(name: string): Asset | undefined;
  /** Whether the browser modules were found (false: `npm run build` has not run). */
  built: boolean;
}

/** File names an asset may have (what the route's schema allows too). */
export const ASSET_NAME = /^[a-z][a-z0-9-]{0,40}\.(js|css)$/;

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function asset(name: string, body: Buffer): Asset {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { body, type: TYPES[ext]!, etag: `"${hash}"` };
}

export function loadAssets(dir = CLIENT_DIR): WebAssets {
  const files = new Map<string, Asset>();
  files.set('app.css', asset('app.css', Buffer.from(APP_CSS, 'utf8')));
  const built = existsSync(dir);
  if (built)
    for (const name of readdirSync(dir))
      if (ASSET_NAME.test(name) && name.endsWith('.js'))
        files.set(name, asset(name, readFileSync(`${dir}/${name}`)));
  return {
    url: (name) => `/web/assets/${name}?v=${files.get(name)?.etag.slice(1, -1) ?? 'missing'}`,
    get: (name) => files.get(name),
    built: built && files.has('shell.js'),
  };
}
