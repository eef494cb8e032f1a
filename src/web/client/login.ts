/** The login page: trades an API token for a session cookie (POST /v1/session) and goes where it was sent from. */
import { ApiError, api, describeError } from './api.js';
import { t } from './boot.js';
import { notice } from './dom.js';

/** Where to go after signing in: a path of this server from `?next=`, else the dashboard. */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next');
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/dashboard';
  if (next.startsWith('/login')) return '/dashboard';
  return next;
}

const form = document.getElementById('login') as HTMLFormElement;
const input = document.getElementById('token') as HTMLInputElement;
const button = document.getElementById('login-submit') as HTMLButtonElement;
const message = document.getElementById('login-message');

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  button.disabled = true;
  button.textContent = t('login.busy');
  notice(message, '');
  api('POST', '/v1/session', { token: input.value.trim() })
    .then(() => location.assign(nextPath(location.search)))
    .catch((err: unknown) => {
      notice(
        message,
        err instanceof ApiError && err.status < 500 ? t('login.failed') : describeError(err),
        'error',
      );
      button.disabled = false;
      button.textContent = t('login.submit');
      input.select();
    });
});
