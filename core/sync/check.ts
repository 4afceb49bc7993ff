import { STORE_BRANCH } from '../store/storeBranch.js';
import { parseCid } from '../codec/cid.js';
import { isAgentlogError } from '../errors.js';
import { parseCommit, trailers, type Commit } from '../git/commit.js';
import type { GitObject } from '../git/objects.js';
import { parseTree, type TreeEntry } from '../git/tree.js';
import { revShadowProblem, timelineRef } from '../git/refs.js';
import { EVENTS_DIR, type Store, TRAILER_EVENT, TRAILER_SEQ } from '../store/store.js';
import { verifyTimeline } from '../timeline/verify.js';
import { remoteError } from './http.js';

/** Why `oid` is not the tip of an agentlog timeline, or undefined when it is one. */
/** I4, I5: a timeline's tip commit names its event in trailers and holds events/. */
export function notAgentlog(read: (oid: string) => GitObject, oid: string): string | undefined {
  let obj: GitObject;
  try {
    obj = read(oid);
  } catch (e) {
    if (isAgentlogError(e) && e.code === 'E_IO') throw e; // this store's disk, not the remote
    return `its commit ${oid} was not received`;
  }
  if (obj.type !== 'commit') return `it points at a ${obj.type}, not a commit`;
  let c: Commit;
  try {
    c = parseCommit(obj.content, oid);
  } catch (e) {
    if (!isAgentlogError(e)) throw e;
    return `its tip commit ${oid.slice(0, 12)} cannot be read: ${e.message}`;
  }
  const t = trailers(c.message);
  if (!t[TRAILER_EVENT] || !t[TRAILER_SEQ]) return `its tip commit ${oid.slice(0, 12)} has no ${TRAILER_EVENT} trailer (not an agentlog event commit)`;
  try {
    parseCid(t[TRAILER_EVENT]);
  } catch {
    return `its tip commit ${oid.slice(0, 12)} names "${t[TRAILER_EVENT]}", not an event CID`;
  }
  // A tree that never came or does not parse is the remote's doing: a reason, not an error about this
  // store (an error that is not an AgentlogError is a bug and goes on).
  let tree: GitObject;
  try {
    tree = read(c.tree);
  } catch (e) {
    if (!isAgentlogError(e) || e.code === 'E_IO') throw e;
    return `its tip commit ${oid.slice(0, 12)} names the tree ${c.tree}, which was not received`;
  }
  let root: TreeEntry[];
  try {
    root = parseTree(tree.content, c.tree);
  } catch (e) {
    if (!isAgentlogError(e)) throw e;
    return `the tree of its tip commit ${oid.slice(0, 12)} cannot be read: ${e.message}`;
  }
  if (!root.some((e) => e.name === EVENTS_DIR && e.mode === '40000')) return `its tip commit ${oid.slice(0, 12)} has no ${EVENTS_DIR}/ folder`;
  return undefined;
}

/** A remote branch or timeline this store would not take, and why (the warning names both). */
export interface Skipped {
  name: string;
  reason: string;
}

/**
 * Why a remote branch name cannot be a timeline here, or undefined: the store's own rule for
 * timeline names (timelineRef: git's ref rules, no "@", not HEAD, not "-…", at most 200
 * characters, I2), and no name a REV would read as an object (revShadowProblem: a commit id or an
 * event CID), as for a timeline made here.
 */
export function remoteNameProblem(name: string): string | undefined {
  try {
    timelineRef(name);
  } catch (e) {
    if (!isAgentlogError(e)) throw e;
    return e.message;
  }
  const shadow = revShadowProblem(name); // the same rule as for a timeline made here
  if (shadow) return `"${name}": ${shadow}`;
  return undefined;
}

/**
 * The remote's branches that can be timelines here; the others go to `skipped` (with a warning
 * each, never an error: the rest syncs). I2: a remote's branch becomes a ref here only under a valid
 * timeline name.
 */
export function timelineHeads(heads: Map<string, string>, skipped: Skipped[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, oid] of heads) {
    if (name === STORE_BRANCH) continue; // a store's own branch (store/storeBranch.ts): never a timeline
    const why = remoteNameProblem(name);
    if (why) skipped.push({ name, reason: `its name is not a valid timeline name (${why})` });
    else out.set(name, oid);
  }
  return out;
}

/**
 * The heads whose tips this store has not taken before: a tip that is the store's timeline of that
 * name or its remote-tracking ref for `remoteName` passed these checks when it came (issue 20: a pull
 * with nothing new read every tip of a store of 2,000 timelines again, 2.4 s of its 3.3 s).
 */
export function unknownHeads(
  store: Store,
  remoteName: string,
  heads: Map<string, string>,
  /** The store's refs by timeline name, when the caller has read them already (fetch.ts refSnapshot). */
  refs?: { local: Map<string, string>; tracking: Map<string, string> },
): Map<string, string> {
  const prefix = `refs/remotes/${remoteName}/`;
  const tracking = refs?.tracking ?? new Map([...store.listRefs(prefix)].map(([ref, oid]) => [ref.slice(prefix.length), oid]));
  const local = refs?.local ?? store.timelines();
  const out = new Map<string, string>();
  for (const [name, oid] of heads) if (tracking.get(name) !== oid && local.get(name) !== oid) out.set(name, oid);
  return out;
}

/** Refuse a remote whose branches are not all agentlog timelines; `url` names it in the message. */
export function checkAgentlogHeads(read: (oid: string) => GitObject, heads: Map<string, string>, url: string): void {
  for (const [name, oid] of heads) {
    const why = notAgentlog(read, oid);
    if (why) {
      throw remoteError(`${url} is not an agentlog store: its branch ${name} is not a timeline (${why}); nothing was changed here`, { url, branch: name });
    }
  }
}

/**
 * Why the store must not adopt `tip` as timeline `name`, or undefined (git's transfer.fsckObjects,
 * for our format). Every commit it would bring in is checked before any ref names it: its root tree
 * holds `events/` and nothing else, the folders and files on its path to its event have the modes
 * and names I4 gives (no symlink, no `..`, no `.git`), down to `known`, a commit already checked
 * (the store's own tip, or what an earlier pull verified); and the whole timeline passes
 * verifyTimeline: one commit per event on a first-parent chain (I3), every event's CID computed
 * again from its bytes and equal to its commit's trailer (I5, I6), seq and prev unbroken from
 * genesis (I7), the trees of every commit consistent with the tip's (I4).
 */
export function timelineProblem(store: Store, name: string, tip: string, known: ReadonlySet<string>): string | undefined {
  // One walk: verifyTimeline checks each new commit's tree shape as it goes (strictTrees), down to
  // the first commit already known; an I/O error of this store goes on as the error it is.
  return verifyTimeline(store, name, tip, { trusted: known, strictTrees: true }).problem?.message;
}
