import { defineConfig } from 'vitest/config';

/**
 * Installing agentlog (test/install/): `npm install -g .` and the `npm pack` tarball into temporary
 * prefixes, then the installed command run. Not part of `npm test` (npm itself takes 10-30 s here):
 * `npm run test:install`, which CI runs (.ci/run).
 */
export default defineConfig({
  test: {
    include: ['test/install/**/*.test.ts'],
    testTimeout: 300_000,
    maxWorkers: 2,
    env: { AGENTLOG_AUTO_GC: 'wait' },
    globalSetup: ['test/install/run-dir.ts'],
  },
});
