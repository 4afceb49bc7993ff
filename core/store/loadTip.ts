import { AgentlogError } from '../errors.js';
import { spine } from './eventsTree.js';
import { commitInfo } from './history.js';
import { DIR_LEVELS, DIR_MODE, WORKSPACE_DIR } from './layout.js';
import { eventFromBlob, readTree } from './readObject.js';
import type { StoreContext, Tip } from './types.js';

/**
 * The tip of a timeline as an append builds on it: from memory while the ref still points at the
 * remembered commit (I15), else read from the repository (its spine, and its last event for seq and CID).
 */
export function loadTip(ctx: StoreContext, ref: string, name: string): Tip {
  const commit = ctx.refs.read(ref);
  if (!commit) throw new AgentlogError('E_REF', `no timeline named ${name} (see: agentlog ls)`, { name });
  const cached = ctx.tips.get(ref);
  if (cached?.commit === commit) return cached;
  const path = spine(ctx, commit);
  const leaf = path[DIR_LEVELS];
  const lastFile = leaf[leaf.length - 1];
  const { event, cid } = eventFromBlob(ctx, lastFile.oid, `${name} tip (${commit})`);
  const workspace = readTree(ctx, commitInfo(ctx, commit).commit.tree).find((e) => e.name === WORKSPACE_DIR && e.mode === DIR_MODE)?.oid;
  const tip: Tip = { commit, seq: event.seq, cid, spine: path, ...(workspace ? { workspace } : {}) };
  ctx.tips.set(ref, tip);
  return tip;
}
