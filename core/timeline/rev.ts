import { STORE_REF } from '../store/storeBranch.js';
import * as path from 'node:path';
import { CID } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import { everCheckedOut, revShadowProblem, timelineRef } from '../git/refs.js';
import type { Store } from '../store/store.js';

/**
 * The one revision resolver every command and the extension use. A REV is:
 *
 *   HEAD, @          the checked-out commit
 *   @{-N}            the timeline appended to N before the last one (`@{-1}`: the one before; the
 *                    last one is what read commands show with no REV), as git's `@{-1}` is the
 *                    branch checked out before
 *   NAME             a timeline (a local branch, or a remote-tracking one with no local branch)
 *   PREFIX           a unique prefix of a timeline's name (`claude/8c21`)
 *   NAME@N           the timeline as of event seq N
 *   REV~N, REV^      N events (one) before REV on its timeline, as git reads them; `~` alone is ~1
 *   COMMIT           a commit id, full or a unique prefix of at least 4 hex digits
 *   CID              an event's CID, or a unique prefix (at least 8 characters: `bafyrei…`) or
 *                    suffix (at least 8: what `log`, `show` and `ls` print) of one
 *
 * A REV that matches more than one thing is an E_REV error listing the candidates (the first ten).
 * Short ids are looked up in the commit index (store/commitIndex.ts): one file read, plus a walk of
 * only the commits appended since the last lookup; the timeline that holds the found commit is the
 * one it was indexed from when that still holds it (a walk of that one timeline back to its seq).
 */

/** What a REV names: a commit, and the timeline it was found on (when there is one). */
export interface Resolved {
  commit: string;
  seq: number;
  timeline?: string;
}

/** How many candidates an ambiguous REV lists. */
const LISTED = 10;

export function resolveRev(store: Store, rev = 'HEAD'): Resolved {
  const steps = /^(.*?)((?:~\d*|\^)+)$/.exec(rev);
  if (!steps?.[1]) return resolveBase(store, rev);
  const base = resolveBase(store, steps[1]);
  let back = 0;
  for (const m of steps[2].matchAll(/~(\d*)|\^/g)) back += m[0] === '^' ? 1 : m[1] ? Number(m[1]) : 1;
  if (!back) return base;
  const want = base.seq - back;
  const where = base.timeline ?? base.commit.slice(0, 12);
  if (!Number.isSafeInteger(want) || want < 0) {
    throw new AgentlogError('E_REV', `${rev}: ${where} has ${base.seq} event(s) before seq ${base.seq}, not ${back}`, { rev });
  }
  const commit = commitAt(store, base.commit, want);
  if (!commit) throw new AgentlogError('E_REV', `${rev}: no commit for seq ${want} below ${base.commit.slice(0, 12)}`, { rev });
  return { commit, seq: want, timeline: base.timeline };
}

/**
 * What read commands use when no REV is given: the checked-out timeline when a person checked one
 * out (git wrote the index or the HEAD reflog: agentlog writes neither), else the timeline appended
 * to most recently (its tip event's ts; then its name). `note` says which, for stderr.
 */
export function resolveDefault(store: Store): Resolved & { note: string } {
  const head = store.head();
  const headFile = path.join(store.gitDir, 'HEAD');
  if (head.oid && head.symbolic !== STORE_REF && everCheckedOut(headFile)) {
    const r = resolveRev(store, 'HEAD');
    return { ...r, note: `${r.timeline ? `${r.timeline}@${r.seq}` : r.commit.slice(0, 12)} (checked out: HEAD)` };
  }
  const best = byLastAppend(store)[0];
  if (!best) {
    throw new AgentlogError('E_REV', `no timelines in ${store.dir} yet (start one with: agentlog new, or agentlog import)`, {});
  }
  return {
    commit: best.tip,
    seq: store.commitInfo(best.tip).seq,
    timeline: best.name,
    note: `${best.name} (the timeline appended to last; name another: agentlog ls)`,
  };
}

/** The readable timelines, the one appended to last first (its tip event's ts; then its name). */
function byLastAppend(store: Store): { name: string; tip: string; ts: number }[] {
  const index = store.summaryIndex();
  const all: { name: string; tip: string; ts: number }[] = [];
  for (const [name, { tip }] of store.readableTimelines()) {
    const s = index.tip(tip);
    if (s) all.push({ name, tip, ts: s.tipTs });
  }
  index.save();
  return all.sort((a, b) => b.ts - a.ts || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function resolveBase(store: Store, rev: string): Resolved {
  const back = /^@\{-(\d{1,6})\}$/.exec(rev);
  if (back) {
    const n = Number(back[1]);
    const order = byLastAppend(store);
    const t = order[n];
    if (!n || !t) {
      throw new AgentlogError(
        'E_REV',
        n
          ? `${rev}: ${store.dir} has ${order.length} timeline(s), so no ${n} appended to before the last one`
          : `${rev}: say @{-1} for the timeline appended to before the last one`,
        { rev },
      );
    }
    return { commit: t.tip, seq: store.commitInfo(t.tip).seq, timeline: t.name };
  }
  if (rev === 'HEAD' || rev === '@') {
    const head = store.head();
    if (!head.oid || head.symbolic === STORE_REF) {
      throw new AgentlogError(
        'E_REV',
        `HEAD names no ${head.oid ? 'timeline' : 'commit'} in ${store.dir} (nothing is checked out there); name a timeline instead (see: agentlog ls)`,
        {
          rev,
        },
      );
    }
    const timeline = head.symbolic?.startsWith('refs/heads/') ? head.symbolic.slice('refs/heads/'.length) : timelineContaining(store, head.oid);
    return { commit: head.oid, seq: store.commitInfo(head.oid).seq, timeline };
  }
  // A timeline's name reads its one ref, not every ref of the store.
  const direct = directTip(store, rev);
  if (direct) {
    // A timeline named like a commit id or CID (made before such names were refused, or by git) must not hide one.
    if (revShadowProblem(rev)) {
      const hidden = shortIds(store, rev).find((c) => c.commit !== direct);
      if (hidden) {
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
    const [, given, n] = at;
    const { name, tip } = timelineNamed(store, given, rev);
    const want = Number(n);
    const commit = commitAt(store, tip, want);
    if (commit) return { commit, seq: want, timeline: name };
    throw new AgentlogError('E_REV', `timeline ${name} has no event seq ${want} (its last is ${store.commitInfo(tip).seq})`, { rev });
  }

  const readable = store.readableTimelines();
  const remote = readable.get(rev);
  if (remote) return { commit: remote.tip, seq: store.commitInfo(remote.tip).seq, timeline: rev };

  const candidates: Array<Resolved & { what: string }> = [];
  for (const [name, { tip }] of readable) {
    if (name.startsWith(rev)) candidates.push({ commit: tip, seq: -1, timeline: name, what: `timeline ${name}` });
  }
  for (const c of shortIds(store, rev, readable)) candidates.push({ ...c, what: `${c.what} (${c.timeline}@${c.seq})` });
  if (candidates.length === 1) {
    const c = candidates[0];
    return { commit: c.commit, seq: c.seq >= 0 ? c.seq : store.commitInfo(c.commit).seq, timeline: c.timeline };
  }
  if (candidates.length > 1) {
    const listed = candidates.slice(0, LISTED).map((c) => `  ${c.what}`);
    const more = candidates.length > LISTED ? `\n  … and ${candidates.length - LISTED} more` : '';
    throw new AgentlogError('E_REV', `"${rev}" is ambiguous; it matches ${candidates.length}:\n${listed.join('\n')}${more}\ngive more of it`, {
      rev,
      candidates: candidates.length,
    });
  }
  let cid: CID | undefined;
  try {
    cid = CID.parse(rev);
  } catch {
    cid = undefined;
  }
  if (cid) throw new AgentlogError('E_REV', `no event ${rev} on any timeline of ${store.dir}`, { rev });
  throw new AgentlogError('E_REV', `"${rev}" names no timeline, commit or event in ${store.dir} (see: agentlog ls; agentlog log NAME prints short ids)`, {
    rev,
  });
}

/** A timeline given by its name or a unique prefix of it, with its tip. */
function timelineNamed(store: Store, given: string, rev: string): { name: string; tip: string } {
  const exact = directTip(store, given);
  if (exact) return { name: given, tip: exact };
  const readable = store.readableTimelines();
  const hit = readable.get(given);
  if (hit) return { name: given, tip: hit.tip };
  const matches = [...readable].filter(([name]) => name.startsWith(given));
  if (matches.length === 1) return { name: matches[0][0], tip: matches[0][1].tip };
  if (matches.length > 1) {
    const listed = matches.slice(0, LISTED).map(([name]) => `  ${name}`);
    throw new AgentlogError(
      'E_REV',
      `"${given}" is ambiguous; it begins ${matches.length} timeline names:\n${listed.join('\n')}${matches.length > LISTED ? `\n  … and ${matches.length - LISTED} more` : ''}`,
      { rev },
    );
  }
  throw new AgentlogError('E_REV', `no timeline named ${given} (see: agentlog ls)`, { rev });
}

/**
 * The commits a short id names: a commit id prefix (4+ hex digits), an event's CID in full, or a
 * CID's prefix or suffix (8+ base32 characters). Each found on a timeline of the store.
 */
function shortIds(
  store: Store,
  rev: string,
  readable: ReadonlyMap<string, { tip: string }> = store.readableTimelines(),
): Array<Resolved & { timeline: string; what: string }> {
  const hex = /^[0-9a-f]{4,40}$/.test(rev);
  const b32 = rev.length >= 8 && /^[a-z2-7]+$/.test(rev);
  if (!hex && !b32) return [];
  const tips = new Map<string, string>();
  for (const [name, { tip }] of readable) tips.set(name, tip);
  const out: Array<Resolved & { timeline: string; what: string }> = [];
  const index = store.commitIndex(tips);
  const found = [
    ...(hex ? index.byCommitPrefix(rev).map((e) => ({ e, what: `commit ${e.oid.slice(0, 12)}` })) : []),
    ...(b32 ? index.byCid(rev).map((e) => ({ e, what: `event …${e.cid?.slice(-12)}` })) : []),
  ];
  for (const { e, what } of found) {
    if (out.some((o) => o.commit === e.oid)) continue; // a commit id and its event's CID both matched
    const timeline = holds(store, tips.get(e.hint), e.oid, e.seq) ? e.hint : timelineContaining(store, e.oid);
    if (timeline) out.push({ commit: e.oid, seq: e.seq, timeline, what });
  }
  return out;
}

/** Whether the timeline ending at `tip` holds `commit` (at `seq`). */
function holds(store: Store, tip: string | undefined, commit: string, seq: number): boolean {
  return tip !== undefined && commitAt(store, tip, seq) === commit;
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
