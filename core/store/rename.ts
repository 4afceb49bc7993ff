import { AgentlogError } from '../errors.js';
import { appendReflog, ZERO_OID } from '../git/reflog.js';
import { newTimelineRef, timelineRef } from '../git/refs.js';
import { editForkRecords, restoreForks } from './forks.js';
import type { StoreContext } from './types.js';
import { updateVerifyMarks, readVerifyMarks } from './verifyMarks.js';

// Renaming a timeline (a branch, I2), local only: what git branch -m does, with agentlog's
// bookkeeping. Each step can be undone, and a step that fails undoes the ones before it:
//   1. the new name, made by compare-and-swap from nothing at the old tip (I10);
//   2. forks.json: the timeline's own record and the records of forks that left it (I13);
//   3. every HEAD attached to the old name, attached to the new one (as git branch -m);
//   4. the old name, deleted by compare-and-swap from the tip it had (an append meanwhile fails the
//      rename and undoes 1–3), its reflog noting where it went.
// A crash between 1 and 4 leaves both names at the same tip: nothing lost, and `agentlog delete`
// takes the extra one. Derived files follow (verify marks); the summary index checks tips itself (I15).

export interface Renamed {
  from: string;
  to: string;
  commit: string;
}

export async function renameTimeline(ctx: StoreContext, from: string, to: string): Promise<Renamed> {
  const fromRef = timelineRef(from);
  const toRef = newTimelineRef(to); // not a name that shadows a commit id or CID (rev.ts)
  if (from === to) throw new AgentlogError('E_INPUT', `${from} already has that name`, { name: from });
  if (ctx.refs.readLoose(fromRef)?.symbolic)
    throw new AgentlogError('E_REF', `${from} is a symbolic ref (an alias made with git symbolic-ref); rename it with git`, { name: from });
  const tip = ctx.refs.read(fromRef);
  if (!tip) throw new AgentlogError('E_REF', `no timeline ${from} here (agentlog ls lists them)`, { name: from });
  if (ctx.refs.read(toRef))
    throw new AgentlogError('E_REF', `timeline ${to} already exists; choose another name (or agentlog delete ${to} first)`, { name: to });
  if (!(await ctx.refs.compareAndSwap(toRef, undefined, tip))) {
    throw new AgentlogError('E_REF', `timeline ${to} was created by another writer meanwhile; nothing renamed`, { name: to });
  }
  const undo: Array<() => Promise<unknown>> = [() => ctx.refs.delete(toRef, tip)];
  try {
    const forksBefore = await editForkRecords(ctx, (records) => {
      if (records[from] !== undefined) {
        records[to] = records[from];
        delete records[from];
      }
      for (const [fork, left] of Object.entries(records)) if (left === from) records[fork] = to;
    });
    undo.push(() => restoreForks(ctx, forksBefore));
    const heads = await ctx.refs.moveHeads(fromRef, toRef);
    if (heads) undo.push(() => ctx.refs.moveHeads(toRef, fromRef));
    const removed = await ctx.refs.delete(fromRef, tip, { message: `agentlog rename: renamed to ${to}`, nowMs: ctx.now() });
    if (!removed) {
      throw new AgentlogError('E_REF', `timeline ${from} moved while it was being renamed (an append?); nothing renamed: try again`, { name: from });
    }
  } catch (e) {
    const failed: string[] = [];
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (u) {
        failed.push(u instanceof Error ? u.message : String(u));
      }
    }
    if (!failed.length) throw e;
    const cause = e instanceof Error ? e.message : String(e);
    throw new AgentlogError(
      'E_REF',
      `renaming ${from} to ${to} failed (${cause}) and could not be fully undone (${failed.join('; ')}): both names may now exist at ${tip}; agentlog delete the one you do not want`,
      {
        from,
        to,
      },
    );
  }
  ctx.tips.delete(fromRef);
  // After the fact, and only for people reading the log (git reflog show NAME): not worth failing the rename.
  try {
    appendReflog(ctx.commonDir, toRef, { old: ZERO_OID, next: tip, nowMs: ctx.now(), message: `agentlog rename: renamed from ${from}` });
  } catch {
    /* the rename stands without this line */
  }
  const marked = readVerifyMarks(ctx).get(from);
  if (marked) {
    try {
      updateVerifyMarks(
        ctx,
        new Map([
          [from, undefined],
          [to, marked],
        ]),
      );
    } catch {
      /* derived (I14): the next verify of the new name checks it whole */
    }
  }
  return { from, to, commit: tip };
}
