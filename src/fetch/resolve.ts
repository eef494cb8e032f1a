import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { GeoError } from '../errors.js';
import { type AddressPolicy, isLocalhostName, normaliseAddress } from './address-policy.js';

/** One resolved address. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to addresses; injectable so tests need no DNS (`rebind.test` stubs). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo via `dns.lookup`, all addresses, resolver order kept). */
export const systemResolver: Resolver = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** The address a hop will dial, already approved by the policy. */
export interface PinnedTarget extends ResolvedAddress {
  hostname: string;
  /** The address is allowed only through an `allowPrivate` CIDR (and is not public unicast). */
  allowListed: boolean;
  range: string;
}

/**
 * Resolves the URL's host and checks every candidate with the policy; the first approved address is pinned.
 * IP literals are never resolved; `localhost` / `*.localhost` never reach DNS and mean 127.0.0.1 and ::1.
 * Throws `SSRF_BLOCKED` when no candidate is allowed and `NETWORK_ERROR` (details.dns) when resolution fails.
 */
export async function resolveTarget(
  url: URL,
  resolver: Resolver,
  policy: AddressPolicy,
): Promise<PinnedTarget> {
  const hostname = bareHostname(url);
  const literal = literalCandidates(hostname);
  if (literal) return pickAllowed(hostname, literal, policy);
  let candidates: ResolvedAddress[];
  try {
    candidates = await resolver(hostname);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'DNS';
    throw new GeoError('NETWORK_ERROR', `DNS lookup of ${hostname} failed (${code})`, {
      cause: err,
      details: { dns: true, errno: code },
    });
  }
  if (candidates.length === 0)
    throw new GeoError('NETWORK_ERROR', `DNS lookup of ${hostname} returned no address`, {
      details: { dns: true },
    });
  return pickAllowed(hostname, candidates, policy);
}

/** The URL's host without IPv6 brackets. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Addresses known without DNS: an IP literal itself, or 127.0.0.1 and ::1 for `localhost` / `*.localhost`
 * (RFC 6761; such names never reach a resolver). Undefined for ordinary host names.
 */
export function literalCandidates(hostname: string): ResolvedAddress[] | undefined {
  const kind = isIP(hostname);
  if (kind) return [{ address: hostname, family: kind === 6 ? 6 : 4 }];
  if (isLocalhostName(hostname))
    return [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
  return undefined;
}

/** Pins the first candidate the policy allows; throws `SSRF_BLOCKED` listing the refused ones otherwise. */
export function pickAllowed(
  hostname: string,
  candidates: readonly ResolvedAddress[],
  policy: AddressPolicy,
): PinnedTarget {
  const refused: string[] = [];
  for (const c of candidates) {
    const verdict = policy.check(c.address);
    if (verdict.allowed) {
      // Dial the normalised form (an IPv4-mapped IPv6 answer is dialled as IPv4).
      const n = normaliseAddress(c.address);
      const address = n ? n.toString() : c.address;
      const family = n && n.kind() === 'ipv6' ? 6 : 4;
      return { hostname, address, family, allowListed: verdict.allowListed, range: verdict.range };
    }
    refused.push(`${c.address} (${verdict.range})`);
  }
  throw new GeoError('SSRF_BLOCKED', `refusing to connect to ${hostname}: ${refused.join(', ')} not public`, {
    details: { host: hostname, addresses: refused },
  });
}

/**
 * A `lookup` for `http.request` / `net.connect` that answers every query with the pinned address, so the
 * socket connects to exactly the address the policy approved (no second DNS query, no rebinding window).
 * Handles both callback shapes: Node ≥ 20 asks with `all: true` (autoSelectFamily) and expects an array.
 */
export function pinnedLookup(target: ResolvedAddress): LookupFunction {
  const entry: LookupAddress = { address: target.address, family: target.family };
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) process.nextTick(callback, null, [entry]);
    else process.nextTick(callback, null, entry.address, entry.family);
  }) as unknown as LookupFunction;
}
