import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliOk, storeWithSession } from '../helpers/cli.js';
import { git } from '../helpers/tmp.js';

// Revisions people can type (issue 19, point 2), end to end through the CLI on a real store read
// back with the real git CLI.

/** The store's git folder of a store made by storeWithSession (`.agentlog/` in the folder). */
const storeOf = (dir: string) => path.join(dir, '.agentlog');

async function logIds(dir: string, rev: string): Promise<string[]> {
  return (await cliOk(dir, ['log', rev])).out
    .trim()
    .split('\n')
    .map((l) => l.split('\t')[1]);
}

describe('revisions people can type', () => {
  it('a unique prefix of a timeline name, and an ambiguous one listing its candidates', async () => {
    const { dir } = await storeWithSession({ title: 'Fix login', messages: ['why does login fail?'] });
    await cliOk(dir, ['new', '--title', 'Fix logout']);
    const unique = await cliOk(dir, ['show', 'fix-logi']);
    expect(unique.out).toContain('why does login fail?');
    const amb = await cli(dir, ['show', 'fix-log']);
    expect(amb.code).toBe(1);
    expect(amb.err).toContain('"fix-log" is ambiguous; it matches 2:');
    expect(amb.err).toContain('timeline fix-login');
    expect(amb.err).toContain('timeline fix-logout');
    // NAME@N takes a prefix too
    expect((await cliOk(dir, ['log', 'fix-logi@0'])).out.trim().split('\n')).toHaveLength(1);
  });

  it('lists at most ten candidates of an ambiguous prefix, and says how many more', async () => {
    const { dir } = await storeWithSession({ title: 'task 0' });
    for (let i = 1; i < 12; i++) await cliOk(dir, ['new', '--title', `task ${i}`]);
    const r = await cli(dir, ['log', 'task-']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('it matches 12:');
    expect(r.err.split('\n').filter((l) => l.startsWith('  timeline task-'))).toHaveLength(10);
    expect(r.err).toContain('… and 2 more');
  });

  it('the short ids log prints are accepted by cat, show and log, as are CID prefixes and commit prefixes', async () => {
    const { dir, name } = await storeWithSession({ messages: ['one', 'two', 'three'] });
    const ids = await logIds(dir, name);
    expect(ids).toHaveLength(4);
    const full = JSON.parse((await cliOk(dir, ['log', name, '--json'])).out) as Array<{ cid: { '/': string } }>;
    for (const [seq, id] of ids.entries()) {
      const cat = JSON.parse((await cliOk(dir, ['cat', id])).out);
      expect(cat.cid['/']).toBe(full[seq].cid['/']);
      expect(cat.seq).toBe(seq);
    }
    // show SHORT: the timeline as of that event
    const at2 = await cliOk(dir, ['show', ids[2], '--records', '--json']);
    expect(JSON.parse(at2.out)).toHaveLength(3);
    // a prefix of the whole CID (past the common bafyrei) names the event too
    const cid1 = full[1].cid['/'];
    expect(JSON.parse((await cliOk(dir, ['cat', cid1.slice(0, 16)])).out).seq).toBe(1);
    // a commit id prefix, as git prints it
    const commit = git(storeOf(dir), ['log', '--format=%h', '-n', '1', '--skip', '1', name]).trim();
    expect(JSON.parse((await cliOk(dir, ['cat', commit])).out).seq).toBe(2);
    // a short id that names nothing
    const none = await cli(dir, ['cat', 'zzzzzzzz']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('"zzzzzzzz" names no timeline, commit or event');
  });

  it('NAME~N, NAME^ and NAME^^ count events back, as git counts commits', async () => {
    const { dir, name } = await storeWithSession({ messages: ['one', 'two', 'three'] });
    const length = async (rev: string) => JSON.parse((await cliOk(dir, ['log', rev, '--json'])).out).length;
    expect(await length(name)).toBe(4);
    expect(await length(`${name}^`)).toBe(3);
    expect(await length(`${name}~`)).toBe(3);
    expect(await length(`${name}^^`)).toBe(2);
    expect(await length(`${name}~3`)).toBe(1);
    expect(await length(`${name}@2~1`)).toBe(2);
    expect(await length('fix-lo~2')).toBe(2);
    const commit = git(storeOf(dir), ['rev-parse', `${name}~2`]).trim();
    const fork = await cliOk(dir, ['fork', `${name}~2`, '--name', 'back-two']);
    expect(fork.out.trim()).toBe('back-two');
    expect(git(storeOf(dir), ['rev-parse', 'back-two']).trim()).toBe(commit);
    const tooFar = await cli(dir, ['log', `${name}~4`]);
    expect(tooFar.code).toBe(1);
    expect(tooFar.err).toContain('has 3 event(s) before seq 3, not 4');
  });

  it('read commands without REV read the last appended timeline, or the checked-out one, and say which', async () => {
    // Each CLI run of the tests starts the same clock: the events say when they happened.
    const say = (name: string, text: string, ts: number) =>
      cliOk(dir, ['append', name, '--json', '-'], { stdin: JSON.stringify({ kind: 'message', role: 'user', content: [{ type: 'text', text }], ts }) });
    const { dir } = await storeWithSession({ title: 'first', messages: ['in first'] });
    await cliOk(dir, ['new', '--title', 'second']);
    await say('second', 'in second', 1_900_000_000_000);
    const show = await cliOk(dir, ['show']);
    expect(show.out).toContain('in second');
    expect(show.err).toBe('agentlog: reading second (the timeline appended to last; name another: agentlog ls)\n');
    await say('first', 'first again', 1_900_000_001_000);
    expect((await cliOk(dir, ['log'])).err).toContain('reading first (the timeline appended');
    // A person checks one out with git: that is what read commands show from then on.
    git(storeOf(dir), ['checkout', '-q', 'second']);
    const checked = await cliOk(dir, ['show']);
    expect(checked.out).toContain('in second');
    expect(checked.err).toBe('agentlog: reading second@1 (checked out: HEAD)\n');
  });

  it('@{-N} names the timeline appended to N before the last one, and composes with ~N', async () => {
    const say = (name: string, text: string, ts: number) =>
      cliOk(dir, ['append', name, '--json', '-'], { stdin: JSON.stringify({ kind: 'message', role: 'user', content: [{ type: 'text', text }], ts }) });
    const { dir } = await storeWithSession({ title: 'first', messages: ['in first'] });
    await cliOk(dir, ['new', '--title', 'second']);
    await cliOk(dir, ['new', '--title', 'third']);
    await say('third', 'in third', 1_900_000_000_000);
    await say('first', 'first again', 1_900_000_001_000);
    await say('second', 'in second', 1_900_000_002_000);
    // Last appended: second; before it first; before that third.
    expect((await cliOk(dir, ['show'])).out).toContain('in second');
    expect((await cliOk(dir, ['show', '@{-1}'])).out).toContain('first again');
    expect((await cliOk(dir, ['show', '@{-2}'])).out).toContain('in third');
    expect(JSON.parse((await cliOk(dir, ['log', '@{-1}~1', '--json'])).out)).toHaveLength(2);
    const fork = await cliOk(dir, ['fork', '@{-1}', '--name', 'from-first']);
    expect(fork.out.trim()).toBe('from-first');
    expect(git(storeOf(dir), ['rev-parse', 'from-first']).trim()).toBe(git(storeOf(dir), ['rev-parse', 'first']).trim());
    const none = await cli(dir, ['show', '@{-9}']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('has 4 timeline(s), so no 9 appended to before the last one');
  });

  it('short ids are found through the commit index, which follows appends and is rebuilt when damaged', async () => {
    const { dir, name } = await storeWithSession({ messages: ['one'] });
    const file = path.join(storeOf(dir), '.git', 'agentlog', 'commits.idx');
    const first = await logIds(dir, name);
    await cliOk(dir, ['cat', first[1]]);
    expect(fs.existsSync(file)).toBe(true);
    const before = fs.statSync(file).size;
    await cliOk(dir, ['append', name, '--role', 'assistant', '--text', 'two']);
    const ids = await logIds(dir, name);
    expect(JSON.parse((await cliOk(dir, ['cat', ids[2]])).out).seq).toBe(2);
    expect(fs.statSync(file).size).toBe(before + 64); // one commit more: one 64-byte entry
    fs.writeFileSync(file, 'ALK1 not an index at all');
    expect(JSON.parse((await cliOk(dir, ['cat', ids[2]])).out).seq).toBe(2);
    expect(fs.readFileSync(file, 'latin1').startsWith('ALK1')).toBe(true);
    expect(fs.statSync(file).size).toBe(before + 64);
  });
});
