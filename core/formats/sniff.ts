import * as fs from 'node:fs';
import type { AgentFormat } from './index.js';

/**
 * Which agent wrote a session file, from its name and its first lines: a Codex rollout
 * (`rollout-*.jsonl.zst`, or lines `{timestamp, type: session_meta|response_item|…, payload}`) or a
 * Claude Code session (lines with a `sessionId` or `uuid`, `type` user, assistant, summary, …).
 * Reads at most the first 64 KiB; undefined when it cannot tell (empty, unreadable, neither).
 */
const HEAD_BYTES = 64 << 10;
const CODEX_TYPES = new Set(['session_meta', 'response_item', 'event_msg', 'turn_context', 'compacted']);

export function sniffFormat(file: string): AgentFormat | undefined {
  if (file.endsWith('.jsonl.zst')) return 'codex';
  let head: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      head = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, HEAD_BYTES, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  let codex = 0;
  let claude = 0;
  // Whole lines only (the last may be cut at 64 KiB); the first eight that parse decide.
  for (const line of head.split('\n').slice(0, -1).slice(0, 8)) {
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof r !== 'object' || r === null || Array.isArray(r)) continue;
    const o = r as Record<string, unknown>;
    if (typeof o.type === 'string' && CODEX_TYPES.has(o.type) && typeof o.payload === 'object' && o.payload !== null) codex++;
    else if (typeof o.sessionId === 'string' || typeof o.uuid === 'string' || typeof o.leafUuid === 'string') claude++;
  }
  if (codex > 0 && claude === 0) return 'codex';
  if (claude > 0 && codex === 0) return 'claude';
  return undefined;
}

/** The agent's name as people know it. */
export function agentName(format: AgentFormat): string {
  return format === 'claude' ? 'Claude Code' : 'Codex';
}
