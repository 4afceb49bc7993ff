import { parseCid, type CID } from '../codec/cid.js';
import { trailers } from '../git/commit.js';
import { TRAILER_EVENT, TRAILER_SEQ } from './layout.js';
import { readCommit } from './readObject.js';
import type { CommitInfo, StoreContext } from './types.js';

// A timeline's commits: each one's trailers (I5), and the one first-parent walk (I3) that every
// reader of history uses.

/** How many commits' trailers are remembered (oldest read first out). */
const COMMITS_KEPT = 32_768;

/** A commit with its trailers read (seq, event CID). Remembered: commits never change (I15). */
export function commitInfo(ctx: StoreContext, oid: string): CommitInfo {
  let info = ctx.commits.get(oid);
  if (!info) {
    const commit = readCommit(ctx, oid);
    const t = trailers(commit.message);
    let cid: CID | undefined;
    try {
      cid = t[TRAILER_EVENT] ? parseCid(t[TRAILER_EVENT]) : undefined;
    } catch {
      cid = undefined;
    }
    const seq = t[TRAILER_SEQ] !== undefined && /^\d+$/.test(t[TRAILER_SEQ]) ? Number(t[TRAILER_SEQ]) : -1;
    info = { oid, commit, seq, cid };
    // Bounded: a walk of a long timeline (verify, a 10k-event log) must not keep every commit.
    if (ctx.commits.size >= COMMITS_KEPT) ctx.commits.delete(ctx.commits.keys().next().value as string);
    ctx.commits.set(oid, info);
  }
  return info;
}

/**
 * The commits of a timeline from `tip` back to genesis, following first parents (I3). A commit that
 * cannot be read ends the walk with its error, thrown from the iteration that would have yielded it.
 */
export function* history(ctx: StoreContext, tip: string): Generator<CommitInfo> {
  let oid: string | undefined = tip;
  while (oid) {
    const info = commitInfo(ctx, oid);
    yield info;
    oid = info.commit.parents[0];
  }
}
