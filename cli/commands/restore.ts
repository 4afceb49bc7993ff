import { AgentlogError, applyRestore, checkpointAt, checkpointTrees, type PlannedChange, planRestore, safe } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';
import { readRev } from '../readRev.js';
import { workspaceFolder } from './workspace-folder.js';

export const restore = defineCommand({
  name: 'restore',
  summary: 'write the workspace as it was at REV into a folder',
  usage: 'agentlog restore [REV] [--to DIR] [--force] [--dry-run] [--json]',
  help: `Writes the files of the newest checkpoint at or before REV (default: the checked-out timeline's
tip, else the one appended to last, named on stderr; agentlog checkpoint; agentlog run takes
one after every step that changed files) into a folder: an empty or new one, or the session's
folder over what it holds now. What would change is shown first (A added, M changed, D deleted).
A change to a file whose content is in none of the timeline's checkpoints — an edit the log never
saw, an ignored or oversized file in the way — is marked ! and refused unless --force; files the
snapshot does not name and never saw (ignored ones, node_modules/) are never touched. What the
folder held is written into the store before anything is overwritten (git gc removes it later).
A partial checkpoint (Claude Code's file history, from agentlog import claude) writes only the
files it holds and deletes those it names as absent; every other file is left as it is.

  --to DIR    the folder (default: the session's folder, its cwd)
  --force     overwrite changes the log never saw
  --dry-run   show what would change, change nothing
  --json      {rev, commit, tree, dest, changes: [{path, change, unknown}], added?, modified?, deleted?}

examples:
  agentlog restore fix-login@12 --to ../fix-login-at-12
  agentlog restore fix-login --dry-run`,
  options: { to: { type: 'string' }, force: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [rev]) {
    const store = ctx.store();
    const r = readRev(ctx, store, rev);
    const at = checkpointAt(store, r.commit);
    rev ??= r.timeline ?? r.commit.slice(0, 12);
    const tree = at?.tree;
    if (!tree) throw new AgentlogError('E_INPUT', `no checkpoint at or before ${rev}: nothing of the workspace is recorded there (see: agentlog checkpoint)`);
    const dest = workspaceFolder(store, r.commit, values.to, ctx.cwd, '--to');
    const tip = r.timeline ? store.tipOf(r.timeline) : undefined;
    const known = [tree, ...checkpointTrees(store, tip ?? r.commit)];
    const plan = planRestore(store, tree, dest, known, at.overlay);
    if (at.overlay && !values.json) {
      ctx.stderr.write(
        `${rev}'s checkpoint is partial (${safe(at.label ?? 'file history')}): only the files it holds are written, the files it lists as absent deleted, every other file left as it is\n`,
      );
    }
    const changes = plan.changes.map((c) => ({ path: c.path, change: letter(c), unknown: c.unknown }));
    if (!values.json) {
      for (const c of changes.slice(0, 200)) ctx.stderr.write(`${c.unknown ? '!' : ' '}${c.change} ${safe(c.path)}\n`);
      if (changes.length > 200) ctx.stderr.write(`  … and ${changes.length - 200} more\n`);
    }
    if (values['dry-run'] || !changes.length) {
      if (values.json) ctx.stdout.write(`${toJson({ rev, commit: r.commit, tree, dest, changes })}\n`);
      else ctx.stderr.write(changes.length ? `${changes.length} change(s) would be made in ${safe(dest)}\n` : `${safe(dest)} already holds ${rev}'s files\n`);
      return 0;
    }
    const done = applyRestore(store, plan, values.force);
    if (values.json) ctx.stdout.write(`${toJson({ rev, commit: r.commit, tree, dest, changes, ...done })}\n`);
    else ctx.stderr.write(`restored ${rev} into ${safe(dest)}: ${done.added} added, ${done.modified} changed, ${done.deleted} deleted\n`);
    return 0;
  },
});

function letter(c: PlannedChange): string {
  return !c.before ? 'A' : !c.after ? 'D' : 'M';
}
