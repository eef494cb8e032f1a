/**
 * The TCP fault proxy of the reliability tests (tests/helpers/fault-proxy.ts) against a loopback echo server:
 * plain forwarding, latency with jitter keeping the order of chunks, resets, a blackhole that holds
 * connections and delivers what it held at heal, and the counters that say each fault happened.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';

let echo: net.Server;
let echoPort = 0;
let echoConnections = 0;
const proxies: FaultProxy[] = [];
const clients: net.Socket[] = [];

beforeAll(async () => {
  echo = net.createServer((s) => {
    echoConnections++;
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as net.AddressInfo).port;
});
afterEach(async () => {
  for (const s of clients.splice(0)) s.destroy();
  for (const p of proxies.splice(0)) await p.close();
});
afterAll(async () => {
  await new Promise<void>((r) => echo.close(() => r()));
});

async function proxy(): Promise<FaultProxy> {
  const p = await startFaultProxy({ upstreamPort: echoPort });
  proxies.push(p);
  return p;
}

interface Conn {
  socket: net.Socket;
  received(): string;
  /** Resolves once `n` bytes came back; rejects after `ms`. */
  waitBytes(n: number, ms: number): Promise<number>;
  closed: Promise<string>;
}

async function connect(p: FaultProxy): Promise<Conn> {
  const socket = net.connect({ host: p.host, port: p.port });
  clients.push(socket);
  socket.setNoDelay(true);
  let data = '';
  const waiters: Array<() => void> = [];
  socket.setEncoding('utf8').on('data', (d: string) => {
    data += d;
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<string>((resolve) => {
    let code = 'close';
    socket.on('error', (err: NodeJS.ErrnoException) => {
      code = err.code ?? err.message;
    });
    socket.on('close', () => resolve(code));
  });
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  return {
    socket,
    received: () => data,
    closed,
    waitBytes(n, ms) {
      const t0 = Date.now();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${data.length}/${n} bytes after ${ms} ms`)), ms);
        const check = () => {
          if (data.length >= n) {
            clearTimeout(timer);
            resolve(Date.now() - t0);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault proxy', () => {
  it('forwards both ways and counts the bytes', async () => {
    const p = await proxy();
    const c = await connect(p);
    c.socket.write('hello proxy');
    await c.waitBytes(11, 2_000);
    expect(c.received()).toBe('hello proxy');
    expect(p.counters()).toMatchObject({ accepted: 1, open: 1, bytesUp: 11, bytesDown: 11, resets: 0 });
    expect(p.mode()).toBe('pass');
  });

  it('latency: each chunk is held mean ± jitter, and 200 jittered chunks arrive in order', async () => {
    const p = await proxy();
    const c = await connect(p);
    p.latency(80, 0);
    c.socket.write('x');
    const rtt = await c.waitBytes(1, 5_000);
    // Both directions are delayed: at least 2 × 80 ms (timers never fire early; ±2 ms of clock rounding).
    expect(rtt).toBeGreaterThanOrEqual(158);
    p.latency(30, 25);
    let sent = '';
    for (let i = 0; i < 200; i++) {
      const chunk = `<${i}>`;
      sent += chunk;
      c.socket.write(chunk);
      if (i % 20 === 0) await sleep(3);
    }
    await c.waitBytes(1 + sent.length, 10_000);
    expect(c.received()).toBe(`x${sent}`);
    const k = p.counters();
    expect(k.delayedChunks).toBeGreaterThan(2);
    expect(k.maxDelayMs).toBeGreaterThanOrEqual(80);
    expect(p.changes.map((ch) => ch.mode)).toEqual(['latency', 'latency']);
  });

  it('latency in one direction only leaves the other one alone', async () => {
    const p = await proxy();
    const c = await connect(p);
    p.latency(150, 0, 'down');
    c.socket.write('abc');
    const rtt = await c.waitBytes(3, 5_000);
    expect(rtt).toBeGreaterThanOrEqual(148);
    expect(rtt).toBeLessThan(150 * 2 * 5);
  });

  it('resetPeer: open connections are reset every N ms, new ones still connect, heal stops it', async () => {
    const p = await proxy();
    const a = await connect(p);
    p.resetPeer(100);
    const t0 = Date.now();
    const why = await a.closed;
    const afterMs = Date.now() - t0;
    expect(why).toBe('ECONNRESET');
    expect(afterMs).toBeLessThan(100 * 5);
    const b = await connect(p);
    expect(await b.closed).toBe('ECONNRESET');
    expect(p.counters().resets).toBeGreaterThanOrEqual(2);
    p.heal();
    const d = await connect(p);
    await sleep(300);
    d.socket.write('still here');
    await d.waitBytes(10, 2_000);
    expect(d.received()).toBe('still here');
    expect(d.socket.destroyed).toBe(false);
  });

  it('blackhole: accepts and reads, forwards nothing, closes nothing; heal delivers what it held, in order', async () => {
    const p = await proxy();
    const old = await connect(p);
    old.socket.write('before;');
    await old.waitBytes(7, 2_000);
    const echoed = echoConnections;
    p.blackhole();
    old.socket.write('during-1;');
    const fresh = await connect(p); // accepted…
    fresh.socket.write('fresh;');
    old.socket.write('during-2;');
    await sleep(400);
    // …but nothing went through: no echo, no upstream dial, and both connections are still open.
    expect(old.received()).toBe('before;');
    expect(fresh.received()).toBe('');
    expect(echoConnections).toBe(echoed);
    expect(old.socket.destroyed || fresh.socket.destroyed).toBe(false);
    const k = p.counters();
    expect(k.heldBytes).toBe('during-1;'.length + 'fresh;'.length + 'during-2;'.length);
    expect(k.heldConnections).toBe(1);
    expect(k.open).toBe(2);
    p.heal();
    await old.waitBytes('before;during-1;during-2;'.length, 2_000);
    await fresh.waitBytes('fresh;'.length, 2_000);
    expect(old.received()).toBe('before;during-1;during-2;');
    expect(fresh.received()).toBe('fresh;');
    expect(echoConnections).toBe(echoed + 1);
    expect(p.counters().maxDelayMs).toBeGreaterThanOrEqual(390);
    expect(p.changes.map((ch) => ch.mode)).toEqual(['blackhole', 'pass']);
  });

  it('an upstream that refuses closes the client connection and is counted', async () => {
    const gone = net.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const port = (gone.address() as net.AddressInfo).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const p = await startFaultProxy({ upstreamPort: port });
    proxies.push(p);
    const c = await connect(p);
    await c.closed;
    expect(p.counters()).toMatchObject({ accepted: 1, open: 0, upstreamErrors: 1 });
  });

  it('close() ends every connection', async () => {
    const p = await startFaultProxy({ upstreamPort: echoPort });
    const c = await connect(p);
    await p.close();
    await c.closed;
    expect(c.socket.destroyed).toBe(true);
  });
});
