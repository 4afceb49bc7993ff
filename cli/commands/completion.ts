import { AgentlogError, listRemotes } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { bashScript, fishScript, zshScript } from '../completion.js';
import { commands } from './index.js';

export const completion = defineCommand({
  name: 'completion',
  summary: 'shell completion for bash, zsh or fish: commands, options, timelines, remotes',
  usage: 'agentlog completion bash|zsh|fish',
  help: `Prints a completion script for the shell: it completes commands, options, timeline names and
remote names (asked of agentlog as you type: the refs and the git config only, no event is read).

  bash:  source <(agentlog completion bash)            (in ~/.bashrc)
  zsh:   source <(agentlog completion zsh)             (in ~/.zshrc, after compinit)
  fish:  agentlog completion fish | source             (in ~/.config/fish/config.fish)

What the scripts ask: agentlog completion timelines (every timeline a REV can name, local and
remote-tracking) and agentlog completion remotes, one name a line.`,
  maxPositionals: 1,
  async run(ctx, _values, [what]) {
    switch (what) {
      case 'bash':
        ctx.stdout.write(bashScript(commands));
        return 0;
      case 'zsh':
        ctx.stdout.write(zshScript(commands));
        return 0;
      case 'fish':
        ctx.stdout.write(fishScript(commands));
        return 0;
      case 'timelines':
        for (const name of ctx.store().readableTimelines().keys()) ctx.stdout.write(`${name}\n`);
        return 0;
      case 'remotes':
        for (const r of listRemotes(ctx.store().gitDir)) ctx.stdout.write(`${r.name}\n`);
        return 0;
      default:
        throw new AgentlogError('E_INPUT', `say which shell: agentlog completion bash|zsh|fish (got "${what ?? ''}")`);
    }
  },
});
