import ipaddr from 'ipaddr.js';
import { GeoError } from '../errors.js';

/** The verdict of an {@link AddressPolicy} for one IP address. */
export interface AddressVerdict {
  allowed: boolean;
  /** ipaddr.js range name (`unicast`, `loopback`, `private`, `carrierGradeNat`, …) of the normalised address. */
  range: string;
  /** True when the address was allowed only because it is inside an `allowPrivate` CIDR. */
  allowListed: boolean;
}

/**
 * Decides whether the fetcher may connect to an IP address. It is asked about every address the fetcher is
 * about to dial (literal or resolved, on every redirect hop) and again about the socket's remote address once
 * connected.
 */
export interface AddressPolicy {
  check(address: string): AddressVerdict;
}

/**
 * What a bare `--allow-private` flag (no CIDR given) allows: loopback and the RFC 1918 networks. Link-local
 * (169.254/16, where cloud metadata lives), CGNAT and IPv6 ULA (fc00::/7, which holds fd00:ec2::254) are never
 * implied: list them explicitly if you really mean it.
 */
export const PRIVATE_PRESET: readonly string[] = [
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
];

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses CIDR strings (a bare address means a single host); throws `CONFIG_INVALID` naming the bad entry. */
export function parseCidrs(list: readonly string[]): Cidr[] {
  return list.map((raw) => {
    const s = raw.trim();
    try {
      if (s.includes('/')) return ipaddr.parseCIDR(s) as Cidr;
      const a = ipaddr.parse(s);
      return [a, a.kind() === 'ipv4' ? 32 : 128] as Cidr;
    } catch {
      throw new GeoError('CONFIG_INVALID', `fetch.allowPrivate: "${raw}" is not an IP address or CIDR`);
    }
  });
}

/**
 * Normalises an address: strips IPv6 brackets and zone ids and converts IPv4-mapped IPv6 (`::ffff:127.0.0.1`)
 * to plain IPv4 so that range checks apply to the embedded address. Returns null for non-addresses.
 */
export function normaliseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return null;
  try {
    return ipaddr.process(bare);
  } catch {
    return null;
  }
}

/**
 * The default policy: only globally routable unicast addresses (ipaddr.js `range() === 'unicast'`, the rule
 * request-filtering-agent uses) are allowed; everything else — loopback, RFC 1918, link-local and the cloud
 * metadata address, CGNAT 100.64/10, ULA fc00::/7 (incl. fd00:ec2::254), multicast, unspecified, reserved,
 * NAT64/6to4/Teredo (which can embed private IPv4) — is refused unless inside one of `allowPrivate`.
 */
export function createAddressPolicy(opts: { allowPrivate?: readonly string[] } = {}): AddressPolicy {
  const allow = parseCidrs(opts.allowPrivate ?? []);
  return {
    check(address: string): AddressVerdict {
      const addr = normaliseAddress(address);
      if (!addr) return { allowed: false, range: 'invalid', allowListed: false };
      const range = addr.range();
      const listed = allow.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
      if (listed) return { allowed: true, range, allowListed: range !== 'unicast' };
      return { allowed: range === 'unicast', range, allowListed: false };
    },
  };
}

/** True for `localhost`, `*.localhost` (RFC 6761) with or without a trailing dot. */
export function isLocalhostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** True when `address` (any spelling) is in 127.0.0.0/8 or is ::1. */
export function isLoopback(address: string): boolean {
  return normaliseAddress(address)?.range() === 'loopback';
}
