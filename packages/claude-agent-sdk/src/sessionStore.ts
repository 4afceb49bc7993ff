import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SessionKey, SessionStore, SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import { AgentlogError, claudeTimelineName, importFiles, isAgentlogError, Lock, Store, type ImportWarning } from '../../../core/index.js';
import { checkKey, checkSessionId, type Key, projectDir, subagentOf, timelineOf } from './keys.js';
import { listPending, pendingDir, pendingFile, readPending, type Pending } from './pending.js';
import { type Entry, readTranscript, timelinesOfKey } from './transcripts.js';

type ImportCache = NonNullable<Parameters<typeof importFiles>[3]>['cache'];

export interface AgentlogSessionStoreOptions {
  /**
   * The folder that holds one agentlog store per project key (created when absent):
   * `<root>/<projectKey>/`, an ordinary store (`agentlog ls`, `push`, `clone`, VS Code).
   */
  root: string;
  /** How long an append waits for another process appending to the same session (default 60 s). */
  lockWaitMs?: number;
}

/** How often an append starts again when another writer moved a timeline under it. */
const MAX_ROUNDS = 20;

/**
 * The Claude Agent SDK's SessionStore over agentlog stores. A session is the timeline `agentlog
 * import claude` makes of its transcript file (the same events, the same CIDs: an append writes the
 * entries as the file `<sessionId>.jsonl` would hold them and imports it, which adds only what the
 * timeline lacks), so a capture hook, an import and the SDK writing one session never disagree.
 * `uuid` is the idempotency key; concurrent writers meet at the store's compare-and-swap (an append
 * that lost starts again on the new tip).
 */
export class AgentlogSessionStore implements SessionStore {
  readonly root: string;
  private readonly lockWaitMs: number;
  private readonly stores = new Map<string, Store>();
  /** Appends of one session in this process, one after another (other processes: the session's lock). */
  private readonly queues = new Map<string, Promise<unknown>>();
  /**
   * Each session's transcripts as its timelines give them back, valid while the timelines' tips are
   * as recorded (I15: what is keyed by a ref is checked): an append reads only what changed.
   */
  private readonly read = new Map<string, { tips: string; stored: Map<string, Entry[] | undefined> }>();
  /** What import compared of each timeline at its tip (core's ApplyCache): an append compares only new events. */
  private readonly applied = new Map<string, NonNullable<ImportCache>>();

  constructor(options: AgentlogSessionStoreOptions) {
    if (!options || typeof options.root !== 'string' || options.root === '') throw new AgentlogError('E_INPUT', 'AgentlogSessionStore needs { root: DIR }', {});
    this.root = path.resolve(options.root);
    this.lockWaitMs = options.lockWaitMs ?? 60_000;
  }

  /** The folder of a project key's store (`<root>/<projectKey>`, or its hashed form): where a clone goes. */
  dirFor(projectKey: string): string {
    return path.join(this.root, projectDir(projectKey));
  }

  /** The store of a project key, created when `create` (else undefined when there is none yet). */
  storeFor(projectKey: string, create = true): Store | undefined {
    const dir = this.dirFor(projectKey);
    const known = this.stores.get(dir);
    if (known) return known;
    let store: Store | undefined;
    if (Store.isMarked(dir)) store = Store.open(dir);
    else if (create) {
      fs.mkdirSync(dir, { recursive: true });
      store = Store.init(dir).store;
    }
    if (store) this.stores.set(dir, store);
    return store;
  }

  async append(key: SessionKey, entries: SessionStoreEntry[]): Promise<void> {
    const k = checkKey(key);
    if (!Array.isArray(entries)) throw new AgentlogError('E_INPUT', 'entries must be an array', {});
    entries.forEach((e, i) => {
      if (!e || typeof e !== 'object' || Array.isArray(e) || typeof e.type !== 'string') {
        throw new AgentlogError('E_INPUT', `entry ${i} of the batch for session ${k.sessionId} is not a transcript line (an object with a string type)`, {});
      }
    });
    if (entries.length === 0) return;
    // A copy, as JSON sees it: what load gives back is deep-equal to this.
    const batch = entries.map((e) => JSON.parse(JSON.stringify(e)) as Entry);
    const store = this.storeFor(k.projectKey)!;
    await this.serially(`${store.dir}\0${k.sessionId}`, () => this.appendLocked(store, k, batch));
  }

  async load(key: SessionKey): Promise<SessionStoreEntry[] | null> {
    const k = checkKey(key);
    const store = this.storeFor(k.projectKey, false);
    if (!store) return null;
    return this.entriesOf(store, k, readPending(pendingFile(store, k.sessionId), k.sessionId)) ?? null;
  }

  async listSessions(projectKey: string): Promise<Array<{ sessionId: string; mtime: number }>> {
    const store = this.storeFor(projectKey, false);
    if (!store) return [];
    const out = new Map<string, number>();
    for (const [name, tip] of store.timelines()) {
      // A session's main timeline: `claude/<name>` with no `.fork-`, `.side-` or `.agent-` part.
      if (!/^claude\/[^./]+$/.test(name)) continue;
      // The session id is the file's stem; a session continuing another shares that one's genesis
      // (lineage), so its own id is the timeline's name.
      const origin = store.eventAt(tip, 0)?.event.origin as Record<string, unknown> | undefined;
      const file = typeof origin?.file === 'string' && origin.file.endsWith('.jsonl') ? origin.file.slice(0, -'.jsonl'.length) : undefined;
      const sessionId = [file, name.slice('claude/'.length)].find((id) => id !== undefined && claudeTimelineName(id) === name);
      if (sessionId === undefined || origin?.format !== 'claude-code') continue;
      out.set(sessionId, store.commitInfo(tip).commit.committer.time * 1000);
    }
    for (const { pending, mtime } of listPending(store)) {
      if (!out.has(pending.sessionId) && (pending.keys[''] ?? []).length > 0) out.set(pending.sessionId, mtime);
    }
    return [...out].map(([sessionId, mtime]) => ({ sessionId, mtime }));
  }

  /** Removes the key's timelines (a main key: the whole session, subagents included) and its waiting entries. */
  async delete(key: SessionKey): Promise<void> {
    const k = checkKey(key);
    const store = this.storeFor(k.projectKey, false);
    if (!store) return;
    await this.serially(`${store.dir}\0${k.sessionId}`, async () => {
      const lock = await Lock.acquire(pendingFile(store, k.sessionId), { waitMs: this.lockWaitMs, durable: store.durable });
      try {
        const pending = readPending(pendingFile(store, k.sessionId), k.sessionId);
        const names = new Map(timelinesOfKey(store, k));
        if (k.subpath === undefined) {
          for (const sub of this.subkeysOf(store, k.sessionId, pending)) for (const [n, t] of timelinesOfKey(store, { ...k, subpath: sub })) names.set(n, t);
          pending.keys = {};
        } else delete pending.keys[k.subpath];
        // As `agentlog delete`: the tip goes to the branch's reflog first, so `agentlog undelete` (and git gc's grace) keep it.
        for (const [name, tip] of names) {
          try {
            await store.deleteTimeline(name, tip);
          } catch (e) {
            if (isAgentlogError(e) && e.code === 'E_MOVED')
              throw new AgentlogError('E_MOVED', `timeline ${name} moved while session ${k.sessionId} was being deleted; delete it again`, { timeline: name });
            throw e;
          }
        }
        lock.commit(Object.keys(pending.keys).length ? JSON.stringify(pending) : '');
      } catch (e) {
        lock.release();
        throw e;
      }
    });
  }

  async listSubkeys(key: { projectKey: string; sessionId: string }): Promise<string[]> {
    const k = checkKey({ projectKey: key?.projectKey, sessionId: key?.sessionId });
    const store = this.storeFor(k.projectKey, false);
    if (!store) return [];
    return this.subkeysOf(store, k.sessionId, readPending(pendingFile(store, k.sessionId), k.sessionId));
  }

  /** The subpaths of a session's subagent transcripts: timelines (named by their genesis's file) and waiting ones. */
  private subkeysOf(store: Store, sessionId: string, pending: Pending): string[] {
    const base = timelineOf({ projectKey: '', sessionId });
    const out = new Set<string>();
    for (const [name, tip] of store.timelines()) {
      if (!name.startsWith(`${base}.agent-`) || name.slice(`${base}.agent-`.length).includes('.')) continue;
      const file = (store.eventAt(tip, 0)?.event.origin as Record<string, unknown> | undefined)?.file;
      // `<session id>/<subpath>.jsonl` (the session id of the one it continues, for a continuation).
      if (typeof file !== 'string' || !file.endsWith('.jsonl') || !file.includes('/')) continue;
      const subpath = file.slice(file.indexOf('/') + 1, -'.jsonl'.length);
      if (timelineOf({ projectKey: '', sessionId, subpath: safeSubpath(subpath) }) !== name) continue;
      out.add(subpath);
    }
    for (const [sub, list] of Object.entries(pending.keys)) if (sub !== '' && list.length > 0) out.add(sub);
    return [...out].sort();
  }

  /** A key's entries: its timelines' records, then what waits; undefined when it has neither. */
  private entriesOf(store: Store, k: Key, pending: Pending): Entry[] | undefined {
    const stored = this.storedOf(store, k);
    const waiting = pending.keys[k.subpath ?? ''] ?? [];
    if (stored === undefined && waiting.length === 0) return undefined;
    return [...(stored ?? []), ...waiting];
  }

  /** readTranscript through the session's cache. */
  private storedOf(store: Store, k: Key): Entry[] | undefined {
    const id = `${store.dir}\0${k.sessionId}`;
    const tips = tipsOfSession(store, k.sessionId);
    let cached = this.read.get(id);
    if (cached?.tips !== tips) {
      cached = { tips, stored: new Map() };
      this.read.set(id, cached);
    }
    const slot = k.subpath ?? '';
    if (!cached.stored.has(slot)) cached.stored.set(slot, readTranscript(store, k));
    return cached.stored.get(slot);
  }

  /**
   * After an import: what the session's timelines now give back is what was written, when each key
   * is one timeline of its own session (no forks, sidechains or continuation, whose records are merged
   * or renamed on reading); else the cache is dropped and the next read builds it.
   */
  private remember(store: Store, sessionId: string, files: Map<string, Entry[]>): void {
    const id = `${store.dir}\0${sessionId}`;
    this.read.delete(id);
    const tips = tipsOfSession(store, sessionId);
    const stored = new Map<string, Entry[] | undefined>();
    for (const line of tips === '' ? [] : tips.split('\n')) {
      const [name, tip] = line.split(' ');
      const file = (store.eventAt(tip, 0)?.event.origin as Record<string, unknown> | undefined)?.file;
      const sub = typeof file === 'string' && file.startsWith(`${sessionId}/`) ? file.slice(sessionId.length + 1, -'.jsonl'.length) : '';
      const list = files.get(sub);
      const plain = file === (sub === '' ? `${sessionId}.jsonl` : `${sessionId}/${sub}.jsonl`);
      if (!plain || list === undefined || stored.has(sub) || timelineOf({ projectKey: '', sessionId, subpath: sub || undefined }) !== name) return;
      stored.set(sub, list);
    }
    this.read.set(id, { tips, stored });
  }

  private serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    const before = this.queues.get(id) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => {});
    this.queues.set(id, tail);
    tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return mine;
  }

  private async appendLocked(store: Store, k: Key, batch: Entry[]): Promise<void> {
    const file = pendingFile(store, k.sessionId);
    fs.mkdirSync(pendingDir(store), { recursive: true });
    const lock = await Lock.acquire(file, { waitMs: this.lockWaitMs, durable: store.durable });
    let held = true;
    try {
      for (let round = 1; ; round++) {
        const pending = readPending(file, k.sessionId);
        // Every transcript of the session as its files would hold them (import plans them together).
        const files = new Map<string, Entry[]>();
        files.set('', this.entriesOf(store, { ...k, subpath: undefined }, pending) ?? []);
        for (const sub of this.subkeysOf(store, k.sessionId, pending)) files.set(sub, this.entriesOf(store, { ...k, subpath: sub }, pending) ?? []);
        const slot = k.subpath ?? '';
        const current = files.get(slot) ?? [];
        const seen = new Set(current.flatMap((e) => (typeof e.uuid === 'string' ? [e.uuid] : [])));
        const fresh = batch.filter((e) => {
          if (typeof e.uuid !== 'string') return true;
          if (seen.has(e.uuid)) return false;
          seen.add(e.uuid);
          return true;
        });
        if (fresh.length === 0) break;
        files.set(slot, [...current, ...fresh]);
        const moved = await this.importSession(store, k, files);
        if (moved) {
          if (round >= MAX_ROUNDS) throw new AgentlogError('E_MOVED', `session ${k.sessionId} kept moving under this append (${round} rounds)`, {});
          continue;
        }
        // What no timeline holds yet waits (pending.ts); what a timeline holds is read from it.
        const next: Pending = { sessionId: k.sessionId, keys: {} };
        const inTimelines = new Map<string, Entry[]>();
        for (const [sub, list] of files) {
          if (!store.tipOf(timelineOf({ ...k, subpath: sub === '' ? undefined : sub }))) {
            if (list.length > 0) next.keys[sub] = list;
          } else inTimelines.set(sub, list);
        }
        this.remember(store, k.sessionId, inTimelines);
        held = false;
        lock.commit(Object.keys(next.keys).length ? JSON.stringify(next) : '');
        return;
      }
    } catch (e) {
      if (held) lock.release();
      held = false;
      throw e;
    } finally {
      if (held) lock.release();
    }
  }

  /**
   * Write the session's transcripts as files in a temporary folder and import them: the timelines
   * get what they lack. True when another writer moved a timeline meanwhile (start again).
   */
  private async importSession(store: Store, k: Key, files: Map<string, Entry[]>): Promise<boolean> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlog-sdk-'));
    try {
      const main = path.join(tmp, `${checkSessionId(k.sessionId)}.jsonl`);
      for (const [sub, list] of files) {
        const file = sub === '' ? main : path.join(tmp, k.sessionId, subagentOf(sub).file);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, list.map((e) => `${JSON.stringify(e)}\n`).join(''));
      }
      if (!files.has('')) fs.writeFileSync(main, '');
      const problems: ImportWarning[] = [];
      let moved = false;
      const cache = this.applied.get(store.dir) ?? new Map();
      this.applied.set(store.dir, cache);
      await importFiles(store, 'claude', [main], {
        partialTail: true,
        cache,
        warn: (w) => {
          if (/moved while importing/.test(w.message)) moved = true;
          else if (!/is not in this session's files/.test(w.message)) problems.push(w);
        },
      });
      if (problems.length > 0) {
        const w = problems[0];
        const where = w.file ? `${path.relative(tmp, w.file)}${w.line ? `:${w.line}` : ''}: ` : '';
        throw new AgentlogError('E_INPUT', `session ${k.sessionId} cannot be stored as agentlog imports it: ${where}${w.message}`, {});
      }
      return moved;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}

/** The subpath when it is one the SDK writes, else undefined (a timeline of a file no key names). */
function safeSubpath(subpath: string): string | undefined {
  try {
    subagentOf(subpath);
    return subpath;
  } catch {
    return undefined;
  }
}

/** The tips of a session's timelines (`name tip` lines, sorted): what the read cache is valid for. */
function tipsOfSession(store: Store, sessionId: string): string {
  const base = timelineOf({ projectKey: '', sessionId });
  const out: string[] = [];
  for (const [name, tip] of store.timelines()) if (name === base || name.startsWith(`${base}.`)) out.push(`${name} ${tip}`);
  return out.sort().join('\n');
}
