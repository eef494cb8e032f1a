/**
 * The webhook signature of docs/contracts.md: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
 * checked against an HMAC computed here independently with node:crypto, and the receiver's verification.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deliveryIdOf, signatureHeader, verifySignature } from '../../src/pipeline/webhook-signature.js';

const SECRET = 'whsec_test-secret-0123456789';
const BODY = JSON.stringify({ schema: 'geointel.record/1', id: 'x', title: '稀土 — "quoted" & <tags>' });
const T = 1_765_650_000;

describe('signatureHeader', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signatureHeader(SECRET, T, BODY)).toBe(`t=${T},v1=${expected}`);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with the secret, the time and every byte of the body', () => {
    const h = signatureHeader(SECRET, T, BODY);
    expect(signatureHeader(`${SECRET}x`, T, BODY)).not.toBe(h);
    expect(signatureHeader(SECRET, T + 1, BODY).split(',')[1]).not.toBe(h.split(',')[1]);
    expect(signatureHeader(SECRET, T, `${BODY} `)).not.toBe(h);
  });
});

describe('verifySignature', () => {
  const header = signatureHeader(SECRET, T, BODY);

  it('accepts the signed body within the tolerance', () => {
    expect(verifySignature(SECRET, header, BODY, T + 10)).toEqual({ ok: true, t: T });
  });

  it('refuses another body, another secret, a stale time and malformed headers', () => {
    expect(verifySignature(SECRET, header, `${BODY}x`, T)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifySignature('other-secret-000000', header, BODY, T)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature(SECRET, header, BODY, T + 301)).toMatchObject({ ok: false, reason: 'stale' });
    for (const bad of [undefined, '', 'v1=abc', `t=${T}`, `t=x,v1=${'0'.repeat(64)}`])
      expect(verifySignature(SECRET, bad, BODY, T)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('accepts any of several v1 values (a sender signing with two secrets while rotating)', () => {
    const other = signatureHeader('previous-secret-0000', T, BODY).split(',')[1];
    expect(verifySignature(SECRET, `${header},${other}`, BODY, T)).toEqual({ ok: true, t: T });
    expect(verifySignature(SECRET, `t=${T},${other}`, BODY, T)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });
});

describe('deliveryIdOf', () => {
  it('is stable per subscription × story and differs otherwise', () => {
    const a = deliveryIdOf('sub_a', 'story-1');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(deliveryIdOf('sub_a', 'story-1')).toBe(a);
    expect(deliveryIdOf('sub_b', 'story-1')).not.toBe(a);
    expect(deliveryIdOf('sub_a', 'story-2')).not.toBe(a);
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    expect(deliveryIdOf('sub_ab', 'c')).not.toBe(deliveryIdOf('sub_a', 'bc'));
  });
});
