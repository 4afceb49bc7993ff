import { commitAt, type Resolved, resolveDefault, resolveRev, type Store, safe, verifyTimeline } from '../core/index.js';
import type { Context } from './command.js';

/**
 * The REV a read command was given, resolved (core/timeline/rev.ts); with none, the checked-out
 * timeline or else the one appended to last, named on stderr so the reader knows what they see.
 */
export function readRev(ctx: Context, store: Store, rev: string | undefined): Resolved {
  if (rev !== undefined) return resolveRev(store, rev);
  const r = resolveDefault(store);
  ctx.stderr.write(`agentlog: reading ${safe(r.note)}\n`);
  return r;
}

/**
 * Warn once on stderr when what is about to be shown or exported fails verification, naming the seq
 * and the command to run. Cheap on a verified store: a commit below the timeline's verify mark
 * (.git/agentlog/verified.json) is sound without a look, and a tip past it is checked only for the
 * events after it; a sound tip moves the mark, as `agentlog verify` does. With no mark the timeline
 * is checked whole once (the CIDs recomputed, as `verify` does) and marked.
 */
export function warnIfUnsound(ctx: Context, store: Store, r: Resolved): void {
  const name = r.timeline;
  if (!name) return;
  const mark = store.verifyMarks().get(name);
  if (mark && (mark === r.commit || safeCommitAt(store, mark, r.seq) === r.commit)) return;
  const res = verifyTimeline(store, name, r.commit, mark ? { trusted: mark } : {});
  const isTip = store.tipOf(name) === r.commit;
  if (res.problem) {
    const p = res.problem;
    ctx.stderr.write(
      `agentlog: warning: timeline ${safe(name)} fails verification at seq ${p.seq}${p.commit ? ` (commit ${p.commit.slice(0, 12)})` : ''}: ${safe(p.message)}; run: agentlog verify ${safe(name)}\n`,
    );
    if (mark) store.updateVerifyMarks(new Map([[name, undefined]]));
  } else if (isTip) {
    store.updateVerifyMarks(new Map([[name, r.commit]]));
  }
}

function safeCommitAt(store: Store, tip: string, seq: number): string | undefined {
  try {
    return commitAt(store, tip, seq);
  } catch {
    return undefined;
  }
}
