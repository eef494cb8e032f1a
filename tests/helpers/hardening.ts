/**
 * Figures a test contributes to `reports/hardening.json` (docs/reliability.md §Chaos suite): a test that
 * measures one of the acceptance counts — internal-fixture hits over the SSRF table, U+FFFD over the charset
 * fixtures, scripts and dialogs over the XSS corpus — records what it measured on its own task's meta, under
 * `hardening`. vitest's JSON reporter carries the meta of every test; the chaos runner sums each figure over the
 * tests that passed. The figure is the value the test computed and asserted on, never a constant.
 */
import { getCurrentTest } from 'vitest/suite';

declare module '@vitest/runner' {
  interface TaskMeta {
    /** Figure name → value measured by this test (summed over tests by tests/chaos/report.ts). */
    hardening?: Record<string, number>;
  }
}

/** Adds `figures` to the current test's `meta.hardening` (several calls in one test add up). */
export function reportFigures(figures: Record<string, number>): void {
  const task = getCurrentTest();
  if (!task) throw new Error('reportFigures() is called inside a test');
  task.meta.hardening ??= {};
  const into = task.meta.hardening;
  for (const [name, value] of Object.entries(figures)) {
    if (!Number.isFinite(value)) throw new Error(`figure ${name} is not a number: ${value}`);
    into[name] = (into[name] ?? 0) + value;
  }
}
