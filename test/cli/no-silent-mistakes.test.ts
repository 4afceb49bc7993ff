import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportEvents } from '../../core/export/index.js';
import { Store } from '../../core/index.js';
import { cli, cliOk, storeWithSession } from '../helpers/cli.js';
import { sharedFixtures } from '../helpers/shared.js';
import { git, tmpdir } from '../helpers/tmp.js';

// No silent mistakes (issue 19, point 4), end to end through the CLI on real stores and real
// session files (the project's own fixtures, and ../shared/fixtures when it is there).

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const CLAUDE = path.join(FIXTURES, 'agents/claude-code-2.1.332/8508e415-7387-4376-9c1e-2d5d6c8aa097.jsonl');
const CODEX = path.join(FIXTURES, 'agents/codex-0.171.0/rollout-2026-12-02T20-33-33-01a23876-68de-78c2-a760-1bb3076db507.jsonl');

/** Files of one agent offered to the other's import; each must be refused with nothing written. */
async function expectRefused(file: string, wrong: 'claude' | 'codex', right: 'claude' | 'codex'): Promise<void> {
  const dir = tmpdir();
  await cliOk(dir, ['init']);
  const r = await cli(dir, ['import', wrong, file]);
  expect(r.code, file).toBe(1);
  expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
  expect(r.err).toContain(file);
  expect(r.err).toContain(`agentlog import ${right} `);
  expect(git(path.join(dir, '.agentlog'), ['for-each-ref', '--format=%(refname)', 'refs/heads/']).trim()).toBe('refs/heads/agentlog@store'); // the store's own branch only: no timeline
}

describe('no silent mistakes', () => {
  it('import claude refuses a Codex rollout, and import codex a Claude Code session, in one line naming the file and the command', async () => {
    await expectRefused(CODEX, 'claude', 'codex');
    await expectRefused(CLAUDE, 'codex', 'claude');
    // the right command still imports it
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    expect((await cliOk(dir, ['import', 'codex', CODEX])).err).not.toContain('not a');
  });

  const shared = sharedFixtures();
  if (shared) {
    it('refuses every real session file of ../shared/fixtures offered to the other agent', async () => {
      const walk = (d: string): string[] =>
        fs
          .readdirSync(d, { withFileTypes: true })
          .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.jsonl') ? [path.join(d, e.name)] : []));
      const codex = walk(path.join(shared, 'codex'));
      const claude = walk(path.join(shared, 'claude-code')).filter((f) => !f.includes(`${path.sep}subagents${path.sep}`));
      expect(codex.length).toBeGreaterThan(0);
      expect(claude.length).toBeGreaterThan(0);
      for (const f of codex) await expectRefused(f, 'claude', 'codex');
      for (const f of claude) await expectRefused(f, 'codex', 'claude');
    });
  }

  it('resume --cwd refuses a folder that does not exist, and writes nothing', async () => {
    const { dir, name } = await storeWithSession({ messages: ['hello'] });
    const home = tmpdir();
    const missing = path.join(tmpdir(), 'no-such-project');
    const r = await cli(dir, ['resume', name, '--with', 'claude', '--cwd', missing], { env: { HOME: home } });
    expect(r.code).toBe(1);
    expect(r.err).toBe(`agentlog resume: --cwd ${missing}: no such folder (the agent resumes in it: make it, or name another)\n`);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('a Claude Code session exported as Codex names its folder, never an empty cwd; a timeline with none gets the project folder of the store', async () => {
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    await cliOk(dir, ['import', 'claude', CLAUDE]);
    const out = (await cliOk(dir, ['export', 'codex', 'claude/8508'])).out;
    const meta = JSON.parse(out.split('\n')[0]);
    expect(meta.type).toBe('session_meta');
    const recorded = JSON.parse(
      fs
        .readFileSync(CLAUDE, 'utf8')
        .split('\n')
        .find((l) => l.includes('"cwd"'))!,
    ).cwd;
    expect(meta.payload.cwd).toBe(recorded);
    expect(out).not.toContain('"cwd":""');

    // A timeline made here records no cwd: the folder that holds the store, said on stderr.
    const made = await storeWithSession({ messages: ['hello'] });
    const none = await cliOk(made.dir, ['export', 'codex', made.name]);
    expect(JSON.parse(none.out.split('\n')[0]).payload.cwd).toBe(made.dir);
    expect(none.err).toBe(`agentlog export: the timeline records no cwd; wrote ${made.dir} (the folder that holds the store; --cwd DIR names another)\n`);
    // and the library, given no folder at all, refuses rather than write an empty one
    const events = Store.open(path.join(made.dir, '.agentlog')).readEvents(git(path.join(made.dir, '.agentlog'), ['rev-parse', made.name]).trim());
    expect(() => exportEvents(events, 'codex')).toThrow(/records no working folder \(cwd\)/);
    const given = await cliOk(made.dir, ['export', 'codex', made.name, '--cwd', dir]);
    expect(JSON.parse(given.out.split('\n')[0]).payload.cwd).toBe(dir);
  });

  it('show and export of a timeline failing verification warn once on stderr with the seq and the command; a sound one is marked verified', async () => {
    const { dir, name } = await storeWithSession({ messages: ['one', 'two'] });
    const store = path.join(dir, '.agentlog');
    const sound = await cliOk(dir, ['show', name]);
    expect(sound.err).toBe('');
    const marks = fs.readFileSync(path.join(store, '.git', 'agentlog', 'verified.json'), 'utf8');
    expect(marks).toContain(git(store, ['rev-parse', name]).trim());
    // A commit made with plain git on top of the timeline, claiming an event its tree does not hold.
    const cid1 = JSON.parse((await cliOk(dir, ['log', name, '--json'])).out)[1].cid['/'];
    const forged = git(store, ['commit-tree', `${name}^{tree}`, '-p', name, '-m', `forged\n\nAgentlog-Event: ${cid1}\nAgentlog-Seq: 3`]).trim();
    git(store, ['update-ref', `refs/heads/${name}`, forged]);
    for (const args of [
      ['show', name],
      ['export', 'claude', name],
    ]) {
      const r = await cli(dir, args);
      const warnings = r.err.split('\n').filter((l) => l.includes('fails verification'));
      expect(warnings, r.err).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(
          `^agentlog: warning: timeline ${name} fails verification at seq \\d+ \\(commit ${forged.slice(0, 12)}\\): .+; run: agentlog verify ${name}$`,
        ),
      );
    }
    // what is below the forged commit is still sound, and read without a warning
    expect((await cliOk(dir, ['show', `${name}@2`])).err).toBe('');
  });
});
