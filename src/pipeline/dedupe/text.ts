/**
 * Text features for near-duplicate detection: normalisation, word tokens (stop words removed, light
 * stemming, numbers normalised) and CJK character bigrams, hashed to 32-bit integers.
 */

const STOP = new Set(
  (
    'a an the and or but of to in on at by for from with as is are was were be been being it its this that ' +
    'these those into over after before about up down out off than then so not no nor can will would could ' +
    'should may might must has have had do does did he she they we you i his her their our your them him us ' +
    'who whom which what when where why how all any some more most other such only own same too very just ' +
    'also new says said say amid via per vs le la les de des du un une et en au aux dans par pour sur est ' +
    'une que qui avec ce ces der die das und den dem ein eine im zu von mit'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+(?:[.,][\p{N}]+)*/gu;
const ASCII_WORD = /[a-z0-9]+(?:[.,][0-9]+)*/g;
const ASCII = /^[\x00-\x7f]*$/;
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/u;

/**
 * Lower-cased NFKC text with whitespace collapsed. Item text is already plain (the normalise stage and the CLI's
 * item input decode markup once), so `<`, `>` and `&` are text here and are not decoded again.
 */
export function normalizeText(s: string): string {
  return (ASCII.test(s) ? s : s.normalize('NFKC')).toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Light English/Romance suffix stripping: enough to join "kills"/"killed"/"killing". */
export function stem(w: string): string {
  if (w.length <= 3) return w;
  let s = w;
  if (s.endsWith('ies') && s.length > 4) s = `${s.slice(0, -3)}y`;
  else if (s.endsWith('sses')) s = s.slice(0, -2);
  else if (s.endsWith('s') && !s.endsWith('ss') && !s.endsWith('us') && !s.endsWith('is')) s = s.slice(0, -1);
  if (s.endsWith('ing') && s.length > 5) s = s.slice(0, -3);
  else if (s.endsWith('ed') && s.length > 4) s = s.slice(0, -2);
  else if (s.endsWith('e') && s.length > 4) s = s.slice(0, -1);
  const last = s.charCodeAt(s.length - 1);
  if (s.length > 3 && last === s.charCodeAt(s.length - 2) && !'aeiousl'.includes(s[s.length - 1]!)) {
    s = s.slice(0, -1);
  }
  return s;
}

/**
 * Stems are cut to this many characters: a crude but robust stemmer that also joins a place and its demonym
 * (syria/syrian, egypt/egyptian, japan/japanese) and British/American spellings (defence/defense).
 */
export const STEM_CHARS = 5;

// Lexicons are Maps (never plain objects indexed by feed words: `constructor`, `__proto__`, `toString`).
const NUMBER_WORDS = new Map<string, string>(
  Object.entries({
    one: '1',
    two: '2',
    three: '3',
    four: '4',
    five: '5',
    six: '6',
    seven: '7',
    eight: '8',
    nine: '9',
    ten: '10',
    eleven: '11',
    twelve: '12',
    thirteen: '13',
    fourteen: '14',
    fifteen: '15',
    sixteen: '16',
    seventeen: '17',
    eighteen: '18',
    nineteen: '19',
    twenty: '20',
    dozen: '12',
    hundred: '100',
    thousand: '1000',
  }),
);

/** Headlinese short forms and their plain words (the register of news headlines, not a list fitted to data). */
const HEADLINESE = new Map<string, string>(
  Object.entries({
    pm: 'premier',
    quake: 'earthquake',
    quakes: 'earthquake',
    blast: 'explosion',
    blasts: 'explosion',
    ex: 'former',
    govt: 'government',
    probe: 'investigation',
    polls: 'election',
    vote: 'election',
    pact: 'agreement',
    deal: 'agreement',
    row: 'dispute',
    vow: 'pledge',
    vows: 'pledge',
    hike: 'increase',
    nab: 'arrest',
    nabs: 'arrest',
    slay: 'kill',
    slays: 'kill',
    slain: 'kill',
    bn: 'billion',
    mn: 'million',
    pct: 'percent',
    pc: 'percent',
    mull: 'consider',
    mulls: 'consider',
    quit: 'resign',
    quits: 'resign',
    jail: 'prison',
    jailed: 'prison',
    kid: 'child',
    kids: 'children',
    cop: 'police',
    cops: 'police',
    troops: 'army',
    soldiers: 'army',
    britain: 'uk',
    british: 'uk',
    america: 'usa',
    american: 'usa',
    americans: 'usa',
    chief: 'head',
    boss: 'head',
    bid: 'attempt',
    try: 'attempt',
  }),
);

/**
 * Value classes: tokens that name one value of a closed class. Two titles that both name values of a class and
 * share none (different numbers, days or months, opposite directions, different countries) report different
 * facts — "Stocks close 0.39% higher" / "… 2.47% higher", "10 Things to Know for Wednesday" / "… Thursday",
 * "Military plane crashes in south France" / "… Turkey".
 */
export enum ValueClass {
  Number = 0,
  Date = 1,
  Direction = 2,
  OpenClose = 3,
  WinLose = 4,
  Verdict = 5,
  Sanction = 6,
  Country = 7,
}

const VALUE_WORDS = new Map<string, [ValueClass, string]>();
for (const [cls, groups] of [
  [
    ValueClass.Date,
    [
      'monday',
      'tuesday',
      'wednesday',
      'thursday',
      'friday',
      'saturday',
      'sunday',
      'january',
      'february',
      'march',
      'april',
      'june',
      'july',
      'august',
      'september',
      'october',
      'november',
      'december',
    ],
  ],
  [
    ValueClass.Direction,
    [
      '+ up higher rise rises rose gain gains strengthen strengthens',
      '- down lower fall falls fell loss losses weaken weakens drop drops',
    ],
  ],
  [ValueClass.OpenClose, ['o open opens opened', 'c close closes closed']],
  [ValueClass.WinLose, ['w win wins won', 'l lose loses lost']],
  [ValueClass.Verdict, ['a acquit acquits acquitted', 'c convict convicts convicted']],
  [ValueClass.Sanction, ['l lift lifts lifted', 'i impose imposes imposed']],
] as Array<[ValueClass, string[]]>) {
  for (const g of groups) {
    const [v, ...forms] = g.split(' ');
    for (const f of forms.length ? forms : [v!]) VALUE_WORDS.set(f, [cls, v!]);
  }
}

/** Token of value `v` in class `c` (`~c:v`); {@link featureHash} puts these in their own hash range. */
const valueToken = (c: ValueClass, v: string) => `~${c}:${v}`;

/**
 * Country names (sovereign states; names that are also common words or US states — Georgia, Chad, Jordan,
 * Dominica, San Marino — left out), matched on their cut stems so that demonyms with the same stem join them
 * (syria/syrian, kenya/kenyan); irregular demonyms are listed.
 */
const COUNTRY_NAMES =
  'afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain ' +
  'bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei bulgaria burkina ' +
  'burundi cambodia cameroon canada chile china colombia comoros congo croatia cuba cyprus czech denmark djibouti ' +
  'ecuador egypt eritrea estonia eswatini ethiopia fiji finland france gabon gambia ghana greece grenada guatemala ' +
  'guinea guyana haiti honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica japan ' +
  'kazakhstan kenya kiribati korea kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya ' +
  'liechtenstein lithuania luxembourg madagascar malawi malaysia maldives mali malta mauritania mauritius mexico ' +
  'micronesia moldova monaco mongolia montenegro morocco mozambique myanmar burma namibia nauru nepal netherlands ' +
  'holland zealand nicaragua niger nigeria macedonia norway oman pakistan palau palestine panama paraguay peru ' +
  'philippines poland portugal qatar romania russia rwanda samoa saudi senegal serbia seychelles sierra singapore ' +
  'slovakia slovenia somalia sudan spain lanka suriname sweden switzerland syria taiwan tajikistan tanzania ' +
  'thailand togo tonga trinidad tunisia turkey turkmenistan tuvalu uganda ukraine emirates uk usa uruguay ' +
  'uzbekistan vanuatu vatican venezuela vietnam yemen zambia zimbabwe';
const DEMONYMS = new Map<string, string>(
  Object.entries({
    afghan: 'afghanistan',
    aussie: 'australia',
    belgian: 'belgium',
    burmese: 'myanmar',
    chinese: 'china',
    cuban: 'cuba',
    danish: 'denmark',
    dutch: 'netherlands',
    emirati: 'emirates',
    filipino: 'philippines',
    finnish: 'finland',
    french: 'france',
    greek: 'greece',
    hungarian: 'hungary',
    iranian: 'iran',
    iraqi: 'iraq',
    irish: 'ireland',
    italian: 'italy',
    lankan: 'lanka',
    nepalese: 'nepal',
    norwegian: 'norway',
    omani: 'oman',
    pak: 'pakistan',
    peruvian: 'peru',
    polish: 'poland',
    qatari: 'qatar',
    spanish: 'spain',
    swedish: 'sweden',
    swiss: 'switzerland',
    thai: 'thailand',
    turkish: 'turkey',
    uae: 'emirates',
  }),
);
const countryStem = (name: string) => stem(name).slice(0, STEM_CHARS);
const COUNTRIES = new Set(COUNTRY_NAMES.split(' ').map(countryStem));

/**
 * One lookup per word: a final token (`~c:v`, for number words and value words) or a replacement word
 * (headlinese), which is then stop-word filtered and stemmed.
 */
const LEXICON = new Map<string, string>();
for (const [w, to] of HEADLINESE) LEXICON.set(w, to);
for (const [w, [c, v]] of VALUE_WORDS) LEXICON.set(w, valueToken(c, v));
for (const [w, n] of NUMBER_WORDS) LEXICON.set(w, valueToken(ValueClass.Number, n));
for (const [w, c] of DEMONYMS) LEXICON.set(w, valueToken(ValueClass.Country, countryStem(c)));

/** Upper-case abbreviations whose lower-case forms are stop words or too short ("US", "UN"). */
const ABBREVIATION = /\b(?:U\.S\.(?:A\.)?|USA?\b|U\.N\.|UN\b|U\.K\.|UK\b|E\.U\.|EU\b)/g;
const abbreviation = (m: string) => {
  const c = m.charAt(m.charAt(1) === '.' ? 2 : 1);
  return c === 'S' ? ' usa ' : c === 'N' ? ' onu ' : c === 'K' ? ' uk ' : ' eu ';
};
const PHRASE = /\b(?:united states|united nations|united kingdom|european union)\b/g;
const phrase = (m: string) =>
  m === 'united states' ? 'usa' : m === 'united nations' ? 'onu' : m === 'united kingdom' ? 'uk' : 'eu';

/**
 * Title tokens: word stems cut to {@link STEM_CHARS} characters with stop words dropped, upper-case
 * abbreviations (U.S., UN, UK, EU) and a few headlinese words mapped to one form, numbers normalised (`3,1` →
 * `3.1`, `1,000` → `1000`, `nine` → `9`, `4.1bn` → `4.1` + `billion`), value-class tokens as `~class:value`, and
 * CJK runs as character bigrams.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let norm = normalizeText(/[EU][.NSK]/.test(text) ? text.replace(ABBREVIATION, abbreviation) : text);
  if (norm.includes('united ') || norm.includes('european ')) norm = norm.replace(PHRASE, phrase);
  if (/['’‘]/.test(norm)) norm = norm.replace(/['’‘]s\b/g, '').replace(/['’‘]/g, '');
  if (/\d[,a-z]/.test(norm))
    norm = norm
      .replace(/(\d),(?=\d{3}(?!\d))/g, '$1')
      .replace(/(\d)(?:st|nd|rd|th)\b/g, '$1')
      .replace(/(\d)([a-z])/g, '$1 $2');
  const ascii = ASCII.test(norm);
  for (const m of norm.matchAll(ascii ? ASCII_WORD : WORD)) {
    let w = m[0];
    if (hasWide(w) && CJK.test(w)) {
      const chars = [...w].filter((c) => CJK.test(c));
      if (chars.length === 1) out.push(chars[0]!);
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
      const rest = w.replace(new RegExp(CJK.source, 'gu'), ' ').trim();
      if (rest) out.push(...tokenize(rest));
      continue;
    }
    const c0 = w.charCodeAt(0);
    if ((c0 >= 48 && c0 <= 57) || (!ascii && /^\p{N}/u.test(w))) {
      out.push(valueToken(ValueClass.Number, w.replace(',', '.')));
      continue;
    }
    const lex = LEXICON.get(w);
    if (lex !== undefined) {
      if (lex.charCodeAt(0) === 126 /* ~ */) {
        out.push(lex);
        continue;
      }
      w = lex;
    }
    if (STOP.has(w) || w.length < 2) continue;
    const st = stem(w).slice(0, STEM_CHARS);
    out.push(COUNTRIES.has(st) ? valueToken(ValueClass.Country, st) : st);
  }
  return out;
}

function hasWide(w: string): boolean {
  for (let i = 0; i < w.length; i++) if (w.charCodeAt(i) >= 0x3040) return true;
  return false;
}

/** True when at least half of the letters of `text` are CJK (Han, kana, hangul). */
export function isMostlyCjk(text: string): boolean {
  let cjk = 0;
  let letters = 0;
  for (const ch of text) {
    if (CJK.test(ch)) cjk++;
    else if (/\p{L}/u.test(ch)) letters++;
  }
  return cjk > 0 && cjk >= letters / 2;
}

/** FNV-1a 32-bit hash of a string. */
export function hash32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** First hash of the value-class range: value tokens hash to `0xf0000000 | class << 24 | 24 bits`. */
export const VALUE_BASE = 0xf0000000;

/** The 32-bit feature of a token; value-class tokens (`~c:v`) sort after all others, grouped by class. */
export function featureHash(token: string): number {
  if (token.charCodeAt(0) === 126 /* ~ */) {
    const c = token.charCodeAt(1) - 48;
    return (VALUE_BASE | (c << 24) | (hash32(token) & 0xffffff)) >>> 0;
  }
  const h = hash32(token);
  return h >= VALUE_BASE ? (h & 0xefffffff) >>> 0 : h;
}

/** The distinct hashed features of a text, sorted ascending (a compact set for intersection). */
export function featureSet(text: string): Uint32Array {
  const tokens = tokenize(text);
  const h = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) h[i] = featureHash(tokens[i]!);
  h.sort();
  let n = 0;
  for (let i = 0; i < h.length; i++) if (i === 0 || h[i] !== h[i - 1]) h[n++] = h[i]!;
  return h.subarray(0, n);
}

/**
 * Whether two sorted feature ranges `a[a0..a1)` and `b[b0..b1)` state different values of one class: some class
 * has values on both sides and they share none.
 */
export function valuesConflict(
  a: Uint32Array,
  a0: number,
  a1: number,
  b: Uint32Array,
  b0: number,
  b1: number,
): boolean {
  let i = a1;
  let j = b1;
  while (i > a0 && a[i - 1]! >= VALUE_BASE) i--;
  while (j > b0 && b[j - 1]! >= VALUE_BASE) j--;
  // Walk both value tails class by class (they are sorted, so each class is one run).
  while (i < a1 && j < b1) {
    const ca = a[i]! >>> 24;
    const cb = b[j]! >>> 24;
    if (ca < cb) {
      while (i < a1 && a[i]! >>> 24 === ca) i++;
      continue;
    }
    if (cb < ca) {
      while (j < b1 && b[j]! >>> 24 === cb) j++;
      continue;
    }
    let shared = false;
    while (i < a1 && j < b1 && a[i]! >>> 24 === ca && b[j]! >>> 24 === ca) {
      if (a[i] === b[j]) {
        shared = true;
        i++;
        j++;
      } else if (a[i]! < b[j]!) i++;
      else j++;
    }
    if (!shared) return true;
    while (i < a1 && a[i]! >>> 24 === ca) i++;
    while (j < b1 && b[j]! >>> 24 === ca) j++;
  }
  return false;
}

/** Size of the intersection of two sorted feature sets. */
export function intersectionSize(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      n++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return n;
}
