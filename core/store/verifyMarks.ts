import * as path from 'node:path';
import { readCheckedJson, writeCheckedJson } from './checkedJson.js';
import type { StoreContext } from './types.js';

/**
 * Verified-up-to marks (derived, like I14): per timeline, the last commit `agentlog verify` found
 * sound, so that the next verify checks only the commits after it (timeline/verify.ts, `trusted`).
 * A mark names a commit id, and a commit id pins everything below it: the commit's bytes name its
 * tree and parent, each tree its entries, down to every event's blob, all by SHA-1 (I15: they never
 * change). So while the timeline's history still runs through the marked commit, what lies below it
 * is the very set of objects that was checked; a rewritten ref whose history does not hold the
 * marked commit (I11 broken by hand) is walked to genesis and checked whole. What a mark cannot
 * see is storage that returns other bytes for an id (a disk that rots, a pack edited in place):
 * `verify --full` (every event's CID recomputed from its bytes) and `git fsck` find that.
 *
 * File: `.git/agentlog/verified.json`: a JSON body `{v: 1, marks: {name: commit}}`, a newline, the
 * CRC-32 of the body in hex. Missing, damaged or odd in any field: no marks (a full verify).
 * Written whole through a temporary file and a rename.
 */
const FILE = 'verified.json';
const VERSION = 1;
const MAX_FILE = 64 << 20;

function file(ctx: StoreContext): string {
  return path.join(ctx.commonDir, 'agentlog', FILE);
}

/** Every mark the file holds: timeline name → the commit verified up to. */
export function readVerifyMarks(ctx: StoreContext): Map<string, string> {
  const marks = new Map<string, string>();
  const body = readCheckedJson(file(ctx), MAX_FILE);
  if (typeof body !== 'object' || body === null || (body as { v?: unknown }).v !== VERSION) return marks;
  const raw = (body as { marks?: unknown }).marks;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return marks;
  for (const [name, commit] of Object.entries(raw)) {
    if (typeof commit === 'string' && /^[0-9a-f]{40}$/.test(commit)) marks.set(name, commit);
  }
  return marks;
}

/**
 * Apply `changes` (a commit: mark it; undefined: drop its mark) to the marks on disk, read again
 * just before (another verify may have written meanwhile), keeping only the names `keep` accepts
 * when it is given. A write that fails leaves only a longer next verify.
 */
export function updateVerifyMarks(ctx: StoreContext, changes: ReadonlyMap<string, string | undefined>, keep?: (name: string) => boolean): void {
  const marks = readVerifyMarks(ctx);
  for (const [name, commit] of changes) {
    if (commit) marks.set(name, commit);
    else marks.delete(name);
  }
  if (keep) for (const name of [...marks.keys()]) if (!keep(name)) marks.delete(name);
  writeCheckedJson(file(ctx), { v: VERSION, marks: Object.fromEntries([...marks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) });
}
