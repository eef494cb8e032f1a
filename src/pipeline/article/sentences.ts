/**
 * Sentence splitting and the summary cut of the article stage. A bulletin item is a summary of whole
 * sentences between `summaryMinChars` and `summaryMaxChars` code points: sentences are added until the
 * minimum is reached, never past the maximum. Sentence ends: `.` `!` `?` (and `…`) followed by a space and
 * something that can start a sentence, or the end of the text; the CJK full stops `。！？` anywhere; closing
 * quotes and brackets after the stop stay with the sentence. Common abbreviations (`U.S.`, `Dr.`, `z. B.`,
 * `Sr.`), initials (`J. Smith`) and decimal numbers do not end a sentence.
 */

/** Abbreviations (lower case, without the final dot) after which a dot does not end a sentence. */
const ABBREVIATIONS = new Set(
  (
    'mr mrs ms dr prof st jr sr sra srta dra vs etc e.g i.e cf al approx ca inc ltd co corp no nr nos fig figs ' +
    'gen gov sen rep col lt sgt capt cmdr adm rev hon mt ft dept univ est jan feb mar apr jun jul aug sep sept ' +
    'oct nov dec u.s u.k u.n e.u a.m p.m z.b bzw bspw ggf usw vgl evtl inkl d.h u.a s.a o.a dipl ing av pág pp ' +
    'vol ed eds op art sr.a mme mlle'
  ).split(' '),
);

/** Closing quotes and brackets that belong to the sentence before them. */
const CLOSERS = '"\'”’»」』）)]】〕';
/** What may start the next sentence after a Latin stop and a space. */
const STARTER =
  /^[\p{Lu}\p{Lt}\p{N}"'“‘«¿¡([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}—–-]/u;

/** Splits plain text (one line, whitespace collapsed) into sentences; each keeps its final punctuation. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    let end = -1;
    if (c === '。' || c === '！' || c === '？' || c === '!' || c === '?' || c === '.' || c === '…') {
      let j = i + 1;
      // Runs of stops (`?!`, `...`) and closers stay with the sentence.
      while (j < n && ('.!?！？。…'.includes(text[j]!) || CLOSERS.includes(text[j]!))) j++;
      if (c === '。' || c === '！' || c === '？') end = j;
      else if (j >= n) end = j;
      else if (/\s/.test(text[j]!)) {
        const next = text.slice(j).trimStart();
        if (STARTER.test(next) && (c !== '.' || !isAbbreviation(text, start, i))) end = j;
      } else if (/[\p{Script=Han}]/u.test(text[j]!) && c !== '.') end = j;
      if (end > 0) {
        const s = text.slice(start, end).trim();
        if (s) out.push(s);
        start = end;
        i = end - 1;
      }
    }
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** True when the dot at `dot` closes an abbreviation, an initial or a number rather than a sentence. */
function isAbbreviation(text: string, from: number, dot: number): boolean {
  const before = text.slice(Math.max(from, dot - 12), dot);
  const word = /([\p{L}.]+)$/u.exec(before)?.[1] ?? '';
  if (word === '') return /\d$/.test(before) && /^\.\s*\d/.test(text.slice(dot));
  if (/^\p{Lu}$/u.test(word)) return true; // an initial: "J. Smith"
  return ABBREVIATIONS.has(word.toLowerCase());
}

/** Code points of a string. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** True when `s` ends a sentence (a stop, possibly followed by closing quotes or brackets). */
export function endsSentence(s: string): boolean {
  let t = s.trimEnd();
  while (t && CLOSERS.includes(t[t.length - 1]!)) t = t.slice(0, -1);
  return /[.!?。！？…]$/.test(t);
}

/** Cuts at the last word or clause boundary within `max` code points and adds an ellipsis. */
function cutWithEllipsis(text: string, max: number): string {
  const head = Array.from(text)
    .slice(0, Math.max(1, max - 1))
    .join('');
  const clause = Math.max(...['，', '；', '、', '：'].map((p) => head.lastIndexOf(p)));
  const space = head.lastIndexOf(' ');
  const at = Math.max(clause, space);
  const base = at >= head.length / 2 ? head.slice(0, at) : head;
  return `${base.replace(/[\s,;:，、；：]+$/u, '')}…`;
}

/**
 * A summary of whole sentences of `text`, at least `min` code points when the text has that many and never
 * more than `max`. A first sentence longer than `max` is cut at a clause or word boundary with `…`.
 */
export function summarize(text: string, min: number, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (charLength(clean) <= min) return clean;
  let out = '';
  let len = 0;
  for (const s of splitSentences(clean)) {
    const sep = out && !/[\p{Script=Han}。！？」』）]$/u.test(out) ? ' ' : '';
    const add = charLength(s) + sep.length;
    if (len + add > max) break;
    out += sep + s;
    len += add;
    if (len >= min) break;
  }
  if (out) return out;
  return cutWithEllipsis(clean, max);
}
