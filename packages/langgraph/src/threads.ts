import { AgentlogError, type Appended, type Store, type StoredEvent } from './core.js';
import { CHECKPOINT, type CheckpointEvent, readCheckpoint, readGenesis, readWrites, type Typed, WRITES, type WritesEvent } from './events.js';
import { segment, splitLine } from './names.js';

/**
 * A thread as read from its timelines (names.ts): per namespace, every checkpoint by id, the writes that
 * belong to each, and per timeline (line) what an append or a fork needs. Derived, memory only: it is
 * built from the refs' tips, and thrown away when a tip is not the one it was built from (I15).
 */

export interface Line {
  /** The timeline's name. */
  name: string;
  /** The line inside its namespace folder: `main` or `fork-<k>`. */
  line: string;
  tip: string;
  tipSeq: number;
  /** The id of the newest checkpoint event on this timeline: a put whose parent it is appends here. */
  lastCheckpoint?: string;
  /** The seqs of its checkpoint events, ascending (where a fork from one of them starts). */
  checkpointSeqs: number[];
  /** Channel values by `name\0version`: the seqs of the events that stored one, ascending. */
  blobs: Map<string, Array<{ seq: number; value: Typed }>>;
}

export interface CheckpointRec {
  ev: CheckpointEvent;
  line: Line;
  seq: number;
}

export interface Namespace {
  ns: string;
  lines: Map<string, Line>;
  checkpoints: Map<string, CheckpointRec>;
  /** Per checkpoint id: the writes events that name it, once each (a fork shares its prefix's events). */
  writes: Map<string, WritesEvent[]>;
  seen: Set<string>;
}

export interface Thread {
  threadId: string;
  /** Full ref name → commit, as this thread was built from. */
  refs: Map<string, string>;
  namespaces: Map<string, Namespace>;
}

export function blobKey(name: string, version: number | string): string {
  return `${name}\0${typeof version}:${version}`;
}

/**
 * Build a thread from the timelines under `prefix` (refs/heads/langgraph/<thread>/, as `refs` lists them).
 * The thread id comes from each timeline's genesis; timelines that disagree with their name are refused.
 */
export function loadThread(store: Store, prefix: string, refs: Map<string, string>): Thread | undefined {
  let thread: Thread | undefined;
  const threadSegment = prefix.split('/').at(-2) ?? '';
  for (const [ref, tip] of [...refs].sort(([a], [b]) => lineOrder(a) - lineOrder(b) || (a < b ? -1 : 1))) {
    const name = ref.slice('refs/heads/'.length);
    const where = `timeline ${name}`;
    const at = splitLine(ref.slice(prefix.length));
    if (!at) continue; // not one of ours (a name this package never makes)
    const events = store.readEvents(tip);
    const genesis = events.length > 0 ? readGenesis(events[0].event) : undefined;
    if (!genesis) throw new AgentlogError('E_EVENT', `${where}: its genesis does not name a LangGraph thread (langgraph.thread_id, checkpoint_ns)`, { name });
    if (segment(genesis.threadId) !== threadSegment || (genesis.ns === '' ? at.nsSegment !== undefined : segment(genesis.ns) !== at.nsSegment)) {
      throw new AgentlogError(
        'E_EVENT',
        `${where}: its genesis names thread ${JSON.stringify(genesis.threadId)}, namespace ${JSON.stringify(genesis.ns)}, not what its name says`,
        { name },
      );
    }
    thread ??= { threadId: genesis.threadId, refs, namespaces: new Map() };
    if (thread.threadId !== genesis.threadId) throw new AgentlogError('E_EVENT', `${where}: its genesis names another thread than its neighbours`, { name });
    let ns = thread.namespaces.get(genesis.ns);
    if (!ns) {
      ns = { ns: genesis.ns, lines: new Map(), checkpoints: new Map(), writes: new Map(), seen: new Set() };
      thread.namespaces.set(genesis.ns, ns);
    }
    const line: Line = { name, line: at.line, tip, tipSeq: 0, checkpointSeqs: [], blobs: new Map() };
    ns.lines.set(at.line, line);
    for (const stored of events.slice(1)) addEvent(ns, line, stored, stored.event.seq);
    line.tipSeq = events.length - 1;
  }
  return thread;
}

/** main first, then forks in number order, so a checkpoint's line is the oldest timeline holding it. */
function lineOrder(ref: string): number {
  const m = /(?:^|\/)(main|fork-(\d+))$/.exec(ref);
  return !m ? Number.MAX_SAFE_INTEGER : m[1] === 'main' ? 0 : Number(m[2]);
}

/** Take in one event of `line` (at `seq`): a checkpoint, writes, or anything else (kept, not read). */
export function addEvent(ns: Namespace, line: Line, stored: Pick<StoredEvent, 'cid' | 'event'>, seq: number): void {
  const e = stored.event;
  const where = `timeline ${line.name}, event ${seq}`;
  if (e.kind === CHECKPOINT) {
    const ev = readCheckpoint(e, where);
    // The first timeline holding a checkpoint keeps it (a fork shares its prefix's events); the same id put again
    // later on that timeline replaces it, as a put of an existing id does in LangGraph's own savers.
    const known = ns.checkpoints.get(ev.id);
    if (!known || known.line === line) ns.checkpoints.set(ev.id, { ev, line, seq });
    line.lastCheckpoint = ev.id;
    line.checkpointSeqs.push(seq);
    for (const c of ev.channels) {
      const key = blobKey(c.name, c.version);
      const list = line.blobs.get(key) ?? [];
      list.push({ seq, value: c.value });
      line.blobs.set(key, list);
    }
  } else if (e.kind === WRITES) {
    const id = stored.cid.toString();
    if (ns.seen.has(id)) return;
    ns.seen.add(id);
    const ev = readWrites(e, where);
    const list = ns.writes.get(ev.checkpoint) ?? [];
    list.push(ev);
    ns.writes.set(ev.checkpoint, list);
  }
}

/** Take in an event this process just appended to `line`. */
export function addAppended(thread: Thread, ns: Namespace, line: Line, done: Appended): void {
  addEvent(ns, line, done, done.seq);
  line.tip = done.commit;
  line.tipSeq = done.seq;
  thread.refs.set(`refs/heads/${line.name}`, done.commit);
}

/** The value `rec`'s timeline holds for channel `name` at `version` as of `rec`: the newest stored at or before it. */
export function channelBlob(rec: CheckpointRec, name: string, version: number | string): Typed | undefined {
  const list = rec.line.blobs.get(blobKey(name, version));
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) if (list[i].seq <= rec.seq) return list[i].value;
  return undefined;
}
