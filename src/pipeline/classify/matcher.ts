/**
 * A compiled multi-lexicon matcher, built once and shared by topics, events and tags.
 *
 * Latin, Cyrillic and Greek text is matched on whole words: text is lower-cased, stripped of diacritics
 * and split on anything that is not a letter or digit; a term is a sequence of such words, where a word
 * ending in `*` matches any word starting with it (at least 3 letters), and a term starting with `=` is
 * matched case-sensitively ("=US", "=REY"). Chinese and Japanese are matched without segmentation, as
 * substrings of runs of CJK characters. Both scans take the longest term at each position and continue
 * after it (leftmost-longest), so a longer term ("china clay", "印度洋", "地铁") hides the shorter terms
 * inside it: that is how blocker terms with no payload suppress false positives.
 */

/** One term as written in configuration, with what it means. */
export interface TermSpec<P> {
  /** The term as written (used as evidence). */
  term: string;
  /** ISO 639-1 language the term belongs to. */
  lang: string;
  payload: P;
}

/** A match in a text: every payload of the longest term(s) found at one position. */
export interface Match<P> {
  /** The term as written (the first one when several terms of the same length matched). */
  term: string;
  /** Language of the first payload. */
  lang: string;
  payloads: readonly P[];
  /** Language of each payload (same order as `payloads`). */
  langs: readonly string[];
  /** Token index (word scripts) or character index (CJK). */
  at: number;
}

interface Entry<P> {
  /** Remaining words after the first, each exact or prefix. */
  rest: Array<{ word: string; prefix: boolean }>;
  caseSensitive: string[] | null;
  term: string;
  payloads: P[];
  langs: string[];
}

interface TrieNode<P> {
  next: Map<string, TrieNode<P>>;
  entries?: Entry<P>[];
}

interface Pick<P> {
  entries: Entry<P>[];
  len: number;
}

const CJK_RE = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
const MIN_PREFIX = 3;

/** Lower-case, strip diacritics (é → e, ø stays ø), unify apostrophes. */
export function foldWord(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss');
}

const SPLIT = /[^\p{L}\p{N}]+/u;
const ASCII_SPLIT = /[^A-Za-z0-9]+/;
const NON_ASCII = /[^\x00-\x7f]/;

/** A text split once into words, reusable by several matchers (topics, events, tags). */
export interface PreparedText {
  text: string;
  /** Words as written (accents removed), for case-sensitive terms. */
  orig: string[];
  /** The same words lower-cased. */
  folded: string[];
  hasCjk: boolean;
}

/** Splits text into original and folded word tokens (CJK runs are left to the CJK scan). */
export function prepareText(text: string): PreparedText {
  if (!NON_ASCII.test(text)) {
    const orig = text.split(ASCII_SPLIT).filter((w) => w.length > 0);
    return { text, orig, folded: orig.map((w) => w.toLowerCase()), hasCjk: false };
  }
  const hasCjk = CJK_RE.test(text);
  const plain = text.normalize('NFKD').replace(/\p{M}+/gu, '');
  const orig = plain.split(SPLIT).filter((w) => w.length > 0 && !(hasCjk && CJK_RE.test(w)));
  return { text, orig, folded: orig.map((w) => w.toLowerCase().replace(/ß/g, 'ss')), hasCjk };
}

/** Splits text into original and folded word tokens. */
export function tokenize(text: string): { orig: string[]; folded: string[] } {
  const p = prepareText(text);
  return { orig: p.orig, folded: p.folded };
}

function toMatch<P>(entries: Entry<P>[], at: number): Match<P> {
  const [first] = entries as [Entry<P>];
  if (entries.length === 1) {
    return {
      term: first.term,
      lang: first.langs[0] as string,
      payloads: first.payloads,
      langs: first.langs,
      at,
    };
  }
  return {
    term: first.term,
    lang: first.langs[0] as string,
    payloads: entries.flatMap((e) => e.payloads),
    langs: entries.flatMap((e) => e.langs),
    at,
  };
}

/** The compiled matcher. */
export class LexiconMatcher<P> {
  private readonly exact = new Map<string, Entry<P>[]>();
  /** Character trie of the prefix terms' first words. */
  private readonly prefixRoot: TrieNode<P> = { next: new Map() };
  private readonly cjk = new Map<string, Array<{ text: string; entry: Entry<P> }>>();

  constructor(specs: Iterable<TermSpec<P>>) {
    const merged = new Map<string, Entry<P>>();
    for (const spec of specs) {
      const key = `${spec.lang === 'zh' || spec.lang === 'ja' ? 'cjk' : 'w'}\u0000${spec.term.trim()}`;
      const known = merged.get(key);
      if (known) {
        known.payloads.push(spec.payload);
        known.langs.push(spec.lang);
        continue;
      }
      const entry = this.add(spec);
      if (entry) merged.set(key, entry);
    }
    for (const list of this.cjk.values()) list.sort((a, b) => b.text.length - a.text.length);
  }

  private add(spec: TermSpec<P>): Entry<P> | undefined {
    const raw = spec.term.trim();
    if (raw.length === 0) return undefined;
    if (CJK_RE.test(raw)) {
      const entry: Entry<P> = {
        rest: [],
        caseSensitive: null,
        term: raw,
        payloads: [spec.payload],
        langs: [spec.lang],
      };
      const first = raw[0] as string;
      const list = this.cjk.get(first) ?? [];
      list.push({ text: raw, entry });
      this.cjk.set(first, list);
      return entry;
    }
    const cs = raw.startsWith('=');
    const body = cs ? raw.slice(1) : raw;
    const words = body
      .split(/[^\p{L}\p{N}*]+/u)
      .filter(Boolean)
      .map((w) => {
        const prefix = w.endsWith('*');
        const bare = prefix ? w.slice(0, -1) : w;
        return { word: cs ? bare : foldWord(bare).replace(/[^\p{L}\p{N}]+/gu, ''), prefix };
      })
      .filter((w) => w.word.length > 0);
    const [first, ...rest] = words;
    if (!first) return undefined;
    const entry: Entry<P> = {
      rest,
      caseSensitive: cs ? words.map((w) => w.word) : null,
      term: raw,
      payloads: [spec.payload],
      langs: [spec.lang],
    };
    const key = cs ? foldWord(first.word) : first.word;
    if (first.prefix && first.word.length >= MIN_PREFIX) {
      let node = this.prefixRoot;
      for (const ch of key) {
        let child = node.next.get(ch);
        if (!child) {
          child = { next: new Map() };
          node.next.set(ch, child);
        }
        node = child;
      }
      if (!node.entries) node.entries = [];
      node.entries.push(entry);
    } else {
      const list = this.exact.get(key) ?? [];
      list.push(entry);
      this.exact.set(key, list);
    }
    return entry;
  }

  /** All leftmost-longest matches in `text` (or a text prepared once), word scripts first, then CJK. */
  match(input: string | PreparedText): Match<P>[] {
    const prepared = typeof input === 'string' ? prepareText(input) : input;
    const out: Match<P>[] = [];
    this.matchWords(prepared, out);
    if (this.cjk.size > 0 && prepared.hasCjk) this.matchCjk(prepared.text, out);
    return out;
  }

  private matchWords({ orig, folded }: PreparedText, out: Match<P>[]): void {
    let i = 0;
    const hasPrefixes = this.prefixRoot.next.size > 0;
    while (i < folded.length) {
      const word = folded[i] as string;
      const pick: Pick<P> = { entries: [], len: 0 };
      this.consider(this.exact.get(word), orig, folded, i, pick);
      if (hasPrefixes) {
        let node: TrieNode<P> | undefined = this.prefixRoot;
        for (let c = 0; c < word.length && node; c++) {
          node = node.next.get(word[c] as string);
          if (node?.entries) this.consider(node.entries, orig, folded, i, pick);
        }
      }
      if (pick.entries.length > 0) {
        out.push(toMatch(pick.entries, i));
        i += pick.len;
      } else i++;
    }
  }

  private consider(
    list: Entry<P>[] | undefined,
    orig: string[],
    folded: string[],
    i: number,
    pick: Pick<P>,
  ): void {
    if (!list) return;
    for (const e of list) {
      const len = 1 + e.rest.length;
      if (len < pick.len || i + len > folded.length) continue;
      if (this.matchesAt(e, orig, folded, i)) {
        // Terms of the same length at one position (e.g. Italian "terremoto" and Spanish "terremoto*")
        // all count: their payloads are merged.
        if (len > pick.len) pick.entries = [];
        pick.entries.push(e);
        pick.len = len;
      }
    }
  }

  private matchesAt(e: Entry<P>, orig: string[], folded: string[], i: number): boolean {
    if (e.caseSensitive) {
      for (let k = 0; k < e.caseSensitive.length; k++) if (orig[i + k] !== e.caseSensitive[k]) return false;
      return true;
    }
    for (let k = 0; k < e.rest.length; k++) {
      const w = e.rest[k] as { word: string; prefix: boolean };
      const t = folded[i + 1 + k] as string;
      if (w.prefix ? !t.startsWith(w.word) : t !== w.word) return false;
    }
    return true;
  }

  private matchCjk(text: string, out: Match<P>[]): void {
    let i = 0;
    while (i < text.length) {
      const list = this.cjk.get(text[i] as string);
      let hit: Entry<P> | undefined;
      let len = 0;
      if (list) {
        for (const c of list) {
          if (text.startsWith(c.text, i)) {
            hit = c.entry;
            len = c.text.length;
            break;
          }
        }
      }
      if (hit) {
        out.push(toMatch([hit], i));
        i += len;
      } else i++;
    }
  }
}
