import { AgentlogError, resolveRev } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { eventJson, toJson } from '../format.js';

export const cat = defineCommand({
  name: 'cat',
  summary: 'one event as DAG-JSON',
  usage: 'agentlog cat CID|REV',
  help: `Prints the event whose CID is given, as DAG-JSON with its "cid", after checking that its bytes
hash to that CID. A short id as log, show and ls print it (the last 8 or more characters of the CID),
a unique prefix of the CID, or any REV (NAME@3, NAME~1, a commit id: the event that commit appended)
names it too.`,
  maxPositionals: 1,
  async run(ctx, _values, [text]) {
    if (!text) throw new AgentlogError('E_INPUT', 'give the CID of an event: agentlog cat CID (agentlog log NAME lists them)');
    const store = ctx.store();
    const r = resolveRev(store, text.trim());
    const cid = store.commitInfo(r.commit).cid;
    if (!cid) throw new AgentlogError('E_VERIFY', `commit ${r.commit} names no event in its Agentlog-Event trailer (run: agentlog verify)`);
    const e = store.eventAt(r.commit, r.seq); // one event: one path down the tree, not the timeline
    if (!e?.cid.equals(cid)) {
      throw new AgentlogError(
        'E_VERIFY',
        `commit ${r.commit} claims event ${cid} at seq ${r.seq}, but its bytes hash to ${e?.cid ?? 'nothing'} (run: agentlog verify)`,
      );
    }
    ctx.stdout.write(`${toJson(eventJson(e), true)}\n`);
    return 0;
  },
});
