import { addRemote, AgentlogError, listRemotes, normalizeUrl, redact } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { table, toJson } from '../format.js';
import { TRANSPORT_HELP } from './sync-output.js';

export const remote = defineCommand({
  name: 'remote',
  summary: 'name a remote store to push to and pull from (add, list)',
  usage: 'agentlog remote add NAME URL | agentlog remote list [--json]',
  help: `remote add NAME URL   remember URL as NAME, in the store's git config in git's own format
                      ([remote "NAME"] url, fetch), so plain git sees the same remote
remote list           the remotes: NAME and URL

${TRANSPORT_HELP}

example:
  agentlog remote add origin https://git.example.com/me/sessions.git`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 3,
  async run(ctx, values, [sub, name, url]) {
    const store = ctx.store();
    if (sub === 'add') {
      if (!name || !url) throw new AgentlogError('E_INPUT', 'usage: agentlog remote add NAME URL');
      const stored = normalizeUrl(url, ctx.cwd);
      addRemote(store.gitDir, name, stored);
      ctx.stderr.write(`added remote ${name}: ${redact(stored)}; next: agentlog push ${name} (send this store's timelines) or agentlog pull ${name}\n`);
      return 0;
    }
    if (sub === 'list' || sub === undefined) {
      if (name) throw new AgentlogError('E_INPUT', `unexpected argument "${name}"; usage: agentlog remote list`);
      const remotes = listRemotes(store.gitDir).map((r) => ({ name: r.name, url: redact(r.url) }));
      if (values.json) ctx.stdout.write(`${toJson(remotes)}\n`);
      else
        ctx.stdout.write(
          table(
            remotes.map((r) => [r.name, r.url]),
            ctx.stdout.isTTY,
          ),
        );
      return 0;
    }
    throw new AgentlogError('E_INPUT', `unknown subcommand "${sub}"; use: agentlog remote add NAME URL, or agentlog remote list`);
  },
});
