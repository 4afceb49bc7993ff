/**
 * Fault injection at each file call (issue 17, test (b)) of a compaction, a gc (its lock too) and of a pull from a real
 * git smart-HTTP server, and short writes at each write of an append: the operation runs once to
 * count its calls on the store's files, then once per call with that call failing (EIO, ENOSPC, or a
 * short write: half the bytes written and reported; test/helpers/crashFaults.ts). After each, with the
 * file system working again: the store opens, `git fsck --strict` and verify are clean, every ref is
 * as before or as after the operation (after when it returned), every timeline reads back the events
 * it held, a failure is an AgentlogError, and the operation run again reaches the state after.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentlogError } from '../../core/errors.js';
import { STORE_REF } from '../../core/store/storeBranch.js';
import { compactPacks } from '../../core/git/pack/compactPacks.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { pull } from '../../core/sync/pull.js';
import { push } from '../../core/sync/push.js';
import { addRemote } from '../../core/sync/remotes.js';
import { refsAndEvents } from '../helpers/crashCheck.js';
import { countCalls, type Fault, withFault } from '../helpers/crashFaults.js';
import { sessionWith } from '../helpers/store.js';
import { ENV } from '../helpers/sync.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

const FULL = process.env.AGENTLOG_CRASH_FULL === '1';
const server = useGitHttpServer();

/** A store to copy for each run (`template`), the operation on a copy, and whether running it again must reach the state after. */
type Setup = () => Promise<{ template: string; op: (dir: string) => Promise<unknown>; again: boolean }>;

const compaction: Setup = async () => {
  const { dir } = await sessionWith(3);
  return {
    template: dir,
    again: true,
    op: async (d) => {
      compactPacks(path.join(d, '.git', 'objects', 'pack'), 1);
    },
  };
};

const gc: Setup = async () => {
  const { dir } = await sessionWith(3);
  return { template: dir, again: true, op: (d) => Store.open(d).gc() };
};

const pullTwoMore: Setup = async () => {
  const url = server.bare(`faults-${Math.random().toString(36).slice(2)}.git`);
  const { store: a } = await sessionWith(2);
  addRemote(a.gitDir, 'origin', url);
  await push(a, 'origin', [], { env: ENV });
  const dir = path.join(tmpdir(), 'b');
  const { store: b } = Store.init(dir, { now: clock() });
  addRemote(b.gitDir, 'origin', url);
  await pull(b, 'origin', { env: ENV });
  await a.append('talk', { kind: 'note', text: 'more 1' });
  await a.append('talk', { kind: 'note', text: 'more 2' });
  await push(a, 'origin', [], { env: ENV });
  return { template: dir, again: true, op: (d) => pull(Store.open(d), 'origin', { env: ENV }) };
};

const append: Setup = async () => {
  const { dir } = await sessionWith(2);
  return { template: dir, again: false, op: (d) => Store.open(d, { now: clock(1_760_000_000_000) }).append('talk', { kind: 'note', text: 'the fault' }) };
};

/** A fresh copy of `template`. */
function copyOf(template: string): string {
  const dir = path.join(tmpdir(), 'store');
  fs.cpSync(template, dir, { recursive: true });
  return dir;
}

/** The store at `dir` is whole: fsck, verify, every ref before or after, each timeline's events those it held. */
function expectWhole(dir: string, before: ReturnType<typeof refsAndEvents>, after: ReturnType<typeof refsAndEvents>, returned: boolean, where: string): void {
  expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim(), where).toBe('');
  const now = refsAndEvents(dir);
  const store = Store.open(dir);
  for (const ref of new Set([...before.refs.keys(), ...after.refs.keys(), ...now.refs.keys()])) {
    const v = now.refs.get(ref);
    if (returned) expect(v, `${where}: ${ref}`).toBe(after.refs.get(ref));
    else expect([before.refs.get(ref), after.refs.get(ref)], `${where}: ${ref}`).toContain(v);
    if (ref.startsWith('refs/heads/') && ref !== STORE_REF && v) {
      expect(now.events.get(v), `${where}: ${ref}`).toEqual(before.events.get(v) ?? after.events.get(v));
      expect(verifyTimeline(store, ref.slice('refs/heads/'.length), v).problem, where).toBeUndefined();
    }
  }
}

async function injectEach(setup: Setup, fault: Fault, stride = 1): Promise<{ calls: number; injected: number; refused: number }> {
  const { template, op, again } = await setup();
  const probe = copyOf(template);
  const before = refsAndEvents(probe);
  const names: string[] = [];
  const calls = await countCalls(probe, () => op(probe), names);
  const after = refsAndEvents(probe);
  expect(calls).toBeGreaterThan(3);
  let injected = 0;
  let refused = 0;
  // A short write is tried at every write (they are few); another fault at every `stride`th call.
  const ats = names.flatMap((name, i) => ((fault === 'short' ? name === 'writeSync' || name === 'writevSync' : i % stride === 0) ? [i + 1] : []));
  for (const at of ats) {
    const dir = copyOf(template);
    const { error, hit, value } = await withFault(dir, fault, at, () => op(dir));
    if (process.env.DEBUG_FAULTS && !error) console.log(`${fault} at ${at}`, JSON.stringify(value));
    if (!hit) continue; // a short write asked of a call that is no write
    injected++;
    const where = `${fault} at call ${at} of ${calls} (${hit})`;
    if (error !== undefined) {
      refused++;
      if (process.env.DEBUG_FAULTS) console.log(where, (error as Error).stack);
      expect(isAgentlogError(error), `${where}: ${String(error)}`).toBe(true);
    }
    expectWhole(dir, before, after, error === undefined, where);
    if (!again) continue;
    // The operation runs again, now that the disk works, and reaches the state after.
    await op(dir);
    expectWhole(dir, before, after, true, `${where}, run again`);
  }
  return { calls, injected, refused };
}

describe('fault injection at each file call of a compaction and a pull (issue 17, test (b))', () => {
  for (const [name, setup] of Object.entries({ compaction, gc, pull: pullTwoMore })) {
    it.each(['EIO', 'ENOSPC', 'short'] as const)(
      `${name}: %s at each call leaves the store whole, before or after`,
      async (fault) => {
        // npm test: every call of a compaction, every third of a pull (each pull costs ~0.4 s); the long run: every call.
        const r = await injectEach(setup, fault, name === 'pull' && !FULL ? 3 : 1);
        console.log(`faults: ${name}, ${fault}: ${r.calls} calls, ${r.injected} faults injected, ${r.refused} refused`);
        expect(r.injected).toBeGreaterThan(0);
        if (fault !== 'short') expect(r.refused).toBeGreaterThan(0);
      },
      300_000,
    );
  }

  it('append: a short write at each write is continued, and the append acknowledged', async () => {
    const r = await injectEach(append, 'short');
    console.log(`faults: append, short: ${r.calls} calls, ${r.injected} faults injected, ${r.refused} refused`);
    expect(r.injected).toBeGreaterThan(2);
    expect(r.refused).toBe(0);
  }, 300_000);
});
