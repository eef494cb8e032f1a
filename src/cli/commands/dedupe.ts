/** `geointel dedupe`: JSON Lines items on stdin → one story assignment per line, same order. */
import { loadConfig } from '../../config/load.js';
import { relaySourceIds } from '../../config/sources-schema.js';
import { dedupeItems, hostAliasesOf } from '../../pipeline/dedupe/index.js';
import type { Item } from '../../pipeline/types.js';
import { type Command, parseFlags, writeJsonLine } from '../command.js';
import { readItems } from '../item-input.js';

const HELP = `Usage: geointel dedupe [--threshold N] < items.jsonl

Reads JSON Lines items (docs/contracts.md "Item"; optional guid, doi, eventIds, geo) on stdin and prints one
{"id","storyId","duplicateOf","canonicalId","similarity"} per item, in input order. Items of one story share
storyId; duplicateOf is the story's first item; canonicalId is the originating organisation's item when a relay
(registry publishes: relay) carries its release. A missing id is the 0-based line number. Bad lines are reported on
stderr with their line number and skipped; the exit code is then 1.

Options:
  --threshold N   near-duplicate title similarity threshold, 0..1 (default 0.41; mostly-CJK titles keep
                  their own 0.4; docs/dedupe.md)
`;

export const command: Command = {
  name: 'dedupe',
  help: HELP,
  async run(args, io) {
    const { values } = parseFlags(args, { threshold: { type: 'string' } }, false);
    const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
    if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) {
      io.stderr.write(`geointel dedupe: --threshold must be a number in (0, 1], got "${values.threshold}"\n`);
      return 2;
    }
    const config = loadConfig({ env: io.env });
    const relaySources = relaySourceIds(config.sources);
    const items: Item[] = [];
    const bad = await readItems(io, (item) => items.push(item));
    const hostAliases = hostAliasesOf(config.sources);
    for (const a of dedupeItems(items, { threshold, relaySources, hostAliases })) writeJsonLine(io.stdout, a);
    return bad > 0 ? 1 : 0;
  },
};
