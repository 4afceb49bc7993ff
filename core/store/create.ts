import { AgentlogError } from '../errors.js';
import type { PackObject } from '../git/objects.js';
import { timelineRef } from '../git/refs.js';
import { buildCommit } from './buildCommit.js';
import { recordFork } from './forks.js';
import { moveRef, writeObjects } from './publish.js';
import { sealInput } from './sealInput.js';
import type { Appended, EventInput, StoreContext } from './types.js';

// The two ways a timeline begins, each a new branch refs/heads/NAME (I2) made by compare-and-swap
// from nothing (I10): a new session's genesis (I8), or a branch at a commit of another timeline.

/** Start a session: a genesis event (seq 0) on a new branch; E_REF when the timeline exists. */
export async function create(ctx: StoreContext, name: string, genesis: EventInput): Promise<Appended> {
  const ref = timelineRef(name);
  if (ctx.refs.read(ref)) throw new AgentlogError('E_REF', `timeline ${name} already exists`, { name });
  const sealed = sealInput(genesis, 0, null, ctx.now);
  const objects: PackObject[] = [];
  const commit = buildCommit(sealed, [], undefined, objects);
  const release = writeObjects(ctx, objects); // before the ref names them, durable first (I9)
  let made: boolean;
  try {
    made = await moveRef(ctx, ref, undefined, commit.oid);
  } finally {
    release(); // the pack's .keep goes once the ref has moved or the move was given up (I9)
  }
  if (!made) {
    throw new AgentlogError('E_REF', `timeline ${name} was created by another writer meanwhile`, { name });
  }
  ctx.tips.set(ref, { commit: commit.oid, seq: 0, cid: sealed.cid, spine: commit.spine });
  return { cid: sealed.cid, seq: 0, commit: commit.oid, event: sealed.event };
}

/** A new timeline pointing at `commit` (sharing all history up to it); `forkedFrom` is recorded (I13). */
export async function branch(ctx: StoreContext, name: string, commit: string, forkedFrom?: string): Promise<void> {
  const ref = timelineRef(name);
  if (!(await ctx.refs.compareAndSwap(ref, undefined, commit))) {
    throw new AgentlogError('E_REF', `timeline ${name} already exists`, { name });
  }
  if (forkedFrom) await recordFork(ctx, name, forkedFrom);
}
