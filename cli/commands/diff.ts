import { AgentlogError, checkpointAt, diffTrees, safe, type Store, summarize, workspaceAt } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';
import { readRev } from '../readRev.js';

export const diff = defineCommand({
  name: 'diff',
  summary: 'what was said and which files changed between two points, or a fork and the timeline it left',
  usage: 'agentlog diff [REV1 [REV2]] [--json]',
  help: `Compares two points of a session: the events each side has after the point they share (what
was said on each), then the files of their workspaces (the newest checkpoint at or before each):
A added, M changed, D deleted, T type or mode changed. With one REV that is a fork, compares the
timeline the fork left (its tip) with the fork; with none, the checked-out timeline (or the one
appended to last, named on stderr) is that fork. The store is a git repository whose commits hold
the files as workspace/, so the full patch is one git command away (printed at the end).

  --json   {from, to, shared, said: {from: [...], to: [...]}, files: [{path, change, before?, after?}]}

examples:
  agentlog diff fix-login@4 fix-login      # what happened since seq 4
  agentlog diff fix-login-retry            # a fork against the timeline it left`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 2,
  async run(ctx, values, [rev1, rev2]) {
    const store = ctx.store();
    let fromRev: string;
    let toRev: string;
    let a: ReturnType<typeof readRev>;
    let b: ReturnType<typeof readRev>;
    if (rev2 === undefined) {
      // One REV (or none: the default timeline, named on stderr): a fork against the timeline it left.
      b = readRev(ctx, store, rev1);
      toRev = rev1 ?? b.timeline ?? b.commit.slice(0, 12);
      const left = b.timeline ? store.forkRecords()[b.timeline] : undefined;
      if (!left) throw new AgentlogError('E_INPUT', `${toRev} is not a fork agentlog made: name both points (agentlog diff REV1 REV2)`);
      fromRev = left;
      a = readRev(ctx, store, left);
    } else {
      fromRev = rev1!;
      toRev = rev2;
      a = readRev(ctx, store, fromRev);
      b = readRev(ctx, store, toRev);
    }
    const ea = store.readEvents(a.commit);
    const eb = store.readEvents(b.commit);
    let shared = 0;
    while (shared < ea.length && shared < eb.length && ea[shared].cid.equals(eb[shared].cid)) shared++;
    const said = (events: typeof ea) =>
      events.slice(shared).map((e) => ({ seq: e.event.seq, kind: e.event.kind, summary: summarize(e.event, 100) || e.event.kind }));
    const wa = workspaceAt(store, a.commit);
    const wb = workspaceAt(store, b.commit);
    // A partial checkpoint (Claude Code's file history) knows only the files it names: a file it does
    // not name, nor list as absent, is not deleted there but unknown, and is left out.
    const absentA = partialAbsent(store, a.commit, wa);
    const absentB = partialAbsent(store, b.commit, wb);
    const all = diffTrees(store, wa, wb);
    const known = all.filter((c) => !((!c.after && absentB && !absentB.has(c.path)) || (!c.before && absentA && !absentA.has(c.path))));
    const unknown = all.length - known.length;
    const files = known.map((c) => ({
      path: c.path,
      change: !c.before ? 'A' : !c.after ? 'D' : c.before.mode !== c.after.mode ? 'T' : 'M',
      ...(c.before ? { before: c.before.oid } : {}),
      ...(c.after ? { after: c.after.oid } : {}),
    }));
    if (values.json) {
      ctx.stdout.write(
        `${toJson({ from: a.commit, to: b.commit, shared: shared - 1, said: { from: said(ea), to: said(eb) }, files, ...(unknown ? { unknown } : {}) })}\n`,
      );
      return 0;
    }
    const out = ctx.stdout;
    out.write(shared ? `${fromRev} and ${toRev} share events 0…${shared - 1}\n` : `${fromRev} and ${toRev} share no event\n`);
    for (const [label, events] of [
      [fromRev, said(ea)],
      [toRev, said(eb)],
    ] as const) {
      out.write(`\nsaid on ${label} after that (${events.length}):\n`);
      for (const e of events.slice(-50)) out.write(`  ${e.seq}  ${safe(e.summary).slice(0, Math.max(20, out.columns - 10))}\n`);
      if (events.length > 50) out.write(`  (${events.length - 50} earlier not shown)\n`);
    }
    out.write(
      `\nfiles (${wa ? wa.slice(0, 10) : 'no checkpoint'} → ${wb ? wb.slice(0, 10) : 'no checkpoint'}): ${files.length ? `${files.length} changed` : 'the same'}\n`,
    );
    for (const f of files) out.write(`  ${f.change} ${safe(f.path)}\n`);
    if (unknown) out.write(`  (${unknown} file(s) a partial checkpoint does not name left out: their state there is not known)\n`);
    if (files.length) out.write(`\nthe patch: git -C ${store.dir} diff ${a.commit.slice(0, 12)} ${b.commit.slice(0, 12)} -- workspace/\n`);
    return 0;
  },
});

/** The paths a partial checkpoint at `commit` (whose snapshot is `tree`) lists as absent, or undefined when that snapshot is whole. */
function partialAbsent(store: Store, commit: string, tree: string | undefined): Set<string> | undefined {
  if (!tree) return undefined;
  const at = checkpointAt(store, commit);
  return at?.tree === tree && at.overlay ? new Set(at.overlay.absent) : undefined;
}
