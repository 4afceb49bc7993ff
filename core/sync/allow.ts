import { AgentlogError, isAgentlogError } from '../errors.js';
import type { GitObject } from '../git/objects.js';
import { type AllowList, parseAllowList } from '../secrets/allow.js';
import { ALLOW_REF, readAllowCommit, writeAllowList } from '../secrets/allowRef.js';
import type { Store } from '../store/store.js';
import { remoteError } from './http.js';
import type { PushUpdate } from './transport.js';

/**
 * The allow list (core/secrets/allowRef.ts: `.agentlogignore` in a commit on refs/agentlog/allow) as
 * push, pull and clone carry it beside the timelines, over both transports. What a remote sends is
 * read strictly before anything is installed: every commit of its allow history that this store's own
 * allow history does not hold must be a commit of at most two parents whose tree holds only
 * `.agentlogignore`, at most 1 MiB, parsing as an allow list (rule names and fingerprints checked);
 * anything else refuses the fetch with E_REMOTE, nothing changed here. The rule for two lists: the
 * union of their entries. A list behind the other's is fast-forwarded; two lists that both changed
 * are joined by a merge commit naming both (this store's first, then the remote's), holding the
 * union, so that either side then fast-forwards to it; nothing is ever taken out by a sync (an entry
 * goes only when a person removes it, `agentlog allow --remove`; the removal travels when the other
 * side has not changed its list since, else the merge's union brings the entry back).
 */

/** What a sync did to the allow list. */
export interface AllowResult {
  status: 'up-to-date' | 'new' | 'fast-forwarded' | 'merged' | 'ahead' | 'pushed' | 'rejected';
  old?: string;
  new?: string;
  /** Entries (rules and fingerprints) this store's list gained. */
  added?: number;
  reason?: string;
}

/** At most this many commits of an allow history are walked (a list changes by hand, a commit at a time). */
export const MAX_ALLOW_COMMITS = 10_000;
const OID = /^[0-9a-f]{40}$/;

/** Every commit of the allow history from `tip` (all parents) that `stop` does not hold, newest first. */
function walk(read: (oid: string) => GitObject, tip: string, where: string, stop: ReadonlySet<string> = new Set()): Map<string, AllowList> {
  const out = new Map<string, AllowList>();
  const queue = [tip];
  while (queue.length) {
    const oid = queue.shift()!;
    if (out.has(oid) || stop.has(oid)) continue;
    if (out.size >= MAX_ALLOW_COMMITS)
      throw new AgentlogError('E_OBJECT', `${where}: its history holds more than ${MAX_ALLOW_COMMITS} commits`, { ref: where });
    const { list, parents } = readAllowCommit(read, oid, where);
    if (parents.length > 2 || parents.some((p) => !OID.test(p))) {
      throw new AgentlogError('E_OBJECT', `${where} (${oid}): a commit of an allow list has at most two parents, each a commit id`, { ref: where, oid });
    }
    out.set(oid, list);
    queue.push(...parents);
  }
  return out;
}

/** A list's entries as its file spells them. */
function entries(l: AllowList): string[] {
  return [...[...l.rules].map((r) => `rule:${r}`), ...[...l.fingerprints].map((f) => `finding:${f}`)];
}

/** The commits of this store's own allow history. */
function localHistory(store: Store): Set<string> {
  const tip = store.readRef(ALLOW_REF);
  return new Set(tip ? walk((oid) => store.readGitObject(oid), tip, ALLOW_REF).keys() : []);
}

/**
 * Check a remote's allow list, read through `read` (a fetch's quarantine, then the store), before
 * anything is installed: E_REMOTE naming the remote and what is wrong. A tip in this store's own
 * allow history needs no check.
 */
export function checkRemoteAllow(store: Store, read: (oid: string) => GitObject, tip: string | undefined, url: string): void {
  if (!tip) return;
  const where = `${url} ${ALLOW_REF}`;
  try {
    if (!OID.test(tip)) throw new AgentlogError('E_OBJECT', `${where}: ${JSON.stringify(tip.slice(0, 60))} is not a commit id`);
    walk(read, tip, where, localHistory(store));
  } catch (e) {
    if (!isAgentlogError(e) || e.code === 'E_IO') throw e;
    throw remoteError(`${url}: its allow list is refused: ${e.message}; nothing was changed here`, { url, ref: ALLOW_REF });
  }
}

/**
 * Take a remote's allow list (checked by checkRemoteAllow, its objects in the store) into this store's
 * by the rule: nothing to do when this store's holds it, a fast-forward when it holds this store's,
 * else a merge commit with the union. Undefined when the remote has none. The ref moves by
 * compare-and-swap; when someone else moved it meanwhile, the rule is applied again.
 */
export async function takeRemoteAllow(store: Store, tip: string | undefined, remote: string, now: number): Promise<AllowResult | undefined> {
  if (!tip) return undefined;
  const read = (oid: string) => store.readGitObject(oid);
  for (let attempt = 0; attempt < 5; attempt++) {
    const local = store.readRef(ALLOW_REF);
    if (local === tip) return { status: 'up-to-date', old: local, new: local };
    const theirs = walk(read, tip, ALLOW_REF);
    if (!local) {
      if (await store.moveRef(ALLOW_REF, undefined, tip)) return { status: 'new', new: tip, added: entries(theirs.get(tip)!).length };
      continue;
    }
    const ours = walk(read, local, ALLOW_REF);
    if (ours.has(tip)) return { status: 'ahead', old: local, new: local };
    const mine = ours.get(local)!;
    const other = theirs.get(tip)!;
    const have = new Set(entries(mine));
    const added = entries(other).filter((e) => !have.has(e)).length;
    if (theirs.has(local)) {
      if (await store.moveRef(ALLOW_REF, local, tip)) return { status: 'fast-forwarded', old: local, new: tip, added };
      continue;
    }
    const union = parseAllowList([...have, ...entries(other)].join('\n'), 'the union of both allow lists');
    try {
      const merged = await writeAllowList(store, union, local, now, `allow: merged the allow list of ${remote} (union of entries)`, tip);
      return { status: 'merged', old: local, new: merged, added };
    } catch (e) {
      if (!isAgentlogError(e) || e.code !== 'E_MOVED') throw e;
    }
  }
  throw new AgentlogError('E_MOVED', `${ALLOW_REF} kept changing while it was merged with the remote's; try again`, { ref: ALLOW_REF });
}

/** The update that publishes this store's allow list over the remote's `tip` (which takeRemoteAllow made an ancestor of it). */
export function allowUpdate(store: Store, tip: string | undefined): PushUpdate | undefined {
  const local = store.readRef(ALLOW_REF);
  if (!local || local === tip) return undefined;
  return { name: ALLOW_REF, ref: ALLOW_REF, old: tip, next: local };
}
