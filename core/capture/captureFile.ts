import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { claudeWorkflowAgentFiles } from '../formats/claude/paths.js';
import { fileHistorySnapshot } from '../formats/claude/fileHistory.js';
import { claudeEvent } from '../formats/claude/toEvents.js';
import { recordTs, spawnedAgentId, type ClaudeRecord } from '../formats/claude/records.js';
import { codexEvent } from '../formats/codex/toEvents.js';
import type { CodexRecord } from '../formats/codex/records.js';
import { DEFAULT_MAX_LINE_BYTES, parseTs, type ImportWarning, type ParsedPrefix } from '../formats/jsonl.js';
import { importFiles, type Format, type ImportSummary, type LineageIndex } from '../import/index.js';
import type { Plan } from '../import/plan.js';
import { cidAt } from '../import/plan.js';
import { redactedCopyOf, sameFileHistoryRecord } from '../import/standsFor.js';
import type { Appended, EventInput, Store } from '../store/store.js';
import { newWalk, WalkCursor } from './claudeWalk.js';
import { prefixIdentity, readState, writeState, type FileState } from './state.js';

export interface CaptureResult {
  file: string;
  /** unchanged: size, mtime, head and tail as last captured; incremental: only the new lines read; full: the file planned whole. */
  mode: 'unchanged' | 'incremental' | 'full';
  appended: number;
  /** incremental: the timeline the new lines went to. */
  timeline?: string;
  /** full: what importing the file whole did. */
  summary?: ImportSummary;
}

export interface CaptureOptions {
  /** Leave a last line without its newline for the next capture (default: true; an agent may be writing it). */
  partialTail?: boolean;
  /** One index of the store's timelines shared by the captures of many files (importChanged.ts). */
  lineage?: LineageIndex;
  /** Where Claude Code's file history is found (importFiles' `env`; default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Capture one session file into the store at a cost in proportion to what it gained: skipped when
 * its size and mtime are as last captured; its new complete lines appended on the known tip when the
 * state (state.ts) still matches the file and the store; otherwise imported whole (importFiles, which
 * adds only what is missing) and the state made again. The result is always what importing the whole
 * file gives: the incremental path refuses anything it cannot place exactly (claudeWalk.ts).
 */
export async function captureFile(
  store: Store,
  format: Format,
  file: string,
  warn: (w: ImportWarning) => void = () => {},
  options: CaptureOptions = {},
): Promise<CaptureResult> {
  const abs = path.resolve(file);
  const st = fs.statSync(abs);
  const state = readState(store.gitDir, abs);
  const tipHeld = state?.timeline !== undefined && store.tipOf(state.timeline) === state.tip;
  // Workflow agents (<id>/subagents/workflows/wf_*/) are planned only with their main file, and the
  // state does not follow them: a session that has any is imported whole at every capture.
  const followed = !(format === 'claude' && claudeWorkflowAgentFiles(abs).length > 0);
  const same = followed && state && state.format === format && (state.timeline === undefined || tipHeld);
  // Unchanged: size and mtime as recorded, and (two small reads) its head and the bytes before the
  // recorded offset still hash the same, so an edit that kept size and mtime is caught at its ends.
  if (same && state.size === st.size && state.mtimeMs === st.mtimeMs && samePrefix(abs, state)) {
    return { file: abs, mode: 'unchanged', appended: 0 };
  }
  // Grown: only the new lines are read. Same size with a new mtime is a rewrite, not growth: whole.
  if (same && tipHeld && (st.size > state.size || (st.size === state.size && st.mtimeMs === state.mtimeMs)) && st.size >= state.offset) {
    const done = await appendNewLines(store, format, abs, state);
    if (done) return done;
  }
  // Another capture of the same file raced this one (the store took its events first): import again,
  // which adds only what that one did not.
  for (let attempt = 1; ; attempt++) {
    const r = await importWhole(store, format, abs, st, warn, attempt < 3, options);
    if (r) return r;
  }
}

/** The incremental path: undefined when the state does not hold (then the file is imported whole). */
async function appendNewLines(store: Store, format: Format, file: string, state: FileState): Promise<CaptureResult | undefined> {
  const fd = fs.openSync(file, 'r');
  let fresh: FileState;
  let events: EventInput[];
  try {
    const st = fs.fstatSync(fd);
    const id = prefixIdentity(fd, state.offset);
    if (id.head !== state.head || id.tail !== state.tail) return undefined;
    const gained = Buffer.alloc(st.size - state.offset);
    let got = 0;
    while (got < gained.length) {
      const n = fs.readSync(fd, gained, got, gained.length - got, state.offset + got);
      if (n === 0) break;
      got += n;
    }
    const end = gained.lastIndexOf(0x0a, got - 1) + 1; // complete lines only: a last line may be half written
    const values: Record<string, unknown>[] = [];
    let lines = 0;
    for (let start = 0; start < end; ) {
      const nl = gained.indexOf(0x0a, start);
      lines++;
      if (nl - start > DEFAULT_MAX_LINE_BYTES) return undefined; // the whole import warns about it
      const text = gained.toString('utf8', start, nl).replace(/\r$/, '');
      start = nl + 1;
      if (text.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        return undefined;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v) || (/[eE]\+?\d{3}/.test(text) && hasInfinity(v))) return undefined;
      values.push(v as Record<string, unknown>);
    }
    let ts = state.lastTs ?? 0;
    const seq = state.seq!;
    events = [];
    if (format === 'claude') {
      const cursor = new WalkCursor(state.walk ?? newWalk(true));
      for (const v of values) {
        if (!cursor.take(v as ClaudeRecord)) return undefined;
        // A file-history snapshot may become a checkpoint (its backups read, trees written): the whole import does that.
        if (hasBackups(v as ClaudeRecord)) return undefined;
        ts = recordTs(v as ClaudeRecord) ?? ts;
        const e = claudeEvent(v as ClaudeRecord, ts);
        const agent = state.walk?.main ? spawnedAgentId(v as ClaudeRecord) : undefined;
        if (agent !== undefined) e.subagent = { timeline: `${state.timeline}.agent-${safeName(agent)}` };
        events.push(e);
      }
      fresh = { ...state, walk: cursor.state() };
    } else {
      // codexEvent looks back up to 50 events (an event_msg repeating a message's text).
      const before: EventInput[] = [];
      for (let s = Math.max(1, seq - 49); s <= seq; s++) {
        const stored = store.eventAt(state.tip!, s);
        // A redacted event reads otherwise than the file's record it stands for: the whole import plans from the file.
        if (!stored || stored.event.replaces !== undefined) return undefined;
        before.push(stored.event as unknown as EventInput);
      }
      for (const v of values) {
        ts = parseTs(v.timestamp) ?? ts;
        const e = codexEvent(v as CodexRecord, ts, before);
        before.push(e);
        events.push(e);
      }
      fresh = { ...state };
    }
    // An event the store cannot hold (a lone surrogate, an integer beyond 64 bits): the whole import skips it with a warning.
    for (const [k, e] of events.entries()) {
      try {
        cidAt(e, seq + 1 + k, null);
      } catch {
        return undefined;
      }
    }
    fresh = {
      ...fresh,
      size: st.size,
      mtimeMs: st.mtimeMs,
      offset: state.offset + end,
      lineCount: state.lineCount + lines,
      ...prefixIdentity(fd, state.offset + end),
    };
  } finally {
    fs.closeSync(fd);
  }
  // Each event must get its seq: when another writer got there first, stop and import the file whole.
  const chain = {};
  const outcomes = await Promise.allSettled(events.map((e, k) => store.append(fresh.timeline!, e, { seq: state.seq! + 1 + k, chain })));
  const done = outcomes.filter((o): o is PromiseFulfilledResult<Appended> => o.status === 'fulfilled').map((o) => o.value);
  const failed = outcomes.find((o) => o.status === 'rejected');
  if (failed) {
    const e = (failed as PromiseRejectedResult).reason;
    if (e instanceof AgentlogError && (e.code === 'E_MOVED' || e.code === 'E_CHAIN')) return undefined;
    throw e;
  }
  const last = done[done.length - 1];
  if (last) fresh = { ...fresh, tip: last.commit, seq: last.seq, lastTs: events[events.length - 1].ts as number };
  const made = fresh;
  store.whenDurable(() => writeState(store.gitDir, made)); // in a batch (importChanged): once its refs moved
  return { file, mode: 'incremental', appended: done.length, timeline: fresh.timeline };
}

/** The whole-file path: importFiles, then the state for the next capture from what it planned. */
async function importWhole(
  store: Store,
  format: Format,
  file: string,
  st: fs.Stats,
  warn: (w: ImportWarning) => void,
  retry: boolean,
  options: CaptureOptions,
): Promise<CaptureResult | undefined> {
  const reuse = new Map<string, ParsedPrefix>();
  let planned: Plan | undefined;
  let moved = false;
  // Two captures of one session: the other may make a timeline or fork branch first; importFiles
  // applies its plan again then, finding that timeline there.
  const summary = await importFiles(store, format, [file], {
    partialTail: options.partialTail ?? true,
    reuse,
    lineage: options.lineage,
    ...(options.env && { env: options.env }),
    onPlan: (p) => {
      planned = p;
    },
    warn: (w) => {
      if (/moved while importing/.test(w.message)) moved = true;
      else warn(w);
    },
  });
  if (moved && retry) return undefined;
  const read = reuse.get(file);
  const plan = planned;
  if (!read || !plan) return { file, mode: 'full', appended: summary.events.appended, summary };
  const fd = fs.openSync(file, 'r');
  let state: FileState;
  try {
    // Still moved after retries: no size recorded, so that the next capture looks at the file again.
    state = {
      v: 2,
      format,
      file,
      size: moved ? -1 : st.size,
      mtimeMs: st.mtimeMs,
      offset: read.bytes,
      lineCount: read.lineCount,
      ...prefixIdentity(fd, read.bytes),
    };
  } finally {
    fs.closeSync(fd);
  }
  // The timeline this file's records make, when they make one path and the store holds exactly it.
  const t = plan.timelines[0];
  const inSubagents = path.basename(path.dirname(file)) === 'subagents';
  const main = t && !t.fork && (format === 'codex' || inSubagents || (t.events[0] as Record<string, unknown>).parent === undefined) ? t : undefined;
  const tip = main && store.tipOf(main.name);
  let walkOk = true;
  let walk: FileState['walk'];
  if (format === 'claude') {
    const cursor = new WalkCursor(newWalk(!inSubagents), true);
    walkOk = read.lines.every((l) => cursor.take(l.value as ClaudeRecord));
    walk = cursor.state();
  }
  const lines = main?.lines?.filter((l) => l !== undefined) ?? [];
  const sameLines = lines.length === read.lines.length && read.lines.every((l, i) => l.line === lines[i]);
  if (
    main &&
    tip &&
    walkOk &&
    sameLines &&
    endsWith(store, tip, main.events[main.events.length - 1], format === 'codex' ? main.events.length - 1 : undefined)
  ) {
    const seq = store.commitInfo(tip).seq;
    state = { ...state, timeline: main.name, tip, seq, lastTs: main.events[main.events.length - 1].ts as number, walk };
  }
  const made = state;
  store.whenDurable(() => writeState(store.gitDir, made)); // in a batch (importChanged): once its refs moved
  return { file, mode: 'full', appended: summary.events.appended, summary };
}

/** Whether the file still holds, at its start and just before the recorded offset, the bytes the state hashed. */
function samePrefix(file: string, state: FileState): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const id = prefixIdentity(fd, state.offset);
    return id.head === state.head && id.tail === state.tail;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether the timeline at `tip` ends with the file's last planned event: its CID on top of the event
 * before. Usually the timeline holds the plan whole (tip seq = events - 1); a session continuing
 * another under a new id (core/import/lineage.ts: Claude's --fork-session) is a fork holding the
 * source's events up to where it left, then its own, so its seq differs while its tip is still the
 * file's last record. Codex (`seq` given) must hold the plan whole: an event there can refer to the
 * 50 events before it in the file, which a fork's timeline does not hold.
 */
function endsWith(store: Store, tip: string, last: EventInput, seq?: number): boolean {
  const info = store.commitInfo(tip);
  if (seq !== undefined && info.seq !== seq) return false;
  if (info.seq < 1 || info.cid === undefined) return info.seq === seq;
  const prev = store.eventAt(tip, info.seq - 1);
  try {
    if (prev === undefined) return false;
    if (cidAt(last, info.seq, prev.cid).equals(info.cid)) return true;
    // A redacted copy of it (agentlog redact while the agent still writes the file), or the same
    // file-history record in its other form (imported before its backups were here): new lines go after it.
    const stored = store.eventAt(tip, info.seq);
    return (
      stored !== undefined && (sameFileHistoryRecord(stored.event as Record<string, unknown>, last) || redactedCopyOf(store, stored, last, info.seq, prev))
    );
  } catch {
    return false;
  }
}

/** A git-ref-safe agent id, as core/import/planClaude.ts names a subagent's timeline (`<main>.agent-<id>`). */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+/, '') || 'session';
}

/** Whether a parsed line holds ±Infinity (1e400): the whole import skips such a line with a warning. */
function hasInfinity(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  for (const x of Object.values(v)) if (hasInfinity(x)) return true;
  return false;
}

/** A Claude Code file-history snapshot (not an update) naming backups: import/claudeFileHistory.ts may make it a checkpoint. */
function hasBackups(v: ClaudeRecord): boolean {
  const snap = fileHistorySnapshot(v);
  return snap !== undefined && !snap.update && snap.backups.length > 0;
}
