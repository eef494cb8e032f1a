/** How a record is shown in lists: title (a safe link), source, time, topic, summary, map point. */
import { t } from './boot.js';
import { feedText, h, link } from './dom.js';
import { type RecordView, recordText, recordTime, sourceName, topicName, when } from './format.js';

/** The alert level as one of the map's classes (GDACS green/orange/red), or null. */
export function alertClass(level: string | undefined): 'green' | 'orange' | 'red' | null {
  const v = (level ?? '').trim().toLowerCase();
  return v === 'green' || v === 'orange' || v === 'red' ? v : null;
}

/** The interface's words for an alert level (`dash.alertNone` without one). */
export function alertLabel(level: string | undefined): string {
  const c = alertClass(level);
  if (c === 'green') return t('dash.alertGreen');
  if (c === 'orange') return t('dash.alertOrange');
  if (c === 'red') return t('dash.alertRed');
  return t('dash.alertNone');
}

/** `M6.1 · orange · depth 10 km` for a located record, or '' for one without a map point. */
export function geoLine(r: RecordView): string {
  const g = r.geo;
  if (!g) return '';
  const parts: string[] = [];
  if (typeof g.magnitude === 'number') parts.push(t('dash.mag', { mag: g.magnitude.toFixed(1) }));
  parts.push(alertLabel(g.alertLevel));
  if (typeof g.depthKm === 'number') parts.push(t('dash.depth', { km: Math.round(g.depthKm) }));
  return parts.join(' · ');
}

/** One record as a list item. */
export function recordItem(r: RecordView): HTMLLIElement {
  const text = recordText(r);
  const title = text.title.trim() || t('dash.noTitle');
  const others = new Set(r.duplicates.map((d) => d.sourceId).filter((s) => s !== r.source.id)).size;
  return h(
    'li',
    { 'data-story': r.storyId },
    h(
      'div',
      { class: 'meta' },
      r.topic ? feedText('span', topicName(r.topic), { class: 'badge' }) : null,
      feedText('span', sourceName(r.source)),
      ' · ',
      h('time', { datetime: recordTime(r), 'data-d': true }, when(recordTime(r))),
    ),
    link(r.url, { class: 'title', dir: 'auto', 'data-d': true }, title),
    text.summary ? feedText('p', text.summary, { class: 'summary' }) : null,
    r.geo ? h('div', { class: 'meta geo', 'data-d': true }, geoLine(r)) : null,
    others > 0 ? h('div', { class: 'meta' }, t('dash.duplicates', { n: others })) : null,
  );
}
