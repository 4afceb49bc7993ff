/**
 * Lineage: a session written under a new id that continues one already in the store (a timeline
 * resumed from an older point or from a fork, which `agentlog resume` hands out under a new id;
 * Claude Code's `--resume ID --fork-session`; Codex's `fork`) is imported as a FORK of the timeline it
 * left: a branch at the last commit they share, holding only the new session's own events, nothing
 * stored twice. Which timeline it left is found
 *   - for Codex 0.16x+, from `session_meta.forked_from_id` / `forked_from_ordinal_exclusive` (the fork
 *     file holds only its own records: it shares that many records, one event each, of the source);
 *   - otherwise from the records themselves: a planned event is the source's when the source holds a
 *     record with the same uuid (Claude: a fork copies the records, changing `sessionId`, `promptId`,
 *     `requestSessionId`) or the same event once each session's id is put aside (a copy agentlog
 *     wrote under a new id). The source is looked up by its first events (`LineageIndex`).
 * Once a fork is in the store (forks.json names its source), each later import resolves it against
 * that source again, so the fork's events compare equal and only new records are appended.
 */

import * as fs from 'node:fs';
import { cidOf } from '../codec/cid.js';
import { encode, type IpldValue } from '../codec/dagcbor.js';
import { CID } from '../codec/cid.js';
import { eventRecord, type Event } from '../event/event.js';
import type { EventInput, Store } from '../store/store.js';
import type { PlannedTimeline } from './plan.js';
import { fileHistoryRecord } from './standsFor.js';

/** What a planner knows of a session that may continue another (see the module comment). */
export interface Lineage {
  /** The session's own id (put aside when comparing events with another session's). */
  sessionId: string;
  /** Timelines of the same agent start with this ('claude/', 'codex/'). */
  prefix: string;
  /**
   * The source named by the file and where the fork leaves it: Codex's `forked_from_id` with how many
   * of its events the fork shares; Claude's fork file whose first record's parent is a record of
   * another session file (`afterUuid`: the fork shares the source up to that record).
   */
  forkedFrom?: { timeline: string; shared?: number; afterUuid?: string };
  /** Whether the genesis is a record of the file (Codex's session_meta) rather than made up (Claude). */
  genesisIsRecord: boolean;
}

/**
 * How many events from the start of a timeline identify it as a source (Claude Code's first record
 * with a uuid comes within its first few), and how many of a new session's are looked up (a fork
 * may put records of its own before the copied ones).
 */
const SOURCE_HEAD = 8;
const PLANNED_HEAD = 32;

/**
 * The first events of each timeline of the store, by key, built on first use and kept for one import
 * (timelines created meanwhile are added by `note`).
 */
export class LineageIndex {
  private byKey?: Map<string, string>;
  constructor(private readonly store: Store) {}

  /** The timelines among whose first events one of `keys` is. */
  find(keys: Iterable<string>, prefix: string, except: string): string[] {
    this.byKey ??= this.build();
    const out = new Set<string>();
    for (const k of keys) {
      const name = this.byKey.get(k);
      if (name !== undefined && name !== except && name.startsWith(prefix)) out.add(name);
    }
    return [...out];
  }

  /** Add a timeline (just created) to the index. */
  note(name: string): void {
    if (this.byKey) this.add(this.byKey, name);
  }

  private build(): Map<string, string> {
    const map = new Map<string, string>();
    for (const name of this.store.timelines().keys()) this.add(map, name);
    return map;
  }

  private add(map: Map<string, string>, name: string): void {
    const tip = this.store.tipOf(name);
    if (!tip) return;
    const last = this.store.commitInfo(tip).seq;
    const genesis = this.store.eventAt(tip, 0)?.event;
    const id = originId(genesis);
    for (let seq = 1; seq <= Math.min(last, SOURCE_HEAD); seq++) {
      const e = this.store.eventAt(tip, seq)?.event;
      if (!e) break;
      for (const k of keysOf(e, id)) if (!map.has(k)) map.set(k, name);
    }
  }
}

/**
 * The timeline `t` as a fork of the timeline it continues, or `t` itself when it continues none (or
 * is already in the store as a timeline of its own).
 */
export function resolveLineage(store: Store, t: PlannedTimeline, index: LineageIndex, others: readonly PlannedTimeline[]): PlannedTimeline {
  const lineage = t.lineage;
  // Not done (yet) for a session whose own file branches (a fork of it in the same plan would share
  // events counted in the file's order): it is imported as a session of its own, as before.
  if (!lineage || t.fork || others.some((o) => o.fork?.of === t.name)) return t;
  const recorded = store.forkRecords()[t.name];
  const tip = store.tipOf(t.name);
  // A timeline of this session already in the store, not recorded as a fork (forks.json stays on the
  // machine that made it: a clone has none): a fork all the same when its genesis is another session's.
  if (tip && recorded === undefined && originId(store.eventAt(tip, 0)?.event) === lineage.sessionId) return t;
  let candidates: string[];
  if (recorded !== undefined) candidates = [recorded];
  else if (lineage.forkedFrom) candidates = [lineage.forkedFrom.timeline];
  else {
    const keys = t.events.slice(1, 1 + PLANNED_HEAD).flatMap((e) => keysOf(e, lineage.sessionId));
    candidates = index.find(keys, lineage.prefix, t.name);
  }
  for (const source of candidates) {
    const resolved = forkOf(store, t, lineage, source);
    if (resolved) return resolved;
  }
  return t;
}

/** `t` as a fork of `source` (see the module comment), or undefined when they share nothing. */
function forkOf(store: Store, t: PlannedTimeline, lineage: Lineage, source: string): PlannedTimeline | undefined {
  const tip = store.tipOf(source);
  if (!tip) return undefined;
  const stored = store.readEvents(tip);
  const sourceId = originId(stored[0]?.event);
  // The same session id: a copy of the same session (another file name), not a continuation.
  if (sourceId === lineage.sessionId) return undefined;
  const seqOf = new Map<string, number>();
  for (const s of stored.slice(1)) {
    const k = keyOf(s.event, sourceId);
    if (!seqOf.has(k)) seqOf.set(k, s.event.seq);
  }
  // Where each planned event is in the source: by its record's uuid, else as the same event.
  const uuidSeq = new Map<string, number>();
  for (const s of stored.slice(1)) {
    const u = uuidOf(s.event);
    if (u !== undefined && !uuidSeq.has(u)) uuidSeq.set(u, s.event.seq);
  }
  const found = t.events.map((e, i) => {
    if (i === 0) return undefined;
    const u = uuidOf(e);
    const byUuid = u !== undefined ? uuidSeq.get(u) : undefined;
    return byUuid !== undefined ? { seq: byUuid, uuid: true } : { seq: seqOf.get(keyOf(e, lineage.sessionId)), uuid: false };
  });
  // The branch point: after the last record found by uuid (records with a uuid are the conversation;
  // an agent may write the same record without one again later, as Claude Code does when it resumes),
  // else after the last event found.
  // (A loop, not Math.max(...list): a session's events can be more than a call's arguments.)
  let lastByUuid = -1;
  let lastAny = -1;
  for (const f of found) {
    if (f?.seq === undefined) continue;
    if (f.uuid) lastByUuid = Math.max(lastByUuid, f.seq);
    lastAny = Math.max(lastAny, f.seq);
  }
  let shared = (lastByUuid >= 0 ? lastByUuid : lastAny) + 1;
  const own: number[] = [];
  // A genesis made up by the planner (Claude) has no record: the fork shares the source's. A record
  // (Codex's session_meta) is the fork's own unless it is the source's under another id.
  if (lineage.genesisIsRecord && stored[0] && keyOf(t.events[0], lineage.sessionId) !== keyOf(stored[0].event, sourceId)) own.push(0);
  // The fork's own events: those not found in the shared part.
  for (let i = 1; i < t.events.length; i++) {
    const seq = found[i]?.seq;
    if (seq === undefined || seq >= shared) own.push(i);
  }
  const named = lineage.forkedFrom && source === lineage.forkedFrom.timeline ? lineage.forkedFrom : undefined;
  if (named?.shared !== undefined) shared = Math.max(shared, Math.min(named.shared, stored.length));
  const after = named?.afterUuid !== undefined ? uuidSeq.get(named.afterUuid) : undefined;
  if (after !== undefined) shared = Math.max(shared, after + 1);
  if (shared === 0) return undefined;
  const prefix = stored.slice(0, shared).map((s) => inputOf(s.event));
  return {
    ...t,
    events: [...prefix, ...own.map((i) => t.events[i])],
    lines: [...prefix.map(() => undefined), ...own.map((i) => t.lines?.[i])],
    fork: { of: source, shared },
    forkCids: stored.slice(0, shared).map((s) => s.cid),
  };
}

/** A stored event as the input the store made it from (v, seq and prev are added again on append). */
function inputOf(e: Event): EventInput {
  const { v: _v, seq: _seq, prev: _prev, ...rest } = e as Record<string, unknown>;
  return rest as EventInput;
}

function originId(e: Event | undefined): string {
  const origin = e?.origin as Record<string, unknown> | undefined;
  return typeof origin?.id === 'string' ? origin.id : '';
}

/** The uuid of an event's record (Claude), if any. */
function uuidOf(e: EventInput | Event): string | undefined {
  const record = (e.source as Record<string, unknown> | undefined)?.record as Record<string, unknown> | undefined;
  return typeof record?.uuid === 'string' && record.uuid !== '' ? record.uuid : undefined;
}

/**
 * The keys an event is known by across sessions: its record's uuid (Claude), and the event itself with
 * its session's id put aside.
 */
function keysOf(e: EventInput | Event, sessionId: string): string[] {
  const uuid = uuidOf(e);
  return uuid !== undefined ? [keyOf(e, sessionId), `uuid:${uuid}`] : [keyOf(e, sessionId)];
}

function keyOf(e: EventInput | Event, sessionId: string): string {
  // A file-history snapshot is known by its record, whichever form it took where it was imported (a
  // checkpoint where the backups were found, plain where not: the copy `agentlog resume` hands out
  // under a new id has none under that id; standsFor.ts sameFileHistoryRecord).
  const snapshot = fileHistoryRecord(e as Record<string, unknown>);
  if (snapshot !== undefined) return `file-history:${cidOf(encode(putAside(snapshot, sessionId) as IpldValue)).toString()}`;
  const { v: _v, seq: _seq, prev: _prev, ...rest } = e as Record<string, unknown>;
  return `event:${cidOf(encode(eventRecord(putAside(rest, sessionId) as Record<string, unknown>, 0, null) as IpldValue)).toString()}`;
}

/** `v` with every string equal to `id` replaced by one that no session id is. */
function putAside(v: unknown, id: string): unknown {
  if (id === '') return v;
  if (typeof v === 'string') return v === id ? '\u0000session' : v;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof CID) return v;
  if (Array.isArray(v)) return v.map((x) => putAside(x, id));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = putAside(x, id);
  return out;
}

/** How much of a file's start is read for its first timestamp. */
const FIRST_BYTES = 64 * 1024;

/**
 * Files in the order their sessions began (the first record's `timestamp`; files without one keep
 * their place after those with one), so that a fork is imported after the session it continues and
 * is linked to it: a fork's first record is its own, written after the source's first (Claude's
 * --fork-session, a Claude fork file of 2.1.x, Codex's fork). Reads at most 64 KiB of each file.
 */
export function inSessionOrder(files: string[]): string[] {
  if (files.length < 2) return files;
  const started = new Map<string, number>();
  for (const f of files) started.set(f, firstTimestamp(f));
  return [...files].sort((a, b) => {
    const x = started.get(a)!;
    const y = started.get(b)!;
    return x === y ? 0 : x < y ? -1 : 1;
  });
}

function firstTimestamp(file: string): number {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(FIRST_BYTES);
      text = buf.subarray(0, fs.readSync(fd, buf, 0, FIRST_BYTES, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  for (const line of text.split('\n').slice(0, -1)) {
    try {
      const ts = (JSON.parse(line) as Record<string, unknown>)?.timestamp;
      const ms = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
      if (Number.isFinite(ms)) return ms;
    } catch {
      // not JSON: the next line
    }
  }
  return Number.POSITIVE_INFINITY;
}
