import { blocksOf, textOf, type Event, type StoredEvent } from '../../event/event.js';
import { isoTs, toJson } from '../jsonl.js';
import { sourceOf, type Source } from '../source.js';
import { uuidFrom } from '../uuidFrom.js';
import { CLAUDE_FORMAT, type ClaudeBlock, type ClaudeRecord } from './records.js';

/**
 * Events → Claude Code records (export). An event imported from Claude Code gives back its original
 * record (rebuildClaude); any other is written from its normalized fields: messages with text, tool
 * calls and their results, images, compactions; thinking only when it came from Claude (it carries
 * Claude's signature), other kinds have no place in the file.
 */

/** The original record of an imported event (its source record with the elided content put back). */
export function rebuildClaude(e: Record<string, unknown>, source: Source): ClaudeRecord {
  const record = source.record as ClaudeRecord;
  if (source.rebuild === 'message.content' || source.rebuild === 'message.content:string') {
    const content =
      source.rebuild === 'message.content:string' ? ((e.content as Record<string, unknown>[])[0]?.text as string) : fromBlocks(e.content as unknown[]);
    return { ...record, message: { ...record.message, content: content as ClaudeBlock[] } };
  }
  return record;
}

/** agentlog blocks → Claude content blocks (images back to base64). */
export function fromBlocks(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  return content.map((b) => {
    if (!b || typeof b !== 'object') return b;
    const block = b as Record<string, unknown>;
    if (block.type === 'image' && block.data instanceof Uint8Array) {
      return { type: 'image', source: { type: 'base64', media_type: block.media_type, data: Buffer.from(block.data).toString('base64') } };
    }
    if (block.type === 'tool_result' && Array.isArray(block.content)) return { ...block, content: fromBlocks(block.content) };
    return block;
  });
}

/** A timeline's events as the records of a Claude Code session file with `sessionId`, recorded in `cwd`. */
export function toClaudeRecords(events: StoredEvent[], sessionId: string, cwd: string | undefined): ClaudeRecord[] {
  const out: ClaudeRecord[] = [];
  const genesis = events[0]?.event;
  const agent = (genesis?.agent ?? {}) as Record<string, unknown>;
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
    const base = (uuid: string): ClaudeRecord => ({
      parentUuid: last,
      isSidechain: false,
      userType: 'external',
      ...(cwd !== undefined ? { cwd } : {}),
      sessionId,
      version,
      uuid,
      timestamp: isoTs(e.ts),
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
          message: {
            id: msgId,
            type: 'message',
            role: 'assistant',
            model: model ?? 'unknown',
            content,
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        });
      } else {
        msgId = undefined;
        const isSystem = e.role === 'system';
        out.push({ ...base(uuid), type: 'user', ...(isSystem ? { isMeta: true } : {}), message: { role: 'user', content } });
      }
      last = uuid;
    } else if (e.kind === 'compaction') {
      const boundary = uuidFrom(String(cid));
      out.push({
        ...base(boundary),
        parentUuid: null,
        logicalParentUuid: last,
        type: 'system',
        subtype: 'compact_boundary',
        content: 'Conversation compacted',
        isMeta: false,
        level: 'info',
        compactMetadata: { trigger: typeof e.trigger === 'string' ? e.trigger : 'auto', preTokens: typeof e.tokens === 'number' ? e.tokens : 0 },
      });
      last = boundary;
      const summary = typeof e.summary === 'string' ? e.summary : textOf(e.content);
      if (summary) {
        const uuid = uuidFrom(`${cid}/summary`);
        out.push({
          ...base(uuid),
          parentUuid: boundary,
          type: 'user',
          isCompactSummary: true,
          isVisibleInTranscriptOnly: true,
          message: { role: 'user', content: summary },
        });
        last = uuid;
      }
      msgId = undefined;
    }
  }
  return out;
}

/**
 * An event's blocks as Claude content, only what the Anthropic Messages API accepts, since Claude Code
 * sends them on as they are: text blocks with text that is not blank (`{ type, text }` only: Codex's
 * `annotations` are refused), thinking only when it came from Claude (it carries a signature), tool
 * calls with an object input and an id the API accepts, their results with string or text/image
 * content, images; other blocks have no place there and are left out.
 */
function claudeBlocks(e: Event): ClaudeBlock[] {
  const out: ClaudeBlock[] = [];
  for (const b of blocksOf(e.content)) {
    if (b.type === 'text') {
      if (typeof b.text === 'string' && b.text.trim() !== '') out.push({ type: 'text', text: b.text });
    } else if (b.type === 'thinking') {
      if (typeof b.signature === 'string' && typeof b.thinking === 'string') out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    } else if (b.type === 'redacted_thinking') {
      if (typeof b.data === 'string') out.push({ type: 'redacted_thinking', data: b.data });
    } else if (b.type === 'tool_use') {
      const input = b.input && typeof b.input === 'object' && !Array.isArray(b.input) ? toJson(b.input) : { input: toJson(b.input ?? null) };
      out.push({ type: 'tool_use', id: toolId(b.id), name: typeof b.name === 'string' && b.name ? b.name : 'tool', input });
    } else if (b.type === 'tool_result') {
      out.push({
        type: 'tool_result',
        tool_use_id: toolId(b.tool_use_id),
        content: resultContent(b.content),
        ...(typeof b.is_error === 'boolean' ? { is_error: b.is_error } : {}),
      });
    } else if (b.type === 'image' && b.data instanceof Uint8Array) {
      out.push(...(fromBlocks([b]) as ClaudeBlock[]));
    }
  }
  return out;
}

/** A tool result's content as the API takes it: a string, or text and image blocks. */
function resultContent(content: unknown): string | ClaudeBlock[] {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    // Codex writes a function's output as content items too (input_text, input_image).
    const blocks = blocksOf(content).map((b) => (b.type === 'input_text' && typeof b.text === 'string' ? { type: 'text', text: b.text } : b));
    const ok = blocks.every((b) => (b.type === 'text' && typeof b.text === 'string') || (b.type === 'image' && b.data instanceof Uint8Array));
    if (ok) return (fromBlocks(blocks) as ClaudeBlock[]).map((b) => (b.type === 'text' ? { type: 'text', text: b.text } : b));
    return textOf(blocks) || JSON.stringify(toJson(content));
  }
  return JSON.stringify(toJson(content ?? null));
}

/** A tool call's id as the API accepts it (`^[a-zA-Z0-9_-]+$`); the call and its result map alike. */
function toolId(id: unknown): string {
  const s = typeof id === 'string' ? id.replace(/[^A-Za-z0-9_-]/g, '_') : '';
  return s || 'toolu_unknown';
}

/** A record with its session id and (when given) its cwd rewritten: for resume elsewhere or from another point. */
export function renameClaudeRecord(r: ClaudeRecord, sessionId: string, cwd: string | undefined): ClaudeRecord {
  const out = { ...r };
  if (typeof out.sessionId === 'string') out.sessionId = sessionId;
  if (cwd !== undefined && typeof out.cwd === 'string') out.cwd = cwd;
  return out;
}
