/**
 * A TCP fault proxy on 127.0.0.1 (node:net) in front of one upstream — a private redis-server in the
 * reliability tests — with the faults of RELIABILITY §4.1 that Toxiproxy calls toxics, switched from the test:
 *
 * - `latency(mean, jitter)`: every chunk is held `mean ± jitter` ms (uniform) before it is forwarded; chunks of
 *   one direction keep their order (a chunk never leaves before the one read before it).
 * - `resetPeer(everyMs)`: every `everyMs` each open connection is reset (TCP RST on both sides); new
 *   connections are accepted meanwhile and meet the next reset.
 * - `blackhole()`: connections are accepted and read, nothing is forwarded either way and nothing is closed,
 *   as in a network partition; a connection opened during it reaches the upstream only at `heal()`.
 * - `heal()`: back to plain forwarding. What a blackhole held is then delivered in order, as TCP would
 *   retransmit it once the path is back; chunks still delayed by a latency leave at their due time.
 *
 * The counters say what the proxy did, so a test can assert that a fault really happened. Only the test that
 * owns the proxy (and the redis-server behind it) drives it: never put it in front of the shared Redis.
 */
import net from 'node:net';

export type FaultMode = 'pass' | 'latency' | 'resetPeer' | 'blackhole';

export type Direction = 'up' | 'down' | 'both';

export interface FaultCounters {
  /** Client connections accepted. */
  accepted: number;
  /** Connections open now (client side). */
  open: number;
  /** Bytes forwarded client → upstream and upstream → client. */
  bytesUp: number;
  bytesDown: number;
  /** Chunks forwarded later than they were read (latency, or held by a blackhole). */
  delayedChunks: number;
  /** Largest delay a chunk had, ms. */
  maxDelayMs: number;
  /** Connections reset by `resetPeer`. */
  resets: number;
  /** Bytes read while blackholed (delivered at `heal()` unless the connection closed first). */
  heldBytes: number;
  /** Connections accepted while blackholed (their upstream is dialled at `heal()`). */
  heldConnections: number;
  /** Upstream dials that failed (the upstream down): the client connection is closed. */
  upstreamErrors: number;
}

export interface FaultChange {
  /** `Date.now()` of the change. */
  at: number;
  mode: FaultMode;
  detail: string;
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`: what the clients under test connect to. */
  readonly url: string;
  mode(): FaultMode;
  /** Holds every chunk `meanMs ± jitterMs` (uniform) before forwarding it, in order; `direction` @defaultValue both. */
  latency(meanMs: number, jitterMs?: number, direction?: Direction): void;
  /** Resets every open connection every `everyMs` until `heal()`. */
  resetPeer(everyMs: number): void;
  /** Accepts and reads, forwards nothing, closes nothing, until `heal()`. */
  blackhole(): void;
  /** Plain forwarding again; a blackhole's held bytes go out in order. */
  heal(): void;
  /** Resets every open connection once, now. */
  resetAll(): number;
  counters(): Readonly<FaultCounters>;
  /** Every mode change with its time, oldest first. */
  readonly changes: readonly FaultChange[];
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

interface Pending {
  chunk: Buffer;
  readAt: number;
  due: number;
}

/** One direction of one connection: a FIFO of chunks with due times, drained by one timer. */
interface Pipe {
  queue: Pending[];
  /** Due time of the last chunk queued: a later chunk is never due earlier. */
  lastDue: number;
  timer: NodeJS.Timeout | null;
  up: boolean;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket | null;
  /** The upstream is connected (bytes can be written). */
  connected: boolean;
  toUp: Pipe;
  toDown: Pipe;
  closed: boolean;
}

export async function startFaultProxy(opts: {
  upstreamPort: number;
  upstreamHost?: string;
  /** @defaultValue 0 (any free port) */
  port?: number;
  /** Random source for jitter (seeded in tests that want a replay). @defaultValue Math.random */
  random?: () => number;
}): Promise<FaultProxy> {
  const upstreamHost = opts.upstreamHost ?? '127.0.0.1';
  const random = opts.random ?? Math.random;
  const links = new Set<Link>();
  const changes: FaultChange[] = [];
  const c: FaultCounters = {
    accepted: 0,
    open: 0,
    bytesUp: 0,
    bytesDown: 0,
    delayedChunks: 0,
    maxDelayMs: 0,
    resets: 0,
    heldBytes: 0,
    heldConnections: 0,
    upstreamErrors: 0,
  };
  let mode: FaultMode = 'pass';
  let lat = { mean: 0, jitter: 0, direction: 'both' as Direction };
  let resetTimer: NodeJS.Timeout | null = null;

  const change = (m: FaultMode, detail: string) => {
    mode = m;
    changes.push({ at: Date.now(), mode: m, detail });
  };

  const newPipe = (up: boolean): Pipe => ({ queue: [], lastDue: 0, timer: null, up });

  function destroyLink(l: Link, reset: boolean): void {
    if (l.closed) return;
    l.closed = true;
    c.open--;
    for (const p of [l.toUp, l.toDown]) {
      if (p.timer) clearTimeout(p.timer);
      p.timer = null;
      p.queue.length = 0;
    }
    for (const s of [l.client, l.upstream]) {
      if (!s || s.destroyed) continue;
      if (reset && s.connecting === false) s.resetAndDestroy();
      else s.destroy();
    }
    links.delete(l);
  }

  /** Writes every chunk that is due (in order), then arms one timer for the next. */
  function pump(l: Link, p: Pipe): void {
    if (l.closed || mode === 'blackhole') return;
    const target = p.up ? l.upstream : l.client;
    if (!target || (p.up && !l.connected)) return;
    const now = Date.now();
    while (p.queue.length > 0 && p.queue[0]!.due <= now) {
      const { chunk, readAt } = p.queue.shift()!;
      const delay = now - readAt;
      if (delay > 0) {
        c.delayedChunks++;
        if (delay > c.maxDelayMs) c.maxDelayMs = delay;
      }
      if (p.up) c.bytesUp += chunk.length;
      else c.bytesDown += chunk.length;
      target.write(chunk);
    }
    if (p.queue.length > 0 && !p.timer)
      p.timer = setTimeout(
        () => {
          p.timer = null;
          pump(l, p);
        },
        Math.max(0, p.queue[0]!.due - now),
      );
  }

  function onChunk(l: Link, p: Pipe, chunk: Buffer): void {
    const now = Date.now();
    let delay = 0;
    if (mode === 'latency' && (lat.direction === 'both' || (lat.direction === 'up') === p.up))
      delay = Math.max(0, lat.mean + (random() * 2 - 1) * lat.jitter);
    if (mode === 'blackhole') c.heldBytes += chunk.length;
    const due = Math.max(now + delay, p.lastDue);
    p.lastDue = due;
    p.queue.push({ chunk, readAt: now, due });
    pump(l, p);
  }

  function dialUpstream(l: Link): void {
    const up = net.connect({ host: upstreamHost, port: opts.upstreamPort });
    l.upstream = up;
    up.setNoDelay(true);
    up.on('connect', () => {
      l.connected = true;
      pump(l, l.toUp);
    });
    up.on('data', (d: Buffer) => onChunk(l, l.toDown, d));
    up.on('error', () => {
      if (!l.connected) c.upstreamErrors++;
    });
    up.on('close', () => destroyLink(l, false));
  }

  const server = net.createServer((client) => {
    c.accepted++;
    c.open++;
    client.setNoDelay(true);
    const l: Link = {
      client,
      upstream: null,
      connected: false,
      toUp: newPipe(true),
      toDown: newPipe(false),
      closed: false,
    };
    links.add(l);
    client.on('data', (d: Buffer) => onChunk(l, l.toUp, d));
    client.on('error', () => undefined);
    client.on('close', () => destroyLink(l, false));
    if (mode === 'blackhole') c.heldConnections++;
    else dialUpstream(l);
  });

  function resetAll(): number {
    let n = 0;
    for (const l of [...links]) {
      destroyLink(l, true);
      n++;
    }
    c.resets += n;
    return n;
  }

  function stopResets(): void {
    if (resetTimer) clearInterval(resetTimer);
    resetTimer = null;
  }

  /** After a blackhole: dial the connections accepted during it and send what was held, in order. */
  function release(): void {
    for (const l of [...links]) {
      if (!l.upstream) dialUpstream(l);
      pump(l, l.toUp);
      pump(l, l.toDown);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    mode: () => mode,
    latency(meanMs, jitterMs = 0, direction = 'both') {
      stopResets();
      lat = { mean: meanMs, jitter: jitterMs, direction };
      const wasHole = mode === 'blackhole';
      change('latency', `${meanMs} ± ${jitterMs} ms (${direction})`);
      if (wasHole) release();
    },
    resetPeer(everyMs) {
      stopResets();
      const wasHole = mode === 'blackhole';
      change('resetPeer', `every ${everyMs} ms`);
      if (wasHole) release();
      resetTimer = setInterval(resetAll, everyMs);
    },
    blackhole() {
      stopResets();
      change('blackhole', 'nothing forwarded');
    },
    heal() {
      stopResets();
      const wasHole = mode === 'blackhole';
      change('pass', 'healed');
      if (wasHole) release();
    },
    resetAll,
    counters: () => ({ ...c }),
    changes,
    close() {
      stopResets();
      for (const l of [...links]) destroyLink(l, false);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
