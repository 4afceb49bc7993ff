import { createHash } from 'node:crypto';
import { blocksOf, dateOf, textOf, type Event, type StoredEvent } from '../event/event.js';
import type { Store } from '../store/store.js';
import { CLAUDE_FORMAT, fromBlocks, rebuildClaude } from '../formats/claude/claude.js';
import { CODEX_FORMAT, rebuildCodex } from '../formats/codex/codex.js';
import { toJson } from '../formats/jsonl.js';

/**
 * A timeline as a session file of Claude Code or Codex. An event imported from that format gives back
 * its original record (`source`, with the elided content put back from the event). Any other event
 * (appended with agentlog, or imported from the other agent) is written from its normalized fields:
 * messages with text, tool calls and their results, images, compactions; thinking crosses only from
 * Claude to Claude (its signature is Claude's) and other kinds have no place in the file.
 */
export type ExportFormat = 'claude' | 'codex';

export interface ExportOptions {
  /** The session id to write (default: the id the session was imported with, else one from the genesis CID). */
  sessionId?: string;
  /** Rewrite every recorded cwd to this folder. */
  cwd?: string;
}

export interface Exported {
  sessionId: string;
  cwd?: string;
  /** The session's start (ms), for file names. */
  ts: number;
  records: Record<string, unknown>[];
}

type Obj = Record<string, unknown>;

export function exportEvents(events: StoredEvent[], format: ExportFormat, options: ExportOptions = {}): Exported {
  const genesis = events[0]?.event;
  const origin = (genesis?.origin ?? {}) as Obj;
  const fromSame = origin.format === (format === 'claude' ? CLAUDE_FORMAT : CODEX_FORMAT);
  const sessionId = options.sessionId ?? (fromSame && typeof origin.id === 'string' ? origin.id : uuidFrom(String(events[0]?.cid ?? 'empty')));
  const cwd = options.cwd ?? (typeof genesis?.cwd === 'string' ? genesis.cwd : undefined);
  const records = format === 'claude' ? toClaude(events, sessionId, cwd) : toCodex(events, sessionId, cwd);
  const renamed = options.sessionId !== undefined || options.cwd !== undefined;
  return { sessionId, cwd, ts: genesis?.ts ?? 0, records: renamed ? records.map((r) => rewrite(r, format, sessionId, options.cwd)) : records };
}

export function exportTimeline(store: Store, commit: string, format: ExportFormat, options: ExportOptions = {}): Exported {
  return exportEvents(store.readEvents(commit), format, options);
}

/** JSONL text of records. */
export function toJsonl(records: Obj[]): string {
  return records.map((r) => `${JSON.stringify(toJson(r))}\n`).join('');
}

/** A UUID (version 4 layout) derived from text: the same text gives the same id on every machine. */
export function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function iso(ts: number): string {
  return dateOf(ts).toISOString();
}

function sourceOf(e: Event, format: string): Obj | undefined {
  const s = e.source as Obj | undefined;
  return s && typeof s === 'object' && s.format === format && s.record && typeof s.record === 'object' ? s : undefined;
}

/** Rewrite session id and cwd in exported records (for resume on another machine or from another point). */
function rewrite(r: Obj, format: ExportFormat, sessionId: string, cwd: string | undefined): Obj {
  if (format === 'claude') {
    const out = { ...r };
    if (typeof out.sessionId === 'string') out.sessionId = sessionId;
    if (cwd !== undefined && typeof out.cwd === 'string') out.cwd = cwd;
    return out;
  }
  if ((r.type === 'session_meta' || r.type === 'turn_context') && r.payload && typeof r.payload === 'object') {
    const p = { ...(r.payload as Obj) };
    if (r.type === 'session_meta') p.id = sessionId;
    if (cwd !== undefined && typeof p.cwd === 'string') p.cwd = cwd;
    return { ...r, payload: p };
  }
  return r;
}

// -------------------------------------------------------------------------------------------------
// Claude Code

function toClaude(events: StoredEvent[], sessionId: string, cwd: string | undefined): Obj[] {
  const out: Obj[] = [];
  const genesis = events[0]?.event;
  const agent = (genesis?.agent ?? {}) as Obj;
  const version = agent.name === 'claude-code' && typeof agent.version === 'string' ? agent.version : '2.0.0';
  let last: string | null = null;
  let msgId: string | undefined;
  let model = typeof genesis?.model === 'string' ? genesis.model : undefined;
  for (const { event: e, cid } of events) {
    const source = sourceOf(e, CLAUDE_FORMAT);
    if (source) {
      const r = rebuildClaude(e, source);
      out.push(r);
      if (typeof r.uuid === 'string') last = r.uuid;
      msgId = undefined;
      continue;
    }
    if (e.kind === 'model' && typeof e.model === 'string') model = e.model;
    const base = (uuid: string): Obj => ({
      parentUuid: last,
      isSidechain: false,
      userType: 'external',
      ...(cwd !== undefined ? { cwd } : {}),
      sessionId,
      version,
      uuid,
      timestamp: iso(e.ts),
    });
    if (e.kind === 'message') {
      const uuid = uuidFrom(String(cid));
      const content = claudeBlocks(e);
      if (content.length === 0) continue;
      if (e.role === 'assistant') {
        msgId ??= `msg_${uuid.replace(/-/g, '').slice(0, 24)}`;
        if (typeof e.model === 'string') model = e.model;
        out.push({
          ...base(uuid),
          type: 'assistant',
          message: { id: msgId, type: 'message', role: 'assistant', model: model ?? 'unknown', content, stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
        });
      } else {
        msgId = undefined;
        const isSystem = e.role === 'system';
        out.push({ ...base(uuid), type: 'user', ...(isSystem ? { isMeta: true } : {}), message: { role: 'user', content } });
      }
      last = uuid;
    } else if (e.kind === 'compaction') {
      const boundary = uuidFrom(String(cid));
      out.push({ ...base(boundary), parentUuid: null, logicalParentUuid: last, type: 'system', subtype: 'compact_boundary', content: 'Conversation compacted', isMeta: false, level: 'info', compactMetadata: { trigger: typeof e.trigger === 'string' ? e.trigger : 'auto', preTokens: typeof e.tokens === 'number' ? e.tokens : 0 } });
      last = boundary;
      const summary = typeof e.summary === 'string' ? e.summary : textOf(e.content);
      if (summary) {
        const uuid = uuidFrom(`${cid}/summary`);
        out.push({ ...base(uuid), parentUuid: boundary, type: 'user', isCompactSummary: true, isVisibleInTranscriptOnly: true, message: { role: 'user', content: summary } });
        last = uuid;
      }
      msgId = undefined;
    }
  }
  return out;
}

/** An event's blocks as Claude content: thinking only when it came from Claude (it carries a signature). */
function claudeBlocks(e: Event): Obj[] {
  const blocks = blocksOf(e.content).filter((b) => b.type !== 'thinking' || typeof b.signature === 'string');
  return (fromBlocks(blocks) as Obj[]).map((b) => {
    if (b.type === 'tool_result') {
      const content = b.content;
      const ok = typeof content === 'string' || Array.isArray(content);
      return { ...b, content: ok ? content : JSON.stringify(toJson(content)) };
    }
    return b;
  });
}

// -------------------------------------------------------------------------------------------------
// Codex

function toCodex(events: StoredEvent[], sessionId: string, cwd: string | undefined): Obj[] {
  const out: Obj[] = [];
  let metaDone = false;
  const genesis = events[0]?.event;
  const timeline: Obj[] = events.map((s) => s.event);
  events.forEach(({ event: e }, index) => {
    const ts = iso(e.ts);
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
        timestamp: iso(genesis?.ts ?? e.ts),
        type: 'session_meta',
        payload: { id: sessionId, timestamp: iso(genesis?.ts ?? e.ts), cwd: cwd ?? '', originator: 'agentlog', cli_version: agent.name === 'codex' && typeof agent.version === 'string' ? agent.version : '0.40.0', instructions: null },
      });
      metaDone = true;
    }
    if (e.kind === 'message') {
      const role = e.role === 'assistant' ? 'assistant' : e.role === 'system' ? 'developer' : 'user';
      const text: Obj[] = [];
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
          out.push({ timestamp: ts, type: 'response_item', payload: { type: 'function_call', name: String(b.name ?? 'tool'), arguments: JSON.stringify(toJson(b.input ?? {})), call_id: String(b.id ?? '') } });
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
