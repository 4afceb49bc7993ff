import * as fs from 'node:fs';
import * as path from 'node:path';
import { claudeSubagentsDir } from '../formats/claude/paths.js';
import type { ImportWarning } from '../formats/jsonl.js';
import { addFileHistory, inSessionOrder, LineageIndex, noFileHistory, type Format, type ImportSummary } from '../import/index.js';
import type { Store } from '../store/store.js';
import { captureFile } from './captureFile.js';

export interface ImportChangedOptions {
  warn?: (w: ImportWarning) => void;
  /** After each file: how many files are done, of how many, and their bytes so far, of how many. */
  progress?: (p: { files: number; totalFiles: number; bytes: number; totalBytes: number }) => void;
  /** Where Claude Code's file history is found (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** When a batch of files is written (one pack, refs moved together): at this many bytes of objects, or files (default 16 MiB, 1,000). */
  batch?: { bytes?: number; files?: number };
}

export interface ImportChangedSummary extends ImportSummary {
  /** Files skipped unread (size, mtime, head and tail as last imported), and files read only from where they grew. */
  files: { total: number; unchanged: number; incremental: number; full: number };
}

/**
 * `agentlog import` of many files at the cost of what changed: each file goes through captureFile,
 * so a file unchanged since the last import or capture (size, mtime and the hashes of its head and of
 * the bytes before its recorded offset) is skipped unread, a file that grew along one path has only
 * its new lines read and appended, and any other is imported whole (importFiles, which adds only what
 * is missing). The result is what importing every file whole gives. Files go in session order (a
 * session continuing another after it) and share one index of the store's timelines.
 */
export async function importChanged(store: Store, format: Format, files: string[], options: ImportChangedOptions = {}): Promise<ImportChangedSummary> {
  const summary: ImportChangedSummary = {
    sessions: 0,
    timelines: { created: 0, extended: 0, unchanged: 0, diverged: 0, names: [] },
    events: { appended: 0, present: 0 },
    warnings: [],
    files: { total: files.length, unchanged: 0, incremental: 0, full: 0 },
    fileHistory: noFileHistory(),
  };
  const sizes = new Map(files.map((f) => [f, sizeOf(f)]));
  const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  const lineage = new LineageIndex(store);
  const limits = { bytes: options.batch?.bytes ?? BATCH_BYTES, files: options.batch?.files ?? BATCH_FILES };
  let done = 0;
  let bytes = 0;
  // As a hook captures a Claude Code session: its main file, then each file of its subagents/ folder.
  const units = inSessionOrder(files).flatMap((f): Unit[] => (format === 'claude' ? [f, ...subagentFiles(f).map((s) => ({ s, main: f }))] : [f]));
  // Main files imported whole in this run: they brought their subagents along, so a subagent file's
  // own pass (which only makes its state for the next run) adds nothing to the summary.
  const whole = new Set<string>();
  /** One unit captured, its outcome added to `into`; its warnings to `warn`. */
  const capture = async (unit: Unit, into: ImportChangedSummary, warn: (w: ImportWarning) => void) => {
    const file = typeof unit === 'string' ? unit : unit.s;
    const counted = typeof unit === 'string' || !whole.has(unit.main);
    let r: Awaited<ReturnType<typeof captureFile>> | undefined;
    try {
      r = await captureFile(store, format, file, warn, { partialTail: false, lineage, ...(options.env && { env: options.env }) });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (!err?.syscall) throw e;
      warn({ file, message: `cannot read: ${err.message}` }); // gone or unreadable since it was listed
    }
    if (r && typeof unit === 'string' && r.mode === 'full') whole.add(unit);
    if (r && !counted) into.events.appended += r.appended;
    else if (r) {
      if (typeof unit === 'string') into.files[r.mode]++;
      if (r.summary) {
        const s = r.summary;
        into.sessions += s.sessions;
        for (const k of ['created', 'extended', 'unchanged', 'diverged'] as const) into.timelines[k] += s.timelines[k];
        into.timelines.names.push(...s.timelines.names);
        into.events.appended += s.events.appended;
        into.events.present += s.events.present;
        addFileHistory(into.fileHistory!, s.fileHistory);
      } else if (r.mode === 'incremental' && r.timeline) {
        into.sessions++;
        into.timelines[r.appended ? 'extended' : 'unchanged']++;
        into.timelines.names.push(r.timeline);
        into.events.appended += r.appended;
      }
    }
  };
  const live = (w: ImportWarning) => {
    summary.warnings.push(w);
    options.warn?.(w);
  };
  // Files go through the store in batches (store/batch.ts): one pack and one move of each ref per
  // batch. What a batch did counts (and its warnings are told) once it is published; when another
  // writer moved one of its timelines meanwhile, its files are captured again one by one, unbatched,
  // each adding only what is not there.
  let batch: Unit[] = [];
  let part = emptySummary();
  const flush = async () => {
    const units = batch;
    const got = part;
    batch = [];
    part = emptySummary();
    const flushed = await store.flushBatch();
    if (flushed.failed.length === 0) {
      addSummary(summary, got);
      for (const w of got.warnings) live(w);
    } else {
      for (const unit of units) {
        if (typeof unit === 'string') whole.delete(unit);
        await capture(unit, summary, live);
      }
    }
    // Merge packs between batches once due (bounded, gc.ts), never inside a batch or an append.
    if (store.gcDue()) await store.gc({ auto: true });
  };
  for (const unit of units) {
    if (batch.length === 0) store.beginBatch();
    batch.push(unit);
    try {
      await capture(unit, part, (w) => part.warnings.push(w));
    } catch (e) {
      // A batch is written whole or not at all: none of its files was acknowledged (their state is
      // written once it is published), so the next import does them again.
      store.abortBatch();
      throw e;
    }
    if (store.batchSize() >= limits.bytes || batch.length >= limits.files) await flush();
    const file = typeof unit === 'string' ? unit : unit.s;
    if (!sizes.has(file)) continue; // a subagent file: counted with its main file
    done++;
    bytes += sizes.get(file) ?? 0;
    options.progress?.({ files: done, totalFiles: files.length, bytes, totalBytes });
  }
  if (batch.length) await flush();
  return summary;
}

/** A batch ends once its objects reach this many bytes, or this many files (each a ref or a few): memory bounded, refs moved often enough. */
const BATCH_BYTES = 16 << 20;
const BATCH_FILES = 1000;

type Unit = string | { s: string; main: string };

function emptySummary(): ImportChangedSummary {
  return {
    sessions: 0,
    timelines: { created: 0, extended: 0, unchanged: 0, diverged: 0, names: [] },
    events: { appended: 0, present: 0 },
    warnings: [],
    files: { total: 0, unchanged: 0, incremental: 0, full: 0 },
    fileHistory: noFileHistory(),
  };
}

function addSummary(to: ImportChangedSummary, from: ImportChangedSummary): void {
  to.sessions += from.sessions;
  for (const k of ['created', 'extended', 'unchanged', 'diverged'] as const) to.timelines[k] += from.timelines[k];
  to.timelines.names.push(...from.timelines.names);
  to.events.appended += from.events.appended;
  to.events.present += from.events.present;
  for (const k of ['unchanged', 'incremental', 'full'] as const) to.files[k] += from.files[k];
  addFileHistory(to.fileHistory!, from.fileHistory);
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The subagent files of a Claude Code main file (none for a file that is itself in a subagents/ folder). */
function subagentFiles(main: string): string[] {
  if (path.basename(path.dirname(main)) === 'subagents') return [];
  const dir = claudeSubagentsDir(main);
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}
