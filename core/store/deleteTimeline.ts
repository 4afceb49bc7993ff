import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { appendReflog, readReflog, ZERO_OID } from '../git/reflog.js';
import { everCheckedOut, timelineRef } from '../git/refs.js';
import { editForkRecords, forkRecords, recordFork } from './forks.js';
import { moveRef } from './publish.js';
import type { StoreContext } from './types.js';
import { updateVerifyMarks } from './verifyMarks.js';

// Deleting a timeline, local only, asked by a person (the one exception to I11), and bringing it back.
// The tip is written to the branch's reflog (git/reflog.ts) under the ref's lock before the ref goes:
// git gc keeps the commits a reflog names (30 days for a deleted branch's by default), and
// `undeleteTimeline` reads it back. The line's message carries the fork record the timeline had (I13),
// so that undelete restores it too.

const DELETE = 'agentlog delete: ';
const RENAME = 'agentlog rename: renamed to ';
const FORKED = ' (forked from ';

export interface Deleted {
  name: string;
  commit: string;
  /** The timeline it had left, when it was a fork. */
  forkedFrom?: string;
}

/**
 * Delete timeline `name`; with `expected`, only while its tip is that commit (E_MOVED otherwise, as a
 * caller that read the tip before deciding — an SDK's delete — must not remove what came after).
 */
export async function deleteTimeline(ctx: StoreContext, name: string, expected?: string): Promise<Deleted> {
  const ref = timelineRef(name);
  if (ctx.refs.readLoose(ref)?.symbolic)
    throw new AgentlogError('E_REF', `${name} is a symbolic ref (an alias made with git symbolic-ref); remove it with git`, { name });
  const tip = ctx.refs.read(ref);
  if (!tip) throw new AgentlogError('E_REF', `no timeline ${name} here (agentlog ls lists them)`, { name });
  if (expected !== undefined && tip !== expected) throw new AgentlogError('E_MOVED', `timeline ${name} moved before it was deleted; nothing deleted`, { name });
  // As git branch -d: not the branch a working tree has checked out.
  for (const headFile of ctx.refs.headFiles()) {
    if (ctx.refs.headSymbolicOf(headFile) === ref && everCheckedOut(headFile)) {
      const where = path.dirname(headFile) === ctx.commonDir ? 'the store' : `worktree ${path.basename(path.dirname(headFile))}`;
      throw new AgentlogError('E_REF', `timeline ${name} is checked out in ${where}; check out something else first (git checkout --detach), then delete it`, {
        name,
      });
    }
  }
  const forkedFrom = forkRecords(ctx)[name];
  const message = `${DELETE}${name}${forkedFrom !== undefined ? `${FORKED}${forkedFrom})` : ''}`;
  if (!(await ctx.refs.delete(ref, tip, { message, nowMs: ctx.now() }))) {
    throw new AgentlogError(expected !== undefined ? 'E_MOVED' : 'E_REF', `timeline ${name} moved while it was being deleted (an append?); nothing deleted`, {
      name,
    });
  }
  ctx.tips.delete(ref);
  // Hints and derived files (I13, I14): a stale one names a timeline that is gone, which readers allow.
  try {
    if (forkedFrom !== undefined) await editForkRecords(ctx, (records) => void delete records[name]);
    updateVerifyMarks(ctx, new Map([[name, undefined]]));
  } catch {
    /* the timeline is deleted; its leftover record is only a hint */
  }
  return { name, commit: tip, ...(forkedFrom !== undefined ? { forkedFrom } : {}) };
}

/**
 * Bring back a deleted timeline at the tip its reflog's last deletion names, with its fork record.
 * E_REF when the reflog records no deletion, when the name was renamed away (the error says the
 * rename that undoes it), when the name is taken again, or when git gc has pruned the commit.
 */
export async function undeleteTimeline(ctx: StoreContext, name: string): Promise<Deleted> {
  const ref = timelineRef(name);
  const entries = readReflog(ctx.commonDir, ref);
  const last = entries.at(-1);
  if (!last || last.next !== ZERO_OID) {
    throw new AgentlogError(
      'E_REF',
      last && ctx.refs.read(ref)
        ? `timeline ${name} exists; nothing to bring back`
        : `no deleted timeline ${name} to bring back (its reflog records no deletion)`,
      { name },
    );
  }
  if (last.message.startsWith(RENAME)) {
    const to = last.message.slice(RENAME.length);
    throw new AgentlogError('E_INPUT', `${name} was renamed to ${to}, not deleted; undo that with: agentlog rename ${to} ${name}`, { name, to });
  }
  if (ctx.refs.read(ref))
    throw new AgentlogError('E_REF', `a timeline named ${name} exists again; rename it first (agentlog rename ${name} OTHER), then undelete`, { name });
  if (!ctx.objects.has(last.old)) {
    throw new AgentlogError('E_REF', `the tip ${name} had (${last.old}) is gone from the store (git gc pruned it after its reflog expired)`, {
      name,
      commit: last.old,
    });
  }
  const forked = last.message.startsWith(DELETE) ? /^ \(forked from (.*)\)$/.exec(last.message.slice(DELETE.length + name.length))?.[1] : undefined;
  if (!(await moveRef(ctx, ref, undefined, last.old))) throw new AgentlogError('E_REF', `timeline ${name} was created by another writer meanwhile`, { name });
  try {
    appendReflog(ctx.commonDir, ref, { old: ZERO_OID, next: last.old, nowMs: ctx.now(), message: `agentlog undelete: ${name}` });
  } catch {
    /* the timeline is back; a second undelete then finds it exists */
  }
  if (forked !== undefined) {
    try {
      await recordFork(ctx, name, forked);
    } catch {
      /* a hint (I13): ls falls back to the commit graph */
    }
  }
  return { name, commit: last.old, ...(forked !== undefined ? { forkedFrom: forked } : {}) };
}
