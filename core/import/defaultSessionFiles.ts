import * as fs from 'node:fs';
import * as path from 'node:path';
import { claudeProjectsDir } from '../formats/claude/paths.js';
import { codexArchivedDir, codexSessionsDir, isRolloutName } from '../formats/codex/paths.js';
import type { AgentFormat } from '../formats/index.js';
import { isZstd, plainName, readZstd } from '../formats/zstd.js';

/**
 * The session files in the agent's default location, main files only (a Claude Code main file brings
 * its subagents), leaving out those in `known`. Codex: `sessions/` and `archived_sessions/`, plain and
 * compressed rollouts (`.jsonl.zst`; one whose plain file is still there is left out: the same
 * session). With `within`, only sessions whose recorded cwd lies in that folder.
 */
export function defaultSessionFiles(format: AgentFormat, env: NodeJS.ProcessEnv, within?: string, known: Set<string> = new Set()): string[] {
  const files: string[] = [];
  const wanted = format === 'claude' ? (name: string) => name.endsWith('.jsonl') : isRolloutName;
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
      else if (e.isFile() && wanted(e.name)) files.push(p);
    }
  };
  let main: string[];
  if (format === 'claude') {
    // projects/<encoded cwd>/<id>.jsonl (subagents come with their main file).
    const root = claudeProjectsDir(env);
    walk(root, 1);
    main = files.filter((f) => path.dirname(path.dirname(f)) === root);
  } else {
    // sessions/YYYY/MM/DD/, archived_sessions/ (flat, or dated like sessions/).
    walk(codexSessionsDir(env), 3);
    walk(codexArchivedDir(env), 3);
    const plain = new Set(files.filter((f) => !isZstd(f)));
    main = files.filter((f) => !isZstd(f) || !plain.has(plainName(f)));
  }
  main = main.filter((f) => !known.has(f));
  if (!within) return main;
  const inside = path.resolve(within);
  return main.filter((f) => {
    const cwd = recordedCwd(f);
    return cwd !== undefined && (cwd === inside || cwd.startsWith(inside + path.sep));
  });
}

/** The first 64 KiB of a session file (decompressed when it is compressed). */
function head(file: string): string {
  const size = 64 * 1024;
  if (isZstd(file)) {
    const read = readZstd(file, size, true);
    return read.ok ? read.bytes.toString('utf8') : '';
  }
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** The cwd a session file records (first 64 KiB searched). */
function recordedCwd(file: string): string | undefined {
  for (const line of head(file).split('\n')) {
    try {
      const v = JSON.parse(line) as Record<string, unknown>;
      const cwd = typeof v.cwd === 'string' ? v.cwd : (v.payload as Record<string, unknown> | undefined)?.cwd;
      if (typeof cwd === 'string') return cwd;
    } catch {
      // a partial last line of the window, or a bad line: look further
    }
  }
  return undefined;
}
