/**
 * The sources page: each registry entry with its health (GET /v1/sources: the sources issue's flags, the
 * failure count and back-off mode), its last fetch, the items of that fetch, and the new items it brought in
 * the last 7 days (`itemsPerWeek`). Admins can queue a fetch now.
 */
import { api, describeError } from './api.js';
import { boot, can, t } from './boot.js';
import { feedText, h, notice, replace } from './dom.js';
import { when } from './format.js';

interface Health {
  lastSuccessAt?: string;
  lastAttemptAt?: string;
  lastErrorCode?: string;
  consecutiveFailures: number;
  lastItems?: number;
  mode?: 'backoff' | 'probe';
  fetches: number;
}
interface Source {
  id: string;
  name: string;
  nameZh?: string;
  kind: string;
  language?: string;
  enabled: boolean;
  health: Health | null;
  flags: Array<{ flag: string; message: string }> | null;
  /** New items in the last 7 UTC days (counted when processed). */
  itemsPerWeek: number;
}

const table = document.querySelector('#sources tbody')!;
const message = document.getElementById('sources-message');

const chip = (text: string, flag: string) => h('span', { class: 'flag', 'data-flag': flag }, text);

function healthCell(s: Source): HTMLElement {
  const cell = h('td', { class: 'health' });
  if (!s.enabled) cell.append(chip(t('sources.disabled'), 'disabled'));
  if (!s.health || s.health.fetches === 0) {
    cell.append(chip(t('sources.neverFetched'), 'never'));
    return cell;
  }
  for (const f of s.flags ?? []) cell.append(chip(t(`sources.flag.${f.flag}`), f.flag));
  if (s.health.consecutiveFailures > 0) {
    cell.append(chip(t('sources.failures', { n: s.health.consecutiveFailures }), 'error'));
    if (s.health.lastErrorCode) cell.append(feedText('span', s.health.lastErrorCode, { class: 'muted' }));
  }
  if (s.health.mode) cell.append(chip(t(`sources.mode.${s.health.mode}`), s.health.mode));
  if (cell.childElementCount === 0) cell.append(chip(t('sources.ok'), 'ok'));
  return cell;
}

async function load(): Promise<void> {
  try {
    const sources = await api<Source[]>('GET', '/v1/sources');
    document.getElementById('sources-count')!.textContent = t('sources.count', { n: sources.length });
    replace(
      table,
      sources.map((s) => {
        const fetchButton =
          can('admin') && s.enabled
            ? h('button', { type: 'button', 'data-fetch': s.id }, t('sources.fetchNow'))
            : null;
        fetchButton?.addEventListener('click', () => {
          fetchButton.disabled = true;
          api('POST', `/v1/sources/${encodeURIComponent(s.id)}/fetch`)
            .then(() => notice(message, t('sources.fetchQueued')))
            .catch((err: unknown) => notice(message, describeError(err), 'error'))
            .finally(() => {
              fetchButton.disabled = false;
            });
        });
        const fetched = s.health && s.health.fetches > 0;
        return h(
          'tr',
          { 'data-source': s.id },
          h(
            'td',
            null,
            feedText('div', boot.lang === 'zh' ? s.nameZh || s.name : s.name),
            feedText('div', s.id, { class: 'muted' }),
          ),
          h('td', null, feedText('span', [s.kind, s.language].filter(Boolean).join(' · '))),
          healthCell(s),
          h(
            'td',
            null,
            fetched
              ? h('time', { 'data-d': true }, when(s.health?.lastAttemptAt))
              : h('span', { class: 'muted' }, t('common.never')),
            fetched && s.health?.lastSuccessAt !== s.health?.lastAttemptAt
              ? h(
                  'div',
                  { class: 'muted' },
                  t('sources.lastSuccess'),
                  ' ',
                  h('time', { 'data-d': true }, when(s.health?.lastSuccessAt) || t('common.never')),
                )
              : null,
          ),
          h('td', { class: 'num', 'data-d': true }, fetched ? (s.health?.lastItems ?? '') : ''),
          h('td', { class: 'num week', 'data-d': true }, s.itemsPerWeek),
          h('td', null, fetchButton),
        );
      }),
    );
    table.setAttribute('data-loaded', 'true');
  } catch (err) {
    replace(
      table,
      h('tr', null, h('td', { colspan: 7, class: 'notice', 'data-kind': 'error' }, describeError(err))),
    );
  }
}

void load();
