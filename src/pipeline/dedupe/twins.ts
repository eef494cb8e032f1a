import type { SourceEntry } from '../../config/sources-schema.js';

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return null;
  }
};

/**
 * Host aliases for language twins from the source registry: a source with `languageTwin: <id>` publishes the
 * same pages as that source in another language (NRCan's seismescanada.rncan.gc.ca mirrors
 * earthquakescanada.nrcan.gc.ca); its host maps to the twin's so their URLs compare language-neutrally.
 */
export function hostAliasesOf(sources: readonly SourceEntry[]): Map<string, string> {
  const byId = new Map(sources.map((s) => [s.id, s]));
  const out = new Map<string, string>();
  for (const s of sources) {
    const twin = s.languageTwin ? byId.get(s.languageTwin) : undefined;
    const from = hostOf(s.url);
    const to = twin ? hostOf(twin.url) : null;
    if (from && to && from !== to) out.set(from, to);
  }
  return out;
}
