/**
 * Every Redis key the runtime writes, in one place (docs/redis.md lists them). All live under the configured
 * prefix (`geointel` by default, `GEOINTEL_PREFIX`); BullMQ queues use the same prefix as their own.
 */
export function redisKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, ...parts].join(':');
  return {
    prefix,
    /** Stream of one topic, or `all` (docs/contracts.md: `geointel:stream:<topic id>`). */
    stream: (topic: string) => k('stream', topic),
    /** The stored record of a story (JSON, as first emitted). */
    storyRecord: (storyId: string) => k('rec', 'story', storyId),
    /** Later duplicates of a story (a list of `{id, sourceId, url}` JSON). */
    storyDuplicates: (storyId: string) => k('rec', 'dups', storyId),
    /** Marker of an item already stored (its story id), so a retried job changes nothing. */
    itemSeen: (itemId: string) => k('rec', 'item', itemId),
    /** Sorted set of story ids by digest time (publishedAt, else fetchedAt; ms). */
    storyTimes: () => k('rec', 'time'),
    /** Sorted set of a topic's candidate stories for editors, by digest time. */
    candidates: (topic: string) => k('cand', topic),
    /** The story index as an ordered log of assigned batches (src/store/redis-story-log.ts). */
    storyLog: () => k('story', 'log'),
    /** The lease that makes replay → assign → append one step across processes. */
    storyLock: () => k('story', 'lock'),
    /** Hash of one source's state: validators, health counters. */
    source: (sourceId: string) => k('source', sourceId),
    /** The last fetched body of a source (gzip) and its metadata. */
    sourceBody: (sourceId: string) => k('source', sourceId, 'body'),
    /** Set of source ids that have state. */
    sourceIndex: () => k('sources'),
    /** The registry the cluster runs (JSON) and its hash. */
    registry: () => k('registry'),
    /** Leader lease (one process reconciles schedulers and owns the daily digest). */
    leader: () => k('leader'),
    /** An API token's holder, by the SHA-256 of the token (hash: name, role, createdAt, revoked). */
    token: (sha256Hex: string) => k('token', sha256Hex),
    /** Token names → their hashes (names are unique for good). */
    tokenNames: () => k('tokens'),
    /** One stored digest per date. */
    digest: (date: string) => k('digest', date),
    /** Outbox of digests to deliver (stream of `{date}`), appended once per date. */
    digestOutbox: () => k('outbox', 'digest'),
    /** The audit trail: every editor and admin action (stream; src/store/audit.ts). */
    audit: () => k('audit'),
    /** The audit entries of one target (`story:<id>`, `edition:<date>`, …): a stream of entry ids. */
    auditOf: (target: string) => k('audit', target),
    // Further keys of the editors' workflow, streams, subscriptions and the text index follow; each owner adds
    // its keys below, in its own block with a comment naming the module that writes them.
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
