import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The chaos suite (`npm run test:chaos`; CI: CHAOS_SHORT=1): one long test that spawns the built CLI
// (`npm run build` first), kills and restarts processes, and writes reports/hardening.json.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/chaos/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 120_000,
  },
});
