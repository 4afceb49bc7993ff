import { blocksOf, textOf, type StoredEvent } from '../../event/event.js';
import { isoTs, toJson } from '../jsonl.js';
import { sourceOf, type Source } from '../source.js';
import { CODEX_FORMAT, type CodexContentItem, type CodexPayload, type CodexRecord } from './records.js';

/**
 * Events → Codex rollout lines (export). An event imported from Codex gives back its original record
 * (rebuildCodex); any other is written from its normalized fields: a session_meta first, then messages
 * as response_items (text, images from the user, tool calls and their outputs) with the event_msg a
 * UI shows for a user or assistant text, and compactions with a summary as `compacted`. Thinking and
 * other kinds have no place in the file.
 */

type Obj = Record<string, unknown>;

/** The original record of an imported Codex event; `events` is the timeline, `index` this event's place. */
export function rebuildCodex(e: Obj, source: Source, events: Obj[], index: number): CodexRecord {
  const record = source.record as CodexRecord;
  const rule = source.rebuild;
  if (typeof rule !== 'string') return record;
  const p: CodexPayload = { ...record.payload };
  const content = (e.content ?? []) as Obj[];
  const role = p.role;
  switch (rule) {
    case 'payload.content':
      // A text block back to the item it came from (contentBlock in toEvents.ts), with what else it held.
      p.content = content.map((b) => {
        if (b?.type !== 'text' || typeof b.text !== 'string') return b as CodexContentItem;
        const { type: _type, text, ...rest } = b;
        return { type: role === 'assistant' ? 'output_text' : 'input_text', text: text as string, ...rest };
      });
      break;
    case 'payload.summary':
      p.summary = content.map((b) => ({ type: 'summary_text', text: b.thinking as string }));
      break;
    case 'payload.arguments': {
      const input = content[0]?.input as Obj | undefined;
      p.arguments = (input && '__raw' in input && Object.keys(input).length === 1 ? input.__raw : JSON.stringify(toJson(input))) as string;
      break;
    }
    case 'payload.input':
      p.input = (content[0]?.input as Obj | undefined)?.input;
      break;
    case 'payload.output':
      p.output = content[0]?.content;
      break;
    case 'payload.message':
    case 'payload.text':
      if (typeof source.sameAs === 'number') p[rule.slice('payload.'.length)] = shownText(events[index - source.sameAs]);
      else p.message = e.summary;
      break;
    default:
      return record;
  }
  return { ...record, payload: p };
}

/** The text an event shows: text blocks, or thinking blocks when there is no text. */
export function shownText(e: Obj): string {
  const text = textOf(e.content);
  if (text) return text;
  return blocksOf(e.content)
    .filter((b) => b.type === 'thinking')
    .map((b) => b.thinking as string)
    .join('\n');
}

/** A timeline's events as the lines of a Codex rollout of session `sessionId`, recorded in `cwd`. */
export function toCodexRecords(events: StoredEvent[], sessionId: string, cwd: string | undefined): CodexRecord[] {
  const out: CodexRecord[] = [];
  let metaDone = false;
  const genesis = events[0]?.event;
  const timeline: Obj[] = events.map((s) => s.event);
  events.forEach(({ event: e }, index) => {
    const ts = isoTs(e.ts);
    const source = sourceOf(e, CODEX_FORMAT);
    if (source) {
      const r = rebuildCodex(e, source, timeline, index);
      if (r.type === 'session_meta') metaDone = true;
      out.push(r);
      return;
    }
    if (!metaDone) {
      const agent = (genesis?.agent ?? {}) as Obj;
      out.push({
        timestamp: isoTs(genesis?.ts ?? e.ts),
        type: 'session_meta',
        payload: {
          id: sessionId,
          timestamp: isoTs(genesis?.ts ?? e.ts),
          cwd: cwd ?? '',
          originator: 'agentlog',
          cli_version: agent.name === 'codex' && typeof agent.version === 'string' ? agent.version : '0.40.0',
          instructions: null,
        },
      });
      metaDone = true;
    }
    if (e.kind === 'message') {
      const role = e.role === 'assistant' ? 'assistant' : e.role === 'system' ? 'developer' : 'user';
      const text: CodexContentItem[] = [];
      const flush = () => {
        if (text.length === 0) return;
        out.push({ timestamp: ts, type: 'response_item', payload: { type: 'message', role, content: text.splice(0) } });
      };
      for (const b of blocksOf(e.content)) {
        if (b.type === 'text' && typeof b.text === 'string') {
          text.push({ type: role === 'assistant' ? 'output_text' : 'input_text', text: b.text });
        } else if (b.type === 'image' && b.data instanceof Uint8Array && role !== 'assistant') {
          text.push({ type: 'input_image', image_url: `data:${String(b.media_type)};base64,${Buffer.from(b.data).toString('base64')}` });
        } else if (b.type === 'tool_use') {
          flush();
          out.push({
            timestamp: ts,
            type: 'response_item',
            payload: { type: 'function_call', name: String(b.name ?? 'tool'), arguments: JSON.stringify(toJson(b.input ?? {})), call_id: String(b.id ?? '') },
          });
        } else if (b.type === 'tool_result') {
          flush();
          const c = b.content;
          const output = typeof c === 'string' ? c : textOf(c) || JSON.stringify(toJson(c ?? null));
          out.push({ timestamp: ts, type: 'response_item', payload: { type: 'function_call_output', call_id: String(b.tool_use_id ?? ''), output } });
        }
      }
      flush();
      const shown = textOf(e.content);
      if (shown && role === 'user') out.push({ timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: shown, images: [] } });
      if (shown && role === 'assistant') out.push({ timestamp: ts, type: 'event_msg', payload: { type: 'agent_message', message: shown } });
    } else if (e.kind === 'compaction') {
      // Codex rebuilds the context from a `compacted` record's summary; a compaction without one (Claude
      // Code keeps the summary in the user message after its boundary, exported as such) is left out.
      const summary = typeof e.summary === 'string' ? e.summary : textOf(e.content);
      if (summary) out.push({ timestamp: ts, type: 'compacted', payload: { message: summary } });
    }
  });
  return out;
}

/**
 * A line with its session id (session_meta) and, when given, its cwd (session_meta, turn_context)
 * rewritten: for resume elsewhere or from another point.
 */
export function renameCodexRecord(r: CodexRecord, sessionId: string, cwd: string | undefined): CodexRecord {
  if ((r.type === 'session_meta' || r.type === 'turn_context') && r.payload && typeof r.payload === 'object') {
    const p = { ...r.payload };
    if (r.type === 'session_meta') p.id = sessionId;
    if (cwd !== undefined && typeof p.cwd === 'string') p.cwd = cwd;
    return { ...r, payload: p };
  }
  return r;
}
