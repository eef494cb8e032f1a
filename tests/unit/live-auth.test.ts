/**
 * The live-connection registry of src/api/live-auth.ts without Redis (no subscriber, in-memory stores): which
 * connections a revocation notice ends and with what reason, untracking, the re-check (one lookup per distinct
 * credential; a session whose token was revoked is destroyed; a failed lookup ends nothing), the metrics it keeps
 * (`geointel_live_connections{kind}`, `geointel_live_ended_total{path}`), and the notice's wire format
 * (src/store/revocations.ts).
 */
import { describe, expect, it } from 'vitest';
import type { AuthStores, Credential } from '../../src/api/auth.js';
import { createLiveConnections } from '../../src/api/live-auth.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { parseRevocation, revocationMessage } from '../../src/store/revocations.js';
import { hashSessionId, type SessionInfo } from '../../src/store/sessions.js';
import { hashToken, type TokenInfo } from '../../src/store/tokens.js';

const log = createLogger({ level: 'silent' });
const T1 = hashToken('t1');
const T2 = hashToken('t2');

function fakeStores(opts: { validTokens: string[]; sessions: Record<string, string>; fail?: boolean }) {
  const lookups: string[] = [];
  const destroyed: string[] = [];
  const info: TokenInfo = { name: 'x', role: 'viewer', createdAt: '', revoked: false };
  const stores: AuthStores = {
    tokens: {
      create: () => Promise.reject(new Error('unused')),
      list: () => Promise.resolve([]),
      revoke: () => Promise.resolve(false),
      verify: () => Promise.resolve(null),
      async byHash(h) {
        lookups.push(`token:${h}`);
        if (opts.fail) throw new Error('Connection is closed.');
        return opts.validTokens.includes(h) ? info : null;
      },
    },
    sessions: {
      create: () => Promise.reject(new Error('unused')),
      async get(id) {
        lookups.push(`session:${id}`);
        if (opts.fail) throw new Error('Connection is closed.');
        const tokenHash = opts.sessions[id];
        const s: SessionInfo | null = tokenHash
          ? { tokenHash, csrfToken: 'c', createdAt: '', expiresAt: '' }
          : null;
        return s;
      },
      async destroy(id) {
        destroyed.push(id);
      },
    },
  };
  return { stores, lookups, destroyed };
}

/** Tracks each credential under a label; `ended` collects `label:reason`. */
function trackAll(live: ReturnType<typeof createLiveConnections>, creds: Record<string, Credential>) {
  const ended: string[] = [];
  const untrack: Record<string, () => void> = {};
  for (const [label, c] of Object.entries(creds))
    untrack[label] = live.track(c, (reason) => ended.push(`${label}:${reason}`));
  return { ended, untrack };
}

const CREDS: Record<string, Credential> = {
  bearer1: { tokenHash: T1, sessionId: null },
  session1: { tokenHash: T1, sessionId: 's1' },
  session2: { tokenHash: T2, sessionId: 's2' },
  bearer2: { tokenHash: T2, sessionId: null },
};

describe('a revocation notice', () => {
  it.each([
    { notice: { kind: 'token', hash: T1 }, ended: ['bearer1:token_revoked', 'session1:token_revoked'] },
    { notice: { kind: 'token', hash: T2 }, ended: ['session2:token_revoked', 'bearer2:token_revoked'] },
    { notice: { kind: 'session', hash: hashSessionId('s2') }, ended: ['session2:session_ended'] },
    { notice: { kind: 'session', hash: hashSessionId('s9') }, ended: [] },
    { notice: { kind: 'token', hash: hashToken('t9') }, ended: [] },
  ] as const)('$notice.kind ends exactly its connections ($ended)', async ({ notice, ended }) => {
    const { stores } = fakeStores({ validTokens: [], sessions: {} });
    const live = createLiveConnections({ stores, prefix: 'p', log, recheckMs: 600_000 });
    const got = trackAll(live, CREDS);
    expect(live.apply(notice)).toBe(ended.length);
    expect(got.ended).toEqual(ended);
    // A second notice ends nothing twice.
    expect(live.apply(notice)).toBe(0);
    expect(live.stats().connections).toBe(4 - ended.length);
    await live.close();
  });

  it('ends nothing once the connection is untracked (closed by itself)', async () => {
    const { stores } = fakeStores({ validTokens: [], sessions: {} });
    const live = createLiveConnections({ stores, prefix: 'p', log, recheckMs: 600_000 });
    const got = trackAll(live, CREDS);
    got.untrack.bearer1!();
    got.untrack.session1!();
    expect(live.apply({ kind: 'token', hash: T1 })).toBe(0);
    expect(got.ended).toEqual([]);
    expect(live.stats().connections).toBe(2);
    await live.close();
  });
});

describe('the re-check', () => {
  it('ends the connections whose token or session ended, one lookup per credential', async () => {
    const { stores, lookups, destroyed } = fakeStores({
      validTokens: [T1],
      sessions: { s1: T1, s2: T2 },
    });
    const live = createLiveConnections({ stores, prefix: 'p', log, recheckMs: 600_000 });
    const got = trackAll(live, {
      ...CREDS,
      bearer1again: { tokenHash: T1, sessionId: null },
      gone: { tokenHash: T1, sessionId: 's-gone' },
    });
    expect(await live.recheck()).toBe(3);
    expect(got.ended.sort()).toEqual([
      'bearer2:token_revoked',
      'gone:session_ended',
      'session2:token_revoked',
    ]);
    // bearer1 and bearer1again share one lookup; s2's token is revoked, so the session is ended too.
    expect(lookups.filter((l) => l === `token:${T1}`)).toHaveLength(2); // bearer1(+again), and session s1's token
    expect(lookups.filter((l) => l.startsWith('session:')).sort()).toEqual([
      'session:s-gone',
      'session:s1',
      'session:s2',
    ]);
    expect(destroyed).toEqual(['s2']);
    expect(live.stats()).toMatchObject({ connections: 3, endedByRecheck: 3, rechecks: 1 });
    await live.close();
  });

  it('ends nothing when the lookups fail (Redis away): the next interval decides', async () => {
    const { stores } = fakeStores({ validTokens: [], sessions: {}, fail: true });
    const live = createLiveConnections({ stores, prefix: 'p', log, recheckMs: 600_000 });
    const got = trackAll(live, CREDS);
    expect(await live.recheck()).toBe(0);
    expect(got.ended).toEqual([]);
    expect(live.stats().connections).toBe(4);
    await live.close();
  });
});

describe('metrics', () => {
  it('the gauge follows registrations by kind; the counter, what ended them and how; close empties the gauge', async () => {
    const { stores } = fakeStores({ validTokens: [T1], sessions: { s1: T1 } });
    const metrics = createMetrics();
    const series = async () => {
      const out: Record<string, number> = {};
      for (const v of (await metrics.liveConnections.get()).values) out[String(v.labels.kind)] = v.value;
      for (const v of (await metrics.liveEnded.get()).values) out[String(v.labels.path)] = v.value;
      return out;
    };
    const live = createLiveConnections({ stores, prefix: 'p', log, recheckMs: 600_000, metrics });
    // Published at 0 from the start.
    expect(await series()).toEqual({ sse: 0, ws: 0, notice: 0, recheck: 0 });
    const noop = () => undefined;
    live.track(CREDS.bearer1!, noop, 'sse');
    const untrack = live.track(CREDS.session1!, noop, 'sse');
    live.track(CREDS.bearer2!, noop, 'sse');
    live.track(CREDS.session2!, noop); // the WebSocket grant's call: no kind
    expect(await series()).toEqual({ sse: 3, ws: 1, notice: 0, recheck: 0 });
    untrack();
    untrack();
    expect(await series()).toEqual({ sse: 2, ws: 1, notice: 0, recheck: 0 });
    // T2 revoked: the notice path if heard, else the re-check.
    expect(live.apply({ kind: 'token', hash: T2 })).toBe(2);
    expect(await series()).toEqual({ sse: 1, ws: 0, notice: 2, recheck: 0 });
    live.track(CREDS.bearer2!, noop, 'sse');
    expect(await live.recheck()).toBe(1);
    expect(await series()).toEqual({ sse: 1, ws: 0, notice: 2, recheck: 1 });
    expect(live.stats()).toMatchObject({ connections: 1, byKind: { sse: 1, ws: 0 } });
    await live.close();
    expect(await series()).toEqual({ sse: 0, ws: 0, notice: 2, recheck: 1 });
  });
});

describe('the notice on the wire', () => {
  it.each([
    { message: `token:${T1}`, notice: { kind: 'token', hash: T1 } },
    { message: `session:${T2}`, notice: { kind: 'session', hash: T2 } },
    { message: `token:${T1.toUpperCase()}`, notice: null },
    { message: `token:${T1.slice(1)}`, notice: null },
    { message: `user:${T1}`, notice: null },
    { message: `token:${T1}\n`, notice: null },
    { message: '', notice: null },
  ] as const)('$message → $notice', ({ message, notice }) => {
    expect(parseRevocation(message)).toEqual(notice);
    if (notice) expect(revocationMessage(notice)).toBe(message);
  });
});
