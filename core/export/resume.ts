import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { StoredEvent } from '../event/event.js';
import type { Store } from '../store/store.js';
import { claudeSessionFile } from '../formats/claude/paths.js';
import { codexRolloutFile, codexSessionsDir, findCodexRollout } from '../formats/codex/paths.js';
import { toJson } from '../formats/jsonl.js';
import { uuidFrom } from '../formats/uuidFrom.js';
import { exportEvents, toJsonl, type ExportFormat } from './index.js';

export interface ResumePlan {
  agent: ExportFormat;
  sessionId: string;
  /** Where the session file was written. */
  file: string;
  cwd: string;
  /** The agent's own resume command, to run in `cwd`. */
  command: string[];
  /** True when the session got a new id (an older point, or the agent's file has moved on). */
  newId: boolean;
  /** The subagent transcripts written beside it (Claude Code: `<id>/subagents/agent-<id>.jsonl`). */
  subagents: string[];
}

/** A session id that is safe as a file name and as a command argument. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Write the session of `commit` where the agent looks for it and say how to resume it. The session
 * keeps its id when `commit` is the tip of its timeline and the agent's file is absent or holds
 * exactly the records we would write (as parsed JSON); otherwise it gets a new id derived from the
 * commit, so the original session file stays as it was.
 */
export function prepareResume(
  store: Store,
  commit: string,
  isTip: boolean,
  agent: ExportFormat,
  options: { cwd: string; env?: NodeJS.ProcessEnv; now?: () => number; timeline?: string },
): ResumePlan {
  const env = options.env ?? process.env;
  const cwd = path.resolve(options.cwd);
  const events = store.readEvents(commit);
  // The records go out as recorded, paths of the machine they were written on included: the agent runs
  // in `cwd` (Claude finds the file by the project folder it runs in, Codex by id) and tells the model
  // its new working directory itself. Rewriting them would make the handed-off records differ from the
  // stored ones, and what the agent appends would no longer extend the timeline on import.
  const first = exportEvents(events, agent);
  let sessionId = first.sessionId;
  let records = first.records;
  // The id comes from the session file (untrusted): it names a file and is an argument of the resume
  // command, so one that could leave the agent's folder ("../..") or read as an option ("--x") is
  // replaced by a new id like any other.
  const safeId = SAFE_ID.test(sessionId);
  let file = safeId
    ? ((agent === 'codex' ? (findCodexRollout(sessionId, env) ?? recordedRollout(events[0]?.event, sessionId, env)) : undefined) ??
      sessionFile(agent, sessionId, first.ts, cwd, env))
    : '';
  let newId = false;
  const existing = safeId ? readIf(file) : undefined;
  if (!isTip || !safeId || (existing !== undefined && !sameRecords(existing, records))) {
    sessionId = uuidFrom(`${commit}/${agent}`);
    newId = true;
    records = exportEvents(events, agent, { sessionId }).records;
    file = sessionFile(agent, sessionId, options.now?.() ?? Date.now(), cwd, env);
  }
  writeAtomically(file, toJsonl(records));
  const subagents =
    agent === 'claude'
      ? writeSubagents(store, events, options.timeline, path.join(path.dirname(file), sessionId, 'subagents'), newId ? sessionId : undefined)
      : [];
  const command = agent === 'claude' ? ['claude', '--resume', sessionId] : ['codex', 'resume', sessionId];
  return { agent, sessionId, file, cwd, command, newId, subagents };
}

/**
 * The rollout file a Codex session was imported from, by the name recorded in its genesis
 * (`rollout-YYYY-MM-DDTHH-MM-SS-<id>.jsonl`, in the folder of that date), so that the file on
 * another machine has the same name: the name is part of the genesis, and a file under another name
 * (Codex names it by the second it was created, not by its session_meta's timestamp) would not
 * extend the same timeline when it is imported again.
 */
function recordedRollout(genesis: Record<string, unknown> | undefined, sessionId: string, env: NodeJS.ProcessEnv): string | undefined {
  const origin = genesis?.origin as Record<string, unknown> | undefined;
  const name = origin?.file;
  if (origin?.id !== sessionId || typeof name !== 'string') return undefined;
  const m = /^rollout-(\d{4})-(\d{2})-(\d{2})T\d{2}-\d{2}-\d{2}-(.+)\.jsonl$/.exec(name);
  if (!m || m[4] !== sessionId) return undefined;
  return path.join(codexSessionsDir(env), m[1], m[2], m[3], name);
}

/**
 * Whether the agent's file holds exactly `records`, compared as parsed JSON (the agent's key order and
 * spacing are not ours). A line that is not JSON makes them differ.
 */
function sameRecords(text: string, records: Record<string, unknown>[]): boolean {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== records.length) return false;
  const ours = records.map((r) => JSON.parse(JSON.stringify(toJson(r))) as unknown);
  try {
    return lines.every((l, i) => isDeepStrictEqual(JSON.parse(l), ours[i]));
  } catch {
    return false;
  }
}

function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** A subagent file's place under `subagents/`, as Claude Code names it (workflow agents one level deeper). */
const SUBAGENT_FILE = /^(?:workflows\/wf_[A-Za-z0-9_-]+\/)?agent-[A-Za-z0-9_-]+\.jsonl$/;

/**
 * Claude Code: the transcripts of the subagents that the exported events started (an event's
 * `subagent.timeline`, set on import), each where Claude Code keeps it, under the name it was imported
 * from; under the session's new id when it got one. Returns the files written.
 */
function writeSubagents(store: Store, events: StoredEvent[], timeline: string | undefined, dir: string, newId: string | undefined): string[] {
  const written: string[] = [];
  const seen = new Set<string>();
  for (const name of subagentTimelines(store, events, timeline)) {
    if (seen.has(name)) continue;
    seen.add(name);
    const tip = store.tipOf(name);
    if (!tip) continue;
    const sub = store.readEvents(tip);
    if (!startedWithin(sub[0]?.event, events)) continue;
    const origin = sub[0]?.event.origin as Record<string, unknown> | undefined;
    const from = typeof origin?.file === 'string' ? origin.file.replace(/^[^/]*\/subagents\//, '') : '';
    // The name comes from the store (untrusted): only a subagent file's name, never a path out of `dir`.
    if (!SUBAGENT_FILE.test(from)) continue;
    const file = path.join(dir, from);
    writeAtomically(file, toJsonl(exportEvents(sub, 'claude', newId ? { sessionId: newId } : {}).records));
    written.push(file);
  }
  return written;
}

/**
 * The subagent timelines of a session: those its events link to (`subagent.timeline`), and those
 * named after its timeline (`claude/<stem>.agent-<id>`, linked from their genesis; a fork's are its
 * session's).
 */
function subagentTimelines(store: Store, events: StoredEvent[], timeline: string | undefined): string[] {
  const names: string[] = [];
  for (const e of events) {
    const link = e.event.subagent as Record<string, unknown> | undefined;
    if (typeof link?.timeline === 'string') names.push(link.timeline);
  }
  if (timeline !== undefined) {
    const base = timeline.replace(/\.fork-[A-Za-z0-9_-]+$/, '');
    for (const name of store.timelines().keys()) if (name.startsWith(`${base}.agent-`)) names.push(name);
  }
  return names;
}

/** Whether a subagent's genesis hangs off a record among `events` (or names none). */
function startedWithin(genesis: Record<string, unknown> | undefined, events: StoredEvent[]): boolean {
  const parent = genesis?.parent as Record<string, unknown> | undefined;
  if (typeof parent?.record !== 'string') return true;
  return events.some((e) => ((e.event.source as Record<string, unknown> | undefined)?.record as Record<string, unknown> | undefined)?.uuid === parent.record);
}

function readIf(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Where the agent keeps a session file: Claude by project folder, Codex by date. */
export function sessionFile(agent: ExportFormat, sessionId: string, ts: number, cwd: string, env: NodeJS.ProcessEnv): string {
  return agent === 'claude' ? claudeSessionFile(sessionId, cwd, env) : codexRolloutFile(sessionId, ts, env);
}

/** Quote a command for a POSIX shell, for printing. */
export function shellQuote(args: string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
