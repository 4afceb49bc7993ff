import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ../shared/fixtures (real data no one here wrote) exists in this workplace and in CI, not in a
 * user's clone. Suites that read it call sharedFixtures(): when it is absent they print one line and
 * their shared cases are not registered; the project's own small fixtures cover the same ground.
 */
const SHARED_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');

export function sharedFixtures(suite: string): string | undefined {
  if (fs.existsSync(SHARED_FIXTURES)) return SHARED_FIXTURES;
  console.log(`[${suite}] ../shared/fixtures not found: shared-fixture cases not run (the project's own fixtures still are)`);
  return undefined;
}
