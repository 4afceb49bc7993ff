import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ../shared/fixtures (real data no one here wrote) exists in this workplace and in CI, not in a
 * user's clone. Suites that read it call sharedFixtures(): when it is absent their shared cases are
 * not registered (the project's own small fixtures cover the same ground), and the run says so once,
 * in words (global-setup.ts prints SHARED_ABSENT), not once per suite.
 */
export const SHARED_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');

export const SHARED_ABSENT =
  'note: the test cases that read real Claude Code and Codex sessions were not run: they need the folder ' +
  `${SHARED_FIXTURES}, which only the project's own machines and CI have; every other test runs, on the repository's own fixtures.`;

export function sharedFixtures(): string | undefined {
  return fs.existsSync(SHARED_FIXTURES) ? SHARED_FIXTURES : undefined;
}
