/**
 * Issue 17, point 6 (the local half): untrusted text must be parsed in linear time. A commit's author
 * line comes from a store or a remote, a model name from event text; each of these once went through
 * a regex that backtracked quadratically (a 300 KB author line: `log`, `show`, `verify` ~23 s and more;
 * a 200 KB model name: one append ~19 s and more). Each case runs the real CLI in a child process under
 * a generous timeout: it must finish (no assertion on speed beyond that).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCommit, serializeCommit } from '../../core/git/commit.js';
import { emailSlug } from '../../core/store/buildCommit.js';
import { cliOk } from '../helpers/cli.js';
import { git, tmpdir } from '../helpers/tmp.js';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');
/** Far above what the linear code needs, far below what the quadratic code took. */
const LIMIT_MS = 20_000;

function agentlog(cwd: string, args: string[], input = '') {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input, encoding: 'utf8', timeout: LIMIT_MS, env: { ...process.env, NO_COLOR: '1' } });
  // A process killed by the timeout has no status: it did not finish.
  expect(r.signal, `agentlog ${args[0]} did not finish within ${LIMIT_MS} ms`).toBeNull();
  return r;
}

/** A store holding one session whose tip commit's author line is replaced by `author` (written with `git hash-object --literally`). */
async function storeWithAuthor(author: string): Promise<{ dir: string; name: string; gitDir: string }> {
  const dir = tmpdir();
  await cliOk(dir, ['init']);
  const name = (await cliOk(dir, ['new', '--title', 'Long author'])).out.trim().split('\n').pop()!;
  const gitDir = path.join(dir, '.agentlog');
  const ref = `refs/heads/${name}`;
  const tip = git(gitDir, ['rev-parse', ref]).trim();
  const body = git(gitDir, ['cat-file', 'commit', tip]).replace(/^author .*$/m, `author ${author}`);
  const oid = git(gitDir, ['hash-object', '-t', 'commit', '-w', '--literally', '--stdin'], { input: body }).trim();
  git(gitDir, ['update-ref', ref, oid, tip]);
  return { dir, name, gitDir };
}

describe('linear-time parsing of untrusted text (issue 17, point 6)', () => {
  it('log, show and verify finish on a 300 KB author line that does not parse, and name the commit', async () => {
    const { dir, name } = await storeWithAuthor(`x${' <'.repeat(150_000)}> 1 +0000 x`);
    for (const args of [['log', name], ['show', name], ['verify']]) {
      const r = agentlog(dir, args);
      expect(r.status, `agentlog ${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/corrupt/);
    }
  });

  it('log, show and verify finish on a 300 KB author line that parses', async () => {
    // A name of 150 000 " <" and an email with U+2028: git accepts both; the old regex's `.` stopped at U+2028.
    const { dir, name } = await storeWithAuthor(`x${' <'.repeat(150_000)} <e\u2028> 1 +0000`);
    for (const args of [['log', name], ['show', name], ['verify']]) {
      const r = agentlog(dir, args);
      expect(r.status, `agentlog ${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it('an append with a 200 KB model name finishes, and its commit email is the slug', async () => {
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    const name = (await cliOk(dir, ['new', '--title', 'Long model'])).out.trim().split('\n').pop()!;
    const model = `x${'-'.repeat(200_000)}y`;
    const event = { kind: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'hi' }] };
    const r = agentlog(dir, ['append', name, '--json', '-'], JSON.stringify(event));
    expect(r.status, r.stderr).toBe(0);
    const email = git(path.join(dir, '.agentlog'), ['log', '-1', '--format=%ae', `refs/heads/${name}`]).trim();
    expect(email).toBe(`${model}@agentlog`);
  });

  it('emailSlug: lowercase, [a-z0-9._-] only, no "-" at either end, "agent" when empty', () => {
    expect(emailSlug('Claude Sonnet 4.5')).toBe('claude-sonnet-4.5');
    expect(emailSlug('--a--b--')).toBe('a--b');
    expect(emailSlug('  ')).toBe('agent');
    expect(emailSlug('---')).toBe('agent');
    expect(emailSlug('')).toBe('agent');
    expect(emailSlug('Ünïcode/model')).toBe('n-code-model');
  });

  it('a signature with \\r or U+2028 in its name or email reads back as written', () => {
    const sig = { name: 'a\u2028b', email: 'e\u2029f', time: 5, tz: '-0130' };
    const c = { tree: 'a'.repeat(40), parents: [], author: sig, committer: { ...sig, name: 'n\u2028m' }, message: 'm\n' };
    expect(parseCommit(serializeCommit(c))).toEqual(c);
  });
});
