import { STORE_REF } from '../store/storeBranch.js';
import { CID, cidOf } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import type { StoredEvent } from '../event/event.js';
import { parseTree, type TreeEntry } from '../git/tree.js';
import { checkpointTree, DIR_LEVELS, DIR_MODE, EVENTS_DIR, eventPath, FANOUT, FILE_MODE, WORKSPACE_DIR } from '../store/layout.js';
import type { CommitInfo, Store } from '../store/store.js';
import { SpineIds } from './spineIds.js';

/** The store invariants verify checks, numbered as core/store/layout.ts states them. */
export type Invariant = 'I3' | 'I4' | 'I5' | 'I6' | 'I7' | 'I9' | 'I10' | 'I16';

/** The first thing wrong with a timeline, named precisely enough to find it with git. */
export interface Problem {
  timeline: string;
  seq: number;
  commit: string;
  expected?: string;
  found?: string;
  /** The invariant that broke (core/store/layout.ts); the message starts with it too: `[I5] …`. */
  invariant: Invariant;
  message: string;
}

export interface VerifyResult {
  timeline: string;
  tip: string;
  events: number;
  /** The seq of the trusted commit the check started after (a verify mark, a pull's local tip), when it met one. */
  trustedSeq?: number;
  problem?: Problem;
  /**
   * Events rewritten by a redaction (core/secrets/redact.ts), among those checked: each carries
   * `replaces`, the CID of the event it stands for. `from`: the first one's seq.
   */
  redacted?: { from: number; events: number };
}

/**
 * The timelines to verify, and a failed result for each branch under refs/heads/ that cannot be read
 * (I10: an empty ref file, a symbolic ref that loops or leads out of refs/, a symbolic link, content
 * that is not a commit id). Store.timelines() fails at the first such ref; verify names them all,
 * each as a Problem (seq -1, no commit) naming the ref and the invariant.
 */
export function checkTimelineRefs(store: Store): { timelines: Map<string, string>; problems: VerifyResult[] } {
  const { refs, bad } = store.listRefsChecked('refs/heads/');
  const timelines = new Map<string, string>();
  for (const [ref, oid] of refs) if (ref !== STORE_REF) timelines.set(ref.slice('refs/heads/'.length), oid);
  const problems = bad.map(({ ref, error }): VerifyResult => {
    const timeline = ref.slice('refs/heads/'.length);
    return { timeline, tip: '', events: 0, problem: { timeline, seq: -1, commit: '', invariant: 'I10', message: `[I10] ${error.message}` } };
  });
  return { timelines, problems };
}

/**
 * Verify a timeline as of `tip` against the store's invariants (core/store/layout.ts): the events/
 * tree laid out as eventPath says (I4), every commit on the first-parent chain appending one event
 * and nothing merged (I3), its trailers naming its event's seq and the CID recomputed from the
 * event's bytes (I5, I6), the events decoded strictly (I6) with `seq` 0, 1, 2, … and each `prev`
 * the CID of the event before (I7), and every commit holding exactly the events up to its own (I4).
 * An object that cannot be read (missing, corrupt, or not of the type its parent names) is reported
 * under I9. Stops at the first bad event. Never reads the event cache (I14).
 *
 * Each commit's tree is checked by id: SpineIds computes the trees it must have from the tip's
 * blobs (and the checkpoints before it), and a commit whose root tree id is that one holds exactly
 * events 0…s; those trees are then checked to be there and whole (their packs' CRC-32s, or read
 * when loose) rather than read. The trees of a commit whose id differs are read to name the problem.
 *
 * `trusted`: a commit (or any of a set of commits) of this timeline the store already holds and
 * trusts (a pull's local tip, what an earlier pull checked): the walk stops at the first it meets, and
 * only the commits after it are checked, the first of them against its event's CID. A pull then costs
 * in proportion to what is new, not to the timeline.
 *
 * `strictTrees` (what a pull adopts, sync/check.ts): also, in the same walk, every commit's root tree
 * holds `events/` (and at most `workspace/`, I16) and every folder and file on its path has the mode I4 gives (no symlink, no
 * `.git`, no `..`), so a remote's timeline is walked once.
 */
export function verifyTimeline(
  store: Store,
  timeline: string,
  tip: string,
  options: { trusted?: string | ReadonlySet<string>; strictTrees?: boolean } = {},
): VerifyResult {
  const trusted = options.trusted;
  const isTrusted = (oid: string): boolean => (typeof trusted === 'string' ? oid === trusted : !!trusted?.has(oid));
  const result: VerifyResult = { timeline, tip, events: 0 };
  const fail = (seq: number, commit: string, invariant: Invariant, message: string, expected?: string, found?: string): VerifyResult => {
    result.problem = { timeline, seq, commit, expected, found, invariant, message: `[${invariant}] ${message}` };
    return result;
  };
  let blobs: readonly string[];
  try {
    blobs = store.eventBlobs(tip);
  } catch (e) {
    return fail(-1, tip, invariantOf(e, 'I4'), errorText(e));
  }
  result.events = blobs.length;
  // The commit chain, newest first: one commit per event, seq n-1 down to 0.
  const bySeq: CommitInfo[] = new Array(blobs.length);
  let expectSeq = blobs.length - 1;
  let reading = tip; // the commit the walk reads next, to name it when it cannot be read
  let base: CommitInfo | undefined; // the trusted commit the walk stopped at
  try {
    for (const c of store.history(tip)) {
      if (isTrusted(c.oid)) {
        base = c;
        break;
      }
      if (options.strictTrees) {
        const shape = treeShapeProblem(store, c);
        if (shape) return fail(c.seq, c.oid, 'I4', shape);
      }
      if (c.seq !== expectSeq)
        return fail(expectSeq, c.oid, 'I5', `commit ${c.oid} has Agentlog-Seq ${c.seq < 0 ? '(missing)' : c.seq}`, String(expectSeq), String(c.seq));
      if (c.commit.parents.length > 1) return fail(c.seq, c.oid, 'I3', `commit ${c.oid} is a merge; timelines never merge`);
      bySeq[c.seq] = c;
      expectSeq--;
      reading = c.commit.parents[0];
    }
  } catch (e) {
    return fail(expectSeq, reading, invariantOf(e, 'I3'), errorText(e));
  }
  if (base && base.seq !== expectSeq) {
    return fail(expectSeq, base.oid, 'I5', `commit ${base.oid} has Agentlog-Seq ${base.seq}`, String(expectSeq), String(base.seq));
  }
  if (base) result.trustedSeq = base.seq;
  if (!base && expectSeq !== -1) return fail(expectSeq, tip, 'I3', `the commit chain ends before genesis: ${expectSeq + 1} commit(s) missing`);
  // Oldest first: each event's CID from its bytes, against its commit's trailer and the next prev.
  const tipTrees = new Map<string, TreeEntry[] | undefined>();
  // CIDs compared as bytes; made strings only to name a problem.
  let prevCid: CID | null = base ? (base.cid ?? null) : null;
  // The snapshot each commit's root must hold as workspace/: the newest checkpoint's so far (I16).
  let snapshot: string | undefined;
  const seenTrees = new Set<string>();
  // The tree ids each commit must have, computed (not with strictTrees: a pull reads every root anyway).
  const spine = options.strictTrees ? undefined : new SpineIds(blobs);
  if (base) {
    try {
      snapshot = workspaceOf(store, base);
    } catch (e) {
      return fail(base.seq, base.oid, invariantOf(e, 'I16'), errorText(e));
    }
  }
  for (let seq = base ? base.seq + 1 : 0; seq < blobs.length; seq++) {
    const commit = bySeq[seq];
    const claimedCid = commit.cid;
    let opened: StoredEvent;
    try {
      opened = store.eventFromBlob(blobs[seq], `${EVENTS_DIR}/${eventPath(seq).join('/')}`);
    } catch (e) {
      return fail(seq, commit.oid, invariantOf(e, 'I6'), errorText(e), claimedCid?.toString());
    }
    const { event } = opened;
    if (CID.asCID(event.replaces)) {
      result.redacted ??= { from: seq, events: 0 };
      result.redacted.events++;
    }
    if (!claimedCid?.equals(opened.cid)) {
      const claimed = claimedCid?.toString();
      const cid = opened.cid.toString();
      return fail(
        seq,
        commit.oid,
        'I5',
        `the event's bytes hash to ${cid}, but commit ${commit.oid} names ${claimed ?? '(no Agentlog-Event trailer)'}`,
        claimed,
        cid,
      );
    }
    if (event.seq !== seq) return fail(seq, commit.oid, 'I7', `the event at position ${seq} says seq ${event.seq}`, String(seq), String(event.seq));
    const linked = !event.prev ? prevCid === null : prevCid !== null && (CID.asCID(event.prev)?.equals(prevCid) ?? false);
    if (!linked)
      return fail(seq, commit.oid, 'I7', 'prev does not link to the event before', String(prevCid), String(event.prev ? event.prev.toString() : null));
    snapshot = checkpointTree(event) ?? snapshot;
    // The commit's tree is the one its events make (I4, I16: spineIds.ts): then each tree on its
    // spine need only be there and whole (I9), not read. Otherwise the reads below name what differs.
    const ids = spine?.at(seq, snapshot);
    if (ids && ids[0].toString('hex') === commit.commit.tree) {
      try {
        // Each a tree this commit made (its spine leads to its own event); delta bases are checked once (PackSet).
        for (const id of ids) store.checkObject(id, 'tree');
        if (snapshot && !seenTrees.has(snapshot)) store.readObject(snapshot, 'tree');
        if (snapshot) seenTrees.add(snapshot);
      } catch (e) {
        return fail(seq, commit.oid, invariantOf(e, 'I9'), errorText(e));
      }
      prevCid = opened.cid;
      continue;
    }
    let held: string | undefined;
    try {
      held = workspaceOf(store, commit, seenTrees);
    } catch (e) {
      return fail(seq, commit.oid, invariantOf(e, 'I16'), errorText(e));
    }
    if (held !== snapshot)
      return fail(
        seq,
        commit.oid,
        'I16',
        `commit ${commit.oid} holds ${held ? `the snapshot ${held}` : 'no snapshot'} as ${WORKSPACE_DIR}/, where its checkpoints say ${snapshot ?? 'none'}`,
        snapshot,
        held,
      );
    const problem = checkCommitTree(store, tip, commit.oid, seq, blobs, tipTrees);
    if (problem)
      return fail(
        seq,
        commit.oid,
        problem.invariant,
        problem.message,
        opened.cid.toString(),
        problem.foundBlob ? safeCid(store, problem.foundBlob) : undefined,
      );
    // What checkCommitTree does not compare: the entries before the last of the commit's own last
    // folder, and each entry's mode. Its root may hold more than events/ and workspace/ (strictTrees
    // refuses that; here it is left as before).
    if (ids) {
      let events: string | undefined;
      try {
        events = parseTree(store.readObject(commit.commit.tree, 'tree').content, commit.commit.tree).find(
          (e) => e.name === EVENTS_DIR && e.mode === DIR_MODE,
        )?.oid;
      } catch (e) {
        return fail(seq, commit.oid, invariantOf(e, 'I4'), errorText(e));
      }
      if (events !== ids[1].toString('hex'))
        return fail(
          seq,
          commit.oid,
          'I4',
          `commit ${commit.oid} holds other files in ${EVENTS_DIR}/ than events 0…${seq} of later commits (its ${EVENTS_DIR}/ is tree ${events}, theirs make ${ids[1].toString('hex')})`,
        );
    }
    prevCid = opened.cid;
  }
  return result;
}

/**
 * Why commit `c`'s tree is not the shape I4 gives, or undefined (verifyTimeline's strictTrees): its
 * root tree holds `events/` (and at most a `workspace/` folder, I16), and the folders and the file on the path to its last event have
 * the modes a folder and a file have.
 */
function treeShapeProblem(store: Store, c: CommitInfo): string | undefined {
  const root = store.readObject(c.commit.tree, 'tree');
  const entries = parseTree(root.content, c.commit.tree);
  const bad = entries.find((e) => (e.name !== EVENTS_DIR && e.name !== WORKSPACE_DIR) || e.mode !== DIR_MODE);
  if (bad || entries[0]?.name !== EVENTS_DIR || entries.length > 2) {
    const what = bad ? `"${bad.name}" (mode ${bad.mode})` : 'no events/ folder';
    return `its commit ${c.oid.slice(0, 12)} (seq ${c.seq}) holds ${what} in its root tree, where only ${EVENTS_DIR}/ may be (and ${WORKSPACE_DIR}/, I16)`;
  }
  const spine = store.spine(c.oid);
  for (let level = 0; level < spine.length; level++) {
    const want = level === DIR_LEVELS ? FILE_MODE : DIR_MODE;
    const odd = spine[level].find((e) => e.mode !== want);
    if (odd) return `its commit ${c.oid.slice(0, 12)} (seq ${c.seq}) holds "${odd.name}" with mode ${odd.mode} under ${EVENTS_DIR}/, not ${want}`;
  }
  return undefined;
}

/** The snapshot a commit's root tree holds as `workspace/` (I16); the tree it names must be there (I9). */
function workspaceOf(store: Store, c: CommitInfo, seen?: Set<string>): string | undefined {
  const entries = parseTree(store.readObject(c.commit.tree, 'tree').content, c.commit.tree);
  const ws = entries.find((e) => e.name === WORKSPACE_DIR);
  if (!ws) return undefined;
  if (ws.mode !== DIR_MODE) throw new AgentlogError('E_OBJECT', `commit ${c.oid} holds ${WORKSPACE_DIR} with mode ${ws.mode}, not a folder`);
  if (!seen?.has(ws.oid)) store.readObject(ws.oid, 'tree');
  seen?.add(ws.oid);
  return ws.oid;
}

/**
 * A commit at seq s must hold exactly the tip's events 0..s (I4). Along the path to its last event, every
 * entry but the last of each folder is the tip's own (those subtrees are complete and never change),
 * each folder has as many entries as seq s implies, and the last file is the tip's blob at s.
 * Run only for a commit whose tree is not the one its events make (spineIds.ts), to name what
 * differs; what it does not compare (the files before the last in the commit's own last folder,
 * modes) verifyTimeline names after it, from the computed ids.
 */
function checkCommitTree(
  store: Store,
  tip: string,
  commit: string,
  seq: number,
  blobs: readonly string[],
  tipTrees: Map<string, TreeEntry[] | undefined>,
): { invariant: Invariant; message: string; foundBlob?: string } | undefined {
  let spine: TreeEntry[][];
  try {
    spine = store.spine(commit);
  } catch (e) {
    return { invariant: invariantOf(e, 'I4'), message: errorText(e) };
  }
  const names = eventPath(seq);
  for (let level = 0; level <= DIR_LEVELS; level++) {
    const entries = spine[level];
    const span = FANOUT ** (DIR_LEVELS - level);
    const want = (level === 0 ? Math.floor(seq / span) : Math.floor(seq / span) % FANOUT) + 1;
    const where = `${EVENTS_DIR}/${names
      .slice(0, level)
      .map((n) => `${n}/`)
      .join('')}`;
    if (entries.length !== want) return { invariant: 'I4', message: `commit ${commit} holds ${entries.length} entries in ${where}, expected ${want}` };
    const last = entries[entries.length - 1];
    if (last.name !== names[level]) return { invariant: 'I4', message: `commit ${commit}: unexpected ${where}${last.name}` };
    if (level === DIR_LEVELS) {
      if (last.oid !== blobs[seq])
        return { invariant: 'I4', message: `commit ${commit} holds a different event at seq ${seq} than later commits`, foundBlob: last.oid };
      continue;
    }
    if (entries.length < 2) continue;
    const key = names.slice(0, level).join('/');
    if (!tipTrees.has(key)) tipTrees.set(key, store.treeAt(tip, names.slice(0, level)));
    const theirs = tipTrees.get(key);
    for (let i = 0; i < entries.length - 1; i++) {
      if (!theirs || theirs[i]?.oid !== entries[i].oid || theirs[i]?.name !== entries[i].name) {
        return { invariant: 'I4', message: `commit ${commit} holds different events in ${where}${entries[i].name}/ than later commits` };
      }
    }
  }
  return undefined;
}

function safeCid(store: Store, blob: string): string | undefined {
  try {
    return cidOf(store.readObject(blob, 'blob').content).toString();
  } catch {
    return undefined;
  }
}

/**
 * The invariant a read error shows broken: bytes that are not canonical DAG-CBOR (I6), an event
 * without its keys (I7), an object that cannot be read as what its parent names (I9); anything else
 * (a tree laid out wrongly, …) breaks `otherwise`, the invariant of what was being read.
 */
function invariantOf(e: unknown, otherwise: Invariant): Invariant {
  // The disk failing to read (E_IO) breaks no invariant of the timeline: it is an error, not a finding.
  if (e instanceof AgentlogError && e.code === 'E_IO') throw e;
  if (!(e instanceof AgentlogError)) return otherwise;
  if (e.code === 'E_CODEC' || e.code === 'E_CID') return 'I6';
  if (e.code === 'E_EVENT') return 'I7';
  if (e.code === 'E_OBJECT' && typeof e.data.oid === 'string') return 'I9';
  return otherwise;
}

function errorText(e: unknown): string {
  if (e instanceof AgentlogError) return e.message;
  return (e as Error)?.message ?? String(e);
}
