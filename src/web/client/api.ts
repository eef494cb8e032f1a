/**
 * The pages' one way to the server: the API's own routes with the session cookie (same origin), JSON in and
 * out, the session's CSRF token on every state-changing request. A 401 sends the browser to the login page.
 */
import { boot, t } from './boot.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The login page's URL that comes back to this page. */
export function loginUrl(): string {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && boot.csrf) headers['x-csrf-token'] = boot.csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.status === 401 && boot.page !== 'login') {
    location.assign(loginUrl());
    throw new ApiError(401, 'UNAUTHORISED', t('common.sessionEnded'));
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText);
  }
  return json as T;
}

/** What to tell the holder about a failed call. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 403) return t('common.forbiddenAction');
    if (err.status === 503) return t('common.offline');
    return t('common.error', { message: err.message });
  }
  return t('common.error', { message: err instanceof Error ? err.message : String(err) });
}
