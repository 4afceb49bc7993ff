/**
 * Sync with a server that takes its time (issue 20). `git http-backend` is silent while it indexes a
 * large pushed pack or counts objects for a clone (minutes on a store of thousands of sessions): that
 * may not fail a push or a clone. A push whose answer is lost after the server applied it is
 * reported pushed (the remote's refs are asked), and its remote-tracking refs move. The server here is
 * the real git http-backend (test/helpers/git-http-server.ts) made silent for a while before it answers;
 * the client's own limits are shortened through SyncOptions.timings so that the test stays fast.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { clone } from '../../core/sync/clone.js';
import { push } from '../../core/sync/push.js';
import { addRemote } from '../../core/sync/remotes.js';
import { ENV, gitAsync } from '../helpers/sync.js';
import { clock, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

let delay = 0;
let drop: 'after' | 'before' | undefined;
const server = useGitHttpServer({
  delayMs: () => delay,
  dropAnswer: (p) => (p.includes('git-receive-pack') ? drop : undefined),
});

/** A store of `n` timelines of a few events each, with `origin` at a new bare repository of the server. */
async function storeWithTimelines(n: number, repo: string): Promise<{ store: Store; url: string }> {
  const url = server.bare(repo);
  const { store } = Store.init(path.join(tmpdir(), 'a'), { now: clock() });
  for (let i = 0; i < n; i++) {
    const name = `t${i}`;
    await store.create(name, { kind: 'session', title: name });
    await store.append(name, { kind: 'message', role: 'user', content: [{ type: 'text', text: `hello ${i}` }] });
  }
  addRemote(store.gitDir, 'origin', url);
  return { store, url };
}

/** The remote's branches as the git CLI reads them: name → commit. */
async function remoteHeads(repo: string): Promise<Map<string, string>> {
  const out = await gitAsync(path.join(server.root, repo), ['for-each-ref', '--format=%(objectname) %(refname:short)', 'refs/heads/']);
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ').reverse() as [string, string]),
  );
}

describe('a server that takes its time', () => {
  it('push and clone wait for a server silent longer than the quiet notice while it takes or counts a pack, and say they are waiting', async () => {
    const { store, url } = await storeWithTimelines(3, 'silent.git');
    const phases: string[] = [];
    delay = 1500;
    try {
      const report = await push(store, 'origin', [], { env: ENV, timings: { noticeMs: 300 }, progress: (p) => phases.push(p) });
      expect(report.timelines.map((t) => t.status)).toEqual(['pushed', 'pushed', 'pushed']);
      expect(phases).toContain('waiting');
      expect(phases).toContain('sending');
      const cloned = await clone(url, path.join(tmpdir(), 'b'), { env: ENV, timings: { noticeMs: 300 } });
      expect([...cloned.store.timelines()]).toEqual([...store.timelines()]);
    } finally {
      delay = 0;
    }
    expect(await remoteHeads('silent.git')).toEqual(store.timelines());
  });

  it('a push whose answer is lost after the server applied it is reported pushed, and its remote-tracking refs move', async () => {
    const { store } = await storeWithTimelines(2, 'lost.git');
    drop = 'after';
    try {
      const report = await push(store, 'origin', [], { env: ENV });
      expect(report.timelines.map((t) => t.status)).toEqual(['pushed', 'pushed']);
    } finally {
      drop = undefined;
    }
    expect(await remoteHeads('lost.git')).toEqual(store.timelines());
    for (const [name, tip] of store.timelines()) expect(store.readRef(`refs/remotes/origin/${name}`)).toBe(tip);
  });

  it('a push that runs out of time after the server applied it is reported pushed (the remote is asked)', async () => {
    const { store } = await storeWithTimelines(1, 'late.git');
    // Margins wide enough for a loaded machine: http-backend must have applied the push before the
    // client's time runs out (2 s), and the server stays silent well past it (6 s).
    delay = 6000;
    try {
      const report = await push(store, 'origin', [], { env: ENV, timings: { totalMs: 2000 } });
      expect(report.timelines.map((t) => t.status)).toEqual(['pushed']);
    } finally {
      delay = 0;
    }
    expect(store.readRef('refs/remotes/origin/t0')).toBe(store.tipOf('t0'));
  });

  it('rejects a push the remote did not apply when its answer was lost, saying that it asked', async () => {
    const { store } = await storeWithTimelines(1, 'unapplied.git');
    drop = 'before';
    try {
      const err = await push(store, 'origin', [], { env: ENV }).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'E_REMOTE' });
      expect((err as Error).message).toContain(server.url);
      expect((err as Error).message).toMatch(/broke off its answer .*asked after, the remote does not hold the pushed tips/);
    } finally {
      drop = undefined;
    }
    expect(await remoteHeads('unapplied.git')).toEqual(new Map());
    expect(store.readRef('refs/remotes/origin/t0')).toBeUndefined();
  });

  it('rejects a clone that runs past the time allowed with one clear error naming the remote and the setting, leaving no folder', async () => {
    const { store, url } = await storeWithTimelines(1, 'slow-clone.git');
    await push(store, 'origin', [], { env: ENV });
    const dir = path.join(tmpdir(), 'c');
    delay = 1500;
    try {
      const err = await clone(url, dir, { env: { ...ENV, AGENTLOG_HTTP_TIMEOUT: '0.5' } }).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'E_REMOTE' });
      expect((err as Error).message).toMatch(/did not finish answering within 0\.5 s/);
      expect((err as Error).message).toContain('AGENTLOG_HTTP_TIMEOUT');
      expect((err as Error).message).toContain(url);
    } finally {
      delay = 0;
    }
    expect(fs.existsSync(dir)).toBe(false);
  });
});
