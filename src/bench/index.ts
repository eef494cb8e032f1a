/** Every bench `npm run bench` runs, in order; each returns one JSON-serialisable line with a `bench` name. */
import { benchDedupeIndex } from './dedupe.js';
import { benchFetch } from './fetch.js';
import { benchStages } from './stages.js';

export const benches: Record<string, () => Promise<Record<string, unknown>> | Record<string, unknown>> = {
  stages: () => benchStages(),
  'dedupe-index': () => benchDedupeIndex(),
  fetch: async () => ({ ...(await benchFetch()) }),
};
