import * as path from 'node:path';
import { Store } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { registerTextconv } from '../diffDriver.js';

export const init = defineCommand({
  name: 'init',
  summary: 'create a store (idempotent)',
  usage: 'agentlog init [DIR]',
  help: `Creates DIR (default ./.agentlog) as a store: a git repository marked in its config as an agentlog
store. Running it again on a store changes nothing. When DIR lies inside another git working tree,
the store is added to that repository's .git/info/exclude so the project never commits it. Registers
the store's git diff driver (agentlog textconv), so git log -p, git show and git diff print events as
DAG-JSON text.

Prints the store's path on stdout.`,
  maxPositionals: 1,
  async run(ctx, _values, [dir]) {
    const target = path.resolve(ctx.cwd, dir ?? '.agentlog');
    const { store, created, excludedIn } = Store.init(target);
    registerTextconv(store, (m) => ctx.stderr.write(`agentlog: ${m}\n`));
    ctx.stderr.write(`${created ? 'created' : 'already a store:'} ${store.dir}\n`);
    if (excludedIn) ctx.stderr.write(`listed in ${excludedIn}/.git/info/exclude, so that repository never commits it\n`);
    ctx.stdout.write(`${store.dir}\n`);
    return 0;
  },
});
