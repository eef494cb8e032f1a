/**
 * The editor queue of one topic (GET /v1/candidates): pull (claim the best unclaimed candidate), claim,
 * release, accept with edited texts (title, summary, titleZh, summaryZh, section) or reject with a reason,
 * side by side with the source text, the story's other sources (GET /v1/stories/:id), the matched terms
 * behind its classification and its history (GET /v1/stories/:id/audit). Keyboard: c claim, a accept,
 * r reject, n/j next, p/k previous; Ctrl+Enter accepts from inside a field, Escape leaves the field.
 *
 * A machine draft of the Chinese (`machineDraft`, a translation backend's) is shown beside the zh fields,
 * marked as such, and reaches them only by the editor's "use draft"; only the editor's accept stores it. The
 * record's runner-up section ("also fits …") is offered as a one-click change of the section select.
 */
import { ApiError, api, describeError } from './api.js';
import { boot, data, t } from './boot.js';
import { feedText, h, link, notice, pageLink, replace } from './dom.js';
import {
  alsoFits,
  commodityName,
  countryName,
  type RecordView,
  recordTime,
  scoreText,
  topicName,
  topics,
  when,
} from './format.js';

interface Claim {
  by: string;
  expiresAt: string;
  mine: boolean;
}
/** A translation backend's Chinese for a candidate (GET /v1/candidates `machineDraft`). */
interface MachineDraft {
  titleZh: string | null;
  summaryZh: string | null;
  backend: string;
  model?: string;
  from: string;
  at: string;
  /** Why the draft has no text (a failed translation), or what was shortened. */
  note?: string;
}
interface Candidate {
  storyId: string;
  score: number;
  claim: Claim | null;
  record: RecordView;
  machineDraft?: MachineDraft | null;
}
interface AuditEntry {
  at: string;
  actor: { name: string; role: string };
  action: string;
}
interface SourceEntry {
  id: string;
  name: string;
  nameZh?: string;
}

const topic = data<string>('topic');
const queue = document.getElementById('queue')!;
const detail = document.getElementById('detail')!;
const message = document.getElementById('editor-message');
let items: Candidate[] = [];
let selected: string | null = null;
let sourceNames: Map<string, string> | null = null;

const current = () => items.find((c) => c.storyId === selected) ?? null;
const say = (text: string, kind: 'info' | 'error' = 'info') => notice(message, text, kind);

function claimText(c: Claim | null): string {
  if (!c) return t('editor.claimNone');
  return c.mine ? t('editor.claimedByYou') : t('editor.claimedBy', { name: c.by });
}

function renderQueue(): void {
  if (items.length === 0) {
    replace(queue, h('li', { class: 'muted' }, t('editor.empty')));
    return;
  }
  replace(
    queue,
    items.map((c) => {
      const li = h(
        'li',
        { 'data-story': c.storyId, role: 'option', 'aria-selected': String(c.storyId === selected) },
        feedText('div', c.record.title.trim() || t('dash.noTitle'), { class: 'title' }),
        h(
          'div',
          { class: 'meta' },
          feedText(
            'span',
            boot.lang === 'zh' ? c.record.source.nameZh || c.record.source.name : c.record.source.name,
          ),
          ' · ',
          h('time', { 'data-d': true }, when(recordTime(c.record))),
          ' · ',
          h('span', { class: 'claim', 'data-mine': c.claim?.mine ? 'true' : null }, claimText(c.claim)),
          draftText(c.machineDraft)
            ? [' · ', h('span', { class: 'badge draft-badge' }, t('editor.draft'))]
            : null,
        ),
      );
      li.addEventListener('click', () => select(c.storyId));
      return li;
    }),
  );
}

async function load(): Promise<void> {
  try {
    const res = await api<{ items: Candidate[] }>(
      'GET',
      `/v1/candidates?topic=${encodeURIComponent(topic)}&limit=50`,
    );
    items = res.items;
    if (selected && !current()) selected = null;
    renderQueue();
    queue.dataset.loaded = 'true';
    if (selected) renderDetail();
  } catch (err) {
    replace(queue, h('li', { class: 'notice', 'data-kind': 'error' }, describeError(err)));
  }
}

function field(id: string, labelKey: string, value: string, multiline: boolean): HTMLElement[] {
  const input = multiline
    ? h('textarea', { id, name: id, dir: 'auto' })
    : h('input', { id, name: id, type: 'text', dir: 'auto' });
  input.value = value;
  return [h('label', { for: id }, t(labelKey)), input];
}

/** The draft's non-empty texts, or null when it has none. */
function draftText(d: MachineDraft | null | undefined): { titleZh: string; summaryZh: string } | null {
  const titleZh = typeof d?.titleZh === 'string' ? d.titleZh.trim() : '';
  const summaryZh = typeof d?.summaryZh === 'string' ? d.summaryZh.trim() : '';
  return titleZh || summaryZh ? { titleZh, summaryZh } : null;
}

/**
 * The machine draft beside the zh fields, marked as one (backend, model, language, time), with its note; the
 * "use draft" button copies its texts into the zh fields. Nothing is copied without that click.
 */
function draftPanel(d: MachineDraft | null | undefined): HTMLElement | null {
  if (!d) return null;
  const text = draftText(d);
  const note = typeof d.note === 'string' ? d.note.trim() : '';
  if (!text && !note) return null;
  const by = {
    backend: String(d.backend),
    model: String(d.model ?? ''),
    from: String(d.from),
    at: when(d.at),
  };
  const use = text ? h('button', { type: 'button', id: 'use-draft' }, t('editor.useDraft')) : null;
  use?.addEventListener('click', () => {
    const put = (id: string, value: string) => {
      const el = document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement | null;
      if (el && value) el.value = value;
    };
    put('f-titleZh', text!.titleZh);
    put('f-summaryZh', text!.summaryZh);
    (document.getElementById('f-titleZh') as HTMLInputElement | null)?.focus();
    say(t('editor.draftUsed'));
  });
  return h(
    'aside',
    { class: 'machine-draft', id: 'machine-draft', 'aria-label': t('editor.draft') },
    h('h3', null, h('span', { class: 'badge draft-badge' }, t('editor.draft'))),
    h('p', { class: 'muted', id: 'draft-by' }, t(d.model ? 'editor.draftBy' : 'editor.draftByNoModel', by)),
    note
      ? h(
          'p',
          { class: 'notice draft-note', id: 'draft-note', 'data-kind': text ? 'info' : 'error' },
          h('strong', null, t('editor.draftNote')),
          ': ',
          feedText('span', note),
        )
      : null,
    text
      ? h(
          'dl',
          null,
          text.titleZh
            ? [
                h('dt', null, t('editor.draftTitle')),
                feedText('dd', text.titleZh, { id: 'draft-titleZh', lang: 'zh' }),
              ]
            : null,
          text.summaryZh
            ? [
                h('dt', null, t('editor.draftSummary')),
                feedText('dd', text.summaryZh, { id: 'draft-summaryZh', lang: 'zh' }),
              ]
            : null,
        )
      : h('p', { class: 'muted' }, t('editor.draftEmpty')),
    use,
  );
}

/** The "also fits …" line under the section select: the other section the record fits, one click away. */
function runnerUpLine(r: RecordView, select: HTMLSelectElement): HTMLElement {
  const line = h('p', { class: 'also-fits', id: 'also-fits' });
  const update = () => {
    const alt = alsoFits(r, select.value);
    line.hidden = alt === null;
    if (!alt) {
      replace(line);
      return;
    }
    const move = h(
      'button',
      { type: 'button', id: 'move-section', 'data-section': alt.id },
      t('editor.moveSection'),
    );
    move.addEventListener('click', () => {
      select.value = alt.id;
      update();
      say(t('editor.sectionSet', { section: topicName(alt.id) }));
    });
    replace(
      line,
      h(
        'span',
        { 'data-runner-up': alt.id },
        t('editor.alsoFits', { section: topicName(alt.id), score: scoreText(alt.score) }),
      ),
      ' ',
      move,
    );
  };
  select.addEventListener('change', update);
  update();
  return line;
}

const fieldValue = (id: string) =>
  (document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement | null)?.value.trim() ?? '';

function renderDetail(): void {
  const c = current();
  if (!c) {
    replace(detail, h('p', { class: 'muted' }, t('editor.select')));
    return;
  }
  const r = c.record;
  const button = (id: string, key: string, cls: string | null, run: () => void) => {
    const b = h('button', { type: 'button', id, class: cls }, t(key));
    b.addEventListener('click', run);
    return b;
  };
  const section = h(
    'select',
    { id: 'f-section', name: 'f-section' },
    topics().map((x) =>
      h('option', { value: x.id, selected: x.id === (r.topic ?? topic), 'data-d': true }, x.name),
    ),
  );
  const evidence = [...r.topics]
    .sort((a, b) => b.score - a.score)
    .map((s) =>
      h(
        'li',
        null,
        feedText('strong', topicName(s.id)),
        ' · ',
        h('span', null, t('editor.score', { score: s.score.toFixed(2) })),
        ' · ',
        s.evidence.length === 0
          ? h('span', { class: 'muted' }, t('editor.noEvidence'))
          : h(
              'span',
              { class: 'terms' },
              s.evidence.map((term) => feedText('span', term, { class: 'term' })),
            ),
      ),
    );
  const tags = [
    ...r.tags.commodities.map((x) => commodityName(x)),
    ...r.tags.countries.map((x) => countryName(x)),
  ];
  replace(
    detail,
    h(
      'div',
      { class: 'actions' },
      button('claim', 'editor.claim', null, () => void claim()),
      button('release', 'editor.release', null, () => void release()),
      button('accept', 'editor.accept', 'primary', () => void accept()),
      button('reject', 'editor.reject', 'danger', () => void reject()),
      button('prev', 'editor.previous', null, () => move(-1)),
      button('next', 'editor.next', null, () => move(1)),
      h('span', { class: 'muted', id: 'claim-state' }, claimText(c.claim)),
    ),
    h(
      'div',
      { class: 'editor' },
      h(
        'section',
        { class: 'source-text', 'data-story': c.storyId },
        h('h2', null, t('editor.sourceText')),
        link(r.url, { class: 'title', dir: 'auto', 'data-d': true }, r.title.trim() || t('dash.noTitle')),
        h(
          'p',
          { class: 'meta muted' },
          feedText('span', boot.lang === 'zh' ? r.source.nameZh || r.source.name : r.source.name),
          ' · ',
          h('time', { 'data-d': true }, when(recordTime(r))),
        ),
        r.summary ? feedText('p', r.summary, { class: 'summary' }) : null,
        h('h3', null, t('editor.otherSources')),
        h('ul', { id: 'others' }, h('li', { class: 'muted' }, t('common.loading'))),
        h('h3', null, t('editor.why')),
        h('ul', { id: 'evidence' }, evidence),
        tags.length ? h('h3', null, t('editor.tags')) : null,
        tags.length
          ? h(
              'p',
              { class: 'terms' },
              tags.map((x) => feedText('span', x, { class: 'term' })),
            )
          : null,
        h('h3', null, t('editor.history')),
        h('ul', { id: 'history' }, h('li', { class: 'muted' }, t('common.loading'))),
      ),
      h(
        'section',
        { class: 'edit' },
        h('h2', null, t('editor.edit')),
        field('f-title', 'editor.fieldTitle', r.title, false),
        field('f-summary', 'editor.fieldSummary', r.summary, true),
        field('f-titleZh', 'editor.fieldTitleZh', r.titleZh ?? '', false),
        field('f-summaryZh', 'editor.fieldSummaryZh', r.summaryZh ?? '', true),
        draftPanel(c.machineDraft),
        h('label', { for: 'f-section' }, t('editor.fieldSection')),
        section,
        runnerUpLine(r, section),
        field('f-reason', 'editor.rejectReason', '', false),
      ),
    ),
  );
  void loadStory(c.storyId);
}

async function loadStory(storyId: string): Promise<void> {
  const others = document.getElementById('others');
  const history = document.getElementById('history');
  try {
    sourceNames ??= new Map(
      (await api<SourceEntry[]>('GET', '/v1/sources')).map((s) => [
        s.id,
        boot.lang === 'zh' ? s.nameZh || s.name : s.name,
      ]),
    );
    const [story, trail] = await Promise.all([
      api<RecordView>('GET', `/v1/stories/${encodeURIComponent(storyId)}`),
      api<{ items: AuditEntry[] }>('GET', `/v1/stories/${encodeURIComponent(storyId)}/audit?limit=50`),
    ]);
    if (selected !== storyId) return;
    const dups = story.duplicates.filter((d) => d.sourceId !== story.source.id || d.url !== story.url);
    if (others)
      replace(
        others,
        dups.length === 0
          ? h('li', { class: 'muted' }, t('editor.noOtherSources'))
          : dups.map((d) =>
              h(
                'li',
                null,
                link(d.url, { dir: 'auto', 'data-d': true }, sourceNames?.get(d.sourceId) ?? d.sourceId),
              ),
            ),
      );
    if (history)
      replace(
        history,
        trail.items.length === 0
          ? h('li', { class: 'muted' }, t('common.none'))
          : trail.items.map((e) => {
              const known = boot.messages[`audit.${e.action}`] !== undefined;
              return h(
                'li',
                null,
                h('time', { 'data-d': true }, when(e.at)),
                ' · ',
                feedText('span', e.actor.name),
                ' · ',
                known ? h('span', null, t(`audit.${e.action}`)) : feedText('span', e.action),
              );
            }),
      );
  } catch (err) {
    if (others) replace(others, h('li', { class: 'notice', 'data-kind': 'error' }, describeError(err)));
  }
}

function select(storyId: string): void {
  selected = storyId;
  for (const li of queue.querySelectorAll('li[data-story]'))
    li.setAttribute('aria-selected', String(li.getAttribute('data-story') === storyId));
  renderDetail();
}

function move(step: 1 | -1): void {
  if (items.length === 0) return;
  const i = items.findIndex((c) => c.storyId === selected);
  const next = items[i < 0 ? 0 : Math.min(items.length - 1, Math.max(0, i + step))];
  if (next) select(next.storyId);
}

function conflictText(err: unknown): string {
  return err instanceof ApiError && err.status === 409
    ? t('editor.conflict', { message: err.message })
    : describeError(err);
}

async function claim(storyId = selected): Promise<boolean> {
  if (!storyId) return false;
  try {
    const res = await api<{ claim: Claim }>(
      'POST',
      `/v1/candidates/${encodeURIComponent(storyId)}/claim`,
      {},
    );
    const c = items.find((x) => x.storyId === storyId);
    if (c) c.claim = res.claim;
    renderQueue();
    const state = document.getElementById('claim-state');
    if (state && storyId === selected) state.textContent = claimText(res.claim);
    if (storyId === selected) void loadStory(storyId);
    say(t('editor.claimed'));
    return true;
  } catch (err) {
    say(conflictText(err), 'error');
    await load();
    return false;
  }
}

async function release(): Promise<void> {
  const c = current();
  if (!c) return;
  try {
    await api('POST', `/v1/candidates/${encodeURIComponent(c.storyId)}/release`, {});
    c.claim = null;
    renderQueue();
    renderDetail();
    say(t('editor.released'));
  } catch (err) {
    say(conflictText(err), 'error');
  }
}

/** Takes a decided candidate off the list and shows the next one. */
function decided(storyId: string): void {
  const i = items.findIndex((c) => c.storyId === storyId);
  items = items.filter((c) => c.storyId !== storyId);
  const next = items[Math.min(i, items.length - 1)];
  selected = next?.storyId ?? null;
  renderQueue();
  renderDetail();
}

async function accept(): Promise<void> {
  const c = current();
  if (!c) return;
  const r = c.record;
  const body: Record<string, string> = {};
  const changed = (key: 'title' | 'summary' | 'titleZh' | 'summaryZh', id: string) => {
    const v = fieldValue(id);
    if (v && v !== (r[key] ?? '').trim()) body[key] = v;
  };
  changed('title', 'f-title');
  changed('summary', 'f-summary');
  changed('titleZh', 'f-titleZh');
  changed('summaryZh', 'f-summaryZh');
  const section = fieldValue('f-section');
  if (section && section !== r.topic) body.section = section;
  try {
    const res = await api<{ date?: string | null; edition?: string | null }>(
      'POST',
      `/v1/candidates/${encodeURIComponent(c.storyId)}/accept`,
      body,
    );
    const date = res.edition ?? res.date ?? null;
    decided(c.storyId);
    if (date) {
      if (message) {
        replace(
          message,
          t('editor.accepted', { date }),
          ' ',
          pageLink(
            `/digest?date=${encodeURIComponent(date)}`,
            { id: 'open-digest' },
            t('editor.openDigest', { date }),
          ),
        );
        message.dataset.kind = 'info';
        message.hidden = false;
      }
    } else say(t('editor.acceptedPlain'));
  } catch (err) {
    say(conflictText(err), 'error');
  }
}

async function reject(): Promise<void> {
  const c = current();
  if (!c) return;
  const reason = fieldValue('f-reason');
  if (!reason) {
    say(t('editor.rejectNeedsReason'), 'error');
    (document.getElementById('f-reason') as HTMLInputElement | null)?.focus();
    return;
  }
  try {
    await api('POST', `/v1/candidates/${encodeURIComponent(c.storyId)}/reject`, { reason });
    decided(c.storyId);
    say(t('editor.rejected'));
  } catch (err) {
    say(conflictText(err), 'error');
  }
}

/** Pull: the best candidate nobody holds becomes yours. */
async function pull(): Promise<void> {
  await load();
  for (const c of items) {
    if (c.claim) continue;
    select(c.storyId);
    if (await claim(c.storyId)) return;
  }
  if (!items.some((c) => !c.claim)) say(t('editor.empty'));
}

document.getElementById('pull')?.addEventListener('click', () => void pull());
document.getElementById('refresh')?.addEventListener('click', () => void load());

document.addEventListener('keydown', (ev) => {
  const target = ev.target as HTMLElement | null;
  const inField = !!target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  if (inField) {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      void accept();
    } else if (ev.key === 'Escape') target.blur();
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const actions: Record<string, () => void> = {
    c: () => void claim(),
    a: () => void accept(),
    r: () => void reject(),
    n: () => move(1),
    j: () => move(1),
    p: () => move(-1),
    k: () => move(-1),
  };
  const run = actions[ev.key.toLowerCase()];
  if (run) {
    ev.preventDefault();
    run();
  }
});

void load();
