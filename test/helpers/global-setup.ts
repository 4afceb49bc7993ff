/**
 * vitest's global setup: one folder for every temporary folder of the run (helpers/tmp.ts), removed
 * when the run ends, whatever the test files did; and one line when ../shared/fixtures is absent.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SHARED_ABSENT, SHARED_FIXTURES } from './shared.js';

export default function setup(): () => void {
  // Once per run, not once per suite that would have read them (helpers/shared.ts).
  if (!fs.existsSync(SHARED_FIXTURES)) console.log(SHARED_ABSENT);
  return runDir();
}

/** The run's folder for temporary folders (AGENTLOG_TEST_RUN_DIR); returns its removal. */
export function runDir(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlog-test-run-'));
  process.env.AGENTLOG_TEST_RUN_DIR = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
