/** What the routes share: the runtime, and the API's own fail-fast Redis client with stores and queues on it. */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { QueueName } from '../runtime/queues.js';
import type { Runtime } from '../runtime/runtime.js';
import type { AuditStore } from '../store/audit.js';
import type { DraftStore } from '../store/drafts.js';
import type { EditionStore } from '../store/editions.js';
import type { RedisKeys } from '../store/keys.js';
import type { RecordStore, SourceStateStore } from '../store/types.js';
import type { LiveConnections } from './live-auth.js';

export interface ApiContext {
  runtime: Runtime;
  log: Logger;
  /** The API's client: `enableOfflineQueue: false`, so a call while Redis is away fails at once (503). */
  redis: Redis;
  keys: RedisKeys;
  records: RecordStore;
  sourceStates: SourceStateStore;
  /** The audit trail: every editor and admin action appends one entry (who, when, what, before/after). */
  audit: AuditStore;
  /** Machine drafts of stories' Chinese (shown to editors as drafts, never published as theirs). */
  drafts: DraftStore;
  /** Editions of the bulletin: `place` (the candidates workflow), drafts, order, publish, archive. */
  editions: EditionStore;
  /** The queues, on the API's client (adding a job while Redis is away fails instead of waiting). */
  queues: Record<QueueName, Queue>;
  /** The open SSE streams and WebSockets by credential: ended when it is revoked (src/api/live-auth.ts). */
  live: LiveConnections;
  now: () => number;
}
