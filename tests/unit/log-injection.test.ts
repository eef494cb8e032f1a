/**
 * RELIABILITY.md T-O4 (log injection, O6 / CWE-117) through the project's logger (`createLogger`, the same
 * options the runtime uses) into a captured destination: titles and URLs with CR/LF, `\x1b[31m`, C1 and bidi
 * controls and 100 KB strings, in the message, its arguments, objects, arrays, errors and child bindings, and
 * through fastify's request logging on a loopback server. Every call is one line, every line is JSON, no raw
 * ESC (nor CR, C1, bidi) byte, long fields cut; credentials in request headers are redacted.
 */
import { type AddressInfo, connect } from 'node:net';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger, MAX_FIELD, MAX_LINE, safeLine } from '../../src/log.js';

/** A destination that keeps what pino writes. */
function capture() {
  const chunks: string[] = [];
  return {
    dest: { write: (s: string) => void chunks.push(s) },
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').slice(0, -1),
    reset: () => void chunks.splice(0),
  };
}

const BIG = 100 * 1024;
const FORGED = 'Quake\r\n{"level":"error","msg":"forged line"}\r\n';
const ANSI = '\x1b[31mred alert\x1b[0m\x1b[2J';
const URL_CRLF = 'https://example.org/a\r\nSet-Cookie: x=1?q=\x1b[31m';
const C1_BIDI = 'csi\u009b31m del\u007f bidi\u202eevil\u202c sep\u2028x';
const big = (c: string) => c.repeat(BIG / c.length);
/** Raw bytes a terminal acts on: ESC, CR, C1 controls, DEL, line/paragraph separators, bidi controls. */
const RAW = /[\x1b\r\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** Longest a cut string can be: MAX_FIELD characters and the note `…[N chars]`. */
const CUT_MAX = MAX_FIELD + 20;
/** Longest any string of a line may be (a message formatted from several cut arguments is longer than one). */
const STRING_MAX = MAX_LINE;

/** Every string in a parsed line (keys too), for length checks. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      strings(x, out);
    }
  return out;
}

function checkLines(text: string, calls: number) {
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.split('\n').slice(0, -1);
  expect(lines).toHaveLength(calls);
  expect(text).not.toMatch(RAW);
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const p of parsed)
    for (const s of strings(p)) expect(s.length, s.slice(0, 80)).toBeLessThanOrEqual(STRING_MAX);
  return parsed;
}

describe('T-O4: log injection through the project logger', () => {
  it('one line per call, all JSON, no raw ESC/CR/C1/bidi, 100 KB fields cut, short ones intact', () => {
    const c = capture();
    const log = createLogger({ level: 'trace', destination: c.dest });
    let calls = 0;
    const call = (f: () => void) => {
      f();
      calls++;
    };
    const bigTitle = big('地');
    const bigUrl = `https://example.org/?q=${big('a')}`;
    // An astral character across the cut: never half a surrogate pair.
    const emoji = `${'x'.repeat(MAX_FIELD - 1)}${'🌋'.repeat(10)}`;
    call(() => log.info(FORGED));
    call(() => log.warn(ANSI));
    call(() => log.info({ title: FORGED, url: URL_CRLF, extra: C1_BIDI }, 'item stored'));
    call(() => log.info({ title: bigTitle, url: bigUrl }, 'huge item'));
    call(() => log.info({ item: { title: bigTitle, links: [bigUrl, URL_CRLF], deep: { a: { b: ANSI } } } }));
    call(() => log.info('title %s from %s', bigTitle, URL_CRLF));
    call(() => log.info(`${bigTitle}${ANSI}`));
    call(() => log.error(new Error(`${FORGED}${big('e')}`)));
    call(() => log.error({ err: new Error(ANSI) }, 'fetch failed'));
    call(() => log.child({ source: 'x', url: bigUrl }).info({ title: ANSI }, 'from a child'));
    call(() => log.info({ [big('k')]: 1, emoji }, 'long key'));
    call(() => log.debug({ title: C1_BIDI }, FORGED));
    const parsed = checkLines(c.text(), calls);

    // The short hostile values survive exactly (escaped, not mangled): the log still says what came in.
    expect(parsed[0]!.msg).toBe(FORGED);
    expect(parsed[1]!.msg).toBe(ANSI);
    expect(parsed[2]).toMatchObject({ title: FORGED, url: URL_CRLF, extra: C1_BIDI, msg: 'item stored' });
    // Long ones are cut with their length noted.
    expect(parsed[3]!.title).toBe(`${bigTitle.slice(0, MAX_FIELD)}…[${BIG} chars]`);
    expect(parsed[3]!.url).toBe(`${bigUrl.slice(0, MAX_FIELD)}…[${bigUrl.length} chars]`);
    const item = parsed[4]!.item as { title: string; links: string[]; deep: { a: { b: string } } };
    expect(item.title).toHaveLength(MAX_FIELD + `…[${BIG} chars]`.length);
    expect(item.links[1]).toBe(URL_CRLF);
    expect(item.deep.a.b).toBe(ANSI);
    expect(parsed[5]!.msg).toMatch(new RegExp(`^title 地{${MAX_FIELD}}…\\[${BIG} chars\\] from https`));
    expect((parsed[7]!.err as { message: string; stack: string }).message).toMatch(
      /^Quake\r\n.*…\[\d+ chars\]$/s,
    );
    expect((parsed[7]!.err as { stack: string }).stack.length).toBeLessThanOrEqual(CUT_MAX);
    expect(parsed[8]).toMatchObject({ err: { message: ANSI }, msg: 'fetch failed' });
    expect(parsed[9]).toMatchObject({ source: 'x', title: ANSI, msg: 'from a child' });
    expect(parsed[9]!.url).toBe(`${bigUrl.slice(0, MAX_FIELD)}…[${bigUrl.length} chars]`);
    expect(String(parsed[10]!.emoji)).toBe(`${'x'.repeat(MAX_FIELD - 1)}…[${MAX_FIELD + 19} chars]`);
    expect(parsed[11]).toMatchObject({ level: 'debug', title: C1_BIDI, msg: FORGED });
  });

  it('redacts credentials in request headers and objects', () => {
    const c = capture();
    const log = createLogger({ level: 'info', destination: c.dest });
    const secrets = ['gi_AAAAsecretBearer', 'gi_session=SESSIONsecret', 'CSRFsecret', 'pw-secret'];
    log.info(
      {
        req: {
          method: 'POST',
          headers: {
            authorization: `Bearer ${secrets[0]}`,
            cookie: secrets[1],
            'x-csrf-token': secrets[2],
            host: 'h',
          },
        },
        res: { headers: { 'set-cookie': secrets[1] } },
      },
      'request',
    );
    log.info({ headers: { authorization: secrets[0], cookie: secrets[1] }, smtp: { password: secrets[3] } });
    log.info({ session: { csrfToken: secrets[2], token: secrets[0] } });
    const [a, b, d] = checkLines(c.text(), 3);
    for (const s of secrets) expect(c.text()).not.toContain(s);
    expect(a).toMatchObject({
      req: {
        method: 'POST',
        headers: {
          authorization: '[redacted]',
          cookie: '[redacted]',
          'x-csrf-token': '[redacted]',
          host: 'h',
        },
      },
      res: { headers: { 'set-cookie': '[redacted]' } },
    });
    expect(b).toMatchObject({ headers: { authorization: '[redacted]', cookie: '[redacted]' } });
    expect(d).toMatchObject({ session: { csrfToken: '[redacted]', token: '[redacted]' } });
  });

  it('the last step keeps one line for any input and leaves ordinary lines alone', () => {
    const ordinary = '{"level":"info","msg":"fetched 12 items","title":"Erdbeben in Island: 地震"}\n';
    expect(safeLine(ordinary)).toBe(ordinary);
    const notJson = `${'x'.repeat(10_000)}\n\x1b[31m`;
    const out = safeLine(notJson);
    expect(out.split('\n')).toHaveLength(2);
    expect(JSON.parse(out)).toMatchObject({ msg: 'log line dropped: not JSON', length: notJson.length });
  });

  it('costs little on ordinary lines (20 000 calls well under a ceiling)', () => {
    const c = capture();
    const log = createLogger({ level: 'info', destination: c.dest });
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++)
      log.info({ sourceId: 'usgs-news', items: i, title: 'M 5.1 - 10 km SW' }, 'x');
    const ms = performance.now() - t0;
    expect(c.lines()).toHaveLength(20_000);
    // About 100–200 ms on one core; the ceiling is far above.
    expect(ms).toBeLessThan(5_000);
  });
});

describe('T-O4: fastify request logging with the project logger (loopback)', () => {
  it('logs method and URL (not `req: {}`), cuts a 12 KB URL, escapes C1 in Host, never logs credentials', async () => {
    const c = capture();
    const log = createLogger({ level: 'info', destination: c.dest });
    const app = Fastify({ loggerInstance: log as FastifyBaseLogger });
    app.get('/v1/echo', async (request) => {
      request.log.info({ q: (request.query as { q?: string }).q }, 'echo');
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    c.reset(); // fastify's "Server listening" line
    let closed = false;
    try {
      const hostile = encodeURIComponent(`${FORGED}${ANSI}`);
      const long = 'a'.repeat(12 * 1024);
      const secret = 'gi_ThisIsTheBearerTokenValue';
      const res1 = await fetch(`http://127.0.0.1:${port}/v1/echo?q=${hostile}`, {
        headers: { authorization: `Bearer ${secret}`, cookie: 'gi_session=SessionIdValue' },
      });
      expect(res1.status).toBe(200);
      const res2 = await fetch(`http://127.0.0.1:${port}/v1/echo?q=${long}`);
      expect(res2.status).toBe(200);
      // A Host header holding U+009B (a one-byte CSI to some terminals), over a raw socket.
      const raw = await new Promise<string>((resolve) => {
        const s = connect(port, '127.0.0.1');
        let d = '';
        s.on('data', (b) => {
          d += b.toString('latin1');
        });
        s.on('close', () => resolve(d));
        s.write(`GET /v1/echo HTTP/1.1\r\nHost: x\x9b31my\r\nConnection: close\r\n\r\n`, 'latin1');
      });
      expect(raw).toMatch(/^HTTP\/1\.1 200/);
      await app.close();
      closed = true;
      // Three requests × (incoming, echo, completed).
      const parsed = checkLines(c.text(), 9);
      expect(c.text()).not.toContain(secret);
      expect(c.text()).not.toContain('SessionIdValue');
      const incoming = parsed.filter((p) => p.msg === 'incoming request');
      expect(incoming.map((p) => (p.req as { method: string }).method)).toEqual(['GET', 'GET', 'GET']);
      expect((incoming[0]!.req as { url: string }).url).toBe(`/v1/echo?q=${hostile}`);
      const longUrl = `/v1/echo?q=${long}`;
      expect((incoming[1]!.req as { url: string }).url).toBe(
        `${longUrl.slice(0, MAX_FIELD)}…[${longUrl.length} chars]`,
      );
      expect((incoming[2]!.req as { host: string }).host).toBe('x\u009b31my');
      const echoes = parsed.filter((p) => p.msg === 'echo');
      expect(echoes[0]!.q).toBe(`${FORGED}${ANSI}`);
      expect(String(echoes[1]!.q)).toMatch(/…\[12288 chars\]$/);
      expect(parsed.filter((p) => p.msg === 'request completed').map((p) => p.res)).toEqual([
        { statusCode: 200 },
        { statusCode: 200 },
        { statusCode: 200 },
      ]);
    } finally {
      if (!closed) await app.close();
    }
  });
});
