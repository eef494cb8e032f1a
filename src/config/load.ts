import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type AppConfig, AppSchema } from './app-schema.js';
import { type GlossaryFile, GlossaryFileSchema } from './glossary-schema.js';
import { type SourceEntry, SourcesFileSchema } from './sources-schema.js';
import { type TagsFile, TagsFileSchema } from './tags-schema.js';
import { type TopicsFile, TopicsFileSchema } from './topics-schema.js';

export interface ConfigIssue {
  file: string;
  /** Dotted field path, e.g. `sources[3].url`; empty for the whole file. */
  path: string;
  line?: number;
  /** The environment variable the bad value came from (it overrides `file`'s field); no line then. */
  env?: string;
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
  const where = i.env
    ? `environment variable ${i.env} (overrides ${i.file})`
    : `${i.file}${i.line ? `:${i.line}` : ''}`;
  return `${where}: ${i.path || '(file)'}: ${i.message}`;
}

export interface Config {
  app: AppConfig;
  sources: readonly SourceEntry[];
  topics: TopicsFile;
  /** config/tags.yaml (commodity and country lexicons); required: an absent file is a configuration error. */
  tags: TagsFile;
  /** config/glossary.yaml (aligned terms for translation and the 关键词 line); absent file: no entries. */
  glossary: GlossaryFile;
  dir: string;
}

export interface LoadOptions {
  /**
   * Folder holding geointel.yaml, sources.yaml, topics.yaml and tags.yaml. Default: GEOINTEL_CONFIG_DIR or
   * ./config.
   */
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

/** Applies the environment overrides to the raw app file; returns which variable set which field path. */
function applyEnv(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Array<{ name: string; path: string[]; value: string }> {
  const applied: Array<{ name: string; path: string[]; value: string }> = [];
  for (const { name, path } of envVariables()) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    applied.push({ name, path, value });
    let node = raw;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
  return applied;
}

/** Variables whose values are not repeated in messages (credentials may hide in them). */
const SECRET_VARIABLE = /PASS|SECRET|TOKEN|KEY|URL|USER/i;

/**
 * Blames the issues of fields an environment variable set on that variable, not on a line of the file it
 * overrides (the file may not even mention the field).
 */
function blameEnv(
  issues: ConfigIssue[],
  from: number,
  applied: ReadonlyArray<{ name: string; path: string[]; value: string }>,
): void {
  for (const issue of issues.slice(from)) {
    const v = applied.find(
      (a) => issue.path === a.path.join('.') || issue.path.startsWith(`${a.path.join('.')}[`),
    );
    if (!v) continue;
    issue.env = v.name;
    delete issue.line;
    if (!SECRET_VARIABLE.test(v.name) && v.value.length <= 40)
      issue.message = `${issue.message} (${v.name}=${JSON.stringify(v.value)})`;
  }
}

interface YamlFile {
  data: unknown;
  lineOf(path: PropertyKey[]): number | undefined;
}

/**
 * Reads one YAML file. `optional` files may be absent; a required one that is absent is an issue whose
 * message says what the file holds (`missing`).
 */
function readYaml(
  file: string,
  issues: ConfigIssue[],
  opts: { optional?: boolean; missing?: string } = {},
): YamlFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const absent = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (opts.optional && absent) return undefined;
    issues.push({
      file,
      path: '',
      message: absent
        ? `file not found${opts.missing ? `: ${opts.missing}` : ''}`
        : `cannot read: ${(err as Error).message}`,
    });
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
 * The one configuration door: reads the YAML files (geointel.yaml and glossary.yaml may be absent), applies environment
 * overrides, validates all of them and returns a deep-frozen object. Throws ConfigError listing every problem
 * in every file; a bad value from a GEOINTEL_* variable is blamed on the variable.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const dir = resolve(opts.dir ?? env.GEOINTEL_CONFIG_DIR ?? 'config');
  const issues: ConfigIssue[] = [];

  const appFile = join(dir, 'geointel.yaml');
  // Optional by design: every field has a default, and GEOINTEL_* variables can set all of them.
  const appYaml = readYaml(appFile, issues, { optional: true });
  const appRaw = structuredClone((appYaml?.data ?? {}) as Record<string, unknown>);
  if (typeof appRaw !== 'object' || Array.isArray(appRaw)) {
    issues.push({ file: appFile, path: '', message: 'must be a mapping' });
  }
  const applied = applyEnv(appRaw, env);
  const appIssuesFrom = issues.length;
  const app = validate(AppSchema, appRaw, appFile, appYaml, issues);
  blameEnv(issues, appIssuesFrom, applied);

  const sourcesFile = join(dir, 'sources.yaml');
  const sourcesYaml = readYaml(sourcesFile, issues, { missing: 'the source registry' });
  const sources = sourcesYaml
    ? validate(SourcesFileSchema, sourcesYaml.data, sourcesFile, sourcesYaml, issues)
    : undefined;

  const topicsFile = join(dir, 'topics.yaml');
  const topicsYaml = readYaml(topicsFile, issues, {
    missing: 'the taxonomy, lexicons and relevance gate of the classifier',
  });
  const topics = topicsYaml
    ? validate(TopicsFileSchema, topicsYaml.data, topicsFile, topicsYaml, issues)
    : undefined;

  const tagsFile = join(dir, 'tags.yaml');
  // Required: without it every record would silently lose its commodity and country tags.
  const tagsYaml = readYaml(tagsFile, issues, {
    missing:
      'the commodity and country lexicons; without them no item is tagged. Restore it, or write "commodities: {}" and "countries: {}" into it to turn tagging off',
  });
  const tags = tagsYaml ? validate(TagsFileSchema, tagsYaml.data, tagsFile, tagsYaml, issues) : undefined;

  const glossaryFile = join(dir, 'glossary.yaml');
  // Optional: without it nothing is protected in translations and the 关键词 line shows tags only.
  const glossaryYaml = readYaml(glossaryFile, issues, { optional: true });
  const glossary = glossaryYaml
    ? validate(GlossaryFileSchema, glossaryYaml.data, glossaryFile, glossaryYaml, issues)
    : { entries: [] };
  if (glossaryYaml && tags) checkGlossaryTags(glossaryYaml, tags, glossaryFile, issues);
  if (app) resolveTranslationKey(app, env, appFile, issues);

  if (issues.length > 0 || !app || !sources || !topics || !tags || !glossary) throw new ConfigError(issues);
  return deepFreeze({ app, sources: sources.sources, topics, tags, glossary, dir });
}

/**
 * A glossary entry's `tag` must name a commodity of tags.yaml (it labels that tag on the 关键词 line), unless
 * tagging is off (no commodities at all). Checked on the file as read, so that it is reported with the file's
 * other problems.
 */
function checkGlossaryTags(yaml: YamlFile, tags: TagsFile, file: string, issues: ConfigIssue[]): void {
  const entries = (yaml.data as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries) || Object.keys(tags.commodities).length === 0) return;
  entries.forEach((e: unknown, i) => {
    const tag = (e as { tag?: unknown } | null)?.tag;
    if (typeof tag === 'string' && !Object.hasOwn(tags.commodities, tag)) {
      const path = ['entries', i, 'tag'];
      issues.push({
        file,
        path: pathString(path),
        line: yaml.lineOf(path),
        message: `"${tag}" is not a commodity of tags.yaml`,
      });
    }
  });
}

/**
 * `translation.apiKeyEnv` names the variable holding the backend's key (e.g. OPENAI_API_KEY): the config door
 * reads it once, into `translation.apiKey`, unless GEOINTEL_TRANSLATION_API_KEY set that already. A backend
 * configured with a named variable that is not set is a configuration error (the message never shows a value).
 */
function resolveTranslationKey(
  app: AppConfig,
  env: Record<string, string | undefined>,
  file: string,
  issues: ConfigIssue[],
): void {
  const t = app.translation;
  if (t.backend === 'none' || t.apiKey || !t.apiKeyEnv) return;
  const key = env[t.apiKeyEnv];
  if (key) t.apiKey = key;
  else
    issues.push({
      file,
      path: 'translation.apiKeyEnv',
      message: `the environment variable ${t.apiKeyEnv} named here holds no API key (set it, or remove apiKeyEnv for a backend without one)`,
    });
}
