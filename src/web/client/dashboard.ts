/**
 * The live dashboard of one topic or all: the latest records (GET /v1/records), new ones as they are stored
 * (SSE /v1/streams/<topic>, no reload), located events on the world map (GET /v1/records?bbox=…), counts
 * per topic, commodity and country over 24 h or 7 days (GET /v1/counts; a topic's page asks for that topic's
 * counts, so its commodities and countries are its own stories'). Timings for the browser test are
 * left on <html>: data-sse-open-at, data-records-at, data-map-at (ms since navigation start).
 */
import { api, describeError, loginUrl } from './api.js';
import { data, t } from './boot.js';
import { feedText, h, replace } from './dom.js';
import { commodityName, countryName, type RecordView, topicName } from './format.js';
import { recordItem } from './records.js';
import { EventMap } from './world-map.js';

const topic = data<string>('topic');
const topicQuery = topic === 'all' ? '' : `&topic=${encodeURIComponent(topic)}`;
const root = document.documentElement;
const list = document.getElementById('records')!;
const live = document.getElementById('live')!;
const newCount = document.getElementById('new-count')!;
const map = new EventMap(document.getElementById('events')!, document.getElementById('event-list')!);
const shown = new Set<string>();
let fresh = 0;
let listReady = false;

const mark = (name: string) => {
  root.dataset[name] ??= String(Math.round(performance.now()));
};

function setLive(state: 'connecting' | 'live' | 'down'): void {
  live.dataset.state = state;
  live.textContent = t(
    state === 'live' ? 'dash.live' : state === 'down' ? 'dash.reconnecting' : 'dash.connecting',
  );
}

function addFresh(r: RecordView): void {
  if (!r.relevant || shown.has(r.storyId)) return;
  shown.add(r.storyId);
  if (!listReady) list.replaceChildren();
  listReady = true;
  const item = recordItem(r);
  item.classList.add('fresh');
  list.prepend(item);
  fresh++;
  root.dataset.fresh = String(fresh);
  newCount.textContent = t('dash.newCount', { n: fresh });
  map.add(r, true);
}

function connect(): void {
  // Without Last-Event-ID the stream starts at "now"; the browser resumes with the last id by itself after a
  // dropped connection.
  const source = new EventSource(`/v1/streams/${encodeURIComponent(topic)}`);
  source.addEventListener('open', () => {
    setLive('live');
    mark('sseOpenAt');
  });
  source.addEventListener('record', (ev) => {
    try {
      addFresh(JSON.parse((ev as MessageEvent<string>).data) as RecordView);
    } catch {
      // a record the page cannot read is skipped; the list reload shows it
    }
  });
  source.addEventListener('resync', () => void loadRecords());
  // The session ended or its token was revoked: no reconnecting with it, sign in again.
  source.addEventListener('revoked', () => {
    source.close();
    setLive('down');
    location.assign(loginUrl());
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) return setLive('down');
    // Refused (401 after the session ended, 503 while Redis is away): check the session, then try again.
    setLive('down');
    api('GET', '/v1/session').catch(() => undefined);
    setTimeout(connect, 5_000);
  });
}

async function loadRecords(): Promise<void> {
  try {
    const page = await api<{ items: RecordView[] }>('GET', `/v1/records?limit=30${topicQuery}`);
    if (!listReady) list.replaceChildren();
    listReady = true;
    for (const r of page.items) {
      if (!r.relevant || shown.has(r.storyId)) continue;
      shown.add(r.storyId);
      list.append(recordItem(r));
    }
    if (shown.size === 0) list.replaceChildren(h('li', { class: 'muted' }, t('common.none')));
    mark('recordsAt');
  } catch (err) {
    replace(list, h('li', { class: 'notice', 'data-kind': 'error' }, describeError(err)));
  }
}

async function loadMap(): Promise<void> {
  try {
    const page = await api<{ items: RecordView[] }>(
      'GET',
      `/v1/records?bbox=-180,-90,180,90&limit=60${topicQuery}`,
    );
    for (const r of page.items) map.add(r);
  } catch {
    // the list below the map says there is nothing; the records list shows the error
  }
  map.settle();
  mark('mapAt');
}

type Counts = {
  window: string;
  total: number;
  topics: Record<string, number>;
  commodities: Record<string, number>;
  countries: Record<string, number>;
};

function countTable(
  titleKey: string,
  counts: Record<string, number>,
  name: (id: string) => string,
): HTMLElement {
  const rows = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 10);
  return h(
    'div',
    { class: 'counts' },
    h('h3', null, t(titleKey)),
    rows.length === 0
      ? h('p', { class: 'muted' }, t('dash.countsNone'))
      : h(
          'table',
          null,
          h(
            'thead',
            null,
            h('tr', null, h('th', null, t('dash.name')), h('th', { class: 'num' }, t('dash.count'))),
          ),
          h(
            'tbody',
            null,
            rows.map(([id, n]) =>
              h(
                'tr',
                { 'data-key': id },
                feedText('td', name(id)),
                h('td', { class: 'num', 'data-d': true }, n),
              ),
            ),
          ),
        ),
  );
}

const countsBox = document.getElementById('counts')!;
let countWindow: '24h' | '7d' = '24h';

async function loadCounts(): Promise<void> {
  try {
    const c = await api<Counts>('GET', `/v1/counts?window=${countWindow}${topicQuery}`);
    const topics = topic === 'all' ? c.topics : { [topic]: c.topics[topic] ?? 0 };
    replace(
      countsBox,
      h(
        'div',
        { class: 'grid2' },
        countTable('dash.byTopic', topics, topicName),
        countTable('dash.byCommodity', c.commodities, commodityName),
      ),
      countTable('dash.byCountry', c.countries, countryName),
    );
    countsBox.dataset.window = c.window;
  } catch (err) {
    replace(countsBox, h('p', { class: 'notice', 'data-kind': 'error' }, describeError(err)));
  }
}

for (const button of document.querySelectorAll<HTMLButtonElement>('#windows button')) {
  button.addEventListener('click', () => {
    countWindow = button.dataset.window === '7d' ? '7d' : '24h';
    for (const b of document.querySelectorAll<HTMLButtonElement>('#windows button'))
      b.setAttribute('aria-pressed', String(b === button));
    void loadCounts();
  });
}

setLive('connecting');
connect();
void loadRecords();
void loadMap();
void loadCounts();
setInterval(() => void loadCounts(), 60_000);
