import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store.js';
import { claudeProjectsDir, claudeSubagentsDir, claudeWorkflowAgentFiles } from '../formats/claude/paths.js';
import { codexSessionsDir } from '../formats/codex/paths.js';
import { importFiles, type Format, type ImportSummary } from './index.js';
import type { ImportWarning, ParsedPrefix } from '../formats/jsonl.js';
import type { ApplyCache } from './plan.js';

export interface FollowOptions {
  /** How often to look at the files (ms; default 300). */
  interval?: number;
  signal?: AbortSignal;
  warn?: (w: ImportWarning) => void;
  /** Called after each import that appended events. */
  onImport?: (summary: ImportSummary) => void;
  /** Look for new session files now and then (every `rescan` ms, default 3000): given the files followed. */
  discover?: (known: Set<string>) => string[];
  rescan?: number;
  /** Called when discover found files to follow. */
  onDiscover?: (files: string[]) => void;
  /**
   * Folders to watch with file-system events (recursively where the platform can): a change there
   * runs a pass, and `discover`, at once instead of at the next interval or rescan, which stay as the
   * fallback (events can be missed, and a folder that does not exist yet cannot be watched).
   */
  watch?: string[];
  /** Where Claude Code's file history is found (importFiles' `env`; default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The least time between two discovers that file-system events ask for (ms). */
const SCAN_GAP = 100;

/**
 * Follow session files while an agent writes them: import now, then whenever a file (or a Claude
 * session's subagents/ folder) changes, import again; with `discover`, new session files are followed
 * as they appear (at once when `watch` names the folders they appear in). Importing is idempotent, so each pass appends
 * only the new records; a last line still being written (no newline yet) waits for the next pass.
 * A file that only grew is parsed from where the last pass stopped.
 * Resolves when `signal` aborts.
 */
export async function follow(store: Store, format: Format, files: string[], options: FollowOptions = {}): Promise<void> {
  const interval = options.interval ?? 300;
  const cache: ApplyCache = new Map();
  const parsed = new Map<string, ParsedPrefix>(); // each file parsed so far: a pass parses only what it gained
  const seen = new Set<string>(); // warnings already reported (a bad line is seen on every pass)
  const warn = (w: ImportWarning) => {
    const key = `${w.file}:${w.line}:${w.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    options.warn?.(w);
  };
  const signatures = new Map<string, string>();
  files = files.slice();
  let lastScan = Date.now();
  let scanNow = false; // a file-system event came: look for new files at once
  let wake: (() => void) | undefined;
  // A change to a followed file: a pass at once. Any other file made or written to may be a new
  // session (its first records name its cwd only once written): discover at once, at most every
  // SCAN_GAP ms (discover reads the start of each file it does not know).
  const followed = new Set(files.map((f) => path.resolve(f)));
  const watchers = watchFolders(options.watch ?? [], (file) => {
    if (file === undefined || !followed.has(file)) scanNow = true;
    wake?.();
  });
  const pass = async () => {
    const since = Date.now() - lastScan;
    if (options.discover && ((scanNow && since >= SCAN_GAP) || since >= (options.rescan ?? 3000))) {
      scanNow = false;
      lastScan = Date.now();
      const found = options.discover(new Set(files));
      if (found.length) {
        files.push(...found);
        for (const f of found) followed.add(path.resolve(f));
        options.onDiscover?.(found);
      }
    }
    const changed = files.filter((f) => {
      const sig = signature(format, f);
      if (signatures.get(f) === sig) return false;
      signatures.set(f, sig);
      return sig !== '';
    });
    if (changed.length === 0) return;
    const summary = await importFiles(store, format, changed, { warn, cache, partialTail: true, reuse: parsed, ...(options.env && { env: options.env }) });
    if (summary.events.appended > 0) options.onImport?.(summary);
    // A follow runs for hours, a pack per change: merge them between passes once due (bounded, store/gc.ts).
    if (store.gcDue()) await store.gc({ auto: true });
  };
  try {
    await pass();
    while (!options.signal?.aborted) {
      // Waiting for a change (or the interval), or only out the gap before an event's discover.
      const wait = scanNow && options.discover ? Math.max(0, SCAN_GAP - (Date.now() - lastScan)) : interval;
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          // One listener per wait, removed when the wait ends: they must not pile up on the signal.
          const done = () => {
            clearTimeout(t);
            options.signal?.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          };
          const t = setTimeout(done, wait);
          wake = done;
          options.signal?.addEventListener('abort', done, { once: true });
        });
      }
      if (options.signal?.aborted) break;
      await pass();
    }
  } finally {
    for (const w of watchers) w.close();
  }
}

/**
 * fs.watch on each folder that exists, recursive where the platform supports it (else the folder
 * alone); a folder that cannot be watched is left to the periodic rescan.
 */
function watchFolders(folders: string[], onEvent: (file: string | undefined) => void): fs.FSWatcher[] {
  const out: fs.FSWatcher[] = [];
  for (const dir of folders) {
    for (const recursive of [true, false]) {
      try {
        const w = fs.watch(dir, { recursive, persistent: false }, (_type, name) => onEvent(name ? path.resolve(dir, name.toString()) : undefined));
        w.on('error', () => w.close()); // the folder went away: the rescan remains
        out.push(w);
        break;
      } catch {
        // not there, or no recursive watching here: try without, else rely on the rescan
      }
    }
  }
  return out;
}

/** Size and mtime of a file and, for Claude Code, of its subagent and Workflow agent files; '' when it does not exist. */
function signature(format: Format, file: string): string {
  const parts: string[] = [];
  try {
    const st = fs.statSync(file);
    parts.push(`${st.size}:${st.mtimeMs}`);
  } catch {
    return '';
  }
  if (format === 'claude') {
    const dir = claudeSubagentsDir(file);
    try {
      for (const f of fs.readdirSync(dir).sort()) {
        const st = fs.statSync(path.join(dir, f));
        parts.push(`${f}:${st.size}:${st.mtimeMs}`);
      }
    } catch {
      // no subagents folder
    }
    for (const [run, f] of claudeWorkflowAgentFiles(file)) {
      try {
        const st = fs.statSync(f);
        parts.push(`${run}/${path.basename(f)}:${st.size}:${st.mtimeMs}`);
      } catch {
        // gone since it was listed
      }
    }
  }
  return parts.join('|');
}

/** The folder an agent writes its sessions in (what `import --follow` watches for new ones). */
export function sessionsRoot(format: Format, env: NodeJS.ProcessEnv): string {
  return format === 'claude' ? claudeProjectsDir(env) : codexSessionsDir(env);
}
