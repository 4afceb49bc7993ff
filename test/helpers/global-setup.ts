/**
 * vitest's global setup: one folder for every temporary folder of the run (helpers/tmp.ts), removed
 * when the run ends, whatever the test files did.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlog-test-run-'));
  process.env.AGENTLOG_TEST_RUN_DIR = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
