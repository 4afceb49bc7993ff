import * as path from 'node:path';
import { AgentlogError, clone as cloneStore, defaultCloneDir, safe } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { registerTextconv } from '../diffDriver.js';
import { printReport, progressOn, TRANSPORT_HELP } from './sync-output.js';

export const clone = defineCommand({
  name: 'clone',
  summary: 'a new store holding every timeline of a remote',
  usage: 'agentlog clone URL [DIR] [-v] [--json]',
  help: `Makes a new store in DIR (default: the URL's last part without .git; it must not exist or be
empty) with URL as its remote "origin", and every timeline of the remote in it. On failure nothing is
left behind. Prints the store's folder and a summary line on stderr (piped: a line per timeline on
stdout; -v: on a terminal too).

  --json   {remote, url, timelines: [{name, status, new}], dir}

${TRANSPORT_HELP}

example (moving a session to another machine):
  machine A:  agentlog remote add origin https://git.example.com/me/sessions.git && agentlog push
  machine B:  agentlog clone https://git.example.com/me/sessions.git sessions`,
  options: { json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' } },
  maxPositionals: 2,
  async run(ctx, values, [url, dir]) {
    if (!url) throw new AgentlogError('E_INPUT', 'give the URL to clone: agentlog clone URL [DIR]');
    const target = path.resolve(ctx.cwd, dir ?? defaultCloneDir(url));
    const { store, report } = await cloneStore(url, target, {
      cwd: ctx.cwd,
      env: ctx.env,
      now: () => ctx.now(),
      progress: progressOn(ctx.stderr),
      warn: (m) => ctx.stderr.write(`warning: ${safe(m)}\n`),
      store: { now: ctx.now },
    });
    registerTextconv(store, (m) => ctx.stderr.write(`agentlog: ${m}\n`));
    ctx.stderr.write(`cloned ${report.url} into ${target}\n`);
    if (values.json) return printReport(ctx, { ...report, dir: target } as typeof report, true, 'clone');
    const code = printReport(ctx, report, false, 'clone', !!values.verbose);
    ctx.stderr.write(`next: cd ${path.relative(ctx.cwd, target) || '.'} && agentlog ls\n`);
    return code;
  },
});
