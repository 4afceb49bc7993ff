import type { CID } from '../codec/cid.js';
import type { StoredEvent } from '../event/event.js';
import { AgentlogError } from '../errors.js';
import type { PackObject } from '../git/object.js';
import type { Appended, EventInput, Store } from '../store/store.js';
import type { ImportWarning } from '../formats/jsonl.js';
import { LineageIndex, resolveLineage, type Lineage } from './lineage.js';
import { cidAt, heldPlain, redactedCopyOf, sameFileHistoryRecord } from './standsFor.js';

export { cidAt };

/**
 * What an import will write: timelines, each the full list of its events from genesis on. A fork
 * shares the first `shared` events with the timeline `of` (planned earlier in the list): it is made
 * with store.branch at the commit of event `shared - 1` and only its own events are appended.
 */
export interface PlannedTimeline {
  name: string;
  events: EventInput[];
  /** The line of the source file each event comes from (undefined for made-up ones, like a genesis). */
  lines?: (number | undefined)[];
  fork?: { of: string; shared: number };
  /** The session may continue another one under a new id (lineage.ts): then it is made a fork of it. */
  lineage?: Lineage;
  /** A fork of a timeline already in the store: the CIDs of the shared events (set by lineage.ts). */
  forkCids?: CID[];
}

export interface Plan {
  /** One session file (and its subagent files) makes one plan. */
  file: string;
  format: 'claude-code' | 'codex';
  sessionId: string;
  timelines: PlannedTimeline[];
  /** Objects its events name (the trees of checkpoints made from Claude Code's file history), written before them (I9). */
  objects?: PackObject[];
}

export interface ApplyResult {
  timelines: { name: string; status: 'created' | 'extended' | 'unchanged' | 'diverged'; appended: number; present: number }[];
  appended: number;
  present: number;
  /**
   * File-history snapshots the store holds as plain events where a checkpoint was planned (the session
   * was imported before its backups were there): they stay as they are (sameFileHistoryRecord). A
   * planned event shared by several timelines is one object, listed once.
   */
  heldPlain: Set<EventInput>;
}

/**
 * What a follow loop remembers between applies: the tip we left each timeline at, its CIDs, and the
 * file lines its events came from. When the tip has not moved and the new plan starts with the same
 * lines, the file only grew (follow reads append-only files) and the events already there need no
 * second look; otherwise they are compared one by one.
 */
export type ApplyCache = Map<string, { tip: string; cids: CID[]; lines?: (number | undefined)[] }>;

/**
 * Write a plan into the store, one commit per event, skipping what is already there. For each
 * timeline the events already present are compared with the planned ones by CID (the CID the store
 * would give the planned event on top of the same prefix): a timeline that holds a prefix of the plan
 * is extended; one that holds something else is left as it is and reported as "diverged".
 */
export async function applyPlan(
  store: Store,
  plan: Plan,
  hooks: { warn?: (w: ImportWarning) => void; progress?: (n: number) => void; cache?: ApplyCache; lineage?: LineageIndex } = {},
): Promise<ApplyResult> {
  const missing = (plan.objects ?? []).filter((o) => !store.hasObject(o.oid));
  const release = missing.length > 0 ? store.writeObjects(missing) : undefined;
  try {
    return await applyTimelines(store, plan, hooks);
  } finally {
    release?.();
  }
}

async function applyTimelines(
  store: Store,
  plan: Plan,
  hooks: { warn?: (w: ImportWarning) => void; progress?: (n: number) => void; cache?: ApplyCache; lineage?: LineageIndex },
): Promise<ApplyResult> {
  const result: ApplyResult = { timelines: [], appended: 0, present: 0, heldPlain: new Set() };
  // timeline → commit oid of each seq (as written or found), listed only when a fork asks
  const commitsOf = new Map<string, () => string[]>();
  const lineage = hooks.lineage ?? new LineageIndex(store);
  for (const planned of plan.timelines) {
    // A session continuing another under a new id becomes a fork of it (lineage.ts).
    const t = resolveLineage(store, planned, lineage, plan.timelines);
    const tip = store.tipOf(t.name);
    /** The timeline's commits from before this apply (up to `tip`): their number, and their list when asked. */
    let before = { count: 0, list: (): string[] => [] };
    let commits: string[]; // the rest, oldest first
    let cids: CID[];
    let have = 0;
    if (tip) {
      // Compare what is there with the plan, event by event: the CID the store would give the
      // planned event on top of the same prefix.
      const cached = hooks.cache?.get(t.name);
      const hit = cached !== undefined && cached.tip === tip;
      const stored = hit ? undefined : store.readEvents(tip);
      const existing = hit ? cached.cids : stored!.map((e) => e.cid);
      let all = stored;
      const storedAt = (i: number): StoredEvent | undefined => {
        all ??= store.readEvents(tip);
        return all[i];
      };
      const sameLines =
        hit && cached.lines !== undefined && t.lines !== undefined && cached.lines.length <= t.lines.length && cached.lines.every((l, i) => l === t.lines![i]);
      if (sameLines && existing.length <= t.events.length) have = existing.length;
      let prev: CID | null = have > 0 ? existing[have - 1] : null;
      while (have < existing.length && have < t.events.length) {
        const planned = t.events[have];
        if (!existing[have].equals(cidAt(planned, have, prev))) {
          const stored = storedAt(have)!;
          const event = stored.event as Record<string, unknown>;
          if (sameFileHistoryRecord(event, planned)) {
            if (heldPlain(event, planned)) result.heldPlain.add(planned);
          } else if (!redactedCopyOf(store, stored, planned, have, have > 0 ? storedAt(have - 1) : undefined)) break;
        }
        prev = existing[have++];
      }
      if (have < existing.length) {
        hooks.warn?.({
          file: plan.file,
          message: `timeline ${t.name} already holds other events from seq ${have} on (it was extended, or imported from another version of the file); left as it is`,
        });
        result.timelines.push({ name: t.name, status: 'diverged', appended: 0, present: have });
        commitsOf.set(t.name, lazyCommitList(store, tip));
        continue;
      }
      before = existingCommits(store, tip, existing.length);
      commits = [];
      cids = existing.slice();
    } else if (t.fork && (commitsOf.has(t.fork.of) || t.forkCids)) {
      // A fork: a branch at the last shared commit; only its own events are appended. Its source is
      // planned earlier in this plan, or (a continuation under a new id) already in the store.
      const source = commitsOf.get(t.fork.of) ?? lazyCommitList(store, store.tipOf(t.fork.of)!);
      const base = source().slice(0, t.fork.shared);
      await store.branch(t.name, base[base.length - 1], t.fork.of);
      commits = base;
      cids = (t.forkCids ?? hooks.cache?.get(t.fork.of)?.cids ?? []).slice(0, t.fork.shared);
      have = t.fork.shared;
    } else {
      const made = await store.create(t.name, t.events[0]);
      commits = [made.commit];
      cids = [made.cid];
      have = 1;
      result.appended++;
      hooks.progress?.(1);
    }
    let appended = tip || t.fork ? 0 : 1;
    const present = tip ? have : 0;
    result.present += present;
    // All of the timeline's events at once (the store writes them together, one commit each), each
    // required to get its seq: if someone else appends meanwhile, ours stop there instead of going
    // on top of theirs.
    const chain = {};
    const pending: Array<Promise<Appended>> = [];
    for (let i = have; i < t.events.length; i++) {
      const p = store.append(t.name, t.events[i], { seq: i, chain });
      p.then(
        () => hooks.progress?.(1),
        () => {},
      );
      pending.push(p);
    }
    let failure: unknown;
    for (const [k, outcome] of (await Promise.allSettled(pending)).entries()) {
      if (outcome.status === 'fulfilled') {
        commits.push(outcome.value.commit);
        cids.push(outcome.value.cid);
        appended++;
        result.appended++;
        continue;
      }
      const e = outcome.reason;
      if (e instanceof AgentlogError && e.code === 'E_MOVED') {
        hooks.warn?.({ file: plan.file, message: `timeline ${t.name} moved while importing; stopped before seq ${have + k}` });
      } else failure = e;
      break;
    }
    if (failure) throw failure;
    if (!tip) lineage.note(t.name);
    const status = tip ? (appended > 0 ? 'extended' : 'unchanged') : 'created';
    result.timelines.push({ name: t.name, status, appended, present });
    commitsOf.set(t.name, before.count ? once(() => [...before.list(), ...commits]) : () => commits);
    const count = before.count + commits.length;
    if (hooks.cache && cids.length === count) {
      hooks.cache.set(t.name, { tip: commits.length ? commits[commits.length - 1] : tip!, cids, lines: t.lines?.slice(0, count) });
    }
  }
  return result;
}

/** The commit of each seq of a timeline, oldest first. */
function commitList(store: Store, tip: string): string[] {
  const out: string[] = [];
  for (const c of store.history(tip)) out.push(c.oid);
  return out.reverse();
}

/** commitList, walked the first time it is asked for (only a fork of the timeline needs it). */
function lazyCommitList(store: Store, tip: string): () => string[] {
  return once(() => commitList(store, tip));
}

/**
 * The commits of a timeline up to `tip`, whose events are `events` long: how many, and their list
 * when asked. A commit per event, the tip's seq the last event's: the count is known without a walk
 * when the tip's seq says so; otherwise the history is walked to count it.
 */
function existingCommits(store: Store, tip: string, events: number): { count: number; list: () => string[] } {
  const list = lazyCommitList(store, tip);
  return { count: events > 0 && store.commitInfo(tip).seq === events - 1 ? events : list().length, list };
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
