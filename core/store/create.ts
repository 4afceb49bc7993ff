import { AgentlogError } from '../errors.js';
import type { PackObject } from '../git/objects.js';
import { newTimelineRef } from '../git/refs.js';
import { buildCommit } from './buildCommit.js';
import { recordFork } from './forks.js';
import { moveRef, writeObjects } from './publish.js';
import { sealInput } from './sealInput.js';
import type { Appended, EventInput, StoreContext } from './types.js';

// The two ways a timeline begins, each a new branch refs/heads/NAME (I2) made by compare-and-swap
// from nothing (I10): a new session's genesis (I8), or a branch at a commit of another timeline.

/** Start a session: a genesis event (seq 0) on a new branch; E_REF when the timeline exists. */
export async function create(ctx: StoreContext, name: string, genesis: EventInput): Promise<Appended> {
  const ref = newTimelineRef(name); // not a name that shadows a commit id or CID (rev.ts)
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
  ctx.tips.set(ref, { commit: commit.oid, seq: 0, cid: sealed.cid, spine: commit.spine, workspace: commit.workspace });
  return { cid: sealed.cid, seq: 0, commit: commit.oid, event: sealed.event };
}

/**
 * A new timeline pointing at `commit` (sharing all history up to it); `forkedFrom` is recorded (I13).
 * Atomic (I13): when the record cannot be written, the new branch is deleted again — by
 * compare-and-swap from `commit`, so a branch someone already appended to is kept — and the error
 * says what happened.
 */
export async function branch(ctx: StoreContext, name: string, commit: string, forkedFrom?: string): Promise<void> {
  const ref = newTimelineRef(name); // not a name that shadows a commit id or CID (rev.ts)
  if (!(await ctx.refs.compareAndSwap(ref, undefined, commit))) {
    throw new AgentlogError('E_REF', `timeline ${name} already exists`, { name });
  }
  if (!forkedFrom) return;
  try {
    await recordFork(ctx, name, forkedFrom);
  } catch (e) {
    let removed = false;
    try {
      removed = await ctx.refs.delete(ref, commit);
    } catch {
      removed = false;
    }
    const cause = e instanceof Error ? e.message : String(e);
    const code = e instanceof AgentlogError ? e.code : 'E_IO';
    throw new AgentlogError(
      code,
      removed
        ? `fork ${name} was not made: its record (which timeline it left) could not be written, so the new branch was removed again. ${cause}`
        : `fork ${name} was made, but its record (which timeline it left) could not be written and the branch had moved, so it was kept. ${cause}`,
      { name, from: forkedFrom },
    );
  }
}
