/**
 * Thread entry of the article extractor (./article-pool.ts): reads article pages with the pure article
 * stage on a worker thread, so a page that takes seconds to read (tens of thousands of links, deep markup)
 * never blocks the worker's event loop, whose timers renew the BullMQ job locks. One page per message:
 * `{ id, body, opts }` in, `{ id, extraction }` or `{ id, error: { code, message } }` out.
 */
import { parentPort } from 'node:worker_threads';
import { isGeoError } from '../errors.js';
import { extractArticle } from '../pipeline/article/index.js';
import type { ThreadReply, ThreadRequest } from './article-pool.js';

const port = parentPort;
if (!port) throw new Error('article-thread.js runs as a worker thread of the article extractor');

port.on('message', (msg: ThreadRequest) => {
  let reply: ThreadReply;
  try {
    reply = { id: msg.id, extraction: extractArticle(msg.body, msg.opts) };
  } catch (err) {
    const code = isGeoError(err) ? err.code : 'INTERNAL';
    reply = { id: msg.id, error: { code, message: String((err as Error)?.message ?? err).slice(0, 300) } };
  }
  port.postMessage(reply);
});
