/**
 * A pull costs what the change costs (issue 20): the refs come from protocol v2's `ls-refs` limited to
 * refs/heads/ where the server speaks v2 (a remote's other refs are never listed), the report says
 * how many refs were advertised, a pull with nothing new fetches no pack, and the fetch sends the
 * haves of the timelines it wants only (a have per local tip made a pull of one changed timeline in
 * a store of 2,000 send 136 KB). Against a real git http-backend, speaking v2 and, as an older
 * server, v0 only.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { clone } from '../../core/sync/clone.js';
import { pull } from '../../core/sync/pull.js';
import { push } from '../../core/sync/push.js';
import { addRemote } from '../../core/sync/remotes.js';
import { ENV, gitAsync } from '../helpers/sync.js';
import type { GitHttpServer } from '../helpers/git-http-server.js';
import { clock, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

const v2 = useGitHttpServer();
const v0 = useGitHttpServer({ protocolV2: false });

const TIMELINES = 30;

/** Machine A with TIMELINES timelines pushed to a new remote of `server`, machine B a clone of it; the remote also holds refs that are not branches. */
async function twoMachines(server: GitHttpServer, repo: string) {
  const url = server.bare(repo);
  const { store: a } = Store.init(path.join(tmpdir(), 'a'), { now: clock() });
  for (let i = 0; i < TIMELINES; i++) {
    await a.create(`t${i}`, { kind: 'session', title: `t${i}` });
    await a.append(`t${i}`, { kind: 'note', text: `first of ${i}` });
  }
  addRemote(a.gitDir, 'origin', url);
  await push(a, 'origin', [], { env: ENV });
  // What a forge keeps beside the branches: pull-request refs and tags.
  const bare = path.join(server.root, repo);
  for (let i = 0; i < 20; i++) await gitAsync(bare, ['update-ref', `refs/pull/${i}/head`, a.tipOf(`t${i}`)!]);
  await gitAsync(bare, ['update-ref', 'refs/tags/v1', a.tipOf('t0')!]);
  const { store: b } = await clone(url, path.join(tmpdir(), 'b'), { env: ENV });
  return { a, b, url };
}

/** The `have` lines of the fetch POSTs (v0 upload-pack requests carrying a pack negotiation) since `from`. */
function havesSent(server: GitHttpServer, from: number): { packs: number; haves: number } {
  const fetches = server.requests.slice(from).filter((r) => r.body && r.protocol !== 'version=2' && r.body.includes('want '));
  const haves = fetches.reduce((n, r) => n + (r.body!.toString('latin1').match(/^[0-9a-f]{4}have /gm)?.length ?? 0), 0);
  return { packs: fetches.length, haves };
}

describe.each([
  ['protocol v2 (ls-refs with ref-prefix)', () => v2, TIMELINES],
  ['protocol v0 (an older server: every ref listed)', () => v0, TIMELINES + 20 + 1],
])('pull over %s', (_what, server, advertised) => {
  it('a pull with nothing new fetches no pack and reports the refs advertised', async () => {
    const { b } = await twoMachines(server(), `nothing-${advertised}.git`);
    const from = server().requests.length;
    const report = await pull(b, 'origin', { env: ENV });
    expect(report.advertised).toBe(advertised);
    expect(report.timelines.every((t) => t.status === 'up-to-date')).toBe(true);
    expect(havesSent(server(), from).packs).toBe(0);
  });

  it('a pull of one extended timeline and a fork of another sends the haves of those two only, and adopts both', async () => {
    const { a, b } = await twoMachines(server(), `changed-${advertised}.git`);
    await a.append('t3', { kind: 'note', text: 'more on A' });
    await a.branch('t7-feedbeef', a.tipOf('t7')!, 't7');
    await a.append('t7-feedbeef', { kind: 'note', text: 'a fork of t7' });
    await push(a, 'origin', [], { env: ENV });
    // B extended t3 too (it diverged), and t12, which the remote did not change.
    await b.append('t3', { kind: 'note', text: 'more on B' });
    await b.append('t12', { kind: 'note', text: 'only on B' });
    const from = server().requests.length;
    const report = await pull(b, 'origin', { env: ENV });
    const status = Object.fromEntries(report.timelines.map((t) => [t.name, t.status]));
    expect(status.t3).toBe('forked');
    expect(status['t7-feedbeef']).toBe('new');
    expect(status.t12).toBe('ahead');
    expect(report.advertised).toBe(advertised + 1);
    const sent = havesSent(server(), from);
    expect(sent.packs).toBe(1);
    // t3: its tracking tip, B's tip and B's tip's parent; t7 (the fork's parent): one tip. Never the other 28 timelines.
    expect(sent.haves).toBeGreaterThan(0);
    expect(sent.haves).toBeLessThanOrEqual(5);
    expect(b.tipOf('t7-feedbeef')).toBe(a.tipOf('t7-feedbeef'));
  });
});
