/** `geointel digest`: render the daily bulletin from a file of digest records (store-backed: queue runtime). */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../config/load.js';
import { buildDigest, createKeywords, renderDigest, selectionOptions } from '../../pipeline/digest/index.js';
import { parseRecord } from '../../pipeline/record-schema.js';
import type { DigestRecord } from '../../pipeline/types.js';
import { type Command, parseFlags, reportLine, writeJsonLine } from '../command.js';

const HELP = `Usage: geointel digest --from FILE.jsonl [--date YYYY-MM-DD] [--format md|html|json] [--lang zh|en]
                       [--issue N]

Renders the bulletin 地学快讯 / Geoscience Express from digest records (geointel.record/1, one JSON object a line,
as printed by \`geointel ingest\`). With --date, day D covers stories published (else fetched) in
[D−1 07:00, D 07:00) of digest.timeZone (config/geointel.yaml; default Asia/Shanghai); without it every record
of the file is used. Relevant records only, one per story, in its primary topic's section. News items are
numbered, best bulletin score first (topic score and margin, originators before relays), at most
digest.perSection per section; a relay's item needs digest.minConfidence (0.6). Event-feed entries are not
numbered: each section ends with an event box, one line per event sequence (region, days, count, largest
magnitude, alert level). docs/digest.md says how items are chosen.

Options:
  --from FILE     JSON Lines digest records (required for now: store-backed digests come with the queue runtime)
  --date D        the day, YYYY-MM-DD
  --format F      md (default), html or json (the structured edition)
  --lang L        zh (default) or en: headings, section names, dates and citations; zh uses titleZh/summaryZh
                  when an editor set them (machine drafts are never published), and under an item in another
                  language without them a 关键词 line: the Chinese of the config/glossary.yaml terms it names
                  and of its commodity and country tags
  --issue N       issue number (default: day of the year of D)
Bad lines of the file are reported on stderr with their line number and skipped; the exit code is then 1.
A file with no valid record (empty, or every line bad) has nothing to publish: no bulletin, exit 1.
`;

const FORMATS = ['md', 'html', 'json'] as const;
const LANGS = ['zh', 'en'] as const;

function usage(io: { stderr: NodeJS.WritableStream }, message: string): number {
  io.stderr.write(`geointel digest: ${message}\n`);
  return 2;
}

export const command: Command = {
  name: 'digest',
  help: HELP,
  async run(args, io) {
    const { values } = parseFlags(
      args,
      {
        from: { type: 'string' },
        date: { type: 'string' },
        format: { type: 'string', default: 'md' },
        lang: { type: 'string', default: 'zh' },
        issue: { type: 'string' },
      },
      false,
    );
    const format = values.format as (typeof FORMATS)[number];
    const lang = values.lang as (typeof LANGS)[number];
    if (!FORMATS.includes(format)) return usage(io, `--format must be md, html or json, got "${format}"`);
    if (!LANGS.includes(lang)) return usage(io, `--lang must be zh or en, got "${lang}"`);
    if (values.date !== undefined && !isCalendarDay(values.date)) {
      return usage(io, `--date must be YYYY-MM-DD, got "${values.date}"`);
    }
    const issue = values.issue === undefined ? undefined : Number(values.issue);
    if (issue !== undefined && !(Number.isInteger(issue) && issue > 0)) {
      return usage(io, `--issue must be a positive integer, got "${values.issue}"`);
    }
    if (values.from === undefined) {
      return usage(
        io,
        values.date === undefined
          ? '--from FILE.jsonl is required (or --date with the store, which arrives with the queue runtime)'
          : 'digests from the store (--date without --from) arrive with the queue runtime; use --from FILE.jsonl',
      );
    }
    const config = loadConfig({ env: io.env });
    let text: string;
    try {
      text = await readFile(values.from, 'utf8');
    } catch (err) {
      writeJsonLine(io.stderr, {
        level: 'error',
        code: 'INPUT_INVALID',
        message: `cannot read ${values.from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      });
      return 1;
    }
    const { records, bad } = readRecords(text, values.from, io);
    if (records.length === 0) {
      writeJsonLine(io.stderr, {
        level: 'error',
        code: 'INPUT_INVALID',
        file: values.from,
        message: `nothing to publish: ${values.from} holds no valid geointel.record/1 record${bad > 0 ? ` (${bad} bad line${bad === 1 ? '' : 's'})` : ' (it is empty)'}`,
      });
      return 1;
    }
    const d = config.app.digest;
    const digest = buildDigest(records, {
      date: values.date,
      timeZone: d.timeZone,
      cutoffHour: d.cutoffHour,
      perSection: d.perSection,
      topics: config.topics.topics,
      issue,
      ...selectionOptions(d, config.sources),
    });
    const title = lang === 'zh' ? d.titleZh : d.titleEn;
    const keywords = lang === 'zh' ? createKeywords(config.glossary, config.tags) : undefined;
    io.stdout.write(renderDigest(digest, { format, lang, title, keywords }));
    return bad > 0 ? 1 : 0;
  },
};

function readRecords(text: string, file: string, io: Parameters<typeof reportLine>[0]) {
  const records: DigestRecord[] = [];
  let bad = 0;
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const problem = (message: string) => {
      bad++;
      reportLine(io, { code: 'INPUT_INVALID', file, line: i + 1, message: `${file}:${i + 1}: ${message}` });
    };
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      problem(`not JSON (${(err as Error).message})`);
      continue;
    }
    const parsed = parseRecord(v);
    if (!parsed.ok) {
      problem(`not a valid geointel.record/1 record: ${parsed.problems.slice(0, 5).join('; ')}`);
      continue;
    }
    records.push(parsed.record);
  }
  return { records, bad };
}

function isCalendarDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
