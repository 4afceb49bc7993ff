import { parseCid } from '../codec/cid.js';
import { isAgentlogError } from '../errors.js';
import { parseCommit, trailers, type Commit } from '../git/commit.js';
import type { GitObject } from '../git/objects.js';
import { parseTree, type TreeEntry } from '../git/tree.js';
import { EVENTS_DIR, TRAILER_EVENT, TRAILER_SEQ } from '../store/store.js';
import { badRefName } from '../git/refName.js';
import { remoteError } from './http.js';

/** Why `oid` is not the tip of an agentlog timeline, or undefined when it is one. */
/** I4, I5: a timeline's tip commit names its event in trailers and holds events/. */
export function notAgentlog(read: (oid: string) => GitObject, oid: string): string | undefined {
  let obj: GitObject;
  try {
    obj = read(oid);
  } catch {
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
    if (!isAgentlogError(e)) throw e;
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

/** Refuse a remote whose branches are not all agentlog timelines with valid names; `url` names it in the message. */
export function checkAgentlogHeads(read: (oid: string) => GitObject, heads: Map<string, string>, url: string): void {
  for (const name of heads.keys()) {
    // I2: a remote's branch becomes a ref here only if git would accept its name.
    if (badRefName(name)) throw remoteError(`${url} advertises a branch with an invalid name (${JSON.stringify(name)}); nothing was changed here`, { url });
  }
  for (const [name, oid] of heads) {
    const why = notAgentlog(read, oid);
    if (why) {
      throw remoteError(`${url} is not an agentlog store: its branch ${name} is not a timeline (${why}); nothing was changed here`, { url, branch: name });
    }
  }
}
