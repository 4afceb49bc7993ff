import { CID } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import type { Store } from '../store/store.js';
import { revShadowProblem, timelineRef } from '../git/refs.js';

/** What a REV names: a commit, and the timeline it was found on (when there is one). */
export interface Resolved {
  commit: string;
  seq: number;
  timeline?: string;
}

/**
 * Resolve a REV: `HEAD` (the checked-out commit), a timeline name, `NAME@N` (the timeline as of seq
 * N), a commit id (full, or a prefix of at least 4 hex digits), or an event CID.
 */
export function resolveRev(store: Store, rev = 'HEAD'): Resolved {
  if (rev === 'HEAD') {
    const head = store.head();
    if (!head.oid) {
      throw new AgentlogError('E_REV', `HEAD names no commit in ${store.dir} (nothing is checked out there); name a timeline instead (see: agentlog ls)`, {
        rev,
      });
    }
    const timeline = head.symbolic?.startsWith('refs/heads/') ? head.symbolic.slice('refs/heads/'.length) : timelineContaining(store, head.oid);
    return { commit: head.oid, seq: store.commitInfo(head.oid).seq, timeline };
  }
  // A timeline's name reads its one ref, not every ref of the store.
  const direct = directTip(store, rev);
  if (direct) {
    // A timeline named like a commit id or CID (made before such names were refused, or by git) must not hide one.
    if (revShadowProblem(rev)) {
      const hidden = findCommit(store, /^[0-9a-f]+$/.test(rev) ? (oid) => oid.startsWith(rev) : (_oid, c) => c === rev, rev);
      if (hidden && hidden.commit !== direct) {
        throw new AgentlogError(
          'E_REV',
          `"${rev}" names both timeline ${rev} and commit ${hidden.commit.slice(0, 12)} (on ${hidden.timeline}); say ${rev}@${store.commitInfo(direct).seq} for the timeline, or give more of the commit id`,
          { rev },
        );
      }
    }
    return { commit: direct, seq: store.commitInfo(direct).seq, timeline: rev };
  }

  const at = /^(.+)@(\d+)$/.exec(rev);
  if (at) {
    const [, name, n] = at;
    timelineRef(name);
    const tip = store.tipOf(name);
    if (!tip) throw new AgentlogError('E_REV', `no timeline named ${name} (see: agentlog ls)`, { rev });
    const want = Number(n);
    const commit = commitAt(store, tip, want);
    if (commit) return { commit, seq: want, timeline: name };
    throw new AgentlogError('E_REV', `timeline ${name} has no event seq ${want} (its last is ${store.commitInfo(tip).seq})`, { rev });
  }

  if (/^[0-9a-f]{4,40}$/.test(rev)) {
    const found = findCommit(store, (oid) => oid.startsWith(rev), rev);
    if (found) return found;
  }

  let cid: CID | undefined;
  try {
    cid = CID.parse(rev);
  } catch {
    cid = undefined;
  }
  if (cid) {
    const want = cid.toString();
    const found = findCommit(store, (_oid, c) => c === want, rev);
    if (found) return found;
    throw new AgentlogError('E_REV', `no event ${rev} on any timeline of ${store.dir}`, { rev });
  }
  throw new AgentlogError('E_REV', `"${rev}" names no timeline, commit or event in ${store.dir} (see: agentlog ls)`, { rev });
}

/**
 * The tip of the timeline named `rev`, or undefined. A name agentlog could give reads its one ref; a
 * branch git made under a name agentlog refuses (with "@", say) is looked for among all of them.
 */
function directTip(store: Store, rev: string): string | undefined {
  try {
    timelineRef(rev);
  } catch {
    return store.timelines().get(rev);
  }
  return store.tipOf(rev);
}

/** Search every timeline's history for a commit; a prefix matching several commits is an error. */
function findCommit(store: Store, match: (oid: string, cid: string | undefined) => boolean, rev: string): Resolved | undefined {
  const hits = new Map<string, Resolved>();
  const seen = new Set<string>();
  for (const [name, tip] of store.timelines()) {
    for (const c of store.history(tip)) {
      if (seen.has(c.oid)) {
        // Shared history was searched already from another timeline; keep the first timeline found.
        break;
      }
      seen.add(c.oid);
      if (match(c.oid, c.cid?.toString())) hits.set(c.oid, { commit: c.oid, seq: c.seq, timeline: name });
    }
  }
  if (hits.size > 1) {
    throw new AgentlogError('E_REV', `"${rev}" is ambiguous: it matches commits ${[...hits.keys()].map((o) => o.slice(0, 12)).join(', ')}`, { rev });
  }
  return hits.values().next().value;
}

/** A timeline whose history holds `commit` (its tip first), or undefined. */
export function timelineContaining(store: Store, commit: string): string | undefined {
  const timelines = store.timelines();
  for (const [name, tip] of timelines) if (tip === commit) return name;
  const target = store.commitInfo(commit).seq;
  for (const [name, tip] of timelines) {
    for (const c of store.history(tip)) {
      if (c.oid === commit) return name;
      if (c.seq >= 0 && c.seq < target) break;
    }
  }
  return undefined;
}

/** The commit that appended event `seq` of the timeline ending at `tip` (first parents back), if any. */
export function commitAt(store: Store, tip: string, seq: number): string | undefined {
  for (const c of store.history(tip)) {
    if (c.seq === seq) return c.oid;
    if (c.seq >= 0 && c.seq < seq) break;
  }
  return undefined;
}
