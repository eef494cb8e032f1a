/**
 * T-PF for the API's JSON bodies (RELIABILITY.md T-O5 and §4.4 conventions, issue #13), on real Redis with
 * its own key prefix and real tokens. Every route of `buildApi(...).routeTable` whose OpenAPI operation
 * (/docs/json, generated from the routes' schemas) takes a request body — candidates accept/reject/by-url,
 * editions order/publish, subscriptions, tokens, session, stories merge/split, … — gets fast-check JSON with
 * a token of the route's role: bodies built from the route's own body schema (and the ids, topics and tokens
 * that exist, so that valid ones go through), the same with a wrong type, an unknown key, `__proto__` /
 * `constructor` / `prototype` keys, huge strings, deep nesting, hostile Unicode, and text that is not JSON or
 * not JSON at all. Each answer: a 2xx (valid) or a 4xx, never a 5xx; an error is JSON `{ error: { code,
 * message } }` with `<` and `>` escaped; nothing is added to `Object.prototype`; each within 2 s.
 *
 * URLs in bodies are drawn from addresses the fetch policy refuses before any network (loopback, private,
 * metadata, non-http schemes) or arbitrary text: the test never leaves the machine.
 */

import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { createLogger } from '../../src/log.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { TokenRole, TokenStore } from '../../src/store/tokens.js';
import { apiAccess, baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';
import { dayRecords } from '../unit/digest-fixture-records.js';

const NOW = Date.parse('2023-10-06T12:00:00Z');
const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });

let runtime: Runtime;
let redis: Redis;
let tokens: TokenStore;
let app: ApiInstance;
const token: Record<TokenRole, string> = { viewer: '', editor: '', admin: '' };
let storyIds: string[] = [];
let itemIds: string[] = [];
let subscriptionId = '';
let topics: string[] = [];

/** A route that takes a body, with the body schema its OpenAPI operation documents. */
interface BodyRoute {
  method: string;
  url: string;
  role: string;
  schema: JsonSchema | null;
}
let routes: BodyRoute[] = [];

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [], now: () => NOW });
  ({ redis, tokens } = await apiAccess(runtime, 'fuzz', token));
  const day = dayRecords();
  await runtime.stores.records.put(day);
  storyIds = day.map((r) => r.storyId);
  itemIds = day.map((r) => r.id);
  topics = runtime.config.topics.topics.map((t) => t.id);
  app = await buildApi({ runtime, log, tokens, redis, now: () => NOW });
  // A subscription to PATCH (its receiver is a private address: the config allows none, so it is created
  // straight in the store).
  subscriptionId = 'sub_fuzz';
  await runtime.stores.subscriptions.create({
    id: subscriptionId,
    name: 'fuzz',
    filter: {},
    url: 'https://hooks.example.org/geointel',
    active: true,
    createdAt: new Date(NOW).toISOString(),
    createdBy: 'fuzz-admin',
    secret: 'x'.repeat(32),
  } as never);
  const doc = (await app.inject({ url: '/docs/json' })).json() as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
    >;
  };
  routes = app.routeTable
    .filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !r.stream)
    .map((r) => {
      const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
      return {
        method: r.method,
        url: r.url,
        role: r.role,
        schema: op?.requestBody?.content?.['application/json']?.schema ?? null,
      };
    })
    // Plugin routes (/docs, @bull-board) take no JSON body of ours.
    .filter((r) => !r.url.startsWith('/docs') && !r.url.startsWith('/admin/queues'));
});

afterAll(async () => {
  await app?.close();
  if (runtime) await cleanup(runtime);
  redis?.disconnect();
  await runtime?.close();
});

/** A URL of the route with its parameters: a stored story, the fixture day, a topic, the subscription. */
function concrete(url: string, pick: number): string {
  return url
    .replace(':storyId', encodeURIComponent(storyIds[pick % storyIds.length]!))
    .replace(':id/fetch', 'usgs-news/fetch')
    .replace(
      ':id',
      url.startsWith('/v1/subscriptions')
        ? subscriptionId
        : encodeURIComponent(storyIds[pick % storyIds.length]!),
    )
    .replace(':date', '2023-10-06')
    .replace(':section', topics[pick % topics.length]!)
    .replace(':name', 'fuzz-victim');
}

/** Characters and text that break naive handling. */
const HOSTILE_UNIT = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '<script>alert(1)</script>',
      '</textarea><img src=x onerror=alert(1)>',
      '\u0000',
      '\u2028',
      '\u2029',
      '\u202e',
      '\ufeff',
      '\ud800',
      '\r\n',
      '"',
      '\\',
      '{{7*7}}',
      "' OR 1=1 --",
      '../../etc/passwd',
      '%00',
      '__proto__',
    ),
  },
);
const hostileString = fc.string({ unit: HOSTILE_UNIT, maxLength: 60 });

/** URLs the fetch policy refuses without touching the network, and text that is no URL. */
const URLS = [
  'http://127.0.0.1:9/x',
  'http://localhost/',
  'http://[::1]/',
  'http://10.0.0.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://0x7f000001/',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'data:text/html,<script>alert(1)</script>',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'http://user:pw@127.0.0.1/',
  'not a url',
  '',
];

/** Values that exist, for the body fields named so (so that a valid body can go through). */
function known(name: string, route: string): fc.Arbitrary<unknown> | null {
  if (name === 'into' || name === 'storyId') return fc.constantFrom(...storyIds);
  if (name === 'storyIds') return fc.shuffledSubarray(storyIds, { minLength: 0, maxLength: 4 });
  if (name === 'itemId') return fc.constantFrom(...itemIds);
  if (name === 'section' || name === 'topic') return fc.constantFrom(...topics);
  if (name === 'topics') return fc.shuffledSubarray(topics, { maxLength: 3 });
  // A public IP literal passes a subscription's check without a DNS lookup (nothing is delivered: no worker).
  if (name === 'url')
    return route.startsWith('/v1/subscriptions')
      ? fc.constantFrom(...URLS, 'https://93.184.216.34/hook', 'https://93.184.216.34/hook')
      : fc.constantFrom(...URLS);
  if (name === 'token') return fc.constantFrom(token.viewer, token.editor, token.admin, 'gi_nope');
  return null;
}

/** An arbitrary of values of a JSON schema, biased to valid ones. */
function fromSchema(
  schema: JsonSchema | undefined,
  route: string,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const k = known(name, route);
  if (!schema || depth > 4) return k ?? fc.jsonValue({ maxDepth: 2 });
  const own = ownArb(schema, route, depth);
  return k ? fc.oneof({ weight: 3, arbitrary: k }, { weight: 1, arbitrary: own }) : own;
}

function ownArb(schema: JsonSchema, route: string, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts?.length) return fc.oneof(...alts.map((s) => fromSchema(s, route, '', depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = schema.properties ?? {};
      const keys = Object.keys(props);
      if (keys.length === 0) return fc.constant({});
      return fc.record(
        Object.fromEntries(keys.map((key) => [key, fromSchema(props[key], route, key, depth + 1)])),
        {
          requiredKeys: (schema.required ?? []).filter((key) => keys.includes(key)),
        },
      );
    }
    case 'array':
      return fc.array(fromSchema(schema.items, route, '', depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'string':
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern), { maxLength: 80 });
      return fc.oneof(
        fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 60) }),
        hostileString,
      );
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 1_000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Any JSON value, with hostile strings and keys. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(hostileString, fc.constantFrom('prototype', 'polluted', 'isAdmin', 'role')),
      tie('v'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).v;

const WRONG = fc.constantFrom<unknown>(0, -1, 1e308, '', 'x'.repeat(300), true, null, [], {}, [[[]]], {
  a: 1,
});

/** A request body as text, and the content type it is sent with. */
interface Sent {
  text: string;
  type: string;
  what: string;
}

function bodyArb(route: BodyRoute): fc.Arbitrary<Sent> {
  const valid = fromSchema(route.schema ?? undefined, route.url);
  const props = Object.keys(route.schema?.properties ?? {});
  const json = (what: string) => (v: unknown) => ({
    text: JSON.stringify(v),
    type: 'application/json',
    what,
  });
  return fc.oneof(
    { weight: 4, arbitrary: valid.map(json('schema')) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...(props.length ? props : ['x'])), WRONG)
        .map(([v, key, bad]) => json('wrong type')({ ...(v as object), [key]: bad })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, hostileString, anyJson)
        .map(([v, key, x]) => json('unknown key')({ ...(v as object), [`${key}!`]: x })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom('__proto__', 'constructor', 'prototype'),
          fc.constantFrom('{"polluted":"yes"}', '{"prototype":{"polluted":"yes"}}', '"yes"', '[1]', 'null'),
        )
        .map(([v, key, inner]) => {
          const rest = JSON.stringify(v).slice(1);
          return {
            text: `{"${key}":${inner}${rest === '}' ? '' : ','}${rest}`,
            type: 'application/json',
            what: key,
          };
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom(...(props.length ? props : ['x'])),
          fc.integer({ min: 1_000, max: 80_000 }),
        )
        .map(([v, key, n]) => json('huge string')({ ...(v as object), [key]: 'ü'.repeat(n) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 2, max: 5_000 }), fc.constantFrom('[', '{"a":'))
        .map(([n, open]) => ({
          text: `${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}`,
          type: 'application/json',
          what: 'deep nesting',
        })),
    },
    { weight: 2, arbitrary: anyJson.map(json('any JSON')) },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([v, cut]) => {
        const t = JSON.stringify(v);
        return { text: t.slice(0, cut % Math.max(1, t.length)), type: 'application/json', what: 'truncated' };
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.oneof(
            hostileString,
            valid.map((v) => JSON.stringify(v)),
          ),
          fc.constantFrom(
            'application/json; charset=utf-16le',
            'application/json; charset=latin1',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/JSON',
            'application/json, text/plain',
          ),
        )
        .map(([text, type]) => ({ text, type, what: `as ${type}` })),
    },
  );
}

const auth = (role: string): Record<string, string> =>
  role === 'public' ? {} : { authorization: `Bearer ${token[role as TokenRole]}` };

describe('API JSON bodies fuzz (fixed seed)', () => {
  it('every body route: a 2xx or a 4xx with an escaped JSON error, never a 5xx, nothing polluted', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(12);
    for (const u of [
      'POST /v1/candidates/:storyId/accept',
      'POST /v1/candidates/:storyId/reject',
      'POST /v1/candidates/by-url',
      'PUT /v1/editions/:date/sections/:section/order',
      'POST /v1/editions/:date/publish',
      'POST /v1/subscriptions',
      'PATCH /v1/subscriptions/:id',
      'POST /v1/tokens',
      'POST /v1/session',
    ])
      expect(routes.map((r) => `${r.method} ${r.url}`)).toContain(u);
    const statuses = new Map<string, Map<number, number>>();
    let slowest = 0;
    const runs = 3_000;
    await fc.assert(
      fc.asyncProperty(
        fc
          .nat({ max: routes.length - 1 })
          .chain((i) => fc.tuple(fc.constant(routes[i]!), bodyArb(routes[i]!), fc.nat())),
        async ([route, body, pick]) => {
          const t0 = performance.now();
          const res = await app.inject({
            method: route.method as 'POST',
            url: concrete(route.url, pick),
            headers: { ...auth(route.role), 'content-type': body.type },
            payload: body.text,
          });
          const ms = performance.now() - t0;
          slowest = Math.max(slowest, ms);
          const label = `${route.method} ${route.url} (${body.what}): ${res.statusCode} ${res.body.slice(0, 300)}`;
          const byRoute = statuses.get(`${route.method} ${route.url}`) ?? new Map<number, number>();
          byRoute.set(res.statusCode, (byRoute.get(res.statusCode) ?? 0) + 1);
          statuses.set(`${route.method} ${route.url}`, byRoute);
          expect(res.statusCode, label).toBeGreaterThanOrEqual(200);
          expect(res.statusCode, label).toBeLessThan(500);
          // The caller holds a token of the route's role: 401 only where the body is the credential.
          if (route.url !== '/v1/session') expect(res.statusCode, label).not.toBe(401);
          expect(res.json().error?.code, label).not.toBe('FORBIDDEN');
          if (res.statusCode >= 400) {
            expect(res.headers['content-type'], label).toBe('application/json; charset=utf-8');
            expect(res.body, label).not.toMatch(/[<>]/);
            const err = res.json().error;
            expect(err.code, label).toMatch(/^[A-Z][A-Z0-9_]*$/);
            expect(typeof err.message, label).toBe('string');
          } else if (res.statusCode !== 204) {
            expect(() => res.json(), label).not.toThrow();
          }
          expect(({} as Record<string, unknown>).polluted, label).toBeUndefined();
          expect(Object.getOwnPropertyNames(Object.prototype).sort(), label).toEqual(PROTO_KEYS);
          expect(ms, label).toBeLessThan(2_000);
        },
      ),
      { seed: 2026_1213, numRuns: runs },
    );
    // Each route saw both answers: refusals, and valid bodies that went through.
    const table = [...statuses].map(
      ([r, s]) =>
        `${r}: ${[...s]
          .sort((a, b) => a[0] - b[0])
          .map(([c, n]) => `${c}×${n}`)
          .join(' ')}`,
    );
    console.info(
      `API bodies fuzz: ${runs} requests over ${routes.length} routes, slowest ${Math.round(slowest)} ms\n${table.join('\n')}`,
    );
    for (const route of routes) {
      const s = statuses.get(`${route.method} ${route.url}`);
      expect(s, `${route.method} ${route.url} was exercised`).toBeDefined();
      expect(
        [...s!.keys()].some((c) => c >= 400),
        `${route.method} ${route.url} refused something`,
      ).toBe(true);
    }
    const through = [...statuses.values()].filter((s) => [...s.keys()].some((c) => c < 300)).length;
    expect(through).toBeGreaterThanOrEqual(Math.ceil(routes.length / 2));
  }, 300_000);
});
