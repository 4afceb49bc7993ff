import { defineConfig } from 'vitest/config';

/**
 * The real agents (test/agents/): Claude Code and Codex CLI as installed by test/agents/setup.sh, run
 * against a scripted model server. Not part of `npm test`: `npm run test:agents`.
 */
export default defineConfig({
  test: {
    include: ['test/agents/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // Each test runs several agent processes; two cores here.
    maxWorkers: 2,
    // As in vitest.config.ts: no detached `agentlog gc --auto` outlives a test's folders.
    env: { AGENTLOG_AUTO_GC: 'wait', AGENTLOG_AUTO_SCAN: 'wait' },
    globalSetup: ['test/helpers/global-setup.ts', 'test/agents/require-agents.ts'],
  },
});
