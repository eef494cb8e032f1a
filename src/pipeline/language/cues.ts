/**
 * Cues the Latin-script detector adds to franc's trigram scores: function words (stopwords), a fast path
 * when they are decisive, English word shapes, and tie-breaks between languages franc confuses.
 */
import { STOPWORDS } from './stopwords.js';

/** Characters of text read for cues. */
export const MAX_CHARS = 1000;

export const WORD = /[\p{L}']+/gu;

export interface StopwordScores extends Map<string, number> {
  /** Hits per language. */
  hits?: Map<string, number>;
  words?: number;
}

/** word → languages whose function-word list holds it. */
const STOPWORD_INDEX: ReadonlyMap<string, readonly string[]> = (() => {
  const index = new Map<string, string[]>();
  for (const [lang, set] of Object.entries(STOPWORDS)) {
    for (const w of set) {
      const list = index.get(w) ?? [];
      list.push(lang);
      index.set(w, list);
    }
  }
  return index;
})();

export function stopwordScores(text: string, langs: readonly string[]): StopwordScores {
  const out: StopwordScores = new Map<string, number>();
  const words = text.slice(0, MAX_CHARS).toLowerCase().match(WORD) ?? [];
  const hits = new Map<string, number>();
  out.hits = hits;
  out.words = words.length;
  if (words.length === 0) return out;
  for (const w of words) {
    const ls = STOPWORD_INDEX.get(w);
    if (ls) for (const l of ls) hits.set(l, (hits.get(l) ?? 0) + 1);
  }
  for (const lang of langs) {
    if (!STOPWORDS[lang]) continue;
    const n = hits.get(lang) ?? 0;
    hits.set(lang, n);
    out.set(lang, n / words.length);
  }
  for (const l of [...hits.keys()]) if (!langs.includes(l)) hits.delete(l);
  return out;
}

/**
 * Fast path that skips franc when function words alone are decisive: a declared language has at least 3
 * function words and no other language has more; else the best language has ≥ 3 function words making
 * ≥ 15 % of the words and twice the hits of the next language.
 */
export function decisiveStopwords(sw: StopwordScores, declared: readonly string[]): string | undefined {
  const hits = [...(sw.hits ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]);
  const [top, next] = hits;
  if (!top) return undefined;
  for (const hint of declared) {
    const hh = sw.hits?.get(hint) ?? 0;
    if (hh >= 3 && hh >= top[1]) return hint;
  }
  if (top[1] >= 3 && (sw.get(top[0]) ?? 0) >= 0.15 && top[1] >= 2 * (next?.[1] ?? 0)) return top[0];
  return undefined;
}

/** Languages whose ordinary text of a few words almost always carries a letter outside ASCII. */
export const DIACRITIC_LANGS = new Set(['de', 'fr', 'es', 'pt', 'da', 'no', 'sv']);

/**
 * The letters outside ASCII each language writes (lower case). A letter outside a language's alphabet is
 * evidence against it: "tötet" is not French, "hôpital" not Italian, "Peč" not English. English writes none.
 */
const ALPHABETS: Record<string, string> = {
  en: '',
  de: 'äöüß',
  fr: 'àâæçéèêëîïôœùûüÿ',
  es: 'áéíñóúü',
  pt: 'àáâãçéêíóôõú',
  it: 'àèéìíîòóùú',
  nl: 'áéèëïóöü',
  da: 'æøåé',
  no: 'æøåéèóô',
  sv: 'åäöé',
};

/** One letter a language does not write weighs like this many of its own (a name in a long text weighs little). */
const FOREIGN_LETTER_FACTOR = 8;

/**
 * Per language, how foreign the text's letters are to it, 0..1: the letters its alphabet lacks, each counting
 * as {@link FOREIGN_LETTER_FACTOR} letters, over all the text's letters. 0 when the text has no letter outside
 * ASCII or the language's alphabet is unknown. "Mandela quitte l'hôpital" is foreign to Italian (0.4); a
 * Portuguese place name in a 70-letter English title much less (0.11).
 */
export function foreignLetterShare(text: string, langs: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const sample = text.slice(0, MAX_CHARS).toLowerCase();
  const marked = (sample.match(/[\u00c0-\u024f]/g) ?? []).filter((c) => c !== '×' && c !== '÷');
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  for (const l of langs) {
    const alphabet = ALPHABETS[l];
    if (alphabet === undefined || marked.length === 0 || letters === 0) {
      out.set(l, 0);
      continue;
    }
    let foreign = 0;
    for (const c of marked) if (!alphabet.includes(c)) foreign++;
    out.set(l, Math.min(1, (foreign * FOREIGN_LETTER_FACTOR) / letters));
  }
  return out;
}

const EN_SUFFIX = /^(?:th|wh)|(?:ing|ed|ly|'s|ness|ship|ght|ough)$/;

/** Share of words with typically English shape (th-/wh-, -ing, -ed, -ly, -'s…), scaled to at most 0.2. */
export function englishMorphology(text: string): number {
  const words = text.slice(0, MAX_CHARS).toLowerCase().match(WORD) ?? [];
  if (words.length === 0) return 0;
  let hits = 0;
  for (const w of words) if (w.length > 3 && EN_SUFFIX.test(w)) hits++;
  return Math.min(0.2, (0.5 * hits) / words.length);
}

/** Pairs franc confuses, most likely first (Danish sources exist, Norwegian ones are rarer). */
const CONFUSABLE: Array<[string, string]> = [
  ['da', 'no'],
  ['da', 'sv'],
  ['no', 'sv'],
  ['es', 'pt'],
  ['de', 'nl'],
];
const TIE_MARGIN = 0.15;
/** Pairs whose first language wins a tie outright (no Norwegian or Swedish source is registered yet). */
const PREFER_FIRST = new Set(['da']);

/**
 * When the two best candidates are a confusable pair within TIE_MARGIN, decide by the function words that
 * belong to one language of the pair and not the other; on equal counts keep the pair's first language.
 */
export function breakConfusableTie(ranked: Array<[string, number]>, text: string): void {
  const [a, b] = ranked;
  if (!a || !b || a[1] - b[1] > TIE_MARGIN) return;
  const pair = CONFUSABLE.find(([x, y]) => (x === a[0] && y === b[0]) || (x === b[0] && y === a[0]));
  if (!pair) return;
  const [x, y] = pair;
  const sx = STOPWORDS[x];
  const sy = STOPWORDS[y];
  if (!sx || !sy) return;
  let cx = 0;
  let cy = 0;
  for (const w of text.slice(0, MAX_CHARS).toLowerCase().match(WORD) ?? []) {
    if (sx.has(w) && !sy.has(w)) cx++;
    else if (sy.has(w) && !sx.has(w)) cy++;
  }
  const winner = cy > cx ? y : cx > cy || PREFER_FIRST.has(x) ? x : a[0];
  if (winner !== a[0]) {
    ranked[0] = b;
    ranked[1] = a;
  }
}

/**
 * Han characters only one of the two languages writes: simplified Chinese forms Japanese never uses (们, 这, 发,
 * 说, 铁…) and Japanese shinjitai forms neither simplified nor traditional Chinese uses (発, 気, 鉄, 円, 駅…).
 * Common characters only; a Han-only headline rarely lacks one.
 */
const ZH_ONLY = new Set(
  '们个么东车发对产经动进过还开关现长电书问间见觉题马鸟鱼龙页风飞钢铁银铜矿气为说时这华尔亚业众处师岁实从样头两无达边运远连选导层岭灾热态总应护报场坏块备复术杀权极构标树检兰坛围图团园圆罗义乐习乡买卖亿仅优伤侧创剧办务劳势单卫历压县变员响坚夺奋妇孙宁审宪宫寻币帮广庆库废异张弹归录忆怀战扩执扫拥择挥损换击敌显晓杂枪柜栏桥楼欢毁汇汉污沟泽洁测济浓涉润涨渔满滚灭灵烟爱犹狱猎环琼畅疗盐监盖盘确础离种积称稳穷竞笔简类粮紧纪约级纳纸线练组细织终结给络统继绩续维综网职联胜脑舰艺节药获营虽补袭观规视览计订认讨让训议记讲许论设访证评识诉词译试诗话询该详语误请诺读调谈谓谢贝负财责败货质贩贫购贯贵贷贸费资赛赞赵趋践轨转轮软轻载较辆输迟适递释鉴针钟钱铝铺链销锁锂镇镍闭闻阅队阳阴阵阶际陆陈险随隐难雾顶项顺须顾领频额饭馆驱验鲁鸡麦齐驻驶专丰传伟债倾储养冈军农决况冻净减凤则刚别刘协卢圣尘岛峡带强彻惊摄撑歼毕汤泼涛渐滩烂烧爷玛盏矫码砖硕祸竖笼签纯纲纵纷纹纺绍绑绕绘绪绳绵缓缘缩罚罢聪肃肠肤肿胀胁脏腊艰苹荐荡荣莱萧虏虑衬袜贞贡贤账贪贴贺赋赌赏赔赖赚赠赶跃躯轩轰辅辈辉辩辽迁迈违逊逻遗邓邮邻郑酱钓钥钦铃铅铭锅锋错锡锦键镜闪闯闲闷闹阀阁阔陕韩顽顿预颇颗颜饥饮饰饱饲饼驰驳驾骂骄骆骑骗鲜鸣鸭鹅齿',
);
const JA_ONLY = new Set(
  '発気鉄円県図広変関経済総戦権労働価対応駅歳楽薬払売読続転鉱実沢浜検験険剤乗仏亜悪囲営塩桜込峠畑枠匂拡駆騒渋弾縄繊聴脳蔵覧譲醸鶏黙壊懐拝挿捜摂撃斎殻渇満滝焼犠猟穂穏禅祢継緑縦縁鋭隠霊頼髄闘毎桟',
);

/** `zh` or `ja` when the Han characters of `text` belong to one of them only; undefined when they do not tell. */
export function hanVariant(text: string): 'zh' | 'ja' | undefined {
  let zh = 0;
  let ja = 0;
  for (const c of text.slice(0, MAX_CHARS)) {
    if (ZH_ONLY.has(c)) zh++;
    else if (JA_ONLY.has(c)) ja++;
  }
  if (zh > ja) return 'zh';
  if (ja > zh) return 'ja';
  return undefined;
}
