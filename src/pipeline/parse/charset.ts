/**
 * Bytes → text. Order (docs/reliability.md P6, Miniflux's rule): BOM → valid UTF-8 → the document's own label
 * (XML prolog or HTML `<meta charset>`, searched past the first 1024 bytes) → the HTTP header charset →
 * windows-1252 with a warning. A label whose decoding produces U+FFFD is treated as wrong and the next
 * source is tried, so a wrong declaration degrades to a warning rather than an error.
 */
import iconv from 'iconv-lite';
import type { Warning } from '../types.js';

/** Result of decoding: the text (BOM removed) and the lower-case charset it was decoded from. */
export interface DecodedText {
  text: string;
  encoding: string;
  warnings: Warning[];
}

/** Reported label for common aliases (lower case). */
const CANONICAL: Record<string, string> = {
  utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8', latin1: 'iso-8859-1', 'iso8859-1': 'iso-8859-1',
  iso_8859_1: 'iso-8859-1', 'iso_8859-1': 'iso-8859-1', l1: 'iso-8859-1', cp1252: 'windows-1252',
  'x-cp1252': 'windows-1252', cp1251: 'windows-1251', 'x-cp1251': 'windows-1251', cp936: 'gbk',
  'x-gbk': 'gbk', gb_2312: 'gb2312', 'gb_2312-80': 'gb2312', 'x-euc-cn': 'gb2312', 'euc-cn': 'gb2312',
  koi8r: 'koi8-r', cskoi8r: 'koi8-r', ascii: 'us-ascii', 'x-big5': 'big5', cp950: 'big5',
  'shift-jis': 'shift_jis', sjis: 'shift_jis', ucs2: 'utf-16le', 'utf-16': 'utf-16le',
}; // biome-ignore format: table

/** Decoder used for a reported label where a superset decodes more real-world bytes (WHATWG choices). */
const DECODER: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  'us-ascii': 'windows-1252',
  gb2312: 'gb18030',
  gbk: 'gb18030',
  big5: 'big5hkscs',
};

/** Normalises a charset label to the lower-case name reported in the parse document. */
export function canonicalCharset(label: string): string {
  const l = label
    .trim()
    .replace(/^["']|["']$/g, '')
    .toLowerCase();
  return Object.hasOwn(CANONICAL, l) ? CANONICAL[l]! : l;
}

function sniffBom(b: Uint8Array): { encoding: string; skip: number } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00)
    return { encoding: 'utf-16le', skip: 0 };
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f)
    return { encoding: 'utf-16be', skip: 0 };
  return null;
}

function isAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return false;
  return true;
}

function decodeUtf8Strict(b: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    return null;
  }
}

/** The label the document declares for itself: XML prolog first, then an HTML `<meta>` anywhere in the head. */
export function declaredCharset(b: Uint8Array): string | null {
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 1 << 20)).toString('latin1');
  const prolog = /^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']/.exec(
    head.slice(0, 1024),
  );
  if (prolog) return canonicalCharset(prolog[1]!);
  const meta = /<meta\b[^>]{0,500}?charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})/i.exec(head);
  return meta ? canonicalCharset(meta[1]!) : null;
}

/** The charset parameter of a Content-Type header value. */
export function headerCharset(contentType: string | undefined): string | null {
  const m = contentType ? /charset\s*=\s*["']?([^"';\s]+)/i.exec(contentType) : null;
  return m ? canonicalCharset(m[1]!) : null;
}

function tryDecode(b: Uint8Array, label: string): string | null {
  const decoder = Object.hasOwn(DECODER, label) ? DECODER[label]! : label;
  if (label.startsWith('utf-16') || label.startsWith('utf-32') || !iconv.encodingExists(decoder)) return null;
  const text = iconv.decode(Buffer.from(b.buffer, b.byteOffset, b.length), decoder, { stripBOM: true });
  return text.includes('\uFFFD') ? null : text;
}

/** Decodes a document's bytes; never throws. */
export function decodeBytes(bytes: Uint8Array, contentType?: string): DecodedText {
  const warnings: Warning[] = [];
  const bom = sniffBom(bytes);
  if (bom) {
    const body = bytes.subarray(bom.skip);
    const text = iconv.decode(Buffer.from(body.buffer, body.byteOffset, body.length), bom.encoding);
    return { text: text.replace(/^\uFEFF/, ''), encoding: bom.encoding, warnings };
  }
  const declared = declaredCharset(bytes);
  const header = headerCharset(contentType);
  if (isAscii(bytes)) {
    const label = [header, declared].find((l) => l && !l.startsWith('utf-16') && !l.startsWith('utf-32'));
    return { text: Buffer.from(bytes).toString('latin1'), encoding: label ?? 'utf-8', warnings };
  }
  const utf8 = decodeUtf8Strict(bytes);
  if (utf8 !== null) return { text: utf8, encoding: 'utf-8', warnings };
  for (const label of [declared, header]) {
    if (!label || label === 'utf-8') continue;
    const text = tryDecode(bytes, label);
    if (text !== null) return { text, encoding: label, warnings };
    warnings.push({
      code: 'CHARSET_MISMATCH',
      message: `declared charset "${label}" does not decode these bytes cleanly; trying the next source`,
    });
  }
  warnings.push({
    code: 'CHARSET_FALLBACK',
    message: `no usable charset declaration (declared ${declared ?? 'none'}, header ${header ?? 'none'}); decoded as windows-1252`,
  });
  return { text: iconv.decode(Buffer.from(bytes), 'windows-1252'), encoding: 'windows-1252', warnings };
}
