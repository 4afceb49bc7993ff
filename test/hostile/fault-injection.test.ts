/**
 * Fault injection at the file layer (issue 17, test (b)): an append is run once to count the file
 * calls it makes, then again once per call with that call failing (EIO, then ENOSPC). After each, with
 * the file system working again, the store opens, `git fsck --strict` and verify are clean, every
 * event acknowledged before is there, and the faulted append is either acknowledged and readable or
 * refused with an AgentlogError and absent. The calls are patched on node:fs itself (and the ES module
 * views of it synced), so core's own `import * as fs` sees them: no injection seam in the code.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { isAgentlogError } from '../../core/errors.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { sessionWith } from '../helpers/store.js';
import { clock, git } from '../helpers/tmp.js';

const fsCjs = createRequire(import.meta.url)('node:fs') as Record<string, unknown>;
/** The calls a write makes that can fail on a real disk. */
const CALLS = ['openSync', 'writeSync', 'writevSync', 'fsyncSync', 'renameSync', 'linkSync', 'rmSync', 'unlinkSync', 'mkdirSync', 'ftruncateSync'] as const;
const originals = new Map(CALLS.map((name) => [name, fsCjs[name] as (...args: unknown[]) => unknown]));

/** Patch the calls: `onCall` sees each (1-based count) and may throw instead of letting it run. */
function patch(onCall: (n: number, name: string) => void): void {
  let n = 0;
  for (const name of CALLS) {
    const original = originals.get(name)!;
    fsCjs[name] = (...args: unknown[]) => {
      onCall(++n, name);
      return original(...args);
    };
  }
  syncBuiltinESMExports();
}

function restore(): void {
  for (const name of CALLS) fsCjs[name] = originals.get(name);
  syncBuiltinESMExports();
}

afterEach(restore);

function failure(code: string, name: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: injected fault, ${name}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/** How many of the patched calls `op` makes. */
async function countCalls(op: () => Promise<unknown>): Promise<number> {
  let calls = 0;
  patch(() => {
    calls++;
  });
  try {
    await op();
  } finally {
    restore();
  }
  return calls;
}

/** Run `op` with call `at` failing with `code`; what it returned, or the error it threw. */
async function withFault<T>(code: string, at: number, op: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  patch((n, name) => {
    if (n === at) throw failure(code, name);
  });
  try {
    return { value: await op() };
  } catch (error) {
    return { error };
  } finally {
    restore();
  }
}

describe('fault injection at each file call of an append (issue 17, test (b))', () => {
  it.each(['EIO', 'ENOSPC'])(
    '%s at each call: the store stays whole, and the append is acknowledged or refused, never half',
    async (code) => {
      // Count the calls of one append (a store opened afresh, as each faulted run below is).
      const probe = await sessionWith(2);
      const calls = await countCalls(() => Store.open(probe.dir, { now: clock(1_760_000_000_000) }).append('talk', { kind: 'note', text: 'probe' }));
      expect(calls).toBeGreaterThan(3);

      let refused = 0;
      for (let at = 1; at <= calls; at++) {
        const { dir, store } = await sessionWith(2);
        const before = store.tipOf('talk')!;
        const writer = Store.open(dir, { now: clock(1_760_000_000_000) });
        const { value, error } = await withFault(code, at, () => writer.append('talk', { kind: 'note', text: `fault at call ${at}` }));
        const acknowledged = value?.cid.toString();
        const where = `${code} at call ${at} of ${calls}`;
        if (error !== undefined) {
          refused++;
          expect(isAgentlogError(error), `${where}: ${String(error)}`).toBe(true);
        }
        expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim(), where).toBe('');
        const reader = Store.open(dir);
        const tip = reader.tipOf('talk')!;
        expect(verifyTimeline(reader, 'talk', tip).problem, where).toBeUndefined();
        const events = reader.readEvents(tip);
        if (acknowledged) expect(events.at(-1)?.cid.toString(), where).toBe(acknowledged);
        else expect(tip, where).toBe(before);
        // The store takes the next append.
        await reader.append('talk', { kind: 'note', text: 'after the fault' });
      }
      expect(refused).toBeGreaterThan(0);
    },
    120_000,
  );

  it.each(['EIO', 'ENOSPC'])(
    '%s at each call of a fork: the fork is made whole (branch and its record) or not at all',
    async (code) => {
      const probe = await sessionWith(2);
      const calls = await countCalls(() => Store.open(probe.dir).branch('side', probe.store.tipOf('talk')!, 'talk'));
      expect(calls).toBeGreaterThan(2);

      for (let at = 1; at <= calls; at++) {
        const { dir, store } = await sessionWith(2);
        const tip = store.tipOf('talk')!;
        const writer = Store.open(dir);
        const { error } = await withFault(code, at, () => writer.branch('side', tip, 'talk'));
        const where = `${code} at call ${at} of ${calls}`;
        if (error !== undefined) expect(isAgentlogError(error), `${where}: ${String(error)}`).toBe(true);
        const reader = Store.open(dir);
        expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim(), where).toBe('');
        if (error === undefined) {
          expect(reader.tipOf('side'), where).toBe(tip);
          expect(reader.forkRecords().side, where).toBe('talk');
        } else expect(reader.tipOf('side'), where).toBeUndefined();
        expect(reader.tipOf('talk'), where).toBe(tip);
      }
    },
    120_000,
  );
});
