import { actorOf, type StoredEvent } from '../event/event.js';
import { commitSubject } from '../event/subject.js';
import { serializeCommit } from '../git/commit.js';
import { ObjectStore, type PackObject } from '../git/objects.js';
import { serializeTree, type TreeEntry } from '../git/tree.js';
import { checkpointTree, DIR_LEVELS, DIR_MODE, EVENTS_DIR, eventPath, FILE_MODE, TRAILER_EVENT, TRAILER_SEQ, WORKSPACE_DIR } from './layout.js';

/**
 * The objects of one append, added to `objects` in the order they are made: the event's blob, the
 * folders on its path from the leaf up, `events/`, the root tree and the commit (I3, I4, I5). Pure:
 * nothing is written here; the caller writes them before any ref names them (I9). `spine` is the
 * previous tip's path (empty for genesis), `parent` its commit, `workspace` the snapshot its root
 * holds (I16); returns the new commit, spine and snapshot.
 */
export function buildCommit(
  sealed: StoredEvent,
  spine: TreeEntry[][],
  parent: string | undefined,
  objects: PackObject[],
  workspace?: string,
): { oid: string; spine: TreeEntry[][]; workspace?: string } {
  const { seq } = sealed.event;
  const path = eventPath(seq);
  const prevPath = seq > 0 ? eventPath(seq - 1) : [];
  const add = (type: 'blob' | 'tree' | 'commit', content: Uint8Array): string => {
    const oid = ObjectStore.hash(type, content);
    objects.push({ type, content, oid });
    return oid;
  };
  let child: TreeEntry = { mode: FILE_MODE, name: path[DIR_LEVELS], oid: add('blob', sealed.bytes) };
  const next: TreeEntry[][] = new Array(DIR_LEVELS + 1);
  for (let level = DIR_LEVELS; level >= 0; level--) {
    // The folder at this level is the previous tip's when every folder name above it is the same:
    // older entries are kept as they are (I4), only the last is added or replaced.
    const same = seq > 0 && path.slice(0, level).every((name, i) => name === prevPath[i]);
    const entries = same ? (spine[level] ?? []).slice() : [];
    if (entries.length && entries[entries.length - 1].name === child.name) entries[entries.length - 1] = child;
    else entries.push(child);
    next[level] = entries;
    const oid = add('tree', serializeTree(entries));
    child = level > 0 ? { mode: DIR_MODE, name: path[level - 1], oid } : { mode: DIR_MODE, name: EVENTS_DIR, oid };
  }
  // The newest checkpoint's snapshot rides beside events/ until the next one (I16).
  const ws = checkpointTree(sealed.event) ?? workspace;
  const root = add('tree', serializeTree(ws ? [child, { mode: DIR_MODE, name: WORKSPACE_DIR, oid: ws }] : [child]));
  const actor = actorOf(sealed.event);
  // git accepts no date before the epoch (fsck: badDateOverflow); the event keeps its own ts (I5).
  const when = { name: actor, email: `${emailSlug(actor)}@agentlog`, time: Math.max(0, Math.floor(sealed.event.ts / 1000)), tz: '+0000' };
  const message = `${commitSubject(sealed.event) || sealed.event.kind}\n\n${TRAILER_EVENT}: ${sealed.cid}\n${TRAILER_SEQ}: ${seq}\n`;
  // One parent, the previous event's commit; none at genesis (I3).
  const oid = add('commit', serializeCommit({ tree: root, parents: parent ? [parent] : [], author: when, committer: when, message }));
  return { oid, spine: next, ...(ws ? { workspace: ws } : {}) };
}

/**
 * The local part of an actor's commit email: lowercase, [a-z0-9._-] only, no `-` at either end, `agent`
 * when nothing is left. The ends are trimmed by a scan: the actor comes from event text (a model name),
 * and `.replace(/^-+|-+$/g, '')` is quadratic on a long run of `-` inside it — a 200 KB model name made
 * one append take tens of seconds (issue 17, point 6).
 */
export function emailSlug(actor: string): string {
  const s = actor.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 0x2d) start++;
  while (end > start && s.charCodeAt(end - 1) === 0x2d) end--;
  return s.slice(start, end) || 'agent';
}
