/**
 * The webhook signature (docs/contracts.md §HTTP, docs/api.md "Subscriptions and webhooks"):
 * `X-Geointel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Pure: the time is an
 * argument. `verifySignature` is what a receiver does (the tests' receiver uses it; docs/api.md shows the
 * same steps for receivers in other code bases).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The header value for `body` sent at `unixSeconds`. */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, body)}`;
}

function hmacHex(secret: string, t: number | string, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}

export type SignatureCheck =
  | { ok: true; t: number }
  | { ok: false; reason: 'malformed' | 'mismatch' | 'stale'; t?: number };

/**
 * Checks a received signature header against the raw body: the HMAC over `"<t>.<body>"` (compared in
 * constant time; any `v1=` of the header may match, so a sender can sign with two secrets while rotating) and
 * `t` within `toleranceSeconds` of `nowSeconds` (a replayed old request is refused).
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'malformed' };
  let t: string | undefined;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v !== undefined && /^\d{1,12}$/.test(v)) t = v;
    else if (k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === undefined || sigs.length === 0) return { ok: false, reason: 'malformed' };
  const want = Buffer.from(hmacHex(secret, t, body), 'hex');
  const match = sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), want));
  if (!match) return { ok: false, reason: 'mismatch', t: Number(t) };
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds)
    return { ok: false, reason: 'stale', t: Number(t) };
  return { ok: true, t: Number(t) };
}

/**
 * The stable id of one delivery (subscription × story): the same on every attempt, so a receiver can dedupe
 * on `X-Geointel-Delivery`; also the BullMQ job id part. 32 hex digits of SHA-256.
 */
export function deliveryIdOf(subscriptionId: string, storyId: string): string {
  return createHash('sha256')
    .update(`geointel.delivery/1\n${subscriptionId}\n${storyId}`, 'utf8')
    .digest('hex')
    .slice(0, 32);
}
