/**
 * LibreTranslate (and servers speaking its API): `POST <url>/translate` with
 * `{ q: [texts], source, target, format: "text", api_key? }`, answered `{ translatedText: [texts] }`.
 *
 * LibreTranslate takes no glossary. Terms are protected by placeholders (src/translate/placeholders.ts): each
 * glossary term in a text becomes `[#n]`, and `[#n]` in the translation becomes the term's Chinese. A text whose
 * placeholders do not all come back is translated once more without them (that text then has the engine's own
 * wording of its terms; the rest keep the glossary).
 */
import { GeoError } from '../errors.js';
import { compilePairs } from '../pipeline/glossary/index.js';
import { endpoint, postJson } from './http.js';
import { protectTerms, restoreTerms } from './placeholders.js';
import type { Translator } from './types.js';

export interface LibreTranslateOptions {
  /** The server, e.g. `http://10.0.0.5:5000`. */
  url: string;
  apiKey?: string;
  /** The server's code for Simplified Chinese. @defaultValue 'zh' */
  target?: string;
  timeoutMs: number;
  maxResponseBytes: number;
}

const WHAT = 'LibreTranslate';

export function createLibreTranslate(o: LibreTranslateOptions): Translator {
  const url = endpoint(o.url, 'translate');
  const target = o.target ?? 'zh';

  async function call(q: string[], source: string, signal?: AbortSignal): Promise<string[]> {
    const body = { q, source, target, format: 'text', ...(o.apiKey ? { api_key: o.apiKey } : {}) };
    const json = (await postJson(url, body, {
      what: WHAT,
      timeoutMs: o.timeoutMs,
      maxResponseBytes: o.maxResponseBytes,
      signal,
    })) as { translatedText?: unknown } | null;
    const t = json?.translatedText;
    const list = typeof t === 'string' && q.length === 1 ? [t] : t;
    if (!Array.isArray(list) || list.length !== q.length || !list.every((s) => typeof s === 'string'))
      throw new GeoError(
        'TRANSLATION_FAILED',
        `${WHAT} answered without translatedText for ${q.length} text${q.length === 1 ? '' : 's'}`,
      );
    return list as string[];
  }

  return {
    backend: 'libretranslate',
    async translate(req, signal) {
      if (req.texts.length === 0) return [];
      const source = req.from || 'auto';
      const glossary = compilePairs(req.glossary);
      const guarded = req.texts.map((t) => protectTerms(t, glossary));
      const first = await call(
        guarded.map((g, i) => g?.text ?? req.texts[i]!),
        source,
        signal,
      );
      const out = first.map((t, i) => (guarded[i] ? restoreTerms(t, guarded[i]!.slots) : t));
      const lost = out.flatMap((t, i) => (t === null ? [i] : []));
      if (lost.length > 0) {
        const again = await call(
          lost.map((i) => req.texts[i]!),
          source,
          signal,
        );
        lost.forEach((i, k) => {
          out[i] = again[k]!;
        });
      }
      return out.map((t) => t!.trim());
    },
  };
}
