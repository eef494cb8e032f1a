/**
 * Machine drafts of a story's Chinese, kept apart from the story's record: a draft is shown to editors as a
 * draft (the candidates route attaches it as `machineDraft`) and is never copied into a record's or an
 * edition's `titleZh`/`summaryZh` — only an editor's save puts Chinese there. One draft per story, replaced
 * by a newer one; a failed translation leaves a draft with no text and a visible `note`.
 *
 * Key (src/store/keys.ts, docs/redis.md): `<prefix>:draft:zh:<storyId>`, a string of the draft's JSON, kept as
 * long as the story's record (retention.recordDays).
 */
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';

/** A machine-drafted Chinese title and summary of one story. */
export interface MachineDraft {
  storyId: string;
  /** Null when the translation failed (see `note`). */
  titleZh: string | null;
  summaryZh: string | null;
  /** The backend that drafted it. */
  backend: 'libretranslate' | 'openai';
  /** The model (OpenAI-compatible backends). */
  model?: string;
  /** Language translated from (ISO 639-1, or `auto`). */
  from: string;
  /** When it was drafted (ISO-8601). */
  at: string;
  /** What an editor should know: `translation failed: TIMEOUT`, a summary shortened for the backend. */
  note?: string;
}

export interface DraftStore {
  /** Stores a story's draft, replacing the one before. */
  put(draft: MachineDraft): Promise<void>;
  /** The drafts of these stories, in the same order (null: none). */
  getDrafts(storyIds: readonly string[]): Promise<Array<MachineDraft | null>>;
}

export interface RedisDraftStoreOptions {
  redis: Redis;
  prefix: string;
  /** Days a draft is kept: the record's retention. */
  keepDays: number;
}

export function createRedisDraftStore(opts: RedisDraftStoreOptions): DraftStore {
  const keys = redisKeys(opts.prefix);
  const ttl = Math.round(opts.keepDays * 86_400);
  return {
    async put(draft) {
      await opts.redis.set(keys.machineDraft(draft.storyId), JSON.stringify(draft), 'EX', ttl);
    },
    async getDrafts(storyIds) {
      if (storyIds.length === 0) return [];
      const raw = await opts.redis.mget(...storyIds.map((id) => keys.machineDraft(id)));
      return raw.map((s) => (s ? (JSON.parse(s) as MachineDraft) : null));
    },
  };
}

/** The in-memory twin (unit tests, a single process without Redis). */
export function createMemoryDraftStore(): DraftStore {
  const drafts = new Map<string, MachineDraft>();
  return {
    async put(draft) {
      drafts.set(draft.storyId, structuredClone(draft));
    },
    async getDrafts(storyIds) {
      return storyIds.map((id) => {
        const d = drafts.get(id);
        return d ? structuredClone(d) : null;
      });
    },
  };
}
