/**
 * One small interface in front of every translation backend. A backend translates texts into Chinese with a
 * glossary of term → Chinese pairs that it must keep; every failure is thrown as a `GeoError` (TIMEOUT,
 * NETWORK_ERROR, TRANSLATION_FAILED, TRANSLATION_REFUSED, RESPONSE_TOO_LARGE: src/errors.ts).
 */
import type { GlossaryPair } from '../pipeline/glossary/index.js';

export type { GlossaryPair };

export interface TranslateRequest {
  /** Texts to translate (a story's title and summary), answered in the same order. */
  texts: string[];
  /** ISO 639-1 code of the texts' language, or `auto` when unknown. */
  from: string;
  to: 'zh';
  /** The glossary terms found in the texts, with the Chinese the bulletin writes for them. */
  glossary: GlossaryPair[];
}

export interface Translator {
  /** Which backend: recorded on every draft. */
  readonly backend: 'libretranslate' | 'openai';
  /** The model (OpenAI-compatible backends), recorded on every draft. */
  readonly model?: string;
  /** The translations, one per text; `signal` aborts the request (then TIMEOUT). */
  translate(req: TranslateRequest, signal?: AbortSignal): Promise<string[]>;
}
