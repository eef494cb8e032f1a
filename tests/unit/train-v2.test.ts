// Training set v2 (tests/fixtures/labels/train-v2.*): drawn mechanically, labelled by hand, disjoint from the
// sealed hold-out v2 and from dev. The hold-out is identified through holdout-v2.mjs select() (ids and titles
// computed from the pools); its sealed item file is not read here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM fixture script without types
import { select, titleKey } from '../fixtures/labels/holdout-v2.mjs';
// @ts-expect-error plain ESM fixture script without types
import { draw, SEED } from '../fixtures/labels/train-v2.mjs';

const dir = join(import.meta.dirname, '..', 'fixtures', 'labels');
type Row = {
  id: string;
  title: string;
  label: string;
  language: string;
  secondary?: string[];
  translatedFrom?: string;
};
const rows: Row[] = readFileSync(join(dir, 'train-v2.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const manifest = JSON.parse(readFileSync(join(dir, 'train-v2.manifest.json'), 'utf8'));
const LABELS = [
  'off-topic',
  'basic-geology',
  'energy-minerals',
  'hydrogeology',
  'marine',
  'carbon-neutrality',
];

describe('training set v2', () => {
  it('is the seeded draw the manifest describes, every drawn item labelled once', () => {
    const d = draw() as { pool: number; items: Array<{ id: string }> };
    expect(SEED).toBe(manifest.seed);
    expect(d.pool).toBe(manifest.pool);
    const originals = rows.filter((r) => !r.translatedFrom).map((r) => r.id);
    expect(originals).toEqual(d.items.map((i) => i.id));
    expect(rows).toHaveLength(manifest.items);
    for (const r of rows) {
      expect(LABELS).toContain(r.label);
      if (r.label === 'off-topic') expect(r.secondary).toBeUndefined();
    }
  });

  it('shares no id and no folded title with hold-out v2 (labelled or translated originals) or dev', () => {
    const sel = select() as {
      label: Array<{ id: string; title: string }>;
      translate: Array<{ id: string; title: string }>;
    };
    const held = [...sel.label, ...sel.translate];
    expect(held.length).toBeGreaterThan(300);
    const heldIds = new Set(held.flatMap((h) => [h.id, `zh-v2:${h.id}`]));
    const heldTitles = new Set(held.map((h) => titleKey(h.title)));
    const dev = readFileSync(join(dir, 'dev.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    const devIds = new Set(dev.map((d) => d.id));
    const devTitles = new Set(dev.map((d) => titleKey(d.title)));
    for (const r of rows) {
      const original = r.translatedFrom ?? r.id;
      expect(heldIds.has(original), r.id).toBe(false);
      expect(devIds.has(original), r.id).toBe(false);
      if (!r.translatedFrom) {
        expect(heldTitles.has(titleKey(r.title)), r.id).toBe(false);
        expect(devTitles.has(titleKey(r.title)), r.id).toBe(false);
      }
    }
  });

  it('has Chinese translations of its own items only, and a manifest hash of its files', () => {
    const ids = new Set(rows.filter((r) => !r.translatedFrom).map((r) => r.id));
    const zh = rows.filter((r) => r.translatedFrom);
    expect(zh.length).toBe(manifest.translations);
    expect(zh.length).toBeGreaterThanOrEqual(90);
    for (const z of zh) {
      expect(z.language).toBe('zh');
      expect(ids.has(z.translatedFrom as string)).toBe(true);
      expect(/\p{Script=Han}/u.test(z.title)).toBe(true);
    }
    for (const [f, hash] of Object.entries(manifest.files as Record<string, string>)) {
      const h = createHash('sha256')
        .update(readFileSync(join(dir, f)))
        .digest('hex');
      expect(h, `${f} changed: add an entry to the manifest's changes and update its hash`).toBe(hash);
    }
  });
});
