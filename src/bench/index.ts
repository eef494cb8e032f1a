/** Every bench `npm run bench` runs, in order; each returns one JSON-serialisable line with a `bench` name. */
import { benchApi } from './api.js';
import { benchClassifyModel } from './classify-model.js';
import { benchDedupeIndex } from './dedupe.js';
import { benchFetch } from './fetch.js';
import { benchPipeline } from './pipeline.js';
import { benchScale } from './scale.js';
import { benchStages } from './stages.js';
import { benchStoryStore } from './story-store.js';
import { benchStreamLatency } from './stream-latency.js';
import { benchTextIndex } from './text-index.js';

export const benches: Record<string, () => Promise<Record<string, unknown>> | Record<string, unknown>> = {
  stages: () => benchStages(),
  'classify-model': () => benchClassifyModel(),
  'dedupe-index': () => benchDedupeIndex(),
  fetch: async () => ({ ...(await benchFetch()) }),
  pipeline: () => benchPipeline(),
  'stream-latency': () => benchStreamLatency(),
  'story-store': () => benchStoryStore(),
  scale: () => benchScale(),
  api: () => benchApi(),
  'text-index': () => benchTextIndex(),
};
