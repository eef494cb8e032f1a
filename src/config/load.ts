import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type AppConfig, AppSchema } from './app-schema.js';
import { type SourceEntry, SourcesFileSchema } from './sources-schema.js';
import { type TagsFile, TagsFileSchema } from './tags-schema.js';
import { type TopicsFile, TopicsFileSchema } from './topics-schema.js';

export interface ConfigIssue {
  file: string;
  /** Dotted field path, e.g. `sources[3].url`; empty for the whole file. */
  path: string;
  line?: number;
  message: string;
}

/** Raised when configuration is invalid; carries every problem found, not only the first. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(i: ConfigIssue): string {
  const where = `${i.file}${i.line ? `:${i.line}` : ''}`;
  return `${where}: ${i.path || '(file)'}: ${i.message}`;
}

export interface Config {
  app: AppConfig;
  sources: readonly SourceEntry[];
  topics: TopicsFile;
  /** config/tags.yaml (commodity and country lexicons); empty lexicons when the file is absent. */
  tags: TagsFile;
  dir: string;
}

export interface LoadOptions {
  /** Folder holding geointel.yaml, sources.yaml and topics.yaml. Default: GEOINTEL_CONFIG_DIR or ./config. */
  dir?: string;
  /** Environment to read overrides from (default process.env; tests pass their own). */
  env?: Record<string, string | undefined>;
}

/** Environment variables that do not follow the GEOINTEL_<SECTION>_<FIELD> pattern. */
const ENV_ALIASES: Record<string, string[]> = {
  GEOINTEL_PROFILE: ['profile'],
  REDIS_URL: ['redis', 'url'],
  GEOINTEL_PREFIX: ['redis', 'prefix'],
  PORT: ['http', 'port'],
  METRICS_PORT: ['http', 'metricsPort'],
  GEOINTEL_FETCH_ALLOW_PRIVATE: ['fetch', 'allowPrivate'],
};

const camelToSnake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** Every environment variable the app schema understands, with its path: the generated half of env.example. */
export function envVariables(): Array<{ name: string; path: string[] }> {
  const out = Object.entries(ENV_ALIASES).map(([name, path]) => ({ name, path }));
  const shape = AppSchema.shape as Record<string, z.ZodType>;
  for (const [section, schema] of Object.entries(shape)) {
    const inner = unwrap(schema);
    if (!inner || typeof inner !== 'object' || !('shape' in inner)) continue;
    for (const field of Object.keys((inner as { shape: object }).shape)) {
      const name = `GEOINTEL_${camelToSnake(section)}_${camelToSnake(field)}`;
      if (!out.some((o) => o.name === name)) out.push({ name, path: [section, field] });
    }
  }
  return out;
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { innerType?: unknown; type?: string } };
  for (let i = 0; i < 5 && s?.def?.innerType; i++) s = s.def.innerType as typeof s;
  return s;
}

function applyEnv(raw: Record<string, unknown>, env: Record<string, string | undefined>): void {
  for (const { name, path } of envVariables()) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let node = raw;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
}

interface YamlFile {
  data: unknown;
  lineOf(path: PropertyKey[]): number | undefined;
}

function readYaml(file: string, issues: ConfigIssue[], optional = false): YamlFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    issues.push({ file, path: '', message: `cannot read: ${(err as Error).message}` });
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      issues.push({ file, path: '', line: lineCounter.linePos(e.pos[0]).line, message: e.message });
    }
    return undefined;
  }
  return {
    data: doc.toJS({ maxAliasCount: 100 }) ?? {},
    lineOf(path) {
      let node: Node | null | undefined = doc.contents as Node | null;
      let last = node;
      for (const key of path) {
        if (isMap(node)) node = node.get(key as string, true) as Node | undefined;
        else if (isSeq(node)) node = node.get(Number(key), true) as Node | undefined;
        else break;
        if (node) last = node;
        else break;
      }
      const offset = last?.range?.[0];
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
  };
}

function pathString(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

function validate<T>(
  schema: z.ZodType<T>,
  data: unknown,
  file: string,
  yaml: YamlFile | undefined,
  issues: ConfigIssue[],
): T | undefined {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    issues.push({
      file,
      path: pathString(issue.path),
      line: yaml?.lineOf(issue.path),
      message: issue.message,
    });
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The one configuration door: reads the three YAML files, applies environment overrides, validates all of
 * them and returns a deep-frozen object. Throws ConfigError listing every problem in every file.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const dir = resolve(opts.dir ?? env.GEOINTEL_CONFIG_DIR ?? 'config');
  const issues: ConfigIssue[] = [];

  const appFile = join(dir, 'geointel.yaml');
  const appYaml = readYaml(appFile, issues, true);
  const appRaw = structuredClone((appYaml?.data ?? {}) as Record<string, unknown>);
  if (typeof appRaw !== 'object' || Array.isArray(appRaw)) {
    issues.push({ file: appFile, path: '', message: 'must be a mapping' });
  }
  applyEnv(appRaw, env);
  const app = validate(AppSchema, appRaw, appFile, appYaml, issues);

  const sourcesFile = join(dir, 'sources.yaml');
  const sourcesYaml = readYaml(sourcesFile, issues);
  const sources = sourcesYaml
    ? validate(SourcesFileSchema, sourcesYaml.data, sourcesFile, sourcesYaml, issues)
    : undefined;

  const topicsFile = join(dir, 'topics.yaml');
  const topicsYaml = readYaml(topicsFile, issues);
  const topics = topicsYaml
    ? validate(TopicsFileSchema, topicsYaml.data, topicsFile, topicsYaml, issues)
    : undefined;

  const tagsFile = join(dir, 'tags.yaml');
  const tagsYaml = readYaml(tagsFile, issues, true);
  const tags = tagsYaml
    ? validate(TagsFileSchema, tagsYaml.data, tagsFile, tagsYaml, issues)
    : { commodities: {}, countries: {}, blockers: {} };

  if (issues.length > 0 || !app || !sources || !topics || !tags) throw new ConfigError(issues);
  return deepFreeze({ app, sources: sources.sources, topics, tags, dir });
}
