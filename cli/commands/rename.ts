import { AgentlogError } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

export const rename = defineCommand({
  name: 'rename',
  summary: 'give a timeline another name (local only); prints the new name',
  usage: 'agentlog rename OLD NEW [--json]',
  help: `Renames timeline OLD (its git branch) to NEW, in this store only: a remote keeps the old name
until you push (and then has both). Forks that left OLD are recorded as leaving NEW; a HEAD on OLD
moves to NEW, as git branch -m does. All or nothing: when a step fails (OLD was appended to meanwhile,
NEW was taken) what was done is undone. Undo: agentlog rename NEW OLD.

A timeline that capture or import keeps in step with a session file (claude/…, codex/…) is made
again under its old name the next time the file grows.

  --json   {from, to, commit} in place of the name

example:
  agentlog rename claude/8c21b873-8509-4f1e-9d7a-5c0b1e2f3a4b fix-login`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 2,
  async run(ctx, values, [from, to]) {
    if (!from || !to) throw new AgentlogError('E_INPUT', 'name the timeline and its new name: agentlog rename OLD NEW');
    const store = ctx.store();
    const r = await store.renameTimeline(from, to);
    ctx.stderr.write(`renamed ${from} to ${to}; undo: agentlog rename ${to} ${from}\n`);
    ctx.stdout.write(values.json ? `${toJson(r)}\n` : `${to}\n`);
    return 0;
  },
});
