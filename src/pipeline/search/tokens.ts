/**
 * Tokens of the full-text index (the stories' title and summary, editors' Chinese texts) and of a `q=` query:
 * the same function on both sides, so a query finds what the index holds.
 *
 * - Text is NFKC-normalised and lower-cased (full-width Ｌｉｔｈｉｕｍ is lithium).
 * - Words: runs of Unicode letters, marks and digits outside the Han and kana scripts. Latin-script words lose
 *   their diacritics (géologie = geologie) and a plural `-s` (words of 5 letters or more not ending in -ss, -us,
 *   -is: earthquakes = earthquake). Stop-words of English, German, French, Spanish, Portuguese and Danish are
 *   dropped in every language (the query does not know the language of what it looks for), and so are tokens
 *   of one character and tokens longer than {@link MAX_TOKEN_CHARS}.
 * - Han runs (Chinese, Japanese kanji) become overlapping character bigrams (锂矿资源 → 锂矿 矿资 资源); a
 *   lone Han character stays a unigram. A query of several Han characters therefore matches text holding each
 *   of its bigrams, which is close to a phrase match. A one-character query (锂) matches only text where that
 *   character stands alone between non-Han characters: the commodity tag is the way to find 锂 in 锂矿.
 * - Katakana runs (loanwords: リチウム, マグマ) are one token each; hiragana (particles, inflections) is dropped.
 * - A text yields each token once, in order of first appearance, at most {@link MAX_TOKENS} of them.
 */

/** Tokens one text contributes at most (title first, so a long summary's tail is what is lost). */
export const MAX_TOKENS = 256;
/** Longer tokens are dropped (identifiers, run-together garbage). */
export const MAX_TOKEN_CHARS = 40;

const STOP_WORDS = new Set(
  [
    // en
    'a an and are as at be been being but by can could did do does for from had has have he her hers him his how',
    'i if in into is it its just may me might more most must my no nor not now of off on once only or our ours',
    'out over own per she should so some such than that the their theirs them then there these they this those',
    'through to too under until up upon us very via vs was we were what when where which while who whom why will',
    'with would you your yours also about after again against all am any because before below between both down',
    'during each few further here other same says said say shall since yet',
    // de
    'der die das den dem des ein eine einen einem einer eines und oder aber ist sind war waren wird werden wurde',
    'wurden nicht mit von zu zum zur im ins auf für bei nach aus als wie auch sich es sie er wir ihr hat haben',
    'kann können dass noch nur über unter vor durch gegen seit bis beim am um ob so',
    // fr
    'le la les de des du un une et est sont été être en au aux dans par pour sur avec ce ces cette il elle ils',
    'elles qui que quoi ou où ne pas plus se sa son ses leur leurs nous vous mais comme aussi dont entre sans',
    'sous selon après très fait',
    // es, pt
    'el los las del y que por para con no se al lo su sus como pero fue ha este esta son desde hasta muy sin',
    'ya hay según tras donde cuando ser han o os da dos das em um uma com não na nos nas pelo pela seu sua',
    'também são está já sobre após até muito sem quando onde isso pode',
    // da
    'og af at det er en til på den med for som ikke har et fra var blev kan om skal ved efter eller men vi han',
    'hun der denne dette være været mod hvor når bliver mellem sig sin sit sine',
  ]
    .join(' ')
    .split(' '),
);

const HAN = /\p{Script=Han}/u;
const KATAKANA = /^[\p{Script=Katakana}\u30fc]+$/u;
const LATIN = /^[\p{Script=Latin}\p{N}\p{M}]+$/u;
/** Runs of Han; of katakana (with the long-vowel mark); of hiragana; of other letters, marks and digits. */
const RUN =
  /\p{Script=Han}+|[\p{Script=Katakana}\u30fc]+|\p{Script=Hiragana}+|(?:(?![\p{Script=Han}\p{Script=Katakana}\p{Script=Hiragana}])[\p{L}\p{M}\p{N}])+/gu;

function foldWord(w: string): string {
  if (!LATIN.test(w)) return w;
  let s = /[^\x00-\x7f]/.test(w) ? w.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC') : w;
  if (s.length >= 5 && s.endsWith('s') && !/(?:ss|us|is)$/.test(s)) s = s.slice(0, -1);
  return s;
}

/** The index tokens of a text (see the module comment), distinct, in order of first appearance. */
export function textTokens(text: string, max = MAX_TOKENS): string[] {
  const out = new Set<string>();
  const add = (t: string) => {
    if (out.size < max && [...t].length <= MAX_TOKEN_CHARS) out.add(t);
  };
  const normal = text.normalize('NFKC').toLowerCase();
  for (const m of normal.matchAll(RUN)) {
    if (out.size >= max) break;
    const run = m[0];
    if (HAN.test(run[0]!)) {
      const chars = [...run];
      if (chars.length === 1) add(chars[0]!);
      for (let i = 0; i + 1 < chars.length; i++) add(chars[i]! + chars[i + 1]!);
    } else if (KATAKANA.test(run)) {
      if ([...run].length >= 2) add(run);
    } else if (!/^\p{Script=Hiragana}+$/u.test(run)) {
      if (STOP_WORDS.has(run)) continue;
      const w = foldWord(run);
      if ([...w].length >= 2 && !STOP_WORDS.has(w)) add(w);
    }
  }
  return [...out];
}

/** The texts of a record the index covers: title, summary and the editors' Chinese title and summary. */
export function recordTokens(r: {
  title: string;
  summary?: string;
  titleZh?: string;
  summaryZh?: string;
}): string[] {
  return textTokens([r.title, r.titleZh, r.summary, r.summaryZh].filter(Boolean).join('\n'));
}
