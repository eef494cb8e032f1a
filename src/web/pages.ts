/**
 * The main element of each page, server-rendered from the catalogue: headings, labels, empty containers the
 * page's script fills through the API. No record, candidate or source text is rendered here.
 */
import type { TopicEntry } from '../config/topics-schema.js';
import { html, type SafeHtml } from './html.js';
import { type Lang, type MessageKey, message } from './messages.js';
import { MAP_HEIGHT, MAP_WIDTH } from './world-map.js';

export interface PageTopic {
  id: string;
  name: string;
}

/** The topics in bulletin order, named in `lang` (config/topics.yaml's name / nameZh). */
export function pageTopics(
  topics: readonly Pick<TopicEntry, 'id' | 'name' | 'nameZh' | 'order'>[],
  lang: Lang,
) {
  return [...topics]
    .sort((a, b) => a.order - b.order)
    .map((t): PageTopic => ({ id: t.id, name: lang === 'zh' ? t.nameZh : t.name }));
}

const tr = (lang: Lang) => (key: MessageKey, vars?: Record<string, string | number>) =>
  message(lang, key, vars);

function topicTabs(
  base: string,
  topics: readonly PageTopic[],
  current: string | null,
  allKey: MessageKey | null,
  lang: Lang,
) {
  const t = tr(lang);
  const tab = (href: string, label: string, on: boolean, data: boolean) =>
    html`<a href="${href}"${on ? html` aria-current="page"` : ''}${data ? html` data-d` : ''}>${label}</a>`;
  return html`<nav class="tabs" id="topics">${allKey ? tab(base, t(allKey), current === null, false) : ''}${topics.map(
    (x) => tab(`${base}?topic=${encodeURIComponent(x.id)}`, x.name, current === x.id, true),
  )}</nav>`;
}

export function loginMain(lang: Lang): SafeHtml {
  const t = tr(lang);
  return html`<section class="card login">
<h1>${t('login.title')}</h1>
<p class="muted">${t('login.intro')}</p>
<form id="login" method="post" action="/login" autocomplete="off">
<label for="token">${t('login.token')}</label>
<input id="token" name="token" type="password" required autofocus spellcheck="false">
<p class="actions"><button class="primary" type="submit" id="login-submit">${t('login.submit')}</button></p>
<p id="login-message" class="notice" data-kind="error" hidden></p>
</form>
</section>`;
}

export function dashboardMain(
  lang: Lang,
  topics: readonly PageTopic[],
  topic: PageTopic | null,
  land: string,
): SafeHtml {
  const t = tr(lang);
  return html`<h1 id="title">${topic ? html`${t('dash.topicTitle', { topic: '' })}<span data-d>${topic.name}</span>` : t('dash.title')}</h1>
${topicTabs('/dashboard', topics, topic?.id ?? null, 'common.all', lang)}
<p class="status" id="live" data-state="connecting">${t('dash.connecting')}</p>
<div class="grid">
<section class="card"><h2>${t('dash.latest')}</h2>
<p class="muted" id="new-count"></p>
<ul class="records" id="records"><li class="muted">${t('common.loading')}</li></ul>
</section>
<div>
<section class="card map"><h2>${t('dash.map')}</h2>
<svg id="map" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}" role="img" aria-label="${t('dash.map')}"><path class="land" d="${land}"/><g id="events"></g></svg>
<div class="legend"><span>${t('dash.alert')}:</span><span><i class="dot" data-alert="green"></i>${t('dash.alertGreen')}</span><span><i class="dot" data-alert="orange"></i>${t('dash.alertOrange')}</span><span><i class="dot" data-alert="red"></i>${t('dash.alertRed')}</span><span><i class="dot"></i>${t('dash.alertNone')}</span></div>
<ul class="records" id="event-list"></ul>
</section>
<section class="card"><h2>${t('dash.counts')}</h2>
<div class="tabs" id="windows"><button type="button" data-window="24h" aria-pressed="true">${t('dash.window24h')}</button><button type="button" data-window="7d" aria-pressed="false">${t('dash.window7d')}</button></div>
<div id="counts"><p class="muted">${t('common.loading')}</p></div>
</section>
</div>
</div>`;
}

export function editorMain(lang: Lang, topics: readonly PageTopic[], topic: PageTopic): SafeHtml {
  const t = tr(lang);
  return html`<h1>${t('editor.topicTitle', { topic: '' })}<span data-d>${topic.name}</span></h1>
${topicTabs('/editor', topics, topic.id, null, lang)}
<p class="muted">${t('editor.shortcuts')}</p>
<p id="editor-message" class="notice" role="status" hidden></p>
<div class="grid">
<section class="card"><h2>${t('editor.candidates')}</h2>
<p class="actions"><button type="button" id="pull" class="primary">${t('editor.pull')}</button><button type="button" id="refresh">${t('editor.refresh')}</button></p>
<ul class="queue" id="queue" role="listbox" aria-label="${t('editor.candidates')}"><li class="muted">${t('common.loading')}</li></ul>
</section>
<section class="card" id="detail"><p class="muted">${t('editor.select')}</p></section>
</div>`;
}

export function digestMain(lang: Lang, date: string): SafeHtml {
  const t = tr(lang);
  return html`<h1>${t('digest.title')}</h1>
<form class="actions" id="digest-date" method="get" action="/digest">
<label for="date">${t('digest.date')}</label>
<input id="date" name="date" type="date" value="${date}" required>
<button type="submit">${t('digest.load')}</button>
</form>
<p id="digest-message" class="notice" role="status" hidden></p>
<div class="grid">
<section class="card bulletin" id="bulletin"><p class="muted">${t('common.loading')}</p></section>
<section class="card"><h2>${t('digest.archive')}</h2><ul class="records" id="archive"><li class="muted">${t('common.loading')}</li></ul></section>
</div>`;
}

export function sourcesMain(lang: Lang): SafeHtml {
  const t = tr(lang);
  return html`<h1>${t('sources.title')}</h1>
<p class="muted" id="sources-count"></p>
<p id="sources-message" class="notice" role="status" hidden></p>
<section class="card"><table id="sources">
<thead><tr><th>${t('sources.name')}</th><th>${t('sources.kind')}</th><th>${t('sources.health')}</th><th>${t('sources.lastFetch')}</th><th class="num">${t('sources.lastItems')}</th><th class="num">${t('sources.perWeek')}</th><th></th></tr></thead>
<tbody><tr><td colspan="7" class="muted">${t('common.loading')}</td></tr></tbody>
</table></section>`;
}

export function forbiddenMain(lang: Lang, needed: string, current: string): SafeHtml {
  const t = tr(lang);
  return html`<section class="card"><h1>${t('error.forbiddenTitle')}</h1>
<p>${t('error.forbiddenBody', { role: needed, current })}</p>
<p><a href="/dashboard">${t('error.backToDashboard')}</a></p></section>`;
}

export function errorMain(lang: Lang, detail: string): SafeHtml {
  const t = tr(lang);
  return html`<section class="card"><h1>${t('common.error', { message: '' })}</h1><p data-d>${detail}</p>
<p><a href="/dashboard">${t('error.backToDashboard')}</a></p></section>`;
}
