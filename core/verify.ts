import { cidOf } from './cid.js';
import { AgentlogError } from './errors.js';
import { openEvent } from './event.js';
import { parseTree, type TreeEntry } from './git/tree.js';
import { EVENTS_DIR, eventPath, LEAF_SIZE, type Store } from './store.js';

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
  let blobs: string[];
  try {
    blobs = store.eventBlobs(tip);
  } catch (e) {
    return fail(-1, tip, errorText(e));
  }
  result.events = blobs.length;
  // The events of the tip's tree, in order: CIDs from bytes, seq and prev links.
  const cids: string[] = [];
  for (let seq = 0; seq < blobs.length; seq++) {
    let opened;
    try {
      opened = openEvent(store.readObject(blobs[seq], 'blob').content, `${EVENTS_DIR}/${eventPath(seq).bucket}/${eventPath(seq).file}`);
    } catch (e) {
      return fail(seq, tip, errorText(e));
    }
    const { event, cid } = opened;
    if (event.seq !== seq) return fail(seq, tip, `event at position ${seq} says seq ${event.seq}`, String(seq), String(event.seq));
    const wantPrev = seq === 0 ? null : cids[seq - 1];
    const gotPrev = event.prev ? event.prev.toString() : null;
    if (gotPrev !== wantPrev) return fail(seq, tip, `prev does not link to the event before`, String(wantPrev), String(gotPrev));
    cids.push(cid.toString());
  }
  // The commits: one per event, newest first, each tree a prefix of the tip's, trailers right.
  let expectSeq = blobs.length - 1;
  let tipBuckets: TreeEntry[];
  try {
    tipBuckets = store.buckets(tip);
  } catch (e) {
    return fail(-1, tip, errorText(e));
  }
  for (const c of safeHistory(store, tip)) {
    if ('error' in c) return fail(expectSeq, c.oid, c.error);
    if (c.seq !== expectSeq) return fail(expectSeq, c.oid, `commit ${c.oid} has Agentlog-Seq ${c.seq < 0 ? '(missing)' : c.seq}`, String(expectSeq), String(c.seq));
    const want = cids[c.seq];
    const found = c.cid?.toString();
    if (found !== want) return fail(c.seq, c.oid, `commit ${c.oid} has Agentlog-Event ${found ?? '(missing)'}, but the event's bytes hash to ${want}`, want, found);
    if (c.commit.parents.length > 1) return fail(c.seq, c.oid, `commit ${c.oid} is a merge; timelines never merge`);
    const problem = checkCommitTree(store, c.oid, c.seq, blobs, tipBuckets);
    if (problem) return fail(c.seq, c.oid, problem.message, want, problem.foundBlob ? safeCid(store, problem.foundBlob) : undefined);
    expectSeq--;
  }
  if (expectSeq !== -1) return fail(expectSeq, tip, `the commit chain ends before genesis: ${expectSeq + 1} commit(s) missing`);
  return result;
}

/**
 * A commit at seq s must hold exactly the tip's events 0..s: its full buckets are the tip's own trees
 * (full buckets never change) and its last leaf lists the tip's blobs up to s.
 */
function checkCommitTree(store: Store, commit: string, seq: number, blobs: string[], tipBuckets: TreeEntry[]): { message: string; foundBlob?: string } | undefined {
  let buckets: TreeEntry[];
  let leaf: TreeEntry[];
  try {
    buckets = store.buckets(commit);
    const last = buckets[buckets.length - 1];
    leaf = last ? parseTree(store.readObject(last.oid, 'tree').content, last.oid) : [];
  } catch (e) {
    return { message: errorText(e) };
  }
  const lastBucket = Math.floor(seq / LEAF_SIZE);
  if (buckets.length !== lastBucket + 1) return { message: `commit ${commit} holds ${buckets.length} event buckets, expected ${lastBucket + 1}` };
  for (let b = 0; b < lastBucket; b++) {
    if (buckets[b].oid !== tipBuckets[b].oid || buckets[b].name !== tipBuckets[b].name) {
      return { message: `commit ${commit} holds different events in ${EVENTS_DIR}/${buckets[b].name}/ than later commits` };
    }
  }
  const first = lastBucket * LEAF_SIZE;
  if (leaf.length !== seq - first + 1) return { message: `commit ${commit} holds ${first + leaf.length} events, expected ${seq + 1}` };
  for (let i = 0; i < leaf.length; i++) {
    const s = first + i;
    if (leaf[i].name !== eventPath(s).file) return { message: `commit ${commit}: unexpected file ${EVENTS_DIR}/${buckets[lastBucket].name}/${leaf[i].name}` };
    if (leaf[i].oid !== blobs[s]) return { message: `commit ${commit} holds a different event at seq ${s} than later commits`, foundBlob: leaf[i].oid };
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
