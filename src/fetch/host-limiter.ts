import { GeoError } from '../errors.js';

/** Gives back a slot taken with {@link HostLimiter.acquire}. Calling it more than once is harmless. */
export type ReleaseFn = () => void;

/**
 * Per-host politeness: at most `concurrency` requests in flight to one host and at least `minDelayMs` between
 * the starts of two requests to it. The fetcher takes a slot per request (per redirect hop, keyed by the
 * hop's host name) and releases it when the response is read or fails.
 */
export interface HostLimiter {
  /** Waits for a slot; rejects with `TIMEOUT` when `signal` aborts first. */
  acquire(host: string, signal?: AbortSignal): Promise<ReleaseFn>;
  /** Releases resources (timers, Redis connections it owns). */
  close?(): Promise<void>;
}

/** Options shared by the limiter implementations. */
export interface HostLimiterOptions {
  /** Requests in flight per host. @defaultValue 2 (config `fetch.perHostConcurrency`) */
  concurrency: number;
  /** Minimum gap between request starts per host, ms. @defaultValue 1000 (config `fetch.perHostDelayMs`) */
  minDelayMs: number;
}

/** The rejection used when a wait for a slot is aborted. */
export function abortedWait(host: string, signal?: AbortSignal): GeoError {
  return new GeoError('TIMEOUT', `gave up waiting for a ${host} slot`, { cause: signal?.reason });
}

interface Waiter {
  resolve: (r: ReleaseFn) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface HostState {
  active: number;
  nextAt: number;
  waiters: Waiter[];
  timer?: NodeJS.Timeout;
}

/**
 * In-process limiter: FIFO per host, exact, no I/O. Enough for one process (`geointel run`, CLI); use
 * the Redis limiter (`src/store/redis-host-limiter.ts`) when several worker processes share hosts.
 */
export function createMemoryHostLimiter(opts: HostLimiterOptions): HostLimiter {
  const hosts = new Map<string, HostState>();
  const concurrency = Math.max(1, opts.concurrency);

  const pump = (host: string): void => {
    const st = hosts.get(host);
    if (!st) return;
    if (st.timer) clearTimeout(st.timer);
    st.timer = undefined;
    while (st.waiters.length > 0 && st.active < concurrency) {
      const now = Date.now();
      if (now < st.nextAt) {
        st.timer = setTimeout(() => pump(host), st.nextAt - now);
        return;
      }
      const w = st.waiters.shift()!;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      st.active++;
      st.nextAt = now + opts.minDelayMs;
      let released = false;
      w.resolve(() => {
        if (released) return;
        released = true;
        st.active--;
        pump(host);
      });
    }
    if (st.active === 0 && st.waiters.length === 0 && Date.now() >= st.nextAt) hosts.delete(host);
  };

  return {
    acquire(host, signal) {
      if (signal?.aborted) return Promise.reject(abortedWait(host, signal));
      let st = hosts.get(host);
      if (!st) {
        st = { active: 0, nextAt: 0, waiters: [] };
        hosts.set(host, st);
      }
      const state = st;
      return new Promise<ReleaseFn>((resolve, reject) => {
        const w: Waiter = { resolve, reject, signal };
        if (signal) {
          w.onAbort = () => {
            const i = state.waiters.indexOf(w);
            if (i >= 0) state.waiters.splice(i, 1);
            reject(abortedWait(host, signal));
            pump(host);
          };
          signal.addEventListener('abort', w.onAbort, { once: true });
        }
        state.waiters.push(w);
        pump(host);
      });
    },
    async close() {
      for (const st of hosts.values()) if (st.timer) clearTimeout(st.timer);
      hosts.clear();
    },
  };
}
