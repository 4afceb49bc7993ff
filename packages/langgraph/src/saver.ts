// @agentlog/langgraph: a LangGraph.js checkpointer that keeps each thread as agentlog timelines in a git
// repository (a store). It owns the mapping between LangGraph's persistence contract (BaseCheckpointSaver:
// put, putWrites, getTuple, list, deleteThread) and the store: a thread and checkpoint namespace is a timeline
// (names.ts), a checkpoint and a putWrites call are events (events.ts), values serialised by LangGraph's own
// serde into bytes inside DAG-CBOR; a checkpoint stores only the channels it changed, the rest are rebuilt from
// earlier events of its timeline (threads.ts); a checkpoint whose parent is not its timeline's newest
// checkpoint (time travel, updateState on an older checkpoint) starts a fork at that point. Everything else —
// commits, compare-and-swap, verify, push and clone — is the store's, through agentlog's core.

import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  copyCheckpoint,
  getCheckpointId,
  maxChannelVersion,
  type PendingWrite,
  type SerializerProtocol,
  TASKS,
  WRITES_IDX_MAP,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';
import type { RunnableConfig } from '@langchain/core/runnables';
import { AgentlogError, Store, type EventInput, type StoreOptions } from './core.js';
import { type ChannelBlob, checkpointInput, genesisInput, type Typed, type WriteEntry, writesInput } from './events.js';
import { configString, namespacePrefix, ROOT, threadPrefix } from './names.js';
import { addAppended, type CheckpointRec, channelBlob, type Line, loadThread, type Namespace, type Thread } from './threads.js';

export interface AgentlogSaverOptions {
  /** A store's folder (created when absent), or an open Store. */
  store: string | Store;
  /** LangGraph's serializer (default: BaseCheckpointSaver's, JsonPlusSerializer). */
  serde?: SerializerProtocol;
  /** Options for the Store opened from a folder (the clock, durability, …). */
  storeOptions?: StoreOptions;
}

/** How many times an append is tried again when another writer moved the timeline under it. */
const ATTEMPTS = 8;
/** How many threads a saver keeps read in memory (threads.ts); others are read again from the store when used. */
const MAX_THREADS = 32;

export class AgentlogSaver extends BaseCheckpointSaver {
  readonly store: Store;
  /** Threads as last read, by their ref prefix (threads.ts); checked against the refs before each use. */
  private readonly threads = new Map<string, Thread>();
  /** Per thread prefix: the tail of its writes, so this process's writes to one thread go one at a time. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: AgentlogSaverOptions) {
    super(options.serde);
    this.store = typeof options.store === 'string' ? Store.init(options.store, options.storeOptions).store : options.store;
  }

  // -------------------------------------------------------------------------------------------------
  // Reading

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const raw = config.configurable?.thread_id;
    if (raw === undefined) return undefined;
    const threadId = configString(raw, 'thread_id', false);
    const nsName = configString(config.configurable?.checkpoint_ns ?? '', 'checkpoint_ns', true);
    const id = getCheckpointId(config);
    const ns = this.fresh(threadPrefix(threadId))?.namespaces.get(nsName);
    if (!ns) return undefined;
    const rec = id ? ns.checkpoints.get(id) : newest(ns);
    if (!rec) return undefined;
    return this.tuple(threadId, ns, rec, id ? config : undefined);
  }

  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { before, filter } = options;
    let limit = options.limit;
    const wantThread = config.configurable?.thread_id;
    const wantNs = config.configurable?.checkpoint_ns;
    const wantId = config.configurable?.checkpoint_id;
    const beforeId = before?.configurable?.checkpoint_id;
    const prefixes = wantThread !== undefined ? [threadPrefix(configString(wantThread, 'thread_id', false))] : this.threadPrefixes();
    for (const prefix of prefixes) {
      const thread = this.fresh(prefix);
      if (!thread) continue;
      for (const ns of thread.namespaces.values()) {
        if (wantNs !== undefined && ns.ns !== wantNs) continue;
        const ids = [...ns.checkpoints.keys()].sort().reverse();
        for (const id of ids) {
          if (wantId && id !== wantId) continue;
          if (beforeId && id >= beforeId) continue;
          const rec = ns.checkpoints.get(id)!;
          const metadata = (await this.load(rec.ev.metadata)) as CheckpointMetadata;
          if (filter && !Object.entries(filter).every(([k, v]) => (metadata as Record<string, unknown>)[k] === v)) continue;
          if (limit !== undefined) {
            if (limit <= 0) return;
            limit -= 1;
          }
          yield await this.tuple(thread.threadId, ns, rec, undefined, metadata);
        }
      }
    }
  }

  private async tuple(threadId: string, ns: Namespace, rec: CheckpointRec, config?: RunnableConfig, metadata?: CheckpointMetadata): Promise<CheckpointTuple> {
    const checkpoint = (await this.load(rec.ev.checkpoint)) as Checkpoint;
    checkpoint.channel_values = {};
    for (const [name, version] of Object.entries(checkpoint.channel_versions ?? {})) {
      const blob = channelBlob(rec, name, version);
      if (blob) setOwn(checkpoint.channel_values, name, await this.load(blob));
    }
    for (const c of rec.ev.channels) if (!Object.hasOwn(checkpoint.channel_values, c.name)) setOwn(checkpoint.channel_values, c.name, await this.load(c.value));
    const parent = rec.ev.parent;
    if (checkpoint.v < 4 && parent !== undefined) await this.migratePendingSends(checkpoint, ns, parent);
    const tuple: CheckpointTuple = {
      config: config ?? { configurable: { thread_id: threadId, checkpoint_ns: ns.ns, checkpoint_id: rec.ev.id } },
      checkpoint,
      metadata: metadata ?? ((await this.load(rec.ev.metadata)) as CheckpointMetadata),
      pendingWrites: await this.pendingWrites(ns, rec.ev.id),
    };
    if (parent !== undefined) tuple.parentConfig = { configurable: { thread_id: threadId, checkpoint_ns: ns.ns, checkpoint_id: parent } };
    return tuple;
  }

  /** The writes stored for a checkpoint, in LangGraph's order (writesSortKey): a regular write kept once per (task, idx). */
  private async pendingWrites(ns: Namespace, id: string): Promise<CheckpointPendingWrite[]> {
    const kept = new Map<string, { task: string; path: string; w: WriteEntry }>();
    for (const ev of ns.writes.get(id) ?? []) {
      for (const w of ev.writes) {
        const key = `${ev.task}\0${w.idx}`;
        if (w.idx >= 0 && kept.has(key)) continue;
        kept.set(key, { task: ev.task, path: ev.path, w });
      }
    }
    const ordered = [...kept.values()].sort((a, b) => compareWritesSortKeys(writesSortKey(a.path, a.task, a.w.idx), writesSortKey(b.path, b.task, b.w.idx)));
    return Promise.all(ordered.map(async ({ task, w }) => [task, w.channel, await this.load(w.value)] as CheckpointPendingWrite));
  }

  /** A checkpoint older than format 4 kept its pending sends as writes to TASKS on its parent (as MemorySaver does). */
  private async migratePendingSends(checkpoint: Checkpoint, ns: Namespace, parent: string): Promise<void> {
    const sends = (await this.pendingWrites(ns, parent)).filter(([, channel]) => channel === TASKS).map(([, , value]) => value);
    checkpoint.channel_values ??= {};
    checkpoint.channel_values[TASKS] = sends;
    checkpoint.channel_versions ??= {};
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  private load(t: Typed): Promise<unknown> {
    return this.serde.loadsTyped(t.type, t.bytes);
  }

  // -------------------------------------------------------------------------------------------------
  // Writing

  async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (!config.configurable)
      throw new AgentlogError('E_INPUT', 'AgentlogSaver.put: the config has no "configurable" (thread_id, checkpoint_ns, checkpoint_id)');
    const threadId = configString(config.configurable.thread_id, 'thread_id', false);
    const nsName = configString(config.configurable.checkpoint_ns ?? '', 'checkpoint_ns', true);
    const parentRaw = config.configurable.checkpoint_id;
    const parent = parentRaw === undefined || parentRaw === null || parentRaw === '' ? undefined : configString(parentRaw, 'checkpoint_id', false);
    const copy = copyCheckpoint(checkpoint);
    if (typeof copy.id !== 'string' || copy.id === '') throw new AgentlogError('E_INPUT', 'AgentlogSaver.put: the checkpoint has no id');
    const channels: ChannelBlob[] = [];
    for (const name of Object.keys(newVersions).sort()) {
      if (!Object.hasOwn(copy.channel_values, name) || copy.channel_values[name] === undefined) continue;
      const version = copy.channel_versions[name] ?? newVersions[name];
      channels.push({ name, version, value: await this.dump(copy.channel_values[name]) });
    }
    const event = checkpointInput(
      {
        id: copy.id,
        parent,
        checkpoint: await this.dump({ ...copy, channel_values: {} }),
        metadata: await this.dump(metadata),
        channels,
      },
      tsOf(copy.ts),
      `checkpoint step ${String(metadata?.step ?? '?')} (${String(metadata?.source ?? '?')})${channels.length ? `: ${channels.map((c) => c.name).join(', ')}` : ''}`,
    );
    await this.exclusive(threadId, () => this.appendCheckpoint(threadId, nsName, parent, event));
    return { configurable: { thread_id: threadId, checkpoint_ns: nsName, checkpoint_id: copy.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    const threadId = configString(config.configurable?.thread_id, 'thread_id', false);
    const nsName = configString(config.configurable?.checkpoint_ns ?? '', 'checkpoint_ns', true);
    const id = configString(config.configurable?.checkpoint_id, 'checkpoint_id', false);
    const task = configString(taskId, 'task_id', false);
    const entries: WriteEntry[] = [];
    for (const [i, [channel, value]] of writes.entries()) {
      const special = Object.hasOwn(WRITES_IDX_MAP, channel) ? WRITES_IDX_MAP[channel] : undefined;
      entries.push({ channel, idx: special ?? i, value: await this.dump(value) });
    }
    const event = writesInput(
      { checkpoint: id, task, path: taskPath ?? '', writes: entries },
      `writes of ${task}: ${[...new Set(writes.map(([c]) => c))].join(', ') || 'none'}`,
    );
    await this.exclusive(threadId, () => this.appendWrites(threadId, nsName, id, event));
  }

  async deleteThread(threadId: string): Promise<void> {
    const prefix = threadPrefix(configString(threadId, 'thread_id', false));
    await this.exclusive(threadId, async () => {
      // LangGraph's user asked for it (layout.ts I11: deletion only when asked). As `agentlog delete`, the
      // tip goes to the branch's reflog first: `agentlog undelete` brings a thread's timeline back.
      for (const [ref, oid] of this.store.listRefs(`refs/heads/${prefix}`)) await this.store.deleteTimeline(ref.slice('refs/heads/'.length), oid);
      this.threads.delete(prefix);
    });
  }

  private async dump(value: unknown): Promise<Typed> {
    const [type, bytes] = await this.serde.dumpsTyped(value);
    return { type, bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes };
  }

  /** Append a checkpoint where it belongs: after its parent on the timeline whose newest checkpoint that is, or on a new fork. */
  private async appendCheckpoint(threadId: string, nsName: string, parent: string | undefined, event: EventInput): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > ATTEMPTS) throw new AgentlogError('E_MOVED', `LangGraph thread ${JSON.stringify(threadId)}: its timelines kept moving under this put`);
      const { thread, ns } = await this.namespace(threadId, nsName);
      let line = parent === undefined ? undefined : pick([...ns.lines.values()].filter((l) => l.lastCheckpoint === parent));
      if (!line && parent !== undefined && ns.checkpoints.has(parent)) {
        await this.fork(threadId, ns, ns.checkpoints.get(parent)!); // then found above: its newest checkpoint is the parent
        continue;
      }
      line ??= pick([...ns.lines.values()])!;
      if (await this.appendTo(thread, ns, line, event, attempt)) return;
    }
  }

  private async appendWrites(threadId: string, nsName: string, id: string, event: EventInput): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { thread, ns } = await this.namespace(threadId, nsName);
      const line = pick([...ns.lines.values()].filter((l) => l.lastCheckpoint === id)) ?? ns.checkpoints.get(id)?.line ?? pick([...ns.lines.values()])!;
      if (await this.appendTo(thread, ns, line, event, attempt)) return;
    }
  }

  /** One append after the tip this process last saw; false when another writer moved it (read again, try again). */
  private async appendTo(thread: Thread, ns: Namespace, line: Line, event: EventInput, attempt: number): Promise<boolean> {
    try {
      const done = await this.store.append(line.name, event, { after: line.tip });
      addAppended(thread, ns, line, done);
      return true;
    } catch (e) {
      if (!(e instanceof AgentlogError && e.code === 'E_MOVED') || attempt >= ATTEMPTS) throw e;
      this.threads.clear();
      return false;
    }
  }

  /** A new timeline `fork-<k>` sharing `rec`'s timeline up to the last event before the checkpoint after `rec`. */
  private async fork(threadId: string, ns: Namespace, rec: CheckpointRec): Promise<void> {
    const from = rec.line;
    const next = from.checkpointSeqs.find((s) => s > rec.seq);
    const seq = next === undefined ? from.tipSeq : next - 1;
    let commit: string | undefined;
    for (const c of this.store.history(from.tip)) {
      if (c.seq === seq) commit = c.oid;
      if (c.seq <= seq) break;
    }
    if (!commit) throw new AgentlogError('E_EVENT', `timeline ${from.name}: no commit holds event ${seq}`, { name: from.name });
    const prefix = namespacePrefix(threadId, ns.ns);
    let k = 1;
    while (ns.lines.has(`fork-${k}`) || this.store.readRef(`refs/heads/${prefix}fork-${k}`)) k++;
    const name = `${prefix}fork-${k}`;
    await this.store.branch(name, commit, from.name);
  }

  /** The thread's namespace, its `main` timeline made (with its genesis) when it has none. */
  private async namespace(threadId: string, nsName: string): Promise<{ thread: Thread; ns: Namespace }> {
    const prefix = threadPrefix(threadId);
    let ns = this.fresh(prefix)?.namespaces.get(nsName);
    if (!ns || ns.lines.size === 0) {
      const name = `${namespacePrefix(threadId, nsName)}main`;
      try {
        await this.store.create(name, genesisInput(threadId, nsName));
      } catch (e) {
        if (!(e instanceof AgentlogError && e.code === 'E_REF' && this.store.tipOf(name))) throw e; // made meanwhile by another writer
      }
      ns = this.fresh(prefix)?.namespaces.get(nsName);
    }
    const thread = this.threads.get(prefix);
    if (!thread || !ns) throw new AgentlogError('E_REF', `LangGraph thread ${JSON.stringify(threadId)}: its timeline cannot be read back`);
    return { thread, ns };
  }

  // -------------------------------------------------------------------------------------------------
  // The thread cache and the per-thread queue

  /** The thread under `prefix`, read again when any of its refs moved since it was read (I15). */
  private fresh(prefix: string): Thread | undefined {
    const refs = this.store.listRefs(`refs/heads/${prefix}`);
    const known = this.threads.get(prefix);
    if (known && sameRefs(known.refs, refs)) {
      this.threads.delete(prefix); // most recently read last
      this.threads.set(prefix, known);
      return known;
    }
    this.threads.delete(prefix);
    if (refs.size === 0) return undefined;
    const thread = loadThread(this.store, `refs/heads/${prefix}`, refs);
    if (thread) {
      this.threads.set(prefix, thread);
      // Memory stays bounded however many threads are read: the least recently read go first.
      for (const key of this.threads.keys()) {
        if (this.threads.size <= MAX_THREADS) break;
        if (key !== prefix) this.threads.delete(key);
      }
    }
    return thread;
  }

  /** Every thread folder in the store (for list() without a thread id). */
  private threadPrefixes(): string[] {
    const out = new Set<string>();
    for (const ref of this.store.listRefs(`refs/heads/${ROOT}/`).keys()) {
      const parts = ref.slice('refs/heads/'.length).split('/');
      if (parts.length >= 3) out.add(`${parts[0]}/${parts[1]}/`);
    }
    return [...out].sort();
  }

  private exclusive<T>(threadId: string, work: () => Promise<T>): Promise<T> {
    const key = threadPrefix(threadId);
    const run = (this.queues.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}

/** The namespace's newest checkpoint (the greatest id, as LangGraph's ids sort by time). */
function newest(ns: Namespace): CheckpointRec | undefined {
  let best: CheckpointRec | undefined;
  for (const rec of ns.checkpoints.values()) if (!best || rec.ev.id > best.ev.id) best = rec;
  return best;
}

/** `main` when it is among `lines`, else the first fork. */
function pick(lines: Line[]): Line | undefined {
  return lines.find((l) => l.line === 'main') ?? lines.sort((a, b) => Number(a.line.slice(5)) - Number(b.line.slice(5)))[0];
}

function sameRefs(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function tsOf(iso: unknown): number | undefined {
  if (typeof iso !== 'string') return undefined;
  const ms = Date.parse(iso);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
