/**
 * The model's features: what a linear model reads of an item, hashed into a fixed number of buckets (the
 * hashing trick: no vocabulary file, unseen words cost nothing, a model is the same size whatever it was
 * trained on).
 *
 * Per item (title and text, each read once):
 * - `w:` word unigrams and `b:` word bigrams of the folded words (lower case, accents removed: the tokens the
 *   lexicon matcher uses), title and text alike; title words also count once more as `t:` features;
 * - `c:` character n-grams (4-grams by default) of each folded title word of at least 4 letters (of the text's
 *   words too with `charText`), padded `<word>`, so `sediment`, `sediments` and `sedimentary` share most of
 *   their features;
 * - `z:` Chinese/Japanese character bigrams (and `z1:` single characters) of the CJK runs, which need no word
 *   segmentation;
 * - `lex:` the lexicon's evidence: per topic and for the off-topic lexicon, raw / (raw + 3) (0 when none),
 *   and `lex:none` when no topic has positive evidence.
 *
 * Text features have value 1 per occurrence, scaled by 1/√n over the n occurrences of the item (longer texts
 * do not get larger scores); lexicon features are added unscaled. Pure; the hash is FNV-1a (32-bit) of the
 * feature's kind and characters, reduced to `2^hashBits` buckets.
 */
import { type PreparedText, prepareText } from '../classify/matcher.js';

/** How features are made; stored in every model so a model is always read with its own settings. */
export interface FeatureConfig {
  /** log2 of the number of buckets. */
  hashBits: number;
  /** Character n-gram lengths [min, max]; [0, 0] for none. */
  charNgrams: [number, number];
  /** Character n-grams of the text's words too (else of the title's only). */
  charText: boolean;
  /** Title words count once more as `t:` features. */
  titleWords: boolean;
  /** Word n-grams up to this length (1: unigrams, 2: + bigrams). */
  wordNgrams: number;
  /** Characters of the text (after the title) read for CJK features. */
  maxTextChars: number;
  /** Words of the text read (the classify stage's split text is used as it is, up to this many words). */
  maxTextWords: number;
  /** Multiplier of the lexicon features (0: the model does not read the lexicon). */
  lexicon: number;
}

export const DEFAULT_FEATURES: FeatureConfig = {
  hashBits: 15,
  charNgrams: [4, 4],
  charText: false,
  titleWords: true,
  wordNgrams: 2,
  maxTextChars: 1000,
  maxTextWords: 160,
  lexicon: 1,
};

/** The lexicon's evidence about an item, as the classify stage computed it. */
export interface LexiconEvidence {
  /** Raw score per topic id (sum of matched terms' contributions; the source hint is not included). */
  topics: Readonly<Record<string, number>>;
  /** Raw score of the off-topic lexicon. */
  offTopic: number;
}

/** What the model reads of an item. */
export interface ModelInput {
  title: string;
  /** Summary and/or content, plain text. */
  text: string;
  /** The lexicon's evidence, when the model reads it (the classify stage passes it). */
  lexicon?: LexiconEvidence;
  /** The title and text already split by the classify stage (saves splitting them twice). */
  prepared?: { title: PreparedText; text: PreparedText };
}

/** Sparse feature vector: bucket indexes (repeats allowed) and values. */
export interface FeatureVector {
  idx: Int32Array;
  val: Float32Array;
  /** Feature names, same order (only when asked for: explanations). */
  names?: string[];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of a string, continuing from `h`. */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Final avalanche (murmur3 fmix32): spreads FNV's low bits before the modulo. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const seedOf = (kind: string) => fnv(FNV_OFFSET, kind);
const SEED = {
  word: seedOf('w:'),
  title: seedOf('t:'),
  bigram: seedOf('b:'),
  char: seedOf('c:'),
  cjk: seedOf('z:'),
  cjk1: seedOf('z1:'),
  lex: seedOf('lex:'),
};

/** Bucket of a named feature (`w:granite`, `lex:marine`…), for tests and explanations. */
export function bucketOf(name: string, hashBits: number): number {
  const colon = name.indexOf(':');
  const kind = name.slice(0, colon + 1);
  const body = name.slice(colon + 1);
  const mask = (1 << hashBits) - 1;
  if (kind === 'b:') {
    const [a = '', b = ''] = body.split(' ');
    return mix(bigram(fnv(FNV_OFFSET, a), fnv(FNV_OFFSET, b))) & mask;
  }
  if (kind === 'w:' || kind === 't:') return mix(kindOf(fnv(FNV_OFFSET, body), seedOf(kind))) & mask;
  return mix(fnv(seedOf(kind), body)) & mask;
}

/** Receives the features of one item as they are made (a vector for training, a running score for scoring). */
export interface FeatureSink {
  /** One occurrence of a text feature (value 1 before the 1/√n scaling). `name` only when asked for. */
  text(bucket: number, name: string | undefined): void;
  /** A lexicon feature and its value (not scaled). */
  lexicon(bucket: number, value: number, name: string | undefined): void;
}

function words(
  sink: FeatureSink,
  mask: number,
  folded: readonly string[],
  cfg: FeatureConfig,
  title: boolean,
  want: NameWanted | undefined,
): void {
  const [cmin, cmax] = cfg.charNgrams;
  let prev = 0;
  const count = title ? folded.length : Math.min(folded.length, cfg.maxTextWords);
  for (let i = 0; i < count; i++) {
    const w = folded[i] as string;
    const hw = fnv(FNV_OFFSET, w);
    let b = mix(kindOf(hw, SEED.word)) & mask;
    sink.text(b, want?.(b) ? `w:${w}` : undefined);
    if (title && cfg.titleWords) {
      b = mix(kindOf(hw, SEED.title)) & mask;
      sink.text(b, want?.(b) ? `t:${w}` : undefined);
    }
    if (cfg.wordNgrams >= 2 && i > 0) {
      b = mix(bigram(prev, hw)) & mask;
      sink.text(b, want?.(b) ? `b:${folded[i - 1]} ${w}` : undefined);
    }
    prev = hw;
    const len = w.length;
    if (cmax > 0 && len >= 4 && (title || cfg.charText)) {
      // The word padded `<word>`: start and end markers make prefixes and suffixes features of their own.
      const padded = len + 2;
      for (let s = 0; s + cmin <= padded; s++) {
        let h = SEED.char;
        for (let k = 0; k < cmax && s + k < padded; k++) {
          const p = s + k;
          h = Math.imul(h ^ (p === 0 ? 60 : p === len + 1 ? 62 : w.charCodeAt(p - 1)), FNV_PRIME);
          if (k + 1 >= cmin) {
            b = mix(h) & mask;
            sink.text(b, want?.(b) ? `c:${`<${w}>`.slice(s, s + k + 1)}` : undefined);
          }
        }
      }
    }
  }
}

/** A word feature's hash from the word's FNV hash and its kind's seed (the word is hashed once). */
function kindOf(hw: number, seed: number): number {
  return Math.imul(hw ^ seed, 0x9e3779b1);
}

/** A word bigram's hash from the FNV hashes of its two words. */
function bigram(h1: number, h2: number): number {
  return Math.imul(h1 ^ SEED.bigram, 0x9e3779b1) ^ h2;
}

/** Hiragana, katakana, CJK ideographs (extension A, unified, compatibility): the lexicon matcher's CJK. */
function isCjk(code: number): boolean {
  return (
    (code >= 0x3040 && code <= 0x30ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xf900 && code <= 0xfaff)
  );
}

function cjk(sink: FeatureSink, mask: number, text: string, want: NameWanted | undefined): void {
  let prev = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isCjk(code)) {
      prev = -1;
      continue;
    }
    let b = mix(Math.imul(SEED.cjk1 ^ code, FNV_PRIME)) & mask;
    sink.text(b, want?.(b) ? `z1:${text[i]}` : undefined);
    if (prev >= 0) {
      b = mix(Math.imul(Math.imul(SEED.cjk ^ prev, FNV_PRIME) ^ code, FNV_PRIME)) & mask;
      sink.text(b, want?.(b) ? `z:${text.slice(i - 1, i + 1)}` : undefined);
    }
    prev = code;
  }
}

const lexHashes = new Map<string, number>();
/** Hash of a lexicon feature (`lex:<topic>`, `lex:off`, `lex:none`), remembered: there are a handful. */
function lexHash(name: string): number {
  let h = lexHashes.get(name);
  if (h === undefined) {
    h = mix(fnv(SEED.lex, name));
    lexHashes.set(name, h);
  }
  return h;
}

const squash = (raw: number) => (raw > 0 ? raw / (raw + 3) : 0);

/** Which features to name (names cost time: explanations name a few). */
export type NameWanted = (bucket: number) => boolean;

/** Names every feature. */
export const ALL_NAMES: NameWanted = () => true;

/**
 * Sends every feature of one item to `sink`: text features first, then the lexicon's. A feature whose bucket
 * `want` accepts comes with its name (explanations only; none by default).
 */
export function extractFeatures(
  input: ModelInput,
  cfg: FeatureConfig,
  sink: FeatureSink,
  want?: NameWanted,
): void {
  const mask = (1 << cfg.hashBits) - 1;
  const text = input.text.length > cfg.maxTextChars ? input.text.slice(0, cfg.maxTextChars) : input.text;
  const title = input.prepared?.title ?? prepareText(input.title);
  const body = input.prepared?.text ?? prepareText(text);
  words(sink, mask, title.folded, cfg, true, want);
  words(sink, mask, body.folded, cfg, false, want);
  if (title.hasCjk) cjk(sink, mask, input.title, want);
  if (body.hasCjk) cjk(sink, mask, text, want);
  if (cfg.lexicon > 0 && input.lexicon) {
    let any = false;
    for (const topic in input.lexicon.topics) {
      const raw = input.lexicon.topics[topic] as number;
      if (raw <= 0) continue;
      any = true;
      const b = lexHash(topic) & mask;
      sink.lexicon(b, cfg.lexicon * squash(raw), want?.(b) ? `lex:${topic}` : undefined);
    }
    if (input.lexicon.offTopic > 0) {
      const b = lexHash('off') & mask;
      sink.lexicon(b, cfg.lexicon * squash(input.lexicon.offTopic), want?.(b) ? 'lex:off' : undefined);
    }
    if (!any) {
      const b = lexHash('none') & mask;
      sink.lexicon(b, cfg.lexicon, want?.(b) ? 'lex:none' : undefined);
    }
  }
}

/**
 * The feature vector of one item (training, tests): text features scaled by 1/√n, then the lexicon's.
 * @example featuresOf({ title: 'Groundwater depletion', text: '' }, DEFAULT_FEATURES).idx.length
 */
export function featuresOf(input: ModelInput, cfg: FeatureConfig, named = false): FeatureVector {
  const idx: number[] = [];
  const val: number[] = [];
  const names: string[] = [];
  let nText = 0;
  extractFeatures(
    input,
    cfg,
    {
      text(bucket, name) {
        idx.push(bucket);
        val.push(1);
        nText++;
        if (name !== undefined) names.push(name);
      },
      lexicon(bucket, value, name) {
        idx.push(bucket);
        val.push(value);
        if (name !== undefined) names.push(name);
      },
    },
    named ? ALL_NAMES : undefined,
  );
  const scale = nText > 0 ? 1 / Math.sqrt(nText) : 0;
  for (let i = 0; i < nText; i++) val[i] = scale;
  return { idx: Int32Array.from(idx), val: Float32Array.from(val), ...(named ? { names } : {}) };
}
