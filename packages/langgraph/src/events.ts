import { AgentlogError, type Event, type EventInput } from './core.js';

/**
 * The events a LangGraph thread is kept as (documented in the README's format section):
 *
 * - genesis `session`: `title`, `agent: {name: 'langgraph'}`, `langgraph: {thread_id, checkpoint_ns}`.
 * - `langgraph.checkpoint`: `id` (the checkpoint id), `parent` (the id it follows, or null), `checkpoint`
 *   (the checkpoint without its channel values), `metadata`, and `channels`: only the channels this
 *   checkpoint changed (those in put's newVersions), each `{name, version, value}`. The rest are rebuilt from
 *   earlier events of the same timeline: a channel at version V has the value the newest earlier event
 *   stored for it at V.
 * - `langgraph.writes`: one putWrites call: `checkpoint` (the id the writes belong to), `task`, `path`
 *   (the task path, "" when none) and `writes`, each `{channel, idx, value}`.
 *
 * Every value (`checkpoint`, `metadata`, a channel's, a write's) is `{type, bytes}`: what LangGraph's own
 * serde (`serde.dumpsTyped`) made of it, kept as bytes inside the DAG-CBOR event. Each event has a `summary`
 * for `git log` and `agentlog show`. Reading checks every field: a store is input like any other.
 */

export const CHECKPOINT = 'langgraph.checkpoint';
export const WRITES = 'langgraph.writes';

export interface Typed {
  type: string;
  bytes: Uint8Array;
}

export interface ChannelBlob {
  name: string;
  version: number | string;
  value: Typed;
}

export interface CheckpointEvent {
  id: string;
  parent: string | undefined;
  checkpoint: Typed;
  metadata: Typed;
  channels: ChannelBlob[];
}

export interface WriteEntry {
  channel: string;
  idx: number;
  value: Typed;
}

export interface WritesEvent {
  checkpoint: string;
  task: string;
  path: string;
  writes: WriteEntry[];
}

export function genesisInput(threadId: string, ns: string): EventInput {
  return {
    kind: 'session',
    title: ns === '' ? `LangGraph thread ${threadId}` : `LangGraph thread ${threadId}, namespace ${ns}`,
    agent: { name: 'langgraph' },
    langgraph: { thread_id: threadId, checkpoint_ns: ns },
  };
}

/** A summary is for a commit's subject line: what the graph put in it (step, channel names) is cut to fit. */
const SUMMARY_MAX = 160;

function short(text: string): string {
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

export function checkpointInput(e: CheckpointEvent, ts: number | undefined, summary: string): EventInput {
  return {
    kind: CHECKPOINT,
    ...(ts === undefined ? {} : { ts }),
    actor: 'langgraph',
    summary: short(summary),
    id: e.id,
    parent: e.parent ?? null,
    checkpoint: typed(e.checkpoint),
    metadata: typed(e.metadata),
    channels: e.channels.map((c) => ({ name: c.name, version: c.version, value: typed(c.value) })),
  };
}

export function writesInput(e: WritesEvent, summary: string): EventInput {
  return {
    kind: WRITES,
    actor: 'langgraph',
    summary: short(summary),
    checkpoint: e.checkpoint,
    task: e.task,
    path: e.path,
    writes: e.writes.map((w) => ({ channel: w.channel, idx: w.idx, value: typed(w.value) })),
  };
}

function typed(t: Typed): { type: string; bytes: Uint8Array } {
  return { type: t.type, bytes: t.bytes };
}

// ---------------------------------------------------------------------------------------------------
// Reading: every field checked, errors naming the event

function bad(where: string, what: string): AgentlogError {
  return new AgentlogError('E_EVENT', `${where}: ${what}`);
}

function record(v: unknown, where: string, key: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw bad(where, `"${key}" must be a map`);
  return v as Record<string, unknown>;
}

function str(v: unknown, where: string, key: string): string {
  if (typeof v !== 'string') throw bad(where, `"${key}" must be a string`);
  return v;
}

function readTyped(v: unknown, where: string, key: string): Typed {
  const m = record(v, where, key);
  if (typeof m.type !== 'string' || !(m.bytes instanceof Uint8Array)) throw bad(where, `"${key}" must be {type: string, bytes}`);
  return { type: m.type, bytes: m.bytes };
}

function list(v: unknown, where: string, key: string): unknown[] {
  if (!Array.isArray(v)) throw bad(where, `"${key}" must be a list`);
  return v;
}

/** The thread id and namespace a genesis names, or undefined when it is not a LangGraph thread's genesis. */
export function readGenesis(e: Event): { threadId: string; ns: string } | undefined {
  if (e.kind !== 'session') return undefined;
  const lg = e.langgraph as Record<string, unknown> | undefined;
  if (!lg || typeof lg !== 'object' || typeof lg.thread_id !== 'string' || typeof lg.checkpoint_ns !== 'string') return undefined;
  return { threadId: lg.thread_id, ns: lg.checkpoint_ns };
}

export function readCheckpoint(e: Event, where: string): CheckpointEvent {
  const parent = e.parent === null ? undefined : str(e.parent, where, 'parent');
  const channels = list(e.channels, where, 'channels').map((c, i) => {
    const m = record(c, where, `channels[${i}]`);
    const version = m.version;
    if (!(typeof version === 'string' || (typeof version === 'number' && Number.isFinite(version))))
      throw bad(where, `channels[${i}].version must be a number or a string`);
    return { name: str(m.name, where, `channels[${i}].name`), version, value: readTyped(m.value, where, `channels[${i}].value`) };
  });
  return {
    id: str(e.id, where, 'id'),
    parent,
    checkpoint: readTyped(e.checkpoint, where, 'checkpoint'),
    metadata: readTyped(e.metadata, where, 'metadata'),
    channels,
  };
}

export function readWrites(e: Event, where: string): WritesEvent {
  const writes = list(e.writes, where, 'writes').map((w, i) => {
    const m = record(w, where, `writes[${i}]`);
    if (!Number.isSafeInteger(m.idx)) throw bad(where, `writes[${i}].idx must be an integer`);
    return { channel: str(m.channel, where, `writes[${i}].channel`), idx: m.idx as number, value: readTyped(m.value, where, `writes[${i}].value`) };
  });
  return { checkpoint: str(e.checkpoint, where, 'checkpoint'), task: str(e.task, where, 'task'), path: str(e.path, where, 'path'), writes };
}
