import { AgentlogError } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

export const deleteCommand = defineCommand({
  name: 'delete',
  summary: 'delete a timeline (local only; agentlog undelete brings it back)',
  usage: 'agentlog delete NAME [--json]',
  help: `Deletes timeline NAME (its git branch) from this store only; a remote that has it keeps it, and a
pull from there brings it back. Its tip is first written to the branch's reflog
(.git/logs/refs/heads/NAME), so git gc keeps its events for as long as git keeps reflogs (30 days for
a deleted branch, gc.reflogExpireUnreachable) and agentlog undelete NAME brings it back, with its
fork record. A timeline a working tree has checked out is refused, as git branch -d refuses it.

  --json   {name, commit, forkedFrom?}

example:
  agentlog delete fix-login-retry`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [name]) {
    if (!name) throw new AgentlogError('E_INPUT', 'name the timeline to delete: agentlog delete NAME');
    const store = ctx.store();
    const d = await store.deleteTimeline(name);
    const remotes = [...store.listRefs('refs/remotes/').keys()].filter(
      (ref) => ref.endsWith(`/${name}`) && ref.split('/').length === 3 + name.split('/').length,
    );
    const kept = remotes.length ? ` (${remotes.map((r) => r.split('/')[2]).join(', ')} still has it: a pull brings it back)` : '';
    ctx.stderr.write(
      `deleted timeline ${name} (was ${d.commit.slice(0, 10)})${kept}\nundo: agentlog undelete ${name}   (or with git: git -C '${store.dir}' branch ${name} ${d.commit})\n`,
    );
    if (values.json) ctx.stdout.write(`${toJson(d)}\n`);
    return 0;
  },
});

export const undelete = defineCommand({
  name: 'undelete',
  summary: 'bring back a timeline agentlog delete removed',
  usage: 'agentlog undelete NAME [--json]',
  help: `Brings back timeline NAME at the tip it had when agentlog delete removed it (read from the
branch's reflog, .git/logs/refs/heads/NAME), with its fork record. Refused when the name is taken
again, or when git gc has pruned its commits since the reflog expired.

  --json   {name, commit, forkedFrom?} in place of the name`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [name]) {
    if (!name) throw new AgentlogError('E_INPUT', 'name the timeline to bring back: agentlog undelete NAME');
    const store = ctx.store();
    const d = await store.undeleteTimeline(name);
    ctx.stderr.write(`brought back timeline ${name} at ${d.commit.slice(0, 10)}\n`);
    ctx.stdout.write(values.json ? `${toJson(d)}\n` : `${name}\n`);
    return 0;
  },
});
