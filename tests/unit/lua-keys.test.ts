/**
 * Every Lua script receives all the keys it touches through KEYS (docs/redis.md): no key name is built or
 * passed in ARGV inside a script, so scripts stay correct behind replicas, key-pattern ACLs and, later,
 * Redis Cluster. A static check over every script in src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** Commands whose first argument is not a key. */
const KEYLESS = new Set(['TIME', 'PING', 'INFO']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') || p.endsWith('.lua') ? [p] : [];
  });
}

const scripts = files(join(ROOT, 'src')).flatMap((file) => {
  const text = readFileSync(file, 'utf8');
  // Template-literal scripts: `…redis.call(…)…`
  return [...text.matchAll(/`([^`]*redis\.call[^`]*)`/g)].map((m) => ({
    file: file.slice(ROOT.length),
    lua: m[1]!,
  }));
});

describe('Lua scripts take their keys through KEYS', () => {
  it('finds the project’s scripts', () => {
    const names = new Set(scripts.map((s) => s.file));
    for (const f of [
      'src/store/redis-records.ts',
      'src/store/digests.ts',
      'src/store/redis-story-log.ts',
      'src/runtime/leader.ts',
      'src/store/redis-host-limiter.ts',
      'src/store/candidates.ts',
      'src/store/editions.ts',
      'src/store/story-edits.ts',
      'src/store/subscriptions.ts',
    ])
      expect(names.has(f), f).toBe(true);
  });

  for (const { file, lua } of scripts) {
    it(`${file}: every redis.call names a KEYS entry as its key`, () => {
      const calls = [...lua.matchAll(/redis\.call\(\s*'(\w+)'\s*(?:,\s*([^,)]+))?/g)];
      expect(calls.length).toBeGreaterThan(0);
      for (const [call, command, firstArg] of calls) {
        if (KEYLESS.has(command!.toUpperCase())) continue;
        expect(firstArg?.trim(), call).toMatch(/^KEYS\[/);
      }
      expect(lua).not.toMatch(/ARGV\[\d+\]\s*\.\.\s*':'/);
    });
  }
});
