/**
 * core/import/ owns importing agents' session files into the store: finding them on this machine
 * (defaultSessionFiles.ts), planning which timelines and events a file makes (planClaude.ts,
 * planCodex.ts), writing a plan, skipping what is there (plan.ts: applyPlan), and following files while
 * an agent writes them (follow.ts). This file is the entry: importFiles. Imports go one way: import
 * uses core/formats/ (records → events, where the agents keep their files) and the store; nothing in
 * formats or export imports it.
 */

import { AgentlogError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { AgentFormat } from '../formats/index.js';
import { UnreadableFile, type ImportWarning, type ReadOptions } from '../formats/jsonl.js';
import { applyPlan, type ApplyCache, type ApplyResult, type Plan } from './plan.js';
import { planClaude } from './planClaude.js';
import { planCodex } from './planCodex.js';
import { inSessionOrder, LineageIndex } from './lineage.js';
import { addFileHistory, afterApply, type FileHistoryStats, noFileHistory, withFileHistory } from './claudeFileHistory.js';

export { defaultSessionFiles } from './defaultSessionFiles.js';
export { inSessionOrder, LineageIndex } from './lineage.js';
export { addFileHistory, CLAUDE_CHECKPOINT_LABEL, type FileHistoryStats, noFileHistory } from './claudeFileHistory.js';

export type Format = AgentFormat;

export interface ImportOptions extends ReadOptions {
  warn?: (w: ImportWarning) => void;
  /** Called with the number of events written since the last call. */
  progress?: (n: number) => void;
  cache?: ApplyCache;
  /** One index of the store's timelines shared across calls (an import of many files one at a time). */
  lineage?: LineageIndex;
  /** Called with each file's plan once it is made (before it is written). */
  onPlan?: (plan: Plan) => void;
  /** Where Claude Code's config folder is found ($CLAUDE_CONFIG_DIR, else $HOME/.claude): its file-history/ (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface ImportSummary {
  sessions: number;
  timelines: { created: number; extended: number; unchanged: number; diverged: number; names: string[] };
  events: { appended: number; present: number };
  warnings: ImportWarning[];
  /** Claude Code's file history made checkpoints (core/import/claudeFileHistory.ts). */
  fileHistory?: FileHistoryStats;
}

/** Plan one session file (a Claude Code main file brings its subagents/ folder along). */
export function planFile(format: Format, file: string, warn: (w: ImportWarning) => void, options: ReadOptions = {}): Plan {
  return format === 'claude' ? planClaude(file, warn, options) : planCodex(file, warn, options);
}

/** Import session files into the store; importing the same files again adds nothing. */
export async function importFiles(store: Store, format: Format, files: string[], options: ImportOptions = {}): Promise<ImportSummary> {
  const summary: ImportSummary & { fileHistory: FileHistoryStats } = {
    sessions: 0,
    timelines: { created: 0, extended: 0, unchanged: 0, diverged: 0, names: [] },
    events: { appended: 0, present: 0 },
    warnings: [],
    fileHistory: noFileHistory(),
  };
  const warn = (w: ImportWarning) => {
    summary.warnings.push(w);
    options.warn?.(w);
  };
  // One index of the store's timelines for the whole import: a session continuing another is found once.
  const lineage = options.lineage ?? new LineageIndex(store);
  for (const file of inSessionOrder(files)) {
    let plan: Plan;
    try {
      plan = planFile(format, file, warn, options);
    } catch (e) {
      if (e instanceof UnreadableFile) {
        warn({ file, message: e.why });
        continue;
      }
      const err = e as NodeJS.ErrnoException;
      // A file over 2 GiB cannot be read whole (ERR_FS_FILE_TOO_LARGE): a warning like any unreadable file.
      if (err?.syscall || err?.code === 'ERR_FS_FILE_TOO_LARGE') {
        warn({ file, message: `cannot read: ${err.message}` });
        continue;
      }
      throw e;
    }
    const history = format === 'claude' ? withFileHistory(plan, { env: options.env }) : undefined;
    if (history && history.objects.length > 0) plan.objects = history.objects;
    options.onPlan?.(plan);
    const planned = dropUnstorable(plan, warn);
    if (planned.length === 0) continue;
    const result = await applyRacing(planned.length, () =>
      applyPlan(store, { ...plan, timelines: planned }, { warn, progress: options.progress, cache: options.cache, lineage }),
    );
    summary.sessions++;
    for (const t of result.timelines) {
      summary.timelines[t.status]++;
      summary.timelines.names.push(t.name);
    }
    summary.events.appended += result.appended;
    summary.events.present += result.present;
    if (history) addFileHistory(summary.fileHistory, afterApply(history.stats, history.backups, result.heldPlain));
  }
  return summary;
}

/**
 * Apply a plan; when another writer (a capture hook, a second import of the same session) created one
 * of its timelines first, apply it again: the next pass finds that timeline and appends only what
 * the other writer did not. Each lost race is a different timeline of the plan coming into being (a
 * name is created once), so a plan of N timelines loses at most N times: two writers interleaved can
 * lose one timeline each pass, and a fixed small number of passes was not enough under load.
 */
async function applyRacing(timelines: number, apply: () => Promise<ApplyResult>): Promise<ApplyResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await apply();
    } catch (e) {
      const lost = e instanceof AgentlogError && e.code === 'E_REF' && /created by another writer|already exists/.test(e.message);
      if (!lost || attempt > timelines) throw e;
    }
  }
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
