/** Tags: commodities and countries, with the false positives the lexicons must avoid. */
import { describe, expect, it } from 'vitest';
import { tagItem, tagItemDetailed } from '../../src/pipeline/classify/index.js';
import { loadTaxonomy } from './classify-helpers.js';

const tagger = loadTaxonomy().tagger!;
const tags = (title: string) => tagItem({ title }, tagger);

describe('tagItem', () => {
  it.each([
    [
      'Chilean lithium and copper',
      'Chilean lithium brines feed copper smelters',
      ['lithium', 'copper'],
      ['CL'],
    ],
    ['Chinese names', '智利阿塔卡马盐湖锂资源开发', ['lithium'], ['CL']],
    ['rare earths in Chinese', '我国稀土与钨资源', ['rare-earths', 'tungsten'], ['CN']],
    ['tin is a word, not part of Martin', 'Martin Tinsley studies tin deposits', ['tin'], []],
    ['lead the verb', 'Warming could lead to more landslides', [], []],
    ['lead the metal', 'Lead-zinc ores of Mississippi Valley type', ['zinc', 'lead'], []],
    ['china clay is not China', 'Kaolin or china clay quarries in Cornwall', [], []],
    ['the South China Sea is a sea', 'Methane seeps of the South China Sea', [], []],
    ['iron is not in environment', 'Environmental impacts of ironic policies', [], []],
    ['golden rice is not gold', 'No clear path for golden rice to reach consumers', [], []],
    ['Georgia the US state is not tagged', 'Hurricane hits Georgia and Florida', [], []],
    ['US only in capitals', 'Let us map the US coast', [], ['US']],
    ['U.S. with dots', 'U.S. critical minerals list grows', [], ['US']],
    ['Polish the adjective, not the verb', 'Polish geologists polish samples', [], ['PL']],
    ['Papua New Guinea is not Guinea', 'Earthquake in Papua New Guinea', [], ['PG']],
    ['Indian Ocean is not India', 'Indian Ocean dipole and Indian monsoon', [], ['IN']],
    ['Inner Mongolia is not Mongolia', '内蒙古东胜庙矿床与蒙古国边境', [], ['MN']],
    ['subway is not iron', '地铁施工诱发地面沉降', [], []],
    ['Mariana Trench is not Mali', '马里亚纳海沟海底测绘', [], []],
  ])('%s', (_n, title, commodities, countries) => {
    expect(tags(title)).toEqual({ commodities, countries });
  });

  it('gives the terms behind each tag', () => {
    const t = tagItemDetailed(
      { title: 'Bauxite mining in Guinea', summary: 'Guinean aluminium exports' },
      tagger,
    );
    expect(t.commodities).toEqual(['aluminum']);
    expect(t.evidence.commodities.aluminum).toEqual(['bauxite', 'aluminium']);
    expect(t.countries).toEqual(['GN']);
  });
});
