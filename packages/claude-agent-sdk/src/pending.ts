import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError, claudeTimelineName, type Store } from '../../../core/index.js';
import type { Entry } from './transcripts.js';

/**
 * Entries a session's timelines cannot hold yet. Import makes a timeline's genesis from the first
 * records (the session id, cwd, title: the first prompt, or none once the model answered) and, like
 * `agentlog import --follow`, waits until those are known, so that the genesis is the one the whole
 * file gives. Until then a key's entries wait here, in `.git/agentlog/claude-agent-sdk/<timeline
 * name>.json` (derived, local: one file per session, `{ sessionId, keys: { "": main, subpath: … } }`),
 * changed only under its lock (git's lock protocol), and move into the timeline on the append that
 * settles them.
 */
export interface Pending {
  sessionId: string;
  /** '' for the main transcript, else the subpath. */
  keys: Record<string, Entry[]>;
}

/** Pending files larger than this are refused (the first turn of a session is far smaller). */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

export function pendingDir(store: Store): string {
  return path.join(store.gitDir, 'agentlog', 'claude-agent-sdk');
}

export function pendingFile(store: Store, sessionId: string): string {
  return path.join(pendingDir(store), `${claudeTimelineName(sessionId).slice('claude/'.length)}.json`);
}

export function readPending(file: string, sessionId: string): Pending {
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_PENDING_BYTES) throw new AgentlogError('E_INPUT', `${file} is over ${MAX_PENDING_BYTES} bytes`, { file });
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { sessionId, keys: {} };
    throw e;
  }
  if (text === '') return { sessionId, keys: {} };
  const value = parse(text, file);
  if (value.sessionId !== sessionId) throw new AgentlogError('E_INPUT', `${file} holds session ${JSON.stringify(value.sessionId)}, not ${sessionId}`, { file });
  return value;
}

/** Every pending session of a store, for listings (unreadable files are skipped: they are derived). */
export function listPending(store: Store): { pending: Pending; mtime: number }[] {
  const dir = pendingDir(store);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: { pending: Pending; mtime: number }[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      const st = fs.statSync(file);
      if (st.size === 0 || st.size > MAX_PENDING_BYTES) continue;
      out.push({ pending: parse(fs.readFileSync(file, 'utf8'), file), mtime: Math.floor(st.mtimeMs) });
    } catch {}
  }
  return out;
}

function parse(text: string, file: string): Pending {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new AgentlogError('E_INPUT', `${file} is not JSON; it is derived: remove it to drop the entries waiting there`, { file });
  }
  const p = v as Pending;
  const ok =
    !!p &&
    typeof p === 'object' &&
    typeof p.sessionId === 'string' &&
    !!p.keys &&
    typeof p.keys === 'object' &&
    Object.values(p.keys).every((list) => Array.isArray(list) && list.every((e) => !!e && typeof e === 'object' && typeof e.type === 'string'));
  if (!ok) throw new AgentlogError('E_INPUT', `${file} is not a list of pending entries; it is derived: remove it to drop the entries waiting there`, { file });
  return p;
}
