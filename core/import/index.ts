import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Store } from '../store/store.js';
import { planClaude } from '../formats/claude/claude.js';
import { planCodex } from '../formats/codex/codex.js';
import type { ImportWarning, ReadOptions } from '../formats/jsonl.js';
import { applyPlan, type ApplyCache, type ApplyResult, type Plan } from './plan.js';

export type Format = 'claude' | 'codex';

export interface ImportOptions extends ReadOptions {
  warn?: (w: ImportWarning) => void;
  /** Called with the number of events written since the last call. */
  progress?: (n: number) => void;
  cache?: ApplyCache;
}

export interface ImportSummary {
  sessions: number;
  timelines: { created: number; extended: number; unchanged: number; diverged: number; names: string[] };
  events: { appended: number; present: number };
  warnings: ImportWarning[];
}

/** Plan one session file (a Claude Code main file brings its subagents/ folder along). */
export function planFile(format: Format, file: string, warn: (w: ImportWarning) => void, options: ReadOptions = {}): Plan {
  return format === 'claude' ? planClaude(file, warn, options) : planCodex(file, warn, options);
}

/** Import session files into the store; importing the same files again adds nothing. */
export async function importFiles(store: Store, format: Format, files: string[], options: ImportOptions = {}): Promise<ImportSummary> {
  const summary: ImportSummary = {
    sessions: 0,
    timelines: { created: 0, extended: 0, unchanged: 0, diverged: 0, names: [] },
    events: { appended: 0, present: 0 },
    warnings: [],
  };
  const warn = (w: ImportWarning) => {
    summary.warnings.push(w);
    options.warn?.(w);
  };
  for (const file of files) {
    let plan: Plan;
    try {
      plan = planFile(format, file, warn, options);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // A file over 2 GiB cannot be read whole (ERR_FS_FILE_TOO_LARGE): a warning like any unreadable file.
      if (err?.syscall || err?.code === 'ERR_FS_FILE_TOO_LARGE') {
        warn({ file, message: `cannot read: ${err.message}` });
        continue;
      }
      throw e;
    }
    const planned = dropUnstorable(plan, warn);
    if (planned.length === 0) continue;
    const result: ApplyResult = await applyPlan(store, { ...plan, timelines: planned }, { warn, progress: options.progress, cache: options.cache });
    summary.sessions++;
    for (const t of result.timelines) {
      summary.timelines[t.status]++;
      summary.timelines.names.push(t.name);
    }
    summary.events.appended += result.appended;
    summary.events.present += result.present;
  }
  return summary;
}

/**
 * Events that cannot be stored (a JSON value outside the IPLD data model: a lone UTF-16 surrogate, an
 * integer beyond 64 bits) are dropped with a warning naming the line; forks keep sharing their prefix.
 */
function dropUnstorable(plan: Plan, warn: (w: ImportWarning) => void): Plan['timelines'] {
  const out: Plan['timelines'] = [];
  const warned = new Set<number>();
  for (const t of plan.timelines) {
    const keep: boolean[] = t.events.map((e, i) => {
      const problem = unstorable(e, 0);
      if (problem === undefined) return true;
      const line = t.lines?.[i];
      if (line !== undefined && !warned.has(line)) {
        warned.add(line);
        warn({ file: plan.file, line, message: `cannot be stored: ${problem}; skipped` });
      }
      return false;
    });
    if (keep.every(Boolean)) {
      if (t.events.length > 0) out.push(t);
      continue;
    }
    if (!keep[0]) {
      warn({ file: plan.file, message: `timeline ${t.name}: the session's first record cannot be stored; not imported` });
      continue;
    }
    const shared = t.fork ? keep.slice(0, t.fork.shared).filter(Boolean).length : 0;
    out.push({
      name: t.name,
      events: t.events.filter((_, i) => keep[i]),
      lines: t.lines?.filter((_, i) => keep[i]),
      ...(t.fork ? { fork: { of: t.fork.of, shared } } : {}),
    });
  }
  return out;
}

/**
 * Why a value parsed from JSON cannot be encoded as DAG-CBOR, or undefined when it can: a quick walk
 * instead of a trial encode (about a tenth of the time).
 */
function unstorable(v: unknown, depth: number): string | undefined {
  if (depth > 500) return 'it nests deeper than 500 levels';
  switch (typeof v) {
    case 'string':
      return v.isWellFormed() ? undefined : 'a string has a lone UTF-16 surrogate';
    case 'number':
      return !Number.isFinite(v) ? `the number ${v}` : Number.isInteger(v) && Math.abs(v) >= 2 ** 64 ? `the integer ${v} does not fit in 64 bits` : undefined;
    case 'bigint':
      return v >= 2n ** 64n || v < -(2n ** 64n) ? `the integer ${v} does not fit in 64 bits` : undefined;
    case 'boolean':
      return undefined;
    case 'object': {
      if (v === null || v instanceof Uint8Array) return undefined;
      const values = Array.isArray(v) ? v : Object.values(v as object);
      for (const x of values) {
        if (x === undefined) continue; // undefined map values are dropped by the store; JSON has none
        const p = unstorable(x, depth + 1);
        if (p) return p;
      }
      return undefined;
    }
    default:
      return `a ${typeof v}`;
  }
}

/** Where each agent keeps its sessions on this machine. */
export function claudeProjectsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.CLAUDE_CONFIG_DIR || path.join(env.HOME || os.homedir(), '.claude'), 'projects');
}

export function codexSessionsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.CODEX_HOME || path.join(env.HOME || os.homedir(), '.codex'), 'sessions');
}

/**
 * The session files in the agent's default location, main files only (a Claude Code main file brings
 * its subagents), leaving out those in `known`. With `within`, only sessions whose recorded cwd lies
 * in that folder.
 */
export function defaultSessionFiles(format: Format, env: NodeJS.ProcessEnv, within?: string, known: Set<string> = new Set()): string[] {
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
