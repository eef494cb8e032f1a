/**
 * The wire format of the live streams (docs/streams.md): Redis stream ids, topic names, SSE frames and the
 * WebSocket messages. Pure functions, no I/O.
 *
 * SSE framing (RELIABILITY.md O5, T-O3): one logical event per record. The `event:` field only ever takes a
 * value of the enum below, `id:` only a validated stream id, and the `data:` line is the record JSON as
 * stored. JSON.stringify never emits a raw CR or LF, but a record written by something else might (JSON
 * allows CR/LF as whitespace between tokens), and a lone CR is a line terminator for SSE (WHATWG) — so a
 * record containing CR, LF, NEL, U+2028 or U+2029 is re-serialised (same JSON value) instead of ever being
 * split into several lines.
 */

/**
 * The only SSE event names the relay sends (heartbeats are comment lines, `: ping`). `revoked` is the last
 * event of a stream whose credential ended (src/api/live-auth.ts).
 */
export const SSE_EVENTS = ['record', 'resync', 'revoked'] as const;
export type SseEventName = (typeof SSE_EVENTS)[number];

const MAX_U64 = (1n << 64n) - 1n;
const ID_RE = /^(\d{1,20})-(\d{1,20})$/;

/**
 * A Redis stream id (`<ms>-<seq>`, both unsigned 64-bit) normalised (no leading zeros), or null when the text
 * is not one. `Last-Event-ID` and `?lastEventId=` pass through here before anything reaches Redis.
 */
export function parseStreamId(text: string): string | null {
  const m = ID_RE.exec(text);
  if (!m) return null;
  const ms = BigInt(m[1]!);
  const seq = BigInt(m[2]!);
  if (ms > MAX_U64 || seq > MAX_U64) return null;
  return `${ms}-${seq}`;
}

function cmpNum(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two normalised stream ids (as Redis does): negative, 0 or positive. */
export function cmpStreamId(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  return cmpNum(a.slice(0, da), b.slice(0, db)) || cmpNum(a.slice(da + 1), b.slice(db + 1));
}

/** A topic name the relay accepts in a key (`<prefix>:stream:<topic>`): `all` or a topic id of the taxonomy. */
export function isValidTopic(topic: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(topic);
}

const UNSAFE_LINE_CHARS = /[\r\n\u0085\u2028\u2029]/;

/**
 * The record JSON for one `data:` line: unchanged unless it contains a line-breaking character; then the same
 * JSON value without one (CR/LF can only be whitespace in valid JSON; NEL, U+2028 and U+2029 only occur inside
 * strings, where `\uXXXX` escapes keep the value). Text that is not valid JSON gets its CR and LF escaped: it
 * still goes out as exactly one event.
 */
export function sseData(json: string): string {
  if (!UNSAFE_LINE_CHARS.test(json)) return json;
  let out: string;
  try {
    out = JSON.stringify(JSON.parse(json));
  } catch {
    out = json.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  }
  return out.replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One `record` event: `id`, `event`, one `data` line, blank line. */
export function recordFrame(id: string, json: string): string {
  return `id: ${id}\nevent: record\ndata: ${sseData(json)}\n\n`;
}

/** The bytes of a record frame besides its id and data. */
const RECORD_FRAME_BYTES = Buffer.byteLength('id: \nevent: record\ndata: \n\n');

/**
 * The `record` events of a batch as one buffer: each piece is written straight into it (no joined string to
 * flatten — a batch of 200 records would be a 200 KB string on the V8 heap, garbage at once).
 */
export function sseRecordsBuffer(events: ReadonlyArray<{ id: string; json: string }>): Buffer {
  const datas: string[] = new Array(events.length);
  let total = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const data = sseData(e.json);
    datas[i] = data;
    total += RECORD_FRAME_BYTES + e.id.length + Buffer.byteLength(data, 'utf8');
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < events.length; i++) {
    at += out.write(`id: ${events[i]!.id}\nevent: record\ndata: `, at, 'latin1');
    at += out.write(datas[i]!, at, 'utf8');
    out[at++] = 0x0a;
    out[at++] = 0x0a;
  }
  if (at !== total) throw new Error(`SSE batch of ${total} bytes written as ${at}`);
  return out;
}

/**
 * The `resync` event: the requested id is older than the oldest entry the stream still holds. No `id:` line,
 * so a client that drops right after it resumes from the same point and is told again.
 */
export function resyncFrame(requested: string, oldest: string): string {
  return `event: resync\ndata: ${JSON.stringify({ requested, oldest })}\n\n`;
}

/** Why a live connection was ended by its credential (SSE `revoked` data, WebSocket close reason). */
export type RevokedReason = 'token_revoked' | 'session_ended';

/**
 * The last event of a stream whose credential ended: `event: revoked`, data `{"reason"}`. No `id:` line (the
 * client's resume point stays its last record); the client should not reconnect with the same credential.
 */
export function revokedFrame(reason: RevokedReason): string {
  return `event: revoked\ndata: ${JSON.stringify({ reason })}\n\n`;
}

/** The heartbeat: an SSE comment (ignored by clients, keeps proxies and NATs from timing the stream out). */
export const PING_FRAME = ': ping\n\n';

/**
 * The WebSocket message of a record, `{"event":"record","id":…,"data":<record>}`; the record is embedded as
 * JSON (not a string) when it parses, else as a JSON string.
 */
export function wsRecordMessage(id: string, json: string): string {
  let data = json;
  try {
    JSON.parse(json);
  } catch {
    data = JSON.stringify(json);
  }
  return `{"event":"record","id":${JSON.stringify(id)},"data":${data}}`;
}

/** The WebSocket message of a resync, `{"event":"resync","id":null,"data":{"requested","oldest"}}`. */
export function wsResyncMessage(requested: string, oldest: string): string {
  return JSON.stringify({ event: 'resync', id: null, data: { requested, oldest } });
}

/** The API's error body, `{"error":{"code","message"}}`, with `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function errorJson(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } }).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
