/**
 * The model's features: what a linear model reads of an item, hashed into a fixed number of buckets (the
 * hashing trick: no vocabulary file, unseen words cost nothing, a model is the same size whatever it was
 * trained on).
 *
 * Per item (title and text, each read once):
 * - `w:` word unigrams and `b:` word bigrams of the folded words (lower case, accents removed: the tokens the
 *   lexicon matcher uses), title and text alike; title words also count once more as `t:` features;
 * - `c:` character n-grams (4-grams by default) of each folded word of at least 4 letters, padded `<word>`,
 *   so `sediment`, `sediments` and `sedimentary` share most of their features;
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
  /** Word n-grams up to this length (1: unigrams, 2: + bigrams). */
  wordNgrams: number;
  /** Characters of the text (after the title) read. */
  maxTextChars: number;
  /** Multiplier of the lexicon features (0: the model does not read the lexicon). */
  lexicon: number;
}

export const DEFAULT_FEATURES: FeatureConfig = {
  hashBits: 17,
  charNgrams: [4, 4],
  wordNgrams: 2,
  maxTextChars: 1000,
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

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
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
  named: boolean,
): void {
  const [cmin, cmax] = cfg.charNgrams;
  let prev = 0;
  let prevWord = '';
  for (let i = 0; i < folded.length; i++) {
    const w = folded[i] as string;
    const hw = fnv(FNV_OFFSET, w);
    sink.text(mix(fnv(SEED.word, w)) & mask, named ? `w:${w}` : undefined);
    if (title) sink.text(mix(fnv(SEED.title, w)) & mask, named ? `t:${w}` : undefined);
    if (cfg.wordNgrams >= 2 && i > 0)
      sink.text(mix(bigram(prev, hw)) & mask, named ? `b:${prevWord} ${w}` : undefined);
    prev = hw;
    prevWord = w;
    if (cmax > 0 && w.length >= 4) {
      // `<word>`: start and end markers make prefixes and suffixes features of their own.
      const padded = `<${w}>`;
      for (let s = 0; s + cmin <= padded.length; s++) {
        let h = SEED.char;
        for (let k = 0; k < cmax && s + k < padded.length; k++) {
          h = Math.imul(h ^ padded.charCodeAt(s + k), FNV_PRIME);
          if (k + 1 >= cmin) sink.text(mix(h) & mask, named ? `c:${padded.slice(s, s + k + 1)}` : undefined);
        }
      }
    }
  }
}

/** A word bigram's hash from the FNV hashes of its two words. */
function bigram(h1: number, h2: number): number {
  return Math.imul(h1 ^ SEED.bigram, 0x9e3779b1) ^ h2;
}

function cjk(sink: FeatureSink, mask: number, text: string, named: boolean): void {
  let prev = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!CJK.test(text[i] as string)) {
      prev = -1;
      continue;
    }
    sink.text(mix(Math.imul(SEED.cjk1 ^ code, FNV_PRIME)) & mask, named ? `z1:${text[i]}` : undefined);
    if (prev >= 0)
      sink.text(
        mix(Math.imul(Math.imul(SEED.cjk ^ prev, FNV_PRIME) ^ code, FNV_PRIME)) & mask,
        named ? `z:${text.slice(i - 1, i + 1)}` : undefined,
      );
    prev = code;
  }
}

const squash = (raw: number) => (raw > 0 ? raw / (raw + 3) : 0);

/**
 * Sends every feature of one item to `sink`: text features first, then the lexicon's. `named` passes each
 * feature's name (slower: explanations only).
 */
export function extractFeatures(input: ModelInput, cfg: FeatureConfig, sink: FeatureSink, named = false): void {
  const mask = (1 << cfg.hashBits) - 1;
  const text = input.text.length > cfg.maxTextChars ? input.text.slice(0, cfg.maxTextChars) : input.text;
  const title = input.prepared?.title ?? prepareText(input.title);
  // The classify stage's text may be longer than the model reads: split again only then.
  const body =
    input.prepared && input.prepared.text.text.length <= cfg.maxTextChars
      ? input.prepared.text
      : prepareText(text);
  words(sink, mask, title.folded, cfg, true, named);
  words(sink, mask, body.folded, cfg, false, named);
  if (title.hasCjk) cjk(sink, mask, input.title, named);
  if (body.hasCjk) cjk(sink, mask, text, named);
  if (cfg.lexicon > 0 && input.lexicon) {
    let any = false;
    for (const topic in input.lexicon.topics) {
      const raw = input.lexicon.topics[topic] as number;
      if (raw <= 0) continue;
      any = true;
      sink.lexicon(mix(fnv(SEED.lex, topic)) & mask, cfg.lexicon * squash(raw), named ? `lex:${topic}` : undefined);
    }
    if (input.lexicon.offTopic > 0)
      sink.lexicon(
        mix(fnv(SEED.lex, 'off')) & mask,
        cfg.lexicon * squash(input.lexicon.offTopic),
        named ? 'lex:off' : undefined,
      );
    if (!any) sink.lexicon(mix(fnv(SEED.lex, 'none')) & mask, cfg.lexicon, named ? 'lex:none' : undefined);
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
    named,
  );
  const scale = nText > 0 ? 1 / Math.sqrt(nText) : 0;
  for (let i = 0; i < nText; i++) val[i] = scale;
  return { idx: Int32Array.from(idx), val: Float32Array.from(val), ...(named ? { names } : {}) };
}
