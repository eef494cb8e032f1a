/** One Allow/Disallow line of the group that applies to us. */
interface Rule {
  allow: boolean;
  /** Pattern length in characters: the longest matching rule wins (RFC 9309 §2.2.2). */
  length: number;
  re: RegExp;
}

/** The rules of one robots.txt that apply to one user agent. */
export interface RobotsRules {
  /** Whether `pathAndQuery` (as in `url.pathname + url.search`) may be fetched. */
  isAllowed(pathAndQuery: string): boolean;
  /** `Crawl-delay` of the applying group, ms (non-standard; informational). */
  crawlDelayMs?: number;
}

/** Rules that allow everything (no robots.txt, 4xx, or robots.txt unavailable). */
export const ALLOW_ALL: RobotsRules = { isAllowed: () => true };

function compile(pattern: string): RegExp {
  // Non-ASCII in a pattern is compared in its percent-encoded form, as URL paths are.
  const encoded = pattern.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  const anchored = encoded.endsWith('$');
  const body = (anchored ? encoded.slice(0, -1) : encoded)
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}${anchored ? '$' : ''}`);
}

/**
 * Parses robots.txt (RFC 9309) for the product token `agent` (case-insensitive; `geointel/1.2` and
 * `GeoIntel` both match `geointel`). Groups naming the agent are merged; if there are none, the `*` groups
 * are used; if there are none either, everything is allowed. Longest match wins, Allow wins ties, `*` and
 * a trailing `$` are supported, an empty Disallow allows everything, `/robots.txt` is always allowed.
 */
export function parseRobots(text: string, agent = 'geointel'): RobotsRules {
  const token = agent.toLowerCase();
  const mine: Rule[] = [];
  const star: Rule[] = [];
  let mineFound = false;
  let starFound = false;
  let mineDelay: number | undefined;
  let starDelay: number | undefined;
  let agents: string[] = [];
  let inRules = false;
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key === 'user-agent') {
      if (inRules) agents = [];
      inRules = false;
      agents.push(value.toLowerCase().split('/')[0]!.trim());
      if (agents.at(-1) === token) mineFound = true;
      if (agents.at(-1) === '*') starFound = true;
      continue;
    }
    if (key !== 'allow' && key !== 'disallow' && key !== 'crawl-delay') continue;
    inRules = true;
    const forMine = agents.includes(token);
    const forStar = agents.includes('*');
    if (!forMine && !forStar) continue;
    if (key === 'crawl-delay') {
      const secs = Number(value);
      if (Number.isFinite(secs) && secs >= 0) {
        if (forMine) mineDelay = secs * 1000;
        if (forStar) starDelay = secs * 1000;
      }
      continue;
    }
    if (value === '') continue;
    const rule: Rule = { allow: key === 'allow', length: value.length, re: compile(value) };
    if (forMine) mine.push(rule);
    if (forStar) star.push(rule);
  }
  if (!mineFound && !starFound) return ALLOW_ALL;
  const rules = mineFound ? mine : star;
  return {
    crawlDelayMs: mineFound ? mineDelay : starDelay,
    isAllowed(pathAndQuery: string): boolean {
      const path = pathAndQuery || '/';
      if (path === '/robots.txt') return true;
      let best: Rule | undefined;
      for (const r of rules) {
        if (!r.re.test(path)) continue;
        if (!best || r.length > best.length || (r.length === best.length && r.allow)) best = r;
      }
      return best ? best.allow : true;
    },
  };
}
