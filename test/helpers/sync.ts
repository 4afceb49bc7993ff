import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { Store } from '../../core/store/store.js';
import { cli as runCli, cliOk, storeWithSession, type CliOptions } from './cli.js';
import { tmpdir } from './tmp.js';

/** Shared by the sync suites (test/sync/): an isolated git environment, the CLI in it, and a machine with a session. */

const execFileAsync = promisify(execFile);
export const HOME = tmpdir('agentlog-sync-home-');
/** No user or system git config (no credential helper) leaks into the tests. */
export const ENV: NodeJS.ProcessEnv = { ...process.env, HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(HOME, 'gitconfig'), AGENTLOG_TOKEN: '' };
const GIT_ENV = { ...ENV, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

/** The git CLI without blocking the event loop (the HTTP server runs in this process). */
export async function gitAsync(cwd: string, args: string[]): Promise<string> {
  return (await execFileAsync('git', args, { cwd, env: GIT_ENV, maxBuffer: 1 << 28 })).stdout;
}

/** The CLI in-process (test/helpers/cli.ts), in ENV unless told otherwise. */
export const cli = (cwd: string, args: string[], opts: CliOptions = {}) => runCli(cwd, args, { env: ENV, ...opts });
/** The same, expecting exit code 0. */
export const ok = (cwd: string, args: string[], opts: CliOptions = {}) => cliOk(cwd, args, { env: ENV, ...opts });

/** A machine with a store (.agentlog) holding one session with a few messages; returns the timeline. */
export const machineWithSession = (title = 'Fix login', messages = ['Login fails with 500', 'Looking at the handler']) =>
  storeWithSession({ title, messages, env: ENV });

/** The CIDs of the events of `rev` in the store at `dir`. */
export function events(dir: string, rev: string): string[] {
  const store = Store.open(dir);
  return store.readEvents(store.tipOf(rev)!).map((e) => e.cid.toString());
}

/** One clear line naming the remote (and `why`, when given): exit code 1, no internal error, no stack trace. */
export function expectClearFailure(r: { code: number; err: string }, command: string, url: string, why?: RegExp): void {
  expect(r.err, r.err).not.toContain('internal error');
  expect(r.err, r.err).not.toMatch(/\n\s+at /);
  expect(r.code, r.err).toBe(1);
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0].startsWith(`agentlog ${command}: `), r.err).toBe(true);
  expect(lines[0], r.err).toContain(url);
  if (why) expect(lines[0], r.err).toMatch(why);
}
