import { AgentlogError, checkpoint as takeCheckpoint, safe } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';
import { readRev } from '../readRev.js';
import { workspaceFolder } from './workspace-folder.js';

export const checkpoint = defineCommand({
  name: 'checkpoint',
  summary: "record the workspace folder's files in the log (a checkpoint event)",
  usage: 'agentlog checkpoint [NAME] [--workspace DIR] [--label TEXT] [--always] [--json]',
  help: `Snapshots the folder as a git tree in the store and appends a checkpoint event naming it to
timeline NAME (default: the checked-out one, else the one appended to last, named on stderr). The commit carries the files as workspace/ beside
events/, and so does every later commit until the next checkpoint: git checkout, push and clone
carry them, and agentlog restore brings them back. .gitignore files (at every level) and
.git/info/exclude are honoured, .git is left out, symlinks and the executable bit are kept, files
over 50 MiB are skipped and named in the event. Only files whose stat changed since the last
snapshot of the folder are read. Nothing is appended when the folder is as the newest checkpoint
has it (unless --always). Prints the snapshot's tree id.

  --workspace DIR  the folder (default: the session's folder, its cwd)
  --label TEXT     a name for the checkpoint
  --always         append even when nothing changed
  --json           {timeline, tree, files, bytes, written, hashed, skipped, appended, seq?, commit?, cid?}

examples:
  agentlog checkpoint fix-login --label "before the refactor"
  agentlog checkpoint --workspace .     # from a capture hook, in the project folder`,
  options: { workspace: { type: 'string' }, label: { type: 'string' }, always: { type: 'boolean' }, json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [name]) {
    const store = ctx.store();
    const r = readRev(ctx, store, name);
    if (!r.timeline || store.tipOf(r.timeline) !== r.commit)
      throw new AgentlogError('E_INPUT', `a checkpoint is appended to a timeline's tip: name a timeline (agentlog checkpoint NAME; see agentlog ls)`);
    const timeline = r.timeline;
    const dir = workspaceFolder(store, r.commit, values.workspace, ctx.cwd, '--workspace');
    const cp = await takeCheckpoint(store, timeline, dir, { label: values.label, always: values.always });
    if (values.json) {
      const a = cp.appended;
      ctx.stdout.write(
        `${toJson({ timeline, ...cp, appended: !!a, ...(a ? { seq: a.seq, commit: a.commit, cid: a.cid.toString() } : {}), skipped: cp.skipped })}\n`,
      );
      return 0;
    }
    const what = `${cp.files} files, ${cp.bytes} bytes; ${cp.written} new objects, ${cp.hashed} files read`;
    if (cp.appended) ctx.stderr.write(`checkpoint of ${safe(dir)} at ${timeline}@${cp.appended.seq}: ${what}\n`);
    else ctx.stderr.write(`${safe(dir)} is as the newest checkpoint of ${timeline} has it; nothing appended (${what})\n`);
    for (const s of cp.skipped.slice(0, 20)) ctx.stderr.write(`  skipped ${safe(s.path)}: ${s.why}\n`);
    if (cp.skipped.length > 20) ctx.stderr.write(`  … and ${cp.skipped.length - 20} more skipped\n`);
    ctx.stdout.write(`${cp.tree}\n`);
    return 0;
  },
});
