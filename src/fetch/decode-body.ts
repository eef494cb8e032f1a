import { type Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { GeoError } from '../errors.js';

/** At most this many content-codings are undone; more is refused (undici CVE-2026-22036 is the lesson). */
export const MAX_ENCODINGS = 2;

const KNOWN = new Set(['gzip', 'deflate', 'br']);

/**
 * Parses `Content-Encoding` into the list of codings in the order they were applied (`identity` dropped,
 * `x-gzip` read as gzip). Throws `UNSUPPORTED_ENCODING` for unknown codings or more than {@link MAX_ENCODINGS}.
 */
export function parseContentEncoding(header: string | undefined): string[] {
  if (!header) return [];
  const codings = header
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity')
    .map((s) => (s === 'x-gzip' ? 'gzip' : s));
  const unknown = codings.find((c) => !KNOWN.has(c));
  if (unknown !== undefined)
    throw new GeoError('UNSUPPORTED_ENCODING', `unsupported Content-Encoding "${unknown}"`, {
      details: { contentEncoding: header },
    });
  if (codings.length > MAX_ENCODINGS)
    throw new GeoError(
      'UNSUPPORTED_ENCODING',
      `Content-Encoding chain of ${codings.length} codings (at most ${MAX_ENCODINGS})`,
      { details: { contentEncoding: header } },
    );
  return codings;
}

function createDecoder(coding: string): Transform {
  // Strict flushing on purpose: a stream cut short is a DECODE_ERROR, never a truncated document.
  if (coding === 'gzip') return zlib.createGunzip();
  if (coding === 'deflate') return new DeflateDecoder();
  return zlib.createBrotliDecompress();
}

/**
 * `deflate` means zlib-wrapped data (RFC 9110), but some servers send raw DEFLATE: the first two bytes decide
 * (a zlib header has compression method 8 and is a multiple of 31), then a zlib or raw inflater does the work.
 */
class DeflateDecoder extends Transform {
  private inner?: Transform;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.inner) {
      const b0 = chunk[0] ?? 0;
      const b1 = chunk[1] ?? 0;
      const wrapped = chunk.length < 2 || ((b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0);
      this.inner = wrapped ? zlib.createInflate() : zlib.createInflateRaw();
      this.inner.on('data', (d: Buffer) => this.push(d));
      this.inner.on('error', (e) => this.destroy(e));
    }
    this.inner.write(chunk, () => cb());
  }

  override _flush(cb: TransformCallback): void {
    if (!this.inner) {
      cb();
      return;
    }
    this.inner.once('end', () => cb());
    this.inner.end();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }
}

/**
 * Reads `source` to the end through the decoders for `codings`, counting bytes after decompression (and
 * before, for the wire). The moment either count passes `maxBytes` every stream is destroyed and the promise
 * rejects with `RESPONSE_TOO_LARGE`; nothing beyond the cap is kept, so a decompression bomb costs at most
 * `maxBytes` plus one zlib chunk. A corrupt or truncated compressed stream rejects with `DECODE_ERROR`.
 * Errors of `source` itself are passed through unchanged for the caller to classify.
 */
export function collectBody(
  source: Readable,
  codings: readonly string[],
  maxBytes: number,
  onData?: () => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const decoders = [...codings].reverse().map(createDecoder);
    const streams: Readable[] = [source, ...decoders];
    const chunks: Buffer[] = [];
    let wire = 0;
    let total = 0;
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      for (const s of streams) s.destroy();
      chunks.length = 0;
      reject(err);
    };
    const tooLarge = (what: string): GeoError =>
      new GeoError('RESPONSE_TOO_LARGE', `response body exceeds ${maxBytes} bytes (${what})`, {
        details: { maxBytes },
      });
    source.on('error', fail);
    source.on('data', (chunk: Buffer) => {
      wire += chunk.length;
      onData?.();
      if (wire > maxBytes) fail(tooLarge('on the wire'));
    });
    let tail: Readable = source;
    for (const d of decoders) {
      d.on('error', (err) =>
        fail(new GeoError('DECODE_ERROR', `cannot decode response body: ${err.message}`, { cause: err })),
      );
      tail.pipe(d);
      tail = d;
    }
    tail.on('data', (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxBytes) return fail(tooLarge(codings.length ? 'after decompression' : 'on the wire'));
      chunks.push(chunk);
    });
    tail.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
  });
}
