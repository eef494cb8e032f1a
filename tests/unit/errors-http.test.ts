/** Every error code has a retry decision and exactly one HTTP status (src/errors.ts): the API maps codes only. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, GeoError, hasHttpStatus, httpStatusFor, retryDecisionFor } from '../../src/errors.js';

describe('httpStatusFor', () => {
  it('maps every code of the retry table to an HTTP error status', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(20);
    for (const code of ERROR_CODES) {
      expect(hasHttpStatus(code), code).toBe(true);
      const status = httpStatusFor(code);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it('gives the API codes their statuses', () => {
    expect(httpStatusFor('UNAUTHORISED')).toBe(401);
    expect(httpStatusFor('FORBIDDEN')).toBe(403);
    expect(httpStatusFor('NOT_FOUND')).toBe(404);
    expect(httpStatusFor('SOURCE_UNKNOWN')).toBe(404);
    expect(httpStatusFor('BODY_TOO_LARGE')).toBe(413);
    expect(httpStatusFor('CLAIM_CONFLICT')).toBe(409);
    expect(httpStatusFor('REDIS_UNAVAILABLE')).toBe(503);
    expect(httpStatusFor('REDIS_OOM')).toBe(503);
    expect(httpStatusFor('INPUT_INVALID')).toBe(400);
    expect(httpStatusFor('SSRF_BLOCKED')).toBe(422);
  });

  it('maps a publisher status to 502 and an unknown code to 500', () => {
    expect(httpStatusFor('HTTP_404')).toBe(502);
    expect(httpStatusFor('NO_SUCH_CODE')).toBe(500);
    expect(hasHttpStatus('__proto__')).toBe(false);
    expect(httpStatusFor('__proto__')).toBe(500);
  });

  it('keeps the retry decisions of the new codes', () => {
    expect(retryDecisionFor('REDIS_OOM')).toBe('backoff');
    expect(new GeoError('FORBIDDEN', 'x').retry).toBe('permanent');
  });
});
