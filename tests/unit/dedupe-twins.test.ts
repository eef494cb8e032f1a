import { describe, expect, it } from 'vitest';
import type { SourceEntry } from '../../src/config/sources-schema.js';
import { SourcesFileSchema } from '../../src/config/sources-schema.js';
import { languageTwinKey } from '../../src/pipeline/dedupe/identity.js';
import { dedupeItems, hostAliasesOf } from '../../src/pipeline/dedupe/index.js';

const src = (id: string, url: string, languageTwin?: string) =>
  ({ id, url, languageTwin }) as unknown as SourceEntry;

describe('language twins', () => {
  const aliases = hostAliasesOf([
    src('eq-en', 'http://www.earthquakescanada.nrcan.gc.ca/index-en.php'),
    src('eq-fr', 'http://www.seismescanada.rncan.gc.ca/index-fr.php', 'eq-en'),
  ]);

  it('maps the twin host onto its pair', () => {
    expect([...aliases]).toEqual([['seismescanada.rncan.gc.ca', 'earthquakescanada.nrcan.gc.ca']]);
  });

  it.each([
    [
      'http://www.earthquakescanada.nrcan.gc.ca/index-en.php',
      'http://www.seismescanada.rncan.gc.ca/index-fr.php',
    ],
    ['https://example.gc.ca/en/news/2025/lithium.html', 'https://example.gc.ca/fr/news/2025/lithium.html'],
  ])('%s and %s share a key', (a, b) => {
    expect(languageTwinKey(a, aliases)).not.toBeNull();
    expect(languageTwinKey(a, aliases)).toBe(languageTwinKey(b, aliases));
  });

  it.each([
    'https://phys.org/news/2025-12-feedback-loops-oil-fields-arctic.html',
    'https://example.org/a/b?x=1',
  ])('%s has no twin key', (url) => {
    expect(languageTwinKey(url, aliases)).toBeNull();
  });

  it('joins the English and French notice into one story, and keeps other pages apart', () => {
    const out = dedupeItems(
      [
        {
          id: 'en',
          title: 'Breaking News',
          url: 'http://www.earthquakescanada.nrcan.gc.ca/index-en.php',
          source: 'eq-en',
        },
        {
          id: 'fr',
          title: 'Nouvelles Récentes',
          url: 'http://www.seismescanada.rncan.gc.ca/index-fr.php',
          source: 'eq-fr',
        },
        {
          id: 'other',
          title: 'Nouvelles',
          url: 'http://www.seismescanada.rncan.gc.ca/autre-fr.php',
          source: 'eq-fr',
        },
      ],
      { hostAliases: aliases },
    );
    expect(out[1]).toMatchObject({ storyId: 'en', duplicateOf: 'en' });
    expect(out[2]!.storyId).toBe('other');
  });

  it('the registry refuses a twin that does not exist', () => {
    const r = SourcesFileSchema.safeParse({
      sources: [{ id: 'a', name: 'A', url: 'https://a.example/', languageTwin: 'missing' }],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['sources', 0, 'languageTwin']);
  });
});
