/**
 * The in-memory edition store (src/store/editions.ts), the twin the candidates workflow's unit tests use:
 * same rules as the Redis store (tests/integration/api-editions.test.ts covers that one).
 */
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/pipeline/digest/build.js';
import { createMemoryEditionStore } from '../../src/store/editions.js';
import type { AcceptedEntry } from '../../src/store/types.js';

const entry = (storyId: string, date: string, section = 'marine', edits = {}): AcceptedEntry => ({
  storyId,
  date,
  section,
  edits,
  by: 'ed',
  at: '2023-10-10T00:00:00Z',
});

/** A stand-in digest with one item per entry (the store only counts and freezes it). */
const build = async (state: { date: string; entries: AcceptedEntry[] }, issue: number): Promise<Digest> => ({
  date: state.date,
  issue,
  timeZone: 'Asia/Shanghai',
  window: { from: null, to: null },
  sections: [],
  count: state.entries.length,
});

describe('memory edition store', () => {
  it('places, replaces, reorders, removes, publishes with issues 1 and 2, and moves late accepts on', async () => {
    const s = createMemoryEditionStore();
    expect(await s.place(entry('x', '2023-10-10'))).toEqual({ edition: '2023-10-10' });
    await s.place(entry('y', '2023-10-10'));
    await s.place(entry('z', '2023-10-10', 'basic-geology'));
    expect(await s.place(entry('x', '2023-10-11', 'basic-geology', { titleZh: '新' }))).toEqual({
      edition: '2023-10-10',
    });
    let st = await s.get('2023-10-10');
    expect(st.order).toEqual({ marine: ['y'], 'basic-geology': ['z', 'x'] });
    await expect(s.reorder('2023-10-10', 'basic-geology', ['x'])).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    expect(await s.reorder('2023-10-10', 'basic-geology', ['x', 'z'])).toEqual({ before: ['z', 'x'] });
    expect((await s.remove('2023-10-10', 'y')).storyId).toBe('y');
    await expect(s.remove('2023-10-10', 'y')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    st = await s.get('2023-10-10');
    expect(st.entries.map((e) => e.storyId)).toEqual(['x', 'z']);

    await expect(s.publish('2023-10-12', { by: 'ed', at: 't', build })).rejects.toMatchObject({
      code: 'EDITION_EMPTY',
    });
    await expect(
      s.publish('2023-10-10', { by: 'ed', at: 't', build, expectVersion: st.version - 1 }),
    ).rejects.toMatchObject({ code: 'EDITION_CHANGED' });
    expect(await s.publish('2023-10-10', { by: 'ed', at: 't', build, expectVersion: st.version })).toEqual({
      date: '2023-10-10',
      issue: 1,
      publishedAt: 't',
    });
    await expect(s.publish('2023-10-10', { by: 'ed', at: 't', build })).rejects.toMatchObject({
      code: 'EDITION_PUBLISHED',
    });
    await s.place(entry('w', '2023-10-11'));
    expect((await s.publish('2023-10-11', { by: 'ed', at: 't2', build })).issue).toBe(2);

    expect(await s.place(entry('late', '2023-10-10'))).toEqual({ edition: '2023-10-12' });
    await expect(s.place(entry('x', '2023-10-10'))).rejects.toMatchObject({ code: 'EDITION_PUBLISHED' });
    expect((await s.final('2023-10-10'))?.digest).toMatchObject({ issue: 1, count: 2 });
    expect(await s.final('2023-10-12')).toBeNull();
    expect((await s.archive({ limit: 10 })).map((a) => [a.date, a.issue])).toEqual([
      ['2023-10-11', 2],
      ['2023-10-10', 1],
    ]);
    expect((await s.archive({ limit: 10, before: '2023-10-11' })).map((a) => a.date)).toEqual(['2023-10-10']);
    expect(await s.lastIssue()).toBe(2);
  });
});
