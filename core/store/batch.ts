import { AgentlogError } from '../errors.js';
import { moveRef } from './publish.js';
import type { StoreContext } from './types.js';

// A batch: many timelines' appends, creates and branches written as one pack, their refs moved
// together once it is durable — what an import of many files needs (per file, a pack, an fsync and a
// ref move each cost more than the events). While a batch is open the ObjectStore and Refs stage what
// they are given (git/objects.ts, git/refs.ts stage): every read in this process sees it, nothing is
// on disk. flushBatch keeps the store's order (I9, I10): the one pack, durable, first; then each
// ref by its own compare-and-swap from what it held on disk when the batch first moved it (the lock
// rules of git/lock.ts, HEAD detached first, I12); only then the work that acknowledges it (whenDurable:
// capture's per-file state). A crash at any point leaves each timeline at its old tip or at a new
// one whose objects are all durable. A ref that moved on disk meanwhile (another writer) is not
// moved: flushBatch names it, runs none of the acknowledgements, and the caller writes again unbatched.

export interface Batch {
  /** Run once the batch is published (every ref moved): what acknowledges it. */
  after: Array<() => void>;
}

export interface Flushed {
  /** Objects written (one pack), and refs moved. */
  objects: number;
  refs: number;
  /** Refs not moved: another writer moved them first, or the move failed (the error). */
  failed: Array<{ ref: string; error?: unknown }>;
}

/** Open a batch (one at a time per Store). */
export function beginBatch(ctx: StoreContext): void {
  if (ctx.batch) throw new AgentlogError('E_STORE', `a batch is already open on the store ${ctx.commonDir}`, {});
  ctx.objects.stage();
  try {
    ctx.refs.stage();
  } catch (e) {
    ctx.objects.unstage();
    throw e;
  }
  ctx.batch = { after: [] };
}

/** Run `fn` once what was written so far is durable and published: now, or after the open batch's flush. */
export function whenDurable(ctx: StoreContext, fn: () => void): void {
  if (ctx.batch) ctx.batch.after.push(fn);
  else fn();
}

/** The bytes of the events and trees staged in the open batch (0 when none is open). */
export function batchSize(ctx: StoreContext): number {
  return ctx.objects.stagedSize;
}

/** Write the open batch (one pack, then each ref, then its acknowledgements) and close it. */
export async function flushBatch(ctx: StoreContext): Promise<Flushed> {
  const batch = ctx.batch;
  if (!batch) return { objects: 0, refs: 0, failed: [] };
  const { objects, moves } = close(ctx);
  const failed: Flushed['failed'] = [];
  try {
    await objects.ready; // deflated on the thread pool while the batch was staged
    const release = objects.objects.length ? ctx.objects.writeDeflated(objects.objects) : () => {}; // durable first (I9)
    try {
      for (const m of moves) {
        let moved = false;
        let error: unknown;
        try {
          moved = await moveRef(ctx, m.ref, m.base, m.next); // its own compare-and-swap (I10)
        } catch (e) {
          error = e;
          moved = refIs(ctx, m.ref, m.next); // an error after the ref moved (as append.ts)
        }
        if (!moved) failed.push({ ref: m.ref, error });
      }
    } finally {
      release(); // the pack's .keep goes once every ref has moved or was given up (I9)
    }
  } catch (e) {
    ctx.tips.clear(); // tips built on what was staged may not exist
    throw e;
  }
  for (const f of failed) ctx.tips.delete(f.ref);
  if (failed.length === 0) for (const fn of batch.after) fn();
  return { objects: objects.objects.length, refs: moves.length - failed.length, failed };
}

/** Close the open batch without writing anything: its appends never happened. */
export function abortBatch(ctx: StoreContext): void {
  if (!ctx.batch) return;
  close(ctx);
  ctx.tips.clear();
}

function close(ctx: StoreContext) {
  ctx.batch = undefined;
  return { objects: ctx.objects.unstage(), moves: ctx.refs.unstage() };
}

function refIs(ctx: StoreContext, ref: string, commit: string): boolean {
  try {
    return ctx.refs.read(ref) === commit;
  } catch {
    return false;
  }
}
