import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Every folder a test makes lies in one folder of the run (test/helpers/global-setup.ts makes it and
 * removes it when the run ends). Test files of one worker share one module graph (vitest.config.ts:
 * isolate false), so a per-file afterAll here would be registered once only.
 */
const RUN_DIR = process.env.AGENTLOG_TEST_RUN_DIR ?? os.tmpdir();

/** A fresh temporary folder, removed when the test run ends. */
export function tmpdir(prefix = 'agentlog-test-'): string {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  return fs.mkdtempSync(path.join(RUN_DIR, prefix));
}

/** Run the real git CLI in `cwd`; returns stdout. Throws with git's stderr on failure. */
export function git(cwd: string, args: string[], opts: ExecFileSyncOptions = {}): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: os.tmpdir(),
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
    ...opts,
  }) as string;
}

/** A deterministic clock: each call is one millisecond later. */
export function clock(start = 1_750_000_000_000): () => number {
  let t = start;
  return () => t++;
}
