import type { JsonLine } from '../jsonl.js';
import { parseTs } from '../jsonl.js';

/**
 * What a line of a Claude Code session file looks like, as far as agentlog reads or writes it.
 *
 * Claude Code writes one JSON object a line. Records form a tree through `uuid`/`parentUuid`
 * (`logicalParentUuid` bridges a compaction); `user` and `assistant` records carry an API message, the
 * others (`system`, `summary`, `progress`, `file-history-snapshot`, `queue-operation`, …) carry what
 * their type says. These types say what Claude Code writes; read from a file, a record is only a JSON
 * object, so every field is checked (typeof) before it is used, and fields not listed here are kept
 * as they are.
 */
export const CLAUDE_FORMAT = 'claude-code';

/** A content block of a message: `text`, `thinking`, `tool_use`, `tool_result`, `image`, … */
export interface ClaudeBlock {
  type?: string;
  /** text */
  text?: string;
  /** thinking (with its `signature`) */
  thinking?: string;
  signature?: string;
  /** tool_use */
  id?: string;
  name?: string;
  input?: unknown;
  /** tool_result: a string or blocks */
  tool_use_id?: string;
  content?: unknown;
  /** image: `{ type: 'base64', media_type, data }` */
  source?: { type?: string; media_type?: string; data?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The API message of a `user` or `assistant` record. */
export interface ClaudeMessage {
  /** The API response's id: parallel tool calls are written as several records with the same id. */
  id?: string;
  type?: string;
  role?: string;
  model?: string;
  /** A string (a typed prompt) or blocks. */
  content?: string | ClaudeBlock[];
  stop_reason?: string | null;
  stop_sequence?: string | null;
  usage?: Record<string, unknown>;
  [key: string]: unknown;
}

/** One line of a session file. */
export interface ClaudeRecord {
  /** 'user' | 'assistant' | 'system' | 'summary' | 'progress' | 'file-history-snapshot' | … */
  type?: string;
  uuid?: string;
  parentUuid?: string | null;
  /** After a compaction: the record before the boundary (whose `parentUuid` is null). */
  logicalParentUuid?: string | null;
  /** A Task's conversation inside the main file (Claude Code 1.0). */
  isSidechain?: boolean;
  userType?: string;
  sessionId?: string;
  /** Claude Code's version. */
  version?: string;
  cwd?: string;
  /** ISO time. */
  timestamp?: string;
  message?: ClaudeMessage;
  /** A user record the person did not type (command output, caveats). */
  isMeta?: boolean;
  /** The user record after a compact boundary that holds the summary. */
  isCompactSummary?: boolean;
  isVisibleInTranscriptOnly?: boolean;
  /** system records: 'compact_boundary', … */
  subtype?: string;
  content?: unknown;
  level?: string;
  compactMetadata?: { trigger?: string; preTokens?: number; [key: string]: unknown };
  /** summary records */
  summary?: string;
  /** file-history-snapshot records (no timestamp of their own) */
  snapshot?: { timestamp?: string; [key: string]: unknown };
  /** A tool's result; a Task's names the subagent it ran (`agentId`, Claude Code 2.x). A string for some errors. */
  toolUseResult?: unknown;
  [key: string]: unknown;
}

/** A line of a session file as read (`value` is only a JSON object until its fields are checked). */
export interface ClaudeLine extends JsonLine {
  value: ClaudeRecord;
}

/** The blocks of a record's message (none when its content is a string or missing). */
export function contentBlocks(v: ClaudeRecord): ClaudeBlock[] {
  const c = v.message?.content;
  return Array.isArray(c) ? (c.filter((b) => b && typeof b === 'object') as ClaudeBlock[]) : [];
}

/** The text a record's message starts with: its string content, or its first text block. */
export function firstText(v: ClaudeRecord): string | undefined {
  const c = v.message?.content;
  if (typeof c === 'string') return c;
  const t = contentBlocks(v).find((b) => b.type === 'text');
  return typeof t?.text === 'string' ? t.text : undefined;
}

/** A record's time (ms): its timestamp, or its snapshot's. */
export function recordTs(v: ClaudeRecord): number | undefined {
  return parseTs(v.timestamp) ?? parseTs(v.snapshot?.timestamp);
}

/** The agent id a Task's result names (Claude Code 2.x writes it into `toolUseResult`). */
export function spawnedAgentId(v: ClaudeRecord): string | undefined {
  const agentId = (v.toolUseResult as Record<string, unknown> | undefined)?.agentId;
  return typeof agentId === 'string' ? agentId : undefined;
}

export const isMessage = (v: ClaudeRecord): boolean => v.type === 'user' || v.type === 'assistant';

/**
 * A record that moves the conversation on: an assistant message, or a user message that is more than
 * tool results. Claude Code 2.x writes the results of parallel tool calls as siblings (each result's
 * parent is the assistant record with its tool_use) and progress records as dead-end children; those
 * are not forks. A fork is a record with two children that each lead to a turn (an edited prompt, a
 * regenerated reply). An assistant record that continues the API response of its parent (same
 * message id: Claude Code writes parallel tool calls so) is part of its parent's turn. `parent`: the
 * nearest user or assistant record above `v` in the tree.
 */
export function isTurn(v: ClaudeRecord, parent: ClaudeRecord | undefined): boolean {
  if (v.type === 'assistant') {
    // Parallel tool calls: one API response written as several records with the same message id.
    const id = v.message?.id;
    return !(parent?.type === 'assistant' && id !== undefined && parent.message?.id === id);
  }
  if (v.type !== 'user') return false;
  const c = v.message?.content;
  if (!Array.isArray(c)) return true;
  return c.some((b) => !b || typeof b !== 'object' || (b as ClaudeBlock).type !== 'tool_result');
}
