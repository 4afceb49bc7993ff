import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Store } from '../store/store.js';
import { claudeSessionFile } from '../formats/claude/paths.js';
import { codexRolloutFile, findCodexRollout } from '../formats/codex/paths.js';
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
  options: { cwd: string; env?: NodeJS.ProcessEnv; now?: () => number },
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
  let file = safeId ? ((agent === 'codex' ? findCodexRollout(sessionId, env) : undefined) ?? sessionFile(agent, sessionId, first.ts, cwd, env)) : '';
  let newId = false;
  const existing = safeId ? readIf(file) : undefined;
  if (!isTip || !safeId || (existing !== undefined && !sameRecords(existing, records))) {
    sessionId = uuidFrom(`${commit}/${agent}`);
    newId = true;
    records = exportEvents(events, agent, { sessionId }).records;
    file = sessionFile(agent, sessionId, options.now?.() ?? Date.now(), cwd, env);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, toJsonl(records));
  fs.renameSync(tmp, file);
  const command = agent === 'claude' ? ['claude', '--resume', sessionId] : ['codex', 'resume', sessionId];
  return { agent, sessionId, file, cwd, command, newId };
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
