/**
 * reports/hardening.json: what the chaos suite measured, the figures other suites measured (read from vitest's
 * JSON report, `meta.hardening` of each test: tests/helpers/hardening.ts), and one check per acceptance row with
 * its target. Written by the suite on every run, passing or not; never edited by hand. Format:
 * docs/reliability.md §Chaos suite.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';

/** The suites whose tests report acceptance figures (the browser suite too once it exists). */
export const FIGURE_SUITES = [
  'tests/unit/fetch-ssrf.test.ts',
  'tests/unit/parse-charset.test.ts',
  'tests/unit/charset-http.test.ts',
  'tests/integration/web-xss.test.ts',
];

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{
    name: string;
    status: string;
    assertionResults: Array<{
      fullName: string;
      status: string;
      meta?: { hardening?: Record<string, number> };
    }>;
  }>;
}

export interface SuiteFigures {
  /** Where the figures came from: `run` (this suite ran the files) or the JSON report read. */
  source: string;
  files: string[];
  /** Tests that reported figures, and how many of them failed. */
  tests: number;
  failed: string[];
  figures: Record<string, number>;
}

/** Sums `meta.hardening` over every test of a vitest JSON report (tests of any file that reported figures). */
export function figuresOf(report: VitestJson, source: string, root: string): SuiteFigures {
  const figures: Record<string, number> = {};
  const files = new Set<string>();
  const failed: string[] = [];
  let tests = 0;
  for (const file of report.testResults)
    for (const t of file.assertionResults) {
      const h = t.meta?.hardening;
      if (!h) continue;
      tests++;
      files.add(relative(root, file.name));
      if (t.status !== 'passed') failed.push(t.fullName);
      for (const [k, v] of Object.entries(h)) figures[k] = (figures[k] ?? 0) + v;
    }
  return { source, files: [...files].sort(), tests, failed, figures };
}

/** Runs the figure suites (and tests/browser/ when present) with vitest's JSON reporter, then reads them. */
export function runFigureSuites(root: string, outFile: string): SuiteFigures {
  const browser = join(root, 'tests/browser');
  const files = [
    ...FIGURE_SUITES,
    ...(existsSync(browser)
      ? readdirSync(browser)
          .filter((f) => f.endsWith('.test.ts'))
          .map((f) => `tests/browser/${f}`)
      : []),
  ];
  mkdirSync(dirname(outFile), { recursive: true });
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      ...files,
      '--reporter=json',
      `--outputFile=${outFile}`,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10 * 60_000 },
  );
  if (!existsSync(outFile))
    throw new Error(`figure suites wrote no report (exit ${run.status}): ${run.stderr?.slice(-2000)}`);
  return figuresOf(JSON.parse(readFileSync(outFile, 'utf8')), 'run', root);
}

export interface Check {
  name: string;
  value: number | null;
  /** `= 0`, `≤ 10000`, `≥ 20` … */
  target: string;
  pass: boolean;
}

export function check(
  name: string,
  value: number | null | undefined,
  op: '=' | '≤' | '≥',
  bound: number,
): Check {
  const v = value === undefined ? null : value;
  const pass = v !== null && (op === '=' ? v === bound : op === '≤' ? v <= bound : v >= bound);
  return { name, value: v, target: `${op} ${bound}`, pass };
}

export interface HardeningReport {
  schema: 'geointel.hardening/1';
  mode: 'short' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; node: string; loadAverage: number[] };
  /** What ran: intake, faults, load. */
  run: Record<string, unknown>;
  /** What was measured (counts, times, memory). */
  figures: Record<string, unknown>;
  suites: SuiteFigures | { error: string };
  checks: Check[];
  pass: boolean;
}

export function machine() {
  return {
    cpus: os.cpus().length,
    node: process.version,
    loadAverage: os.loadavg().map((n) => Number(n.toFixed(2))),
  };
}

/** The checks as a plain-text table (what the suite prints and the closing note quotes). */
export function table(report: HardeningReport): string {
  const rows = report.checks.map((c) => [
    c.pass ? 'ok' : 'FAIL',
    c.name,
    c.value === null ? '—' : String(c.value),
    c.target,
  ]);
  const head = ['', 'check', 'measured', 'target'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    `hardening (${report.mode}) ${report.startedAt} → ${report.finishedAt}: ${report.pass ? 'PASS' : 'FAIL'}`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

export function writeReport(path: string, report: HardeningReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
