import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOk } from '../helpers/cli.js';
import { tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

const server = useGitHttpServer();
/** git's CLI without blocking the event loop (the HTTP server runs in this process). */
const gitAsync = promisify(execFile);

describe('agentlog status', () => {
  it('the store, a real HTTP remote with timelines ahead, behind, diverged, not pushed and only there; capture; no invented findings', async () => {
    const home = tmpdir();
    const env = { HOME: home, CODEX_HOME: path.join(home, '.codex') };
    // Machine A: two timelines, pushed.
    const a = tmpdir();
    await cliOk(a, ['init'], { env });
    for (const t of ['one', 'two', 'three']) {
      await cliOk(a, ['new', '--title', t], { env });
      await cliOk(a, ['append', t, '--role', 'user', '--text', `${t} starts`], { env });
    }
    const url = server.bare('sessions.git');
    await cliOk(a, ['remote', 'add', 'origin', url], { env });
    await cliOk(a, ['push', 'origin'], { env });
    const fresh = JSON.parse((await cliOk(a, ['status', '--json'], { env })).out);
    expect(fresh.remotes).toEqual([{ name: 'origin', url, differ: [], upToDate: 3, notPushed: [], onlyThere: [] }]);

    // Machine B: one more event on "one" and on "three", a new timeline, all pushed.
    const b = path.join(tmpdir(), 'b');
    await cliOk(path.dirname(b), ['clone', url, b], { env });
    await cliOk(b, ['append', 'one', '--role', 'assistant', '--text', 'from B'], { env });
    await cliOk(b, ['append', 'three', '--role', 'assistant', '--text', 'from B'], { env });
    await cliOk(b, ['new', '--title', 'four'], { env });
    await cliOk(b, ['push', 'origin'], { env });

    // A: two events on "two", one on "three" (diverged from B's), a new timeline; then plain git fetch.
    for (const text of ['A1', 'A2']) await cliOk(a, ['append', 'two', '--role', 'assistant', '--text', text], { env });
    await cliOk(a, ['append', 'three', '--role', 'assistant', '--text', 'from A'], { env });
    await cliOk(a, ['new', '--title', 'five'], { env });
    await gitAsync('git', ['fetch', '-q', 'origin'], { cwd: path.join(a, '.agentlog') });

    const s = JSON.parse((await cliOk(a, ['status', '--json'], { env })).out);
    expect(s.store).toBe(fs.realpathSync(path.join(a, '.agentlog')));
    expect(s.timelines).toBe(4);
    expect(s.remotes[0].differ).toEqual([
      { name: 'one', ahead: 0, behind: 1, diverged: false },
      { name: 'three', ahead: 1, behind: 1, diverged: true },
      { name: 'two', ahead: 2, behind: 0, diverged: false },
    ]);
    expect(s.remotes[0]).toMatchObject({ upToDate: 0, notPushed: ['five'], onlyThere: ['four'] });
    expect(s.findings).toBeNull();
    expect(s.capture.map((c: { agent: string; scope: string; installed: boolean }) => [c.agent, c.scope, c.installed])).toEqual([
      ['claude', 'user', false],
      ['claude', 'project', false],
      ['codex', 'user', false],
    ]);

    const text = (await cliOk(a, ['status'], { env })).out;
    expect(text).toContain(`store     ${s.store} (4 timelines)\n`);
    expect(text).toContain(`remote    origin  ${url}  (as of the last push or pull)\n`);
    expect(text).toContain('  one  1 behind\n  three  diverged: 1 ahead, 1 behind (a pull keeps yours as a fork)\n  two  2 ahead\n');
    expect(text).toContain('  0 up to date; not pushed: five; only on origin: four\n  next: agentlog push origin, agentlog pull origin\n');
    expect(text).toContain('capture   claude (user): not installed   (agentlog capture install claude)\n');
    expect(text).not.toContain('findings');
    expect(text).not.toContain('\x1b[');

    // Capture installed for Claude Code into this store: status says so; a pull settles the remote.
    await cliOk(a, ['capture', 'install', 'claude'], { env });
    await cliOk(a, ['pull', 'origin'], { env });
    const after = (await cliOk(a, ['status'], { env })).out;
    expect(after).toContain('capture   claude (user): installed, into this store\n');
    expect(after).toContain('capture   codex (user): not installed');
    expect(after).not.toContain(' behind');
  });

  it('a store without remotes says how to add one', async () => {
    const a = tmpdir();
    await cliOk(a, ['init']);
    const text = (await cliOk(a, ['status'], { env: { HOME: tmpdir() } })).out;
    expect(text).toMatch(/^store {5}.* \(0 timelines\)\nremotes {3}none \(add one: agentlog remote add origin URL\)\n/);
  });
});
