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
    /** New items of a source per UTC day (hash `YYYY-MM-DD` → count, kept 15 days): items per week. */
    sourceItems: (sourceId: string) => k('source', sourceId, 'items'),
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
    // src/store/mail.ts: the e-mailed digest.
    /** Hash of one date's sent digest mails: `<list>|<address>` → Message-ID (set once the SMTP server took it). */
    mailSent: (date: string) => k('mail', 'sent', date),
    /** Set of addresses that unsubscribed from one list. */
    mailUnsubscribed: (listId: string) => k('mail', 'unsub', listId),
    /** The secret that signs unsubscribe links (made once, at first use). */
    mailSecret: () => k('mail', 'secret'),
    // Editions of the bulletin (src/store/editions.ts): per bulletin id (`main` today).
    /** One edition (hash): status, version `v`, issue, publishedAt/By, `e:<storyId>` entries, `o:<section>` orders. */
    edition: (bulletin: string, date: string) => k('edition', bulletin, date),
    /** The published snapshot of an edition (the digest JSON frozen at publication). */
    editionFinal: (bulletin: string, date: string) => k('edition', bulletin, date, 'final'),
    /** Story id → date of the edition that holds it (hash). */
    editionPlaced: (bulletin: string) => k('edition', bulletin, 'placed'),
    /** Published edition dates scored YYYYMMDD (sorted set): the archive. */
    editionPublished: (bulletin: string) => k('edition', bulletin, 'published'),
    /** The bulletin's issue counter (INCR at each publication). */
    editionIssue: (bulletin: string) => k('edition', bulletin, 'issue'),
    // Editors' candidates (src/store/candidates.ts); the pools themselves are `candidates(topic)` above.
    /** An editor's claim on a candidate story (string: the token holder's name, PX = the lease). */
    candidateClaim: (storyId: string) => k('cand', 'claim', storyId),
    /** The decision on a candidate story (string, JSON: accepted/rejected, by, at…): it never returns to a pool. */
    candidateDecision: (storyId: string) => k('cand', 'decided', storyId),
    // Saved subscriptions and their webhooks (src/store/subscriptions.ts); the fan-out reads `stream('all')`
    // through the consumer group `webhooks` (src/workers/webhook-fanout.ts).
    /** Hash of every subscription: id → JSON (name, filter, url, secret, active, createdAt/By…). */
    subscriptions: () => k('subs'),
    /** Stories delivered to a subscription (sorted set: story id → success time ms), trimmed to the retention. */
    subscriptionDelivered: (id: string) => k('sub', id, 'delivered'),
    /** A subscription's delivery log (stream, one entry per attempt, capped). */
    subscriptionLog: (id: string) => k('sub', id, 'log'),
    // Browser sessions (src/store/sessions.ts).
    /** One browser session, by the SHA-256 of its cookie's id (hash: tokenHash, csrf, createdAt, expiresAt; PX). */
    session: (sha256Hex: string) => k('session', sha256Hex),
    // Credential revocation notices (src/store/revocations.ts; published by the token and session stores).
    /** Pub/sub channel (not a key): `token:<sha256>` / `session:<sha256>` when a credential ends. */
    revocations: () => k('revoked'),
    // Record filters, the text index, counts and story merge/split (src/store/redis-records.ts writes them when a
    // story is stored; src/store/story-edits.ts on merge, split and indexText; src/store/record-query.ts reads).
    /** Sorted set of the stories holding a text token (word or Han bigram), by digest time; trimmed to retention. */
    textToken: (token: string) => k('rec', 'tok', token),
    /** Sorted set of the stories carrying a tag (`commodity` id or `country` ISO code), by digest time. */
    tagIndex: (kind: 'commodity' | 'country', value: string) => k('rec', 'tag', kind, value),
    /** Sorted set of the stories with a `geo` point, by digest time (the map box filter scans only these). */
    geoIndex: () => k('rec', 'geo'),
    /**
     * Hash of one hour's counts of relevant stories (`all`, `topic:<id>`, `commodity:<id>`, `country:<ISO>`, and
     * per topic `topic:<id>|commodity:<id>`, `topic:<id>|country:<ISO>`: src/pipeline/search/counts.ts).
     */
    countsHour: (hour: number) => k('rec', 'count', String(hour)),
    /** Hash of a story's later items: item id → the item's full record JSON (what a split needs). */
    storyItems: (storyId: string) => k('rec', 'items', storyId),
    /** A merged story's target: the story id it was merged into (string). */
    storyMergedInto: (storyId: string) => k('rec', 'merged', storyId),
    /** Set of the story ids merged into a story (a later merge of that story repoints them). */
    storyMergedFrom: (storyId: string) => k('rec', 'mergedfrom', storyId),
    /** Set of the extra tokens `indexText` added for a story (editors' texts), so a merge removes them. */
    storyExtraTokens: (storyId: string) => k('rec', 'xtok', storyId),
    // Machine drafts of the Chinese (src/store/drafts.ts, written by the translate worker): kept apart from the
    // story's record, so nothing machine-made is ever in a record's or an edition's titleZh/summaryZh.
    /** A story's machine draft (string, JSON: titleZh, summaryZh, backend, model, at, note; TTL = the record's). */
    machineDraft: (storyId: string) => k('draft', 'zh', storyId),
    // Learned relevance/section models (src/store/models.ts; read by the process workers, written by `geointel model`).
    /** One trained model version (string: the `geointel.model/1` JSON); versions never change. */
    modelVersion: (version: string) => k('model', 'v', version),
    /** Hash of the stored versions: version → a short description JSON (trainedAt, trainedBy, items, storedAt). */
    modelIndex: () => k('model', 'index'),
    /** The version the workers use (string; absent: the baseline file of config `model.baseline`). */
    modelActive: () => k('model', 'active'),
    /** The versions promotions replaced, newest first (list; `-` = the baseline file): what `restore` returns to. */
    modelHistory: () => k('model', 'history'),
    /** Counter of trained versions (`r<n>-<yyyymmdd>`). */
    modelSeq: () => k('model', 'seq'),
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
