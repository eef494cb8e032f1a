// Functions the browser tests run inside the page (page.evaluate serialises them): plain JavaScript, so the
// tests' TypeScript program needs no DOM library. Types: page-scan.d.ts.

/**
 * The text a person sees: visible text nodes (and <option> texts, and placeholder / title / aria-label /
 * alt attributes), each with whether it sits inside data (an element marked `data-d`: feed text, names,
 * dates, numbers).
 */
export function visibleTexts() {
  const out = [];
  const isData = (el) => el !== null && el.closest('[data-d]') !== null;
  const shown = (el) => {
    if (el.closest('[hidden]')) return false;
    if (el.closest('option')) return el.closest('select') !== null && shown(el.closest('select'));
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none' && el.getClientRects().length > 0;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.replace(/\s+/g, ' ').trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('script,style,noscript,title') || !shown(el)) continue;
    out.push({ text, data: isData(el), tag: el.tagName.toLowerCase() });
  }
  for (const el of document.body.querySelectorAll('[placeholder],[title],[aria-label],[alt]')) {
    if (el.tagName.toLowerCase() === 'title' || !shown(el)) continue;
    for (const a of ['placeholder', 'title', 'aria-label', 'alt']) {
      const v = el.getAttribute(a);
      if (v?.trim()) out.push({ text: v.trim(), data: isData(el), tag: `${el.tagName.toLowerCase()}@${a}` });
    }
  }
  // The page's title is `<page> · <app name>`: two catalogue strings.
  for (const part of document.title.split(' · ')) out.push({ text: part, data: false, tag: 'title' });
  return out;
}

/**
 * What T-O1 counts in the live DOM: script elements (with their type, src and whether they carry a nonce),
 * elements with an on* attribute, href/src/action/formaction/xlink:href values whose scheme is not http(s)
 * (relative paths of this server pass), outside links without rel noopener noreferrer, iframes, objects,
 * embeds, base and meta refresh elements.
 */
export function domSafety() {
  const all = [...document.querySelectorAll('*')];
  const scripts = [...document.querySelectorAll('script')].map((s) => ({
    type: s.getAttribute('type') ?? '',
    src: s.getAttribute('src') ?? '',
    id: s.id,
    nonce: s.nonce !== '' || s.hasAttribute('nonce'),
  }));
  const onAttrs = [];
  const badUrls = [];
  const relMissing = [];
  for (const el of all) {
    for (const a of el.getAttributeNames()) {
      if (a.toLowerCase().startsWith('on')) onAttrs.push(`${el.tagName}@${a}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data'].includes(a.toLowerCase())) {
        const v = el.getAttribute(a);
        let ok = false;
        try {
          const u = new URL(v, location.href);
          ok = (u.protocol === 'http:' || u.protocol === 'https:') && a.toLowerCase() !== 'srcdoc';
        } catch {
          ok = false;
        }
        if (!ok) badUrls.push(`${el.tagName}@${a}=${v}`);
      }
    }
    if (el.tagName === 'A' && el.hasAttribute('href')) {
      const u = new URL(el.getAttribute('href'), location.href);
      const rel = (el.getAttribute('rel') ?? '').split(/\s+/);
      if (u.origin !== location.origin && !(rel.includes('noopener') && rel.includes('noreferrer')))
        relMissing.push(el.getAttribute('href'));
    }
  }
  const forbidden = [
    ...document.querySelectorAll('iframe,object,embed,base,meta[http-equiv="refresh" i],frame'),
  ].map((e) => e.outerHTML.slice(0, 120));
  return { scripts, onAttrs, badUrls, relMissing, forbidden, elements: all.length };
}

/** The keys of the catalogue the page carries in its boot block. */
export function catalogueKeys() {
  const boot = JSON.parse(document.getElementById('gi-boot').textContent);
  return { lang: boot.lang, keys: Object.keys(boot.messages), messages: boot.messages };
}
