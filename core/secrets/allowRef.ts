import { AgentlogError, isAgentlogError } from '../errors.js';
import { parseCommit, serializeCommit } from '../git/commit.js';
import { type GitObject, ObjectStore, type PackObject } from '../git/objects.js';
import { parseTree, serializeTree } from '../git/tree.js';
import type { Store } from '../store/store.js';
import { type AllowList, EMPTY_ALLOW, formatAllowList, parseAllowList } from './allow.js';

/**
 * Where the allow list lives: a commit on its own ref, `refs/agentlog/allow`, whose tree holds one
 * file, `.agentlogignore`. In the store, so it travels with it (push sends the ref beside the
 * timelines), and not on a branch: a branch is a timeline (I2) and every reader, `verify` and `ls`
 * would take it for one. Each change is a commit on that ref (parent: the list before), so `git log
 * refs/agentlog/allow -p` says who allowed what and when. Read strictly: anything but a commit whose
 * tree holds that one small file is an E_OBJECT error naming the ref.
 */
export const ALLOW_REF = 'refs/agentlog/allow';
export const ALLOW_FILE = '.agentlogignore';
const MAX_BLOB = 1 << 20;

export function readAllowList(store: Store): { list: AllowList; commit?: string } {
  const commit = store.readRef(ALLOW_REF);
  if (!commit) return { list: EMPTY_ALLOW };
  return { list: readAllowCommit((oid) => store.readGitObject(oid), commit, ALLOW_REF).list, commit };
}

/**
 * The allow list of one commit of its history, read strictly through `read` (the store, or a fetch's
 * quarantine): a commit whose tree holds only `.agentlogignore`, a file of at most 1 MiB that
 * parses as an allow list. Anything else, and an object that is not there or not of its type, is an
 * E_OBJECT error naming `where` and the commit. Also returns the commit's parents.
 */
export function readAllowCommit(read: (oid: string) => GitObject, commit: string, where: string): { list: AllowList; parents: string[] } {
  const bad = (why: string) => new AgentlogError('E_OBJECT', `${where} (${commit}): ${why}`, { ref: where, oid: commit });
  const object = (oid: string, type: GitObject['type'], what: string): GitObject => {
    let o: GitObject;
    try {
      o = read(oid);
    } catch (e) {
      if (isAgentlogError(e) && e.code === 'E_IO') throw e; // this machine's disk: the error it is
      throw bad(`its ${what} ${oid} cannot be read${isAgentlogError(e) ? ` (${e.message})` : ''}`);
    }
    if (o.type !== type) throw bad(`its ${what} ${oid} is a ${o.type}, not a ${type}`);
    return o;
  };
  const parsed = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (e) {
      if (isAgentlogError(e)) throw bad(e.message);
      throw e;
    }
  };
  const commitBytes = Buffer.from(object(commit, 'commit', 'commit').content);
  const c = parsed(() => parseCommit(commitBytes, commit));
  const treeBytes = Buffer.from(object(c.tree, 'tree', 'tree').content);
  const tree = parsed(() => parseTree(treeBytes, c.tree));
  const entry = tree.find((e) => e.name === ALLOW_FILE && e.mode === '100644');
  if (!entry || tree.length !== 1) throw bad(`its tree must hold only ${ALLOW_FILE}`);
  const blob = object(entry.oid, 'blob', ALLOW_FILE).content;
  if (blob.length > MAX_BLOB) throw bad(`${ALLOW_FILE} is larger than ${MAX_BLOB} bytes`);
  return { list: parsed(() => parseAllowList(Buffer.from(blob).toString('utf8'), ALLOW_FILE)), parents: c.parents };
}

/**
 * Write `list` as the new allow list: a commit on ALLOW_REF after `expected` (its objects first,
 * then the ref by compare-and-swap, I9, I10). E_MOVED when another writer changed it meanwhile.
 * `merged`: a second parent, the other list of a merge (core/sync/allow.ts: a remote's list).
 */
export async function writeAllowList(
  store: Store,
  list: AllowList,
  expected: string | undefined,
  now: number,
  message: string,
  merged?: string,
): Promise<string> {
  const objects: PackObject[] = [];
  const add = (type: 'blob' | 'tree' | 'commit', content: Uint8Array): string => {
    const oid = ObjectStore.hash(type, content);
    objects.push({ type, content, oid });
    return oid;
  };
  const blob = add('blob', Buffer.from(formatAllowList(list)));
  const tree = add('tree', serializeTree([{ mode: '100644', name: ALLOW_FILE, oid: blob }]));
  const who = { name: 'agentlog', email: 'allow@agentlog', time: Math.max(0, Math.floor(now / 1000)), tz: '+0000' };
  const commit = add(
    'commit',
    serializeCommit({ tree, parents: [...(expected ? [expected] : []), ...(merged ? [merged] : [])], author: who, committer: who, message: `${message}\n` }),
  );
  const release = store.writeObjects(objects);
  let moved: boolean;
  try {
    moved = await store.moveRef(ALLOW_REF, expected, commit);
  } finally {
    release();
  }
  if (!moved) throw new AgentlogError('E_MOVED', `${ALLOW_REF} changed meanwhile; try again`, { ref: ALLOW_REF });
  return commit;
}
