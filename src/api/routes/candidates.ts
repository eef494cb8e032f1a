/**
 * The editors' workflow (docs/api.md §Candidates): a topic's candidates best first by the candidate score
 * (src/pipeline/candidates.ts), claims as leases, decisions (accept into the edition of the story's digest day,
 * reject with a reason, release), add by URL, and the audit trail that records every one of these actions.
 * Routes validate, call the stage or store, and append `{actor, action, target: story:<id>, before, after}`.
 */
import type { FastifyInstance } from 'fastify';
import { relaySourceIds } from '../../config/sources-schema.js';
import { GeoError } from '../../errors.js';
import { type ArticleExtractor, createArticleExtractor } from '../../extract/article-pool.js';
import { createFetcherFromConfig, hostLimitsOf } from '../../fetch/index.js';
import { candidateTime, rankCandidates } from '../../pipeline/candidates.js';
import { compileTaxonomy, type Taxonomy } from '../../pipeline/classify/index.js';
import { digestDateAt } from '../../pipeline/digest/zoned.js';
import type { ModelScorer } from '../../pipeline/model/scorer.js';
import { activeModel } from '../../runtime/model.js';
import type { AuditEntry } from '../../store/audit.js';
import { type Claim, createRedisCandidateStore, type Decision } from '../../store/candidates.js';
import { createRedisHostLimiter } from '../../store/redis-host-limiter.js';
import { createRedisStoryEdits } from '../../store/story-edits.js';
import type { AcceptedEntry, EditorEdits } from '../../store/types.js';
import { addByUrl } from '../add-by-url.js';
import { type AuthInfo, authOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { COMMON_ERRORS, errors, recordSchema, topicIdSchema } from '../schemas.js';

/** Newest stories of a pool one listing ranks (a week of a busy topic is a few hundred). */
export const POOL_SCAN = 2_000;

const storyIdSchema = { type: 'string', pattern: '^[A-Za-z0-9:_.-]{1,200}$' } as const;
const storyParams = {
  type: 'object',
  properties: { storyId: storyIdSchema },
  required: ['storyId'],
} as const;
/** No body needed; an empty JSON object is accepted, anything else refused (T-O5). */
const emptyBody = { type: 'object', maxProperties: 0, additionalProperties: false } as const;

const claimSchema = {
  type: 'object',
  nullable: true,
  description: 'Who holds the candidate and until when; `mine`: the caller',
  properties: {
    by: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
    mine: { type: 'boolean' },
  },
  required: ['by', 'expiresAt', 'mine'],
} as const;

const partsSchema = {
  type: 'object',
  description: 'score = 0.6 × relevance + 0.2 × origin + 0.2 × recency (docs/api.md §Candidates)',
  properties: {
    relevance: { type: 'number', description: "the record's classifier score for the topic" },
    origin: {
      type: 'number',
      description: '1: an originating organisation carries the story; 0.3: only relays',
    },
    recency: { type: 'number', description: '0.5 ^ (age in hours / 24), age from the digest time' },
  },
  required: ['relevance', 'origin', 'recency'],
} as const;

const candidateSchema = {
  type: 'object',
  properties: {
    storyId: { type: 'string' },
    score: { type: 'number' },
    parts: partsSchema,
    claim: claimSchema,
    record: recordSchema,
    machineDraft: {
      type: 'object',
      nullable: true,
      description:
        'A machine translation of the title and summary into Chinese (translation backend configured): a ' +
        'draft to start from, never published unless an editor accepts with it as their titleZh/summaryZh. ' +
        'Null: none (no backend, a Chinese item, not drafted yet). `note` says why a draft has no text.',
      properties: {
        titleZh: { type: 'string', nullable: true },
        summaryZh: { type: 'string', nullable: true },
        backend: { type: 'string' },
        model: { type: 'string' },
        from: { type: 'string' },
        at: { type: 'string' },
        note: { type: 'string' },
      },
      required: ['titleZh', 'summaryZh', 'backend', 'from', 'at'],
    },
  },
  required: ['storyId', 'score', 'parts', 'claim', 'record', 'machineDraft'],
} as const;

const auditEntrySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'position in the trail (a Redis stream id); `before` pages on it' },
    at: { type: 'string', format: 'date-time' },
    actor: {
      type: 'object',
      properties: { name: { type: 'string' }, role: { type: 'string' } },
      required: ['name', 'role'],
    },
    action: { type: 'string' },
    target: { type: 'string' },
    before: { description: 'the state the action changed, before it (null: none)' },
    after: { description: 'that state after the action' },
  },
  required: ['id', 'at', 'actor', 'action', 'target'],
} as const;

const decisionAnswer = {
  type: 'object',
  properties: {
    storyId: { type: 'string' },
    decision: { type: 'string', enum: ['accepted', 'rejected'] },
    section: { type: 'string', nullable: true },
    date: { type: 'string', nullable: true, description: "the story's digest day (accepted)" },
    edition: { type: 'string', nullable: true, description: 'the edition it was placed in (accepted)' },
    reason: { type: 'string', nullable: true },
  },
  required: ['storyId', 'decision'],
} as const;

/** Longest editor texts (code points). */
export const EDIT_LIMITS = { title: 300, summary: 2_000, reason: 500 } as const;

const MARKUP = /<[A-Za-z!/?]/;

/**
 * An editor's text as plain text: trimmed, CRLF → LF, no control characters (a title not even a line break),
 * no HTML markup (renderers escape everything anyway; markup here is a paste from a page, not a title).
 */
export function plainText(field: string, value: string, multiline: boolean): string {
  const v = value.replace(/\r\n?/g, '\n').trim();
  if (!v) throw new GeoError('INPUT_INVALID', `${field} is empty`);
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    const whitespace = c === 0x0a || c === 0x09;
    const control = c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0x2028 || c === 0x2029;
    if (control && !(multiline && whitespace))
      throw new GeoError(
        'INPUT_INVALID',
        `${field} holds a control character${multiline ? '' : ', tab or line break'}`,
      );
  }
  if (MARKUP.test(v)) throw new GeoError('INPUT_INVALID', `${field} must be plain text, without HTML markup`);
  return v;
}

interface AcceptBody {
  title?: string;
  summary?: string;
  titleZh?: string;
  summaryZh?: string;
  section?: string;
}

export function candidateRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const config = ctx.runtime.config;
  const { editors, digest, fetch, retention } = config.app;
  const topicIds = config.topics.topics.map((t) => t.id);
  const known = new Set(topicIds);
  const candidates = createRedisCandidateStore({
    redis: ctx.redis,
    prefix: ctx.keys.prefix,
    topics: topicIds,
    candidateDays: editors.candidateDays,
    claimSeconds: editors.claimSeconds,
    decisionDays: retention.recordDays,
  });
  // Pages added by URL are read on a worker thread, made at the first add and ended with the server.
  let extractor: ArticleExtractor | undefined;
  // Added pages are classified as the process workers classify: with the active model version.
  let modelOf: (() => Promise<ModelScorer | undefined>) | undefined;
  app.addHook('onClose', async () => {
    await extractor?.close();
  });
  // Editors' Chinese texts join the record's words in the text index (GET /v1/records?q=).
  const storyEdits = createRedisStoryEdits({
    redis: ctx.redis,
    prefix: ctx.keys.prefix,
    recordDays: retention.recordDays,
    streamMaxLen: retention.streamMaxLen,
    now: ctx.now,
  });
  // The hardened fetcher with the configured policy (fetch.allowPrivate / GEOINTEL_FETCH_ALLOW_PRIVATE only) and
  // the workers' per-host politeness.
  const fetcher = createFetcherFromConfig(fetch, {
    limiter: createRedisHostLimiter({
      ...hostLimitsOf(fetch),
      redis: ctx.redis,
      prefix: ctx.keys.prefix,
      leaseMs: fetch.totalTimeoutMs + 5_000,
    }),
    log: ctx.log.child({ role: 'fetcher' }),
  });
  let taxonomy: Taxonomy | undefined;
  const relaySources = () => new Set(relaySourceIds(ctx.runtime.sources()));

  const topicOf = (topic: string) => {
    if (!known.has(topic))
      throw new GeoError('INPUT_INVALID', 'topic is not a topic id of config/topics.yaml');
    return topic;
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const claimView = (c: Claim | null, me: string) =>
    c ? { by: c.by, expiresAt: iso(c.expiresAt), mine: c.by === me } : null;
  const claimState = (c: Claim | null) => (c ? { by: c.by, expiresAt: iso(c.expiresAt) } : null);
  const audit = (auth: AuthInfo, action: string, storyId: string, before: unknown, after: unknown) =>
    withRedis(() =>
      ctx.audit.append({
        at: iso(ctx.now()),
        actor: { name: auth.name, role: auth.role },
        action,
        target: `story:${storyId}`,
        before,
        after,
      }),
    );
  const conflict = (c: Claim): never => {
    throw new GeoError('CLAIM_CONFLICT', `the candidate is held by ${c.by} until ${iso(c.expiresAt)}`);
  };
  const decided = (d: Decision): never => {
    throw new GeoError('CLAIM_CONFLICT', `the candidate was already ${d.decision} by ${d.by} at ${d.at}`);
  };
  const absent = (): never => {
    throw new GeoError(
      'NOT_FOUND',
      `no such candidate: never offered, decided, or older than editors.candidateDays (${editors.candidateDays})`,
    );
  };

  app.get<{ Querystring: { topic: string; limit: number } }>(
    '/v1/candidates',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['candidates'],
        summary: "A topic's next unclaimed candidates, best first, and the caller's own claims",
        description:
          'Stories of the topic not yet accepted or rejected, younger than editors.candidateDays, that nobody ' +
          'else holds, ranked by score = 0.6 × relevance + 0.2 × origin + 0.2 × recency (each 0..1, in ' +
          '`parts`). The caller’s own claims are among them, marked `claim.mine`.',
        querystring: {
          type: 'object',
          properties: {
            topic: { ...topicIdSchema, description: 'a topic id of config/topics.yaml' },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
          },
          required: ['topic'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              topic: { type: 'string' },
              items: { type: 'array', items: candidateSchema },
              claimedByOthers: {
                type: 'integer',
                description: 'candidates of the topic held by other editors',
              },
            },
            required: ['topic', 'items', 'claimedByOthers'],
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async (request) => {
      const me = authOf(request).name;
      const topic = topicOf(request.query.topic);
      const now = ctx.now();
      const pool = await withRedis(() => candidates.pool(topic, now, POOL_SCAN));
      const claims = new Map(pool.map((e) => [e.storyId, e.claim]));
      const open = pool.filter((e) => e.record && (!e.claim || e.claim.by === me));
      const ranked = rankCandidates(
        open.map((e) => e.record!),
        { topic, now, relaySources: relaySources() },
      );
      const page = ranked.slice(0, request.query.limit);
      const drafts = await withRedis(() => ctx.drafts.getDrafts(page.map((c) => c.record.storyId)));
      return {
        topic,
        items: page.map((c, i) => ({
          storyId: c.record.storyId,
          score: c.score,
          parts: c.parts,
          claim: claimView(claims.get(c.record.storyId) ?? null, me),
          record: c.record,
          machineDraft: drafts[i] ?? null,
        })),
        claimedByOthers: pool.filter((e) => e.claim && e.claim.by !== me).length,
      };
    },
  );

  app.post<{ Params: { storyId: string } }>(
    '/v1/candidates/:storyId/claim',
    {
      config: { role: 'editor' },
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['candidates'],
        summary: 'Claim a candidate (or renew your claim) for editors.claimSeconds',
        description:
          'Atomic: one editor holds a candidate at a time. 409 CLAIM_CONFLICT while another editor holds it or ' +
          'once it is decided; 404 when it is in no pool. The lease ends at `claim.expiresAt`; claim again to ' +
          'extend it.',
        params: storyParams,
        body: emptyBody,
        response: {
          200: {
            type: 'object',
            properties: { storyId: { type: 'string' }, renewed: { type: 'boolean' }, claim: claimSchema },
            required: ['storyId', 'renewed', 'claim'],
          },
          ...errors(...COMMON_ERRORS, 404, 409, 413, 415),
        },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const { storyId } = request.params;
      const out = await withRedis(() => candidates.claim(storyId, auth.name, ctx.now()));
      if (out.status === 'absent') return absent();
      if (out.status === 'held') return conflict(out.claim);
      if (out.status === 'decided') return decided(out.decision);
      const renewed = out.status === 'renewed';
      await audit(
        auth,
        renewed ? 'candidate.renew' : 'candidate.claim',
        storyId,
        { claim: claimState(out.before) },
        { claim: claimState(out.claim) },
      );
      return { storyId, renewed, claim: claimView(out.claim, auth.name) };
    },
  );

  app.post<{ Params: { storyId: string } }>(
    '/v1/candidates/:storyId/release',
    {
      config: { role: 'editor' },
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['candidates'],
        summary: 'Release your claim: the candidate returns to the pool for everyone',
        description: '409 CLAIM_CONFLICT when another editor holds it or nobody does (an expired claim).',
        params: storyParams,
        body: emptyBody,
        response: {
          200: {
            type: 'object',
            properties: { storyId: { type: 'string' }, released: { type: 'boolean' } },
            required: ['storyId', 'released'],
          },
          ...errors(...COMMON_ERRORS, 409, 413, 415),
        },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const { storyId } = request.params;
      const out = await withRedis(() => candidates.release(storyId, auth.name, ctx.now()));
      if (out.status === 'held') return conflict(out.claim);
      if (out.status === 'unclaimed')
        throw new GeoError('CLAIM_CONFLICT', 'you hold no claim on this candidate (it may have expired)');
      await audit(auth, 'candidate.release', storyId, { claim: claimState(out.before) }, { claim: null });
      return { storyId, released: true };
    },
  );

  app.post<{ Params: { storyId: string }; Body: AcceptBody }>(
    '/v1/candidates/:storyId/accept',
    {
      config: { role: 'editor' },
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['candidates'],
        summary: 'Accept a candidate into the edition of its digest day, optionally with edited texts',
        description:
          'Needs your claim, or nobody’s (409 CLAIM_CONFLICT while another editor holds it or once decided). ' +
          'The story leaves every topic’s pool and is placed in the edition of its digest day (the first ' +
          'unpublished one after it when that one is published). `section`: a topic id (default: the ' +
          "record's topic). Texts are plain text.",
        params: storyParams,
        body: {
          type: 'object',
          properties: {
            title: { type: 'string', minLength: 1, maxLength: EDIT_LIMITS.title },
            summary: { type: 'string', minLength: 1, maxLength: EDIT_LIMITS.summary },
            titleZh: { type: 'string', minLength: 1, maxLength: EDIT_LIMITS.title },
            summaryZh: { type: 'string', minLength: 1, maxLength: EDIT_LIMITS.summary },
            section: { ...topicIdSchema, description: 'a topic id of config/topics.yaml' },
          },
          additionalProperties: false,
        },
        response: { 200: decisionAnswer, ...errors(...COMMON_ERRORS, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const { storyId } = request.params;
      const body = request.body;
      const edits: EditorEdits = {};
      if (body.title !== undefined) edits.title = plainText('title', body.title, false);
      if (body.summary !== undefined) edits.summary = plainText('summary', body.summary, true);
      if (body.titleZh !== undefined) edits.titleZh = plainText('titleZh', body.titleZh, false);
      if (body.summaryZh !== undefined) edits.summaryZh = plainText('summaryZh', body.summaryZh, true);
      if (body.section !== undefined) topicOf(body.section);
      const record = await withRedis(() => ctx.records.story(storyId));
      if (!record) return absent();
      const now = ctx.now();
      const section =
        body.section ?? record.topic ?? (await withRedis(() => candidates.topicsOf(storyId, now)))[0];
      if (!section) return absent();
      const at = iso(now);
      const decision: Decision = { decision: 'accepted', by: auth.name, at, section };
      const out = await withRedis(() => candidates.decide(storyId, auth.name, decision, now));
      if (out.status === 'absent') return absent();
      if (out.status === 'held') return conflict(out.claim);
      if (out.status === 'already') return decided(out.decision);
      const date = digestDateAt(candidateTime(record), digest.timeZone, digest.cutoffHour);
      const entry: AcceptedEntry = { storyId, date, section, edits, by: auth.name, at };
      let edition: string;
      try {
        edition = (await withRedis(() => ctx.editions.place(entry))).edition;
      } catch (err) {
        // The story goes back to its pools (and the caller's claim) so the editor can try again.
        await out.undo().catch(() => undefined);
        throw err;
      }
      const edited = [edits.title, edits.summary, edits.titleZh, edits.summaryZh].filter(Boolean).join('\n');
      if (edited) await withRedis(() => storyEdits.indexText(storyId, edited));
      const was: Record<string, unknown> = {};
      for (const k of Object.keys(edits) as Array<keyof EditorEdits>) was[k] = record[k] ?? null;
      await audit(
        auth,
        'candidate.accept',
        storyId,
        { state: 'candidate', claim: claimState(out.before), section: record.topic, ...was },
        { state: 'accepted', section, ...edits, date, edition },
      );
      return { storyId, decision: 'accepted', section, date, edition };
    },
  );

  app.post<{ Params: { storyId: string }; Body: { reason: string } }>(
    '/v1/candidates/:storyId/reject',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['candidates'],
        summary: 'Reject a candidate with a reason: it leaves every pool for good',
        description:
          'Needs your claim, or nobody’s (409 CLAIM_CONFLICT otherwise). The reason is plain text.',
        params: storyParams,
        body: {
          type: 'object',
          properties: { reason: { type: 'string', minLength: 1, maxLength: EDIT_LIMITS.reason } },
          required: ['reason'],
          additionalProperties: false,
        },
        response: { 200: decisionAnswer, ...errors(...COMMON_ERRORS, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const { storyId } = request.params;
      const reason = plainText('reason', request.body.reason, true);
      const now = ctx.now();
      const decision: Decision = { decision: 'rejected', by: auth.name, at: iso(now), reason };
      const out = await withRedis(() => candidates.decide(storyId, auth.name, decision, now));
      if (out.status === 'absent') return absent();
      if (out.status === 'held') return conflict(out.claim);
      if (out.status === 'already') return decided(out.decision);
      await audit(
        auth,
        'candidate.reject',
        storyId,
        { state: 'candidate', claim: claimState(out.before), pools: out.topics },
        { state: 'rejected', reason },
      );
      return { storyId, decision: 'rejected', reason };
    },
  );

  app.post<{ Body: { url: string; topic?: string } }>(
    '/v1/candidates/by-url',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['candidates'],
        summary:
          'Add a page by URL: fetched under the fetch policy, processed like a feed item, then a candidate',
        description:
          'The page is fetched by the hardened fetcher (422 SSRF_BLOCKED for loopback, private, link-local and ' +
          'metadata addresses unless fetch.allowPrivate lists them; 422 UNSUPPORTED_SCHEME, PORT_REFUSED, ' +
          'ROBOTS_DISALLOWED; 502/504 when the publisher fails), read like an article page, classified and ' +
          'assigned to a story, stored, and offered to `topic` (default: its classified topic).',
        body: {
          type: 'object',
          properties: {
            url: { type: 'string', minLength: 1, maxLength: 2048 },
            topic: { ...topicIdSchema, description: 'a topic id of config/topics.yaml' },
          },
          required: ['url'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              storyId: { type: 'string' },
              joined: { type: 'boolean', description: 'the page joined a story that existed before it' },
              outcome: { type: 'string', enum: ['emitted', 'duplicate', 'unchanged', 'stored'] },
              candidate: {
                type: 'object',
                nullable: true,
                properties: { topic: { type: 'string' }, inPool: { type: 'boolean' } },
                required: ['topic', 'inPool'],
              },
              record: recordSchema,
              item: recordSchema,
            },
            required: ['storyId', 'joined', 'outcome', 'candidate', 'record', 'item'],
          },
          ...errors(...COMMON_ERRORS, 413, 415, 422, 502, 504),
        },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const { url } = request.body;
      const topic = request.body.topic === undefined ? undefined : topicOf(request.body.topic);
      const now = ctx.now();
      extractor ??= createArticleExtractor({ threads: 1 });
      if (config.app.model.enabled) modelOf ??= activeModel(ctx.runtime.stores.models, config, ctx.log);
      const res = await addByUrl(url, topic, {
        fetcher,
        config,
        sources: () => ctx.runtime.sources(),
        taxonomy: () => (taxonomy ??= compileTaxonomy(config.topics, config.tags)),
        stories: ctx.runtime.stores.stories,
        records: ctx.records,
        candidates,
        extractor,
        ...(modelOf ? { model: modelOf } : {}),
        now,
      });
      await audit(
        auth,
        'candidate.add-url',
        res.record.storyId,
        res.joined ? { story: { title: res.record.title, url: res.record.url } } : null,
        {
          url,
          finalUrl: res.finalUrl,
          itemId: res.item.id,
          title: res.item.title,
          source: res.item.source.id,
          outcome: res.outcome,
          joined: res.joined,
          candidate: res.candidate,
        },
      );
      return {
        storyId: res.record.storyId,
        joined: res.joined,
        outcome: res.outcome,
        candidate: res.candidate,
        record: res.record,
        item: res.item,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number } }>(
    '/v1/stories/:id/audit',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['audit'],
        summary: "A story's audit trail, oldest first: who did what, when, with the state before and after",
        params: { type: 'object', properties: { id: storyIdSchema }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 1000 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { storyId: { type: 'string' }, items: { type: 'array', items: auditEntrySchema } },
            required: ['storyId', 'items'],
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async (request) => {
      const storyId = request.params.id;
      const items = await withRedis(() => ctx.audit.of(`story:${storyId}`, request.query.limit));
      return { storyId, items };
    },
  );

  app.get<{ Querystring: { limit: number; before?: string } }>(
    '/v1/audit',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The whole audit trail, newest first, in pages',
        description:
          'Pass `next` of a page as `before` for the following (older) one; `next` is null at the end.',
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            before: { type: 'string', pattern: '^\\d{1,15}-\\d{1,10}$', description: 'an entry id' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: auditEntrySchema },
              next: { type: 'string', nullable: true },
            },
            required: ['items', 'next'],
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async (request) => {
      const { limit, before } = request.query;
      const items: AuditEntry[] = await withRedis(() => ctx.audit.recent(limit, before));
      return { items, next: items.length === limit ? (items[items.length - 1]?.id ?? null) : null };
    },
  );
}
