import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializeCommit } from '../git/commit.js';
import { withLockNow } from '../git/lock.js';
import { ObjectStore, type PackObject } from '../git/objects.js';
import type { Store } from './store.js';

/**
 * The store's own branch (I2): `refs/heads/agentlog@store`, one commit of an empty tree, the same in
 * every store. A new store's HEAD names it, so that a plain `git clone` of the store finds a HEAD that
 * names something (git warned "remote HEAD refers to nonexistent ref" and checked nothing out) and
 * checks out an empty folder, and `git status` in the store says it is clean. It is not a timeline:
 * `@` is kept out of timeline names, so no timeline can take its name; listing, verify, push and
 * pull leave it out. HEAD never names a timeline's branch: appends would move the branch under a
 * checkout, and git refuses pushes to a checked-out branch.
 */
export const STORE_BRANCH = 'agentlog@store';
export const STORE_REF = `refs/heads/${STORE_BRANCH}`;

const MESSAGE = `agentlog store

This git repository is an agentlog store: each other branch is a timeline of
agent events (agentlog ls lists them; agentlog show NAME reads one). This
branch is the store's own, so that HEAD names something; it holds nothing.
`;

/** The branch's objects: the empty tree and its commit (the same bytes in every store). */
function objects(): { commit: string; objects: PackObject[] } {
  const tree = Buffer.alloc(0);
  const treeOid = ObjectStore.hash('tree', tree);
  const who = { name: 'agentlog', email: 'store@agentlog', time: 0, tz: '+0000' };
  const content = serializeCommit({ tree: treeOid, parents: [], author: who, committer: who, message: MESSAGE });
  const commit = ObjectStore.hash('commit', content);
  return {
    commit,
    objects: [
      { type: 'tree', content: tree, oid: treeOid },
      { type: 'commit', content, oid: commit },
    ],
  };
}

/**
 * Make the store's branch when it is missing, and point HEAD at it when HEAD names a branch that
 * does not exist (a new store, or one made before this branch was): a HEAD someone checked out is
 * left alone. Returns whether HEAD now names the store's branch.
 */
export function ensureStoreBranch(store: Store): boolean {
  const { commit, objects: objs } = objects();
  if (!store.readRef(STORE_REF)) {
    store.writeLoose(objs); // two small objects: loose, so that a store's packs are its appends' alone
    const file = path.join(store.gitDir, ...STORE_REF.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    withLockNow(file, { durable: store.durable }, () => (fs.existsSync(file) ? undefined : `${commit}\n`));
  }
  const head = store.head();
  if (head.symbolic === STORE_REF) return true;
  if (!head.symbolic || head.oid) return false;
  const headFile = path.join(store.gitDir, 'HEAD');
  return withLockNow(headFile, { durable: store.durable }, () => {
    const now = store.head();
    return now.symbolic && !now.oid ? `ref: ${STORE_REF}\n` : undefined;
  });
}
