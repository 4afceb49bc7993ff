import type { PackObject } from '../git/objects.js';
import { commitInfo, history } from './history.js';
import type { StoreContext } from './types.js';

// Publishing an append, in the order that keeps a crash harmless: its objects first (I9), then the
// ref by compare-and-swap (I10), with HEAD detached first when it is attached there (I12).

/**
 * Write an append's objects: one small pack (default) or loose objects; each is whole once visible,
 * and a pack is durable before this returns (I9). Returns what to call once the ref has moved (or the
 * move was given up): it lets go of the pack's `.keep` and tidies packs, and never throws.
 */
export function writeObjects(ctx: StoreContext, objects: PackObject[]): () => void {
  if (!ctx.loose) return ctx.objects.writeBatch(objects);
  for (const o of objects) ctx.objects.write(o.type, o.content, o.oid);
  return () => {};
}

/**
 * Move a ref from `expected` (undefined: it must not exist) to `next` by compare-and-swap (I10);
 * false when it had moved. The detach-HEAD rule (I12), stated once: every HEAD attached to this ref
 * (the main worktree's and each linked worktree's) is first detached at the commit it has checked
 * out, so a checked-out working tree stays clean (refs.ts detachHeadsOn).
 */
export async function moveRef(ctx: StoreContext, ref: string, expected: string | undefined, next: string): Promise<boolean> {
  // Every worktree's HEAD, at what it really has checked out: an earlier commit of this timeline when a checkout raced an append.
  if (expected !== undefined) await ctx.refs.detachHeadsOn(ref, expected, (oid) => isEarlierCommit(ctx, oid, expected));
  // Durable mode: the lock protocol fsyncs the ref's folder after the rename (git/lock.ts).
  return ctx.refs.compareAndSwap(ref, expected, next);
}

/**
 * moveRef for many refs at once (refs.ts compareAndSwapMany: a lock per ref, one packed-refs write
 * per group), each under the same rules: the detach-HEAD rule first for a ref that exists (I12), then
 * compare-and-swap (I10). Returns, per update, whether it was made.
 */
export async function moveRefs(ctx: StoreContext, updates: ReadonlyArray<{ ref: string; expected: string | undefined; next: string }>): Promise<boolean[]> {
  for (const u of updates) {
    const expected = u.expected;
    if (expected !== undefined) await ctx.refs.detachHeadsOn(u.ref, expected, (oid) => isEarlierCommit(ctx, oid, expected));
  }
  return ctx.refs.compareAndSwapMany(updates.map((u) => ({ name: u.ref, expected: u.expected, next: u.next })));
}

/** Whether `oid` is a commit of the timeline ending at `tip`, before it (first parents back, I3). */
function isEarlierCommit(ctx: StoreContext, oid: string, tip: string): boolean {
  if (!ctx.objects.has(oid)) return false;
  let target: number;
  try {
    target = commitInfo(ctx, oid).seq;
  } catch {
    return false;
  }
  for (const c of history(ctx, tip)) {
    if (c.oid === oid) return true;
    if (c.seq >= 0 && c.seq <= target) return false;
  }
  return false;
}
