import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dateOf } from '../../event/event.js';

/**
 * Where Codex keeps its sessions: `<codex home>/sessions/YYYY/MM/DD/rollout-<time>-<session id>.jsonl`
 * (Codex writes the date and time in local time, agentlog in UTC), compressed to `.jsonl.zst` after
 * seven days (0.137+); archived sessions in `<codex home>/archived_sessions/`. The home folder is
 * $CODEX_HOME, else ~/.codex.
 */
export function codexSessionsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.CODEX_HOME || path.join(env.HOME || os.homedir(), '.codex'), 'sessions');
}

/** Where Codex moves the rollouts of archived sessions: `<codex home>/archived_sessions/`. */
export function codexArchivedDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.CODEX_HOME || path.join(env.HOME || os.homedir(), '.codex'), 'archived_sessions');
}

/** A rollout file by its name: `rollout-*.jsonl`, or compressed (Codex 0.137+, after seven days) `rollout-*.jsonl.zst`. */
export const isRolloutName = (name: string): boolean => name.endsWith('.jsonl') || name.endsWith('.jsonl.zst');

/** Where agentlog writes the rollout of session `sessionId` started at `ts` (date and time in UTC). */
export function codexRolloutFile(sessionId: string, ts: number, env: NodeJS.ProcessEnv): string {
  const d = dateOf(ts);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const day = path.join(String(d.getUTCFullYear()), p2(d.getUTCMonth() + 1), p2(d.getUTCDate()));
  const stamp = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}-${p2(d.getUTCMinutes())}-${p2(d.getUTCSeconds())}`;
  return path.join(codexSessionsDir(env), day, `rollout-${stamp}-${sessionId}.jsonl`);
}

/** A rollout already on this machine for a Codex session id (Codex names files by local time). */
export function findCodexRollout(id: string, env: NodeJS.ProcessEnv): string | undefined {
  const root = codexSessionsDir(env);
  const suffix = `-${id}.jsonl`;
  const walk = (dir: string, depth: number): string | undefined => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth > 0) {
        const hit = walk(p, depth - 1);
        if (hit) return hit;
      } else if (e.isFile() && e.name.endsWith(suffix)) return p;
    }
    return undefined;
  };
  return walk(root, 3);
}
