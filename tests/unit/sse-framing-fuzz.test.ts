/**
 * T-PF for the SSE framing of the live streams (src/api/sse-format.ts; RELIABILITY.md O5/T-O3 and §4.4
 * conventions, issue #13): records with arbitrary titles, summaries and ids — CR, LF, CRLF, lone CR, NEL,
 * U+2028/2029, NUL, lone surrogates, text that looks like SSE fields — serialised as the store writes them
 * (JSON.stringify) and as something else might (pretty JSON with CR/LF between tokens, text that is not JSON),
 * framed as the relay frames them (`sseRecordsBuffer` batches, `recordFrame`, `resyncFrame`, pings, in any
 * order), then parsed back with a WHATWG-conformant parser written here from the spec ("Interpreting an event
 * stream") and, for a batch, by the `eventsource` package's EventSource over a loopback server → exactly one
 * event per record, its type from the enum, its id the record's stream id, its data the same JSON value.
 * fast-check, fixed seeds, bounded runs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PING_FRAME,
  parseStreamId,
  recordFrame,
  resyncFrame,
  SSE_EVENTS,
  sseData,
  sseRecordsBuffer,
} from '../../src/api/sse-format.js';

interface SseEvent {
  type: string;
  data: string;
  lastEventId: string;
}

/**
 * The WHATWG HTML "event stream interpretation" (§9.2.6): UTF-8 decode (replacement characters, one leading
 * BOM dropped), lines ended by CRLF, LF or CR, comments, `field: value` with one leading space removed,
 * `data` lines joined by LF, `id` ignored when it contains NUL, dispatch on a blank line (nothing when the
 * data buffer is empty), an unterminated last event discarded.
 */
function parseEventStream(bytes: Uint8Array): SseEvent[] {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const events: SseEvent[] = [];
  let data = '';
  let type = '';
  let lastEventId = '';
  let pos = 0;
  while (pos < text.length) {
    const m = /\r\n|\r|\n/g;
    m.lastIndex = pos;
    const end = m.exec(text);
    if (!end) break; // an incomplete last line: the stream ended inside an event
    const line = text.slice(pos, end.index);
    pos = end.index + end[0].length;
    if (line === '') {
      if (data === '') {
        type = '';
        continue;
      }
      events.push({
        type: type || 'message',
        data: data.endsWith('\n') ? data.slice(0, -1) : data,
        lastEventId,
      });
      data = '';
      type = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data += `${value}\n`;
    else if (field === 'id') {
      if (!value.includes('\u0000')) lastEventId = value;
    }
    // `retry` and unknown fields change nothing an event carries.
  }
  return events;
}

/** Characters that break naive framing, and text that looks like SSE fields. */
const HOSTILE_UNIT = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '\r',
      '\n',
      '\r\n',
      '\n\n',
      '\r\r',
      '\u0085',
      '\u2028',
      '\u2029',
      '\u0000',
      '\uFEFF',
      '\ud800',
      '\udfff',
      ':',
      ' ',
      '"',
      '\\',
      '\ndata: injected',
      '\r\nevent: resync\r\n',
      '\rid: 1-1\r',
      '\n\nevent: record\ndata: {}\n\n',
      'retry: 1',
      '</script>',
    ),
  },
);
const hostileString = fc.string({ unit: HOSTILE_UNIT, maxLength: 40 });

const recordArb = fc.record({
  id: hostileString,
  storyId: hostileString,
  title: hostileString,
  summary: hostileString,
  url: fc.oneof(hostileString, fc.webUrl()),
  topic: fc.constantFrom('earthquakes', 'volcanoes', '', '\u2028'),
  tags: fc.array(hostileString, { maxLength: 3 }),
  score: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
  duplicates: fc.array(fc.record({ sourceId: hostileString, title: hostileString }), { maxLength: 2 }),
});

/** How a record's JSON may arrive: as the store writes it, or pretty JSON with CR/LF between tokens. */
const jsonOf = fc
  .tuple(
    recordArb,
    fc.constantFrom<[string, string | undefined]>(
      ['compact', undefined],
      ['lf', '\n'],
      ['cr', '\r'],
      ['crlf', '\r\n'],
      ['tab', '\t'],
    ),
  )
  .map(([record, [, space]]) => ({ record, json: JSON.stringify(record, null, space) }));

const U64 = (1n << 64n) - 1n;
const streamIdArb = fc
  .tuple(fc.bigInt({ min: 0n, max: U64 }), fc.bigInt({ min: 0n, max: U64 }))
  .map(([ms, seq]) => `${ms}-${seq}`);

type Frame =
  | { kind: 'batch'; events: Array<{ id: string; json: string }> }
  | { kind: 'one'; id: string; json: string }
  | { kind: 'resync'; requested: string; oldest: string }
  | { kind: 'ping' };

const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.array(fc.tuple(streamIdArb, jsonOf), { minLength: 1, maxLength: 6 }).map((evs) => ({
    kind: 'batch' as const,
    events: evs.map(([id, { json }]) => ({ id, json })),
  })),
  fc.tuple(streamIdArb, jsonOf).map(([id, { json }]) => ({ kind: 'one' as const, id, json })),
  fc
    .tuple(streamIdArb, streamIdArb)
    .map(([requested, oldest]) => ({ kind: 'resync' as const, requested, oldest })),
  fc.constant({ kind: 'ping' as const }),
);

function bytesOf(frames: Frame[]): Buffer {
  return Buffer.concat(
    frames.map((f) => {
      if (f.kind === 'batch') return sseRecordsBuffer(f.events);
      if (f.kind === 'one') return Buffer.from(recordFrame(f.id, f.json), 'utf8');
      if (f.kind === 'resync') return Buffer.from(resyncFrame(f.requested, f.oldest), 'utf8');
      return Buffer.from(PING_FRAME, 'utf8');
    }),
  );
}

/** What the client must see: one event per record (ids and JSON values), one per resync, none per ping. */
function expected(frames: Frame[]) {
  const out: Array<{ type: string; id: string; value: unknown }> = [];
  let lastId = '';
  for (const f of frames) {
    const records = f.kind === 'batch' ? f.events : f.kind === 'one' ? [f] : [];
    for (const r of records) {
      lastId = r.id;
      out.push({ type: 'record', id: r.id, value: JSON.parse(r.json) });
    }
    // A resync carries no id: the client's last id stays where it was.
    if (f.kind === 'resync')
      out.push({ type: 'resync', id: lastId, value: { requested: f.requested, oldest: f.oldest } });
  }
  return out;
}

function checkStream(frames: Frame[], events: SseEvent[]): void {
  const want = expected(frames);
  expect(events).toHaveLength(want.length);
  events.forEach((e, i) => {
    expect(SSE_EVENTS).toContain(e.type);
    expect(e.type).toBe(want[i]!.type);
    expect(e.lastEventId).toBe(want[i]!.id);
    expect(e.data).not.toMatch(/[\r\n]/);
    expect(JSON.parse(e.data)).toEqual(want[i]!.value);
  });
}

describe('SSE framing fuzz (fixed seeds)', () => {
  it('records with hostile text, batched, single, resync and ping frames in any order', () => {
    let records = 0;
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), (frames) => {
        checkStream(frames, parseEventStream(bytesOf(frames)));
        records += expected(frames).length;
      }),
      { seed: 2026_13_1, numRuns: 2000 },
    );
    console.info(`SSE framing: 2000 streams, ${records} events parsed back one for one`);
  });

  it('a batch buffer is byte for byte the record frames one after another', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(streamIdArb, jsonOf), { minLength: 1, maxLength: 8 }), (evs) => {
        const events = evs.map(([id, { json }]) => ({ id, json }));
        expect(
          sseRecordsBuffer(events).equals(
            Buffer.from(events.map((e) => recordFrame(e.id, e.json)).join(''), 'utf8'),
          ),
        ).toBe(true);
      }),
      { seed: 2026_13_2, numRuns: 2000 },
    );
  });

  it('text that is not JSON still goes out as exactly one record event, its line breaks escaped', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(streamIdArb, hostileString), { minLength: 1, maxLength: 6 }), (evs) => {
        const events = evs.map(([id, json]) => ({ id, json }));
        const parsed = parseEventStream(sseRecordsBuffer(events));
        expect(parsed).toHaveLength(events.length);
        parsed.forEach((e, i) => {
          expect(e.type).toBe('record');
          expect(e.lastEventId).toBe(events[i]!.id);
          // The same text, CR and LF as `\r` `\n` when it is not JSON (the bytes are UTF-8: lone surrogates are U+FFFD).
          expect(e.data).toBe(Buffer.from(sseData(events[i]!.json), 'utf8').toString('utf8'));
          let value: unknown;
          try {
            value = JSON.parse(Buffer.from(events[i]!.json, 'utf8').toString('utf8'));
          } catch {
            return;
          }
          expect(JSON.parse(e.data)).toEqual(value);
        });
      }),
      { seed: 2026_13_3, numRuns: 2000 },
    );
  });

  it('stream ids: only u64-u64 passes, normalised and idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: HOSTILE_UNIT, maxLength: 30 }),
          streamIdArb,
          fc
            .tuple(fc.stringMatching(/^0{0,3}\d{1,22}$/), fc.stringMatching(/^0{0,3}\d{1,22}$/))
            .map(([a, b]) => `${a}-${b}`),
        ),
        (text) => {
          const id = parseStreamId(text);
          if (id === null) return;
          expect(id).toMatch(/^(0|[1-9]\d*)-(0|[1-9]\d*)$/);
          const [ms, seq] = id.split('-').map(BigInt);
          expect(ms! <= U64 && seq! <= U64).toBe(true);
          expect(parseStreamId(id)).toBe(id);
          // The id line of a frame made with it parses back to the same id.
          expect(parseEventStream(Buffer.from(recordFrame(id, '{}')))[0]!.lastEventId).toBe(id);
        },
      ),
      { seed: 2026_13_4, numRuns: 2000 },
    );
  });

  it("the eventsource package's EventSource reads a generated stream the same way", async () => {
    // One stream of 300 frames from the generator, served over loopback and read by a real client.
    const frames = fc.sample(frameArb, { seed: 2026_13_5, numRuns: 300 });
    const body = bytesOf(frames);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      // Written in small pieces so frames are split across chunks (and multi-byte characters across reads).
      let at = 0;
      const step = () => {
        if (at >= body.length) return;
        res.write(body.subarray(at, at + 97));
        at += 97;
        setImmediate(step);
      };
      step();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const want = expected(frames);
    const got: SseEvent[] = [];
    const es = new EventSource(url);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${got.length}/${want.length} events in 20 s`)),
          20_000,
        );
        for (const type of ['record', 'resync', 'message']) {
          es.addEventListener(type, (e) => {
            const m = e as { data: string; lastEventId: string };
            got.push({ type, data: m.data, lastEventId: m.lastEventId });
            if (got.length === want.length) {
              clearTimeout(timer);
              resolve();
            }
          });
        }
      });
    } finally {
      es.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    // The package gives an event without an `id:` line (the resync) the lastEventId '' where the spec keeps the
    // last id seen (the parser here, and browsers): everything else must agree.
    const spec = parseEventStream(body);
    expect(got).toEqual(spec.map((e) => (e.type === 'resync' ? { ...e, lastEventId: '' } : e)));
    checkStream(frames, spec);
    console.info(
      `SSE framing: EventSource read ${got.length} events (${body.length} bytes) as the spec parser did`,
    );
  });
});
