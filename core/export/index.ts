/**
 * core/export/ owns turning a timeline back into an agent's session file: exportEvents here (which
 * session id and cwd the file gets; the records themselves come from each format's toRecords.ts) and
 * resume.ts (writing that file where the agent looks for it, and the command that resumes it).
 * Imports go one way: export uses core/formats/ and the store, never core/import/.
 */

import { AgentlogError } from '../errors.js';
import type { StoredEvent } from '../event/event.js';
import { sourceOf } from '../formats/source.js';
import type { Store } from '../store/store.js';
import { renameClaudeRecord, toClaudeRecords } from '../formats/claude/toRecords.js';
import { renameCodexRecord, toCodexRecords } from '../formats/codex/toRecords.js';
import { formatName, type AgentFormat } from '../formats/index.js';
import { toJson } from '../formats/jsonl.js';
import { uuidFrom } from '../formats/uuidFrom.js';

/**
 * A timeline as a session file of Claude Code or Codex. An event imported from that format gives back
 * its original record (`source`, with the elided content put back from the event). Any other event
 * (appended with agentlog, or imported from the other agent) is written from its normalized fields:
 * messages with text, tool calls and their results, images, compactions; thinking crosses only from
 * Claude to Claude (its signature is Claude's) and other kinds have no place in the file.
 */
export type ExportFormat = AgentFormat;

export interface ExportOptions {
  /** The session id to write (default: the id the session was imported with, else one from the genesis CID). */
  sessionId?: string;
  /** Rewrite every recorded cwd to this folder. */
  cwd?: string;
  /** The folder to write when the timeline records none (the CLI: the project that holds the store). */
  defaultCwd?: string;
}

export interface Exported {
  sessionId: string;
  cwd?: string;
  /** True when `cwd` is options.defaultCwd: the timeline records none. */
  cwdDefaulted?: boolean;
  /** The session's start (ms), for file names. */
  ts: number;
  records: Record<string, unknown>[];
}

type Obj = Record<string, unknown>;

export function exportEvents(events: StoredEvent[], format: ExportFormat, options: ExportOptions = {}): Exported {
  const genesis = events[0]?.event;
  const origin = (genesis?.origin ?? {}) as Obj;
  const fromSame = origin.format === formatName(format);
  const sessionId = options.sessionId ?? (fromSame && typeof origin.id === 'string' ? origin.id : uuidFrom(String(events[0]?.cid ?? 'empty')));
  const recorded = options.cwd ? undefined : recordedCwd(events);
  const cwdDefaulted = !options.cwd && !recorded && !!options.defaultCwd;
  const cwd = options.cwd || recorded || options.defaultCwd;
  // A Codex rollout names its folder in session_meta: an empty one resumes nowhere (issue 19).
  if (format === 'codex' && !cwd && !(fromSame && events.some((e) => sourceOf(e.event, formatName(format))))) {
    throw new AgentlogError('E_INPUT', 'the timeline records no working folder (cwd) for the Codex session; give the folder it is for: --cwd DIR', {});
  }
  const renamed = options.sessionId !== undefined || options.cwd !== undefined;
  // Session id and cwd rewritten in the records too: for resume on another machine or from another point.
  if (format === 'claude') {
    const records = toClaudeRecords(events, sessionId, cwd);
    return {
      sessionId,
      cwd,
      cwdDefaulted,
      ts: genesis?.ts ?? 0,
      records: renamed ? records.map((r) => renameClaudeRecord(r, sessionId, options.cwd)) : records,
    };
  }
  const records = toCodexRecords(events, sessionId, cwd);
  return { sessionId, cwd, cwdDefaulted, ts: genesis?.ts ?? 0, records: renamed ? records.map((r) => renameCodexRecord(r, sessionId, options.cwd)) : records };
}

export function exportTimeline(store: Store, commit: string, format: ExportFormat, options: ExportOptions = {}): Exported {
  return exportEvents(store.readEvents(commit), format, options);
}

/** JSONL text of records. */
export function toJsonl(records: Obj[]): string {
  return records.map((r) => `${JSON.stringify(toJson(r))}\n`).join('');
}

/**
 * The folder a timeline was recorded in: its genesis event's `cwd`, else the first event, or the
 * record an imported event keeps, that names one (Claude Code records carry `cwd`, Codex's
 * session_meta and turn_context lines `payload.cwd`). Never the empty string.
 */
function recordedCwd(events: StoredEvent[]): string | undefined {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  for (const { event } of events) {
    const found = str(event.cwd);
    if (found) return found;
    const record = (event.source as Obj | undefined)?.record as Obj | undefined;
    const fromRecord = str(record?.cwd) ?? str((record?.payload as Obj | undefined)?.cwd);
    if (fromRecord) return fromRecord;
  }
  return undefined;
}
