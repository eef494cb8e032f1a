/**
 * The digest builder: the edition of a day in bulletin layout (GET /v1/digests/:date?format=json — the
 * draft with the editors' accepted stories, edits and order, or the final edition once published), the
 * section order changed with the move buttons (PUT /v1/editions/:date/sections/:section/order), publication
 * with the bulletin's next issue number (POST /v1/editions/:date/publish, naming the version reviewed) and
 * the archive of published editions (GET /v1/editions). Each item shows the other section it also fits (its
 * record's runner-up, issue #12) and, in a draft of the editors' picks, moves it there in one click
 * (PUT /v1/editions/:date/items/:storyId/section, edits kept). Each section also shows its event box, read-only
 * (the event feeds' sequences as the digest JSON gives them, `eventsTitle` and one `line` per sequence: not
 * editors' picks, so no move or order), as text, the region linked to the largest event's http(s) page.
 */
import { api, describeError } from './api.js';
import { boot, data, t } from './boot.js';
import { feedText, h, link, notice, pageLink, replace } from './dom.js';
import { alsoFits, type RecordView, scoreText, topicName, when } from './format.js';

interface EditionState {
  date: string;
  status: 'draft' | 'published';
  version: number;
  issue: number | null;
  publishedAt: string | null;
  publishedBy: string | null;
  entries: Array<{ storyId: string; section: string }>;
  order: Record<string, string[]>;
  draft: { source: 'picks' | 'auto'; count: number; omitted: string[] };
}
interface DigestJson {
  title: string;
  dateLabel: string;
  issue: number;
  issueLabel: string;
  count: number;
  sections: Array<{
    id: string;
    name: string;
    items: Array<{ n: number; title: string; summary: string; citation: string; record: RecordView }>;
    /** Absent from editions frozen before event boxes existed. */
    eventsTitle?: string;
    events?: EventLine[];
  }>;
}
/** One event sequence of a section's event box (docs/digest.md), as much of it as the page shows. */
interface EventLine {
  type: string;
  region: string;
  days: { from: string; to: string };
  count: number;
  maxMagnitude: number | null;
  alertLevel: string | null;
  url: string;
  /** The whole line in the bulletin's language: the region, then days, count, magnitude and alert. */
  line: string;
}

let date = data<string>('date');
const box = document.getElementById('bulletin')!;
const archive = document.getElementById('archive')!;
const message = document.getElementById('digest-message');
let bulletinLang: 'zh' | 'en' = boot.lang;
let state: EditionState | null = null;
let digest: DigestJson | null = null;
let confirming = false;

const say = (text: string, kind: 'info' | 'error' = 'info') => notice(message, text, kind);
const enc = encodeURIComponent;

function htmlEditionPath(d: string, lang: string, final: boolean): string {
  return `/v1/digests/${enc(d)}?format=html&lang=${lang}${final ? '&edition=final' : '&edition=draft'}`;
}

async function load(): Promise<void> {
  try {
    state = await api<EditionState>('GET', `/v1/editions/${enc(date)}`);
    const edition = state.status === 'published' ? 'final' : 'draft';
    digest = await api<DigestJson>(
      'GET',
      `/v1/digests/${enc(date)}?format=json&lang=${bulletinLang}&edition=${edition}`,
    );
    render();
  } catch (err) {
    replace(box, h('p', { class: 'notice', 'data-kind': 'error' }, describeError(err)));
  }
}

/** The story ids of a section in the order shown, then any accepted ones the page limit left out. */
function sectionIds(sectionId: string): string[] {
  const shown = digest?.sections.find((s) => s.id === sectionId)?.items.map((i) => i.record.storyId) ?? [];
  const all = state?.entries.filter((e) => e.section === sectionId).map((e) => e.storyId) ?? [];
  return [...shown, ...all.filter((id) => !shown.includes(id))];
}

async function moveItem(sectionId: string, storyId: string, step: -1 | 1): Promise<void> {
  const ids = sectionIds(sectionId);
  const i = ids.indexOf(storyId);
  const j = i + step;
  if (i < 0 || j < 0 || j >= ids.length) return;
  [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  try {
    await api('PUT', `/v1/editions/${enc(date)}/sections/${enc(sectionId)}/order`, { storyIds: ids });
    confirming = false;
    await load();
    say(t('digest.orderSaved'));
    document
      .querySelector<HTMLButtonElement>(`li[data-story="${CSS.escape(storyId)}"] button[data-move="${step}"]`)
      ?.focus();
  } catch (err) {
    say(describeError(err), 'error');
  }
}

async function moveSection(storyId: string, section: string): Promise<void> {
  try {
    await api('PUT', `/v1/editions/${enc(date)}/items/${enc(storyId)}/section`, { section });
    confirming = false;
    await load();
    say(t('digest.sectionMoved', { section: topicName(section) }));
  } catch (err) {
    say(describeError(err), 'error');
  }
}

/** The "also fits …" line of an item, with the move when the draft is the editors' picks. */
function alsoFitsLine(record: RecordView, section: string, movable: boolean): HTMLElement | null {
  const alt = alsoFits(record, section);
  if (!alt) return null;
  let move: HTMLButtonElement | null = null;
  if (movable) {
    move = h(
      'button',
      { type: 'button', class: 'move-section', 'data-section': alt.id },
      t('digest.moveSection'),
    );
    move.addEventListener('click', () => void moveSection(record.storyId, alt.id));
  }
  return h(
    'p',
    { class: 'also-fits muted', 'data-runner-up': alt.id },
    t('digest.alsoFits', { section: topicName(alt.id), score: scoreText(alt.score) }),
    move ? [' ', move] : null,
  );
}

/**
 * A section's event box: read-only, text only. The region links to the largest event's page when that is an
 * http(s) URL (new tab, `rel="noopener noreferrer"`); the rest of the line is text. Null without events.
 */
function eventBox(title: string | undefined, events: readonly EventLine[]): HTMLElement | null {
  if (events.length === 0) return null;
  const heading = title || t('digest.events');
  return h(
    'aside',
    { class: 'events', 'aria-label': heading, 'data-events': events.length },
    feedText('h3', heading),
    h('p', { class: 'muted events-note' }, t('digest.eventsNote')),
    h(
      'ul',
      null,
      events.map((q) => {
        const split = q.region !== '' && q.line.startsWith(q.region);
        const rest = split ? q.line.slice(q.region.length) : q.line;
        return h(
          'li',
          {
            dir: 'auto',
            'data-d': true,
            'data-type': q.type,
            'data-count': q.count,
            'data-magnitude': q.maxMagnitude,
            'data-alert': q.alertLevel,
          },
          split ? link(q.url, { class: 'region', title: t('digest.eventOpen') }, q.region) : null,
          rest,
          split ? null : [' ', link(q.url, { class: 'region' }, t('digest.eventOpen'))],
        );
      }),
    ),
  );
}

async function publish(button: HTMLButtonElement): Promise<void> {
  if (!state) return;
  if (!confirming) {
    confirming = true;
    button.textContent = t('digest.publishConfirm');
    button.dataset.confirm = 'true';
    return;
  }
  button.disabled = true;
  try {
    const res = await api<{ issue: number }>('POST', `/v1/editions/${enc(date)}/publish`, {
      version: state.version,
    });
    confirming = false;
    await Promise.all([load(), loadArchive()]);
    say(t('digest.publishDone', { issue: res.issue }));
  } catch (err) {
    button.disabled = false;
    say(describeError(err), 'error');
  }
}

function render(): void {
  if (!state || !digest) return;
  const s = state;
  const d = digest;
  const draft = s.status === 'draft';
  const movable = draft && s.draft.source === 'picks';
  const langButton = (lang: 'zh' | 'en', key: string) => {
    const b = h(
      'button',
      { type: 'button', 'aria-pressed': String(bulletinLang === lang), 'data-lang': lang },
      t(key),
    );
    b.addEventListener('click', () => {
      bulletinLang = lang;
      void load();
    });
    return b;
  };
  const publishButton = h(
    'button',
    { type: 'button', id: 'publish', class: 'primary', disabled: !draft || s.entries.length === 0 },
    t('digest.publish'),
  );
  publishButton.addEventListener('click', () => void publish(publishButton));
  const sections = d.sections.filter((sec) => sec.items.length > 0 || (sec.events?.length ?? 0) > 0);
  replace(
    box,
    h(
      'div',
      { class: 'actions' },
      h('span', null, t('digest.lang')),
      h('span', { class: 'tabs' }, langButton('zh', 'digest.langZh'), langButton('en', 'digest.langEn')),
    ),
    feedText('h1', d.title, { id: 'bulletin-title' }),
    h(
      'p',
      { class: 'muted', id: 'edition-status', 'data-status': s.status, 'data-issue': s.issue ?? null },
      draft ? t('digest.draft') : t('digest.published', { issue: s.issue ?? d.issue }),
      ' · ',
      feedText('span', d.dateLabel),
      draft
        ? null
        : [
            ' · ',
            h('span', null, t('digest.publishedBy', { name: s.publishedBy ?? '', at: when(s.publishedAt) })),
          ],
    ),
    h(
      'p',
      { class: 'actions' },
      draft ? publishButton : null,
      pageLink(
        htmlEditionPath(date, bulletinLang, !draft),
        { id: 'view-html', target: '_blank', rel: 'noopener noreferrer' },
        t('digest.viewHtml'),
      ),
    ),
    sections.length === 0 || (draft && s.entries.length === 0)
      ? h('p', { class: 'muted', id: 'no-items' }, t('digest.noItems'))
      : null,
    sections.map((sec) =>
      h(
        'section',
        { 'data-section': sec.id },
        feedText('h2', sec.name),
        sec.items.length === 0 ? h('p', { class: 'muted' }, t('digest.sectionEmpty')) : null,
        h(
          'ol',
          null,
          sec.items.map((item, idx) => {
            const up = h(
              'button',
              {
                type: 'button',
                'data-move': '-1',
                title: t('digest.moveUp'),
                'aria-label': t('digest.moveUp'),
                disabled: idx === 0,
              },
              '↑',
            );
            const down = h(
              'button',
              {
                type: 'button',
                'data-move': '1',
                title: t('digest.moveDown'),
                'aria-label': t('digest.moveDown'),
                disabled: idx === sec.items.length - 1,
              },
              '↓',
            );
            up.addEventListener('click', () => void moveItem(sec.id, item.record.storyId, -1));
            down.addEventListener('click', () => void moveItem(sec.id, item.record.storyId, 1));
            return h(
              'li',
              { 'data-story': item.record.storyId },
              h('span', { class: 'n', 'data-d': true }, `${item.n}.`),
              h(
                'div',
                { class: 'body' },
                feedText('strong', item.title, { class: 'item-title' }),
                item.summary ? feedText('p', item.summary) : null,
                feedText('span', item.citation, { class: 'cite' }),
                alsoFitsLine(item.record, sec.id, movable),
              ),
              movable ? h('span', { class: 'move' }, up, down) : null,
            );
          }),
        ),
        eventBox(sec.eventsTitle, sec.events ?? []),
      ),
    ),
  );
  box.dataset.version = String(s.version);
  box.dataset.status = s.status;
}

async function loadArchive(): Promise<void> {
  try {
    const res = await api<{ items: Array<{ date: string; issue: number; publishedAt: string }> }>(
      'GET',
      '/v1/editions?limit=30',
    );
    replace(
      archive,
      res.items.length === 0
        ? h('li', { class: 'muted' }, t('digest.archiveNone'))
        : res.items.map((e) =>
            h(
              'li',
              { 'data-date': e.date, 'data-issue': e.issue },
              pageLink(`/digest?date=${enc(e.date)}`, null, t('digest.archiveItem', { issue: e.issue })),
              ' · ',
              h('span', { 'data-d': true }, e.date),
              ' · ',
              h('time', { 'data-d': true }, when(e.publishedAt)),
              ' · ',
              pageLink(
                htmlEditionPath(e.date, bulletinLang, true),
                { target: '_blank', rel: 'noopener noreferrer' },
                t('digest.viewHtml'),
              ),
            ),
          ),
    );
  } catch (err) {
    replace(archive, h('li', { class: 'notice', 'data-kind': 'error' }, describeError(err)));
  }
}

/** Without `?date=`: today's edition until it is published, then the next one (whose window is open). */
async function start(): Promise<void> {
  if (!data<boolean>('chosen')) {
    try {
      const closed = await api<EditionState>('GET', `/v1/editions/${enc(date)}`);
      if (closed.status === 'published') {
        date = data<string>('next');
        const input = document.getElementById('date') as HTMLInputElement | null;
        if (input) input.value = date;
      }
    } catch {
      // load() below shows the error
    }
  }
  await load();
}

void start();
void loadArchive();
