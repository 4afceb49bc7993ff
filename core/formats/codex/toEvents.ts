import * as path from 'node:path';
import { decode, encode, type IpldValue } from '../../codec/dagcbor.js';
import { oneLine } from '../../event/event.js';
import type { EventInput } from '../../store/store.js';
import { deepEqual, parseTs } from '../jsonl.js';
import type { Source } from '../source.js';
import { plainName } from '../zstd.js';
import { CODEX_FORMAT, type CodexLine, type CodexPayload, type CodexRecord } from './records.js';
import { rebuildCodex, shownText } from './toRecords.js';

/**
 * Codex rollout lines → events (import), one event per record in file order:
 *
 * - `session_meta` → the genesis (`session`), or a `codex.session_meta` event when not first;
 * - `response_item` message → `message` (text blocks), reasoning → assistant `message` with `thinking`
 *   blocks, function_call / custom_tool_call → assistant `message` with a `tool_use`,
 *   function_call_output / custom_tool_call_output → user `message` with a `tool_result`; other items →
 *   `codex.response_item`;
 * - `compacted` → `compaction`; `turn_context` → `codex.turn_context` (with its model);
 *   `event_msg` → `codex.event_msg` (its payload type in `type`); anything else → `codex.<type>`.
 *
 * Each event keeps its record in `source`. Where the event's own fields give back part of the record
 * (`source.rebuild` names the rule), that part is left out of the stored record. Codex writes the user's
 * text twice (the `response_item` and an `event_msg` user_message), and the assistant's and the
 * reasoning summary's too: the event_msg's copy is left out and `source.sameAs` points back (events
 * before this one) to the event whose text it is, so it is stored once and shown once.
 */

type Obj = Record<string, unknown>;

/**
 * The genesis of a rollout (`file`, its `lines`), the session's id, the session_meta line it came from
 * (when first), and whether its title is settled: the title is the first message the person typed
 * (event_msg user_message), looked for only before the model's first output, so it never changes as
 * the file grows; follow mode waits until it is settled.
 */
export function codexGenesis(file: string, lines: readonly CodexLine[]): { id: string; genesis: EventInput; metaLine?: CodexLine; settled: boolean } {
  // A compressed rollout (`.jsonl.zst`) is the same session as the file it was: the same name, so the
  // same genesis, whichever of the two was imported first.
  const name = plainName(path.basename(file));
  const idFromName = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(name)?.[1];
  const metaLine = lines.length > 0 && lines[0].value.type === 'session_meta' ? lines[0] : undefined;
  const meta = metaLine?.value.payload;
  // An id with nothing a timeline name can hold ("", "...") is no id: the file name's is used.
  const id = (typeof meta?.id === 'string' && /[A-Za-z0-9]/.test(meta.id) ? meta.id : undefined) ?? idFromName ?? name.replace(/\.jsonl$/, '');
  const ts = parseTs(metaLine?.value.timestamp) ?? parseTs(lines[0]?.value.timestamp) ?? 0;
  const genesis: EventInput = {
    kind: 'session',
    ts,
    agent: typeof meta?.cli_version === 'string' ? { name: 'codex', version: meta.cli_version } : { name: 'codex' },
    origin: { format: CODEX_FORMAT, id, file: name },
  };
  if (typeof meta?.cwd === 'string') genesis.cwd = meta.cwd;
  let title: string | undefined;
  let settled = false;
  for (const l of lines) {
    const p: CodexPayload = l.value.payload ?? {};
    const typed = typedPrompt(l.value);
    if (typed !== undefined) {
      // The VS Code extension puts the editor's context first and the request after this heading.
      const request = typed.split('## My request for Codex:');
      title = oneLine(request[request.length - 1], 80);
      settled = true;
      break;
    }
    if (l.value.type === 'response_item' && (p.role === 'assistant' || p.type === 'reasoning' || p.type === 'function_call' || p.type === 'custom_tool_call')) {
      settled = true;
      break;
    }
  }
  if (title) genesis.title = title;
  if (metaLine) genesis.source = { format: CODEX_FORMAT, record: metaLine.value as IpldValue };
  return { id, genesis, metaLine, settled };
}

/**
 * The text a person typed, from the record the UI shows it by: an event_msg `user_message` (Codex up
 * to 0.15x) or an event_msg `item_completed` whose item is a `UserMessage` (0.16x), its text items
 * joined.
 */
function typedPrompt(r: CodexRecord): string | undefined {
  const p: CodexPayload = r.payload && typeof r.payload === 'object' ? r.payload : {};
  if (r.type !== 'event_msg') return undefined;
  if (p.type === 'user_message') return typeof p.message === 'string' ? p.message : undefined;
  if (p.type !== 'item_completed') return undefined;
  const item = p.item as Obj | undefined;
  if (!item || typeof item !== 'object' || item.type !== 'UserMessage' || !Array.isArray(item.content)) return undefined;
  const texts = item.content.flatMap((c) =>
    c && typeof c === 'object' && (c as Obj).type === 'text' && typeof (c as Obj).text === 'string' ? [(c as Obj).text as string] : [],
  );
  return texts.length > 0 ? texts.join('\n') : undefined;
}

/**
 * A content item as an agentlog block: `input_text` and `output_text` with a string text are `text`
 * blocks, keeping what else the item holds (Codex 0.16x writes `annotations` on output_text, an
 * empty list mostly); any other item is kept as it is.
 */
function contentBlock(item: unknown): IpldValue {
  const block = item as Obj;
  if ((block?.type === 'input_text' || block?.type === 'output_text') && typeof block.text === 'string') {
    const { type: _type, text, ...rest } = block;
    return { type: 'text', text, ...rest } as IpldValue;
  }
  return block as IpldValue;
}

/** The event for one record; `before` are the events of the timeline so far (for `sameAs`). */
export function codexEvent(record: CodexRecord, ts: number, before: EventInput[]): EventInput {
  const type = typeof record.type === 'string' ? record.type : 'record';
  const p: CodexPayload = record.payload && typeof record.payload === 'object' ? record.payload : {};
  let e: EventInput;
  let rebuild: string | undefined;
  let sameAs: number | undefined;
  if (type === 'response_item' && p.type === 'message' && Array.isArray(p.content)) {
    const role = p.role === 'assistant' ? 'assistant' : p.role === 'user' ? 'user' : 'system';
    const content = p.content.map(contentBlock);
    e = { kind: 'message', ts, role, content: content as IpldValue };
    rebuild = 'payload.content';
  } else if (type === 'response_item' && p.type === 'reasoning' && Array.isArray(p.summary)) {
    const content = p.summary.map((s) => ({ type: 'thinking', thinking: typeof (s as Obj)?.text === 'string' ? ((s as Obj).text as string) : '' }));
    e = { kind: 'message', ts, role: 'assistant', content };
    rebuild = 'payload.summary';
  } else if (type === 'response_item' && (p.type === 'function_call' || p.type === 'custom_tool_call')) {
    const input = p.type === 'function_call' ? parseArgs(p.arguments) : { input: p.input as IpldValue };
    e = { kind: 'message', ts, role: 'assistant', content: [{ type: 'tool_use', id: str(p.call_id), name: str(p.name), input }] };
    rebuild = p.type === 'function_call' ? 'payload.arguments' : 'payload.input';
  } else if (type === 'response_item' && (p.type === 'function_call_output' || p.type === 'custom_tool_call_output')) {
    e = { kind: 'message', ts, role: 'user', content: [{ type: 'tool_result', tool_use_id: str(p.call_id), content: (p.output ?? null) as IpldValue }] };
    rebuild = 'payload.output';
  } else if (type === 'compacted') {
    e = { kind: 'compaction', ts, summary: (p.message ?? null) as IpldValue };
    rebuild = 'payload.message';
  } else if (type === 'turn_context') {
    e = { kind: 'codex.turn_context', ts };
    if (typeof p.model === 'string') e.model = p.model;
  } else if (type === 'event_msg') {
    e = { kind: 'codex.event_msg', ts, type: str(p.type) };
    const key = typeof p.message === 'string' ? 'message' : typeof p.text === 'string' ? 'text' : undefined;
    if (key && (p.type === 'user_message' || p.type === 'agent_message' || p.type === 'agent_reasoning')) {
      const want = p[key] as string;
      const role = p.type === 'user_message' ? 'user' : 'assistant';
      for (let k = 1; k <= 50 && k <= before.length; k++) {
        const prev = before[before.length - k];
        if (prev.kind !== 'message' || prev.role !== role) continue;
        if (shownText(prev) === want) {
          sameAs = k;
          rebuild = `payload.${key}`;
          break;
        }
      }
    }
  } else if (type === 'response_item') {
    e = { kind: 'codex.response_item', ts, type: str(p.type) };
  } else {
    e = { kind: `codex.${type}`, ts };
  }
  if (rebuild) {
    const stripped = { ...record, payload: omit(p, rebuild.slice('payload.'.length)) };
    const source: Obj = { format: CODEX_FORMAT, record: stripped, rebuild };
    if (sameAs !== undefined) source.sameAs = sameAs;
    // Check against the event as it will read back (DAG-CBOR sorts map keys, which changes what
    // JSON.stringify gives for tool arguments).
    const stored = decode(encode({ ...e, source: source as IpldValue })) as Obj;
    const all = [...before, stored];
    if (deepEqual(rebuildCodex(stored, stored.source as unknown as Source, all, all.length - 1), record)) {
      e.source = source as IpldValue;
      return e;
    }
  }
  e.source = { format: CODEX_FORMAT, record: record as IpldValue };
  return e;
}

function parseArgs(args: unknown): IpldValue {
  if (typeof args === 'string') {
    try {
      const v = JSON.parse(args);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as IpldValue;
    } catch {
      // not JSON: kept raw below
    }
  }
  return { __raw: (args ?? null) as IpldValue };
}

function omit(o: Obj, key: string): Obj {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
