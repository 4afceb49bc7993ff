/**
 * The sync rule, the one place it is decided. For each timeline, the store's tip and the remote's:
 * fast-forward what can be; a diverged local timeline is kept as a fork with a content-derived name
 * (see forkName) while the remote's version takes the name; nothing merges, nothing is lost.
 *
 * tipRelation says which case a pair of tips is in; adopt applies the remote's tip to the store by it
 * (pull, and push when the remote moved); push publishes only what tipRelation calls `local-ahead`.
 */
import { cidOf, shortCid } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import { unredactedHolding } from '../secrets/redact.js';
import { eventPath, EVENTS_DIR, type CommitInfo, type Store } from '../store/store.js';
import type { TimelineResult } from './types.js';

/**
 * How the store's tip of a timeline stands to the remote's (undefined: that side has no such timeline):
 * - `same`: the same commit;
 * - `local-ahead`: the remote's tip is missing or on the store's history (the remote can be fast-forwarded);
 * - `remote-ahead`: the store's tip is missing or on the remote's history (the store can be fast-forwarded);
 * - `diverged`: each has commits the other lacks (the store's version becomes a fork).
 */
export type TipRelation = 'same' | 'local-ahead' | 'remote-ahead' | 'diverged';

export function tipRelation(store: Store, local: string | undefined, remote: string | undefined): TipRelation {
  if (local === remote) return 'same';
  if (remote === undefined) return 'local-ahead';
  if (local === undefined) return 'remote-ahead';
  if (isAncestor(store, remote, local)) return 'local-ahead';
  if (isAncestor(store, local, remote)) return 'remote-ahead';
  return 'diverged';
}

/** True when `a` is `b` or lies on `b`'s first-parent history (timelines are linear). */
export function isAncestor(store: Store, a: string, b: string): boolean {
  if (!store.hasObject(a)) return false;
  const seqA = store.commitInfo(a).seq;
  for (const c of store.history(b)) {
    if (c.oid === a) return true;
    if (seqA >= 0 && c.seq >= 0 && c.seq < seqA) return false;
  }
  return false;
}

/** The last commit two timelines share, or undefined (different sessions under one name). */
export function commonAncestor(store: Store, a: string, b: string): CommitInfo | undefined {
  // Walk both first-parent histories down together, always stepping the side with the higher seq.
  const xs = store.history(a);
  const ys = store.history(b);
  let x = xs.next();
  let y = ys.next();
  while (!x.done && !y.done) {
    if (x.value.oid === y.value.oid) return x.value;
    if (x.value.seq >= y.value.seq) x = xs.next();
    else y = ys.next();
  }
  return undefined;
}

/** The canonical bytes of the event at `seq` in a commit's tree. */
function eventBytesAt(store: Store, commit: string, seq: number): Buffer {
  const names = eventPath(seq);
  const file = store.treeAt(commit, names.slice(0, -1))?.find((e) => e.name === names[names.length - 1]);
  if (!file) throw new AgentlogError('E_OBJECT', `commit ${commit} has no ${EVENTS_DIR}/${names.join('/')}`, { commit, seq });
  return store.readObject(file.oid, 'blob').content;
}

/**
 * The name a diverged local timeline is kept under: NAME-<short CID of its first event after the
 * common ancestor> (of its genesis when the two share nothing). It depends only on content, so
 * every machine that syncs computes the same name for the same diverged events.
 */
export function forkName(store: Store, name: string, local: string, remote: string): string {
  const base = commonAncestor(store, local, remote);
  const seq = base ? base.seq + 1 : 0;
  return `${name}-${shortCid(cidOf(eventBytesAt(store, local, seq)))}`;
}

/** Put the diverged local tip `local` under its fork name; returns the name. */
export async function keepFork(store: Store, name: string, local: string, remote: string): Promise<string> {
  const base = forkName(store, name, local, remote);
  for (let i = 1; i < 100; i++) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    const ref = `refs/heads/${candidate}`;
    const existing = store.readRef(ref);
    if (!existing) {
      if (await store.moveRef(ref, undefined, local)) return candidate;
      i--; // created meanwhile: look again
      continue;
    }
    // The same rule for the fork's own name: a fork of these events already there (or longer) is
    // ours; a shorter one is fast-forwarded; a different one leaves the name to the next candidate.
    const relation = tipRelation(store, local, existing);
    if (relation === 'same' || relation === 'remote-ahead') return candidate;
    if (relation === 'local-ahead') {
      if (await store.moveRef(ref, existing, local)) return candidate;
      i--;
    }
  }
  throw new AgentlogError('E_REF', `cannot find a free fork name for ${name} (tried ${base} and 98 more)`, { name });
}

/**
 * Apply the remote's tip `remote` of timeline `name` to the store, by the rule above: a missing
 * timeline is created, a shorter one fast-forwarded, a longer one left (ahead), and a diverged one
 * kept as a fork while the remote's version takes the name. Every ref moves by compare-and-swap; a
 * local append racing with us just makes us look again.
 */
/** I10 (every move a compare-and-swap), I11 (a timeline only grows; a diverged one is kept as a fork first), I13. */
export async function adopt(store: Store, name: string, remote: string): Promise<TimelineResult> {
  const ref = `refs/heads/${name}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const local = store.readRef(ref);
    const relation = tipRelation(store, local, remote);
    // A remote still holding a timeline as it was before `agentlog redact` (its original kept here
    // under refs/agentlog/unredacted/): taking it back would undo the redaction, so the name is left alone.
    const original = relation === 'remote-ahead' || relation === 'diverged' ? unredactedHolding(store, remote) : undefined;
    if (original) {
      return {
        name,
        status: 'rejected',
        reason: `the remote holds ${name} as it was before a redaction (kept here as ${original}); delete that branch on the remote (git push REMOTE --delete ${name}), then push`,
      };
    }
    switch (relation) {
      case 'same':
        return { name, status: 'up-to-date' };
      case 'local-ahead':
        return { name, status: 'ahead' };
      case 'remote-ahead':
        if (await store.moveRef(ref, local, remote))
          return local ? { name, status: 'fast-forwarded', old: local, new: remote } : { name, status: 'new', new: remote };
        continue;
      case 'diverged': {
        const fork = await keepFork(store, name, local!, remote);
        if (await store.moveRef(ref, local, remote)) {
          await store.recordFork(fork, name);
          return { name, status: 'forked', fork, old: local, new: remote };
        }
      }
    }
  }
  throw new AgentlogError('E_MOVED', `timeline ${name} keeps moving; gave up applying the remote's version`, { name });
}

/**
 * adopt for every timeline a pull brought (`heads`: name → the remote's tip), with the same rule:
 * the tips that are new here or fast-forward the store's timeline (tipRelation `remote-ahead`, no
 * redaction in the way) are moved together (Store.moveRefs: a lock per ref and one packed-refs
 * write, where a clone of 2,000 timelines wrote, fsynced and renamed a file for each); the others,
 * and any whose ref moved meanwhile, go through adopt one by one. Results in the order of `heads`.
 */
export async function adoptAll(store: Store, heads: ReadonlyArray<readonly [string, string]>): Promise<TimelineResult[]> {
  const local = store.timelines();
  const results = new Array<TimelineResult | undefined>(heads.length);
  const together: Array<{ k: number; name: string; old: string | undefined; next: string }> = [];
  for (const [k, [name, remote]] of heads.entries()) {
    const mine = local.get(name);
    if (mine === remote) results[k] = { name, status: 'up-to-date' };
    else if (tipRelation(store, mine, remote) === 'remote-ahead' && !unredactedHolding(store, remote)) together.push({ k, name, old: mine, next: remote });
  }
  const made = together.length ? await store.moveRefs(together.map((t) => ({ ref: `refs/heads/${t.name}`, expected: t.old, next: t.next }))) : [];
  for (const [i, t] of together.entries()) {
    if (made[i]) results[t.k] = t.old ? { name: t.name, status: 'fast-forwarded', old: t.old, new: t.next } : { name: t.name, status: 'new', new: t.next };
  }
  for (const [k, [name, remote]] of heads.entries()) results[k] ??= await adopt(store, name, remote);
  return results as TimelineResult[];
}
