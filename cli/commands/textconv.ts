import { AgentlogError, eventBlobAsText } from '../../core/index.js';
import { defineCommand } from '../command.js';

export const textconv = defineCommand({
  name: 'textconv',
  summary: "an event file as text (the store's git diff driver runs it: git log -p, git show, git diff)",
  usage: 'agentlog textconv FILE',
  help: `Prints the event in FILE (its canonical DAG-CBOR bytes, as a store keeps them under events/) as
indented DAG-JSON with its "cid"; a file that is not an event is one line saying why. agentlog init,
clone and demo register it in the store's git config ([diff "agentlog"] textconv) and
info/attributes (*.cbor diff=agentlog), so plain git prints events as text.`,
  maxPositionals: 1,
  async run(ctx, _values, [file]) {
    if (!file) throw new AgentlogError('E_INPUT', 'give the file: agentlog textconv FILE');
    ctx.stdout.write(eventBlobAsText(file));
    return 0;
  },
});
