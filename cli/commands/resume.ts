import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError, prepareResume, shellQuote } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { readRev } from '../readRev.js';

export const resumeCommand = defineCommand({
  name: 'resume',
  summary: 'hand a timeline to Claude Code or Codex to continue it',
  usage: 'agentlog resume [REV] --with claude|codex [--cwd DIR] [--exec] [--json]',
  help: `Writes the session as of REV (default: the checked-out timeline, else the one appended to last) where the agent looks for it on this machine
(Claude Code: ~/.claude/projects/<project of DIR>/<id>.jsonl, its subagents in <id>/subagents/;
Codex: ~/.codex/sessions/YYYY/MM/DD/),
then prints the agent's own resume command, to run in DIR (or runs it there with --exec). The records
go out as recorded, the paths of the machine they were written on included; the agent works in DIR
and what it appends extends the same timeline on the next import.

At the tip of a timeline that is not a fork the session keeps its id. From an older point, a fork, or
when the agent's file has moved on since the import (its records compared as parsed JSON), it gets a
new id derived from the commit, and the original file stays as it was.

options:
  --with AGENT   claude or codex (either can resume a session that began in the other)
  --cwd DIR      the project folder to resume in (default: the current folder)
  --exec         run the resume command in DIR instead of printing it
  --json         print {agent, sessionId, file, cwd, command, newId, subagents} on stdout`,
  options: { with: { type: 'string' }, cwd: { type: 'string' }, exec: { type: 'boolean' }, json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, positionals) {
    const agent = values.with;
    if (agent !== 'claude' && agent !== 'codex') throw new AgentlogError('E_INPUT', 'say which agent resumes: --with claude|codex');
    const store = ctx.store();
    const rev = readRev(ctx, store, positionals[0]);
    // The session keeps its id only at the tip of a timeline that is not a fork (a fork is another
    // conversation than the session file the agent has under that id).
    const isTip = rev.timeline !== undefined && store.tipOf(rev.timeline) === rev.commit && store.forkRecords()[rev.timeline] === undefined;
    const cwd = path.resolve(ctx.cwd, values.cwd ?? '.');
    if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
      throw new AgentlogError('E_INPUT', `--cwd ${cwd}: no such folder (the agent resumes in it: make it, or name another)`, { cwd });
    }
    const plan = prepareResume(store, rev.commit, isTip, agent, { cwd, env: ctx.env, now: ctx.now, timeline: rev.timeline });
    ctx.stderr.write(`wrote ${plan.file}${plan.newId ? ' (a new session id: the original stays as it was)' : ''}\n`);
    if (values.json) ctx.stdout.write(`${JSON.stringify(plan)}\n`);
    else if (!values.exec) ctx.stdout.write(`cd ${shellQuote([plan.cwd])} && ${shellQuote(plan.command)}\n`);
    if (!values.exec) return 0;
    const r = spawnSync(plan.command[0], plan.command.slice(1), { cwd: plan.cwd, stdio: 'inherit', env: ctx.env });
    if (r.error)
      throw new AgentlogError(
        'E_INPUT',
        `cannot run ${plan.command[0]}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed (not on PATH)' : r.error.message}`,
      );
    return r.status ?? 1;
  },
});
