/** Relays republish other organisations' releases (CONTRACTS.md): their items defer to the originator. */
import type { Item } from '../types.js';

/** Hosts of well-known relays, used when the registry gives no answer. */
export const RELAY_HOSTS = [
  'sciencedaily.com',
  'phys.org',
  'eurekalert.org',
  'techxplore.com',
  'sciencex.com',
];

/** Whether an item comes from a relay: registry relay ids first, else the item URL's host. */
export function isRelay(
  item: Item,
  sourceId: string | undefined,
  relaySources: ReadonlySet<string>,
): boolean {
  const id = sourceId ?? item.source;
  if (id && relaySources.has(id)) return true;
  const host = item.url
    ? /^https?:\/\/(?:[^@/?#]*@)?([^/?#:]+)/i.exec(item.url.trim())?.[1]?.toLowerCase()
    : undefined;
  return host !== undefined && RELAY_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
}
