import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store.js';
import { claudeSubagentsDir, claudeWorkflowAgentFiles } from '../formats/claude/paths.js';
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
}

/**
 * Follow session files while an agent writes them: import now, then whenever a file (or a Claude
 * session's subagents/ folder) changes, import again; with `discover`, new session files are followed
 * as they appear. Importing is idempotent, so each pass appends
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
  const pass = async () => {
    if (options.discover && Date.now() - lastScan >= (options.rescan ?? 3000)) {
      lastScan = Date.now();
      const found = options.discover(new Set(files));
      if (found.length) {
        files.push(...found);
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
    const summary = await importFiles(store, format, changed, { warn, cache, partialTail: true, reuse: parsed });
    if (summary.events.appended > 0) options.onImport?.(summary);
  };
  await pass();
  while (!options.signal?.aborted) {
    await new Promise<void>((resolve) => {
      // One listener per wait, removed when the wait ends: they must not pile up on the signal.
      const stop = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        options.signal?.removeEventListener('abort', stop);
        resolve();
      }, interval);
      options.signal?.addEventListener('abort', stop, { once: true });
    });
    if (options.signal?.aborted) break;
    await pass();
  }
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
