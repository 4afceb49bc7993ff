import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real agents run in their own suite (npm run test:agents, vitest.agents.config.ts), and so
    // do the installs (npm run test:install, vitest.install.config.ts).
    exclude: ['test/agents/**', 'test/install/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn git and node processes; two cores here.
    maxWorkers: 2,
    // Test files of one worker share its module graph instead of loading core again for each of the
    // 55 files: 74 s instead of ~94 s here. Tests keep their state in their own temporary folders.
    isolate: false,
    globalSetup: ['test/helpers/global-setup.ts'],
    // The CLI processes tests spawn run their automatic gc before they exit (cli/autoGc.ts), so no
    // detached gc outlives a test or races its checks; test/cli/gc.test.ts tests the detached one.
    // The secrets scan after a capture or an import (cli/autoScan.ts) is off but where a test turns it
    // on (test/secrets/flags.test.ts): loading the rule set in every CLI run would double the suite.
    env: { AGENTLOG_AUTO_GC: 'wait', AGENTLOG_AUTO_SCAN: 'off' },
  },
});
