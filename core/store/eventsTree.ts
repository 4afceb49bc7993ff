import { AgentlogError } from '../errors.js';
import type { StoredEvent } from '../event/event.js';
import type { TreeEntry } from '../git/tree.js';
import { commitInfo } from './history.js';
import { DIR_LEVELS, DIR_MODE, EVENTS_DIR, eventPath, FILE_MODE } from './layout.js';
import { eventFromBlob, readTree } from './readObject.js';
import type { StoreContext } from './types.js';

// Reading a commit's `events/` tree (I4) one path at a time: the folder a path leads to, the spine
// to the last event, the event at one seq. (readEvents.ts reads the whole tree.)

/** The entries of a commit's `events/` tree; E_OBJECT when the commit has none (I4). */
export function eventsTree(ctx: StoreContext, commit: string): TreeEntry[] {
  const events = readTree(ctx, commitInfo(ctx, commit).commit.tree).find((e) => e.name === EVENTS_DIR && e.mode === DIR_MODE);
  if (!events) throw new AgentlogError('E_OBJECT', `commit ${commit} has no ${EVENTS_DIR}/ tree: not an agentlog commit`, { commit });
  return readTree(ctx, events.oid);
}

/** The entries of each tree on the path to a commit's last event: `events/`, then each folder down. */
export function spine(ctx: StoreContext, commit: string): TreeEntry[][] {
  const out: TreeEntry[][] = [eventsTree(ctx, commit)];
  for (let level = 1; level <= DIR_LEVELS; level++) {
    const last = out[level - 1][out[level - 1].length - 1];
    if (!last || last.mode !== DIR_MODE) throw new AgentlogError('E_OBJECT', `commit ${commit} holds no events under ${EVENTS_DIR}/`, { commit });
    out.push(readTree(ctx, last.oid));
  }
  if (!out[DIR_LEVELS].length) throw new AgentlogError('E_OBJECT', `commit ${commit} holds an empty folder under ${EVENTS_DIR}/`, { commit });
  return out;
}

/** The entries of the tree at `names` below a commit's `events/` (undefined if there is none). */
export function treeAt(ctx: StoreContext, commit: string, names: string[]): TreeEntry[] | undefined {
  let entries = eventsTree(ctx, commit);
  for (const name of names) {
    const e = entries.find((x) => x.name === name && x.mode === DIR_MODE);
    if (!e) return undefined;
    entries = readTree(ctx, e.oid);
  }
  return entries;
}

/** The event of seq `seq` in a commit's tree (one path down the tree, not the whole timeline). */
export function eventAt(ctx: StoreContext, commit: string, seq: number): StoredEvent | undefined {
  const names = eventPath(seq);
  const file = treeAt(ctx, commit, names.slice(0, DIR_LEVELS))?.find((e) => e.name === names[DIR_LEVELS] && e.mode === FILE_MODE);
  return file && eventFromBlob(ctx, file.oid, `${EVENTS_DIR}/${names.join('/')} of commit ${commit}`);
}
