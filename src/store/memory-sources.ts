/** The in-memory twin of the source state store. */
import { EMPTY_HEALTH, utcDay, weekDays } from './redis-sources.js';
import type { SourceState, SourceStateStore, StoredBody } from './types.js';

export function createMemorySourceStore(): SourceStateStore {
  const states = new Map<string, SourceState>();
  const bodies = new Map<string, StoredBody>();
  const items = new Map<string, Map<string, number>>();
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
    async addItems(id, n, atMs) {
      if (n <= 0) return;
      const days = items.get(id) ?? new Map<string, number>();
      days.set(utcDay(atMs), (days.get(utcDay(atMs)) ?? 0) + n);
      items.set(id, days);
    },
    async itemsPerWeek(nowMs) {
      const week = weekDays(nowMs);
      const out: Record<string, number> = {};
      for (const [id, days] of [...items].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const sum = week.reduce((acc, d) => acc + (days.get(d) ?? 0), 0);
        if (sum > 0) out[id] = sum;
      }
      return out;
    },
  };
}
