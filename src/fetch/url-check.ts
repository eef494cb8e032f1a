import { GeoError } from '../errors.js';
import type { AddressPolicy } from './address-policy.js';
import { bareHostname, literalCandidates, pickAllowed } from './resolve.js';

/**
 * Ports browsers refuse to fetch from (WHATWG Fetch "bad port"): mail, shell, DNS, IRC and the like. Any
 * other port is accepted — real feeds live on :8080 or :8443, and it is the address policy, not the port,
 * that keeps the fetcher away from internal services.
 */
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * Parses and vets a URL before anything is sent (the first URL and every redirect `Location`, resolved
 * against `base`). In order:
 * 1. not a URL → `INPUT_INVALID`;
 * 2. scheme other than http/https → `UNSUPPORTED_SCHEME`;
 * 3. host is an IP literal (any spelling WHATWG URL normalises: `2130706433`, `0177.0.0.1`, `0x7f.1`,
 *    `[::ffff:127.0.0.1]`) or `localhost` / `*.localhost`, and the policy refuses it → `SSRF_BLOCKED`;
 * 4. credentials in the URL → `UNSUPPORTED_SCHEME`;
 * 5. a WHATWG bad port (`:1`, `:22`, `:25`…) → `PORT_REFUSED`, whatever `--allow-private` allows.
 * The fragment is dropped. Host names are checked later, on the resolved address.
 */
export function checkUrl(input: string, policy: AddressPolicy, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw new GeoError('INPUT_INVALID', `not a valid URL: ${input.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new GeoError(
      'UNSUPPORTED_SCHEME',
      `unsupported URL scheme "${url.protocol}" (http and https only)`,
      {
        details: { url: url.href.slice(0, 200) },
      },
    );
  const hostname = bareHostname(url);
  const literal = literalCandidates(hostname);
  if (literal) pickAllowed(hostname, literal, policy);
  if (url.username !== '' || url.password !== '')
    throw new GeoError('UNSUPPORTED_SCHEME', 'URLs with credentials are not fetched', {
      details: { host: url.host },
    });
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (BAD_PORTS.has(port))
    throw new GeoError(
      'PORT_REFUSED',
      `port ${port} is refused: the fetcher never connects to the ports browsers block (mail, shell, DNS, IRC…; WHATWG "bad port" list), whatever --allow-private allows`,
      { details: { host: url.host, port } },
    );
  url.hash = '';
  return url;
}
