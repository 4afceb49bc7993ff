// The model's context as a fold over the log: message events (the agent's own, or imported from Claude
// Code or Codex) become a conversation in the Anthropic Messages shape, repaired into what the APIs
// accept, plus which tool calls of the last assistant turn still lack a result.

import { createHash } from 'node:crypto';
import { blocksOf, type ContentBlock, type StoredEvent } from '../event/event.js';

/** The wire a model is spoken to over: Anthropic Messages, OpenAI chat completions, OpenAI Responses. */
export type Api = 'anthropic' | 'openai' | 'responses';

export const APIS: readonly Api[] = ['anthropic', 'openai', 'responses'];

/** Whose tool ids an API takes as they are: OpenAI's two APIs share their `call_…` ids. */
function family(api: Api | undefined): string | undefined {
  return api === 'responses' ? 'openai' : api;
}

/** A content block as the conversation carries it (the Anthropic shape; images with base64 data). */
export type Block =
  | { type: 'text'; text: string }
  | { type: 'image'; media_type: string; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string | Block[]; is_error: boolean }
  /** An OpenAI Responses reasoning item, sent back only to the Responses API, and only with its encrypted content. */
  | { type: 'reasoning'; id: string; summary: string[]; encrypted_content: string };

export interface Message {
  role: 'user' | 'assistant';
  content: Block[];
  /** How many events of the log this message was folded from (the note on a cut context counts them). */
  events?: number;
}

export interface Conversation {
  system: string[];
  messages: Message[];
}

/** A tool call of the log: its block as recorded, and the event that holds it. */
export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
  event: StoredEvent;
}

const ID_OK = /^[A-Za-z0-9_-]{1,64}$/;
const NO_RESULT = 'no result was recorded for this tool call';

/** Which provider wrote an event's blocks: the loop records `api`; an import keeps its source format. */
export function providerOf(e: StoredEvent): Api | undefined {
  const ev = e.event;
  if (ev.api === 'anthropic' || ev.api === 'openai' || ev.api === 'responses') return ev.api;
  const format = (ev.source as { format?: unknown } | undefined)?.format;
  if (format === 'claude-code') return 'anthropic';
  if (format === 'codex') return 'openai';
  return undefined;
}

/**
 * A tool id as `target` gets it: kept when that provider wrote it and it is well formed, else derived
 * from the event's CID and the block's index (the same id every time the log is folded).
 */
export function mapId(id: string, e: StoredEvent, index: number, target: Api): string {
  if (family(providerOf(e)) === family(target) && ID_OK.test(id)) return id;
  const h = createHash('sha256').update(`${e.cid.toString()}:${index}`).digest('hex').slice(0, 24);
  return `${target === 'anthropic' ? 'toolu' : 'call'}_${h}`;
}

/** Fold the events into the conversation `target` is sent (before any provider-specific encoding). */
export function foldContext(events: readonly StoredEvent[], target: Api): Conversation {
  const system: string[] = [];
  let raw: Message[] = [];
  const ids = new Map<string, string>();
  for (const e of events) {
    const ev = e.event;
    if (ev.kind === 'compaction') {
      raw = [];
      const summary = typeof ev.summary === 'string' ? ev.summary : textBlocks(blocksOf(ev.content));
      if (summary) raw.push({ role: 'user', content: [{ type: 'text', text: `Summary of the conversation so far:\n${summary}` }], events: 1 });
      continue;
    }
    if (ev.kind !== 'message') continue;
    if (ev.role === 'system') {
      const t = textBlocks(blocksOf(ev.content));
      if (t.trim()) system.push(t);
      continue;
    }
    if (ev.role !== 'user' && ev.role !== 'assistant') continue;
    const content: Block[] = [];
    blocksOf(ev.content).forEach((b, i) => {
      const block = toBlock(b, e, i, target, ids);
      if (block) content.push(block);
    });
    if (content.length) raw.push({ role: ev.role, content, events: 1 });
  }
  return { system, messages: repair(merge(raw)) };
}

function toBlock(b: ContentBlock, e: StoredEvent, index: number, target: Api, ids: Map<string, string>): Block | undefined {
  switch (b.type) {
    case 'text':
      return typeof b.text === 'string' && b.text.trim() ? { type: 'text', text: b.text } : undefined;
    case 'image':
      return imageOf(b);
    case 'tool_use': {
      if (typeof b.id !== 'string' || typeof b.name !== 'string') return undefined;
      const id = mapId(b.id, e, index, target);
      ids.set(b.id, id);
      const input =
        b.input && typeof b.input === 'object' && !Array.isArray(b.input) && !(b.input instanceof Uint8Array)
          ? (b.input as Record<string, unknown>)
          : { value: b.input };
      return { type: 'tool_use', id, name: b.name, input: plain(input) as Record<string, unknown> };
    }
    case 'tool_result': {
      const content = resultContent(b.content);
      const id = typeof b.tool_use_id === 'string' ? ids.get(b.tool_use_id) : undefined;
      if (!id)
        return { type: 'text', text: `[a tool result whose call is not in this context]\n${typeof content === 'string' ? content : textBlocks(content)}` };
      return { type: 'tool_result', tool_use_id: id, content, is_error: b.is_error === true };
    }
    case 'reasoning':
      return target === 'responses' && providerOf(e) === 'responses' ? reasoningOf(b) : undefined;
    default:
      return undefined; // thinking (signed for one provider only), agents' own block kinds
  }
}

function reasoningOf(b: ContentBlock): Block | undefined {
  if (typeof b.id !== 'string' || typeof b.encrypted_content !== 'string' || !b.encrypted_content) return undefined;
  const summary = Array.isArray(b.summary) ? b.summary.filter((t): t is string => typeof t === 'string') : [];
  return { type: 'reasoning', id: b.id, summary, encrypted_content: b.encrypted_content };
}

function imageOf(b: ContentBlock): Block | undefined {
  if (typeof b.media_type === 'string' && b.data instanceof Uint8Array)
    return { type: 'image', media_type: b.media_type, data: Buffer.from(b.data).toString('base64') };
  const src = b.source as { type?: unknown; media_type?: unknown; data?: unknown } | undefined;
  if (src && src.type === 'base64' && typeof src.media_type === 'string' && typeof src.data === 'string')
    return { type: 'image', media_type: src.media_type, data: src.data };
  return undefined;
}

function resultContent(c: unknown): string | Block[] {
  if (typeof c === 'string') return c;
  const out: Block[] = [];
  for (const b of blocksOf(c)) {
    if (b.type === 'text' && typeof b.text === 'string') out.push({ type: 'text', text: b.text });
    else if (b.type === 'image') {
      const img = imageOf(b);
      if (img) out.push(img);
    }
  }
  return out.length ? out : '';
}

/** DAG-CBOR values back to JSON values (links and bytes as strings). */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? Number(v) : v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if ('/' in (v as object) || typeof (v as { toV1?: unknown }).toV1 === 'function') return String(v);
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = plain(x);
  return o;
}

export function textBlocks(blocks: readonly { type: string; text?: unknown }[]): string {
  return blocks
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n');
}

/** Consecutive messages of one role become one (Claude Code records an answer as one record per block). */
function merge(raw: Message[]): Message[] {
  const out: Message[] = [];
  for (const m of raw) {
    const last = out[out.length - 1];
    if (last && last.role === m.role) {
      last.content.push(...m.content);
      last.events = (last.events ?? 0) + (m.events ?? 0);
    } else out.push({ role: m.role, content: [...m.content], events: m.events ?? 0 });
  }
  return out;
}

/**
 * What both APIs require: the conversation opens with a user message, and every tool call is answered
 * by a result at the start of the next user message. A call left unanswered (an agent stopped there)
 * gets a result saying so; a result with no call before it becomes text.
 */
function repair(messages: Message[]): Message[] {
  const out: Message[] = [];
  if (messages[0]?.role === 'assistant') out.push({ role: 'user', content: [{ type: 'text', text: '(the session continues)' }], events: 0 });
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === 'assistant') {
      out.push(m);
      const calls = m.content.filter((b): b is Extract<Block, { type: 'tool_use' }> => b.type === 'tool_use');
      if (!calls.length) continue;
      const next = messages[i + 1];
      const rest: Block[] = [];
      const results = new Map<string, Block>();
      for (const b of next?.role === 'user' ? next.content : []) {
        if (b.type === 'tool_result' && calls.some((c) => c.id === b.tool_use_id) && !results.has(b.tool_use_id)) results.set(b.tool_use_id, b);
        else rest.push(b.type === 'tool_result' ? strayResult(b) : b);
      }
      const answered = calls.map((c) => results.get(c.id) ?? ({ type: 'tool_result', tool_use_id: c.id, content: NO_RESULT, is_error: true } as Block));
      out.push({ role: 'user', content: [...answered, ...rest], events: next?.role === 'user' ? next.events : 0 });
      if (next?.role === 'user') i++;
    } else {
      out.push({ role: 'user', content: m.content.map((b) => (b.type === 'tool_result' ? strayResult(b) : b)), events: m.events });
    }
  }
  return out;
}

function strayResult(b: Extract<Block, { type: 'tool_result' }>): Block {
  return { type: 'text', text: `[a tool result whose call is not in this context]\n${typeof b.content === 'string' ? b.content : textBlocks(b.content)}` };
}

/**
 * The tool calls of the last assistant turn (the run of assistant messages after the last user
 * message that is not only tool results) that have no result in the log yet, in order.
 */
export function pendingCalls(events: readonly StoredEvent[]): ToolCall[] {
  let calls: ToolCall[] = [];
  const answered = new Set<string>();
  let lastRole: string | undefined;
  for (const e of events) {
    const ev = e.event;
    if (ev.kind === 'compaction') {
      calls = [];
      continue;
    }
    if (ev.kind !== 'message' || (ev.role !== 'user' && ev.role !== 'assistant')) continue;
    const blocks = blocksOf(ev.content);
    if (ev.role === 'assistant') {
      if (lastRole !== 'assistant') {
        // A new assistant turn: only results after it answer its calls (an id reused by a model is not answered by an old result).
        calls = [];
        answered.clear();
      }
      for (const b of blocks) {
        if (b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string') {
          const input = b.input && typeof b.input === 'object' && !Array.isArray(b.input) ? (b.input as Record<string, unknown>) : {};
          calls.push({ id: b.id, name: b.name, input, event: e });
        }
      }
    } else {
      for (const b of blocks) if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') answered.add(b.tool_use_id);
    }
    lastRole = ev.role;
  }
  return calls.filter((c) => !answered.has(c.id));
}

/** The role of the last user or assistant message (undefined when there is none). */
export function lastRole(events: readonly StoredEvent[]): 'user' | 'assistant' | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i].event;
    if (ev.kind === 'compaction') return undefined;
    if (ev.kind === 'message' && (ev.role === 'user' || ev.role === 'assistant')) return ev.role;
  }
  return undefined;
}
