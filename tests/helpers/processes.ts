/**
 * geointel commands as child processes (so SIGKILL and SIGTERM are real): spawned from the built CLI, their
 * JSON log lines collected from stderr, killed on test exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { BIN, ROOT } from './cli.js';

export interface Proc {
  child: ChildProcess;
  /** Parsed JSON log lines so far (stderr). */
  logs: Array<Record<string, unknown>>;
  stdout(): string;
  /** Resolves with the first log line matching `pred`. */
  waitForLog(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const all = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of all) c.kill('SIGKILL');
});

export function spawnGeointel(
  args: string[],
  env: Record<string, string | undefined>,
  cmd: string[] = [process.execPath, BIN],
): Proc {
  const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  all.add(child);
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  let out = '';
  let errBuf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    errBuf += d;
    let nl = errBuf.indexOf('\n');
    while (nl >= 0) {
      const line = errBuf.slice(0, nl);
      errBuf = errBuf.slice(nl + 1);
      nl = errBuf.indexOf('\n');
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = { raw: line };
      }
      logs.push(parsed);
      for (const w of [...waiters])
        if (w.pred(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      all.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    logs,
    stdout: () => out,
    exited,
    waitForLog(pred, timeoutMs = 20_000) {
      const hit = logs.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(
                `no matching log line in ${timeoutMs} ms; last lines:\n${logs
                  .slice(-10)
                  .map((l) => JSON.stringify(l))
                  .join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Polls a URL until it answers `status` (or the deadline passes); returns the last status seen. */
export async function waitForStatus(url: string, status: number, timeoutMs = 20_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < until) {
    try {
      last = (await fetch(url)).status;
      if (last === status) return last;
    } catch {
      last = 0;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}
