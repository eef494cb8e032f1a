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

/** Word tokens (stemmed, stop words dropped, `3,1` → `3.1`) and CJK character bigrams. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const norm = normalizeText(text);
  const ascii = ASCII.test(norm);
  for (const m of norm.matchAll(ascii ? ASCII_WORD : WORD)) {
    const w = m[0];
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
      out.push(w.replace(',', '.'));
      continue;
    }
    if (STOP.has(w) || w.length < 2) continue;
    out.push(stem(w));
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

/** The distinct hashed features of a text, sorted ascending (a compact set for intersection). */
export function featureSet(text: string): Uint32Array {
  const tokens = tokenize(text);
  const h = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) h[i] = hash32(tokens[i]!);
  h.sort();
  let n = 0;
  for (let i = 0; i < h.length; i++) if (i === 0 || h[i] !== h[i - 1]) h[n++] = h[i]!;
  return h.subarray(0, n);
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
