/**
 * Machine drafts of the Chinese: the backends behind one interface, chosen by config `translation`
 * (docs/translation.md). `backend: none` (the default) gives no translator, and then nothing is translated.
 */
import type { AppConfig } from '../config/app-schema.js';
import { GeoError } from '../errors.js';
import { createLibreTranslate } from './libretranslate.js';
import { createOpenAiChat } from './openai-chat.js';
import type { Translator } from './types.js';

export { createLibreTranslate } from './libretranslate.js';
export { createOpenAiChat, systemPrompt } from './openai-chat.js';
export { clip, type DraftInput, draftInput, needsDraft } from './request.js';
export type { GlossaryPair, TranslateRequest, Translator } from './types.js';

/** Largest answer read from a backend (a story's Chinese is a few kilobytes; JSON and metadata around it). */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The configured translator, or null for `backend: none`. */
export function createTranslator(t: AppConfig['translation']): Translator | null {
  if (t.backend === 'none') return null;
  if (!t.url) throw new GeoError('CONFIG_INVALID', `translation.backend ${t.backend} needs translation.url`);
  const common = {
    url: t.url,
    apiKey: t.apiKey,
    timeoutMs: t.timeoutMs,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  };
  if (t.backend === 'libretranslate') return createLibreTranslate({ ...common, target: t.target });
  if (!t.model) throw new GeoError('CONFIG_INVALID', 'translation.backend openai needs translation.model');
  return createOpenAiChat({ ...common, model: t.model });
}
