import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError, type Store } from '../../core/index.js';

/**
 * The workspace folder a command works on: --workspace/--to when given (relative to the cwd), else the
 * session's cwd (its genesis event's) when that folder exists on this machine; else an E_INPUT error
 * saying which option to give. Shared by checkpoint and restore.
 */
export function workspaceFolder(store: Store, commit: string, given: string | undefined, cwd: string, option: string): string {
  if (given !== undefined) return path.resolve(cwd, given);
  const sessionCwd = store.eventAt(commit, 0)?.event.cwd;
  if (typeof sessionCwd === 'string' && fs.existsSync(sessionCwd)) return sessionCwd;
  throw new AgentlogError(
    'E_INPUT',
    `which folder? give ${option} DIR${typeof sessionCwd === 'string' ? ` (the session's folder ${sessionCwd} does not exist here)` : ' (the session names no folder)'}`,
  );
}
