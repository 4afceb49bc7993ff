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

/** An event's blocks as Claude content: thinking only when it came from Claude (it carries a signature). */
function claudeBlocks(e: Event): ClaudeBlock[] {
  const blocks = blocksOf(e.content).filter((b) => b.type !== 'thinking' || typeof b.signature === 'string');
  return (fromBlocks(blocks) as ClaudeBlock[]).map((b) => {
    if (b.type === 'tool_result') {
      const content = b.content;
      const ok = typeof content === 'string' || Array.isArray(content);
      return { ...b, content: ok ? content : JSON.stringify(toJson(content)) };
    }
    return b;
  });
}

/** A record with its session id and (when given) its cwd rewritten: for resume elsewhere or from another point. */
export function renameClaudeRecord(r: ClaudeRecord, sessionId: string, cwd: string | undefined): ClaudeRecord {
  const out = { ...r };
  if (typeof out.sessionId === 'string') out.sessionId = sessionId;
  if (cwd !== undefined && typeof out.cwd === 'string') out.cwd = cwd;
  return out;
}
