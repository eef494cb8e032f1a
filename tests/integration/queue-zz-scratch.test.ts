import { expect, it } from 'vitest';
import { compileTaxonomy } from '../../src/pipeline/classify/index.js';
import { createStoryIndex } from '../../src/pipeline/dedupe/index.js';
import { classifyFor, normalizeFor } from '../../src/pipeline/ingest.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { articleOf, planFeeds, rssOf, sourceEntries } from '../helpers/feeds.js';
import { baseConfig } from '../helpers/runtime.js';

it('plan is relevant and distinct', async () => {
  const cfg = baseConfig();
  const tax = compileTaxonomy(cfg.topics, cfg.tags);
  const plan = planFeeds({ feeds: 2, perFeed: 1000, shared: 0, seed: 9 });
  const idx = createStoryIndex({});
  const storyArticles = new Map<string, Set<string>>();
  let irrelevant = 0;
  let n = 0;
  for (const [name, items] of plan.feeds) {
    const [src] = sourceEntries([{ id: name, url: `http://127.0.0.1:1/${name}.xml` }]);
    const doc = await parseDocument(new TextEncoder().encode(rssOf(name, items)), { kind: 'rss' } as never);
    const { items: norm } = normalizeFor(doc, {
      source: src as never,
      fetchedAt: new Date().toISOString(),
      url: src!.url,
      limits: cfg.app.ingest,
    });
    expect(norm.length).toBe(items.length);
    for (const it of norm) {
      const c = classifyFor(it, src as never, tax);
      n++;
      if (!c.classification.relevant) {
        irrelevant++;
        console.log('IRRELEVANT', it.title, JSON.stringify(c.classification.topics));
      }
      const a = idx.assign(c.story.item, c.story.meta);
      const set = storyArticles.get(a.storyId) ?? new Set();
      set.add(articleOf(it.url)!);
      storyArticles.set(a.storyId, set);
    }
  }
  const merged = [...storyArticles.values()].filter((s) => s.size > 1);
  const all = [...plan.feeds.values()].flat();
  for (const m of merged.slice(0, 3)) console.log([...m].map((a) => all.find((i) => i.article === a)));
  console.log({
    n,
    irrelevant,
    stories: storyArticles.size,
    articles: plan.articles.size,
    overlap: plan.overlap,
    merged: merged.slice(0, 5).map((s) => [...s]),
  });
  console.log([...plan.feeds.values()][0]!.slice(0, 3));
});
