import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError, isAgentlogError } from '../errors.js';
import { ioError, removeQuietly } from '../git/fsio.js';
import { Lock, sweepLockLeftovers } from '../git/lock.js';
import type { CompactStats } from '../git/pack/compactPacks.js';
import { NO_DELTAS } from '../git/pack/deltaPack.js';
import type { StoreContext } from './types.js';

// Tidying the object database, out of every append's way: each append writes its own small pack
// (publish.ts), and packs pile up until a gc merges them (git/pack/compactPacks.ts). A gc never runs
// inside an append: a long-lived writer's Store starts one bounded round after the append that found
// it due (store.ts, StoreOptions.autoGc); the CLI, whose commands are short, starts `agentlog gc
// --auto` once a command's own work is acknowledged (cli/autoGc.ts); `agentlog gc` runs one at will,
// as `git gc` does. One gc at a time per store:
// it holds `<git dir>/agentlog/gc.lock` under git's lock protocol (git/lock.ts; a lock whose owner
// is gone is broken, never one of a live gc). What it merges keeps I9: the merged pack is durable
// before the packs it replaces go, and a kept pack (a `.keep`: a fresh append's until its ref moved,
// git's, a user's) is never merged nor deleted.

/** The automatic gc: due past this many packs, and one run copies at most this many bytes (bounded time and memory). */
export const AUTO_GC = { maxPacks: 32, maxBytes: 64 << 20 } as const;
/** `agentlog gc`: rounds of at most this many bytes each (its memory bound), until no two packs are left to merge. */
const FULL_ROUND_BYTES = 256 << 20;
/** A full gc stops after this many rounds (each merges at least two packs into one, so it ends long before). */
const MAX_ROUNDS = 10_000;

export interface GcOptions {
  /** One bounded round, and only when due (AUTO_GC); when another gc holds the lock, do nothing. */
  auto?: boolean;
  /**
   * Look for deltas (default): the merged pack written as git writes its packs (git/pack/deltaPack.ts),
   * which costs CPU. false: whole objects copied as they are stored, for a round inside a
   * long-lived writer's own process (store.ts), which must not hold its event loop for long.
   */
  deltas?: boolean;
  /** How long to wait for another gc's lock (a full gc; default: the lock protocol's). */
  lockWaitMs?: number;
}

export interface GcResult {
  /** Whether a gc ran (false: not due, or another gc held the lock, `busy`). */
  ran: boolean;
  busy?: boolean;
  /** Merge rounds done, and how many packs went into them. */
  rounds: number;
  merged: number;
  before: { packs: number; bytes: number };
  /** Entries the merges wrote as deltas, of which reused as the packs stored them, and objects searched for one (compactPacks.ts). */
  deltas: CompactStats;
  after: { packs: number; bytes: number };
}

/** Whether an automatic gc has work: more than AUTO_GC.maxPacks packs, two of them mergeable within its budget. */
export function gcDue(ctx: StoreContext): boolean {
  return ctx.objects.compactionDue(AUTO_GC);
}

/** Merge packs: one bounded round when `auto` (and due), else rounds until no two packs are left to merge. */
export async function gc(ctx: StoreContext, options: GcOptions = {}): Promise<GcResult> {
  const before = ctx.objects.packStats();
  const stats: CompactStats = { deltas: 0, reused: 0, searched: 0 };
  const none: GcResult = { ran: false, rounds: 0, merged: 0, before, deltas: stats, after: before };
  if (options.auto && !gcDue(ctx)) return none;
  const dir = path.join(ctx.commonDir, 'agentlog');
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(e, 'create', dir);
  }
  const file = path.join(dir, 'gc');
  let lock: Lock;
  try {
    lock = options.auto ? Lock.acquireNow(file) : await Lock.acquire(file, { waitMs: options.lockWaitMs });
  } catch (e) {
    if (options.auto && isAgentlogError(e) && e.code === 'E_LOCK') return { ...none, busy: true };
    if (isAgentlogError(e) && e.code === 'E_LOCK') {
      throw new AgentlogError('E_LOCK', `another gc is running on ${ctx.commonDir} (${e.message})`, { lock: `${file}.lock` });
    }
    throw ioError(e, 'create', `${file}.lock`);
  }
  let rounds = 0;
  let merged = 0;
  try {
    if (options.auto) {
      merged = ctx.objects.compact(options.deltas === false ? { ...AUTO_GC, delta: NO_DELTAS, stats } : { ...AUTO_GC, stats });
      rounds = merged ? 1 : 0;
    } else {
      while (rounds < MAX_ROUNDS) {
        const n = ctx.objects.compact({ maxPacks: 1, maxBytes: FULL_ROUND_BYTES, stats });
        if (!n) break;
        merged += n;
        rounds++;
      }
    }
    sweepLocks(ctx.commonDir);
  } catch (e) {
    throw ioError(e, 'compact the packs in', path.join(ctx.commonDir, 'objects', 'pack'));
  } finally {
    try {
      lock.release();
    } catch {
      // The lock file is still there, so still ours (no one else can have made it): a second try,
      // else it is left for the next gc, which breaks it once this process is gone.
      removeQuietly(`${file}.lock`);
    }
  }
  return { ran: true, rounds, merged, before, deltas: stats, after: ctx.objects.packStats() };
}

/** Remove what killed lock takers left (git/lock.ts, sweepLockLeftovers): in the git dir itself, and under refs/, agentlog/ and worktrees/. */
function sweepLocks(commonDir: string): number {
  let n = sweepLockLeftovers(commonDir, false);
  for (const sub of ['refs', 'agentlog', 'worktrees']) n += sweepLockLeftovers(path.join(commonDir, sub));
  return n;
}
