/**
 * Revocation notices: when a token is revoked or a browser session ends, its store PUBLISHes a notice on the
 * pub/sub channel `<prefix>:revoked` (src/store/keys.ts, docs/redis.md) in the same MULTI as the change, so
 * every API process can end the live connections (SSE, WebSocket) that credential holds
 * (src/api/live-auth.ts). A notice is a hint, not the truth: pub/sub drops messages while a subscriber is
 * reconnecting, so the API also re-checks every live connection's credential on an interval.
 *
 * Message: `token:<sha256 hex of the token>` or `session:<sha256 hex of the session id>` — the hashes the keys
 * already carry, never a token or a cookie's id.
 */

export type RevocationKind = 'token' | 'session';

export interface RevocationNotice {
  kind: RevocationKind;
  /** SHA-256 hex of the token, or of the session id. */
  hash: string;
}

const NOTICE = /^(token|session):([0-9a-f]{64})$/;

export function revocationMessage(n: RevocationNotice): string {
  return `${n.kind}:${n.hash}`;
}

/** The notice of a channel message; null for anything else (ignored). */
export function parseRevocation(message: string): RevocationNotice | null {
  const m = NOTICE.exec(message);
  return m ? { kind: m[1] as RevocationKind, hash: m[2]! } : null;
}
