import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure stages, no Redis, no network beyond loopback fixture servers; parallel) and
// `integration` (real Redis, BullMQ, child processes; one file at a time so timings are not skewed).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
