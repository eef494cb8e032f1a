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

/** Lower-cased NFKC text with tags and entities removed and whitespace collapsed. */
export function normalizeText(s: string): string {
  return (ASCII.test(s) ? s : s.normalize('NFKC'))
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:#\d+|#x[0-9a-f]+|[a-z]+);/gi, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
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

const NUMBER_WORDS: Record<string, string> = {
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
};

/** Headlinese short forms and their plain words (the register of news headlines, not a list fitted to data). */
const HEADLINESE: Record<string, string> = {
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
};

/**
 * Value classes: tokens that name one value of a closed class. Two titles that both name values of a class and
 * share none (different numbers, different days or months, opposite directions) report different facts —
 * "Stocks close 0.39% higher" / "… 2.47% higher", "10 Things to Know for Wednesday" / "… Thursday".
 */
export const enum ValueClass {
  Number = 0,
  Date = 1,
  Direction = 2,
  OpenClose = 3,
  WinLose = 4,
  Verdict = 5,
  Sanction = 6,
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
  [ValueClass.Direction, ['+ up higher rise rises rose gain gains strengthen strengthens', '- down lower fall falls fell loss losses weaken weakens drop drops']],
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

const ABBREVIATIONS: Array<[RegExp, string]> = [
  [/\bU\.S\.(?:A\.)?|\bUSA?\b/g, ' usa '],
  [/\bU\.N\.|\bUN\b/g, ' onu '],
  [/\bU\.K\.|\bUK\b/g, ' uk '],
  [/\bE\.U\.|\bEU\b/g, ' eu '],
];
const PHRASES: Array<[RegExp, string]> = [
  [/\bunited states\b/g, 'usa'],
  [/\bunited nations\b/g, 'onu'],
  [/\bunited kingdom\b/g, 'uk'],
  [/\beuropean union\b/g, 'eu'],
];

/**
 * Title tokens: word stems cut to {@link STEM_CHARS} characters with stop words dropped, upper-case
 * abbreviations (U.S., UN, UK, EU) and a few headlinese words mapped to one form, numbers normalised (`3,1` →
 * `3.1`, `1,000` → `1000`, `nine` → `9`, `4.1bn` → `4.1` + `billion`), value-class tokens as `~class:value`, and
 * CJK runs as character bigrams.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let raw = text;
  if (/[A-Z]/.test(raw)) for (const [re, to] of ABBREVIATIONS) raw = raw.replace(re, to);
  let norm = normalizeText(raw);
  if (norm.includes('united') || norm.includes('european'))
    for (const [re, to] of PHRASES) norm = norm.replace(re, to);
  norm = norm
    .replace(/['’‘]s\b/g, '')
    .replace(/['’‘]/g, '')
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1')
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
    w = NUMBER_WORDS[w] ?? w;
    const c0 = w.charCodeAt(0);
    if ((c0 >= 48 && c0 <= 57) || (!ascii && /^\p{N}/u.test(w))) {
      out.push(valueToken(ValueClass.Number, w.replace(',', '.')));
      continue;
    }
    const value = VALUE_WORDS.get(w);
    if (value) {
      out.push(valueToken(value[0], value[1]));
      continue;
    }
    w = HEADLINESE[w] ?? w;
    if (STOP.has(w) || w.length < 2) continue;
    out.push(stem(w).slice(0, STEM_CHARS));
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
export function valuesConflict(a: Uint32Array, a0: number, a1: number, b: Uint32Array, b0: number, b1: number): boolean {
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
