import { toPlainText } from '../pipeline/parse/text.js';
import type { GeoInfo, Item } from '../pipeline/types.js';
import { type CommandIO, readLines, reportLine } from './command.js';

const STRINGS = ['url', 'language', 'source', 'publishedAt', 'guid', 'doi'] as const;
/** Text fields: users pipe in feed text, which may carry markup or entities; stages take plain text. */
const TEXTS = ['summary', 'content'] as const;

/**
 * Parses one JSON Lines item (docs/contracts.md "Item") for `classify` and `dedupe`: wrongly typed optional fields
 * are dropped, text becomes plain text once here (the stages never decode again), and a missing id is the
 * 0-based line number `index`. A UTF-8 BOM before the first line is ignored.
 */
export function parseItemLine(line: string, index: number): { item: Item } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(index === 0 ? line.replace(/^\uFEFF/, '') : line);
  } catch (err) {
    return { error: `not JSON (${(err as Error).message})` };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  const title = typeof o.title === 'string' ? toPlainText(o.title) : '';
  if (title === '') return { error: 'no title' };
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : String(index);
  const item: Item = { id, title };
  for (const k of STRINGS) if (typeof o[k] === 'string') item[k] = o[k] as string;
  for (const k of TEXTS) if (typeof o[k] === 'string') item[k] = toPlainText(o[k] as string);
  if (Array.isArray(o.eventIds)) item.eventIds = o.eventIds.filter((e): e is string => typeof e === 'string');
  const g = o.geo as Record<string, unknown> | undefined;
  if (g && typeof g === 'object' && Number.isFinite(g.lat) && Number.isFinite(g.lon)) {
    const geo: GeoInfo = { lat: g.lat as number, lon: g.lon as number };
    if (Number.isFinite(g.magnitude)) geo.magnitude = g.magnitude as number;
    if (Number.isFinite(g.depthKm)) geo.depthKm = g.depthKm as number;
    if (typeof g.alertLevel === 'string') geo.alertLevel = g.alertLevel;
    if (typeof g.eventType === 'string') geo.eventType = g.eventType;
    item.geo = geo;
  }
  return { item };
}

/**
 * Reads JSON Lines items from stdin, calling `onItem` for each good line in order; each bad line is reported
 * on stderr with its 1-based line number and skipped. Returns how many lines were bad (exit 1 when any).
 */
export async function readItems(io: CommandIO, onItem: (item: Item) => void): Promise<number> {
  let bad = 0;
  let n = 0;
  for await (const line of readLines(io.stdin)) {
    const index = n++;
    if (line.trim() === '') continue;
    const parsed = parseItemLine(line, index);
    if ('error' in parsed) {
      bad++;
      reportLine(io, {
        code: 'INPUT_INVALID',
        line: index + 1,
        message: `line ${index + 1}: ${parsed.error}`,
      });
      continue;
    }
    onItem(parsed.item);
  }
  return bad;
}
