import * as path from 'node:path';
import { fsyncDir } from '../git/fsio.js';
import type { PackObject } from '../git/objects.js';
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
 * false when it had moved. The detach-HEAD rule (I12), stated once: when HEAD is attached to this
 * ref and the ref is at `expected`, HEAD is first detached there, so a checked-out working tree
 * stays clean.
 */
export async function moveRef(ctx: StoreContext, ref: string, expected: string | undefined, next: string): Promise<boolean> {
  if (expected !== undefined && ctx.refs.headSymbolic() === ref && ctx.refs.read(ref) === expected) await ctx.refs.detachHead(expected);
  const moved = await ctx.refs.compareAndSwap(ref, expected, next);
  // Durable mode: the rename of the ref's lock over it survives a power cut once its folder is fsynced (I9).
  if (moved && ctx.objects.durable) fsyncDir(path.dirname(path.join(ctx.commonDir, ref)));
  return moved;
}
