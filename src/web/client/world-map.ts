/**
 * Located events on the dashboard's world map: the land is drawn by the server (src/web/world-map.ts, the
 * same equirectangular box), this module adds one circle per event — radius by magnitude, colour by alert
 * level, its title as an SVG <title> text — and the list under the map.
 */
import { data, t } from './boot.js';
import { feedText, h, link, svg } from './dom.js';
import type { RecordView } from './format.js';
import { recordText, recordTime, when } from './format.js';
import { alertClass, geoLine } from './records.js';

const box = data<{ width: number; height: number } | undefined>('map') ?? { width: 960, height: 480 };

/** [x, y] in the map's box (the server's projectPoint). */
export function project(lon: number, lat: number): [number, number] {
  return [((lon + 180) / 360) * box.width, ((90 - lat) / 180) * box.height];
}

export function radius(magnitude: number | undefined): number {
  return typeof magnitude === 'number' && Number.isFinite(magnitude)
    ? Math.max(3, Math.min(14, 1.6 * magnitude))
    : 4;
}

export class EventMap {
  private readonly shown = new Set<string>();
  private readonly layer: Element;
  private readonly list: HTMLElement;

  constructor(layer: Element, list: HTMLElement) {
    this.layer = layer;
    this.list = list;
  }

  get size(): number {
    return this.shown.size;
  }

  /** Adds a located record (once per story); `fresh` puts it first in the list. */
  add(r: RecordView, fresh = false): void {
    const g = r.geo;
    if (!g || !Number.isFinite(g.lat) || !Number.isFinite(g.lon) || this.shown.has(r.storyId)) return;
    if (this.shown.size === 0) this.list.replaceChildren();
    this.shown.add(r.storyId);
    const [x, y] = project(g.lon, g.lat);
    const { title } = recordText(r);
    const label = `${geoLine(r)} · ${title}`;
    const circle = svg(
      'circle',
      {
        cx: x.toFixed(1),
        cy: y.toFixed(1),
        r: radius(g.magnitude).toFixed(1),
        'data-story': r.storyId,
        'data-alert': alertClass(g.alertLevel),
        'data-magnitude': typeof g.magnitude === 'number' ? g.magnitude : null,
      },
      svg('title', { 'data-d': true }, label),
    );
    this.layer.appendChild(circle);
    const item = h(
      'li',
      { 'data-story': r.storyId },
      h(
        'div',
        { class: 'meta' },
        h('i', { class: 'dot', 'data-alert': alertClass(g.alertLevel) }),
        feedText('span', geoLine(r)),
        ' · ',
        h('time', { 'data-d': true }, when(recordTime(r))),
      ),
      link(r.url, { dir: 'auto', 'data-d': true }, title.trim() || t('dash.noTitle')),
    );
    if (fresh) this.list.prepend(item);
    else this.list.append(item);
  }

  /** Shows the "no located events" line when nothing is on the map. */
  settle(): void {
    if (this.shown.size === 0) this.list.replaceChildren(h('li', { class: 'muted' }, t('dash.mapNone')));
  }
}
