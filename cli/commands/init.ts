import * as path from 'node:path';
import { Store } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';
import { registerTextconv } from '../diffDriver.js';

export const init = defineCommand({
  name: 'init',
  summary: 'create a store (idempotent)',
  usage: 'agentlog init [DIR] [--json]',
  help: `Creates DIR (default ./.agentlog) as a store: a git repository marked in its config as an agentlog
store. Running it again on a store changes nothing. When DIR lies inside another git working tree,
the store is added to that repository's .git/info/exclude so the project never commits it. Registers
the store's git diff driver (agentlog textconv), so git log -p, git show and git diff print events as
DAG-JSON text.

Prints the store's path on stdout.

  --json   {store, created, excludedIn?}`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [dir]) {
    const target = path.resolve(ctx.cwd, dir ?? '.agentlog');
    const { store, created, excludedIn } = Store.init(target);
    registerTextconv(store, (m) => ctx.stderr.write(`agentlog: ${m}\n`));
    ctx.stderr.write(`${created ? 'created' : 'already a store:'} ${store.dir}\n`);
    if (excludedIn) ctx.stderr.write(`listed in ${excludedIn}/.git/info/exclude, so that repository never commits it\n`);
    if (created) ctx.stderr.write(`next: agentlog import claude (or codex) to bring in this project's sessions, or agentlog new --title "…"\n`);
    ctx.stdout.write(values.json ? `${toJson({ store: store.dir, created, ...(excludedIn ? { excludedIn } : {}) })}\n` : `${store.dir}\n`);
    return 0;
  },
});
