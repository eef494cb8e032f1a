/**
 * Trained model versions and the one in use. A retrained model is stored as a new version and used only
 * once an admin promotes it; promoting remembers the version it replaced, so `restore` goes back one step
 * (down to "no version": the configured baseline file). Every process worker asks for the active version once
 * per job (one GET) and loads a version only when that answer changes.
 *
 * Keys (src/store/keys.ts, docs/redis.md):
 * - `<prefix>:model:v:<version>`: the model file (JSON, `geointel.model/1`); versions are immutable.
 * - `<prefix>:model:index`: hash version → a short description (trainedAt, trainedBy, parent, items, storedAt).
 * - `<prefix>:model:active`: the version in use (absent: the baseline file of config `model.baseline`).
 * - `<prefix>:model:history`: list of the versions promotion replaced, newest first (`-` = the baseline file).
 * - `<prefix>:model:seq`: counter of trained versions (`r<n>-<yyyymmdd>`).
 * Promote and restore are one Lua script each, so two admins cannot interleave them.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { GeoError } from '../errors.js';
import { createScorer, type ModelScorer } from '../pipeline/model/scorer.js';
import { type ModelFile, validateModelFile } from '../pipeline/model/serialize.js';
import { redisKeys } from './keys.js';

/** What `model list` shows of a version. */
export interface ModelVersionInfo {
  version: string;
  trainedAt: string;
  trainedBy: string;
  parent?: string;
  /** Training items by origin. */
  items: Record<string, number>;
  /** When it was stored (ISO-8601). */
  storedAt: string;
}

export interface ModelStore {
  /** Stores a new version (INPUT_INVALID when the version exists: versions never change). */
  put(file: ModelFile, storedAt: string): Promise<void>;
  get(version: string): Promise<ModelFile | null>;
  /** Every stored version, oldest first. */
  list(): Promise<ModelVersionInfo[]>;
  /** The version in use; null: none promoted (the baseline file). */
  active(): Promise<string | null>;
  /** Makes a stored version the active one (NOT_FOUND when it is not stored); returns the one it replaced. */
  promote(version: string): Promise<{ previous: string | null; changed: boolean }>;
  /** Goes back to the version the last promotion replaced; null when there is nothing to go back to. */
  restore(): Promise<{ active: string | null; replaced: string | null } | null>;
  /** A fresh version name for a model trained on `date` (YYYYMMDD). */
  nextVersion(date: string): Promise<string>;
}

/** The history's mark for "no version promoted": the baseline file. */
const BASELINE_MARK = '-';

const infoOf = (file: ModelFile, storedAt: string): ModelVersionInfo => ({
  version: file.version,
  trainedAt: file.manifest.trainedAt,
  trainedBy: file.manifest.trainedBy,
  ...(file.manifest.parent ? { parent: file.manifest.parent } : {}),
  items: file.manifest.items,
  storedAt,
});

/**
 * KEYS: active, history, the version's key. ARGV: version, baseline mark.
 * Returns 0 unknown version, 1 promoted (the replaced version pushed on the history), 2 already active.
 */
const PROMOTE_LUA = `
if redis.call('EXISTS', KEYS[3]) == 0 then return {0, false} end
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then return {2, current} end
redis.call('LPUSH', KEYS[2], current or ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
return {1, current or ARGV[2]}
`;

/** KEYS: active, history. ARGV: baseline mark. Returns false (nothing to restore) or {restored, replaced}. */
const RESTORE_LUA = `
local previous = redis.call('LPOP', KEYS[2])
if not previous then return false end
local current = redis.call('GET', KEYS[1]) or ARGV[1]
if previous == ARGV[1] then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], previous) end
return {previous, current}
`;

const orNull = (v: string | null | undefined) => (v && v !== BASELINE_MARK ? v : null);

export function createRedisModelStore(opts: { redis: Redis; prefix: string }): ModelStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  return {
    async put(file, storedAt) {
      const json = JSON.stringify(file);
      const res = await redis
        .multi()
        .set(keys.modelVersion(file.version), json, 'NX')
        .hsetnx(keys.modelIndex(), file.version, JSON.stringify(infoOf(file, storedAt)))
        .exec();
      const err = res?.find(([e]) => e)?.[0];
      if (err) throw err;
      if (res?.[0]?.[1] !== 'OK')
        throw new GeoError('INPUT_INVALID', `model version "${file.version}" exists (versions never change)`);
    },
    async get(version) {
      const json = await redis.get(keys.modelVersion(version));
      return json ? validateModelFile(JSON.parse(json)) : null;
    },
    async list() {
      const all = await redis.hgetall(keys.modelIndex());
      return Object.values(all)
        .map((v) => JSON.parse(v) as ModelVersionInfo)
        .sort((a, b) => a.storedAt.localeCompare(b.storedAt) || a.version.localeCompare(b.version));
    },
    async active() {
      return orNull(await redis.get(keys.modelActive()));
    },
    async promote(version) {
      const [code, previous] = (await redis.eval(
        PROMOTE_LUA,
        3,
        keys.modelActive(),
        keys.modelHistory(),
        keys.modelVersion(version),
        version,
        BASELINE_MARK,
      )) as [number, string | null];
      if (code === 0) throw new GeoError('NOT_FOUND', `no model version "${version}" is stored`);
      return { previous: orNull(previous), changed: code === 1 };
    },
    async restore() {
      const out = (await redis.eval(
        RESTORE_LUA,
        2,
        keys.modelActive(),
        keys.modelHistory(),
        BASELINE_MARK,
      )) as [string, string] | null;
      return out ? { active: orNull(out[0]), replaced: orNull(out[1]) } : null;
    },
    async nextVersion(date) {
      return `r${await redis.incr(keys.modelSeq())}-${date}`;
    },
  };
}

/** The in-memory twin (unit tests; a single process without Redis). */
export function createMemoryModelStore(): ModelStore {
  const versions = new Map<string, { file: ModelFile; info: ModelVersionInfo }>();
  const history: string[] = [];
  let active: string | null = null;
  let seq = 0;
  return {
    async put(file, storedAt) {
      if (versions.has(file.version))
        throw new GeoError('INPUT_INVALID', `model version "${file.version}" exists (versions never change)`);
      versions.set(file.version, { file: structuredClone(file), info: infoOf(file, storedAt) });
    },
    async get(version) {
      const v = versions.get(version);
      return v ? structuredClone(v.file) : null;
    },
    async list() {
      return [...versions.values()]
        .map((v) => v.info)
        .sort((a, b) => a.storedAt.localeCompare(b.storedAt) || a.version.localeCompare(b.version));
    },
    async active() {
      return active;
    },
    async promote(version) {
      if (!versions.has(version)) throw new GeoError('NOT_FOUND', `no model version "${version}" is stored`);
      if (active === version) return { previous: active, changed: false };
      history.unshift(active ?? BASELINE_MARK);
      const previous = active;
      active = version;
      return { previous, changed: true };
    },
    async restore() {
      const previous = history.shift();
      if (previous === undefined) return null;
      const replaced = active;
      active = orNull(previous);
      return { active, replaced };
    },
    async nextVersion(date) {
      seq++;
      return `r${seq}-${date}`;
    },
  };
}

/** Reads and checks a model file from disk (INPUT_INVALID naming the file when it is not a model). */
export function readModelFile(path: string): ModelFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GeoError('INPUT_INVALID', `cannot read model file ${path}: ${(err as Error).message}`);
  }
  return validateModelFile(raw);
}

/** The scorer workers use, kept current with the active version. */
export interface ActiveModel {
  /** The scorer to use now: one GET per call, a load only when the active version changed. */
  current(): Promise<ModelScorer | undefined>;
}

/**
 * Follows `model:active`: with no version promoted (or the store unreadable at first use) the `baseline`
 * scorer is used; a promoted version is loaded once and kept until the active version changes. A version
 * that cannot be loaded is reported through `onError` and the scorer in use stays.
 */
export function followActiveModel(opts: {
  store: Pick<ModelStore, 'active' | 'get'>;
  baseline: ModelScorer | undefined;
  onError?: (err: Error, version: string) => void;
  onChange?: (version: string | null) => void;
}): ActiveModel {
  let loaded: { version: string | null; scorer: ModelScorer | undefined } = {
    version: null,
    scorer: opts.baseline,
  };
  // A version that failed to load is not tried again until the active version changes.
  let failed: string | undefined;
  return {
    async current() {
      const version = await opts.store.active();
      if (version === loaded.version || version === failed) return loaded.scorer;
      failed = undefined;
      if (version === null) {
        loaded = { version: null, scorer: opts.baseline };
        opts.onChange?.(null);
        return loaded.scorer;
      }
      try {
        const file = await opts.store.get(version);
        if (!file) throw new GeoError('NOT_FOUND', `active model version "${version}" is not stored`);
        loaded = { version, scorer: createScorer(file) };
        opts.onChange?.(version);
      } catch (err) {
        failed = version;
        opts.onError?.(err as Error, version);
      }
      return loaded.scorer;
    },
  };
}
