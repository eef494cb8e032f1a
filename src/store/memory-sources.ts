/** The in-memory twin of the source state store. */
import { EMPTY_HEALTH } from './redis-sources.js';
import type { SourceState, SourceStateStore, StoredBody } from './types.js';

export function createMemorySourceStore(): SourceStateStore {
  const states = new Map<string, SourceState>();
  const bodies = new Map<string, StoredBody>();
  const get = (id: string): SourceState => states.get(id) ?? { validators: {}, health: { ...EMPTY_HEALTH } };
  return {
    async get(id) {
      return structuredClone(get(id));
    },
    async all() {
      return Object.fromEntries([...states.keys()].sort().map((id) => [id, structuredClone(get(id))]));
    },
    async setValidators(id, v) {
      states.set(id, { ...get(id), validators: { ...v } });
    },
    async setHealth(id, health) {
      states.set(id, { ...get(id), health: { ...health } });
    },
    async putBody(id, body) {
      bodies.set(id, body);
    },
    async getBody(id) {
      return bodies.get(id) ?? null;
    },
  };
}
