/**
 * The SSE clients of the `api` bench, run as their own process (`node dist/bench/api-clients.js URL CLIENTS`)
 * so that reading the streams does not share an event loop with the relay. Opens CLIENTS raw HTTP
 * connections to URL, prints `ready` once every one has its 200, then measures each `record` event: the
 * record's `t` (the publisher's clock, `performance.timeOrigin + performance.now()` at XADD) against the same
 * clock here when the bytes arrive. Records with a negative `seq` are warm-up and not measured. On a stdin line
 * `done <n>` it waits (≤ 10 s) until every client has n measured records, prints one JSON line
 * `{samples, expected, p50Ms, p99Ms, maxMs}` and exits.
 */
import http from 'node:http';
import { createInterface } from 'node:readline';

const [url, clientsArg] = process.argv.slice(2);
const clients = Number(clientsArg);
if (!url || !(clients > 0)) {
  process.stderr.write('usage: api-clients URL CLIENTS\n');
  process.exit(2);
}

const now = () => performance.timeOrigin + performance.now();
let lat = new Float64Array(1 << 16);
let samples = 0;
const counts = new Uint32Array(clients);

function record(ms: number): void {
  if (samples === lat.length) {
    const bigger = new Float64Array(lat.length * 2);
    bigger.set(lat);
    lat = bigger;
  }
  lat[samples++] = ms;
}

/** Measures every complete event in `text`; returns the incomplete rest. */
function consume(text: string, client: number, at: number): string {
  let from = 0;
  for (;;) {
    const end = text.indexOf('\n\n', from);
    if (end < 0) return text.slice(from);
    const t = text.indexOf('data: {"t":', from);
    if (t >= 0 && t < end) {
      const start = t + 11;
      const comma = text.indexOf(',', start);
      const seqAt = text.indexOf('"seq":', comma);
      const seq = Number(text.slice(seqAt + 6, text.indexOf(',', seqAt)));
      if (seq >= 0) {
        record(at - Number(text.slice(start, comma)));
        counts[client]!++;
      }
    }
    from = end + 2;
  }
}

let ready = 0;
for (let i = 0; i < clients; i++) {
  const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      process.stderr.write(`client ${i}: HTTP ${res.statusCode}\n`);
      process.exit(1);
    }
    if (++ready === clients) process.stdout.write('ready\n');
    res.setEncoding('utf8');
    let rest = '';
    res.on('data', (d: string) => {
      rest = consume(rest + d, i, now());
    });
  });
  req.on('error', (err) => {
    process.stderr.write(`client ${i}: ${err.message}\n`);
    process.exit(1);
  });
}

createInterface({ input: process.stdin }).on('line', async (line) => {
  const m = /^done (\d+)$/.exec(line.trim());
  if (!m) return;
  const n = Number(m[1]);
  const until = Date.now() + 10_000;
  while (counts.some((c) => c < n) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const sorted = lat.subarray(0, samples).sort();
  const pct = (p: number) => Math.round((sorted[Math.floor((samples - 1) * p)] ?? 0) * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({ samples, expected: n * clients, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: pct(1) })}\n`,
  );
  process.exit(0);
});
