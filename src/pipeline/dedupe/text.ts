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
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/u;

/** Lower-cased NFKC text with tags and entities removed and whitespace collapsed. */
export function normalizeText(s: string): string {
  return (/^[\x00-\x7f]*$/.test(s) ? s : s.normalize('NFKC'))
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
  else if (s.endsWith('s') && !/(ss|us|is)$/.test(s) && s.length > 3) s = s.slice(0, -1);
  if (s.endsWith('ing') && s.length > 5) s = s.slice(0, -3);
  else if (s.endsWith('ed') && s.length > 4) s = s.slice(0, -2);
  else if (s.endsWith('e') && s.length > 4) s = s.slice(0, -1);
  if (s.length > 3 && s.at(-1) === s.at(-2) && !/[aeiousl]/.test(s.at(-1)!)) s = s.slice(0, -1);
  return s;
}

/** Word tokens (stemmed, stop words dropped, `3,1` → `3.1`) and CJK character bigrams. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of normalizeText(text).matchAll(WORD)) {
    const w = m[0];
    if (hasWide(w) && CJK.test(w)) {
      const chars = [...w].filter((c) => CJK.test(c));
      if (chars.length === 1) out.push(chars[0]!);
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
      const rest = w.replace(new RegExp(CJK.source, 'gu'), ' ').trim();
      if (rest) out.push(...tokenize(rest));
      continue;
    }
    if (/^\p{N}/u.test(w)) {
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
  const set = new Set<number>();
  for (const t of tokenize(text)) set.add(hash32(t));
  return Uint32Array.from(set).sort();
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
