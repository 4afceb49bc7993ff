import * as path from 'node:path';
import { freeName, slug } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

export const newCommand = defineCommand({
  name: 'new',
  summary: 'start a session: a genesis event on a new timeline',
  usage: 'agentlog new [--title T] [--name NAME] [--model M] [--agent A] [--workspace DIR] [--json]',
  help: `Writes the genesis event (kind "session", seq 0) on a new timeline and prints the CID of the event
and then, as its last line, the timeline's name.

options:
  --title T    the session's title (also the default name, as a slug)
  --name NAME  the timeline's name (a git branch name under refs/heads/)
  --model M    the model the session starts with
  --agent A    the agent's name (default: agentlog)
  --workspace DIR  the folder the session works in (its cwd; \`agentlog run\` confines its tools there)
  --json       {name, cid, commit} in place of the two lines

example, a fresh agent in two commands:
  agentlog new --title "fix the build" --model claude-sonnet-4-5 --workspace .
  agentlog run fix-the-build --prompt "make npm test pass"`,
  options: {
    title: { type: 'string' },
    name: { type: 'string' },
    model: { type: 'string' },
    agent: { type: 'string' },
    workspace: { type: 'string' },
    json: { type: 'boolean' },
  },
  maxPositionals: 0,
  async run(ctx, values) {
    const store = ctx.store();
    const title = values.title ?? '';
    const name = values.name ?? freeName(store, slug(title || 'session'));
    const genesis = {
      kind: 'session',
      title,
      agent: { name: values.agent ?? 'agentlog' },
      ...(values.model ? { model: values.model } : {}),
      ...(values.workspace !== undefined ? { cwd: path.resolve(ctx.cwd, values.workspace) } : {}),
    };
    const made = await store.create(name, genesis);
    ctx.stderr.write(`new session on timeline ${name}; next: agentlog append ${name} --role user --text "…"\n`);
    ctx.stdout.write(values.json ? `${toJson({ name, cid: made.cid, commit: made.commit })}\n` : `${made.cid}\n${name}\n`);
    return 0;
  },
});
