import { AgentlogError, freeName, resolveRev } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

export const fork = defineCommand({
  name: 'fork',
  summary: 'a new timeline sharing history up to REV; prints its name',
  usage: 'agentlog fork REV [--name NAME] [--json]',
  help: `Makes a new timeline (a git branch) at REV: it shares every event up to REV with the timeline it
left, which stays as it was. Appends to the fork go to the fork only.

  --name NAME   the new timeline's name (default: <timeline>-at-<seq>)
  --json        {name, from, seq, commit} in place of the name

example:
  agentlog fork fix-login@3 --name fix-login-retry`,
  options: { name: { type: 'string' }, json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [rev]) {
    if (!rev) throw new AgentlogError('E_INPUT', 'name where to fork: agentlog fork REV (e.g. NAME@3)');
    const store = ctx.store();
    const r = resolveRev(store, rev);
    const name = values.name ?? freeName(store, `${r.timeline ?? 'fork'}-at-${r.seq}`);
    await store.branch(name, r.commit, r.timeline);
    ctx.stderr.write(`forked ${r.timeline ?? r.commit.slice(0, 10)} at seq ${r.seq} as ${name}; next: agentlog append ${name} …\n`);
    ctx.stdout.write(values.json ? `${toJson({ name, from: r.timeline ?? null, seq: r.seq, commit: r.commit })}\n` : `${name}\n`);
    return 0;
  },
});
