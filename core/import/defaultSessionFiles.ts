import * as fs from 'node:fs';
import * as path from 'node:path';
import { claudeProjectsDir } from '../formats/claude/paths.js';
import { codexSessionsDir } from '../formats/codex/paths.js';
import type { AgentFormat } from '../formats/index.js';

/**
 * The session files in the agent's default location, main files only (a Claude Code main file brings
 * its subagents), leaving out those in `known`. With `within`, only sessions whose recorded cwd lies
 * in that folder.
 */
export function defaultSessionFiles(format: AgentFormat, env: NodeJS.ProcessEnv, within?: string, known: Set<string> = new Set()): string[] {
  const root = format === 'claude' ? claudeProjectsDir(env) : codexSessionsDir(env);
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth > 0) walk(p, depth - 1);
      else if (e.isFile() && e.name.endsWith('.jsonl')) files.push(p);
    }
  };
  // Claude: projects/<encoded cwd>/<id>.jsonl (subagents come with their main file); Codex: YYYY/MM/DD.
  walk(root, format === 'claude' ? 1 : 3);
  const main = (format === 'claude' ? files.filter((f) => path.dirname(path.dirname(f)) === root) : files).filter((f) => !known.has(f));
  if (!within) return main;
  const inside = path.resolve(within);
  return main.filter((f) => {
    const cwd = recordedCwd(f);
    return cwd !== undefined && (cwd === inside || cwd.startsWith(inside + path.sep));
  });
}

/** The cwd a session file records (first 64 KiB searched). */
function recordedCwd(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    for (const line of buf.toString('utf8', 0, n).split('\n')) {
      try {
        const v = JSON.parse(line) as Record<string, unknown>;
        const cwd = typeof v.cwd === 'string' ? v.cwd : (v.payload as Record<string, unknown> | undefined)?.cwd;
        if (typeof cwd === 'string') return cwd;
      } catch {
        // a partial last line of the window, or a bad line: look further
      }
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
