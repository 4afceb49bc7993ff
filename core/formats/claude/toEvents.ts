import type { IpldValue } from '../../codec/dagcbor.js';
import { oneLine } from '../../event/event.js';
import type { EventInput } from '../../store/store.js';
import { deepEqual } from '../jsonl.js';
import { CLAUDE_FORMAT, firstText, recordTs, type ClaudeLine, type ClaudeRecord } from './records.js';
import { rebuildClaude } from './toRecords.js';

/**
 * Claude Code records → events (import): one event a record, and the genesis of a session from its
 * first records. Which records make which timeline (the tree, forks, sidechains, subagent files) is
 * planned in core/import/planClaude.ts.
 */

/**
 * The genesis of a Claude Code session: only from the first records, so follow mode makes the same.
 * `file` names the session file (relative), `extra` adds keys (a sidechain's or subagent's `parent`).
 */
export function claudeGenesis(recs: readonly ClaudeLine[], file: string, extra: Record<string, IpldValue>): EventInput {
  // Everything from one record, the first that names the session and its cwd (Claude Code 2.1 opens a
  // file with queue-operation records that name neither cwd nor version), else the first that names
  // the session, so that a file read while it is being written (follow mode, which waits for the
  // prompt, a record with both) gives the same genesis as the whole file.
  const named = (r: ClaudeLine) => typeof r.value.sessionId === 'string';
  const anchor: ClaudeRecord = (recs.find((r) => named(r) && typeof r.value.cwd === 'string') ?? recs.find(named))?.value ?? {};
  const pick = (key: string): string | undefined => (typeof anchor[key] === 'string' ? (anchor[key] as string) : undefined);
  const ts = firstTs(recs) ?? 0;
  const version = pick('version');
  const cwd = pick('cwd');
  const sessionId = pick('sessionId');
  const title = claudeTitle(recs);
  const e: EventInput = {
    kind: 'session',
    ts,
    ...(title ? { title } : {}),
    agent: version ? { name: 'claude-code', version } : { name: 'claude-code' },
    origin: { format: CLAUDE_FORMAT, ...(sessionId ? { id: sessionId } : {}), file },
    ...extra,
  };
  if (cwd) e.cwd = cwd;
  return e;
}

/**
 * The title: the first prompt a person typed (a user text that is not a command, caveat or summary),
 * looked for only before the first assistant record, so that it is known as soon as the model answers
 * (follow mode waits until then) and never changes as the file grows.
 */
function claudeTitle(recs: readonly ClaudeLine[]): string | undefined {
  for (const r of recs) {
    if (r.value.type === 'assistant') return undefined;
    if (r.value.type !== 'user' || r.value.isMeta === true || r.value.isCompactSummary === true) continue;
    const text = firstText(r.value);
    if (text && !text.trimStart().startsWith('<')) return oneLine(text, 80);
  }
  return undefined;
}

/** True when the title can no longer change: a title was found, or the model has answered. */
export function titleSettled(recs: readonly ClaudeLine[]): boolean {
  return claudeTitle(recs) !== undefined || recs.some((r) => r.value.type === 'assistant');
}

function firstTs(recs: readonly ClaudeLine[]): number | undefined {
  for (const r of recs) {
    const t = recordTs(r.value);
    if (t !== undefined) return t;
  }
  return undefined;
}

/**
 * The event for one record. Messages carry their content as agentlog blocks; the source record keeps
 * everything else, and `source.rebuild` says how to put the content back ("message.content": the
 * blocks turned back into Claude's, "message.content:string": the text of the one text block). The
 * rebuild is checked here: when it would not give back the record exactly, the record is kept whole.
 */
export function claudeEvent(v: ClaudeRecord, ts: number): EventInput {
  const type = typeof v.type === 'string' ? v.type : 'record';
  const msg = v.message;
  if ((type === 'user' || type === 'assistant') && msg && typeof msg === 'object' && msg.content !== undefined) {
    const role = msg.role === 'user' || msg.role === 'assistant' || msg.role === 'system' ? msg.role : type;
    const isString = typeof msg.content === 'string';
    const content = isString ? [{ type: 'text', text: msg.content as string }] : toBlocks(msg.content);
    const e: EventInput = { kind: 'message', ts, role, content: content as IpldValue };
    if (typeof msg.model === 'string') e.model = msg.model;
    const { content: _drop, ...rest } = msg;
    const stripped = { ...v, message: rest };
    const rebuild = isString ? 'message.content:string' : 'message.content';
    const source = { format: CLAUDE_FORMAT, record: stripped, rebuild };
    if (deepEqual(rebuildClaude(e, source), v)) e.source = source as IpldValue;
    else e.source = { format: CLAUDE_FORMAT, record: v as IpldValue };
    return e;
  }
  const e: EventInput = { kind: type === 'system' && v.subtype === 'compact_boundary' ? 'compaction' : `claude.${type}`, ts };
  if (e.kind === 'compaction') {
    const meta = v.compactMetadata;
    if (typeof meta?.trigger === 'string') e.trigger = meta.trigger;
    if (typeof meta?.preTokens === 'number') e.tokens = meta.preTokens;
  } else if (type === 'system' && typeof v.subtype === 'string') {
    e.subtype = v.subtype;
  } else if (type === 'summary' && typeof v.summary === 'string') {
    e.summary = v.summary;
  }
  e.source = { format: CLAUDE_FORMAT, record: v as IpldValue };
  return e;
}

/** Claude content blocks → agentlog blocks: the same shape, except images carry their bytes. */
export function toBlocks(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  return content.map((b) => {
    if (!b || typeof b !== 'object') return b;
    const block = b as Record<string, unknown>;
    if (block.type === 'image') {
      const src = block.source as Record<string, unknown> | undefined;
      if (
        src?.type === 'base64' &&
        typeof src.data === 'string' &&
        typeof src.media_type === 'string' &&
        Object.keys(src).length === 3 &&
        Object.keys(block).length === 2
      ) {
        return { type: 'image', media_type: src.media_type, data: new Uint8Array(Buffer.from(src.data, 'base64')) };
      }
      return block;
    }
    if (block.type === 'tool_result' && Array.isArray(block.content)) return { ...block, content: toBlocks(block.content) };
    return block;
  });
}
