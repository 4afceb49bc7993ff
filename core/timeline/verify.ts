import { cidOf } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import type { TreeEntry } from '../git/tree.js';
import { DIR_LEVELS, EVENTS_DIR, eventPath, FANOUT, type CommitInfo, type Store } from '../store/store.js';

/** The first thing wrong with a timeline, named precisely enough to find it with git. */
export interface Problem {
  timeline: string;
  seq: number;
  commit: string;
  expected?: string;
  found?: string;
  message: string;
}

export interface VerifyResult {
  timeline: string;
  tip: string;
  events: number;
  problem?: Problem;
}

/**
 * Verify a timeline as of `tip`: every event's CID recomputed from its bytes, strict decoding, `seq`
 * 0, 1, 2, … with no gaps, each `prev` the CID of the event before, and every commit on the
 * first-parent chain holding exactly the events up to its own, with trailers naming its event's CID
 * and seq. Stops at the first bad event.
 */
export function verifyTimeline(store: Store, timeline: string, tip: string): VerifyResult {
  const result: VerifyResult = { timeline, tip, events: 0 };
  const fail = (seq: number, commit: string, message: string, expected?: string, found?: string): VerifyResult => {
    result.problem = { timeline, seq, commit, expected, found, message };
    return result;
  };
  let blobs: readonly string[];
  try {
    blobs = store.eventBlobs(tip);
  } catch (e) {
    return fail(-1, tip, errorText(e));
  }
  result.events = blobs.length;
  // The commit chain, newest first: one commit per event, seq n-1 down to 0.
  const bySeq: CommitInfo[] = new Array(blobs.length);
  let expectSeq = blobs.length - 1;
  for (const c of safeHistory(store, tip)) {
    if ('error' in c) return fail(expectSeq, c.oid, c.error);
    if (c.seq !== expectSeq) return fail(expectSeq, c.oid, `commit ${c.oid} has Agentlog-Seq ${c.seq < 0 ? '(missing)' : c.seq}`, String(expectSeq), String(c.seq));
    if (c.commit.parents.length > 1) return fail(c.seq, c.oid, `commit ${c.oid} is a merge; timelines never merge`);
    bySeq[c.seq] = c;
    expectSeq--;
  }
  if (expectSeq !== -1) return fail(expectSeq, tip, `the commit chain ends before genesis: ${expectSeq + 1} commit(s) missing`);
  // Oldest first: each event's CID from its bytes, against its commit's trailer and the next prev.
  const tipTrees = new Map<string, TreeEntry[] | undefined>();
  let prevCid: string | null = null;
  for (let seq = 0; seq < blobs.length; seq++) {
    const commit = bySeq[seq];
    const claimed = commit.cid?.toString();
    let opened;
    try {
      opened = store.eventFromBlob(blobs[seq], `${EVENTS_DIR}/${eventPath(seq).join('/')}`);
    } catch (e) {
      return fail(seq, commit.oid, errorText(e), claimed);
    }
    const { event } = opened;
    const cid = opened.cid.toString();
    if (claimed !== cid) return fail(seq, commit.oid, `the event's bytes hash to ${cid}, but commit ${commit.oid} names ${claimed ?? '(no Agentlog-Event trailer)'}`, claimed, cid);
    if (event.seq !== seq) return fail(seq, commit.oid, `the event at position ${seq} says seq ${event.seq}`, String(seq), String(event.seq));
    const gotPrev = event.prev ? event.prev.toString() : null;
    if (gotPrev !== prevCid) return fail(seq, commit.oid, 'prev does not link to the event before', String(prevCid), String(gotPrev));
    const problem = checkCommitTree(store, tip, commit.oid, seq, blobs, tipTrees);
    if (problem) return fail(seq, commit.oid, problem.message, cid, problem.foundBlob ? safeCid(store, problem.foundBlob) : undefined);
    prevCid = cid;
  }
  return result;
}

/**
 * A commit at seq s must hold exactly the tip's events 0..s. Along the path to its last event, every
 * entry but the last of each folder is the tip's own (those subtrees are complete and never change),
 * each folder has as many entries as seq s implies, and the last file is the tip's blob at s.
 */
function checkCommitTree(
  store: Store,
  tip: string,
  commit: string,
  seq: number,
  blobs: readonly string[],
  tipTrees: Map<string, TreeEntry[] | undefined>,
): { message: string; foundBlob?: string } | undefined {
  let spine: TreeEntry[][];
  try {
    spine = store.spine(commit);
  } catch (e) {
    return { message: errorText(e) };
  }
  const names = eventPath(seq);
  for (let level = 0; level <= DIR_LEVELS; level++) {
    const entries = spine[level];
    const span = FANOUT ** (DIR_LEVELS - level);
    const want = (level === 0 ? Math.floor(seq / span) : Math.floor(seq / span) % FANOUT) + 1;
    const where = `${EVENTS_DIR}/${names.slice(0, level).map((n) => `${n}/`).join('')}`;
    if (entries.length !== want) return { message: `commit ${commit} holds ${entries.length} entries in ${where}, expected ${want}` };
    const last = entries[entries.length - 1];
    if (last.name !== names[level]) return { message: `commit ${commit}: unexpected ${where}${last.name}` };
    if (level === DIR_LEVELS) {
      if (last.oid !== blobs[seq]) return { message: `commit ${commit} holds a different event at seq ${seq} than later commits`, foundBlob: last.oid };
      continue;
    }
    if (entries.length < 2) continue;
    const key = names.slice(0, level).join('/');
    if (!tipTrees.has(key)) tipTrees.set(key, store.treeAt(tip, names.slice(0, level)));
    const theirs = tipTrees.get(key);
    for (let i = 0; i < entries.length - 1; i++) {
      if (!theirs || theirs[i]?.oid !== entries[i].oid || theirs[i]?.name !== entries[i].name) {
        return { message: `commit ${commit} holds different events in ${where}${entries[i].name}/ than later commits` };
      }
    }
  }
  return undefined;
}

function* safeHistory(store: Store, tip: string) {
  let oid: string | undefined = tip;
  while (oid) {
    let info;
    try {
      info = store.commitInfo(oid);
    } catch (e) {
      yield { oid, error: errorText(e) } as const;
      return;
    }
    yield info;
    oid = info.commit.parents[0];
  }
}

function safeCid(store: Store, blob: string): string | undefined {
  try {
    return cidOf(store.readObject(blob, 'blob').content).toString();
  } catch {
    return undefined;
  }
}

function errorText(e: unknown): string {
  if (e instanceof AgentlogError) return e.message;
  return (e as Error)?.message ?? String(e);
}
