import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { bareRepo } from '../helpers/git-http-server.js';
import { cli, gitAsync, machineWithSession, ok } from '../helpers/sync.js';
import { git, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

/**
 * The allow list (refs/agentlog/allow) travels with agentlog push, pull and clone (core/sync/allow.ts),
 * over smart HTTP (protocol v2 and v0) and the git CLI; two lists that both changed are merged by a
 * commit naming both, holding the union; a hostile one is refused before anything is installed.
 */
const v2 = useGitHttpServer();
const v0 = useGitHttpServer({ protocolV2: false });

interface Remote {
  url: string;
  /** The bare repository behind it. */
  dir: string;
}
const REMOTES: Array<[string, (name: string) => Remote]> = [
  ['smart HTTP, protocol v2', (n) => ({ url: v2.bare(n), dir: path.join(v2.root, n) })],
  ['smart HTTP, protocol v0', (n) => ({ url: v0.bare(n), dir: path.join(v0.root, n) })],
  [
    'the git CLI (a folder)',
    (n) => {
      const dir = bareRepo(path.join(tmpdir(), n));
      return { url: dir, dir };
    },
  ],
];

let made = 0;
const F1 = '0123456789abcdef';
const F2 = 'fedcba9876543210';
const F3 = 'aaaabbbbccccdddd';

const store = (dir: string) => path.join(dir, '.agentlog');
const allowTip = (dir: string) => Store.open(store(dir)).readRef('refs/agentlog/allow');
async function allowList(dir: string): Promise<{ rules: string[]; findings: string[] }> {
  return JSON.parse((await ok(dir, ['allow', '--json'])).out);
}
async function parents(gitDir: string, commit: string): Promise<string[]> {
  return (await gitAsync(gitDir, ['rev-list', '--parents', '-n', '1', commit])).trim().split(' ').slice(1);
}
async function remoteAllow(r: Remote): Promise<string> {
  return (await gitAsync(r.dir, ['rev-parse', 'refs/agentlog/allow'])).trim();
}

describe('sync: the allow list travels with push, pull and clone', () => {
  it.each(REMOTES)('%s: pushed, cloned, changed on both sides and merged (union, a commit naming both), by push and by pull', async (_, make) => {
    const remote = make(`allow-${++made}.git`);
    const a = await machineWithSession('Allow travels');
    await ok(a.dir, ['allow', `finding:${F1}`]);
    await ok(a.dir, ['remote', 'add', 'origin', remote.url]);
    const first = JSON.parse((await ok(a.dir, ['push', '--json'])).out);
    expect(first.allow).toMatchObject({ status: 'pushed', new: allowTip(a.dir) });
    expect(await remoteAllow(remote)).toBe(allowTip(a.dir));

    const b = tmpdir();
    const cloned = await ok(b, ['clone', remote.url, '.agentlog']);
    expect(cloned.err).toContain('allow list taken from the remote (+1 entry from the remote)');
    expect(await allowList(b)).toEqual({ rules: [], findings: [F1] });
    expect(allowTip(b)).toBe(allowTip(a.dir));

    // Both change their list; B pushes first, then A's push merges B's into A's and sends the merge.
    await ok(b, ['allow', 'rule:basicauth']);
    await ok(b, ['push']);
    const bTip = allowTip(b)!;
    await ok(a.dir, ['allow', `finding:${F2}`]);
    const aBefore = allowTip(a.dir)!;
    const merged = JSON.parse((await ok(a.dir, ['push', '--json'])).out);
    expect(merged.allow).toMatchObject({ status: 'pushed', added: 1 });
    const aTip = allowTip(a.dir)!;
    expect(await parents(store(a.dir), aTip)).toEqual([aBefore, bTip]);
    expect(await remoteAllow(remote)).toBe(aTip);
    expect(await allowList(a.dir)).toEqual({ rules: ['basicauth'], findings: [F1, F2].sort() });
    // B takes it by a fast-forward.
    const bPull = JSON.parse((await ok(b, ['pull', '--json'])).out);
    expect(bPull.allow).toMatchObject({ status: 'fast-forwarded', old: bTip, new: aTip, added: 1 });
    expect(await allowList(b)).toEqual({ rules: ['basicauth'], findings: [F1, F2].sort() });

    // Again, merged by a pull this time; the next push and pull make both sides equal.
    await ok(b, ['allow', `finding:${F3}`]);
    await ok(b, ['push']);
    await ok(a.dir, ['allow', '--remove', 'rule:basicauth']);
    const aPull = await ok(a.dir, ['pull']);
    expect(aPull.err).toContain("allow list merged with the remote's (union of entries) (+2 entries from the remote)");
    // The union: B's list still held basicauth, so the merge brings it back beside F3.
    expect(await allowList(a.dir)).toEqual({ rules: ['basicauth'], findings: [F1, F2, F3].sort() });
    expect((await parents(store(a.dir), allowTip(a.dir)!))[1]).toBe(allowTip(b));
    await ok(a.dir, ['push']);
    await ok(b, ['pull']);
    expect(allowTip(b)).toBe(allowTip(a.dir));
    expect(await remoteAllow(remote)).toBe(allowTip(a.dir));
    // Nothing to do: up to date, no line about it.
    expect((await ok(a.dir, ['pull'])).err).not.toContain('allow list');
    await gitAsync(remote.dir, ['fsck', '--strict', '--no-dangling']);
    if (remote.url === remote.dir) return;
    // Over HTTP, protocol v2 asks ls-refs for the allow list's ref beside refs/heads/.
    const server = remote.url.startsWith(v2.url) ? v2 : v0;
    const lsRefs = server.requests.filter((r) => r.body?.includes('command=ls-refs'));
    if (server === v2) expect(lsRefs.some((r) => r.body!.includes('ref-prefix refs/agentlog/allow'))).toBe(true);
    else expect(lsRefs).toEqual([]);
  });
});

/** A commit on the bare repository's refs/agentlog/allow whose tree is made of `files` (name → content), parent optional. */
async function hostileAllow(bare: string, files: Record<string, string>, parent?: string): Promise<string> {
  const entries: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const blob = git(bare, ['hash-object', '-w', '--stdin'], { input: content }).trim();
    entries.push(`100644 blob ${blob}\t${name}`);
  }
  const tree = git(bare, ['mktree'], { input: `${entries.join('\n')}\n` }).trim();
  const commit = (await gitAsync(bare, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', 'allow'])).trim();
  await gitAsync(bare, ['update-ref', 'refs/agentlog/allow', commit]);
  return commit;
}

describe('sync: a hostile allow list is refused (E_REMOTE), nothing changed here', () => {
  const good = `# list\nfinding:${F1}\n`;
  const cases: Array<[string, (bare: string, timelineTip: string) => Promise<unknown>, RegExp]> = [
    ['a second file beside .agentlogignore', (bare) => hostileAllow(bare, { '.agentlogignore': good, extra: 'x' }), /its tree must hold only \.agentlogignore/],
    ['a file of another name', (bare) => hostileAllow(bare, { 'agentlogignore.txt': good }), /its tree must hold only \.agentlogignore/],
    ['a file over 1 MiB', (bare) => hostileAllow(bare, { '.agentlogignore': `finding:${F1}\n`.repeat(70_000) }), /larger than 1048576 bytes/],
    ['an entry that is no rule name', (bare) => hostileAllow(bare, { '.agentlogignore': 'rule:../../etc/passwd\n' }), /line 1: expected "rule:NAME"/],
    [
      'a good tip over a bad parent',
      async (bare) => hostileAllow(bare, { '.agentlogignore': good }, await hostileAllow(bare, { '.agentlogignore': 'finding:xyz\n' })),
      /line 1: expected/,
    ],
    [
      'a timeline commit as the allow list',
      (bare, tip) => gitAsync(bare, ['update-ref', 'refs/agentlog/allow', tip]),
      /its tree must hold only \.agentlogignore/,
    ],
  ];
  it.each(cases.map((c, i) => [...c, REMOTES[i % REMOTES.length]] as const))('%s (each case over one transport in turn)', async (_, plant, why, transport) => {
    for (const [label, make] of [transport]) {
      const remote = make(`hostile-${++made}.git`);
      const a = await machineWithSession('Hostile allow');
      await ok(a.dir, ['allow', `finding:${F2}`]);
      await ok(a.dir, ['remote', 'add', 'origin', remote.url]);
      await ok(a.dir, ['push']);
      const s = Store.open(store(a.dir));
      const tip = s.tipOf(a.name)!;
      await plant(remote.dir, tip);
      const before = { allow: allowTip(a.dir), timelines: [...s.timelines()], objects: await gitAsync(store(a.dir), ['count-objects', '-v']) };
      for (const verb of ['pull', 'push']) {
        const r = await cli(a.dir, [verb]);
        expect(r.code, `${label} ${verb}: ${r.err}`).toBe(1);
        expect(r.err, label).toMatch(/its allow list is refused/);
        expect(r.err, label).toMatch(why);
        expect(r.err).not.toMatch(/\n\s+at /);
        expect(allowTip(a.dir)).toBe(before.allow);
        expect([...Store.open(store(a.dir)).timelines()]).toEqual(before.timelines);
        expect(await gitAsync(store(a.dir), ['count-objects', '-v'])).toBe(before.objects);
      }
    }
  });
});
