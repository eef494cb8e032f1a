/**
 * The pure parts of the browser-session check (src/api/auth.ts, src/api/routes/session.ts): reading the
 * session cookie, the same-Origin rule, the CSRF comparison and the Set-Cookie line. The requests themselves are
 * tested on real Redis in tests/integration/api-session.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkCsrf, sameOrigin, secretsEqual, sessionIdOf } from '../../src/api/auth.js';
import { sessionCookie } from '../../src/api/routes/session.js';
import type { GeoError } from '../../src/errors.js';

const ID = 'A'.repeat(43);

describe('sessionIdOf', () => {
  it.each([
    [undefined, null],
    ['', null],
    [`gi_session=${ID}`, ID],
    [`theme=dark; gi_session=${ID}; gi_lang=zh`, ID],
    [`gi_session="${ID}"`, ID],
    [`  gi_session = ${ID}  `, ID],
    [`gi_session=${ID}; gi_session=${'B'.repeat(43)}`, ID],
    ['xgi_session=1; gi_sessionx=2', null],
    ['gi_session=', null],
    ['gi_session', null],
  ])('%j → %j', (header, id) => {
    expect(sessionIdOf(header)).toBe(id);
  });
});

describe('sameOrigin', () => {
  it.each([
    [undefined, 'api.example:8080', true],
    ['http://api.example:8080', 'api.example:8080', true],
    ['https://api.example:8080', 'api.example:8080', true],
    ['https://api.example', 'api.example', true],
    ['http://API.example', 'api.example', true],
    ['http://api.example:80', 'api.example', true],
    ['http://api.example:8081', 'api.example:8080', false],
    ['http://api.example.evil.test', 'api.example', false],
    ['http://evil.test', 'api.example', false],
    ['null', 'api.example', false],
    ['file://api.example', 'api.example', false],
    ['not a url', 'api.example', false],
    ['http://api.example', undefined, false],
    [['http://api.example', 'http://api.example'], 'api.example', false],
  ] as Array<[string | string[] | undefined, string | undefined, boolean]>)('%j from %j → %j', (o, h, ok) => {
    expect(sameOrigin(o, h)).toBe(ok);
  });
});

describe('checkCsrf', () => {
  const session = { tokenHash: 'h', csrfToken: 'c'.repeat(43), createdAt: '', expiresAt: '' };
  const code = (headers: Record<string, string>) => {
    try {
      checkCsrf({ host: 'api.example', ...headers }, session);
      return 'ok';
    } catch (err) {
      return (err as GeoError).code;
    }
  };

  it('needs the session token and a same-host Origin when one is sent', () => {
    expect(code({ 'x-csrf-token': session.csrfToken })).toBe('ok');
    expect(code({ 'x-csrf-token': session.csrfToken, origin: 'https://api.example' })).toBe('ok');
    expect(code({})).toBe('CSRF_FAILED');
    expect(code({ 'x-csrf-token': `${session.csrfToken}c` })).toBe('CSRF_FAILED');
    expect(code({ 'x-csrf-token': session.csrfToken.slice(1) })).toBe('CSRF_FAILED');
    expect(code({ 'x-csrf-token': session.csrfToken, origin: 'https://evil.test' })).toBe('CSRF_FAILED');
    expect(secretsEqual('a', 'a')).toBe(true);
    expect(secretsEqual('a', 'b')).toBe(false);
    expect(secretsEqual('', 'a')).toBe(false);
  });
});

describe('sessionCookie', () => {
  it('HttpOnly, SameSite=Strict, Path=/, Max-Age; Secure on request', () => {
    expect(sessionCookie(ID, 43_200, false)).toBe(
      `gi_session=${ID}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict`,
    );
    expect(sessionCookie(ID, 0.6, true)).toBe(
      `gi_session=${ID}; Path=/; Max-Age=1; HttpOnly; SameSite=Strict; Secure`,
    );
    expect(sessionCookie('', -5, false)).toBe('gi_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
  });
});
