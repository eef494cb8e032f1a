/**
 * Machine drafts of the Chinese (issue 11) against loopback servers speaking the two protocols self-hosting users
 * run: LibreTranslate (`POST /translate`) and OpenAI-compatible chat completions (`POST /v1/chat/completions`).
 *
 * 1. Each backend alone: the request it sends (method, path, JSON fields, key), the glossary (in the system prompt
 *    for chat completions; through placeholders for LibreTranslate, whose answer keeps the bulletin's terms), and
 *    every failure as its GeoError code: a server slower than the timeout, HTTP 500, a body that is not JSON, a
 *    refusal, a redirect (never followed), an oversized answer, a closed port.
 * 2. The running system on the real Redis: multilingual feed items are drafted into the drafts store — never into
 *    the record, the stream or the digest's titleZh — Chinese and off-topic items are not sent at all, and a
 *    backend that times out, fails or refuses leaves a draft with a visible note after bounded retries while the
 *    workers go on.
 *
 * The servers "translate" by prefixing `【<source>→zh】` (LibreTranslate, which copies placeholders through with
 * spaces around them, as engines do) or by applying the glossary of the system prompt (chat completions).
 */
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/app-schema.js';
import { isGeoError } from '../../src/errors.js';
import { buildDigest, createKeywords, type Digest, renderDigest } from '../../src/pipeline/digest/index.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { MachineDraft } from '../../src/store/drafts.js';
import { createLibreTranslate, createOpenAiChat, type Translator } from '../../src/translate/index.js';
import { type FeedServer, startFeedServer } from '../helpers/feeds.js';
import { settled, since, streamRecords, testConfig, uniquePrefix, waitFor } from '../helpers/queue.js';
import { cleanup, fetchNow, startRuntime } from '../helpers/runtime.js';

// --- loopback backends -------------------------------------------------------------------------------------------

/** The JSON bodies the two protocols send. */
interface Body {
  q?: string | string[];
  source?: string;
  messages?: Array<{ role: string; content: string }>;
  [field: string]: unknown;
}

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body ({} when it is not JSON). */
  body: Body;
  at: number;
}

interface Backend {
  url: string;
  requests: Seen[];
  close(): Promise<void>;
}

type Handler = (req: Seen, res: ServerResponse) => void;

async function startBackend(handle: Handler): Promise<Backend> {
  const requests: Seen[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      raw += c;
    });
    req.on('end', () => {
      let body: Body = {};
      try {
        body = JSON.parse(raw) as Body;
      } catch {
        // not JSON: an empty body
      }
      const seen = { method: req.method!, path: req.url!, headers: req.headers, body, at: Date.now() };
      requests.push(seen);
      handle(seen, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Answers after `ms` unless the client went away first. */
const later = (res: ServerResponse, ms: number, answer: () => void) => {
  const t = setTimeout(() => !res.destroyed && answer(), ms);
  res.on('close', () => clearTimeout(t));
};

/** LibreTranslate's answer: the text behind a `【<source>→zh】` mark, placeholders copied with spaces around. */
const libreText = (source: string, t: string) => `【${source}→zh】${t.replace(/\[#(\d+)\]/g, ' [#$1] ')}`;

/** What the LibreTranslate server does with a request, chosen by the first text. */
const libreHandler: Handler = (req, res) => {
  if (req.method !== 'POST' || req.path.replace(/^\/lt/, '') !== '/translate')
    return json(res, 404, { error: 'Not Found' });
  const { q = '', source = '' } = req.body;
  const first = Array.isArray(q) ? q[0]! : q;
  const answer = (f: (t: string) => string) =>
    json(res, 200, { translatedText: Array.isArray(q) ? q.map(f) : f(q) });
  if (first.includes('Slowly')) return later(res, 2_000, () => answer((t) => libreText(source, t)));
  if (first.includes('Broken')) return json(res, 500, { error: 'Translation engine crashed' });
  if (first.includes('Garbled'))
    return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"translatedText": [');
  if (first.includes('Refused')) return json(res, 400, { error: `${source} is not supported` });
  if (first.includes('Careless')) {
    // An engine that loses placeholders the first time (and translates plain text the second).
    return answer((t) => libreText(source, t.replace(/\[#\d+\]/g, '')));
  }
  return answer((t) => libreText(source, t));
};

/** The chat-completions server: applies the system prompt's glossary and marks the text, or fails on cue. */
const openAiHandler: Handler = (req, res) => {
  if (req.method !== 'POST' || req.path !== '/v1/chat/completions')
    return json(res, 404, { error: { message: 'not found' } });
  const messages = req.body.messages ?? [];
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  const reply = (content: string, finish = 'stop') =>
    json(res, 200, {
      id: 'chatcmpl-loopback',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
    });
  if (user.includes('Slowly')) return later(res, 2_000, () => reply('太晚了'));
  if (user.includes('Broken')) return json(res, 500, { error: { message: 'upstream model crashed' } });
  if (user.includes('Garbled'))
    return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops');
  if (user.includes('Refused')) return json(res, 401, { error: { message: 'Incorrect API key provided' } });
  if (user.includes('Truncated')) return reply('被截断的', 'length');
  let out = user;
  for (const line of system.split('\n')) {
    const m = /^- (.+) → (.+)$/.exec(line);
    if (m)
      out = out.replace(new RegExp(`\\b${m[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'gi'), m[2]!);
  }
  return reply(`【译】${out}`);
};

async function failure(t: Translator, texts: string[]) {
  const t0 = Date.now();
  try {
    await t.translate({ texts, from: 'en', to: 'zh', glossary: [] });
  } catch (err) {
    if (!isGeoError(err)) throw err;
    return { code: err.code, retry: err.retry, message: err.message, ms: since(t0) };
  }
  throw new Error('no failure');
}

// --- 1. each backend alone -------------------------------------------------------------------------------------

describe('LibreTranslate backend', () => {
  let lt: Backend;
  beforeAll(async () => {
    lt = await startBackend(libreHandler);
  });
  afterAll(() => lt.close());
  const make = (o: Partial<Parameters<typeof createLibreTranslate>[0]> = {}) =>
    createLibreTranslate({
      url: `${lt.url}/lt`,
      apiKey: 'lt-key',
      timeoutMs: 500,
      maxResponseBytes: 1 << 20,
      ...o,
    });

  it('POSTs {q, source, target, format: text, api_key} to <url>/translate and keeps glossary terms', async () => {
    const from = lt.requests.length;
    const out = await make().translate({
      texts: ['Magnitude 6.4 earthquake near the subduction zone', 'CCS and the earthquake risk'],
      from: 'en',
      to: 'zh',
      glossary: [
        { term: 'earthquake', zh: '地震' },
        { term: 'subduction zone', zh: '俯冲带' },
        { term: 'CCS', zh: '碳捕集与封存', caseSensitive: true },
      ],
    });
    const [req, more] = lt.requests.slice(from);
    expect(more).toBeUndefined();
    expect(req).toMatchObject({ method: 'POST', path: '/lt/translate' });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({
      q: ['Magnitude 6.4 [#1] near the [#2]', '[#1] and the [#2] risk'],
      source: 'en',
      target: 'zh',
      format: 'text',
      api_key: 'lt-key',
    });
    // The terms never reached the engine; the bulletin's Chinese stands in their place.
    // The engine's spaces around placeholders: kept next to Latin words and digits, dropped next to Chinese.
    expect(out).toEqual([
      '【en→zh】Magnitude 6.4 地震 near the 俯冲带',
      '【en→zh】碳捕集与封存 and the 地震 risk',
    ]);
  });

  it('translates again without placeholders when the engine loses them', async () => {
    const from = lt.requests.length;
    const out = await make({ apiKey: undefined, target: 'zh-Hans' }).translate({
      texts: ['Careless engine meets an earthquake'],
      from: 'auto',
      to: 'zh',
      glossary: [{ term: 'earthquake', zh: '地震' }],
    });
    const sent = lt.requests.slice(from).map((r) => r.body);
    expect(sent).toEqual([
      { q: ['Careless engine meets an [#1]'], source: 'auto', target: 'zh-Hans', format: 'text' },
      { q: ['Careless engine meets an earthquake'], source: 'auto', target: 'zh-Hans', format: 'text' },
    ]);
    expect(out).toEqual(['【auto→zh】Careless engine meets an earthquake']);
  });

  it.each([
    ['Slowly answering server', 'TIMEOUT', 'backoff'],
    ['Broken engine', 'TRANSLATION_FAILED', 'backoff'],
    ['Garbled answer', 'TRANSLATION_FAILED', 'backoff'],
    ['Refused language', 'TRANSLATION_REFUSED', 'permanent'],
  ])('%s → %s (%s)', async (title, code, retry) => {
    const f = await failure(make(), [title]);
    expect(f).toMatchObject({ code, retry });
    if (code === 'TIMEOUT') {
      // timeoutMs 500: the call ends at the deadline, not when the server (2 s) answers.
      expect(f.ms).toBeGreaterThanOrEqual(450);
      expect(f.ms).toBeLessThan(1_900);
    }
    if (title.startsWith('Broken'))
      expect(f.message).toBe('LibreTranslate answered HTTP 500: Translation engine crashed');
  });

  it('refuses to follow a redirect, caps the answer, and names a closed port', async () => {
    const target = await startBackend(libreHandler);
    const redirect = await startBackend(
      (_req, res) => void res.writeHead(307, { location: `${target.url}/translate` }).end(),
    );
    const big = await startBackend((_req, res) => json(res, 200, { translatedText: ['x'.repeat(200_000)] }));
    const closed = await startBackend(libreHandler);
    await closed.close();
    try {
      expect(await failure(make({ url: redirect.url }), ['Redirected'])).toMatchObject({
        code: 'TRANSLATION_REFUSED',
        message: expect.stringContaining('redirects are not followed'),
      });
      expect(target.requests).toHaveLength(0); // the key never left for another address
      expect(await failure(make({ url: big.url, maxResponseBytes: 64 * 1024 }), ['Big'])).toMatchObject({
        code: 'RESPONSE_TOO_LARGE',
      });
      expect(await failure(make({ url: closed.url }), ['Nobody home'])).toMatchObject({
        code: 'NETWORK_ERROR',
        message: expect.stringContaining('ECONNREFUSED'),
      });
    } finally {
      await Promise.all([target.close(), redirect.close(), big.close()]);
    }
  });
});

describe('OpenAI-compatible chat-completions backend', () => {
  let ai: Backend;
  beforeAll(async () => {
    ai = await startBackend(openAiHandler);
  });
  afterAll(() => ai.close());
  const make = (o: Partial<Parameters<typeof createOpenAiChat>[0]> = {}) =>
    createOpenAiChat({
      url: `${ai.url}/v1`,
      model: 'geo-mt-test',
      apiKey: 'sk-loopback',
      timeoutMs: 500,
      maxResponseBytes: 1 << 20,
      ...o,
    });

  it('POSTs one chat completion per text with the model, the key and the glossary in the system message', async () => {
    const from = ai.requests.length;
    const out = await make().translate({
      texts: ['Aftershocks follow the earthquake', 'Le séisme a frappé la zone de subduction'],
      from: 'fr',
      to: 'zh',
      glossary: [
        { term: 'earthquake', zh: '地震' },
        { term: 'séisme', zh: '地震' },
      ],
    });
    const sent = ai.requests.slice(from);
    expect(sent).toHaveLength(2);
    for (const r of sent) {
      expect(r).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
      expect(r.headers.authorization).toBe('Bearer sk-loopback');
      expect(r.body).toMatchObject({ model: 'geo-mt-test', temperature: 0 });
      expect(r.body.messages!.map((m) => m.role)).toEqual(['system', 'user']);
      expect(r.body.messages![0]!.content).toContain('from French into Simplified Chinese');
      expect(r.body.messages![0]!.content).toContain('- earthquake → 地震\n- séisme → 地震');
    }
    expect(sent.map((r) => r.body.messages![1]!.content)).toEqual([
      'Aftershocks follow the earthquake',
      'Le séisme a frappé la zone de subduction',
    ]);
    expect(out).toEqual([
      '【译】Aftershocks follow the 地震',
      '【译】Le 地震 a frappé la zone de subduction',
    ]);
  });

  it('sends no Authorization header without a key', async () => {
    const from = ai.requests.length;
    await make({ apiKey: undefined }).translate({ texts: ['Lava'], from: 'en', to: 'zh', glossary: [] });
    expect(ai.requests[from]!.headers.authorization).toBeUndefined();
  });

  it.each([
    ['Slowly answering model', 'TIMEOUT', 'backoff'],
    ['Broken model', 'TRANSLATION_FAILED', 'backoff'],
    ['Garbled gateway', 'TRANSLATION_FAILED', 'backoff'],
    ['Refused key', 'TRANSLATION_REFUSED', 'permanent'],
    ['Truncated reply', 'TRANSLATION_FAILED', 'backoff'],
  ])('%s → %s (%s)', async (title, code, retry) => {
    const f = await failure(make(), [title]);
    expect(f).toMatchObject({ code, retry });
    if (title.startsWith('Truncated')) expect(f.message).toContain('finish_reason "length"');
    if (title.startsWith('Refused')) expect(f.message).toContain('HTTP 401: Incorrect API key provided');
  });
});

// --- 2. the running system --------------------------------------------------------------------------------------

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toUTCString();

interface Story {
  slug: string;
  title: string;
  summary: string;
}

function rss(server: FeedServer, lang: string, items: readonly Story[]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = items
    .map(
      (i, k) =>
        `<item><title>${esc(i.title)}</title><link>${server.url(`/a/${i.slug}`)}</link><guid>${i.slug}</guid>` +
        `<pubDate>${hoursAgo(2 + k)}</pubDate><description>${esc(i.summary)}</description></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${lang} survey</title><link>${server.origin}</link><language>${lang}</language>${body}</channel></rss>`;
}

/** One feed per language, as the agencies publish them. */
const FEEDS: Record<string, { lang: string; items: Story[] }> = {
  'survey-en': {
    lang: 'en',
    items: [
      {
        slug: 'chile-quake',
        title: 'Magnitude 6.4 earthquake strikes near the subduction zone off northern Chile',
        summary:
          'Seismologists recorded dozens of aftershocks after the magnitude 6.4 earthquake, which ruptured part of the megathrust fault where the Nazca plate sinks beneath South America. No tsunami was generated.',
      },
      {
        slug: 'cancer-drug',
        title: 'New cancer drug shrinks tumours in clinical trial patients',
        summary:
          'Patients in the clinical trial saw their tumours shrink after six weeks of therapy with the new drug, hospital doctors reported.',
      },
    ],
  },
  'brgm-fr': {
    lang: 'fr',
    items: [
      {
        slug: 'nappes',
        title: 'Les nappes phréatiques restent sous les normales dans le sud de la France',
        summary:
          "Le BRGM indique que le niveau des eaux souterraines reste bas dans la plupart des aquifères du sud du pays, faute de recharge hivernale suffisante. La situation des nappes phréatiques sera suivie tout l'été.",
      },
    ],
  },
  'bgr-de': {
    lang: 'de',
    items: [
      {
        slug: 'grundwasser',
        title: 'Grundwasser in Norddeutschland: Geologen melden sinkende Pegel',
        summary:
          'Die geologischen Dienste der Länder melden sinkende Grundwasserstände in Norddeutschland. Nach drei trockenen Jahren haben sich die Grundwasserleiter noch nicht erholt, berichten die Geologen.',
      },
    ],
  },
  'jogmec-ja': {
    lang: 'ja',
    items: [
      {
        slug: 'nodules',
        title: '南鳥島沖の海底でレアアース泥と鉱床を確認',
        summary:
          'JOGMECは南鳥島沖の海底で実施した調査により、レアアースを高濃度に含む泥と新たな鉱床を確認したと発表した。今後は資源量の評価を進める。',
      },
    ],
  },
  'cgs-zh': {
    lang: 'zh',
    items: [
      {
        slug: 'lithium-zh',
        title: '中国地质调查局在青藏高原新发现大型锂矿床',
        summary:
          '中国地质调查局近日宣布，在青藏高原开展的地质调查中新发现一处大型锂矿床，初步估算资源量可观，将为关键矿产供应链提供保障。',
      },
    ],
  },
};

function systemConfig(server: FeedServer, prefix: string, translation: Partial<AppConfig['translation']>) {
  const base = testConfig(
    Object.keys(FEEDS).map((id) => ({ id, url: server.url(`/${id}.xml`) })),
    prefix,
  );
  return {
    ...base,
    sources: base.sources.map((s) => ({ ...s, language: FEEDS[s.id]!.lang })),
    app: { ...base.app, translation: { ...base.app.translation, ...translation } },
  };
}

describe('the running system drafts the Chinese apart from the records (LibreTranslate)', () => {
  let server: FeedServer;
  let lt: Backend;
  let runtime: Runtime;

  beforeAll(async () => {
    server = await startFeedServer();
    lt = await startBackend(libreHandler);
    for (const [id, feed] of Object.entries(FEEDS))
      server.route(`/${id}.xml`, { kind: 'feed', body: rss(server, feed.lang, feed.items) });
    runtime = await startRuntime(
      systemConfig(server, uniquePrefix('translate'), {
        backend: 'libretranslate',
        url: lt.url,
        timeoutMs: 5_000,
      }),
    );
  });

  afterAll(async () => {
    await cleanup(runtime);
    await runtime.close();
    await Promise.all([server.close(), lt.close()]);
  });

  it('drafts every relevant story not in Chinese, in the drafts store only, and never sends the others', async () => {
    const t0 = Date.now();
    await fetchNow(runtime, Object.keys(FEEDS));
    const fetched = since(t0);
    await settled([runtime.queues.translate], 30_000);
    const drafted = since(t0);
    const records = (await streamRecords(runtime)).map((e) => e.record);
    const bySlug = new Map(records.map((r) => [r.url.split('/').pop()!, r]));
    expect([...bySlug.keys()].sort()).toEqual([
      'chile-quake',
      'grundwasser',
      'lithium-zh',
      'nappes',
      'nodules',
    ]);
    expect(bySlug.get('lithium-zh')!.language).toBe('zh');

    const ids = records.map((r) => r.storyId);
    const drafts = new Map(
      (await runtime.stores.drafts.getDrafts(ids)).map((d, i) => [records[i]!.url.split('/').pop()!, d]),
    );
    expect(drafts.get('lithium-zh')).toBeNull();
    expect(records.map((r) => r.language).sort()).toEqual(['de', 'en', 'fr', 'ja', 'zh']);
    for (const slug of ['chile-quake', 'nappes', 'grundwasser', 'nodules']) {
      const r = bySlug.get(slug)!;
      const d = drafts.get(slug) as MachineDraft;
      expect(d, slug).toMatchObject({ storyId: r.storyId, backend: 'libretranslate', from: r.language });
      expect(d.note).toBeUndefined();
      expect(d.titleZh!.startsWith(`【${r.language}→zh】`)).toBe(true);
      expect(d.summaryZh!.startsWith(`【${r.language}→zh】`)).toBe(true);
    }
    // The glossary's Chinese came through the placeholders: the bulletin's terms, not the engine's.
    const d = (slug: string) => drafts.get(slug)!;
    expect(d('chile-quake').titleZh).toBe(
      '【en→zh】Magnitude 6.4 地震 strikes near the 俯冲带 off northern Chile',
    );
    expect(d('chile-quake').summaryZh).toMatch(
      /^【en→zh】Seismologists recorded dozens of 余震 after the magnitude 6\.4 地震, /,
    );
    expect(d('chile-quake').summaryZh).toContain('No 海啸 was generated.');
    expect(d('chile-quake').summaryZh).not.toMatch(/earthquake|aftershock|tsunami/);
    expect(d('nappes').titleZh).toBe(
      '【fr→zh】Les 地下水 restent sous les normales dans le sud de la France',
    );
    expect(d('nappes').summaryZh).toContain(
      'le niveau des 地下水 reste bas dans la plupart des 含水层 du sud',
    );
    expect(d('grundwasser').titleZh).toBe(
      '【de→zh】地下水 in Norddeutschland: Geologen melden sinkende Pegel',
    );
    // No glossary term in the German summary ("Grundwasserstände" is another word): sent and kept as it is.
    expect(d('grundwasser').summaryZh).toBe(`【de→zh】${bySlug.get('grundwasser')!.summary}`);
    // Japanese: no spaces between the Chinese and the kana; 海底 is the same in both and needs no pair.
    expect(d('nodules').titleZh).toBe('【ja→zh】南鳥島沖の海底で稀土泥と矿床を確認');

    // One request per drafted story; nothing Chinese and nothing off-topic was sent.
    const sent = lt.requests.map((r) => JSON.stringify(r.body));
    expect(sent).toHaveLength(4);
    expect(sent.some((s) => s.includes('锂矿床') || s.includes('cancer'))).toBe(false);
    // From each story's fetch to its stored draft (the drafts are queued as the process worker stores the story).
    const latency = records
      .filter((r) => r.language !== 'zh')
      .map((r) => Date.parse(drafts.get(r.url.split('/').pop()!)!.at) - Date.parse(r.fetchedAt));
    console.info(
      `[translate] 5 feeds fetched and processed in ${fetched} ms, drafts settled after ${drafted} ms; fetch → draft ${Math.min(...latency)}–${Math.max(...latency)} ms`,
    );
  });

  it('keeps machine text out of the records, the streams and the digest', async () => {
    const records = (await streamRecords(runtime)).map((e) => e.record);
    for (const r of records) {
      const stored = (await runtime.stores.records.story(r.storyId))!;
      expect(stored.titleZh, r.url).toBeUndefined();
      expect(stored.summaryZh, r.url).toBeUndefined();
      expect(r.titleZh).toBeUndefined();
    }
    // The day's digest, built and stored by the deliver worker.
    const { date } = buildDigest(records, { topics: runtime.config.topics.topics });
    await runtime.queues.deliver.add('digest', { date }, { jobId: `digest-${date}` });
    const stored = await waitFor('the stored digest', () => runtime.stores.digests.get(date), 20_000);
    const edition = stored.json as Digest;
    const entries = edition.sections.flatMap((s) => s.items);
    expect(entries.length).toBe(5);
    for (const e of entries) expect(e.record.titleZh).toBeUndefined();
    const md = renderDigest(edition, {
      format: 'md',
      lang: 'zh',
      keywords: createKeywords(runtime.config.glossary, runtime.config.tags),
    });
    expect(md).not.toContain('【');
    expect(md).toContain('Magnitude 6.4 earthquake strikes near the subduction zone off northern Chile');
    expect(md).toContain('关键词：地震、俯冲带、智利');
  });

  it('queues no translation at all without a backend', async () => {
    const quiet = await startRuntime(systemConfig(server, uniquePrefix('translate-none'), {}));
    try {
      expect(quiet.config.app.translation.backend).toBe('none');
      await fetchNow(quiet, Object.keys(FEEDS));
      expect((await streamRecords(quiet)).length).toBe(5);
      expect(await quiet.queues.translate.count()).toBe(0);
      expect(await quiet.queues.translate.getJobCounts('completed', 'failed')).toEqual({
        completed: 0,
        failed: 0,
      });
      expect(quiet.workers.map((w) => w.name)).not.toContain('translate');
    } finally {
      await cleanup(quiet);
      await quiet.close();
    }
  });
});

describe('a failing backend leaves a visible note and the workers go on (chat completions)', () => {
  let server: FeedServer;
  let ai: Backend;
  let runtime: Runtime;
  // Each story's title cues the server; the summaries differ, so that every item is its own story.
  const CASES: Record<string, { title: string; summary: string; note: string; requests: number }> = {
    slow: {
      title: 'Slowly creeping landslide monitored above the alpine valley',
      summary:
        'Satellite radar shows the slope moving two centimetres a month; engineering geologists installed inclinometers in boreholes along the debris flow channel.',
      note: 'TIMEOUT',
      requests: 3,
    },
    broken: {
      title: 'Broken aquifer records leave groundwater gaps in Kansas',
      summary:
        'Hydrogeologists found that well logs from the High Plains aquifer miss a decade of water table readings, hampering recharge estimates for irrigation districts.',
      note: 'TRANSLATION_FAILED',
      requests: 3,
    },
    garbled: {
      title: 'Garbled seismograms from the volcano observatory restored',
      summary:
        'Volcanologists recovered tremor records of the 1980 eruption from damaged magnetic tapes, giving new insight into magma ascent beneath the volcano.',
      note: 'TRANSLATION_FAILED',
      requests: 3,
    },
    refused: {
      title: 'Refused mining licence for the copper porphyry deposit',
      summary:
        'The mining company must redo its environmental assessment of the porphyry copper deposit, whose ore grade and tailings plans regulators questioned.',
      note: 'TRANSLATION_REFUSED',
      requests: 1,
    },
  };
  const GOOD = {
    slug: 'good',
    title: 'Geologists map the kimberlite pipes of the Slave craton',
    summary: '',
  };

  beforeAll(async () => {
    server = await startFeedServer();
    ai = await startBackend(openAiHandler);
    const items: Story[] = [
      ...Object.entries(CASES).map(([slug, c]) => ({ slug, title: c.title, summary: c.summary })),
      {
        ...GOOD,
        summary:
          'Geologists of the survey mapped the kimberlite pipes of the Slave craton in the field and from drill core, dating the intrusions with zircon.',
      },
    ];
    server.route('/survey-en.xml', { kind: 'feed', body: rss(server, 'en', items) });
    const config = systemConfig(server, uniquePrefix('translate-fail'), {
      backend: 'openai',
      url: `${ai.url}/v1`,
      model: 'geo-mt-test',
      apiKey: 'sk-loopback',
      timeoutMs: 400,
    });
    runtime = await startRuntime(
      { ...config, sources: config.sources.filter((s) => s.id === 'survey-en') },
      // The translate jobs' backoff (5 s, then 10 s) at a tenth: the retries are seen through in ≈ 2 s.
      { timings: { concurrency: { translate: 4 }, backoffScale: 0.1 } },
    );
  });

  afterAll(async () => {
    await cleanup(runtime);
    await runtime.close();
    await Promise.all([server.close(), ai.close()]);
  });

  it('stores the note after the first failure, retries within the job’s attempts, then ends the job', async () => {
    const t0 = Date.now();
    await fetchNow(runtime, ['survey-en']);
    const records = (await streamRecords(runtime)).map((e) => e.record);
    const bySlug = new Map(records.map((r) => [r.url.split('/').pop()!, r]));
    expect([...bySlug.keys()].sort()).toEqual(['broken', 'garbled', 'good', 'refused', 'slow']);
    const draftOf = async (slug: string) =>
      (await runtime.stores.drafts.getDrafts([bySlug.get(slug)!.storyId]))[0];

    // Visible at once, while the retries are still to come.
    const firstNote = await waitFor('the timeout note', async () => (await draftOf('slow'))?.note, 10_000);
    expect(firstNote).toBe('translation failed: TIMEOUT');
    const noteAfter = since(t0);

    await settled([runtime.queues.translate], 90_000);
    const allDone = since(t0);
    expect(await runtime.queues.translate.getJobCounts('failed')).toEqual({ failed: 0 });
    const jobs = await runtime.queues.translate.getJobs(['completed']);
    for (const [slug, c] of Object.entries(CASES)) {
      const r = bySlug.get(slug)!;
      expect(await draftOf(slug), slug).toMatchObject({
        titleZh: null,
        summaryZh: null,
        backend: 'openai',
        model: 'geo-mt-test',
        note: `translation failed: ${c.note}`,
      });
      const asked = ai.requests.filter((q) => q.body.messages?.[1]?.content === r.title);
      expect(asked.length, `${slug}: requests`).toBe(c.requests);
      const job = jobs.find((j) => j.data.storyId === r.storyId)!;
      expect(job.returnvalue).toEqual({ storyId: r.storyId, outcome: `failed_${c.note.toLowerCase()}` });
      // The record stays untranslated.
      expect((await runtime.stores.records.story(r.storyId))!.titleZh).toBeUndefined();
    }
    // The good story in the same run was drafted; every worker still runs.
    const good = (await draftOf('good'))!;
    expect(good.note).toBeUndefined();
    // The glossary of the system message, applied by the model: kimberlite → 金伯利岩, craton → 克拉通.
    expect(good.titleZh).toBe('【译】Geologists map the 金伯利岩 pipes of the Slave 克拉通');
    expect(runtime.workers.every((w) => w.isRunning())).toBe(true);
    const slowTries = ai.requests
      .filter((q) => q.body.messages?.[1]?.content === CASES.slow!.title)
      .map((q) => q.at);
    console.info(
      `[translate] failure note visible after ${noteAfter} ms; 3 bounded tries of the slow story at +0, +${slowTries[1]! - slowTries[0]!}, +${slowTries[2]! - slowTries[0]!} ms; all jobs ended after ${allDone} ms`,
    );
  }, 120_000);
});
