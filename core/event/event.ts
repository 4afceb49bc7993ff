// core/event/ owns the event: its record (the keys every event has, checked on the way in and out,
// I7 in core/store/layout.ts), its canonical bytes and CID (sealEvent, openEvent: I6), and how it
// reads in words (summarize, oneLine, actorOf, the text of its content blocks). It knows nothing of
// git or the store.

import { CID, cidOf } from '../codec/cid.js';
import { decode, encode, type IpldValue, type Latin1Source } from '../codec/dagcbor.js';
import { AgentlogError } from '../errors.js';

export const EVENT_VERSION = 1;

/**
 * An event: a DAG-CBOR map with `v`, `kind`, `seq`, `prev` (a link to the previous event, null at
 * genesis) and `ts` (integer milliseconds). Every other key is the kind's own and is kept as it is,
 * known or not.
 */
export interface Event {
  v: number;
  kind: string;
  seq: number;
  prev: CID | null;
  ts: number;
  [key: string]: IpldValue;
}

/** An event as stored: its canonical bytes and their CID. */
export interface StoredEvent {
  cid: CID;
  bytes: Uint8Array;
  event: Event;
}

export type ContentBlock = { type: string; [key: string]: IpldValue };

/** Check the keys every event has (I7); `where` names the event in the error. */
export function checkEvent(value: unknown, where: string): Event {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || CID.asCID(value)) {
    throw new AgentlogError('E_EVENT', `${where}: an event must be a map`);
  }
  const e = value as Record<string, unknown>;
  if (!Number.isSafeInteger(e.v) || (e.v as number) < 1) throw bad(where, 'v', 'a positive integer');
  if (typeof e.kind !== 'string' || e.kind === '') throw bad(where, 'kind', 'a non-empty string');
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 0) throw bad(where, 'seq', 'an integer ≥ 0');
  if (!Number.isSafeInteger(e.ts)) throw bad(where, 'ts', 'an integer (milliseconds since the Unix epoch)');
  if (e.seq === 0) {
    if (e.prev !== null) throw bad(where, 'prev', 'null at genesis (seq 0)');
  } else if (!CID.asCID(e.prev)) {
    throw bad(where, 'prev', 'a CID link to the previous event');
  }
  return e as Event;
}

function bad(where: string, key: string, what: string): AgentlogError {
  return new AgentlogError('E_EVENT', `${where}: "${key}" must be ${what}`, { key });
}

/**
 * The record stored for an input at `seq` after `prev`: its keys without undefined ones, then `v`,
 * `seq` and `prev` set. (The store fills `ts` when absent; an importer computes CIDs from the same.)
 */
export function eventRecord(input: Record<string, unknown>, seq: number, prev: CID | null): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) e[k] = v;
  e.v = EVENT_VERSION;
  e.seq = seq;
  e.prev = prev;
  return e;
}

/** Encode an event after checking it; returns its canonical bytes and their CID (I6). */
export function sealEvent(event: Event, where = 'event'): StoredEvent {
  checkEvent(event, where);
  const bytes = encode(event);
  return { cid: cidOf(bytes), bytes, event };
}

/**
 * Decode stored bytes into an event (strict), with its CID computed from the bytes, or taken as
 * given (`known`) when the caller already holds it behind a checksum (the event cache).
 */
export function openEvent(bytes: Uint8Array, where = 'event', known?: CID, source?: Latin1Source): StoredEvent {
  let value: IpldValue;
  try {
    value = decode(bytes, source);
  } catch (e) {
    if (e instanceof AgentlogError) throw new AgentlogError('E_CODEC', `${where}: ${e.message}`, e.data);
    throw e;
  }
  return { cid: known ?? cidOf(bytes), bytes, event: checkEvent(value, where) };
}

/** The blocks of a message's content: a string is one text block. */
export function blocksOf(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content.filter((b): b is ContentBlock => b !== null && typeof b === 'object' && typeof (b as ContentBlock).type === 'string');
}

/** The plain text of a message's content (text blocks only). */
export function textOf(content: unknown): string {
  return textOfBlocks(content, Infinity);
}

/** The same, stopping once it holds `room` characters. */
function textOfBlocks(content: unknown, room: number): string {
  let out = '';
  for (const b of blocksOf(content)) {
    if (b.type !== 'text' || typeof b.text !== 'string') continue;
    out = out ? `${out}\n${b.text}` : b.text;
    if (out.length >= room) break;
  }
  return out;
}

/** Who did it: the commit author of the event's commit. */
export function actorOf(event: Event): string {
  if (typeof event.actor === 'string' && event.actor) return event.actor;
  if (event.kind === 'message') {
    if (event.role === 'assistant' && typeof event.model === 'string' && event.model) return event.model;
    if (typeof event.role === 'string' && event.role) return event.role;
  }
  if (event.kind === 'session' || event.kind === 'note' || event.kind === 'checkpoint') return 'user';
  return 'agentlog';
}

/**
 * A Date for an event's `ts`, clamped to what a JavaScript Date holds (±8.64e15 ms): `ts` may be any
 * safe integer, and `toISOString()` throws on an invalid Date.
 */
export function dateOf(ts: number): Date {
  return new Date(Number.isFinite(ts) ? Math.max(-8.64e15, Math.min(8.64e15, ts)) : 0);
}

/** A one-line human summary: the commit subject and the `log` line. */
export function summarize(event: Event, width = 72): string {
  return oneLine(describe(event, width * 8 + 64), width);
}

/**
 * What the event is, in words; only the first `room` characters of its texts are looked at (a tool
 * output of 100 KB joined into the sentence whole would be copied, to show 72 characters of it).
 */
function describe(event: Event, room: number): string {
  const str = (v: unknown): string => (typeof v === 'string' ? (v.length > room ? v.slice(0, room) : v) : '');
  const textOf = (content: unknown): string => str(textOfBlocks(content, room));
  switch (event.kind) {
    case 'session':
      return `session: ${str(event.title) || 'untitled'}`;
    case 'message': {
      const role = str(event.role) || 'message';
      const blocks = blocksOf(event.content);
      const text = textOf(event.content);
      if (text) return `${role}: ${text}`;
      const tool = blocks.find((b) => b.type === 'tool_use');
      if (tool) return `${role}: → ${str(tool.name) || 'tool'}(${str(compactJson(tool.input))})`;
      const result = blocks.find((b) => b.type === 'tool_result');
      if (result) return `${role}: ← ${result.is_error === true ? 'error: ' : ''}${textOf(result.content) || str(compactJson(result.content))}`;
      const thinking = blocks.find((b) => b.type === 'thinking');
      if (thinking) return `${role}: (thinking) ${str(thinking.thinking)}`;
      if (blocks.some((b) => b.type === 'image')) return `${role}: [image]`;
      return `${role}: (${blocks.map((b) => b.type).join(', ') || 'empty'})`;
    }
    case 'model': {
      const via = [str(event.api), str(event.endpoint)].filter(Boolean).join(', ');
      return `model: ${str(event.model) || str(event.provider) || '?'}${via ? ` (${via})` : ''}`;
    }
    case 'interrupt':
      return `interrupt${str(event.reason) ? `: ${str(event.reason)}` : ''}`;
    case 'note':
      return `note: ${str(event.text)}`;
    case 'compaction':
      return `compaction: ${str(event.summary) || textOf(event.content)}`;
    case 'checkpoint':
      return `checkpoint: ${str(event.tree) || str(event.label)}`;
    default:
      return `${event.kind}${typeof event.summary === 'string' ? `: ${str(event.summary)}` : ''}`;
  }
}

/** A value in one line of JSON for a summary (a string as it is; bigints as digits, bytes as `<N bytes>`; '' when it cannot be written). */
export function compactJson(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? `<${x.length} bytes>` : x)) ?? '';
  } catch {
    return '';
  }
}

/** Collapse to one line of at most `width` characters (code points), without control characters. */
export function oneLine(text: string, width: number): string {
  // Only the start can show: do not scan a 100 KB tool output to print 72 characters of it.
  if (text.length > width * 8 + 64) text = text.slice(0, width * 8 + 64);
  // eslint-disable-next-line no-control-regex
  const flat = text
    .replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.length <= width) return flat;
  // The UTF-16 length of the first n code points (a surrogate pair is one).
  const units = (n: number): number => {
    let u = 0;
    for (let p = 0; p < n && u < flat.length; p++) {
      const c = flat.charCodeAt(u);
      const d = flat.charCodeAt(u + 1); // NaN past the end
      u += c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
    }
    return u;
  };
  return units(width) >= flat.length ? flat : `${flat.slice(0, units(width - 1))}…`;
}
