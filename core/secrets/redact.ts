import type { CID } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import { type Event, sealEvent, type StoredEvent } from '../event/event.js';
import { timelineRef } from '../git/refs.js';
import { UNREDACTED_PREFIX } from '../store/layout.js';
import type { Store } from '../store/store.js';
import { EMPTY_ALLOW } from './allow.js';
import { readAllowList } from './allowRef.js';
import type { Finding } from './scan.js';
import { mapStrings } from './strings.js';
import { scanTimeline } from './timelines.js';

/**
 * Redaction: a timeline rewritten from its first affected event with each selected secret replaced by
 * `[redacted:RULE]`. Events after it get new CIDs (their prev changed), and every rewritten event
 * carries `replaces`, a link to the CID of the event it stands for, so whoever holds the original can
 * check that the redacted copy matches it everywhere but the markers. Commits are built by the store's
 * normal commit path (Store.writeChain: subject, trailers, author and date from the new event).
 *
 * The original stays on this machine, under `refs/agentlog/unredacted/NAME` (NAME.2, … when that is
 * taken): not a branch, so it is no timeline, and push never sends it; delete it with `git update-ref
 * -d` once sure. Every local timeline that shares the first affected commit (a fork that left after
 * it) is rewritten too, with the same selection, sharing the rewritten commits: one rewrite per commit.
 * The branch moves by compare-and-swap from the tip that was scanned (E_MOVED when an append came
 * meanwhile: nothing is lost, run it again). This is the one way a timeline's branch moves to a
 * commit that is not a descendant of its tip (I11's exception, stated in layout.ts).
 */
export { UNREDACTED_PREFIX };

/**
 * The ref under UNREDACTED_PREFIX whose history holds `commit`, if any: a commit a redaction replaced.
 * Sync asks it before taking a remote's version of a timeline (sync/adopt.ts): adopting the original
 * back would undo the redaction here.
 */
export function unredactedHolding(store: Store, commit: string): string | undefined {
  if (!store.hasObject(commit)) return undefined;
  let seq: number;
  try {
    seq = store.commitInfo(commit).seq;
  } catch {
    return undefined;
  }
  for (const [ref, tip] of store.listRefs(UNREDACTED_PREFIX)) {
    for (const c of store.history(tip)) {
      if (c.oid === commit) return ref;
      if (c.seq >= 0 && c.seq < seq) break;
    }
  }
  return undefined;
}

export interface RedactSelection {
  rule?: string;
  finding?: string;
  all?: boolean;
}

export interface Redacted {
  timeline: string;
  oldTip: string;
  newTip: string;
  /** Where the original is kept (a full ref name). */
  kept: string;
  /** The first rewritten seq, and how many events were rewritten (from there to the tip). */
  from: number;
  rewritten: number;
  /** The findings replaced by a marker. */
  findings: Finding[];
}

function pick(sel: RedactSelection): (f: Finding) => boolean {
  const given = [sel.rule !== undefined, sel.finding !== undefined, !!sel.all].filter(Boolean).length;
  if (given !== 1) throw new AgentlogError('E_INPUT', 'say what to redact: --rule RULE, --finding FINGERPRINT or --all');
  if (sel.all) return () => true;
  if (sel.rule !== undefined) return (f) => f.rule === sel.rule;
  return (f) => f.fingerprint === sel.finding;
}

/** The event with each finding's text replaced by a marker, its prev set, and `replaces` naming the event it stands for. */
function redactEvent(old: StoredEvent, findings: readonly Finding[], prev: CID | null): StoredEvent {
  const byPath = new Map<string, Finding[]>();
  for (const f of findings) byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
  const edited = mapStrings(old.event, (path, text) => {
    const here = byPath.get(path);
    if (!here) return undefined;
    let out = text;
    let cut = Number.POSITIVE_INFINITY; // overlapping findings: the later start wins, the earlier is cut to it
    for (const f of [...here].sort((a, b) => b.start - a.start)) {
      const end = Math.min(f.end, cut);
      if (end <= f.start) continue;
      out = `${out.slice(0, f.start)}[redacted:${f.rule}]${out.slice(end)}`;
      cut = f.start;
    }
    return out;
  }) as Event;
  return sealEvent({ ...edited, prev, replaces: old.cid } as Event, `redacted event seq ${old.event.seq}`);
}

/** The first free name for the original of `name` under UNREDACTED_PREFIX. */
function keepRef(store: Store, name: string): string {
  for (let i = 1; ; i++) {
    const ref = `${UNREDACTED_PREFIX}${name}${i === 1 ? '' : `.${i}`}`;
    if (!store.readRef(ref)) return ref;
  }
}

export async function redactTimeline(store: Store, name: string, sel: RedactSelection): Promise<Redacted[]> {
  const wanted = pick(sel);
  timelineRef(name);
  const tip = store.tipOf(name);
  if (!tip) throw new AgentlogError('E_REF', `no timeline named ${name} (see: agentlog ls)`, { name });
  // A finding named outright is redacted even when the allow list lets it through; --all takes what scan reports.
  const allow = sel.all ? readAllowList(store).list : EMPTY_ALLOW;
  const first = (await scanTimeline(store, name, tip, allow)).findings.filter(wanted);
  if (!first.length) throw new AgentlogError('E_INPUT', `nothing to redact in ${name} for that selection (see: agentlog scan ${name})`, { name });
  const from = Math.min(...first.map((f) => f.seq));
  const firstCommit = first.find((f) => f.seq === from)!.commit;
  // Every local timeline holding that commit: the timeline itself and the forks that left after it.
  const affected: Array<[string, string]> = [];
  for (const [t, tTip] of store.timelines()) {
    for (const c of store.history(tTip)) {
      if (c.seq <= from) {
        if (c.oid === firstCommit) affected.push([t, tTip]);
        break;
      }
    }
  }
  const parent = from > 0 ? store.commitInfo(firstCommit).commit.parents[0] : undefined;
  const stop = new Set(parent ? [parent] : []);
  const rewritten = new Map<string, { commit: string; cid: CID }>(); // old commit → its rewrite (shared by forks)
  const plans: Array<{ name: string; oldTip: string; newTip: string; findings: Finding[]; rewritten: number; release: () => void }> = [];
  try {
    for (const [t, tTip] of affected) {
      const findings = t === name ? first : (await scanTimeline(store, t, tTip, allow, { stop })).findings.filter(wanted);
      const byCommit = new Map<string, Finding[]>();
      for (const f of findings) byCommit.set(f.commit, [...(byCommit.get(f.commit) ?? []), f]);
      const commits: Array<{ oid: string; seq: number }> = [];
      for (const c of store.history(tTip)) {
        if (c.seq < from) break;
        commits.push({ oid: c.oid, seq: c.seq });
      }
      commits.reverse();
      const blobs = store.eventBlobs(tTip);
      let at = parent;
      let prev: CID | null = from > 0 ? store.eventFromBlob(blobs[from], `event seq ${from} of ${t}`).event.prev : null;
      let i = 0;
      for (; i < commits.length && rewritten.has(commits[i].oid); i++) ({ commit: at, cid: prev } = rewritten.get(commits[i].oid)!);
      const sealed: StoredEvent[] = [];
      for (const c of commits.slice(i)) {
        const next = redactEvent(store.eventFromBlob(blobs[c.seq], `event seq ${c.seq} of ${t}`), byCommit.get(c.oid) ?? [], prev);
        sealed.push(next);
        prev = next.cid;
      }
      const chain = sealed.length ? store.writeChain(at, sealed) : { commits: [], release: () => {} };
      for (const [k, c] of commits.slice(i).entries()) rewritten.set(c.oid, { commit: chain.commits[k], cid: sealed[k].cid });
      const newTip = chain.commits.length ? chain.commits[chain.commits.length - 1] : at!;
      plans.push({ name: t, oldTip: tTip, newTip, findings, rewritten: commits.length, release: chain.release });
    }
    const out: Redacted[] = [];
    for (const p of plans) {
      const kept = keepRef(store, p.name);
      await store.moveRef(kept, undefined, p.oldTip); // the original first: it is never unreachable
      if (!(await store.moveRef(timelineRef(p.name), p.oldTip, p.newTip))) {
        throw new AgentlogError(
          'E_MOVED',
          `timeline ${p.name} moved while it was redacted; nothing of it was changed (its original is also kept as ${kept}); run redact again`,
          {
            name: p.name,
          },
        );
      }
      out.push({ timeline: p.name, oldTip: p.oldTip, newTip: p.newTip, kept, from, rewritten: p.rewritten, findings: p.findings });
    }
    return out;
  } finally {
    for (const p of plans) p.release();
  }
}
